"""Configuration: safe defaults, then ``instance/portalis.toml``, then ``PORTALIS_*`` env vars."""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import Any

#: The repository root when running from a checkout (themes/, locales/ live there).
SOURCE_ROOT = Path(__file__).resolve().parents[2]


def default_instance_path() -> Path:
    return Path(os.environ.get("PORTALIS_INSTANCE_PATH", SOURCE_ROOT / "instance")).resolve()


def _secret_key(instance: Path) -> str:
    """Generated once per instance so a fresh install is never run with a known key."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _coerce(raw: str, current: Any) -> Any:
    if isinstance(current, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(current, int):
        return int(raw)
    if isinstance(current, list | tuple):
        return [p.strip() for p in raw.split(",") if p.strip()]
    return raw


def load_config(instance: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the config dict. Keys are documented in docs/operations.md."""
    cfg: dict[str, Any] = {
        "SECRET_KEY": None,
        "DATABASE_URL": f"sqlite:///{instance / 'portalis.db'}",
        #: PostgreSQL: the role the application connects as (not the tables' owner, not a
        #: superuser); ``portalis db upgrade`` grants it row access. Empty: grant nothing.
        "DATABASE_APP_ROLE": "",
        "BASE_DOMAIN": "localhost",
        "REDIS_URL": "",
        #: "thread" (in-process worker, the default), "rq" (Redis queue), "eager" (tests)
        "JOBS_BACKEND": "thread",
        "SCHEDULER": True,
        #: "file" (instance/mail/*.eml), "console", "memory" (tests), "smtp"
        "MAIL_BACKEND": "file",
        "MAIL_FROM": "portal@localhost",
        "SMTP_HOST": "localhost",
        "SMTP_PORT": 25,
        #: Comma list to load only these plugins; empty = every installed plugin.
        "PLUGINS": [],
        "THEMES_DIR": str(SOURCE_ROOT / "themes"),
        "LOCALES_DIR": str(SOURCE_ROOT / "locales"),
        "UPLOAD_DIR": str(instance / "uploads"),
        "SEARCH_BACKEND": "database",
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
        # unpacked packages (a SCORM course): bytes once unpacked, and the zip itself
        "PACKAGE_MAX_UNPACKED_SIZE": 200 * 1024 * 1024,
        "PACKAGE_MAX_UPLOAD_SIZE": 100 * 1024 * 1024,
        "LOGIN_RATE_LIMIT": "10 per 15 minutes",
        "LOGIN_ADDRESS_RATE_LIMIT": "50 per 15 minutes",
        #: Posts of the "become a partner" form per client address; empty = LOGIN_RATE_LIMIT.
        "APPLY_RATE_LIMIT": None,
        "PASSWORD_CHANGE_RATE_LIMIT": "5 per 15 minutes",
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_LIFETIME_HOURS": 12,
        "TOKEN_MAX_AGE_HOURS": 72,
        "PREFERRED_URL_SCHEME": "http",
        "TRUST_PROXY": False,
        #: Report ``X-SQL-Statements`` per response (benchmarks, tests); off in production.
        "COUNT_SQL": False,
    }
    toml_path = instance / "portalis.toml"
    if toml_path.exists():
        with toml_path.open("rb") as fh:
            for key, value in tomllib.load(fh).items():
                cfg[key.upper()] = value
    for key in list(cfg):
        env = os.environ.get(f"PORTALIS_{key}")
        if env is not None:
            cfg[key] = _coerce(env, cfg[key]) if cfg[key] is not None else env
    if overrides:
        cfg.update(overrides)
    if not cfg["SECRET_KEY"]:
        cfg["SECRET_KEY"] = _secret_key(instance)
    return cfg
