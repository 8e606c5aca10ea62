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
from .jobs import enqueue, enqueue_after_commit
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
from .roles import Role
from .search import SearchDocument
from .tenancy import ScopeError, current_tenant_id, tenant_scope, unscoped
from .transaction import on_commit, on_rollback
from .web.access import (
    has_permission,
    login_required,
    partner_admin,
    partner_member,
    permission_required,
    vendor_admin,
    vendor_staff,
)
from .web.converters import valid_id
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
    from flask import has_request_context
    from sqlalchemy import select

    cache: dict[tuple[str, int], dict[str, Any]] | None = None
    if has_request_context():
        cache = g.setdefault("portalis_plugin_settings", {})
        if (plugin, program_id) in cache:
            return dict(cache[(plugin, program_id)])  # one query per request, not per call
    info = current_app.extensions["portalis"].registry.info(plugin)
    row = session.scalars(
        select(ProgramPlugin).where(
            ProgramPlugin.program_id == program_id, ProgramPlugin.plugin == plugin
        )
    ).first()
    settings = {**dict(info.settings_defaults), **(row.settings if row else {})}
    if cache is not None:
        cache[(plugin, program_id)] = settings
    return dict(settings)


def programs_with_plugin(plugin: str) -> list[int]:
    """Ids of the current tenant's programs that enable ``plugin``."""
    from sqlalchemy import select

    return list(
        session.scalars(
            select(ProgramPlugin.program_id).where(
                ProgramPlugin.plugin == plugin, ProgramPlugin.enabled.is_(True)
            )
        )
    )


def rate_limit(limit: str) -> Any:
    """Decorator limiting a view per tenant host and client address, e.g. ``"60 per minute"``
    (Flask-Limiter syntax; Redis-backed when ``REDIS_URL`` is set). Over the limit the
    viewer gets the translated "Too many attempts" page (429)."""
    from .web.ratelimit import limiter

    return limiter.limit(limit)


def search_index(docs: list[SearchDocument]) -> None:
    """Add or replace documents in the portal search, with the current transaction
    (database backend) or right after it commits (Whoosh). Call it when content changes."""
    current_app.extensions["portalis_search"].index(docs)


def search_delete(doc_ids: list[str]) -> None:
    """Remove documents (by ``doc_id``) of the current tenant from the search."""
    from .tenancy import require_tenant_id

    current_app.extensions["portalis_search"].delete(require_tenant_id(), doc_ids)


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
    "ProgramPlugin",
    "Role",
    "ScopeError",
    "SearchDocument",
    "Tenant",
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
    "enqueue_after_commit",
    "has_permission",
    "hookimpl",
    "is_htmx",
    "localized",
    "login_required",
    "money",
    "not_found",
    "on_commit",
    "on_rollback",
    "page",
    "partner_admin",
    "partner_member",
    "permission_required",
    "plugin_settings",
    "programs_with_plugin",
    "render",
    "rate_limit",
    "render_block",
    "resolve_text",
    "run_migrations_env",
    "search_delete",
    "search_index",
    "send_mail",
    "session",
    "tenant_scope",
    "tier_benefit",
    "unscoped",
    "utcnow",
    "valid_id",
    "vendor_admin",
    "vendor_staff",
]


# --- added for the deals plugin ---

from collections.abc import Iterator as _Iterator  # noqa: E402
from contextlib import contextmanager as _contextmanager  # noqa: E402


@_contextmanager
def tenant_request_context(tenant_id: int | None = None) -> _Iterator[None]:
    """A request context on a tenant's portal host, for jobs that send mail.

    Jobs run with an app context only, but rendering a template (``send_mail``) needs a
    request context (the template context reads the session's locale) and links need a
    host (``url_for(..., _external=True)``). Inside the block ``g.tenant`` is the tenant,
    ``g.user`` is None and that tenant's scope is active. Leaving the block keeps the
    caller's database session and its pending changes (the request teardown would
    otherwise remove it), so it is safe in the middle of a job's transaction. Inside a
    request of the same tenant it changes nothing.
    """
    from flask import has_request_context

    from .db import _session_key

    tid = tenant_id if tenant_id is not None else current_tenant_id()
    if tid is None:
        raise ScopeError("tenant_request_context() needs a tenant")
    if has_request_context() and getattr(g.get("tenant"), "id", None) == tid:
        yield
        return
    tenant = session.get(Tenant, tid)
    if tenant is None:
        raise ScopeError(f"no tenant {tid}")
    scheme = current_app.config.get("PREFERRED_URL_SCHEME") or "http"
    host = f"{tenant.slug}.{current_app.config['BASE_DOMAIN']}"
    ctx = current_app.test_request_context(base_url=f"{scheme}://{host}")
    ctx.push()
    saved = {k: g.get(k) for k in ("tenant", "user")}
    try:
        g.tenant = tenant
        g.user = None
        with tenant_scope(tid):
            yield
    finally:
        for key, value in saved.items():
            setattr(g, key, value)
        # the request teardown removes "the" session: point it at a throwaway one so the
        # caller's session (and its uncommitted work) survives
        token = _session_key.set(object())
        try:
            ctx.pop()
        finally:
            _session_key.reset(token)


__all__ += ["tenant_request_context"]
