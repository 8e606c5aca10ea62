"""The deal lifecycle: every state change goes through here.

::

    draft ─submit→ submitted ─start_review→ under_review
    submitted | under_review ─approve→ approved ─won | lost | expire→ won | lost | expired
    submitted | under_review ─reject→ rejected
    submitted | under_review ─return→ returned ─resubmit→ submitted
    submitted | under_review | returned ─withdraw→ withdrawn   (final: no resubmission)
    draft ─delete→ (gone)

Each change records a :class:`DealTransition` (actor, UTC time, reason), an audit entry and
a domain event, in the caller's transaction; the caller commits. A forbidden change raises
:class:`TransitionError` and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, case, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from portalis import api

from . import conflicts, notify, sla
from .i18n import _, ngettext
from .models import (
    ACTIVE_STATUSES,
    APPROVED,
    DRAFT,
    EXPIRED,
    LOST,
    OPEN_STATUSES,
    REJECTED,
    RETURNED,
    SUBMITTED,
    UNDER_REVIEW,
    WITHDRAWN,
    WON,
    Deal,
    DealConflict,
    DealExtensionRequest,
    DealProtection,
    DealTransition,
)

PLUGIN_NAME = "deals"
S = TypeVar("S", bound=Select)
RULE_ALREADY_PROTECTED = "already_protected"

#: action → statuses it may start from
ALLOWED: dict[str, tuple[str, ...]] = {
    "submit": (DRAFT,),
    "resubmit": (RETURNED,),
    "start_review": (SUBMITTED,),
    "approve": OPEN_STATUSES,
    "reject": OPEN_STATUSES,
    "return": OPEN_STATUSES,
    "withdraw": (SUBMITTED, UNDER_REVIEW, RETURNED),
    "won": (APPROVED,),
    "lost": (APPROVED,),
    "expire": (APPROVED,),
    "delete": (DRAFT,),
    "edit": (DRAFT, RETURNED),
    "request_extension": (APPROVED,),
    "decide_extension": (APPROVED,),
}

#: Fields a registration needs before it can be submitted.
REQUIRED_FOR_SUBMIT = (
    "customer_name",
    "customer_domain",
    "country",
    "contact_name",
    "contact_email",
    "products",
    "amount",
    "currency",
    "expected_close_date",
)


class TransitionError(Exception):
    """The deal's status does not allow this action (nothing was changed)."""


