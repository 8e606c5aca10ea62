"""Partner programs, their ordered tiers, per-program plugin enablement and tier history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId, TenantScoped, utcnow


class Program(TenantScoped, Base):
    __tablename__ = "programs"
    __table_args__ = (UniqueConstraint("tenant_id", "id"), UniqueConstraint("tenant_id", "slug"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(200))
    #: Per-locale names entered by the vendor: {"de": "Partnerprogramm"}; falls back to ``name``.
    name_i18n: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    #: Overrides the tenant's logo/accent for this program's partners.
    branding: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: What the scheduled tier evaluation does with a change it finds: ``"automatic"``
    #: applies it, ``"review"`` proposes it and a channel manager approves or rejects it.
    tier_policy: Mapped[str] = mapped_column(String(16), default="review", server_default="review")
    #: Days a partner keeps a tier whose criteria it no longer meets ("at risk") before the
    #: demotion applies (automatic) or is proposed (review). 0 = at once.
    tier_grace_days: Mapped[int] = mapped_column(default=30, server_default="30")
    #: When the scheduled evaluation last ran for this program.
    tiers_evaluated_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: A partner admin's invitation of an address at the company's own e-mail domain goes
    #: out at once; off, every invitation waits for the vendor (a join request).
    auto_approve_same_domain: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: Whether the public "become a partner" form offers this program.
    accepts_applications: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


TIER_POLICIES = ("automatic", "review")


class Tier(TenantScoped, Base):
    __tablename__ = "tiers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("program_id", "rank"),
        ForeignKeyConstraint(
            ["tenant_id", "program_id"], ["programs.tenant_id", "programs.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(BigId, index=True)
    #: Higher rank = better tier. Rank 0 is the entry tier every partner qualifies for.
    rank: Mapped[int]
    name: Mapped[str] = mapped_column(String(100))
    name_i18n: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: Boolean expression over metric names, e.g. ``won_revenue_12m >= 250000 and active_users >= 3``.
    criteria: Mapped[str] = mapped_column(Text, default="")
    #: {"deal_discount_pct": 10, "mdf_allowance": 5000}; plugins read the keys they know.
    benefits: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    color: Mapped[str] = mapped_column(String(16), default="#64748b")


class ProgramPlugin(TenantScoped, Base):
    """Whether a plugin is on for a program, which tiers get it, and its settings."""

    __tablename__ = "program_plugins"
    __table_args__ = (
        UniqueConstraint("program_id", "plugin"),
        ForeignKeyConstraint(
            ["tenant_id", "program_id"], ["programs.tenant_id", "programs.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(BigId, index=True)
    plugin: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(default=True)
    #: None = every tier of the program; otherwise the tier ids allowed to use it.
    tier_ids: Mapped[list[int] | None] = mapped_column(JSON, default=None)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TierChange(TenantScoped, Base):
    """One move of a partner between tiers, with the metric values that caused it."""

    __tablename__ = "tier_changes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "partner_id"], ["partners.tenant_id", "partners.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    partner_id: Mapped[int] = mapped_column(BigId, index=True)
    from_tier_id: Mapped[int | None] = mapped_column(BigId)
    to_tier_id: Mapped[int | None] = mapped_column(BigId)
    #: "evaluation" (applied by the evaluation or by approving its proposal) or "manual"
    source: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_user_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TierReview(TenantScoped, Base):
    """A tier change the evaluation found but has not applied (yet).

    ``state`` is ``"at_risk"`` while a partner that no longer meets its tier's criteria is
    in its grace period (``due_at``: when the demotion applies or is proposed),
    ``"proposed"`` while a change waits for a channel manager, and then one of
    ``"applied"``, ``"rejected"``, ``"cleared"`` (the partner met the criteria again, or
    the proposal no longer matched what the evaluation finds) or ``"superseded"`` (the
    tier was changed or pinned by hand). A partner has at most one open review
    (``at_risk`` or ``proposed``).
    """

    __tablename__ = "tier_reviews"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "partner_id"], ["partners.tenant_id", "partners.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["tenant_id", "program_id"], ["programs.tenant_id", "programs.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(BigId, index=True)
    partner_id: Mapped[int] = mapped_column(BigId, index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    from_tier_id: Mapped[int | None] = mapped_column(BigId)
    to_tier_id: Mapped[int | None] = mapped_column(BigId)
    #: The metric values when the evaluation last looked, and the current tier's unmet
    #: conditions (``["won_revenue_12m >= 250000"]``): why.
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: unmet conditions, each {"metric", "op", "threshold"}; formatted when shown
    failed: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    due_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    decided_by_id: Mapped[int | None] = mapped_column(BigId)


#: The states of a review that is still open (at most one per partner).
OPEN_REVIEW_STATES = ("at_risk", "proposed")
