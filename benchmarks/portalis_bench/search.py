"""Benchmark of the search backends on synthetic data.

Why synthetic: real portal content is tenant data we cannot ship, and a
Zipf-distributed vocabulary reproduces what matters for an inverted index
(a few very frequent words, a long tail of rare ones). The numbers are for
comparing engines and catching regressions on one machine, not absolutes.

One tenant, partner documents spread over tiers, programs, partner
companies, plugins and facets. Each timed query is a two-word AND query as a
partner of one tier would send it, so the visibility filter (tenant, plugin,
audience, program, tier, partner) and the facet counts are always part of
the measured time.

    scripts/bench search whoosh 5000
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from portalis.search.documents import Audience, SearchDocument, SearchQuery, SearchViewer

__all__ = ["generate_documents", "percentile", "queries", "run"]

VOCABULARY = 20_000
ZIPF_S = 1.07
TENANT = 1
PLUGINS = ("content", "deals", "training", "mdf")
PLUGIN_WEIGHTS = (6, 2, 1, 1)
TYPES = ("pdf", "video", "article", "webinar", "deck")
PRODUCTS = tuple(f"Product {c}" for c in "ABCDEFGHIJKL")
REGIONS = ("EMEA", "NA", "LATAM", "APAC", "DACH", "Nordics")
TAGS = tuple(f"tag{i}" for i in range(60))
LANGUAGES = ("en",) * 18 + ("de", "fr")
DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

_SYLLABLES = [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"] + ["ar", "en", "is", "on", "us"]


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    """Pronounceable pseudo-words, so stemmers treat them like words."""
    words: dict[str, None] = {}
    while len(words) < size:
        words.setdefault("".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4))))
    return list(words)


def generate_documents(
    n_docs: int, seed: int = 42
) -> tuple[list[SearchDocument], list[str], list[float]]:
    """Documents plus the vocabulary (by rank) and its cumulative weights."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng, VOCABULARY)
    cum: list[float] = []
    total = 0.0
    for rank in range(1, len(vocab) + 1):
        total += 1.0 / rank**ZIPF_S
        cum.append(total)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    docs = []
    for i in range(n_docs):
        title = rng.choices(vocab, cum_weights=cum, k=rng.randint(3, 8))
        body = rng.choices(vocab, cum_weights=cum, k=rng.randint(60, 200))
        tier_ids = None if rng.random() < 0.6 else tuple(sorted(rng.sample(range(1, 5), 2)))
        partner_ids = None if rng.random() < 0.9 else tuple(rng.sample(range(1, 201), 3))
        roll = rng.random()
        audience: Audience = "all" if roll < 0.85 else ("partner" if roll < 0.95 else "vendor")
        facets = {"type": rng.choice(TYPES), "product": rng.choice(PRODUCTS)}
        if rng.random() < 0.5:
            facets["region"] = rng.choice(REGIONS)
        docs.append(
            SearchDocument(
                tenant_id=TENANT,
                doc_id=f"doc:{i}",
                plugin=rng.choices(PLUGINS, weights=PLUGIN_WEIGHTS)[0],
                program_id=None if rng.random() < 0.7 else rng.randint(1, 3),
                tier_ids=tier_ids,
                partner_ids=partner_ids,
                audience=audience,
                language=rng.choice(LANGUAGES),
                title=" ".join(title).capitalize(),
                body=" ".join(body) + ".",
                tags=tuple(rng.sample(TAGS, rng.randint(0, 3))),
                facets=facets,
                url=f"/content/{i}",
                updated_at=start + timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60)),
            )
        )
    return docs, vocab, cum


def queries(rng: random.Random, vocab: list[str], n: int) -> list[str]:
    """Two-word AND queries from the frequent-but-not-stopword band."""
    band = vocab[10:2000]
    return [" ".join(rng.sample(band, 2)) for _ in range(n)]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class _Harness:
    """Creates a backend in a scratch place and removes it afterwards."""

    def __init__(self, name: str, workdir: Path, pg_admin_url: str) -> None:
        self.name = name
        self.workdir = workdir
        self.pg_admin_url = pg_admin_url
        self.cleanup: list[Callable[[], None]] = []
        self.size: Callable[[], int] = lambda: 0

    def open(self) -> Any:
        from sqlalchemy import create_engine, event, text

        from portalis.search.sql_backend import DatabaseBackend
        from portalis.search.whoosh_backend import WhooshBackend

        if self.name == "whoosh":
            index_dir = self.workdir / "whoosh"
            backend: Any = WhooshBackend(index_dir)
            self.size = lambda: _dir_size(index_dir)
        elif self.name in ("sqlite", "sqlite-fts5"):
            path = self.workdir / "search.db"
            engine = create_engine(f"sqlite:///{path}")

            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.execute("PRAGMA journal_mode=WAL")
                dbapi_conn.execute("PRAGMA synchronous=NORMAL")

            backend = DatabaseBackend(engine)
            self.cleanup.append(engine.dispose)
            self.size = lambda: _dir_size(self.workdir)
        elif self.name in ("postgresql", "postgres"):
            name = f"portalis_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(self.pg_admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            engine = create_engine(admin.url.set(database=name))

            def drop() -> None:
                engine.dispose()
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()

            def size() -> int:
                with engine.connect() as conn:
                    return int(
                        conn.execute(
                            text("SELECT pg_database_size(current_database())")
                        ).scalar_one()
                    )

            backend = DatabaseBackend(engine)
            self.cleanup.append(drop)
            self.size = size
        else:
            raise ValueError(f"unknown backend {self.name!r}")
        backend.setup()
        self.cleanup.insert(0, backend.close)
        return backend

    def close(self) -> None:
        for fn in self.cleanup:
            fn()


