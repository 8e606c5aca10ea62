# ruff: noqa: S608 - SQL here is assembled only from this module's constant
# fragments and ``_Params`` placeholders; every value is a bound parameter.
"""Search backend inside the application's own database.

Why a database backend at all: the index lives in the same database (and,
with ``index(docs, connection=conn)``, the same transaction) as the content
it indexes, so a page and its search entry commit or roll back together, and
several application instances share one index without extra moving parts.

SQLite
    An FTS5 table ``search_fts`` (rowid = ``search_documents.id``) holds
    text pre-analysed in Python (:mod:`portalis.search._text`): FTS5's own
    stemmer only knows English, so stems come from the same Snowball
    stemmers Whoosh uses, each token prefixed with its language group
    (``en_regist``, ``de_partn``). The prefix keeps languages apart inside
    one index; queries are run as one ``MATCH`` branch per language group,
    each limited to documents of that group. Columns ``title_w`` and
    ``words`` hold unstemmed words for prefix queries, title suggestions and
    spelling checks. Snippets are highlighted in Python. Joins are written
    ``search_fts CROSS JOIN search_documents``: SQLite keeps CROSS JOIN order,
    and otherwise plans the tenant index first and probes FTS per row, which
    is 100x slower.

PostgreSQL
    ``search_documents`` carries two generated ``tsvector`` columns with GIN
    indexes: ``tsv`` (stemmed with the document's regconfig; title weight A,
    tags B, body C, plus a marker lexeme ``'lang en'`` that no parser can
    produce, so one tsquery can address each language group exactly) and
    ``words`` (``simple`` config, unstemmed; title A).
    Query words are analysed by PostgreSQL itself (``plainto_tsquery`` /
    ``phraseto_tsquery`` per regconfig, one round trip, cached), so stemming
    and stop words are exactly PostgreSQL's. Prefixes go against ``words``
    as ``'word':*``. Snippets come from ``ts_headline`` with private marker
    characters that are HTML-escaped around in Python.

Visibility, facet filters, totals and facet counts are all SQL over the same
``WHERE`` clause; ``tier_ids``/``partner_ids`` are JSON arrays (SQLite) or
``integer[]`` (PostgreSQL), NULL meaning "everyone". All values, including
every piece of user text, travel as bound parameters; the only text spliced
into SQL are constant fragments from this module.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from portalis.search import _text
from portalis.search._common import did_you_mean, facet_lists
from portalis.search._query import Atom, ParsedQuery, parse_query
from portalis.search.backend import FEW_HITS, SUGGEST_LIMIT
from portalis.search.documents import (
    PLUGIN_FACET,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
    SearchViewer,
)

__all__ = ["DatabaseBackend"]

#: Multiplier for documents in the query's preferred language.
LANGUAGE_BOOST = 1.5
#: FTS5 bm25 column weights: title, tags, body, title_w, words.
_BM25 = "bm25(search_fts, 10.0, 5.0, 1.0, 10.0, 1.0)"
#: Matches ranked for title suggestions (PostgreSQL).
_SUGGEST_POOL = 400
#: Visible documents counted per spelling candidate (enough to rank them).
_DF_CAP = 1000
_CHUNK = 500
_HEADLINE_OPTS = (
    "StartSel=\x02, StopSel=\x03, MaxWords=40, MinWords=15, ShortWord=2, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)

_SQL_ESCAPED_BODY = (
    "replace(replace(replace(replace(replace(d.body, '&', '&amp;'), '<', '&lt;'), "
    "'>', '&gt;'), '\"', '&quot;'), chr(39), '&#x27;')"
)

_SQLITE_DDL = (
    """CREATE TABLE IF NOT EXISTS search_documents (
        id INTEGER PRIMARY KEY,
        tenant_id INTEGER NOT NULL,
        doc_id TEXT NOT NULL,
        plugin TEXT NOT NULL,
        program_id INTEGER,
        tier_ids TEXT,
        partner_ids TEXT,
        audience TEXT NOT NULL,
        language TEXT NOT NULL,
        lgroup TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        tags TEXT NOT NULL,
        facets TEXT NOT NULL,
        url TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (tenant_id, doc_id)
    )""",
    "CREATE INDEX IF NOT EXISTS search_documents_date ON search_documents (tenant_id, updated_at)",
    # Not contentless: deleting from a contentless FTS5 table (before SQLite
    # 3.43) needs the exact indexed text again, and a stemmer upgrade would
    # then silently corrupt the index. The price is storing the analysed text.
    """CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        title, tags, body, title_w, words,
        tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
    )""",
    """CREATE TABLE IF NOT EXISTS search_spell (
        tenant_id INTEGER NOT NULL,
        dkey TEXT NOT NULL,
        word TEXT NOT NULL,
        PRIMARY KEY (tenant_id, dkey, word)
    ) WITHOUT ROWID""",
)

_PG_DDL = (
    """CREATE TABLE IF NOT EXISTS search_documents (
        id bigserial PRIMARY KEY,
        tenant_id integer NOT NULL,
        doc_id text NOT NULL,
        plugin text NOT NULL,
        program_id integer,
        tier_ids integer[],
        partner_ids integer[],
        audience text NOT NULL,
        language text NOT NULL,
        lgroup text NOT NULL,
        cfg regconfig NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        tags text NOT NULL,
        facets jsonb NOT NULL,
        url text NOT NULL,
        updated_at timestamptz NOT NULL,
        tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector(cfg, title), 'A')
            || setweight(to_tsvector(cfg, tags), 'B')
            || setweight(to_tsvector(cfg, body), 'C')
            || array_to_tsvector(ARRAY['lang ' || lgroup])
        ) STORED,
        words tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', title), 'A')
            || setweight(to_tsvector('simple', tags), 'B')
            || to_tsvector('simple', body)
        ) STORED,
        UNIQUE (tenant_id, doc_id)
    )""",
    # A small pending list: GIN's fast-update buffer is scanned linearly by
    # every query until (auto)vacuum merges it; the default 4 MB made
    # queries 20x slower right after a bulk load.
    """CREATE INDEX IF NOT EXISTS search_documents_tsv ON search_documents
        USING gin (tsv) WITH (gin_pending_list_limit = 256)""",
    """CREATE INDEX IF NOT EXISTS search_documents_words ON search_documents
        USING gin (words) WITH (gin_pending_list_limit = 256)""",
    """CREATE INDEX IF NOT EXISTS search_documents_date
        ON search_documents (tenant_id, updated_at DESC)""",
    """CREATE TABLE IF NOT EXISTS search_spell (
        tenant_id integer NOT NULL,
        dkey text NOT NULL,
        word text NOT NULL,
        PRIMARY KEY (tenant_id, dkey, word)
    )""",
)


class _Params:
    """Collects bound parameters; calling it returns the placeholder."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __call__(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return ":" + name

    def many(self, values: Iterable[Any]) -> str:
        return ", ".join(self(v) for v in values)