class ValidationProblem(Exception):
    """Input the form layer should have caught; ``errors`` maps field → message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def can(deal: Deal, action: str) -> bool:
    return deal.status in ALLOWED[action]


def _require(deal: Deal, action: str) -> None:
    if not can(deal, action):
        raise TransitionError(
            _(
                "This registration is %(status)s; that action isn't possible any more.",
                status=status_label(deal.status),
            )
        )


def status_label(status: str) -> str:
    labels = {
        DRAFT: _("Draft"),
        SUBMITTED: _("Submitted"),
        UNDER_REVIEW: _("Under review"),
        RETURNED: _("Returned for information"),
        APPROVED: _("Approved"),
        REJECTED: _("Rejected"),
        WITHDRAWN: _("Withdrawn"),
        WON: _("Won"),
        LOST: _("Lost"),
        EXPIRED: _("Expired"),
    }
    return labels.get(status, status)


# --- settings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    protection_days: int
    review_sla_hours: int
    max_extensions: int
    reminder_days_before: int


DEFAULTS: dict[str, int] = {
    "protection_days": 90,
    "review_sla_hours": 48,
    "max_extensions": 2,
    "reminder_days_before": 14,
}


def settings_for(program_id: int) -> Settings:
    raw = {**DEFAULTS, **api.plugin_settings(PLUGIN_NAME, program_id)}

    def num(key: str) -> int:
        value: Any = raw.get(key)
        try:
            return max(0, int(value)) if value is not None else DEFAULTS[key]
        except (TypeError, ValueError, OverflowError):
            return DEFAULTS[key]

    return Settings(
        protection_days=num("protection_days"),
        review_sla_hours=num("review_sla_hours"),
        max_extensions=num("max_extensions"),
        reminder_days_before=num("reminder_days_before"),
    )


# --- helpers -----------------------------------------------------------------------------


def _actor_label(actor: api.User | None) -> str:
    return actor.name if actor is not None else "system"


def record_transition(
    deal: Deal,
    event: str,
    actor: api.User | None,
    from_status: str | None,
    reason: str = "",
    *,
    at: dt.datetime | None = None,
    to_status: str | None = None,
) -> DealTransition:
    """A line on the deal's timeline: ``event`` by ``actor`` (None: the system), from
    ``from_status`` to ``to_status`` (default: the deal's status now)."""
    tr = DealTransition(
        deal_id=deal.id,
        event=event,
        from_status=from_status,
        to_status=to_status or deal.status,
        reason=reason or "",
        actor_user_id=actor.id if actor is not None else None,
        actor_label=_actor_label(actor),
        created_at=at or api.utcnow(),
    )
    api.session.add(tr)
    return tr


def _emit(name: str, deal: Deal, actor: api.User | None, **extra: Any) -> None:
    api.emit(
        name,
        {"deal_id": deal.id, "partner_id": deal.partner_id, "status": deal.status, **extra},
        program_id=deal.program_id,
        actor_user_id=actor.id if actor is not None else None,
    )


def _tenant_zone() -> dt.tzinfo:
    tid = api.current_tenant_id()
    tenant = api.session.get(api.Tenant, tid) if tid is not None else None
    return sla.zone(tenant.timezone if tenant else "UTC")


def lock(deal_id: int) -> Deal | None:
    """The deal, row-locked for the rest of the transaction (PostgreSQL; SQLite locks the
    whole database on write anyway). Every decision re-reads the status under this lock,
    so two reviewers clicking at once can't both decide."""
    return api.session.scalars(for_update(select(Deal).where(Deal.id == deal_id))).first()


def for_update(stmt: S) -> S:
    """``stmt`` locking the registrations it reads (only those: a query that joins the
    partner must not lock the partner's row against its own edits and tier changes) and
    re-reading them even if already loaded."""
    return stmt.with_for_update(of=Deal).execution_options(populate_existing=True)


def customer_keys(deal: Deal, *, names: bool = True) -> list[str]:
    """The keys under which an approved deal protects its customer in its program."""
    keys = []
    if deal.customer_domain and not api.is_free_mail_domain(deal.customer_domain):
        keys.append(f"d:{deal.customer_domain}")
    if names:
        name = api.normalize_company_name(deal.customer_name or "").replace(" ", "")
        if name:
            keys.append(f"n:{(deal.country or '').upper()}:{name}"[:300])
    return keys


def timeline(deal: Deal) -> list[DealTransition]:
    """The deal's history, oldest first (what the partner and the reviewer read)."""
    return list(
        api.session.scalars(
            select(DealTransition)
            .where(DealTransition.deal_id == deal.id)
            .order_by(DealTransition.id)
        )
    )


def extension_requests(deal: Deal) -> list[DealExtensionRequest]:
    """The deal's extension requests, newest first."""
    return list(
        api.session.scalars(
            select(DealExtensionRequest)
            .where(DealExtensionRequest.deal_id == deal.id)
            .order_by(DealExtensionRequest.id.desc())
        )
    )


def user_names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of the people a deal mentions (owner, reviewer …), by id."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    return dict(
        api.session.execute(select(api.User.id, api.User.name).where(api.User.id.in_(ids))).all()
    )


# --- create / edit -----------------------------------------------------------------------

EDITABLE_FIELDS = (
    "customer_name",
    "customer_website",
    "country",
    "contact_name",
    "contact_email",
    "contact_phone",
    "products",
    "amount",
    "currency",
    "expected_close_date",
    "notes",
)


def apply_fields(deal: Deal, data: dict[str, Any]) -> None:
    """Copy cleaned form data onto a deal and derive the matching keys."""
    for key in EDITABLE_FIELDS:
        if key in data:
            setattr(deal, key, data[key])
    website = deal.customer_website or ""
    deal.customer_domain = api.registrable_domain(website) if website else None
    deal.name_key = api.name_block_key(deal.customer_name or "")
    if deal.amount is not None:
        deal.amount = Decimal(deal.amount).quantize(Decimal("0.01"))
    if deal.country:
        deal.country = deal.country.upper()
    if deal.currency:
        deal.currency = deal.currency.upper()


