"""Inviting people: an account without a password and a single-use link to set one."""

from __future__ import annotations

from flask import g, url_for
from sqlalchemy import select

from .. import audit, events, mail
from ..db import db
from ..models import User
from .tokens import make_token


def invite_user(
    email: str, name: str, role: str, partner_id: int | None, *, locale: str | None = None
) -> User | None:
    """Create an invited user and mail a single-use link; None when the e-mail is taken.

    ``locale`` is the language the person is known to read (they asked to join in it):
    the invitation is written in it and it becomes their language."""
    email = email.strip().lower()
    exists = db.session.scalars(select(User.id).where(User.email == email)).first()
    if exists is not None:
        return None
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        partner_id=partner_id,
        password_hash=None,
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    _mail_link(user)
    audit.record(
        "user.invited",
        "user",
        user.id,
        after={"email": email, "role": role, "partner_id": partner_id},
    )
    events.emit("user.invited", {"user_id": user.id, "role": role, "partner_id": partner_id})
    return user


def resend_invitation(user: User) -> None:
    """Mail a new invitation link to someone who hasn't joined yet. The user's nonce is
    rotated first, so the link sent before (perhaps to a mistyped forward or a lost
    mailbox) stops working: only the newest link opens the account."""
    if not user.invitation_pending:
        raise ValueError("the user has already joined")
    user.rotate_nonce()
    db.session.flush()
    _mail_link(user)
    audit.record("user.invitation_resent", "user", user.id, after={"email": user.email})


def _mail_link(user: User) -> None:
    link = url_for("auth.accept_invite", token=make_token(user, "invite"), _external=True)
    mail.send(
        user.email, "invitation", locale=user.locale, user=user, link=link, inviter=g.get("user")
    )
