"""Throwaway databases for tests.

* :func:`throwaway_database` — a context manager giving the URL of a brand-new, empty
  database (a SQLite file, or a PostgreSQL database created on the server named by
  ``PORTALIS_TEST_PG_URL``) that is dropped again afterwards, whatever happens inside.
* :func:`test_database_kind` — ``"sqlite"`` or ``"postgresql"``, from ``PORTALIS_TEST_DB``.
* The pytest fixture ``fresh_database`` (in :mod:`portalis.testing.fixtures`) wraps
  :func:`throwaway_database` for one test, of the same kind as the test run's database.
* :func:`sessions_bound_to` — the app's sessions bound to such a database (its schema
  created) for a concurrency test whose threads must see each other's committed rows;
  the binding is restored afterwards.
* :func:`application_role` — a PostgreSQL login role like the one production runs as (not
  superuser, no BYPASSRLS, owns nothing), so a test sees what row-level security lets the
  application see; the test suite itself connects as ``postgres``, which bypasses it.

Example (a test that needs its own database besides the shared one)::

    def test_upgrade_from_empty(portalis_app, fresh_database):
        engine = create_engine(fresh_database)   # empty: no tables yet
        ...

    def test_needs_postgresql_whatever_the_run_uses():
        with throwaway_database("postgresql", prefix="myplugin_race") as url:
            ...

    def test_my_tables_under_row_level_security(portalis_app):
        with throwaway_database("postgresql") as url, application_role(url) as app_url:
            # migrate ``url`` with DATABASE_APP_ROLE = make_url(app_url).username (grants),
            # then connect to ``app_url``: the policies apply to that connection
            ...

``PORTALIS_TEST_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``)
must name a role that may ``CREATE DATABASE``; the new database lives on the same server.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PG_ADMIN_URL = os.environ.get(
    "PORTALIS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

__all__ = [
    "PG_ADMIN_URL",
    "application_role",
    "sessions_bound_to",
    "test_database_kind",
    "throwaway_database",
]


def test_database_kind() -> str:
    """The database the test run uses: ``PORTALIS_TEST_DB`` = ``sqlite`` (default) or
    ``postgresql``; anything else is a usage error."""
    kind = os.environ.get("PORTALIS_TEST_DB", "sqlite")
    if kind not in ("sqlite", "postgresql"):
        raise ValueError(f"PORTALIS_TEST_DB must be sqlite or postgresql, not {kind!r}")
    return kind


test_database_kind.__test__ = False  # type: ignore[attr-defined]  # not a test


@contextmanager
def throwaway_database(
    kind: str | None = None,
    *,
    directory: Path | None = None,
    prefix: str = "portalis_test",
    connect_timeout: int = 10,
) -> Iterator[str]:
    """Yield the URL of a new, empty database; drop it on exit.

    ``kind`` is ``"sqlite"`` or ``"postgresql"`` (default: :func:`test_database_kind`).
    SQLite: a file ``<prefix>.db`` in ``directory`` (default: a new temporary folder,
    removed afterwards). PostgreSQL: ``CREATE DATABASE "<prefix>_<random>"`` on the server
    of ``PG_ADMIN_URL``, dropped ``WITH (FORCE)`` on exit so open connections don't keep it
    alive. Raises ``sqlalchemy.exc.OperationalError`` if the server can't be reached.
    """
    kind = kind or test_database_kind()
    if kind == "sqlite":
        own_dir = directory is None
        folder = Path(tempfile.mkdtemp(prefix=f"{prefix}_")) if directory is None else directory
        try:
            yield f"sqlite:///{folder / f'{prefix}.db'}"
        finally:
            if own_dir:
                shutil.rmtree(folder, ignore_errors=True)
        return
    if kind != "postgresql":
        raise ValueError(f"database kind must be sqlite or postgresql, not {kind!r}")
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        PG_ADMIN_URL,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": connect_timeout},
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin.url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def application_role(url: str, *, prefix: str = "portalis_app") -> Iterator[str]:
    """Yield ``url`` (a PostgreSQL database) as a new login role: NOSUPERUSER, NOBYPASSRLS,
    owner of nothing, no privileges yet (grant them, e.g. with ``DATABASE_APP_ROLE`` and
    ``portalis.migrate.upgrade``). Row-level security applies to its connections, as to
    the application's role in production. The role and its grants are dropped on exit;
    dispose of engines on the yielded URL first."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    role = f"{prefix}_{uuid.uuid4().hex[:10]}"
    owner = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with owner.connect() as conn:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT'))
        try:
            yield (
                make_url(url)
                .set(username=role, password=None)
                .render_as_string(hide_password=False)
            )
        finally:
            with owner.connect() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"
                    ),
                    {"r": role},
                )
                conn.execute(text(f'DROP OWNED BY "{role}"'))
                conn.execute(text(f'DROP ROLE "{role}"'))
    finally:
        owner.dispose()


@contextmanager
def sessions_bound_to(url: str, *, pool_size: int = 5) -> Iterator[Any]:
    """Bind the request/job session to the database at ``url`` (every installed model's
    tables created there) and yield its engine; on exit the session's previous binding is
    restored and the engine disposed.

    For tests where threads, each with its own connection, must meet on committed rows (two
    reviewers deciding at once): the shared test database wraps each test in a rolled-back
    transaction, which other connections can't see. Seed the rows inside an app context and
    commit them; each thread then uses ``api.session`` as a request would.
    """
    from sqlalchemy import create_engine

    from ..db import Base, db

    engine = create_engine(url, pool_size=pool_size, max_overflow=5)
    factory = db.session.session_factory
    previous = {k: factory.kw[k] for k in ("bind", "join_transaction_mode") if k in factory.kw}
    try:
        Base.metadata.create_all(engine)
        # set the default explicitly: a rolled-back-transaction fixture may have left another
        factory.configure(bind=engine, join_transaction_mode="conditional_savepoint")
        yield engine
    finally:
        db.session.remove()
        factory.configure(**previous)
        engine.dispose()