def create_draft(
    *,
    program_id: int,
    partner_id: int,
    actor: api.User,
    data: dict[str, Any],
    owner_id: int | None,
    on_behalf: bool = False,
) -> Deal:
    deal = Deal(
        program_id=program_id,
        partner_id=partner_id,
        created_by_id=actor.id,
        owner_id=owner_id,
        registered_on_behalf_by=actor.id if on_behalf else None,
        status=DRAFT,
        currency=(data.get("currency") or "USD"),
    )
    apply_fields(deal, data)
    api.session.add(deal)
    api.session.flush()
    record_transition(deal, "created", actor, None)
    api.audit("deal.created", "deal", deal.id, after=deal.snapshot())
    return deal


def update_fields(deal: Deal, actor: api.User, data: dict[str, Any]) -> None:
    _require(deal, "edit")
    before = deal.snapshot()
    apply_fields(deal, data)
    api.audit("deal.updated", "deal", deal.id, before=before, after=deal.snapshot())


def missing_for_submit(deal: Deal) -> list[str]:
    return [f for f in REQUIRED_FOR_SUBMIT if getattr(deal, f) in (None, "")]


# --- submit ------------------------------------------------------------------------------


def submit(deal: Deal, actor: api.User, *, now: dt.datetime | None = None) -> list[DealConflict]:
    """Send a draft (or a returned registration) to the vendor; runs conflict detection."""
    action = "resubmit" if deal.status == RETURNED else "submit"
    _require(deal, action)
    missing = missing_for_submit(deal)
    if missing:
        raise ValidationProblem({f: _("Required before you can submit.") for f in missing})
    now = now or api.utcnow()
    before = deal.status
    deal.status = SUBMITTED
    if deal.submitted_at is None:
        deal.submitted_at = now
    deal.last_submitted_at = now
    settings = settings_for(deal.program_id)
    deal.sla_due_at = sla.add_business_hours(now, settings.review_sla_hours, _tenant_zone())
    deal.sla_breached_at = None
    api.session.flush()
    found = detect_conflicts(deal)
    record_transition(
        deal, "resubmitted" if action == "resubmit" else "submitted", actor, before, at=now
    )
    api.audit(
        f"deal.{action}ted", "deal", deal.id, before={"status": before}, after=deal.snapshot()
    )
    _emit("deal.submitted", deal, actor, resubmitted=action == "resubmit", conflicts=len(found))
    notify.submitted(deal, resubmitted=action == "resubmit", conflict_count=len(found))
    return found


# --- conflicts ---------------------------------------------------------------------------


def _facts(d: Deal | Any) -> conflicts.DealFacts:
    return conflicts.DealFacts(
        id=d.id, company_name=d.customer_name or "", domain=d.customer_domain, country=d.country
    )


def candidates(
    customer_domain: str | None, name_key: str, *, exclude_id: int | None = None, limit: int = 200
) -> list[Any]:
    """Active registrations sharing the registrable domain or the name block key: two
    index look-ups, whatever the size of the table."""
    conds = []
    if customer_domain and not api.is_free_mail_domain(customer_domain):
        conds.append(Deal.customer_domain == customer_domain)
    if name_key:
        conds.append(Deal.name_key == name_key)
    if not conds:
        return []
    stmt = (
        select(
            Deal.id,
            Deal.partner_id,
            Deal.customer_name,
            Deal.customer_domain,
            Deal.country,
            Deal.status,
            Deal.submitted_at,
        )
        .where(or_(*conds), Deal.status.in_(ACTIVE_STATUSES))
        .order_by(Deal.id)
        .limit(limit)
    )
    if exclude_id is not None:
        stmt = stmt.where(Deal.id != exclude_id)
    return list(api.session.execute(stmt).all())


