"""Search backend on a Whoosh index directory (pure Python, no server).

Why it looks the way it does
----------------------------
Whoosh's own facet and filter machinery walks every matching document in
Python: with ``filter=`` it first materialises the filter query's full
document set, and with ``groupedby=`` it switches to a collector that scores
*every* match (no top-N block skipping) and then reads a column or term
vector per match and facet. At 100k documents that is what makes it 10-100x
slower than the SQL engines.

So this backend uses Whoosh for what it is good at (the inverted index,
term dictionary, phrase positions, BM25F scoring with block-max skipping,
stored fields) and does the set algebra itself, on Python integers used as
bitmaps (one bit per document number). ``a & b`` and ``int.bit_count()``
run in C, so:

* the visibility filter is built from cached per-term bitmaps
  (``tenant``, ``plugin``, ``audience``, ``program``, ``tiers``, ``partners``)
  and handed to the searcher as the Whoosh filter, so filtering still
  happens inside Whoosh's collector, never after it;
* the total is ``(matches & visible & facet filters).bit_count()``;
* each facet count is one more ``&`` and ``bit_count()`` against that facet
  value's term bitmap (facet values are terms ``tenant\\x1ekey\\x1evalue`` of
  one field, so one prefix scan lists a tenant's facet values);
* "did you mean" counts candidate words as ``(word bitmap & visible)``.

Bitmaps are cached per index generation (an LRU bounded in bytes) and dropped
when the searcher is refreshed. There is one long-lived searcher per backend,
refreshed after writes (reusing unchanged segment readers) and, at most once
per ``refresh_interval`` seconds, when another process committed.

Threading: writes are serialised by a lock (and Whoosh's own file lock across
processes); searches share the one searcher under a second lock, because
refreshing closes files under a running search. Whoosh is CPU-bound Python,
so under the GIL the lock costs almost nothing.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import writing
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.idsets import DocIdSet
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, ConstantScoreQuery, NullQuery, Or, Phrase, Query, Term
from whoosh.reading import EmptyReader, MultiReader, SegmentReader, TermNotFound
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.searching import Searcher

from portalis.search import _text
from portalis.search._common import did_you_mean, facet_lists
from portalis.search._query import Atom, Clause, ParsedQuery, parse_query
from portalis.search.backend import FEW_HITS, SUGGEST_LIMIT
from portalis.search.documents import (
    PLUGIN_FACET,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
    SearchViewer,
)

__all__ = ["WhooshBackend"]

#: Query-time field boosts: title > tags > body.
TITLE_BOOST, TAGS_BOOST, BODY_BOOST = 3.0, 2.0, 1.0
#: Multiplier for documents in the query's preferred language.
LANGUAGE_BOOST = 1.5
#: A prefix expands to at most this many words (the most frequent ones).
MAX_PREFIX_TERMS = 128
#: Up to this many matches, date order is computed by sorting the matches;
#: above it, by walking a cached date-ordered list of all documents.
_SORT_SMALL = 4096
#: Completions of a typed prefix that take part in ranking suggestions.
_SUGGEST_SCORED = 16

_SEP = "\x1f"  # between list items in one field value
_KSEP = "\x1e"  # between tenant, facet name and value in a facet term
_ALL = "*"  # "no restriction" marker for program/tiers/partners
_TEXT_FIELDS = ("title", "tags", "body")
_SCHEMA_VERSION = "portalis-search-1"

_WORDS = RegexTokenizer(_text.TOKEN_PATTERN) | LowercaseFilter()
_LIST = RegexTokenizer(r"[^\x1f]+")

_NONZERO = re.compile(rb"[^\x00]")
_BYTE_BITS = tuple(tuple(i for i in range(8) if b >> i & 1) for b in range(256))


def _memoize_missing_length_columns() -> None:
    """Make Whoosh remember that a field has no length column.

    While flushing a segment, Whoosh asks for every posting's field length;
    for fields without lengths (unscored ones such as ``words``, ``facet``)
    its per-document reader re-checks the file system each time and never
    remembers the answer: one ``stat()`` per posting, about a third of the
    indexing time here. Segments are immutable once written, so remembering
    the miss changes nothing but the speed. Applied once, idempotently.
    """
    from whoosh.codec import whoosh3

    cls = whoosh3.W3PerDocReader
    original = cls._cached_reader
    if getattr(original, "_portalis_memoized", False):
        return

    def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
        missing = self.__dict__.setdefault("_portalis_missing", set())
        if fieldname in missing:
            return None
        reader = original(self, fieldname, column)
        if reader is None:
            missing.add(fieldname)
        return reader

    _cached_reader._portalis_memoized = True  # type: ignore[attr-defined]
    cls._cached_reader = _cached_reader


_memoize_missing_length_columns()


def _analyzer(group: str) -> Any:
    if group in _text.STEMMED:
        return _WORDS | StemFilter(lang=group, cachesize=200_000)
    return _WORDS


def _schema() -> Schema:
    """One set of text fields per language group: Whoosh fixes the analyzer
    per field, so per-document stemming means per-language fields. A
    document only fills its own group's fields; the others cost nothing."""
    fields: dict[str, Any] = {
        "uid": ID(unique=True),
        "tenant": ID(),
        "plugin": ID(),
        "audience": ID(),
        "program": ID(),
        "tiers": KEYWORD(analyzer=_LIST),
        "partners": KEYWORD(analyzer=_LIST),
        "lang": ID(),
        "facet": KEYWORD(analyzer=_LIST),
        # A column only: NUMERIC would also index 16 trie terms per value
        # for range queries that are never run.
        "updated": COLUMN(NumericColumn("q")),
        # Unstemmed words: prefix matching ("registra*" must find
        # "registration", whose stem "registr" is shorter than the prefix),
        # title suggestions, and the spelling vocabulary.
        "title_w": TEXT(analyzer=_WORDS, phrase=False),
        # Existence only (no frequencies, no lengths): it is matched and
        # counted but never scored, which makes it cheap to index.
        "words": KEYWORD(analyzer=_WORDS, scorable=False),
        "data": STORED(),
        "schema_version": STORED(),
    }
    for group in _text.GROUPS:
        for name in _TEXT_FIELDS:
            fields[f"{name}_{group}"] = TEXT(analyzer=_analyzer(group))
    return Schema(**fields)


