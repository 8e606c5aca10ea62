"""Changing a company profile: saved at once, or — for public fields in a program that asks
for it, and always for a website at another domain (it decides who may join the company) —
held as one pending change until a channel manager approves or rejects it.

A pending change is a separate record (``partner_profile_changes``) holding the new values;
the profile keeps its approved values until the whole change is applied in one transaction
on approval, so readers never see half of it. A partner has at most one pending change: a
later edit replaces its values (or withdraws it when the public fields are back to the
approved ones). Every step is audited; a decision is mailed to the partner's admins in each
one's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from sqlalchemy import CursorResult, select, update

from .. import audit, events, mail
from ..db import db, utcnow
from ..models import Partner, PartnerProfileChange, Program, User
from ..roles import Role
from ..tenancy import require_tenant_id
from ..transaction import on_commit
from .domains import company_domain
from .profile import LOGO_KIND, note_completeness, profile_settings, profile_values
from .profile_fields import PROFILE_FIELDS, field_label


@dataclass
class SaveResult:
    """What a save did: the fields applied now, and those waiting for approval."""

    applied: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    completed: bool = False


class ChangeNotPending(Exception):
    """The change was decided (or replaced) meanwhile: nothing was done."""


def pending_change(partner_id: int) -> PartnerProfileChange | None:
    return db.session.scalars(
        select(PartnerProfileChange)
        .where(
            PartnerProfileChange.partner_id == partner_id, PartnerProfileChange.state == "pending"
        )
        .order_by(PartnerProfileChange.id.desc())
    ).first()


def pending_changes(partner_ids: list[int]) -> dict[int, PartnerProfileChange]:
    """The pending change of each of ``partner_ids`` that has one (one query)."""
    rows = db.session.scalars(
        select(PartnerProfileChange).where(
            PartnerProfileChange.partner_id.in_(partner_ids),
            PartnerProfileChange.state == "pending",
        )
    )
    return {r.partner_id: r for r in rows}


def _lock(partner: Partner) -> None:
    """Serialise changes to one profile (two admins saving at once): row lock on PostgreSQL."""
    db.session.execute(select(Partner.id).where(Partner.id == partner.id).with_for_update())


def _apply(partner: Partner, values: Mapping[str, Any]) -> dict[str, Any]:
    before = {}
    for name, value in values.items():
        before[name] = getattr(partner, name)
        setattr(partner, name, value)
    return before


def save_profile(partner: Partner, values: Mapping[str, Any]) -> SaveResult:
    """Save checked values (``profile_fields.clean_value``) of some or all profile fields.

    Without approval every change is applied. With approval, changes to public fields go
    into the partner's one pending change (replacing what it held) and the rest apply. A
    website at another domain always waits (:func:`_moves_domain`).
    """
    _lock(partner)
    settings = profile_settings(partner.program_id)
    live = profile_values(partner)
    changed = {k: v for k, v in values.items() if k in PROFILE_FIELDS and v != live[k]}
    result = SaveResult()
    pending = pending_change(partner.id)
    approved_first = set(settings.public_fields) if settings.approval_required else set()
    website = changed.get("website") if "website" in values else None
    if "website" not in values and pending is not None:
        website = pending.changes.get("website")  # a held website the form left out
    if _moves_domain(partner, website):
        approved_first.add("website")
    if approved_first:
        held = {k: v for k, v in changed.items() if k in approved_first}
        direct = {k: v for k, v in changed.items() if k not in held}
        # held fields the form left out keep what the pending change proposed
        if pending is not None:
            for k, v in pending.changes.items():
                if k not in values and k in approved_first and v != live.get(k):
                    held.setdefault(k, v)
        _hold(partner, pending, held, live)
        result.pending = sorted(held, key=PROFILE_FIELDS.index)
    else:
        direct = changed
        if pending is not None:
            _drop_unused_logo(pending, keep=changed.get("logo"), live=live.get("logo"))
            _close(pending, "superseded")
    if direct:
        before = _apply(partner, direct)
        audit.record("partner.profile_updated", "partner", partner.id, before=before, after=direct)
        events.emit(
            "partner.profile_updated",
            {"partner_id": partner.id, "fields": sorted(direct)},
            program_id=partner.program_id,
        )
        result.applied = sorted(direct, key=PROFILE_FIELDS.index)
        result.completed = note_completeness(partner)
    return result


def _moves_domain(partner: Partner, website: Any) -> bool:
    """Whether a new website would give the company another e-mail domain.

    ``Partner.email_domain`` follows the website, and decides who may join the company
    (``/join`` requests go to its admins, same-domain invitations may skip the vendor): a
    partner admin who could set it alone could claim another company's domain. So such a
    website waits for the vendor's approval, whatever the program's settings; one at the
    same domain (or none: the domain then comes from the vendor-set contact address)
    doesn't."""
    if not website:
        return False
    domain = company_domain(website)
    return domain is not None and domain != partner.email_domain


