"""Rate limits: sign-in failures (per account, per address, per trusted browser) and a
plain per-address limit for other forms. Memory storage by default, Redis when
``REDIS_URL`` is set (Flask-Limiter / ``limits``).

Every key starts with the **resolved tenant id**, never the Host header: ``ACME.localhost``,
``acme.localhost.`` and ``acme.localhost:8080`` are one portal, so they share one budget.
Client addresses are counted as they are, except IPv6, which is counted per /64 (one
customer's whole allocation), so a visitor can't dodge the limit by hopping addresses.

Sign-in policy (ASVS 2.2.1 / OWASP "Blocking Brute Force Attacks"):

* Only **failures** count. A correct password never costs anything, so any number of
  colleagues behind one office NAT address can sign in all day.
* **Per account** (tenant + normalised e-mail, known or not): after ``LOGIN_RATE_LIMIT``
  failures (default 10 per 15 minutes) the account is *paused* for browsers it doesn't
  know — even the correct password is refused with the 429 page until the oldest failure
  leaves the window (soft lock-out, at most 15 minutes). "Forgot your password?" keeps
  working, and choosing a new password lifts the pause.
* **Per address** (tenant + client address): after ``LOGIN_ADDRESS_RATE_LIMIT`` failures
  (default 50 per 15 minutes, across every account) sign-ins from that address are paused
  for browsers it doesn't know: password spraying from one machine stops there.
* **Trusted browsers**: a browser that has signed in to an account successfully carries a
  signed ``portalis_device`` cookie for that account (180 days). For that account it is
  exempt from both pauses above — so neither an attacker hammering the account nor a
  noisy office address locks out its owner — and has its own, separate failure budget
  (``LOGIN_RATE_LIMIT``), so a stolen device cookie gains nothing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from typing import Any

from flask import current_app, g, request
from flask_limiter import Limiter
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItem, parse

DEVICE_COOKIE = "portalis_device"
DEVICE_MAX_AGE = 180 * 24 * 3600
DEFAULT_ADDRESS_LIMIT = "50 per 15 minutes"


def client_address() -> str:
    """The client's address as limits count it (IPv6 by /64 network)."""
    raw = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _tenant_key() -> str:
    tenant = g.get("tenant")
    return f"t{tenant.id}" if tenant is not None else "platform"


def tenant_and_address() -> str:
    """Per resolved tenant and client address: one tenant's attackers don't lock out
    another's visitors, and a different spelling of the host is the same tenant."""
    return f"{_tenant_key()}|{client_address()}"


limiter = Limiter(key_func=tenant_and_address, default_limits=[], strategy="moving-window")


def rate_limit(limit: str) -> Any:
    """Decorator limiting a view per tenant and client address, e.g. ``"60 per minute"``
    (Flask-Limiter syntax; Redis-backed when ``REDIS_URL`` is set). Every request counts.
    Over the limit the viewer gets the translated "Too many attempts" page (429)."""
    return limiter.limit(limit)


# --- sign-in failures ------------------------------------------------------------------------


def _fail_key(tenant: str, kind: str, value: str) -> str:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "portalis"
    return f"{prefix}|login-fail|{tenant}|{kind}|{value}"


def _email_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _limits() -> tuple[RateLimitItem, RateLimitItem]:
    cfg = current_app.config
    account = parse(str(cfg["LOGIN_RATE_LIMIT"]))
    address = parse(str(cfg.get("LOGIN_ADDRESS_RATE_LIMIT") or DEFAULT_ADDRESS_LIMIT))
    return account, address


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portalis-device")


class SignInThrottle:
    """The sign-in form's view of the limits for one attempt (tenant, address, e-mail)."""

    def __init__(self, email: str, password_hash: str | None = None) -> None:
        self.tenant = _tenant_key()
        self.email = _email_key(email)
        # the trusted-browser cookie is bound to the password it signed in with: a new
        # password (reset or change) ends the trust a browser earned with the old one
        self.stamp = hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]
        self.device = self._trusted_device()
        self.account_limit, self.address_limit = _limits()

    def _trusted_device(self) -> str | None:
        raw = request.cookies.get(DEVICE_COOKIE)
        if not raw:
            return None
        try:
            data = _device_serializer().loads(raw, max_age=DEVICE_MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict) or data.get("t") != self.tenant:
            return None
        if data.get("e") != self.email or not isinstance(data.get("n"), str):
            return None
        if data.get("p") != self.stamp:
            return None
        return str(data["n"])

    def _keys(self) -> list[tuple[RateLimitItem, str]]:
        if self.device is not None:
            return [(self.account_limit, _fail_key(self.tenant, "device", self.device))]
        return [
            (self.account_limit, _fail_key(self.tenant, "acct", self.email)),
            (self.address_limit, _fail_key(self.tenant, "addr", client_address())),
        ]

    def blocked(self) -> bool:
        """True while this attempt must be refused without looking at the password."""
        strategy = limiter.limiter
        return any(not strategy.test(item, key) for item, key in self._keys())

    def failed(self) -> None:
        strategy = limiter.limiter
        for item, key in self._keys():
            strategy.hit(item, key)

    def succeeded(self) -> str:
        """Forget the account's failures; the value for the trusted-browser cookie."""
        clear_account_failures(self.tenant, self.email)
        nonce = self.device or secrets.token_urlsafe(12)
        return _device_serializer().dumps(
            {"t": self.tenant, "e": self.email, "n": nonce, "p": self.stamp}
        )


def clear_account_failures(tenant: str, email_key: str) -> None:
    strategy = limiter.limiter
    account, _address = _limits()
    strategy.clear(account, _fail_key(tenant, "acct", email_key))


def forget_failures_for(email: str) -> None:
    """Lift an account's pause (after its owner chose a new password by e-mail link)."""
    clear_account_failures(_tenant_key(), _email_key(email))


def remember_device(resp: Any, value: str) -> None:
    """Set the trusted-browser cookie (host-only, HttpOnly, like the session cookie)."""
    cfg = current_app.config
    resp.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        secure=bool(cfg.get("SESSION_COOKIE_SECURE")),
        samesite=cfg.get("SESSION_COOKIE_SAMESITE") or "Lax",
        path="/",
    )