def _clean_token(value: str) -> str:
    return _text.clean(value).replace(_SEP, " ").replace(_KSEP, " ")


def _facet_term(tenant_id: int, key: str, value: str) -> str:
    return f"{tenant_id}{_KSEP}{_clean_token(key)}{_KSEP}{_clean_token(value)}"


def _micros(dt: datetime) -> int:
    return int(dt.timestamp() * 1_000_000)


def _ids_from_bits(bits: int) -> list[int]:
    """Document numbers of the set bits, ascending (C-speed zero skipping)."""
    raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    out: list[int] = []
    for m in _NONZERO.finditer(raw):
        base = m.start() * 8
        out.extend(base + i for i in _BYTE_BITS[raw[m.start()]])
    return out


class _GroupBM25F(BM25F):
    """BM25F with per-language average field lengths, and no length
    normalisation for tags.

    Whoosh divides a field's total length by *all* documents. With one set of
    fields per language group, ``body_de`` would then be averaged over the
    English documents too, so a German body would look many times longer
    than average and be punished for it. Here the average is taken over the
    documents of the field's own group. Tags are a set of keywords, where
    "longer than average" means nothing (B = 0).
    """

    def __init__(self) -> None:
        super().__init__(B=0.75, K1=1.2, **{f"tags_{g}_B": 0.0 for g in _text.GROUPS})

    def scorer(self, searcher: Searcher, fieldname: str, text: Any, qf: int = 1) -> Any:
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        group = fieldname.rpartition("_")[2]
        if isinstance(scorer, BM25FScorer) and group in _text.GROUPS and "_" in fieldname:
            parent = searcher.get_parent()
            docs = parent.doc_frequency("lang", group)
            if docs:
                scorer.avgfl = parent.field_length(fieldname) / docs or 1
        return scorer


