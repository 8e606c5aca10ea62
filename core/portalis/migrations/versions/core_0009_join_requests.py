"""join requests and team (owned by the team work)

Revision ID: core_0009
Revises: core_0008
Create Date: 2026-12-04 21:40:00

``join_requests`` holds the requests to join a partner's team that wait for a decision
(the public "join" page, and invitations outside a partner's e-mail domain). Programs get
``auto_approve_same_domain``, on for existing programs: a partner admin's invitation of a
colleague at the company's own domain goes out at once, as it did before this version.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portalis.db

revision: str = "core_0009"
down_revision: str | None = "core_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy of `programs`, which other tables reference)
    op.add_column(
        "programs",
        sa.Column(
            "auto_approve_same_domain", sa.Boolean(), server_default=sa.true(), nullable=False
        ),
    )
    op.create_table(
        "join_requests",
        sa.Column("id", _ID, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("partner_id", _ID, nullable=True),
        sa.Column("candidate_ids", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("requested_by_id", _ID, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", _ID, nullable=True),
        sa.Column("decided_at", portalis.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user_id", _ID, nullable=True),
        sa.Column("created_at", portalis.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["partners.tenant_id", "partners.id"],
            name=op.f("fk_join_requests_tenant_id_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_join_requests_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_requests")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_join_requests_tenant_id_id")),
    )
    with op.batch_alter_table("join_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_join_requests_partner_id"), ["partner_id"])
        batch_op.create_index(batch_op.f("ix_join_requests_status"), ["status"])
        batch_op.create_index(batch_op.f("ix_join_requests_tenant_id"), ["tenant_id"])
        batch_op.create_index(
            "uq_join_requests_pending_email",
            ["tenant_id", "email"],
            unique=True,
            sqlite_where=_PENDING,
            postgresql_where=_PENDING,
        )


def downgrade() -> None:
    with op.batch_alter_table("join_requests", schema=None) as batch_op:
        batch_op.drop_index("uq_join_requests_pending_email")
        batch_op.drop_index(batch_op.f("ix_join_requests_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_join_requests_status"))
        batch_op.drop_index(batch_op.f("ix_join_requests_partner_id"))
    op.drop_table("join_requests")
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_column("auto_approve_same_domain")