def _hold(
    partner: Partner,
    pending: PartnerProfileChange | None,
    held: dict[str, Any],
    live: Mapping[str, Any],
) -> None:
    if not held:
        if pending is not None:
            _drop_unused_logo(pending, keep=None, live=live.get("logo"))
            _close(pending, "withdrawn")
        return
    if pending is not None and pending.changes == held:
        return  # saved again unchanged: nothing new to review
    if pending is None:
        pending = PartnerProfileChange(partner_id=partner.id, state="pending")
        db.session.add(pending)
    _drop_unused_logo(pending, keep=held.get("logo"), live=live.get("logo"))
    pending.changes = held
    pending.previous = {k: live[k] for k in held}
    pending.submitted_by_id = _actor_id()
    pending.submitted_at = utcnow()
    db.session.flush()
    audit.record(
        "partner.profile_change_submitted",
        "partner",
        partner.id,
        before=pending.previous,
        after={**held, "change_id": pending.id},
    )


def _close(change: PartnerProfileChange, state: str) -> None:
    change.state = state
    change.decided_at = utcnow()
    change.decided_by_id = _actor_id()
    audit.record(
        "partner.profile_change_" + state,
        "partner",
        change.partner_id,
        after={"change_id": change.id},
    )


def _actor_id() -> int | None:
    from flask import g, has_request_context

    user = getattr(g, "user", None) if has_request_context() else None
    return user.id if user is not None else None


def _drop_unused_logo(change: PartnerProfileChange, *, keep: Any, live: Any) -> None:
    """A proposed logo that is replaced or rejected is deleted after commit (never the
    approved one)."""
    old = (change.changes or {}).get("logo")
    if old and old not in (keep, live):
        from ..uploads import path_of

        tenant_id = require_tenant_id()

        def remove() -> None:
            path = path_of(tenant_id, LOGO_KIND, old)
            if path is not None:
                path.unlink(missing_ok=True)

        on_commit(remove)


def _claim(change: PartnerProfileChange, state: str) -> Partner:
    """Decide a pending change in one conditional statement, or refuse (decided or replaced).

    ``UPDATE … SET state = :state WHERE id = :id AND state = 'pending'`` touches one row
    only for the first of two decisions at once (approve and reject, or two clicks): the
    other waits for its row lock, then finds no pending row and raises
    :class:`ChangeNotPending` before writing anything. The profile row is locked first, in
    the order ``save_profile`` takes them, so a save and a decision never deadlock. The
    change is re-read afterwards: the values applied are those the claim decided."""
    partner = db.session.get(Partner, change.partner_id)
    if partner is None:  # pragma: no cover - the foreign key cascades
        raise ChangeNotPending
    _lock(partner)
    result: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(PartnerProfileChange)
        .where(PartnerProfileChange.id == change.id, PartnerProfileChange.state == "pending")
        .values(state=state, decided_at=utcnow(), decided_by_id=_actor_id())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(change)
    if result.rowcount != 1:
        raise ChangeNotPending
    return partner


def approve_change(change: PartnerProfileChange) -> Partner:
    """Apply every value of a pending change at once, audited and mailed; raises
    :class:`ChangeNotPending` (and writes nothing) when it was decided meanwhile."""
    partner = _claim(change, "approved")
    values = {k: v for k, v in (change.changes or {}).items() if k in PROFILE_FIELDS}
    before = _apply(partner, values)
    audit.record(
        "partner.profile_change_approved",
        "partner",
        partner.id,
        before=before,
        after={**values, "change_id": change.id},
    )
    events.emit(
        "partner.profile_updated",
        {"partner_id": partner.id, "fields": sorted(values)},
        program_id=partner.program_id,
    )
    note_completeness(partner)
    _notify(partner, change, approved=True)
    return partner


def reject_change(change: PartnerProfileChange, reason: str) -> Partner:
    """Drop a pending change with a reason the partner's admins are told; the profile
    keeps its approved values. Raises :class:`ChangeNotPending` (and writes nothing) when
    it was decided meanwhile."""
    partner = _claim(change, "rejected")
    change.reason = reason
    _drop_unused_logo(change, keep=None, live=partner.logo)
    audit.record(
        "partner.profile_change_rejected",
        "partner",
        partner.id,
        before=change.changes,
        after={"change_id": change.id, "reason": reason},
    )
    _notify(partner, change, approved=False)
    return partner


def _notify(partner: Partner, change: PartnerProfileChange, *, approved: bool) -> None:
    admins = db.session.scalars(
        select(User).where(
            User.partner_id == partner.id,
            User.role == Role.PARTNER_ADMIN,
            User.active.is_(True),
        )
    ).all()
    program = db.session.get(Program, partner.program_id)
    mail.send_to_users(
        admins,
        "profile_change_decided",
        partner=partner,
        program=program,
        approved=approved,
        fields=[f for f in PROFILE_FIELDS if f in (change.changes or {})],
        reason=change.reason,
        link=url_for("company.profile", _external=True),
        field_label=field_label,
    )


__all__ = [
    "ChangeNotPending",
    "SaveResult",
    "approve_change",
    "pending_change",
    "pending_changes",
    "reject_change",
    "save_profile",
]
