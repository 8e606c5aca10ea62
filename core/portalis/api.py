"""The public API for plugins — the only core module bundled plugins import.

Anything here is stable within a major version (``portalis.HOOK_API_VERSION``); a name
is deprecated for one minor release before it goes. Everything else in ``portalis`` is
internal. If a plugin needs more, grow this module (and docs/plugins.md).
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g

from . import HOOK_API_VERSION, __version__
from .audit import record as audit
from .context import Viewer
from .db import AwareDateTime, Base, BigId, TenantScoped, db, utcnow
from .events import emit
from .i18n import Translator, current_locale, localized, money
from .jobs import enqueue
from .mail import send as send_mail
from .migrate import run_env as run_migrations_env
from .models import Partner, Program, ProgramPlugin, Tenant, Tier, User
from .plugins.contract import (
    DemoSeed,
    Event,
    MetricDefinition,
    NavItem,
    PeriodicJob,
    Permission,
    PluginInfo,
    Widget,
    resolve_text,
)
from .plugins.hookspecs import hookimpl
from .tenancy import ScopeError, current_tenant_id, tenant_scope, unscoped
from .web.access import login_required, partner_admin, partner_member, vendor_admin, vendor_staff
from .web.rendering import is_htmx, page, render, render_block

#: The request-local SQLAlchemy session (tenant-scoped inside a request or job).
session = db.session


def current_viewer() -> Viewer:
    """Who is looking at this request (program, tier, enabled plugins)."""
    return g.viewer  # type: ignore[no-any-return]


def current_user() -> User | None:
    return g.get("user")


def current_tenant() -> Tenant | None:
    return g.get("tenant")


def not_found() -> Any:
    """Answer 404 — also for records that exist but aren't the viewer's."""
    abort(404)


def plugin_settings(plugin: str, program_id: int) -> dict[str, Any]:
    """A plugin's settings for a program: its declared defaults overlaid with the vendor's."""
    from sqlalchemy import select

    info = current_app.extensions["portalis"].registry.info(plugin)
    row = session.scalars(
        select(ProgramPlugin).where(ProgramPlugin.program_id == program_id, ProgramPlugin.plugin == plugin)
    ).first()
    return {**dict(info.settings_defaults), **(row.settings if row else {})}


def programs_with_plugin(plugin: str) -> list[int]:
    """Ids of the current tenant's programs that enable ``plugin``."""
    from sqlalchemy import select

    return list(
        session.scalars(
            select(ProgramPlugin.program_id).where(ProgramPlugin.plugin == plugin, ProgramPlugin.enabled.is_(True))
        )
    )


def tier_benefit(tier_id: int | None, key: str, default: Any = None) -> Any:
    """A benefit value of a tier (e.g. ``deal_discount_pct``)."""
    if tier_id is None:
        return default
    tier = session.get(Tier, tier_id)
    return (tier.benefits or {}).get(key, default) if tier else default


__all__ = [
    "HOOK_API_VERSION",
    "AwareDateTime",
    "Base",
    "BigId",
    "DemoSeed",
    "Event",
    "MetricDefinition",
    "NavItem",
    "Partner",
    "PeriodicJob",
    "Permission",
    "PluginInfo",
    "Program",
    "ScopeError",
    "TenantScoped",
    "Tier",
    "Translator",
    "User",
    "Viewer",
    "Widget",
    "__version__",
    "audit",
    "current_locale",
    "current_tenant",
    "current_tenant_id",
    "current_user",
    "current_viewer",
    "emit",
    "enqueue",
    "hookimpl",
    "is_htmx",
    "localized",
    "login_required",
    "money",
    "not_found",
    "page",
    "partner_admin",
    "partner_member",
    "plugin_settings",
    "programs_with_plugin",
    "render",
    "render_block",
    "resolve_text",
    "run_migrations_env",
    "send_mail",
    "session",
    "tenant_scope",
    "tier_benefit",
    "unscoped",
    "utcnow",
    "vendor_admin",
    "vendor_staff",
]
