"""The plugin's tables, named ``onboarding_*`` and tenant-scoped.

* :class:`Checklist` — one per program: who on the vendor's side hears when a partner
  finishes, and the tier a finished partner moves to.
* :class:`Task` — a step of a program's checklist. Tasks are archived, never deleted, so
  what a partner completed stays in its history.
* :class:`TaskState` — one partner's progress on one task, written when something happens
  to it (completed, assigned, reminded). No row means "open": a task added later simply
  appears as open for every partner still onboarding.
* :class:`Completion` — the partner finished the program's checklist. Written once (a
  unique key), so a replayed event can never finish a partner twice; tasks added after it
  don't reopen the checklist.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portalis import api

#: Who does a task: someone of the partner company, or the vendor's staff.
PARTNER = "partner"
VENDOR = "vendor"
OWNER_SIDES = (PARTNER, VENDOR)
#: How a task completes when it waits for no milestone: somebody ticks it.
MANUAL = ""
#: Longest due offset a vendor may set (a year and a half): a plan, not a calendar.
MAX_DUE_DAYS = 540


class Checklist(api.TenantScoped, api.Base):
    """A program's onboarding checklist settings (its tasks are :class:`Task` rows)."""

    __tablename__ = "onboarding_checklists"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "program_id"),
        ForeignKeyConstraint(
            ["tenant_id", "program_id"], ["programs.tenant_id", "programs.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["tenant_id", "owner_id"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "completion_tier_id"], ["tiers.tenant_id", "tiers.id"]),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(api.BigId)
    #: Vendor staff told when a partner completes the checklist (None: channel managers).
    owner_id: Mapped[int | None] = mapped_column(api.BigId, default=None)
    #: Where a partner goes when it completes the checklist (None: it stays in its tier).
    completion_tier_id: Mapped[int | None] = mapped_column(api.BigId, default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)


class Task(api.TenantScoped, api.Base):
    """One step of a program's checklist."""

    __tablename__ = "onboarding_tasks"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        ForeignKeyConstraint(
            ["tenant_id", "program_id"], ["programs.tenant_id", "programs.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["tenant_id", "owner_user_id"], ["users.tenant_id", "users.id"]),
        CheckConstraint("due_days >= 0", name="due_days_not_negative"),
        CheckConstraint("owner_side IN ('partner', 'vendor')", name="owner_side_known"),
        Index("ix_onboarding_tasks_program", "tenant_id", "program_id", "position"),
        Index("ix_onboarding_tasks_milestone", "tenant_id", "milestone"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(api.BigId)
    #: Order in the checklist, lowest first (the vendor reorders).
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_side: Mapped[str] = mapped_column(String(16), default=PARTNER)
    #: A named vendor staff member responsible for a vendor-side task (optional).
    owner_user_id: Mapped[int | None] = mapped_column(api.BigId, default=None)
    #: Due this many days after the partner joined (None: no due date).
    due_days: Mapped[int | None] = mapped_column(Integer, default=None)
    #: The event that completes it (a declared milestone), or MANUAL: somebody ticks it.
    milestone: Mapped[str] = mapped_column(String(100), default=MANUAL)
    archived_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)


class TaskState(api.TenantScoped, api.Base):
    """One partner's progress on one task; absent = open, nobody assigned."""

    __tablename__ = "onboarding_task_states"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "task_id", "partner_id"),
        ForeignKeyConstraint(
            ["tenant_id", "task_id"],
            ["onboarding_tasks.tenant_id", "onboarding_tasks.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "partner_id"], ["partners.tenant_id", "partners.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["tenant_id", "completed_by_id"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "assignee_id"], ["users.tenant_id", "users.id"]),
        Index("ix_onboarding_task_states_partner", "tenant_id", "partner_id"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    task_id: Mapped[int] = mapped_column(api.BigId)
    partner_id: Mapped[int] = mapped_column(api.BigId)
    completed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    completed_by_id: Mapped[int | None] = mapped_column(api.BigId, default=None)
    #: The milestone event that completed it ("" when somebody ticked it).
    completed_by_event: Mapped[str] = mapped_column(String(100), default="")
    #: The partner's colleague who owns a partner-side task (set by a partner admin).
    assignee_id: Mapped[int | None] = mapped_column(api.BigId, default=None)
    #: When the partner's admins were told it is overdue (once per task and partner).
    overdue_notified_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class Completion(api.TenantScoped, api.Base):
    """A partner finished its program's checklist (once)."""

    __tablename__ = "onboarding_completions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "program_id", "partner_id"),
        ForeignKeyConstraint(
            ["tenant_id", "program_id"], ["programs.tenant_id", "programs.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["tenant_id", "partner_id"], ["partners.tenant_id", "partners.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(api.BigId)
    partner_id: Mapped[int] = mapped_column(api.BigId)
    completed_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)


class MilestoneReached(api.TenantScoped, api.Base):
    """A partner reached a milestone (the event arrived), once per partner and event.

    Remembered so that a task added later, or switched to this milestone, is completed for
    the partners who got there before it existed — and so a replayed event finds the row
    and changes nothing.
    """

    __tablename__ = "onboarding_milestones_reached"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("tenant_id", "partner_id", "event"),
        ForeignKeyConstraint(
            ["tenant_id", "partner_id"], ["partners.tenant_id", "partners.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    partner_id: Mapped[int] = mapped_column(api.BigId)
    event: Mapped[str] = mapped_column(String(100))
    reached_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)