def _batches(items: list[SearchDocument], size: int) -> Iterator[list[SearchDocument]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def run(
    backend_name: str,
    n_docs: int = 100_000,
    n_queries: int = 200,
    *,
    seed: int = 42,
    batch_size: int = 2000,
    workdir: Path | None = None,
    pg_admin_url: str | None = None,
    maintain: bool = True,
) -> dict[str, Any]:
    """Index ``n_docs`` synthetic documents, run ``n_queries`` queries.

    ``backend_name``: ``"whoosh"``, ``"sqlite"`` (FTS5) or ``"postgresql"``
    (a scratch database is created next to ``pg_admin_url``, default from
    ``PORTALIS_BENCH_PG_URL``, and dropped afterwards). Returns indexing
    throughput, query latency percentiles (ms, facets and a tier filter
    included), suggest() latency, average hit count and index size.
    With ``maintain`` the backend's ``optimize()`` runs after loading (timed
    separately), as routine maintenance would before the queries.
    """
    docs, vocab, _cum = generate_documents(n_docs, seed)
    rng = random.Random(seed + 1)
    query_texts = queries(rng, vocab, n_queries)
    prefixes = [rng.choice(vocab[:5000])[: rng.randint(2, 4)] for _ in range(n_queries)]
    viewer = SearchViewer(
        is_vendor_staff=False,
        program_id=1,
        tier_id=2,
        partner_id=17,
        enabled_plugins=frozenset(PLUGINS),
    )
    own_dir = workdir is None
    base = Path(tempfile.mkdtemp(prefix="portalis-bench-")) if workdir is None else workdir
    harness = _Harness(
        backend_name,
        base,
        pg_admin_url or os.environ.get("PORTALIS_BENCH_PG_URL", DEFAULT_PG_ADMIN_URL),
    )
    try:
        backend = harness.open()
        started = time.perf_counter()
        for batch in _batches(docs, batch_size):
            backend.index(batch)
        index_seconds = time.perf_counter() - started
        maintenance_seconds = None
        if maintain:
            started = time.perf_counter()
            backend.optimize()
            maintenance_seconds = round(time.perf_counter() - started, 3)

        first = time.perf_counter()
        backend.search(SearchQuery(TENANT, query_texts[0], viewer))
        first_ms = (time.perf_counter() - first) * 1000
        for text_ in query_texts[:10]:  # warm caches, as a running server would be
            backend.search(SearchQuery(TENANT, text_, viewer))

        latencies: list[float] = []
        totals: list[int] = []
        for text_ in query_texts:
            t0 = time.perf_counter()
            results = backend.search(SearchQuery(TENANT, text_, viewer))
            latencies.append((time.perf_counter() - t0) * 1000)
            totals.append(results.total)

        date_latencies: list[float] = []
        for text_ in query_texts[: max(1, n_queries // 4)]:
            t0 = time.perf_counter()
            backend.search(SearchQuery(TENANT, text_.split()[0], viewer, sort="date"))
            date_latencies.append((time.perf_counter() - t0) * 1000)

        suggest_latencies: list[float] = []
        for prefix in prefixes:
            t0 = time.perf_counter()
            backend.suggest(TENANT, viewer, prefix)
            suggest_latencies.append((time.perf_counter() - t0) * 1000)

        return {
            "backend": backend_name,
            "n_docs": n_docs,
            "n_queries": n_queries,
            "batch_size": batch_size,
            "index_seconds": round(index_seconds, 3),
            "docs_per_sec": round(n_docs / index_seconds, 1) if index_seconds else None,
            "maintenance_seconds": maintenance_seconds,
            "first_query_ms": round(first_ms, 2),
            "p50_ms": round(percentile(latencies, 50), 3),
            "p95_ms": round(percentile(latencies, 95), 3),
            "p99_ms": round(percentile(latencies, 99), 3),
            "mean_ms": round(statistics.fmean(latencies), 3),
            "date_sort_one_word_p50_ms": round(percentile(date_latencies, 50), 3),
            "date_sort_one_word_p95_ms": round(percentile(date_latencies, 95), 3),
            "suggest_p50_ms": round(percentile(suggest_latencies, 50), 3),
            "suggest_p95_ms": round(percentile(suggest_latencies, 95), 3),
            "avg_hits": round(statistics.fmean(totals), 1),
            "zero_hit_queries": sum(1 for t in totals if t == 0),
            "size_bytes": harness.size(),
        }
    finally:
        harness.close()
        if own_dir:
            shutil.rmtree(base, ignore_errors=True)