def possible_conflicts(
    name: str, website: str, email: str, *, exclude_id: int | None = None
) -> list[tuple[conflicts.ConflictMatch, Any]]:
    """What the live hint compares while a customer is typed in: (match, other
    registration) pairs among the active registrations. The caller decides how much of
    it the viewer may learn."""
    domain = api.registrable_domain(website) if website else None
    if domain is None and email and not api.is_free_mail_domain(email):
        domain = api.registrable_domain(email)
    key = api.name_block_key(name)
    if not (domain or key):
        return []
    rows = candidates(domain, key, exclude_id=exclude_id)
    facts = conflicts.DealFacts(id=None, company_name=name, domain=domain)
    by_id = {r.id: r for r in rows}
    return [(m, by_id[m.other_id]) for m in conflicts.find_conflicts(facts, map(_facts, rows))]


def detect_conflicts(deal: Deal) -> list[DealConflict]:
    """(Re)compute the conflicts of ``deal`` with the tenant's other active registrations."""
    api.session.execute(
        delete(DealConflict).where(
            DealConflict.deal_id == deal.id, DealConflict.rule != RULE_ALREADY_PROTECTED
        )
    )
    rows = candidates(deal.customer_domain, deal.name_key, exclude_id=deal.id)
    matches = conflicts.find_conflicts(_facts(deal), [_facts(r) for r in rows])
    deal.rules_version = conflicts.RULES_VERSION
    found = []
    # pairs already on record: an "already_protected" flag, or the other deal's own
    # submission found this one (one row per pair, from the later registration's side)
    known = set(
        api.session.scalars(
            select(DealConflict.other_deal_id).where(DealConflict.deal_id == deal.id)
        )
    ) | set(
        api.session.scalars(
            select(DealConflict.deal_id).where(DealConflict.other_deal_id == deal.id)
        )
    )
    for m in matches:
        if m.other_id in known:
            continue
        c = DealConflict(
            deal_id=deal.id,
            other_deal_id=m.other_id,
            rule=m.rule,
            fields=list(m.fields),
            score=m.score,
            rules_version=m.rules_version,
        )
        api.session.add(c)
        found.append(c)
    api.session.flush()
    refresh_conflict_summaries([deal.id, *(m.other_id for m in matches)])
    return found


def refresh_conflict_summaries(deal_ids: Iterable[int]) -> None:
    """Recount ``conflict_count``/``conflict_score`` from conflicts with *active* deals."""
    ids = sorted(set(deal_ids))
    if not ids:
        return
    pairs = api.session.execute(
        select(DealConflict.deal_id, DealConflict.other_deal_id, DealConflict.score).where(
            or_(DealConflict.deal_id.in_(ids), DealConflict.other_deal_id.in_(ids))
        )
    ).all()
    involved = {p[0] for p in pairs} | {p[1] for p in pairs} | set(ids)
    active = set(
        api.session.scalars(
            select(Deal.id).where(Deal.id.in_(involved), Deal.status.in_(ACTIVE_STATUSES))
        )
    )
    others: dict[int, dict[int, float]] = {i: {} for i in ids}
    for a, b, score in pairs:
        for me, other in ((a, b), (b, a)):
            if me in others and other in active:
                others[me][other] = max(others[me].get(other, 0.0), float(score))
    for deal_id, scores in others.items():
        api.session.execute(
            update(Deal)
            .where(Deal.id == deal_id)
            .values(conflict_count=len(scores), conflict_score=max(scores.values(), default=0.0))
            .execution_options(synchronize_session="fetch")
        )


def conflicts_of(deal: Deal) -> list[tuple[DealConflict, Deal]]:
    """Every recorded conflict involving ``deal`` with the other registration (vendor view)."""
    rows = api.session.execute(
        select(DealConflict, Deal)
        .join(
            Deal,
            or_(
                (DealConflict.deal_id == deal.id) & (Deal.id == DealConflict.other_deal_id),
                (DealConflict.other_deal_id == deal.id) & (Deal.id == DealConflict.deal_id),
            ),
        )
        .where(or_(DealConflict.deal_id == deal.id, DealConflict.other_deal_id == deal.id))
        .order_by(
            case((DealConflict.rule == RULE_ALREADY_PROTECTED, 0), else_=1),
            DealConflict.score.desc(),
            Deal.submitted_at,
            Deal.id,
        )
    ).all()
    seen: set[int] = set()
    out = []
    for c, d in rows:  # one line per other deal, its strongest match first
        if d.id not in seen:
            seen.add(d.id)
            out.append((c, d))
    return out


