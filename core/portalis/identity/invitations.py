"""Inviting people: an account without a password and a single-use link to set one."""

from __future__ import annotations

from flask import g, url_for
from sqlalchemy import select

from .. import audit, events, mail
from ..db import db
from ..models import User
from .tokens import make_token


def invite_user(email: str, name: str, role: str, partner_id: int | None) -> User | None:
    """Create an invited user and mail a single-use link; None when the e-mail is taken."""
    email = email.strip().lower()
    exists = db.session.scalars(select(User.id).where(User.email == email)).first()
    if exists is not None:
        return None
    user = User(
        email=email, name=name.strip(), role=role, partner_id=partner_id, password_hash=None
    )
    db.session.add(user)
    db.session.flush()
    link = url_for("auth.accept_invite", token=make_token(user, "invite"), _external=True)
    mail.send(user.email, "invitation", locale=None, user=user, link=link, inviter=g.get("user"))
    audit.record(
        "user.invited",
        "user",
        user.id,
        after={"email": email, "role": role, "partner_id": partner_id},
    )
    events.emit("user.invited", {"user_id": user.id, "role": role, "partner_id": partner_id})
    return user