def _Or(subs: list[Query]) -> Query:  # noqa: N802 - stands in for whoosh.query.Or
    """An ``Or`` that always builds a tree of union matchers.

    Whoosh picks a "preloaded" union for indexes of up to 5,000 documents; it
    decodes and scores every posting of every clause up front, which here
    costs more than the tree (whose block-quality skipping the top-N
    collector can use).
    """
    q = Or(subs)
    q.matcher_type = Or.DEFAULT_MATCHER
    return q


def _posting_ids(matcher: Any) -> Iterable[int]:
    """All document ids of a term's postings.

    Whoosh's generic ``all_ids()`` makes three method calls per posting. For
    its own block format the ids are decoded a block at a time anyway, so
    take whole blocks (private attributes of whoosh-reloaded's pinned W3
    codec; anything else falls back to the generic path).
    """
    if type(matcher).__name__ != "W3LeafMatcher" or not hasattr(matcher, "_read_ids"):
        return matcher.all_ids()
    out: list[int] = []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        out.extend(matcher._ids[matcher._i :])
        matcher._next_block()
    return out


class _Mask(DocIdSet):
    """A bitmap seen as a Whoosh doc-id set, so it can be the searcher's
    ``filter``. Membership is an O(1) byte lookup."""

    def __init__(self, bits: int) -> None:
        self._raw = bits.to_bytes((bits.bit_length() + 7) // 8 or 1, "little")
        self._len = bits.bit_count()

    def __contains__(self, docnum: object) -> bool:
        assert isinstance(docnum, int)
        byte = docnum >> 3
        return byte < len(self._raw) and bool(self._raw[byte] >> (docnum & 7) & 1)

    def __len__(self) -> int:
        return self._len

    def __bool__(self) -> bool:
        return True  # an empty mask must still filter everything out

    def __iter__(self) -> Any:
        return iter(_ids_from_bits(int.from_bytes(self._raw, "little")))


class _Cache:
    """LRU of bitmaps and other per-generation values, bounded in bytes."""

    def __init__(self, budget_bytes: int) -> None:
        self._data: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._budget = budget_bytes
        self._size = 0

    def get(self, key: Hashable, build: Callable[[], Any], size: int = 64) -> Any:
        hit = self._data.get(key)
        if hit is not None:
            self._data.move_to_end(key)
            return hit[0]
        value = build()
        if isinstance(value, int):
            size = max(size, value.bit_length() // 8 + 32)
        self._data[key] = (value, size)
        self._size += size
        while self._size > self._budget and len(self._data) > 1:
            _k, (_v, s) = self._data.popitem(last=False)
            self._size -= s
        return value

    def clear(self) -> None:
        self._data.clear()
        self._size = 0


class _Gen:
    """Bitmap algebra on one searcher generation."""

    def __init__(self, searcher: Searcher, cache: _Cache) -> None:
        self.s = searcher
        self.r = searcher.reader()
        self.cache = cache
        self.nbytes = (self.r.doc_count_all() + 7) // 8

    # -- building blocks -------------------------------------------------

    def _from_ids(self, ids: Iterable[int]) -> int:
        buf = bytearray(self.nbytes or 1)
        for d in ids:
            buf[d >> 3] |= 1 << (d & 7)
        return int.from_bytes(buf, "little")

    def term(self, field: str, text: str) -> int:
        def build() -> int:
            bits = 0
            for reader, base in self.leaves():
                try:
                    matcher = reader.postings(field, text)
                except TermNotFound:
                    continue
                if isinstance(matcher, FilterMatcher):
                    matcher = matcher.child  # deletions: subtracted below
                part = self._from_ids(_posting_ids(matcher))
                bits |= part << base if base else part
            return bits & ~self.deleted() if bits else 0

        return self.cache.get(("t", field, text), build)

    def leaves(self) -> list[tuple[Any, int]]:
        return self.cache.get(("leaves",), lambda: list(self.r.leaf_readers()), size=256)

    def deleted(self) -> int:
        """Deleted documents of the generation (their postings linger)."""

        def build() -> int:
            bits = 0
            for reader, base in self.leaves():
                if reader.has_deletions():
                    bits |= self._from_ids(reader.deleted_docs_set) << base
            return bits

        return self.cache.get(("deleted",), build)

    def expand(self, field: str, prefix: str) -> list[str]:
        """The most frequent words starting with ``prefix``, capped."""

        def build() -> list[str]:
            found = [
                (self.r.doc_frequency(field, b), b.decode("utf-8"))
                for b in self.r.expand_prefix(field, prefix)
            ]
            found.sort(key=lambda dt: (-dt[0], dt[1]))
            return [t for _df, t in found[:MAX_PREFIX_TERMS]]

        return self.cache.get(("x", field, prefix), build, size=4096)

    # -- visibility ------------------------------------------------------

    def visible(self, tenant_id: int, viewer: SearchViewer) -> int:
        key = (
            "v",
            tenant_id,
            viewer.enabled_plugins,
            viewer.is_vendor_staff,
            viewer.program_id,
            viewer.tier_id,
            viewer.partner_id,
        )
        return self.cache.get(key, lambda: self._visible(tenant_id, viewer))

    def _visible(self, tenant_id: int, viewer: SearchViewer) -> int:
        bits = self.term("tenant", str(tenant_id))
        plugins = 0
        for plugin in sorted(viewer.enabled_plugins):
            plugins |= self.term("plugin", plugin)
        bits &= plugins
        if viewer.is_vendor_staff or not bits:
            return bits
        bits &= self.term("audience", "partner") | self.term("audience", "all")
        for field, value in (
            ("program", viewer.program_id),
            ("tiers", viewer.tier_id),
            ("partners", viewer.partner_id),
        ):
            allowed = self.term(field, _ALL)
            if value is not None:
                allowed |= self.term(field, str(value))
            bits &= allowed
        return bits

    def facet_filter(self, tenant_id: int, filters: dict[str, str]) -> int | None:
        bits: int | None = None
        for key, value in filters.items():
            if key == PLUGIN_FACET:
                f = self.term("plugin", value)
            else:
                f = self.term("facet", _facet_term(tenant_id, key, value))
            bits = f if bits is None else bits & f
        return bits

    # -- query atoms -----------------------------------------------------

    def atom_bits(self, atom: Atom) -> int:
        def build() -> int:
            bits = 0
            if atom.kind == "term":
                for group in _text.GROUPS:
                    st = _text.stem(group, atom.words[0])
                    for name in _TEXT_FIELDS:
                        bits |= self.term(f"{name}_{group}", st)
            elif atom.kind == "prefix":
                for word in self.expand("words", atom.words[0]):
                    bits |= self.term("words", word)
            else:
                bits = self._from_ids(self.s.docs_for_query(self.atom_query(atom)))
            return bits

        return self.cache.get(("a", atom), build)

    def atom_query(self, atom: Atom) -> Query:
        """The scoring query for one atom; it matches exactly ``atom_bits``."""
        subs: list[Query] = []
        if atom.kind == "prefix":
            expanded = self.expand("words", atom.words[0])
            # Titles are scored; any other occurrence adds a flat amount.
            # Together they match exactly the documents in atom_bits.
            subs = [Term("title_w", word, boost=TITLE_BOOST) for word in expanded]
            subs.append(ConstantScoreQuery(_Or([Term("words", w) for w in expanded]), BODY_BOOST))
            return _Or(subs)
        boosts = (TITLE_BOOST, TAGS_BOOST, BODY_BOOST)
        for group in _text.GROUPS:
            stems = [_text.stem(group, w) for w in atom.words]
            for name, boost in zip(_TEXT_FIELDS, boosts, strict=True):
                field = f"{name}_{group}"
                # Leave out fields where a word does not occur (most of the
                # 15 language/field combinations): smaller matcher trees.
                if not all(self.term(field, st) for st in stems):
                    continue
                if atom.kind == "term":
                    subs.append(Term(field, stems[0], boost=boost))
                else:
                    subs.append(Phrase(field, stems, boost=boost))
        return _Or(subs) if subs else NullQuery

    def clause_bits(self, clause: Clause) -> int:
        bits = 0
        for atom in clause.atoms:
            bits |= self.atom_bits(atom)
        return bits

    def match(self, parsed: ParsedQuery, base: int) -> int:
        bits = base
        for clause in parsed.positive:
            if not bits:
                return 0
            bits &= self.clause_bits(clause)
        for clause in parsed.negative:
            bits &= ~self.clause_bits(clause)
        return bits

    # -- date order ------------------------------------------------------

    def dates(self) -> tuple[list[int], list[int]]:
        """Per-document timestamps and all documents newest first."""

        def build() -> tuple[list[int], list[int]]:
            values = list(self.r.column_reader("updated"))
            order = sorted(range(len(values)), key=lambda d: (values[d], d), reverse=True)
            return values, order

        return self.cache.get(("dates",), build, size=self.nbytes * 128 + 64)

    # -- spelling --------------------------------------------------------

    def candidates(self, word: str, maxdist: int) -> set[str]:
        out: set[str] = set()
        leaves = self.r.leaf_readers() if hasattr(self.r, "leaf_readers") else [(self.r, 0)]
        for reader, _offset in leaves:
            try:
                out.update(reader.terms_within("words", word, maxdist))
            except (KeyError, TermNotFound):  # segment without the field
                continue
        return out


class WhooshBackend:
    """Search in a Whoosh index directory. See the module docstring."""

    def __init__(
        self,
        index_dir: Path,
        *,
        cache_mb: int = 128,
        refresh_interval: float = 1.0,
        writer_limitmb: int = 256,
        lock_timeout: float = 30.0,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.refresh_interval = refresh_interval
        self.writer_limitmb = writer_limitmb
        self.lock_timeout = lock_timeout
        self._cache = _Cache(cache_mb * 1024 * 1024)
        self._write_lock = threading.Lock()
        self._read_lock = threading.RLock()
        self._ix: Any = None
        self._searcher: Searcher | None = None
        self._generation = -1
        self._checked = 0.0

    # -- lifecycle -------------------------------------------------------

    def setup(self) -> None:
        with self._write_lock, self._read_lock:
            if self._ix is not None:
                return
            self.index_dir.mkdir(parents=True, exist_ok=True)
            if whoosh_index.exists_in(str(self.index_dir)):
                self._ix = whoosh_index.open_dir(str(self.index_dir))
                if "title_w" not in self._ix.schema:
                    raise RuntimeError(
                        f"{self.index_dir} holds a Whoosh index with another schema; "
                        "remove it and reindex"
                    )
            else:
                self._ix = whoosh_index.create_in(str(self.index_dir), _schema())
            self._searcher = None
            self._generation = -1
            self._refresh()
            self._checked = time.monotonic()

    def close(self) -> None:
        with self._write_lock, self._read_lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            if self._ix is not None:
                self._ix.close()
                self._ix = None
            self._generation = -1
            self._cache.clear()

    def _require(self) -> Any:
        if self._ix is None:
            raise RuntimeError("WhooshBackend.setup() has not been called")
        return self._ix

    def _gen(self) -> _Gen:
        """The current generation; caller holds the read lock."""
        self._require()
        assert self._searcher is not None
        now = time.monotonic()
        if now - self._checked >= self.refresh_interval:
            self._checked = now
            self._refresh()
        return _Gen(self._searcher, self._cache)

    def _refresh(self) -> None:
        """Swap in a searcher for the latest commit, reusing the readers of
        unchanged segments.

        Not ``Searcher.refresh()``: in whoosh-reloaded 2.7.5 it appends the
        old reader's segments to the new list (a change made for buffered
        writers), which resurrects segments that a merge replaced, and it
        reuses a segment's reader even when the segment gained deletions, so
        replaced and deleted documents stay visible.
        """
        with self._read_lock:
            ix = self._require()
            if ix.latest_generation() == self._generation:
                return
            for attempt in range(10):
                try:
                    reader, generation = self._open_reader(ix)
                    break
                except OSError:
                    # Another process's writer removed a file we were about
                    # to open (a merge); read the new table of contents.
                    if attempt == 9:
                        raise
                    time.sleep(0.05)
            self._searcher = Searcher(reader, weighting=_GroupBM25F(), fromindex=ix)
            self._generation = generation
            self._cache.clear()

    def _open_reader(self, ix: Any) -> tuple[Any, int]:
        toc = ix._read_toc()
        old_reader = self._searcher.reader() if self._searcher is not None else None
        reusable: dict[Any, Any] = {}
        if old_reader is not None and not isinstance(old_reader, EmptyReader):
            reusable = {r.segment(): r for r, _base in old_reader.leaf_readers()}
        readers = []
        opened = []
        try:
            for segment in toc.segments:
                old = reusable.get(segment)
                # Deletions only ever grow, so an equal count means the
                # reader's deletion set is still right.
                if old is not None and old.segment().deleted_count() == segment.deleted_count():
                    readers.append(reusable.pop(segment))
                else:
                    reader = SegmentReader(
                        ix.storage, toc.schema, segment, generation=toc.generation
                    )
                    opened.append(reader)
                    readers.append(reader)
        except BaseException:
            for reader in opened:
                reader.close()
            raise
        for stale in reusable.values():
            stale.close()
        if not readers:
            return EmptyReader(toc.schema), toc.generation
        if len(readers) == 1:
            return readers[0], toc.generation
        return MultiReader(readers, generation=toc.generation), toc.generation

    # -- writing ---------------------------------------------------------

    def _write(self, work: Callable[[Any], None], **commit: Any) -> None:
        ix = self._require()
        with self._write_lock:
            writer = ix.writer(limitmb=self.writer_limitmb, timeout=self.lock_timeout)
            try:
                work(writer)
            except BaseException:
                writer.cancel()
                raise
            writer.commit(**commit)
            self._checked = time.monotonic()
            self._refresh()

    def index(self, docs: Sequence[SearchDocument]) -> None:
        latest: dict[tuple[int, str], SearchDocument] = {}
        for doc in docs:
            latest[(doc.tenant_id, doc.doc_id)] = doc  # last one wins
        if not latest:
            return

        def work(writer: Any) -> None:
            # A brand-new index has nothing to replace; skipping the
            # per-document delete makes the initial bulk load faster.
            add = writer.add_document if not writer.segments else writer.update_document
            for doc in latest.values():
                add(**self._fields(doc))

        self._write(work)

    @staticmethod
    def _fields(doc: SearchDocument) -> dict[str, Any]:
        group = _text.language_group(doc.language)
        title, body = _text.clean(doc.title), _text.clean(doc.body)[: _text.MAX_BODY_CHARS]
        tags = "\n".join(_text.clean(t) for t in doc.tags)

        def restriction(ids: tuple[int, ...] | None) -> str:
            return _ALL if ids is None else _SEP.join(str(i) for i in ids)

        fields: dict[str, Any] = {
            "uid": f"{doc.tenant_id}{_SEP}{doc.doc_id}",
            "tenant": str(doc.tenant_id),
            "plugin": doc.plugin,
            "audience": doc.audience,
            "program": _ALL if doc.program_id is None else str(doc.program_id),
            "tiers": restriction(doc.tier_ids),
            "partners": restriction(doc.partner_ids),
            "lang": group,
            "facet": _SEP.join(_facet_term(doc.tenant_id, k, v) for k, v in doc.facets.items()),
            "updated": _micros(doc.updated_at),
            "title_w": title,
            "words": f"{title}\n{tags}\n{body}",
            f"title_{group}": title,
            f"tags_{group}": tags,
            f"body_{group}": body,
            "data": {
                "doc_id": doc.doc_id,
                "plugin": doc.plugin,
                "title": doc.title,
                "url": doc.url,
                "body": body,
                "lang": group,
                "facets": dict(doc.facets),
                "updated_at": doc.updated_at,
            },
            "schema_version": _SCHEMA_VERSION,
        }
        return {k: v for k, v in fields.items() if v != ""}

    def optimize(self) -> None:
        """Merge all segments into one (worth it after a bulk load: one
        segment means one term lookup per word). Not part of the protocol."""
        self._write(lambda writer: None, optimize=True)

    def delete(self, tenant_id: int, doc_ids: Sequence[str]) -> None:
        if not doc_ids:
            return

        def work(writer: Any) -> None:
            for doc_id in doc_ids:
                writer.delete_by_term("uid", f"{tenant_id}{_SEP}{doc_id}")

        self._write(work)

    def clear(self, tenant_id: int | None) -> None:
        if tenant_id is None:
            self._write(lambda writer: None, mergetype=writing.CLEAR)
        else:
            self._write(lambda writer: writer.delete_by_term("tenant", str(tenant_id)))

    # -- reading ---------------------------------------------------------

    def search(self, q: SearchQuery) -> SearchResults:
        started = time.perf_counter()
        parsed = parse_query(q.text)
        with self._read_lock:
            g = self._gen()
            visible = g.visible(q.tenant_id, q.viewer)
            allowed = visible
            filt = g.facet_filter(q.tenant_id, dict(q.facet_filters))
            if filt is not None:
                allowed &= filt
            matched = g.match(parsed, allowed) if allowed else 0
            total = matched.bit_count()

            hits: list[SearchHit] = []
            if total > q.offset:
                if parsed.positive and q.sort == "relevance":
                    ranked = self._by_relevance(g, parsed, matched, q)
                else:
                    ranked = [(d, 0.0) for d in self._by_date(g, matched, q)]
                hits = [self._hit(g, parsed, docnum, score) for docnum, score in ranked]

            facets: dict[str, dict[str, int]] = {}
            if total:
                facets = self._facets(g, q.tenant_id, matched)

            suggestion = None
            if total < FEW_HITS and visible and parsed.positive:
                suggestion = did_you_mean(
                    parsed,
                    lambda w: (g.term("words", w) & visible).bit_count(),
                    g.candidates,
                )
        return SearchResults(
            total=total,
            hits=hits,
            facets=facet_lists(facets),
            suggestion=suggestion,
            took_ms=(time.perf_counter() - started) * 1000,
        )

    def _by_relevance(
        self, g: _Gen, parsed: ParsedQuery, matched: int, q: SearchQuery
    ) -> list[tuple[int, float]]:
        end = q.offset + q.per_page
        lang = _text.language_group(q.language) if q.language else None
        # Re-ranking by language needs some head room below the cut.
        limit = max(end * 3, 50) if lang else end
        clauses = [_Or([g.atom_query(a) for a in c.atoms]) for c in parsed.positive]
        scoring: Query = clauses[0] if len(clauses) == 1 else And(clauses)
        results = g.s.search(scoring, limit=limit, filter=_Mask(matched))
        ranked = [(docnum, score) for score, docnum in results.top_n]
        if lang:
            preferred = _Mask(g.term("lang", lang))
            ranked = [(d, s * LANGUAGE_BOOST if d in preferred else s) for d, s in ranked]
            ranked.sort(key=lambda ds: (-ds[1], ds[0]))
        return ranked[q.offset : end]

    def _by_date(self, g: _Gen, matched: int, q: SearchQuery) -> list[int]:
        end = q.offset + q.per_page
        return self._newest(g, matched, end)[q.offset : end]

    @staticmethod
    def _newest(g: _Gen, matched: int, count: int) -> list[int]:
        """The ``count`` newest documents of a bitmap."""
        values, order = g.dates()
        if matched.bit_count() <= _SORT_SMALL:
            ids = _ids_from_bits(matched)
            ids.sort(key=lambda d: (values[d], d), reverse=True)
            return ids[:count]
        mask = _Mask(matched)
        out: list[int] = []
        for docnum in order:
            if docnum in mask:
                out.append(docnum)
                if len(out) >= count:
                    break
        return out

    def _facets(self, g: _Gen, tenant_id: int, matched: int) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}

        def plugin_terms() -> list[str]:
            return [b.decode("utf-8") for b in g.r.lexicon("plugin")]

        for plugin in g.cache.get(("plugins",), plugin_terms, size=1024):
            n = (matched & g.term("plugin", plugin)).bit_count()
            if n:
                counts.setdefault(PLUGIN_FACET, {})[plugin] = n

        prefix = f"{tenant_id}{_KSEP}"

        def facet_terms() -> list[tuple[str, str, str]]:
            out = []
            for b in g.r.expand_prefix("facet", prefix):
                term = b.decode("utf-8")
                _tenant, key, value = term.split(_KSEP, 2)
                out.append((term, key, value))
            return out

        for term, key, value in g.cache.get(("facets", tenant_id), facet_terms, size=16384):
            n = (matched & g.term("facet", term)).bit_count()
            if n:
                counts.setdefault(key, {})[value] = n
        return counts

    def _hit(self, g: _Gen, parsed: ParsedQuery, docnum: int, score: float) -> SearchHit:
        data = g.s.stored_fields(docnum)["data"]
        stems, prefixes = parsed.highlight_terms(data["lang"])
        return SearchHit(
            doc_id=data["doc_id"],
            plugin=data["plugin"],
            title=data["title"],
            url=data["url"],
            snippet_html=_text.highlight(data["body"], data["lang"], stems, prefixes),
            score=float(score),
            updated_at=data["updated_at"].astimezone(UTC),
            facets=dict(data["facets"]),
        )

    def suggest(
        self, tenant_id: int, viewer: SearchViewer, prefix: str, limit: int = SUGGEST_LIMIT
    ) -> list[str]:
        tokens = _text.words(prefix)
        if not tokens or limit < 1:
            return []
        last_is_prefix = not prefix[-1:].isspace()
        with self._read_lock:
            g = self._gen()
            bits = g.visible(tenant_id, viewer)
            subs: list[Query] = []
            for i, word in enumerate(tokens):
                if not bits:
                    return []
                if i == len(tokens) - 1 and last_is_prefix:
                    expanded = g.expand("title_w", word)
                    alt = 0
                    for t in expanded:
                        alt |= g.term("title_w", t)
                    bits &= alt
                    # Ranking needs only the common completions; the bitmap
                    # above (all completions) decides what may be shown.
                    subs.append(_Or([Term("title_w", t) for t in expanded[:_SUGGEST_SCORED]]))
                else:
                    bits &= g.term("title_w", word)
                    subs.append(Term("title_w", word))
            if not bits:
                return []
            scoring = subs[0] if len(subs) == 1 else And(subs)
            results = g.s.search(scoring, limit=limit * 4, filter=_Mask(bits))
            docnums = [docnum for _score, docnum in results.top_n]
            if len(docnums) < limit * 4:
                # Matches only via rarer completions: newest first.
                seen = set(docnums)
                docnums += [d for d in self._newest(g, bits, limit * 4) if d not in seen]
            titles: list[str] = []
            for docnum in docnums:
                title = g.s.stored_fields(docnum)["data"]["title"]
                if title not in titles:
                    titles.append(title)
                    if len(titles) >= limit:
                        break
            return titles
