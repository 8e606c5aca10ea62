"""Server-side sign-in sessions: the cookie holds a random token, the database its hash.

Flask's signed-cookie session alone can't be revoked (a cookie copied before logout keeps
working); here logout deletes the row, so the copied cookie is worthless.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import request, session
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError

from ..db import db, utcnow
from ..models import User, UserSession

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


def end_all(user: User) -> None:
    """Sign a user out everywhere (password reset, deactivation)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
