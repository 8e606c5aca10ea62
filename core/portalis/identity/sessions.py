"""Server-side sign-in sessions: the cookie holds a random token, the database its hash.

Flask's signed-cookie session alone can't be revoked (a cookie copied before logout keeps
working); here logout deletes the row, so the copied cookie is worthless.

Every change that reduces what someone may do — deactivated, company suspended, role
lowered, tier lowered or program changed, password reset or changed — calls
:func:`end_sessions` in the same transaction as the change: the user's session rows go (and
an audit entry says why), so every browser they were signed in with is signed out on its
next request and stays signed out if the change is later undone (reactivation does not
bring an old cookie back). API tokens don't exist yet; when they do, :func:`end_sessions`
revokes them too, so no caller has to change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from flask import request, session
from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.elements import ColumnElement

from .. import audit
from ..db import db, utcnow
from ..models import User, UserSession
from ..roles import Role

_TOUCH_EVERY = dt.timedelta(minutes=5)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User) -> None:
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            id=_hash(token),
            user_id=user.id,
            ip=request.remote_addr,
            user_agent=(request.user_agent.string or "")[:255],
        )
    )
    keep = {k: session[k] for k in ("locale",) if k in session}
    session.clear()  # new session id on sign-in: no fixation
    session.update(keep)
    session["sid"] = token
    session.permanent = True


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user only if this browser's session row exists."""
    token = session.get("sid")
    if not token or not user_id.isdigit():
        return None
    row = db.session.execute(
        select(UserSession, User)
        .join(User, (User.id == UserSession.user_id) & (User.tenant_id == UserSession.tenant_id))
        .where(UserSession.id == _hash(token), User.id == int(user_id))
    ).first()
    if row is None:
        return None
    us, user = row
    now = utcnow()
    if now - us.last_seen_at > _TOUCH_EVERY:
        us.last_seen_at = now
        try:
            db.session.commit()
        except OperationalError:  # best effort: a busy SQLite must not fail a page view
            db.session.rollback()
    return user


def end() -> None:
    token = session.get("sid")
    if token:
        db.session.execute(delete(UserSession).where(UserSession.id == _hash(token)))
        db.session.commit()
    keep = {k: session[k] for k in ("locale",) if k in session}
    session.clear()
    session.update(keep)


#: Why sessions were ended: the audit entry's ``after["reason"]``.
REASONS = frozenset(
    {
        "deactivated",  # the user was deactivated (vendor admin or partner admin)
        "partner_suspended",  # their company was suspended
        "role_lowered",  # their role now grants less
        "tier_lowered",  # their company moved down a tier (manual or evaluation)
        "program_changed",  # their company moved to another program
        "password_reset",  # a reset link was used
        "password_changed",  # they changed their password (other sessions only)
    }
)


def current_token() -> str | None:
    """This browser's session token (from the cookie), or None outside a signed-in request."""
    token = session.get("sid")
    return token if isinstance(token, str) else None


def end_sessions(user_ids: Iterable[int], *, reason: str, except_token: str | None = None) -> int:
    """Sign these users out everywhere, in the caller's transaction; returns how many
    sessions ended.

    Deletes their session rows (all but ``except_token``'s, the browser that asked to keep
    its own) and records one ``user.sessions_ended`` audit entry per user who had any, with
    ``reason`` (one of :data:`REASONS`) and the count. Nothing is committed here: the change
    that reduced access and the sign-out commit or roll back together. When API tokens
    exist, this revokes them as well."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason for ending sessions: {reason!r}")
    ids = sorted({int(u) for u in user_ids})
    if not ids:
        return 0
    where: list[ColumnElement[bool]] = [UserSession.user_id.in_(ids)]
    if except_token:
        where.append(UserSession.id != _hash(except_token))
    counts = dict(
        db.session.execute(
            select(UserSession.user_id, func.count()).where(*where).group_by(UserSession.user_id)
        ).all()
    )
    if not counts:
        return 0
    db.session.execute(delete(UserSession).where(*where))
    for user_id in ids:
        if counts.get(user_id):
            audit.record(
                "user.sessions_ended",
                "user",
                user_id,
                after={"reason": reason, "sessions": int(counts[user_id])},
            )
    return int(sum(counts.values()))


def end_all(user: User, *, reason: str = "password_reset") -> None:
    """Sign one user out everywhere (``web/auth.py``'s password reset calls this);
    :func:`end_sessions` for the rest."""
    end_sessions([user.id], reason=reason)


def forget(token: str | None) -> None:
    """Delete one session row by its cookie token (e.g. the old one after a new :func:`start`)."""
    if token:
        db.session.execute(delete(UserSession).where(UserSession.id == _hash(token)))


#: Role changes that only add access (nothing a user could do before is taken away).
_PROMOTIONS = frozenset(
    {(Role.CHANNEL_MANAGER, Role.VENDOR_ADMIN), (Role.PARTNER_USER, Role.PARTNER_ADMIN)}
)


def set_role(user: User, role: Role) -> bool:
    """Give ``user`` a new role, in the caller's transaction, with an audit entry; unless
    the change is a plain promotion (channel manager → vendor admin, partner user →
    partner admin) their sessions end. Returns whether they were signed out.

    Every page that changes a role (the Team page) calls this, never sets ``user.role``."""
    old = Role(user.role)
    new = Role(role)
    if old.is_vendor != new.is_vendor:
        raise ValueError("a role change can't move someone between vendor and partner")
    if old == new:
        return False
    user.role = new.value
    audit.record(
        "user.role_changed", "user", user.id, before={"role": old.value}, after={"role": new.value}
    )
    if (old, new) in _PROMOTIONS:
        return False
    end_sessions([user.id], reason="role_lowered")
    return True
