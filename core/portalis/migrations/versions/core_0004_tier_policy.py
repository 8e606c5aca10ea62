"""tier policy: per-program change policy and grace period; open tier reviews

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-12-09 10:00:00

Existing programs get the policy ``review`` and 30 days' grace: from this version on the
scheduled evaluation moves nobody silently; a vendor who wants automatic moves says so.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portalis.db

revision: str = "core_0004"
down_revision: str | None = "core_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy of `programs`, which other tables reference)
    op.add_column(
        "programs",
        sa.Column("tier_policy", sa.String(length=16), server_default="review", nullable=False),
    )
    op.add_column(
        "programs",
        sa.Column("tier_grace_days", sa.Integer(), server_default="30", nullable=False),
    )
    op.add_column(
        "programs",
        sa.Column("tiers_evaluated_at", portalis.db.AwareDateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "tier_reviews",
        sa.Column("id", _ID, nullable=False),
        sa.Column("program_id", _ID, nullable=False),
        sa.Column("partner_id", _ID, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("from_tier_id", _ID, nullable=True),
        sa.Column("to_tier_id", _ID, nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("failed", sa.JSON(), nullable=False),
        sa.Column("due_at", portalis.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("created_at", portalis.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", portalis.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", portalis.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", _ID, nullable=True),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["partners.tenant_id", "partners.id"],
            name=op.f("fk_tier_reviews_tenant_id_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "program_id"],
            ["programs.tenant_id", "programs.id"],
            name=op.f("fk_tier_reviews_tenant_id_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_tier_reviews_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_reviews")),
    )
    with op.batch_alter_table("tier_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tier_reviews_partner_id"), ["partner_id"])
        batch_op.create_index(batch_op.f("ix_tier_reviews_program_id"), ["program_id"])
        batch_op.create_index(batch_op.f("ix_tier_reviews_state"), ["state"])
        batch_op.create_index(batch_op.f("ix_tier_reviews_tenant_id"), ["tenant_id"])


def downgrade() -> None:
    with op.batch_alter_table("tier_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tier_reviews_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_tier_reviews_state"))
        batch_op.drop_index(batch_op.f("ix_tier_reviews_program_id"))
        batch_op.drop_index(batch_op.f("ix_tier_reviews_partner_id"))
    op.drop_table("tier_reviews")
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_column("tiers_evaluated_at")
        batch_op.drop_column("tier_grace_days")
        batch_op.drop_column("tier_policy")
