"""An application's way through its stages: owner, vetting, approve, decline.

Every step is audited. Approving and declining first *claim* the application with one
conditional UPDATE (``WHERE stage IN ('new', 'vetting')``), so two reviewers clicking at
the same moment can't create two partners or decline an approved company: the second one
is told it was already decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g
from sqlalchemy import CursorResult, select, update

from .. import audit, events, mail
from ..companies.enrolment import create_partner
from ..db import db, utcnow
from ..identity.invitations import invite_user, resend_invitation
from ..models import Application, Partner, Program, Tier, User
from ..models.applications import OPEN_STAGES
from ..roles import VENDOR_ROLES, Role

MAX_REASON = 2000


class DecisionError(Exception):
    """Why a step can't be taken; ``code`` names the case for the page's message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Approved:
    partner: Partner
    #: the person invited (None when a migrated application's admin had joined already)
    invited: User | None


def staff() -> list[User]:
    """Vendor staff who may own an application, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_(VENDOR_ROLES), User.active.is_(True))
            .order_by(User.name, User.id)
        )
    )


def assign_owner(application: Application, owner_id: int | None) -> None:
    if owner_id is not None and owner_id not in {u.id for u in staff()}:
        raise DecisionError("unknown_owner")
    if owner_id == application.owner_id:
        return
    before = application.owner_id
    application.owner_id = owner_id
    audit.record(
        "application.owner_assigned",
        "application",
        application.id,
        before={"owner_id": before},
        after={"owner_id": owner_id},
    )


def start_vetting(application: Application) -> None:
    """new → vetting; the reviewer becomes the owner if nobody owns it yet."""
    if application.stage != "new":
        raise DecisionError("not_new")
    application.stage = "vetting"
    if application.owner_id is None and g.get("user") is not None:
        application.owner_id = g.user.id
    audit.record(
        "application.vetting_started",
        "application",
        application.id,
        before={"stage": "new"},
        after={"stage": "vetting", "owner_id": application.owner_id},
    )


def _claim(application: Application, stage: str) -> None:
    """Move an open application to ``stage`` in one statement, or refuse (decided)."""
    now = utcnow()
    user = g.get("user")
    result: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(Application)
        .where(Application.id == application.id, Application.stage.in_(OPEN_STAGES))
        .values(
            stage=stage,
            decided_at=now,
            decided_by_id=user.id if user is not None else None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(application)
        raise DecisionError("decided")
    db.session.refresh(application)


def entry_tier(program_id: int) -> Tier | None:
    return db.session.scalars(
        select(Tier).where(Tier.program_id == program_id).order_by(Tier.rank)
    ).first()


def approve(application: Application) -> Approved:
    """Create the partner (active, in the application's program, at its entry tier),
    invite the applicant as its admin in their language, and emit ``partner.approved``.

    An application migrated from a partner of status "applied" activates that partner
    instead (and invites its admins again).

    An address that already has an account is refused (``email_taken``), also when the
    account appears between the check and the invitation: then the transaction is rolled
    back, so neither the partner nor the decision is kept."""
    if not application.is_open:
        raise DecisionError("decided")
    legacy = db.session.get(Partner, application.partner_id) if application.partner_id else None
    if legacy is None:
        taken = db.session.scalars(
            select(User.id).where(User.email == application.contact_email)
        ).first()
        if taken is not None:
            raise DecisionError("email_taken")
    program = db.session.get(Program, application.program_id)
    if program is None:  # pragma: no cover - the foreign key keeps it
        raise DecisionError("decided")
    tier = entry_tier(program.id)
    _claim(application, "approved")
    invited: User | None
    if legacy is not None:
        partner = legacy
        before = partner.status
        partner.status = "active"
        partner.tier_id = partner.tier_id or (tier.id if tier else None)
        audit.record(
            "partner.status_changed",
            "partner",
            partner.id,
            before={"status": before},
            after={"status": "active"},
        )
        waiting = list(
            db.session.scalars(
                select(User).where(User.partner_id == partner.id, User.password_hash.is_(None))
            )
        )
        for person in waiting:
            resend_invitation(person)
        invited = waiting[0] if waiting else None
        events.emit("partner.joined", {"partner_id": partner.id}, program_id=partner.program_id)
    else:
        partner = create_partner(
            application.company_name,
            program.id,
            tier.id if tier else None,
            country=application.country,
            website=application.website,
            contact_email=application.contact_email,
            source={"application_id": application.id},
        )
        invited = invite_user(
            application.contact_email,
            application.contact_name,
            Role.PARTNER_ADMIN,
            partner.id,
            locale=application.locale,
        )
        if invited is None:
            # an account with this address appeared since the check above (an invitation
            # or a join request approved meanwhile): refuse as the check would have, and
            # keep nothing — no partner without an admin, no claimed application
            db.session.rollback()
            raise DecisionError("email_taken")
    application.partner_id = partner.id
    audit.record(
        "application.approved",
        "application",
        application.id,
        before={"stage": "open"},
        after={"stage": "approved", "partner_id": partner.id},
    )
    events.emit(
        "partner.approved",
        {"partner_id": partner.id, "application_id": application.id},
        program_id=partner.program_id,
    )
    return Approved(partner, invited)


def decline(application: Application, reason: str, *, send: bool) -> None:
    """Decline with a reason (kept for the vendor); ``send`` also e-mails it to the
    applicant, in the language they applied in."""
    reason = reason.strip()[:MAX_REASON]
    if not reason:
        raise DecisionError("reason_missing")
    if not application.is_open:
        raise DecisionError("decided")
    _claim(application, "declined")
    application.decline_reason = reason
    application.reason_sent = send
    if application.partner_id:  # migrated from an "applied" partner: it never becomes one
        legacy = db.session.get(Partner, application.partner_id)
        if legacy is not None and legacy.status == "applied":
            legacy.status = "suspended"
    if send:
        program = db.session.get(Program, application.program_id)
        mail.send(
            application.contact_email,
            "application_declined",
            locale=application.locale,
            application=application,
            program=program,
            reason=reason,
        )
    audit.record(
        "application.declined",
        "application",
        application.id,
        before={"stage": "open"},
        after={"stage": "declined", "reason": reason, "reason_sent": send},
    )