# --- review ------------------------------------------------------------------------------


def start_review(deal: Deal, actor: api.User) -> None:
    _require(deal, "start_review")
    before = deal.status
    deal.status = UNDER_REVIEW
    deal.reviewer_id = actor.id
    record_transition(deal, "review_started", actor, before)
    api.audit(
        "deal.review_started",
        "deal",
        deal.id,
        before={"status": before},
        after={"status": deal.status},
    )
    _emit("deal.review_started", deal, actor)


@dataclass
class ApprovalOutcome:
    approved: bool
    #: Deals already protecting this customer (when not approved).
    holders: list[int] = field(default_factory=list)


def approve(
    deal: Deal,
    actor: api.User,
    *,
    reason: str = "",
    distinct_customer: bool = False,
    now: dt.datetime | None = None,
) -> ApprovalOutcome:
    """Approve and protect the deal — or, when another registration already protects the
    same customer, flag the conflict and leave this one in review.

    The protection is a row per customer key in ``deals_protections`` (UNIQUE per program),
    inserted in a savepoint: of two concurrent approvals for one customer exactly one
    commits its rows, the other gets the constraint violation here.
    ``distinct_customer`` (reviewer's judgement, reason required) protects only the domain
    key, for a different company that happens to share a name.
    """
    _require(deal, "approve")
    if distinct_customer and not reason.strip():
        raise ValidationProblem({"reason": _("Explain why this is a different customer.")})
    now = now or api.utcnow()
    keys = customer_keys(deal, names=not distinct_customer)
    try:
        with api.session.begin_nested():
            for key in keys:
                api.session.add(
                    DealProtection(program_id=deal.program_id, customer_key=key, deal_id=deal.id)
                )
            api.session.flush()
    except IntegrityError:
        return _flag_protected_elsewhere(deal, actor, keys)

    settings = settings_for(deal.program_id)
    before = deal.status
    partner = api.session.get(api.Partner, deal.partner_id)
    discount = api.tier_benefit(partner.tier_id if partner else None, "deal_discount_pct", 0)
    deal.status = APPROVED
    deal.decided_at = now
    deal.approved_at = now
    deal.reviewer_id = actor.id
    deal.protected_until = (
        now + dt.timedelta(days=settings.protection_days) if settings.protection_days else None
    )
    deal.discount_pct = decimal_pct(discount)
    deal.expiry_reminder_sent_at = None
    # a "different customer" justification may discuss the other registration: it goes to
    # the audit log only, never onto the timeline the partner reads
    record_transition(deal, "approved", actor, before, "" if distinct_customer else reason, at=now)
    after = deal.snapshot()
    if distinct_customer:
        after["distinct_customer_reason"] = reason.strip()
    api.audit("deal.approved", "deal", deal.id, before={"status": before}, after=after)
    _emit("deal.approved", deal, actor)
    notify.decided(deal, "approved", "" if distinct_customer else reason)
    return ApprovalOutcome(True)


def decimal_pct(value: Any) -> Decimal:
    try:
        pct = Decimal(str(value if value is not None else 0))
    except (ArithmeticError, ValueError):
        return Decimal("0")
    if not pct.is_finite():
        return Decimal("0")
    return min(Decimal("100"), max(Decimal("0"), pct)).quantize(Decimal("0.01"))


