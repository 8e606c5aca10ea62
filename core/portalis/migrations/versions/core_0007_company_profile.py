"""company profile: profile fields on partners, per-program profile settings, pending changes

Revision ID: core_0007
Revises: core_0006
Create Date: 2026-12-04 21:40:00

Existing partners get an empty profile (lists empty, no logo, no type); existing programs
have no settings row and so use the defaults (the common fields public, no approval).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portalis.db

revision: str = "core_0007"
down_revision: str | None = "core_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_LISTS = ("addresses", "service_regions", "industries", "expertise", "languages")


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy of `partners`, which other tables reference)
    op.add_column("partners", sa.Column("logo", sa.String(length=40), nullable=True))
    op.add_column(
        "partners", sa.Column("description", sa.Text(), server_default="", nullable=False)
    )
    for name in _LISTS:
        op.add_column("partners", sa.Column(name, sa.JSON(), server_default="[]", nullable=False))
    op.add_column("partners", sa.Column("partner_type", sa.String(length=32), nullable=True))
    op.add_column(
        "partners",
        sa.Column("profile_completed_at", portalis.db.AwareDateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "program_profile_settings",
        sa.Column("id", _ID, nullable=False),
        sa.Column("program_id", _ID, nullable=False),
        sa.Column("public_fields", sa.JSON(), nullable=False),
        sa.Column("approval_required", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", portalis.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "program_id"],
            ["programs.tenant_id", "programs.id"],
            name=op.f("fk_program_profile_settings_tenant_id_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_program_profile_settings_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_profile_settings")),
        sa.UniqueConstraint(
            "tenant_id", "program_id", name=op.f("uq_program_profile_settings_tenant_id_program_id")
        ),
    )
    with op.batch_alter_table("program_profile_settings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_program_profile_settings_program_id"), ["program_id"])
        batch_op.create_index(batch_op.f("ix_program_profile_settings_tenant_id"), ["tenant_id"])
    op.create_table(
        "partner_profile_changes",
        sa.Column("id", _ID, nullable=False),
        sa.Column("partner_id", _ID, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("previous", sa.JSON(), nullable=False),
        sa.Column("submitted_by_id", _ID, nullable=True),
        sa.Column("submitted_at", portalis.db.AwareDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", _ID, nullable=True),
        sa.Column("decided_at", portalis.db.AwareDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["partners.tenant_id", "partners.id"],
            name=op.f("fk_partner_profile_changes_tenant_id_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_partner_profile_changes_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_profile_changes")),
    )
    with op.batch_alter_table("partner_profile_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_profile_changes_partner_id"), ["partner_id"])
        batch_op.create_index(batch_op.f("ix_partner_profile_changes_state"), ["state"])
        batch_op.create_index(batch_op.f("ix_partner_profile_changes_tenant_id"), ["tenant_id"])


def downgrade() -> None:
    with op.batch_alter_table("partner_profile_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_profile_changes_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_partner_profile_changes_state"))
        batch_op.drop_index(batch_op.f("ix_partner_profile_changes_partner_id"))
    op.drop_table("partner_profile_changes")
    with op.batch_alter_table("program_profile_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_profile_settings_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_program_profile_settings_program_id"))
    op.drop_table("program_profile_settings")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("profile_completed_at")
        batch_op.drop_column("partner_type")
        for name in reversed(_LISTS):
            batch_op.drop_column(name)
        batch_op.drop_column("description")
        batch_op.drop_column("logo")
