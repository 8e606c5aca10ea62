"""Fixtures running the search suite against every backend.

PostgreSQL: a throwaway database is created for the session and dropped at
the end. If the server cannot be reached the PostgreSQL cases are skipped
with the reason, except under CI (``CI=true``), where that is a failure:
CI must prove all three engines.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError

from portalis.search import DatabaseBackend, SearchDocument, WhooshBackend
from portalis.testing.databases import PG_ADMIN_URL, throwaway_database

BACKENDS = ["whoosh", "sqlite-fts5", "postgresql"]


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    """An engine on a fresh database, dropped after the session."""
    databases = throwaway_database("postgresql", prefix="portalis_search_test", connect_timeout=3)
    try:
        url = databases.__enter__()
    except OperationalError as exc:
        reason = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        databases.__exit__(None, None, None)


@pytest.fixture(scope="session")
def pg_backend(pg_engine: Engine) -> DatabaseBackend:
    backend = DatabaseBackend(pg_engine)
    backend.setup()
    return backend


def sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA synchronous=NORMAL")

    return engine


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    kind = request.param
    if kind == "whoosh":
        b: Any = WhooshBackend(tmp_path / "index", refresh_interval=0)
        b.setup()
        yield b
        b.close()
    elif kind == "sqlite-fts5":
        engine = sqlite_engine(tmp_path / "search.db")
        b = DatabaseBackend(engine)
        b.setup()
        yield b
        b.close()
        engine.dispose()
    else:
        b = request.getfixturevalue("pg_backend")
        b.clear(None)
        yield b


@pytest.fixture(params=["sqlite-fts5", "postgresql"])
def sql_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DatabaseBackend]:
    if request.param == "sqlite-fts5":
        engine = sqlite_engine(tmp_path / "search.db")
        b = DatabaseBackend(engine)
        b.setup()
        yield b
        engine.dispose()
    else:
        b = request.getfixturevalue("pg_backend")
        b.clear(None)
        yield b


@pytest.fixture
def make_doc() -> Callable[..., SearchDocument]:
    counter = iter(range(1, 1_000_000))

    def factory(**overrides: Any) -> SearchDocument:
        n = next(counter)
        fields: dict[str, Any] = {
            "tenant_id": 1,
            "doc_id": f"doc:{n}",
            "plugin": "content",
            "program_id": None,
            "tier_ids": None,
            "partner_ids": None,
            "audience": "all",
            "language": "en",
            "title": f"Document {n}",
            "body": "",
            "tags": (),
            "facets": {},
            "url": f"/content/{n}",
            "updated_at": datetime(2024, 1, 1, tzinfo=UTC),
        }
        fields.update(overrides)
        return SearchDocument(**fields)

    return factory