def _flag_protected_elsewhere(deal: Deal, actor: api.User, keys: list[str]) -> ApprovalOutcome:
    holders = api.session.execute(
        select(DealProtection.deal_id, DealProtection.customer_key).where(
            DealProtection.program_id == deal.program_id,
            DealProtection.customer_key.in_(keys),
            DealProtection.deal_id != deal.id,
        )
    ).all()
    by_deal: dict[int, list[str]] = {}
    for holder_id, key in holders:
        field_name = conflicts.FIELD_DOMAIN if key.startswith("d:") else conflicts.FIELD_NAME
        by_deal.setdefault(holder_id, []).append(field_name)
    existing = {
        c.other_deal_id: c
        for c in api.session.scalars(
            select(DealConflict).where(
                DealConflict.deal_id == deal.id, DealConflict.other_deal_id.in_(list(by_deal))
            )
        )
    }
    for holder_id, fields in by_deal.items():
        row = existing.get(holder_id)
        if row is None:
            api.session.add(
                DealConflict(
                    deal_id=deal.id,
                    other_deal_id=holder_id,
                    rule=RULE_ALREADY_PROTECTED,
                    fields=sorted(set(fields)),
                    score=1.0,
                    rules_version=conflicts.RULES_VERSION,
                )
            )
        else:  # the pair was already on record (found at submission): now it's decisive
            row.rule = RULE_ALREADY_PROTECTED
            row.fields = sorted(set(row.fields or []) | set(fields))
            row.score = 1.0
    before = deal.status
    if deal.status == SUBMITTED:
        deal.status = UNDER_REVIEW
        deal.reviewer_id = actor.id
    record_transition(deal, "conflict_flagged", actor, before)
    api.audit(
        "deal.approval_blocked",
        "deal",
        deal.id,
        after={"protected_by": sorted(by_deal), "keys": keys},
    )
    api.session.flush()
    refresh_conflict_summaries([deal.id, *by_deal])
    return ApprovalOutcome(False, sorted(by_deal))


def reject(deal: Deal, actor: api.User, reason: str) -> None:
    _decide(deal, actor, REJECTED, "rejected", reason)


def return_for_info(deal: Deal, actor: api.User, reason: str) -> None:
    _decide(deal, actor, RETURNED, "returned", reason)


def _decide(deal: Deal, actor: api.User, to: str, event: str, reason: str) -> None:
    _require(deal, "reject" if to == REJECTED else "return")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationProblem({"reason": _("Give the partner a reason.")})
    before = deal.status
    deal.status = to
    deal.decided_at = api.utcnow() if to == REJECTED else deal.decided_at
    deal.reviewer_id = actor.id
    deal.sla_due_at = None
    record_transition(deal, event, actor, before, reason)
    api.audit(
        f"deal.{event}",
        "deal",
        deal.id,
        before={"status": before},
        after={"status": to, "reason": reason},
    )
    _emit(f"deal.{event}", deal, actor, reason=reason)
    if to == REJECTED:
        _left_active(deal)
    notify.decided(deal, event, reason)


def _left_active(deal: Deal) -> None:
    """The deal no longer claims its customer: release its protection, update conflicts."""
    api.session.execute(delete(DealProtection).where(DealProtection.deal_id == deal.id))
    others = api.session.execute(
        select(DealConflict.deal_id, DealConflict.other_deal_id).where(
            or_(DealConflict.deal_id == deal.id, DealConflict.other_deal_id == deal.id)
        )
    ).all()
    api.session.flush()
    refresh_conflict_summaries([deal.id, *(a for a, _b in others), *(b for _a, b in others)])


def withdraw(deal: Deal, actor: api.User, reason: str = "") -> None:
    _require(deal, "withdraw")
    before = deal.status
    deal.status = WITHDRAWN
    deal.sla_due_at = None
    deal.closed_at = api.utcnow()
    record_transition(deal, "withdrawn", actor, before, reason.strip())
    api.audit(
        "deal.withdrawn", "deal", deal.id, before={"status": before}, after={"status": deal.status}
    )
    _emit("deal.withdrawn", deal, actor)
    _left_active(deal)


def close(deal: Deal, actor: api.User, outcome: str, reason: str = "") -> None:
    """Mark an approved deal won or lost (ends the protection)."""
    if outcome not in (WON, LOST):
        raise ValidationProblem({"outcome": _("Choose won or lost.")})
    _require(deal, outcome)
    before = deal.status
    deal.status = outcome
    deal.closed_at = api.utcnow()
    record_transition(deal, outcome, actor, before, reason.strip())
    api.audit(f"deal.{outcome}", "deal", deal.id, before={"status": before}, after=deal.snapshot())
    _emit(f"deal.{outcome}", deal, actor)
    _left_active(deal)


def expire(deal: Deal, *, now: dt.datetime | None = None) -> None:
    """Scheduled: the protection window ended."""
    _require(deal, "expire")
    before = deal.status
    deal.status = EXPIRED
    deal.closed_at = now or api.utcnow()
    record_transition(deal, "expired", None, before, at=deal.closed_at)
    api.audit(
        "deal.expired",
        "deal",
        deal.id,
        before={"status": before},
        after=deal.snapshot(),
        actor_label="scheduler",
    )
    _emit("deal.expired", deal, None)
    _left_active(deal)
    notify.expired(deal)