_SCORE_RE = re.compile(r"/\*score\*/.*?/\*end\*/", re.S)


def _score(expr: str) -> str:
    """Mark a score expression so ``_unscored`` can drop it: counting and
    facets need the same matches but no ranking (ts_rank detoasts every
    matching row's tsvector)."""
    return f"/*score*/{expr}/*end*/"


def _unscored(sql: str) -> str:
    return _SCORE_RE.sub("0.0", sql)


def _fts_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _tsq_lexeme(word: str) -> str:
    """A tsquery lexeme literal (quoted, so no word is read as syntax)."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class DatabaseBackend:
    """Search in the application's SQLite (FTS5) or PostgreSQL database.

    Writes accept ``connection=`` to run inside the caller's transaction
    (nothing is committed then); without it each call is its own transaction.
    """

    def __init__(self, engine: Engine) -> None:
        dialect = engine.dialect.name
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"DatabaseBackend supports sqlite and postgresql, not {dialect}")
        self.engine = engine
        self.is_pg = dialect == "postgresql"
        #: Optional ``() -> Connection | None`` for reads (the app passes its session's).
        self.read_connection: Callable[[], Connection | None] | None = None
        # (regconfig, kind, text) -> tsquery text; PostgreSQL's analysis of a
        # word never changes for a given server, so it is worth remembering.
        self._tsq_cache: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._tsq_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------

    def setup(self) -> None:
        with self.engine.begin() as conn:
            for ddl in _PG_DDL if self.is_pg else _SQLITE_DDL:
                conn.exec_driver_sql(ddl)

    def close(self) -> None:
        """The engine belongs to the caller; nothing of ours to release."""

    def optimize(self) -> None:
        """Maintenance after a bulk load (not part of the protocol).

        SQLite: merge the FTS5 b-trees and refresh planner statistics.
        PostgreSQL: ``VACUUM ANALYZE``, which also flushes the GIN pending
        lists; autovacuum does the same eventually.
        """
        if self.is_pg:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE search_documents")
                conn.exec_driver_sql("VACUUM ANALYZE search_spell")
        else:
            with self.engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
                conn.exec_driver_sql("ANALYZE")

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """Reads use the application's current connection when it offers one (so a
        request sees what its own transaction wrote), else a pooled connection."""
        conn = self.read_connection() if self.read_connection is not None else None
        if conn is not None:
            yield conn
        else:
            with self.engine.connect() as own:
                yield own

    @contextmanager
    def _tx(self, connection: Connection | None) -> Iterator[Connection]:
        if connection is not None:
            yield connection
        else:
            with self.engine.begin() as conn:
                yield conn

    # -- writing ---------------------------------------------------------

    def index(self, docs: Sequence[SearchDocument], connection: Connection | None = None) -> None:
        latest: dict[tuple[int, str], SearchDocument] = {}
        for doc in docs:
            latest[(doc.tenant_id, doc.doc_id)] = doc
        if not latest:
            return
        with self._tx(connection) as conn:
            vocab: dict[int, set[str]] = {}
            if self.is_pg:
                self._index_pg(conn, list(latest.values()), vocab)
            else:
                self._index_sqlite(conn, list(latest.values()), vocab)
            for tenant_id, words in vocab.items():
                self._add_vocabulary(conn, tenant_id, words)

    @staticmethod
    def _texts(doc: SearchDocument) -> tuple[str, str, str]:
        return (
            _text.clean(doc.title),
            "\n".join(_text.clean(t) for t in doc.tags),
            _text.clean(doc.body)[: _text.MAX_BODY_CHARS],
        )

    def _index_sqlite(
        self, conn: Connection, docs: list[SearchDocument], vocab: dict[int, set[str]]
    ) -> None:
        upsert = """INSERT INTO search_documents (tenant_id, doc_id, plugin, program_id,
                tier_ids, partner_ids, audience, language, lgroup, title, body, tags, facets,
                url, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (tenant_id, doc_id) DO UPDATE SET plugin = excluded.plugin,
                program_id = excluded.program_id, tier_ids = excluded.tier_ids,
                partner_ids = excluded.partner_ids, audience = excluded.audience,
                language = excluded.language, lgroup = excluded.lgroup, title = excluded.title,
                body = excluded.body, tags = excluded.tags, facets = excluded.facets,
                url = excluded.url, updated_at = excluded.updated_at
            RETURNING id"""
        fts_rows: list[tuple[Any, ...]] = []
        for doc in docs:
            group = _text.language_group(doc.language)
            title, tags, body = self._texts(doc)
            row = (
                doc.tenant_id,
                doc.doc_id,
                doc.plugin,
                doc.program_id,
                None if doc.tier_ids is None else json.dumps(doc.tier_ids),
                None if doc.partner_ids is None else json.dumps(doc.partner_ids),
                doc.audience,
                doc.language,
                group,
                title,
                body,
                json.dumps(doc.tags),
                json.dumps(doc.facets),
                doc.url,
                _iso(doc.updated_at),
            )
            rowid = conn.exec_driver_sql(upsert, row).scalar_one()
            title_w, tags_w, body_w = _text.words(title), _text.words(tags), _text.words(body)
            distinct = set(title_w).union(tags_w, body_w)
            vocab.setdefault(doc.tenant_id, set()).update(w for w in distinct if _text.spellable(w))
            fn = _text.stemmer(group)
            pre = group + "_"
            fts_rows.append(
                (
                    rowid,
                    " ".join(pre + fn(w) for w in title_w),
                    " ".join(pre + fn(w) for w in tags_w),
                    " ".join(pre + fn(w) for w in body_w),
                    " ".join(title_w),
                    " ".join(sorted(distinct)),
                )
            )
        conn.exec_driver_sql("DELETE FROM search_fts WHERE rowid = ?", [(r[0],) for r in fts_rows])
        conn.exec_driver_sql(
            "INSERT INTO search_fts (rowid, title, tags, body, title_w, words) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            fts_rows,
        )

    def _index_pg(
        self, conn: Connection, docs: list[SearchDocument], vocab: dict[int, set[str]]
    ) -> None:
        rows = []
        for doc in docs:
            group = _text.language_group(doc.language)
            title, tags, body = self._texts(doc)
            vocab.setdefault(doc.tenant_id, set()).update(
                w for w in _text.words(f"{title}\n{tags}\n{body}") if _text.spellable(w)
            )
            rows.append(
                {
                    "tenant_id": doc.tenant_id,
                    "doc_id": doc.doc_id,
                    "plugin": doc.plugin,
                    "program_id": doc.program_id,
                    "tier_ids": None if doc.tier_ids is None else list(doc.tier_ids),
                    "partner_ids": None if doc.partner_ids is None else list(doc.partner_ids),
                    "audience": doc.audience,
                    "language": doc.language,
                    "lgroup": group,
                    "cfg": _text.PG_CONFIGS[group],
                    "title": title,
                    "body": body,
                    "tags": tags,
                    "facets": json.dumps(doc.facets),
                    "url": doc.url,
                    "updated_at": doc.updated_at,
                }
            )
        conn.execute(
            text(
                """INSERT INTO search_documents (tenant_id, doc_id, plugin, program_id,
                    tier_ids, partner_ids, audience, language, lgroup, cfg, title, body, tags,
                    facets, url, updated_at)
                VALUES (:tenant_id, :doc_id, :plugin, :program_id,
                    CAST(:tier_ids AS integer[]), CAST(:partner_ids AS integer[]), :audience,
                    :language, :lgroup, CAST(:cfg AS regconfig), :title, :body, :tags,
                    CAST(:facets AS jsonb), :url, :updated_at)
                ON CONFLICT (tenant_id, doc_id) DO UPDATE SET plugin = EXCLUDED.plugin,
                    program_id = EXCLUDED.program_id, tier_ids = EXCLUDED.tier_ids,
                    partner_ids = EXCLUDED.partner_ids, audience = EXCLUDED.audience,
                    language = EXCLUDED.language, lgroup = EXCLUDED.lgroup, cfg = EXCLUDED.cfg,
                    title = EXCLUDED.title, body = EXCLUDED.body, tags = EXCLUDED.tags,
                    facets = EXCLUDED.facets, url = EXCLUDED.url,
                    updated_at = EXCLUDED.updated_at"""
            ),
            rows,
        )

    def _add_vocabulary(self, conn: Connection, tenant_id: int, words: set[str]) -> None:
        """Record new words with their one-deletion keys (see
        ``_text.deletes``). Words are never removed: a stale word is harmless
        because every suggestion is re-checked against visible documents."""
        todo = sorted(words)
        if self.is_pg:
            # Set-based on the server: one statement instead of a round trip
            # per chunk and a row per key. substr() builds the same keys as
            # _text.deletes (PostgreSQL counts characters, as Python does).
            conn.execute(
                text(
                    """WITH new AS (
                        SELECT u.word FROM unnest(CAST(:words AS text[])) AS u(word)
                        WHERE NOT EXISTS (
                            SELECT 1 FROM search_spell s
                            WHERE s.tenant_id = :t AND s.dkey = u.word AND s.word = u.word))
                    INSERT INTO search_spell (tenant_id, dkey, word)
                    SELECT :t, k.dkey, new.word FROM new CROSS JOIN LATERAL (
                        SELECT new.word AS dkey
                        UNION SELECT substr(new.word, 1, i - 1) || substr(new.word, i + 1)
                        FROM generate_series(1, length(new.word)) AS i) AS k
                    ON CONFLICT DO NOTHING"""
                ),
                {"t": tenant_id, "words": todo},
            )
            return
        known: set[str] = set()
        for chunk in _chunks(todo):
            p = _Params()
            sql = (
                f"SELECT dkey FROM search_spell WHERE tenant_id = {p(tenant_id)} "
                f"AND dkey = word AND dkey IN ({p.many(chunk)})"
            )
            known.update(conn.execute(text(sql), p.values).scalars())
        rows = [
            {"t": tenant_id, "k": key, "w": word}
            for word in todo
            if word not in known
            for key in _text.deletes(word)
        ]
        if not rows:
            return
        insert = (
            "INSERT INTO search_spell (tenant_id, dkey, word) VALUES (:t, :k, :w) "
            "ON CONFLICT DO NOTHING"
        )
        for chunk in _chunks(rows, 5000):
            conn.execute(text(insert), list(chunk))

    def delete(
        self, tenant_id: int, doc_ids: Sequence[str], connection: Connection | None = None
    ) -> None:
        if not doc_ids:
            return
        with self._tx(connection) as conn:
            for chunk in _chunks(list(doc_ids)):
                p = _Params()
                where = f"tenant_id = {p(tenant_id)} AND doc_id IN ({p.many(chunk)})"
                if not self.is_pg:
                    conn.execute(
                        text(
                            "DELETE FROM search_fts WHERE rowid IN "
                            f"(SELECT id FROM search_documents WHERE {where})"
                        ),
                        p.values,
                    )
                conn.execute(text(f"DELETE FROM search_documents WHERE {where}"), p.values)

    def clear(self, tenant_id: int | None, connection: Connection | None = None) -> None:
        with self._tx(connection) as conn:
            if tenant_id is None:
                if not self.is_pg:
                    conn.exec_driver_sql("DELETE FROM search_fts")
                conn.exec_driver_sql("DELETE FROM search_documents")
                conn.exec_driver_sql("DELETE FROM search_spell")
                return
            params = {"t": tenant_id}
            if not self.is_pg:
                conn.execute(
                    text(
                        "DELETE FROM search_fts WHERE rowid IN "
                        "(SELECT id FROM search_documents WHERE tenant_id = :t)"
                    ),
                    params,
                )
            conn.execute(text("DELETE FROM search_documents WHERE tenant_id = :t"), params)
            conn.execute(text("DELETE FROM search_spell WHERE tenant_id = :t"), params)

    # -- shared SQL pieces -------------------------------------------------

    def _visibility(self, p: _Params, tenant_id: int, viewer: SearchViewer) -> str | None:
        """The viewer's visibility rule as SQL on alias ``d``; None = nothing."""
        if not viewer.enabled_plugins:
            return None
        parts = [
            f"d.tenant_id = {p(tenant_id)}",
            f"d.plugin IN ({p.many(sorted(viewer.enabled_plugins))})",
        ]
        if not viewer.is_vendor_staff:
            parts.append("d.audience IN ('partner', 'all')")
            if viewer.program_id is None:
                parts.append("d.program_id IS NULL")
            else:
                parts.append(f"(d.program_id IS NULL OR d.program_id = {p(viewer.program_id)})")
            for column, value in (("tier_ids", viewer.tier_id), ("partner_ids", viewer.partner_id)):
                if value is None:
                    parts.append(f"d.{column} IS NULL")
                elif self.is_pg:
                    parts.append(
                        f"(d.{column} IS NULL OR CAST({p(value)} AS integer) = ANY(d.{column}))"
                    )
                else:
                    parts.append(
                        f"(d.{column} IS NULL OR EXISTS (SELECT 1 FROM json_each(d.{column}) "
                        f"AS j WHERE j.value = {p(value)}))"
                    )
        return " AND ".join(parts)

    def _facet_filter(self, p: _Params, filters: dict[str, str]) -> list[str]:
        parts: list[str] = []
        others: dict[str, str] = {}
        for key, value in filters.items():
            if key == PLUGIN_FACET:
                parts.append(f"d.plugin = {p(value)}")
            else:
                others[key] = value
        if others and self.is_pg:
            # One containment test for all filters (the JSON is a parameter).
            parts.append(f"d.facets @> CAST({p(json.dumps(others))} AS jsonb)")
        elif others:
            parts.extend(
                "EXISTS (SELECT 1 FROM json_each(d.facets) AS jf "
                f"WHERE jf.key = {p(key)} AND jf.value = {p(value)})"
                for key, value in others.items()
            )
        return parts

    # -- reading -------------------------------------------------------------

    def search(self, q: SearchQuery) -> SearchResults:
        started = time.perf_counter()
        parsed = parse_query(q.text)
        p = _Params()
        visible = self._visibility(p, q.tenant_id, q.viewer)
        total, suggestion = 0, None
        hits: list[SearchHit] = []
        facets: dict[str, dict[str, int]] = {}
        if visible is not None:
            with self._read() as conn:
                where = " AND ".join([visible, *self._facet_filter(p, dict(q.facet_filters))])
                if self.is_pg:
                    matched, headline = self._pg_matched(conn, p, parsed, where, q.language)
                else:
                    matched, headline = self._sqlite_matched(p, parsed, where, q.language)
                if matched is not None:
                    ranked = q.sort == "relevance" and bool(parsed.positive)
                    page_sql = matched if ranked else _unscored(matched)
                    total, hits, facets = self._page(conn, p, page_sql, headline, parsed, q)
                    if total and not hits:  # a page past the end
                        facets = self._facets(conn, p, _unscored(matched))
                if total < FEW_HITS and parsed.positive:
                    suggestion = self._did_you_mean(conn, parsed, q.tenant_id, q.viewer)
        return SearchResults(
            total=total,
            hits=hits,
            facets=facet_lists(facets),
            suggestion=suggestion,
            took_ms=(time.perf_counter() - started) * 1000,
        )

    def _page(
        self,
        conn: Connection,
        p: _Params,
        matched: str,
        headline: str | None,
        parsed: ParsedQuery,
        q: SearchQuery,
    ) -> tuple[int, list[SearchHit], dict[str, dict[str, int]]]:
        """One page of hits, the total and the facet counts in one statement.

        The matching set is computed once (a materialised CTE) and feeds the
        window count, the page and the facet aggregation; the heavy columns
        are only read for the page. A page past the end has no rows to carry
        the total, so then the total is counted separately.
        """
        if q.sort == "date" or not parsed.positive:
            order, outer = "updated_at DESC, id DESC", "page.updated_at DESC, page.id DESC"
        else:
            order, outer = "score DESC, id", "page.score DESC, page.id"
        snippet = f"{headline} AS headline" if headline else "NULL AS headline"
        if self.is_pg:
            agg = "jsonb_agg(jsonb_build_array(f.k, f.v, f.n))"
        else:
            agg = "json_group_array(json_array(f.k, f.v, f.n))"
        sql = f"""WITH m AS MATERIALIZED ({matched}),
            page AS (SELECT id, score, updated_at, count(*) OVER () AS total FROM m
                     ORDER BY {order} LIMIT {p(q.per_page)} OFFSET {p(q.offset)}),
            fac AS (SELECT {agg} AS counts FROM ({self._facet_rows("m")}) AS f)
            SELECT page.total, page.score, d.doc_id, d.plugin, d.title, d.url, d.body,
                   d.lgroup, d.facets, d.updated_at, {snippet}, fac.counts
            FROM page JOIN search_documents d ON d.id = page.id CROSS JOIN fac
            ORDER BY {outer}"""
        rows = conn.execute(text(sql), p.values).all()
        facets: dict[str, dict[str, int]] = {}
        if rows:
            total = int(rows[0][0])
            counts = rows[0][-1]
            for key, value, n in json.loads(counts) if isinstance(counts, str) else counts:
                facets.setdefault(PLUGIN_FACET if key is None else key, {})[str(value)] = int(n)
        else:
            total = int(
                conn.execute(
                    text(f"WITH m AS ({_unscored(matched)}) SELECT count(*) FROM m"), p.values
                ).scalar_one()
            )
        hits = []
        for row in rows:
            _total, score, doc_id, plugin, title, url, body, group, doc_facets, updated, hl, _ = row
            if hl is not None:
                # Already escaped in SQL; only the private markers become tags.
                snippet_html = hl.replace("\x02", "<mark>").replace("\x03", "</mark>").strip()
            else:
                stems, prefixes = parsed.highlight_terms(group)
                snippet_html = _text.highlight(body, group, stems, prefixes)
            if isinstance(updated, str):
                updated = datetime.fromisoformat(updated)
            hits.append(
                SearchHit(
                    doc_id=doc_id,
                    plugin=plugin,
                    title=title,
                    url=url,
                    snippet_html=snippet_html,
                    score=float(score or 0.0),
                    updated_at=updated.astimezone(UTC),
                    facets=json.loads(doc_facets)
                    if isinstance(doc_facets, str)
                    else dict(doc_facets),
                )
            )
        return total, hits, facets

    def _facet_rows(self, m: str) -> str:
        """(facet name or NULL for plugin, value, count) rows over ``m``,
        which carries each match's plugin and facets (no second join)."""
        each = f"jsonb_each_text({m}.facets)" if self.is_pg else f"json_each({m}.facets)"
        return f"""SELECT NULL AS k, {m}.plugin AS v, count(*) AS n FROM {m} GROUP BY {m}.plugin
            UNION ALL
            SELECT jf.key, jf.value, count(*) FROM {m}, {each} AS jf GROUP BY jf.key, jf.value"""

    def _facets(self, conn: Connection, p: _Params, matched: str) -> dict[str, dict[str, int]]:
        """Facet counts on their own (when the page is past the end)."""
        sql = f"WITH m AS ({matched}) {self._facet_rows('m')}"
        counts: dict[str, dict[str, int]] = {}
        for key, value, n in conn.execute(text(sql), p.values):
            counts.setdefault(PLUGIN_FACET if key is None else key, {})[str(value)] = int(n)
        return counts

    # -- SQLite matching -------------------------------------------------

    @staticmethod
    def _fts_atom(atom: Atom, group: str, columns: str | None = None) -> str:
        if atom.kind == "prefix":
            return "{" + (columns or "title_w words") + "} : " + _fts_quote(atom.words[0]) + " *"
        fn = _text.stemmer(group)
        tokens = " ".join(f"{group}_{fn(w)}" for w in atom.words)
        expr = _fts_quote(tokens)
        return "{" + columns + "} : " + expr if columns else expr

    def _fts_expression(self, parsed: ParsedQuery, group: str) -> tuple[str | None, str | None]:
        """FTS5 MATCH strings for one language group: (positive, negative)."""

        def clause(c: Any) -> str:
            alts = [self._fts_atom(a, group) for a in c.atoms]
            return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"

        pos = " AND ".join(clause(c) for c in parsed.positive) or None
        neg = " OR ".join(clause(c) for c in parsed.negative) or None
        return pos, neg

    def _sqlite_matched(
        self, p: _Params, parsed: ParsedQuery, where: str, language: str | None
    ) -> tuple[str | None, None]:
        """SQL selecting (id, score, updated_at) of the visible matches.

        One branch per distinct FTS expression, each limited to its language
        groups; identical expressions (prefix-only queries) share a branch.
        """
        branches: dict[tuple[str | None, str | None], list[str]] = {}
        for group in _text.GROUPS:
            branches.setdefault(self._fts_expression(parsed, group), []).append(group)
        boost = "1.0"
        if language:
            boost = (
                f"(CASE WHEN d.lgroup = {p(_text.language_group(language))} "
                f"THEN {LANGUAGE_BOOST} ELSE 1.0 END)"
            )
        if not parsed.positive:
            sql = (
                "SELECT d.id AS id, 0.0 AS score, d.updated_at AS updated_at, d.plugin, d.facets "
                f"FROM search_documents d WHERE {where}"
            )
            excluded = [
                f"(d.lgroup IN ({p.many(groups)}) AND d.id IN "
                f"(SELECT rowid FROM search_fts WHERE search_fts MATCH {p(neg)}))"
                for (_pos, neg), groups in branches.items()
                if neg
            ]
            if excluded:
                sql += " AND NOT (" + " OR ".join(excluded) + ")"
            return sql, None
        selects = []
        for (pos, neg), groups in branches.items():
            expr = pos if neg is None else f"({pos}) NOT ({neg})"
            selects.append(
                f"SELECT d.id AS id, {_score(f'-{_BM25} * {boost}')} AS score, "
                "d.updated_at AS updated_at, d.plugin, d.facets "
                "FROM search_fts CROSS JOIN search_documents d ON d.id = search_fts.rowid "
                f"WHERE search_fts MATCH {p(expr)} AND d.lgroup IN ({p.many(groups)}) AND {where}"
            )
        return " UNION ALL ".join(selects), None

    # -- PostgreSQL matching ---------------------------------------------

    def _pg_analyze(
        self, conn: Connection, atoms: Iterable[Atom]
    ) -> dict[tuple[str, str, str], str]:
        """tsquery text for every (regconfig, kind, text) the query needs,
        computed by PostgreSQL in one round trip and cached."""
        wanted: set[tuple[str, str, str]] = set()
        for atom in atoms:
            if atom.kind != "prefix":
                for cfg in _text.PG_CONFIGS.values():
                    wanted.add((cfg, atom.kind, " ".join(atom.words)))
        found: dict[tuple[str, str, str], str] = {}
        with self._tsq_lock:
            for key in wanted:
                if key in self._tsq_cache:
                    found[key] = self._tsq_cache[key]
                    self._tsq_cache.move_to_end(key)
        missing = sorted(wanted - found.keys())
        if missing:
            rows = conn.execute(
                text(
                    """SELECT t.cfg, t.kind, t.txt, CAST(CASE WHEN t.kind = 'phrase'
                        THEN phraseto_tsquery(CAST(t.cfg AS regconfig), t.txt)
                        ELSE plainto_tsquery(CAST(t.cfg AS regconfig), t.txt) END AS text)
                    FROM unnest(CAST(:cfgs AS text[]), CAST(:kinds AS text[]),
                                CAST(:txts AS text[])) AS t(cfg, kind, txt)"""
                ),
                {
                    "cfgs": [m[0] for m in missing],
                    "kinds": [m[1] for m in missing],
                    "txts": [m[2] for m in missing],
                },
            ).all()
            with self._tsq_lock:
                for cfg, kind, txt, tsq in rows:
                    found[(cfg, kind, txt)] = tsq
                    self._tsq_cache[(cfg, kind, txt)] = tsq
                while len(self._tsq_cache) > 20_000:
                    self._tsq_cache.popitem(last=False)
        return found

    def _pg_matched(
        self,
        conn: Connection,
        p: _Params,
        parsed: ParsedQuery,
        where: str,
        language: str | None,
    ) -> tuple[str | None, str | None]:
        """SQL selecting (id, score, updated_at) of the visible matches, and
        the ts_headline expression for the page."""
        base = (
            "SELECT d.id AS id, 0.0 AS score, d.updated_at AS updated_at, d.plugin, d.facets "
            f"FROM search_documents d WHERE {where}"
        )
        if parsed.is_empty:
            return base, None
        tsq = self._pg_analyze(conn, parsed.atoms(positive_only=False))

        def atom_tsq(atom: Atom, cfg: str) -> str:
            if atom.kind == "prefix":
                return _tsq_lexeme(atom.words[0]) + ":*"
            return tsq[(cfg, atom.kind, " ".join(atom.words))]

        pure: list[str] = []
        mixed: dict[str, list[str]] = {}
        rank_q: dict[str, str] = {}
        for group, cfg in _text.PG_CONFIGS.items():
            pred = self._pg_predicate(parsed, cfg, group, atom_tsq)
            if pred is not None:
                kind, body = pred
                if kind == "tsquery":
                    pure.append(body)
                else:
                    mixed.setdefault(body, []).append(group)
            stems = [
                f"({t})" for a in parsed.atoms() if a.kind != "prefix" and (t := atom_tsq(a, cfg))
            ]
            if stems:
                rank_q[group] = " | ".join(stems)
        if not pure and not mixed:
            return None, None
        alternatives = []
        if pure:
            # One GIN scan answers every language at once, exactly: each
            # branch requires its language's marker lexeme.
            alternatives.append("d.tsv @@ CAST(\x00" + " | ".join(pure) + "\x00 AS tsquery)")
        alternatives += [
            f"(d.lgroup IN ({p.many(groups)}) AND {sql})" for sql, groups in mixed.items()
        ]
        match = " OR ".join(alternatives)
        # Predicates carry tsquery texts; bind them now (see _pg_predicate).
        match = self._bind_tsqueries(p, match)
        if not parsed.positive:
            return f"{base} AND ({match})", None
        case = " ".join(
            f"WHEN {p(group)} THEN CAST({p(query)} AS tsquery)" for group, query in rank_q.items()
        )
        per_lang = f"(CASE d.lgroup {case} END)" if case else "NULL"
        prefixes = " | ".join(
            _tsq_lexeme(a.words[0]) + ":*" for a in parsed.atoms() if a.kind == "prefix"
        )
        score = f"COALESCE(ts_rank(d.tsv, {per_lang}), 0)"
        if prefixes:
            score += f" + COALESCE(ts_rank(d.words, CAST({p(prefixes)} AS tsquery)), 0)"
        if language:
            score = (
                f"({score}) * (CASE WHEN d.lgroup = {p(_text.language_group(language))} "
                f"THEN {LANGUAGE_BOOST} ELSE 1.0 END)"
            )
        sql = (
            f"SELECT d.id AS id, {_score(score)} AS score, d.updated_at AS updated_at, "
            "d.plugin, d.facets "
            f"FROM search_documents d WHERE {where} AND ({match})"
        )
        headline = None
        if case:
            # ts_headline copies document text verbatim (and drops what its
            # parser takes for tags), so it is fed HTML-escaped text: its
            # output is then safe, and "<script>" shows as text, not vanishes.
            headline = (
                f"ts_headline(d.cfg, {_SQL_ESCAPED_BODY}, (CASE d.lgroup {case} END), "
                f"{p(_HEADLINE_OPTS)})"
            )
        return sql, headline

    @staticmethod
    def _pg_predicate(
        parsed: ParsedQuery, cfg: str, group: str, atom_tsq: Any
    ) -> tuple[str, str] | None:
        """The match condition for documents of one language group.

        Returns ``("tsquery", text)`` when the condition is a tsquery on
        ``tsv`` alone (the usual case), ANDed with the group's marker lexeme
        (``'lang en'``, see the ``tsv`` column), so the condition holds for
        documents of that group only, without reading their tsvectors.
        Otherwise ``("sql", condition)``: clauses with prefix atoms also test
        ``words``. Stop words (empty tsqueries) drop out, as in
        ``websearch_to_tsquery``; a query of nothing but stop words matches
        nothing in this language (``None``). tsquery texts are embedded as
        ``\x00<text>\x00`` placeholders, bound by ``_bind_tsqueries``.
        """
        stem_parts: list[str] = []
        sql_parts: list[str] = []
        positive = False
        for clause in parsed.clauses:
            stems = [
                f"({t})" for a in clause.atoms if a.kind != "prefix" and (t := atom_tsq(a, cfg))
            ]
            prefixes = [atom_tsq(a, cfg) for a in clause.atoms if a.kind == "prefix"]
            if not stems and not prefixes:
                continue
            positive = positive or not clause.negated
            if not prefixes:
                joined = " | ".join(stems)
                stem_parts.append(f"!({joined})" if clause.negated else f"({joined})")
                continue
            alts = []
            if stems:
                alts.append("d.tsv @@ CAST(\x00" + " | ".join(stems) + "\x00 AS tsquery)")
            alts.append("d.words @@ CAST(\x00" + " | ".join(prefixes) + "\x00 AS tsquery)")
            cond = "(" + " OR ".join(alts) + ")"
            sql_parts.append(f"NOT {cond}" if clause.negated else cond)
        if parsed.positive and not positive:
            return None
        if not sql_parts:
            return "tsquery", "(" + " & ".join([_tsq_lexeme(f"lang {group}"), *stem_parts]) + ")"
        if stem_parts:
            sql_parts.insert(0, "d.tsv @@ CAST(\x00" + " & ".join(stem_parts) + "\x00 AS tsquery)")
        return "sql", " AND ".join(sql_parts)

    @staticmethod
    def _bind_tsqueries(p: _Params, sql: str) -> str:
        pieces = sql.split("\x00")
        # Odd pieces are tsquery texts between placeholders.
        return "".join(p(piece) if i % 2 else piece for i, piece in enumerate(pieces))

    # -- spelling ----------------------------------------------------------

    def _did_you_mean(
        self, conn: Connection, parsed: ParsedQuery, tenant_id: int, viewer: SearchViewer
    ) -> str | None:
        p = _Params()
        visible = self._visibility(p, tenant_id, viewer)
        if visible is None:
            return None
        word_param = "dym_word"

        if self.is_pg:
            df_sql = (
                "SELECT count(*) FROM (SELECT 1 FROM search_documents d WHERE "
                f"d.words @@ CAST(:{word_param} AS tsquery) AND {visible} LIMIT {_DF_CAP}) s"
            )
        else:
            df_sql = (
                "SELECT count(*) FROM (SELECT 1 FROM search_fts CROSS JOIN search_documents d "
                f"ON d.id = search_fts.rowid WHERE search_fts MATCH :{word_param} "
                f"AND {visible} LIMIT {_DF_CAP})"
            )
        df_stmt = text(df_sql)

        def visible_df(word: str) -> int:
            arg = _tsq_lexeme(word) if self.is_pg else "{words} : " + _fts_quote(word)
            return int(conn.execute(df_stmt, {**p.values, word_param: arg}).scalar_one())

        def candidates(word: str, _maxdist: int) -> list[str]:
            cp = _Params()
            sql = (
                f"SELECT DISTINCT word FROM search_spell WHERE tenant_id = {cp(tenant_id)} "
                f"AND dkey IN ({cp.many(sorted(_text.deletes(word)))})"
            )
            return list(conn.execute(text(sql), cp.values).scalars())

        return did_you_mean(parsed, visible_df, candidates)

    # -- suggestions -------------------------------------------------------

    def suggest(
        self, tenant_id: int, viewer: SearchViewer, prefix: str, limit: int = SUGGEST_LIMIT
    ) -> list[str]:
        tokens = _text.words(prefix)
        if not tokens or limit < 1:
            return []
        last_is_prefix = not prefix[-1:].isspace()
        p = _Params()
        visible = self._visibility(p, tenant_id, viewer)
        if visible is None:
            return []
        if self.is_pg:
            parts = [_tsq_lexeme(w) + ":A" for w in tokens]
            if last_is_prefix:
                parts[-1] = _tsq_lexeme(tokens[-1]) + ":*A"
            query = f"CAST({p(' & '.join(parts))} AS tsquery)"
            # Ranked among the first few hundred matches only: a two-letter
            # prefix can match most titles, and ts_rank over all of them
            # would cost more than the typing pause it has to fit into.
            sql = f"""SELECT title, ts_rank(words, {query}) AS score FROM (
                    SELECT d.title, d.words, d.id FROM search_documents d
                    WHERE d.words @@ {query} AND {visible} LIMIT {_SUGGEST_POOL}) AS s
                ORDER BY score DESC, length(title), id LIMIT {p(limit * 4)}"""
        else:
            parts = ["{title_w} : " + _fts_quote(w) for w in tokens]
            if last_is_prefix:
                parts[-1] += " *"
            sql = f"""SELECT d.title, {_BM25} AS score FROM search_fts
                CROSS JOIN search_documents d ON d.id = search_fts.rowid
                WHERE search_fts MATCH {p(" AND ".join(parts))} AND {visible}
                ORDER BY score, length(d.title), d.id LIMIT {p(limit * 4)}"""
        titles: list[str] = []
        with self._read() as conn:
            for title, _score in conn.execute(text(sql), p.values):
                if title not in titles:
                    titles.append(title)
                    if len(titles) >= limit:
                        break
        return titles
