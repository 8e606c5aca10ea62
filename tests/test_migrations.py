"""Migrations: empty → head works, and the models match the migrated schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from portalis.db import Base
from portalis.migrate import distributions, owned_tables, upgrade, version_table


def test_upgrade_from_empty_creates_every_table_and_matches_the_models(
    portalis_app, fresh_database
):
    empty_database = fresh_database  # the portalis.testing fixture: new, empty, dropped after
    with portalis_app.app_context():
        old = portalis_app.config["DATABASE_URL"]
        portalis_app.config["DATABASE_URL"] = empty_database
        try:
            done = upgrade()
        finally:
            portalis_app.config["DATABASE_URL"] = old
        names = [n for n, _loc in distributions()]
    assert done == names and done[0] == "core"
    engine = create_engine(empty_database)
    try:
        tables = set(inspect(engine).get_table_names())
        for name in names:
            assert version_table(name) in tables
            assert owned_tables(name) <= tables
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = [d for d in compare_metadata(ctx, Base.metadata) if not _is_other_table(d)]
        assert diffs == [], f"models and migrations differ: {diffs}"
    finally:
        engine.dispose()


def _is_other_table(diff):
    """Tables with no ORM model: Alembic's version tables and the search engine's own
    tables (raw DDL in core_0002, owned by portalis.search.sql_backend)."""
    op = diff[0] if isinstance(diff, tuple) else diff[0][0]
    if op not in ("remove_table", "remove_index"):
        return False
    name = diff[1].name if op == "remove_table" else diff[1].table.name
    return name.startswith(("alembic_version", "search_"))
