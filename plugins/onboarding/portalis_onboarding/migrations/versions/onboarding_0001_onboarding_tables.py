"""onboarding tables

Revision ID: onboarding_0001
Revises:
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portalis import api

revision: str = "onboarding_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "onboarding_completions",
        sa.Column("id", api.BigId, nullable=False),
        sa.Column("program_id", api.BigId, nullable=False),
        sa.Column("partner_id", api.BigId, nullable=False),
        sa.Column("completed_at", api.AwareDateTime(), nullable=False),
        sa.Column("tenant_id", api.BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["partners.tenant_id", "partners.id"],
            name=op.f("fk_onboarding_completions_tenant_id_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "program_id"],
            ["programs.tenant_id", "programs.id"],
            name=op.f("fk_onboarding_completions_tenant_id_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_onboarding_completions_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_completions")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_onboarding_completions_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id",
            "program_id",
            "partner_id",
            name=op.f("uq_onboarding_completions_tenant_id_program_id_partner_id"),
        ),
    )
    with op.batch_alter_table("onboarding_completions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onboarding_completions_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "onboarding_milestones_reached",
        sa.Column("id", api.BigId, nullable=False),
        sa.Column("partner_id", api.BigId, nullable=False),
        sa.Column("event", sa.String(length=100), nullable=False),
        sa.Column("reached_at", api.AwareDateTime(), nullable=False),
        sa.Column("tenant_id", api.BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["partners.tenant_id", "partners.id"],
            name=op.f("fk_onboarding_milestones_reached_tenant_id_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_onboarding_milestones_reached_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_milestones_reached")),
        sa.UniqueConstraint(
            "tenant_id", "id", name=op.f("uq_onboarding_milestones_reached_tenant_id_id")
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "partner_id",
            "event",
            name=op.f("uq_onboarding_milestones_reached_tenant_id_partner_id_event"),
        ),
    )
    with op.batch_alter_table("onboarding_milestones_reached", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onboarding_milestones_reached_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "onboarding_checklists",
        sa.Column("id", api.BigId, nullable=False),
        sa.Column("program_id", api.BigId, nullable=False),
        sa.Column("owner_id", api.BigId, nullable=True),
        sa.Column("completion_tier_id", api.BigId, nullable=True),
        sa.Column("updated_at", api.AwareDateTime(), nullable=False),
        sa.Column("tenant_id", api.BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "completion_tier_id"],
            ["tiers.tenant_id", "tiers.id"],
            name=op.f("fk_onboarding_checklists_tenant_id_completion_tier_id_tiers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_onboarding_checklists_tenant_id_owner_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "program_id"],
            ["programs.tenant_id", "programs.id"],
            name=op.f("fk_onboarding_checklists_tenant_id_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_onboarding_checklists_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_checklists")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_onboarding_checklists_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id", "program_id", name=op.f("uq_onboarding_checklists_tenant_id_program_id")
        ),
    )
    with op.batch_alter_table("onboarding_checklists", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onboarding_checklists_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "onboarding_tasks",
        sa.Column("id", api.BigId, nullable=False),
        sa.Column("program_id", api.BigId, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_side", sa.String(length=16), nullable=False),
        sa.Column("owner_user_id", api.BigId, nullable=True),
        sa.Column("due_days", sa.Integer(), nullable=True),
        sa.Column("milestone", sa.String(length=100), nullable=False),
        sa.Column("archived_at", api.AwareDateTime(), nullable=True),
        sa.Column("created_at", api.AwareDateTime(), nullable=False),
        sa.Column("tenant_id", api.BigId, nullable=False),
        sa.CheckConstraint(
            "owner_side IN ('partner', 'vendor')", name=op.f("ck_onboarding_tasks_owner_side_known")
        ),
        sa.CheckConstraint("due_days >= 0", name=op.f("ck_onboarding_tasks_due_days_not_negative")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "owner_user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_onboarding_tasks_tenant_id_owner_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "program_id"],
            ["programs.tenant_id", "programs.id"],
            name=op.f("fk_onboarding_tasks_tenant_id_program_id_programs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_onboarding_tasks_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_tasks")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_onboarding_tasks_tenant_id_id")),
    )
    with op.batch_alter_table("onboarding_tasks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_onboarding_tasks_milestone", ["tenant_id", "milestone"], unique=False
        )
        batch_op.create_index(
            "ix_onboarding_tasks_program", ["tenant_id", "program_id", "position"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_onboarding_tasks_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "onboarding_task_states",
        sa.Column("id", api.BigId, nullable=False),
        sa.Column("task_id", api.BigId, nullable=False),
        sa.Column("partner_id", api.BigId, nullable=False),
        sa.Column("completed_at", api.AwareDateTime(), nullable=True),
        sa.Column("completed_by_id", api.BigId, nullable=True),
        sa.Column("completed_by_event", sa.String(length=100), nullable=False),
        sa.Column("assignee_id", api.BigId, nullable=True),
        sa.Column("overdue_notified_at", api.AwareDateTime(), nullable=True),
        sa.Column("tenant_id", api.BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "assignee_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_onboarding_task_states_tenant_id_assignee_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "completed_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_onboarding_task_states_tenant_id_completed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "partner_id"],
            ["partners.tenant_id", "partners.id"],
            name=op.f("fk_onboarding_task_states_tenant_id_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "task_id"],
            ["onboarding_tasks.tenant_id", "onboarding_tasks.id"],
            name=op.f("fk_onboarding_task_states_tenant_id_task_id_onboarding_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_onboarding_task_states_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_task_states")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_onboarding_task_states_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id",
            "task_id",
            "partner_id",
            name=op.f("uq_onboarding_task_states_tenant_id_task_id_partner_id"),
        ),
    )
    with op.batch_alter_table("onboarding_task_states", schema=None) as batch_op:
        batch_op.create_index(
            "ix_onboarding_task_states_partner", ["tenant_id", "partner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_onboarding_task_states_tenant_id"), ["tenant_id"], unique=False
        )



def downgrade() -> None:
    with op.batch_alter_table("onboarding_task_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_task_states_tenant_id"))
        batch_op.drop_index("ix_onboarding_task_states_partner")

    op.drop_table("onboarding_task_states")
    with op.batch_alter_table("onboarding_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_tasks_tenant_id"))
        batch_op.drop_index("ix_onboarding_tasks_program")
        batch_op.drop_index("ix_onboarding_tasks_milestone")

    op.drop_table("onboarding_tasks")
    with op.batch_alter_table("onboarding_checklists", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_checklists_tenant_id"))

    op.drop_table("onboarding_checklists")
    with op.batch_alter_table("onboarding_milestones_reached", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_milestones_reached_tenant_id"))

    op.drop_table("onboarding_milestones_reached")
    with op.batch_alter_table("onboarding_completions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_completions_tenant_id"))

    op.drop_table("onboarding_completions")
