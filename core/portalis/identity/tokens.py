"""Signed, expiring, single-use links (invitations and password resets).

The link carries the user id and the user's current ``token_nonce``; using it rotates
the nonce, which voids the link and every older one without a token table.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..db import db
from ..models import User

PURPOSES = ("invite", "reset")


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portalis-{purpose}")


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "n": user.token_nonce, "t": user.tenant_id})


def peek_token(token: str, purpose: str) -> User | None:
    """The user a valid, unused link belongs to, or None (expired, tampered, used)."""
    max_age = int(current_app.config["TOKEN_MAX_AGE_HOURS"]) * 3600
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or user.tenant_id != data.get("t") or user.token_nonce != data.get("n"):
        return None
    return user


def consume_token(token: str, purpose: str) -> User | None:
    user = peek_token(token, purpose)
    if user is not None:
        user.rotate_nonce()
    return user