def delete_draft(deal: Deal, actor: api.User) -> None:
    _require(deal, "delete")
    api.audit("deal.deleted", "deal", deal.id, before=deal.snapshot())
    api.session.delete(deal)


# --- extensions --------------------------------------------------------------------------


def pending_extension(deal: Deal) -> DealExtensionRequest | None:
    return api.session.scalars(
        select(DealExtensionRequest)
        .where(DealExtensionRequest.deal_id == deal.id, DealExtensionRequest.status == "pending")
        .order_by(DealExtensionRequest.id.desc())
    ).first()


def extension_problem(deal: Deal) -> str | None:
    """Why the partner can't ask for an extension now (None = they can)."""
    if not can(deal, "request_extension"):
        return _("Only approved registrations can be extended.")
    if deal.protected_until is None:
        return _("This registration is protected without an end date.")
    limit = settings_for(deal.program_id).max_extensions
    if deal.extension_count >= limit:
        return ngettext(
            "The program allows %(num)s extension per registration; it has been used.",
            "The program allows %(num)s extensions per registration; they have been used.",
            limit,
        )
    if pending_extension(deal) is not None:
        return _("An extension request is already waiting for the vendor.")
    return None


def request_extension(
    deal: Deal, actor: api.User, until: dt.date, reason: str
) -> DealExtensionRequest:
    problem = extension_problem(deal)
    if problem:
        raise TransitionError(problem)
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Tell the vendor why the deal needs more time.")
    assert deal.protected_until is not None
    current_end = deal.protected_until.date()
    max_days = settings_for(deal.program_id).protection_days or 365
    if until <= current_end:
        errors["until"] = _("Choose a date after the current end of protection.")
    elif until > current_end + dt.timedelta(days=max_days):
        errors["until"] = ngettext(
            "An extension can add at most %(num)s day.",
            "An extension can add at most %(num)s days.",
            max_days,
        )
    if errors:
        raise ValidationProblem(errors)
    req = DealExtensionRequest(
        deal_id=deal.id, requested_by_id=actor.id, requested_until=until, reason=reason
    )
    api.session.add(req)
    api.session.flush()
    record_transition(deal, "extension_requested", actor, deal.status, reason)
    api.audit(
        "deal.extension_requested",
        "deal",
        deal.id,
        after={"until": until.isoformat(), "reason": reason},
    )
    _emit("deal.extension_requested", deal, actor, until=until.isoformat())
    notify.extension_requested(deal, req)
    return req


def decide_extension(
    deal: Deal, req: DealExtensionRequest, actor: api.User, *, grant: bool, reason: str = ""
) -> None:
    if req.deal_id != deal.id or req.status != "pending":
        raise TransitionError(_("This extension request was already decided."))
    _require(deal, "decide_extension")
    reason = (reason or "").strip()
    if not grant and not reason:
        raise ValidationProblem({"reason": _("Give the partner a reason.")})
    now = api.utcnow()
    req.status = "granted" if grant else "denied"
    req.decided_by_id = actor.id
    req.decided_at = now
    req.decision_reason = reason
    if grant:
        assert deal.protected_until is not None
        old = deal.protected_until
        end_time = old.timetz().replace(tzinfo=None)
        deal.protected_until = dt.datetime.combine(req.requested_until, end_time, tzinfo=dt.UTC)
        deal.extension_count += 1
        deal.expiry_reminder_sent_at = None
        record_transition(deal, "extension_granted", actor, deal.status, reason, at=now)
        api.audit(
            "deal.extension_granted",
            "deal",
            deal.id,
            before={"protected_until": old.isoformat()},
            after={"protected_until": deal.protected_until.isoformat()},
        )
    else:
        record_transition(deal, "extension_denied", actor, deal.status, reason, at=now)
        api.audit("deal.extension_denied", "deal", deal.id, after={"reason": reason})
    _emit("deal.extension_" + ("granted" if grant else "denied"), deal, actor)
    notify.extension_decided(deal, req)
