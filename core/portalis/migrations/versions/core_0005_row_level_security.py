"""row-level security: every tenant table admits only the rows of the transaction's scope

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-12-09 12:00:00

PostgreSQL only (SQLite has no row-level security; the ORM guard is its only line). Creates
the ``portalis_rls`` schema with the policy function and its key, then enables and FORCEs
row-level security with the ``portalis_tenant`` policy on every tenant table that exists.
Tables created later (a plugin installed afterwards, a new core table) are covered by
``portalis db upgrade``, which runs the same idempotent installer after migrating.
"""

from collections.abc import Sequence

from alembic import op

from portalis.migrate import install_row_level_security, remove_row_level_security

revision: str = "core_0005"
down_revision: str | None = "core_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    install_row_level_security(op.get_bind())


def downgrade() -> None:
    remove_row_level_security(op.get_bind())
