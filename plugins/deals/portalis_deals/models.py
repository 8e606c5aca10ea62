"""Deal-registration tables (all prefixed ``deals_``, all tenant-scoped).

* :class:`Deal` — one registration of an opportunity by a partner.
* :class:`DealTransition` — append-only history: every status change (and every other
  event on a deal the partner should see) with actor, UTC time and reason.
* :class:`DealConflict` — a match found by :mod:`portalis_deals.conflicts` between two
  registrations, with the rule, fields, score and rules version that produced it.
* :class:`DealExtensionRequest` — a partner's request to extend the protection window.
* :class:`DealProtection` — the database's guarantee that a customer has at most one
  protected registration per program: one row per customer key, UNIQUE, inserted in the
  approval transaction. A second, concurrent approval for the same customer violates the
  constraint and is flagged as a conflict instead of being protected.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKeyConstraint,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portalis import api

# --- statuses ----------------------------------------------------------------------------

DRAFT = "draft"
SUBMITTED = "submitted"
UNDER_REVIEW = "under_review"
RETURNED = "returned"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
WON = "won"
LOST = "lost"
EXPIRED = "expired"

STATUSES = (
    DRAFT,
    SUBMITTED,
    UNDER_REVIEW,
    RETURNED,
    APPROVED,
    REJECTED,
    WITHDRAWN,
    WON,
    LOST,
    EXPIRED,
)
#: Waiting for the vendor.
OPEN_STATUSES = (SUBMITTED, UNDER_REVIEW)
#: Registrations that still claim their customer: conflict detection compares against these.
ACTIVE_STATUSES = (SUBMITTED, UNDER_REVIEW, RETURNED, APPROVED)
#: Ever approved (counted by the ``approved_deals_12m`` metric).
APPROVED_FAMILY = (APPROVED, WON, LOST, EXPIRED)


def _tenant_fk(column: str, table: str, *, ondelete: str | None = None) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"], ondelete=ondelete
    )


class Deal(api.TenantScoped, api.Base):
    __tablename__ = "deals_registrations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        _tenant_fk("program_id", "programs", ondelete="CASCADE"),
        _tenant_fk("partner_id", "partners", ondelete="CASCADE"),
        _tenant_fk("created_by_id", "users"),
        _tenant_fk("owner_id", "users"),
        _tenant_fk("registered_on_behalf_by", "users"),
        # the vendor's review queue. The default view (waiting for review) and the conflict
        # filter read small partial indexes in order; one status, or all statuses, read the
        # full ones. Each serves keyset paging on (submitted_at, id) without sorting.
        Index(
            "ix_deals_registrations_open_queue",
            "tenant_id",
            "submitted_at",
            "id",
            postgresql_where=text("status IN ('submitted', 'under_review')"),
            sqlite_where=text("status IN ('submitted', 'under_review')"),
        ),
        Index(
            "ix_deals_registrations_conflict_queue",
            "tenant_id",
            "submitted_at",
            "id",
            postgresql_where=text("conflict_count > 0"),
            sqlite_where=text("conflict_count > 0"),
        ),
        Index("ix_deals_registrations_queue", "tenant_id", "status", "submitted_at", "id"),
        Index("ix_deals_registrations_submitted", "tenant_id", "submitted_at", "id"),
        Index("ix_deals_registrations_amount", "tenant_id", "amount", "id"),
        Index(
            "ix_deals_registrations_sla_breached",
            "tenant_id",
            "sla_breached_at",
            postgresql_where=text("sla_breached_at IS NOT NULL"),
            sqlite_where=text("sla_breached_at IS NOT NULL"),
        ),
        # conflict candidates: same registrable domain / same name block key
        Index("ix_deals_registrations_domain", "tenant_id", "customer_domain"),
        Index("ix_deals_registrations_name_key", "tenant_id", "name_key"),
        # partner lists (company deals, my deals), newest first
        Index("ix_deals_registrations_partner", "tenant_id", "partner_id", "id"),
        Index("ix_deals_registrations_owner", "tenant_id", "owner_id", "id"),
        # expiry job and metrics
        Index("ix_deals_registrations_expiry", "tenant_id", "status", "protected_until"),
        Index("ix_deals_registrations_metrics", "tenant_id", "program_id", "partner_id", "status"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(api.BigId)
    partner_id: Mapped[int] = mapped_column(api.BigId)
    #: Who typed it in (a partner user, or vendor staff registering on the partner's behalf).
    created_by_id: Mapped[int] = mapped_column(api.BigId)
    #: The partner user responsible; None = the partner's admins (on-behalf registrations).
    owner_id: Mapped[int | None] = mapped_column(api.BigId)
    #: Vendor staff who registered it on the partner's behalf, if any.
    registered_on_behalf_by: Mapped[int | None] = mapped_column(api.BigId)
    reviewer_id: Mapped[int | None] = mapped_column(api.BigId)

    customer_name: Mapped[str] = mapped_column(String(200))
    #: Registrable domain ("eTLD+1") of what the partner entered, lower-case ASCII.
    customer_domain: Mapped[str | None] = mapped_column(String(255))
    #: What the partner typed (web site, e-mail or domain), for the reviewer.
    customer_website: Mapped[str | None] = mapped_column(String(255))
    #: :func:`portalis.api.name_block_key` of ``customer_name``.
    name_key: Mapped[str] = mapped_column(String(16), default="")
    country: Mapped[str | None] = mapped_column(String(2))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(64))
    products: Mapped[str | None] = mapped_column(String(500))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2, asdecimal=True))
    currency: Mapped[str] = mapped_column(String(3))
    expected_close_date: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    #: First submission (UTC): "first to register" is decided on this.
    submitted_at: Mapped[dt.datetime | None]
    #: Latest (re)submission; the review SLA clock starts here.
    last_submitted_at: Mapped[dt.datetime | None]
    #: When the review SLA runs out (business hours after the latest submission).
    sla_due_at: Mapped[dt.datetime | None]
    sla_breached_at: Mapped[dt.datetime | None]
    decided_at: Mapped[dt.datetime | None]
    approved_at: Mapped[dt.datetime | None]
    protected_until: Mapped[dt.datetime | None]
    expiry_reminder_sent_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    discount_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2, asdecimal=True))
    extension_count: Mapped[int] = mapped_column(default=0)
    #: :data:`portalis_deals.conflicts.RULES_VERSION` of the last conflict check.
    rules_version: Mapped[str | None] = mapped_column(String(16))
    #: Conflicts with other *active* registrations, kept up to date for queue filters.
    conflict_count: Mapped[int] = mapped_column(default=0)
    conflict_score: Mapped[float] = mapped_column(Float, default=0.0)

    created_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow, onupdate=api.utcnow)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def snapshot(self) -> dict[str, Any]:
        """Fields worth an audit entry."""
        return {
            "status": self.status,
            "partner_id": self.partner_id,
            "customer_name": self.customer_name,
            "customer_domain": self.customer_domain,
            "amount": str(self.amount) if self.amount is not None else None,
            "currency": self.currency,
            "protected_until": self.protected_until.isoformat() if self.protected_until else None,
            "discount_pct": str(self.discount_pct) if self.discount_pct is not None else None,
        }


class DealTransition(api.TenantScoped, api.Base):
    """One event in a deal's life, shown to the partner on the deal's timeline."""

    __tablename__ = "deals_transitions"
    __table_args__ = (
        _tenant_fk("deal_id", "deals_registrations", ondelete="CASCADE"),
        Index("ix_deals_transitions_deal", "tenant_id", "deal_id", "id"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    deal_id: Mapped[int] = mapped_column(api.BigId)
    #: "submitted", "approved", "extension_granted", "conflict_flagged", …
    event: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_user_id: Mapped[int | None] = mapped_column(api.BigId)
    #: The actor's name at the time ("system" for scheduled jobs).
    actor_label: Mapped[str] = mapped_column(String(200), default="system")
    created_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)


class DealConflict(api.TenantScoped, api.Base):
    """``deal_id`` (the later registration) very probably names the same customer as
    ``other_deal_id``. Only vendor staff see the details."""

    __tablename__ = "deals_conflicts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "deal_id", "other_deal_id"),
        _tenant_fk("deal_id", "deals_registrations", ondelete="CASCADE"),
        _tenant_fk("other_deal_id", "deals_registrations", ondelete="CASCADE"),
        Index("ix_deals_conflicts_other", "tenant_id", "other_deal_id"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    deal_id: Mapped[int] = mapped_column(api.BigId)
    other_deal_id: Mapped[int] = mapped_column(api.BigId)
    #: A rule of :mod:`portalis_deals.conflicts`, or "already_protected" when an approval
    #: lost the race for the customer's protection.
    rule: Mapped[str] = mapped_column(String(32))
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    score: Mapped[float] = mapped_column(Float)
    rules_version: Mapped[str] = mapped_column(String(16))
    detected_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)


class DealExtensionRequest(api.TenantScoped, api.Base):
    __tablename__ = "deals_extension_requests"
    __table_args__ = (
        _tenant_fk("deal_id", "deals_registrations", ondelete="CASCADE"),
        Index("ix_deals_extension_requests_deal", "tenant_id", "deal_id", "id"),
        Index("ix_deals_extension_requests_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    deal_id: Mapped[int] = mapped_column(api.BigId)
    requested_by_id: Mapped[int] = mapped_column(api.BigId)
    requested_until: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    #: pending → granted | denied
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(api.BigId)
    decided_at: Mapped[dt.datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)


class DealProtection(api.TenantScoped, api.Base):
    """A customer key held by exactly one protected registration of a program.

    Each approved deal holds one row per key of its customer (``d:<registrable domain>``
    and ``n:<normalised name>``); the rows are deleted when the protection ends (expired,
    won, lost). The UNIQUE constraint, not application code, is what makes two concurrent
    approvals of the same customer impossible.
    """

    __tablename__ = "deals_protections"
    __table_args__ = (
        UniqueConstraint("tenant_id", "program_id", "customer_key"),
        _tenant_fk("deal_id", "deals_registrations", ondelete="CASCADE"),
        _tenant_fk("program_id", "programs", ondelete="CASCADE"),
        Index("ix_deals_protections_deal", "tenant_id", "deal_id"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(api.BigId)
    customer_key: Mapped[str] = mapped_column(String(300))
    deal_id: Mapped[int] = mapped_column(api.BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)
