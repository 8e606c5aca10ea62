"""Joining a partner's team: matching an address to a company, filing a request, deciding.

People reach a partner's team three ways, and this module decides which path applies:

* a partner admin invites a colleague at the company's own e-mail domain — the invitation
  goes out at once when the program allows it (``Program.auto_approve_same_domain``);
* a partner admin invites any other address — a join request the vendor decides;
* a person asks on the public join page — matched by the registrable domain of their
  address against active partners' ``email_domain``: exactly one match goes to that
  partner's admins, none or several (and free-mail addresses, which never match) to the
  vendor, who picks the company.

Approving sends the ordinary invitation (:func:`portalis.identity.invitations.invite_user`).
Deciding is a conditional update, so two people deciding at once can't both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import url_for
from sqlalchemy import func, select, update

from .. import audit, events, mail
from ..companies import is_free_mail_domain, registrable_domain
from ..db import db, utcnow
from ..models import JoinRequest, Partner, Program, User
from ..roles import Role
from .invitations import invite_user
from .recipients import vendor_team

#: roles a join request may carry: people join a partner company, never the vendor
JOIN_ROLES = (Role.PARTNER_USER, Role.PARTNER_ADMIN)


class JoinRefused(ValueError):
    """A decision that can't be carried out; ``str(exc)`` is a translated message."""


def email_domain_of(email: str) -> str | None:
    """The registrable domain an address can match a partner by; None for free mail
    (gmail.com says nothing about the employer) and for addresses without one."""
    domain = registrable_domain(email)
    if domain is None or is_free_mail_domain(domain):
        return None
    return domain


def matching_partner_ids(email: str) -> list[int]:
    """Active partners whose e-mail domain is the address's registrable domain."""
    domain = email_domain_of(email)
    if domain is None:
        return []
    return list(
        db.session.scalars(
            select(Partner.id)
            .where(Partner.email_domain == domain, Partner.status == "active")
            .order_by(Partner.id)
        )
    )


def same_domain(partner: Partner, email: str) -> bool:
    """Whether ``email`` is at ``partner``'s own e-mail domain (sub-domains included)."""
    domain = email_domain_of(email)
    return domain is not None and domain == partner.email_domain


def invite_needs_vendor(partner: Partner, email: str) -> bool:
    """Whether a partner admin's invitation of ``email`` waits for the vendor."""
    program = db.session.get(Program, partner.program_id)
    auto = program is not None and program.auto_approve_same_domain
    return not (auto and same_domain(partner, email))


def pending_for(email: str) -> JoinRequest | None:
    return db.session.scalars(
        select(JoinRequest).where(
            JoinRequest.email == email.strip().lower(), JoinRequest.status == "pending"
        )
    ).first()


def account_exists(email: str) -> bool:
    email = email.strip().lower()
    return (
        db.session.scalars(select(User.id).where(func.lower(User.email) == email)).first()
        is not None
    )


# --- filing ------------------------------------------------------------------------------


def file_self_request(email: str, name: str, locale: str | None = None) -> None:
    """Job for the public join page: file the request and tell whoever decides.

    Runs after the response, so the page answers the same, in the same time, whether the
    address matched one partner, several, none, already has an account or already waits
    (nobody learns which partners exist). Those last two file nothing; the address is
    mailed what happened instead (sign in / your request is already waiting), since only
    its owner may learn that."""
    email = email.strip().lower()
    account = db.session.scalars(select(User).where(func.lower(User.email) == email)).first()
    if account is not None:
        _tell_address(email, "join_has_account", account.locale or locale)
        return
    waiting = pending_for(email)
    if waiting is not None:
        _tell_address(email, "join_already_pending", locale or waiting.locale, request=waiting)
        return
    candidates = matching_partner_ids(email)
    req = JoinRequest(
        email=email,
        name=name.strip()[:200],
        locale=locale,
        partner_id=candidates[0] if len(candidates) == 1 else None,
        candidate_ids=candidates,
        source="self",
        role=Role.PARTNER_USER,
    )
    db.session.add(req)
    db.session.flush()
    audit.record(
        "join_request.created",
        "join_request",
        req.id,
        after={"email": email, "partner_id": req.partner_id, "candidates": candidates},
        actor_label=email,
    )
    events.emit(
        "join_request.created",
        {"join_request_id": req.id, "partner_id": req.partner_id, "source": "self"},
    )
    if req.partner_id is not None:
        _tell_partner_admins(req)
    else:
        _tell_vendor(req)


def file_invite_request(
    partner: Partner, email: str, name: str, role: str, by: User
) -> JoinRequest:
    """A partner admin's invitation the vendor has to agree to first."""
    req = JoinRequest(
        email=email.strip().lower(),
        name=name.strip()[:200],
        partner_id=partner.id,
        candidate_ids=[partner.id],
        source="invite",
        role=role if role in JOIN_ROLES else Role.PARTNER_USER,
        requested_by_id=by.id,
    )
    db.session.add(req)
    db.session.flush()
    audit.record(
        "join_request.created",
        "join_request",
        req.id,
        after={"email": req.email, "partner_id": partner.id, "role": req.role, "source": "invite"},
    )
    events.emit(
        "join_request.created",
        {"join_request_id": req.id, "partner_id": partner.id, "source": "invite"},
    )
    _tell_vendor(req, partner)
    return req


