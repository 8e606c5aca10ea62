"""App factories that try a proposed core change without touching the core, so the load
run can measure "before" and "after" (``scripts/bench run --experiment NAME``).

``sqlite-immediate``
    SQLite starts every transaction ``BEGIN`` (deferred). A request that reads, then
    writes (sign-in: read the user, verify argon2 for ~100 ms, insert the session; deal
    submit: read candidates, insert) fails with ``database is locked`` as soon as another
    worker committed in between — SQLite can't upgrade a stale read snapshot and doesn't
    wait. Proposed: ``BEGIN IMMEDIATE`` for requests with an unsafe method (and for jobs),
    so a writer waits for the lock (``busy_timeout``) instead of failing.

``cache-settings``
    Per-request repeats of per-tenant data: program plugin enablement and settings are
    read up to three times per page. Proposed: memoise ``Portal.enabled_plugins_*`` and
    ``api.plugin_settings`` per request (``g``). Measured here by wrapping them.

``indexes``
    Indexes the profiles ask for, created on the benchmark database for the run and
    dropped afterwards: the partner's deal list sorts by ``coalesce(submitted_at,
    created_at)`` and the nav badge counts statuses of the whole company on every page
    (an expression index and ``(tenant_id, partner_id, status)``); the library's "recent"
    list sorts visible items by ``updated_at`` (``(tenant_id, updated_at, id)``).
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, g, has_request_context, request
from sqlalchemy import event

EXPERIMENTS = ("sqlite-immediate", "cache-settings", "indexes")

#: name → DDL, for the ``indexes`` experiment (both SQLite and PostgreSQL accept these)
INDEXES = {
    "ix_bench_deals_partner_status":
        "CREATE INDEX ix_bench_deals_partner_status ON deals_registrations "
        "(tenant_id, partner_id, status)",
    "ix_bench_deals_partner_listed":
        "CREATE INDEX ix_bench_deals_partner_listed ON deals_registrations "
        "(tenant_id, partner_id, coalesce(submitted_at, created_at) DESC, id DESC)",
    "ix_bench_content_items_recent":
        "CREATE INDEX ix_bench_content_items_recent ON content_items "
        "(tenant_id, updated_at DESC, id DESC)",
}  # fmt: skip


def prepare(url: str, chosen: list[str]) -> Any:
    """Database changes an experiment needs; returns the function that undoes them."""
    if "indexes" not in chosen:
        return lambda: None
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    made = []
    with engine.begin() as conn:
        tables = set(inspect(conn).get_table_names())
        for name, ddl in INDEXES.items():
            table = ddl.split(" ON ", 1)[1].split()[0]
            if table in tables:
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
                conn.exec_driver_sql(ddl)
                made.append((name, table))
        for _name, table in made:
            conn.exec_driver_sql(f"ANALYZE {table}")

    def undo() -> None:
        with engine.begin() as conn:
            for name, _table in made:
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        engine.dispose()

    return undo


def create_app() -> Flask:
    from portalis.app import create_app as core_create_app

    app = core_create_app()
    chosen = [e for e in os.environ.get("BENCH_EXPERIMENTS", "").split(",") if e]
    for name in chosen:
        if name not in EXPERIMENTS:
            raise SystemExit(f"unknown experiment {name!r}")
    if "sqlite-immediate" in chosen:
        _sqlite_immediate()
    if "cache-settings" in chosen:
        _cache_settings()
    return app


def _sqlite_immediate() -> None:
    from portalis import db as dbmod

    engine = dbmod.db.engine
    if engine is None or engine.dialect.name != "sqlite":
        return
    if event.contains(engine, "begin", dbmod._sqlite_begin):
        event.remove(engine, "begin", dbmod._sqlite_begin)

    def begin(conn: Any) -> None:
        unsafe = not has_request_context() or request.method not in ("GET", "HEAD", "OPTIONS")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if unsafe else "BEGIN")

    event.listen(engine, "begin", begin)


def _cache_settings() -> None:
    from portalis import api
    from portalis.portal import Portal

    def per_request(fn: Any, key: str) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not has_request_context():
                return fn(*args, **kwargs)
            cache = g.setdefault("_bench_memo", {})
            k = (key, args[1:] if args and isinstance(args[0], Portal) else args,
                 tuple(sorted(kwargs.items())))  # fmt: skip
            if k not in cache:
                cache[k] = fn(*args, **kwargs)
            return cache[k]

        return wrapper

    Portal.enabled_plugins_for_program = per_request(Portal.enabled_plugins_for_program, "efp")  # type: ignore[method-assign]
    Portal.enabled_plugins_anywhere = per_request(Portal.enabled_plugins_anywhere, "epa")  # type: ignore[method-assign]
    api.plugin_settings = per_request(api.plugin_settings, "ps")  # type: ignore[assignment]
