"""search tables for the database-native search backend (FTS5 / tsvector)

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-24 22:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "core_0002"
down_revision: str | None = "core_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from portalis.search.sql_backend import _PG_DDL, _SQLITE_DDL

    ddl = _PG_DDL if op.get_bind().dialect.name == "postgresql" else _SQLITE_DDL
    for statement in ddl:
        op.execute(statement)


def downgrade() -> None:
    for table in ("search_spell", "search_fts", "search_documents"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