def _tell_address(email: str, template: str, locale: str | None, **context: Any) -> None:
    """Mail the asked-for address why nothing was filed: the page can't say it (that would
    tell anyone who has an account), but the address's owner may know."""
    from ..web.tenant_context import tenant_request_context

    with tenant_request_context():
        login = url_for("auth.login", _external=True)
    mail.send(email, template, locale=locale, login=login, **context)


def _tell_partner_admins(req: JoinRequest) -> None:
    partner = db.session.get(Partner, req.partner_id)
    admins = db.session.scalars(
        select(User).where(
            User.partner_id == req.partner_id,
            User.role == Role.PARTNER_ADMIN,
            User.active.is_(True),
            User.password_hash.is_not(None),
        )
    ).all()
    from ..web.tenant_context import tenant_request_context

    with tenant_request_context():
        link = url_for("portal.team", _external=True, _anchor="requests")
    mail.send_to_users(admins, "join_request", request=req, partner=partner, link=link)


def _tell_vendor(req: JoinRequest, partner: Partner | None = None) -> None:
    """A request only the vendor can decide (no single matching partner, or a partner
    admin's invitation outside the company's domain) is mailed to the vendor's team."""
    from ..web.tenant_context import tenant_request_context

    with tenant_request_context():
        link = url_for("admin.join_requests", _external=True)
    mail.send_to_users(
        vendor_team(), "join_request_vendor", request=req, partner=partner, link=link
    )


# --- deciding ----------------------------------------------------------------------------


def _decide(req: JoinRequest, status: str, actor: User, **values: object) -> None:
    """Move a pending request to ``status``; JoinRefused when someone decided first."""
    from ..i18n import gettext as _

    done = db.session.execute(
        update(JoinRequest)
        .where(JoinRequest.id == req.id, JoinRequest.status == "pending")
        .values(status=status, decided_by_id=actor.id, decided_at=utcnow(), **values)
        .execution_options(synchronize_session="fetch")
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise JoinRefused(_("This request was already decided."))
    db.session.refresh(req)


def approve(req: JoinRequest, actor: User, *, partner: Partner, role: str) -> User:
    """Accept the request into ``partner`` with ``role`` and send the invitation."""
    from ..i18n import gettext as _

    if not req.is_pending:
        raise JoinRefused(_("This request was already decided."))
    if role not in JOIN_ROLES:
        raise JoinRefused(_("Choose a role."))
    if partner.status != "active":
        raise JoinRefused(_("%(name)s is not an active partner.", name=partner.name))
    if account_exists(req.email):
        raise JoinRefused(_("Someone with this e-mail already has an account."))
    _decide(req, "approved", actor, partner_id=partner.id, role=role)
    user = invite_user(req.email, req.name, role, partner.id, locale=req.locale)
    if user is None:  # an account appeared since the check: nothing is kept
        db.session.rollback()
        raise JoinRefused(_("Someone with this e-mail already has an account."))
    req.user_id = user.id
    audit.record(
        "join_request.approved",
        "join_request",
        req.id,
        before={"status": "pending"},
        after={"status": "approved", "partner_id": partner.id, "role": role, "user_id": user.id},
    )
    events.emit(
        "join_request.approved",
        {"join_request_id": req.id, "partner_id": partner.id, "user_id": user.id},
    )
    return user


def decline(req: JoinRequest, actor: User, *, reason: str = "", notify: bool = False) -> None:
    """Turn the request down (audited); with ``notify`` the person is told, in the
    language they asked in, with the reason if one was given."""
    reason = (reason or "").strip()[:2000]
    _decide(req, "declined", actor, reason=reason)
    audit.record(
        "join_request.declined",
        "join_request",
        req.id,
        before={"status": "pending"},
        after={"status": "declined", "reason": reason, "notified": notify},
    )
    events.emit("join_request.declined", {"join_request_id": req.id, "partner_id": req.partner_id})
    if notify:
        mail.send(req.email, "join_declined", locale=req.locale, request=req, reason=reason)


# --- counting ----------------------------------------------------------------------------


def vendor_queue_count() -> int:
    """Pending requests the vendor decides (the nav badge)."""
    return int(
        db.session.scalar(
            select(func.count(JoinRequest.id)).where(
                JoinRequest.status == "pending",
                (JoinRequest.source == "invite") | JoinRequest.partner_id.is_(None),
            )
        )
        or 0
    )


def partner_queue_count(partner_id: int) -> int:
    """Pending requests a partner's admins decide (the team nav badge)."""
    return int(
        db.session.scalar(
            select(func.count(JoinRequest.id)).where(
                JoinRequest.status == "pending",
                JoinRequest.source == "self",
                JoinRequest.partner_id == partner_id,
            )
        )
        or 0
    )


def candidates_of(reqs: Sequence[JoinRequest]) -> dict[int, Partner]:
    """The partners named by a page of requests (matched candidates and chosen ones)."""
    ids = {pid for r in reqs for pid in (r.candidate_ids or [])} | {
        r.partner_id for r in reqs if r.partner_id is not None
    }
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(select(Partner).where(Partner.id.in_(ids)))}
