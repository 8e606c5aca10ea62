"""Login rate limiting (Flask-Limiter; memory by default, Redis when configured)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_limiter import Limiter


def _host_and_ip() -> str:
    # per tenant host and client address: one tenant's attackers don't lock out another's
    return f"{request.host}|{request.remote_addr}"


limiter = Limiter(key_func=_host_and_ip, default_limits=[], strategy="moving-window")


def account_key() -> str:
    """Limits guesses against one account from many addresses."""
    email = (request.form.get("email") or "").strip().lower()
    return f"{request.host}|acct|{email}"


def rate_limit(limit: str) -> Any:
    """Decorator limiting a view per tenant host and client address, e.g. ``"60 per minute"``
    (Flask-Limiter syntax; Redis-backed when ``REDIS_URL`` is set). Over the limit the
    viewer gets the translated "Too many attempts" page (429)."""
    return limiter.limit(limit)
