"""The app factory and the request pipeline.

A request's path: host → tenant (404 if unknown) → tenant scope for the ORM → signed-in
user (server-side session) → viewer (program, tier, enabled plugins) → CSRF → view.
Plugin blueprints get a core-installed gate that answers 404 when the plugin is off
for the viewer's program or tier, exactly like an unknown URL.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, abort, g, redirect, request, send_from_directory, url_for
from flask_babel import Babel
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.middleware.proxy_fix import ProxyFix

from . import __version__
from .config import default_instance_path, load_config
from .db import db
from .i18n import CORE_DOMAIN, Catalogs, jinja_helpers, select_locale, select_timezone
from .jobs import make_runner
from .mail import make_sender
from .models import Tenant, TenantDomain
from .plugins.registry import CORE_PLUGIN_NAME, PluginRegistry
from .portal import Portal
from .tenancy import _current, _Scope
from .web.converters import IdConverter
from .web.rendering import Themes

log = logging.getLogger("portalis")
csrf = CSRFProtect()
login_manager = LoginManager()


def create_app(
    config: dict[str, Any] | None = None,
    *,
    instance_path: str | Path | None = None,
    plugins: list[str] | None = None,
    extra_plugins: list[Any] | None = None,
) -> Flask:
    """Build a Portalis app.

    ``plugins`` limits loading to the named installed plugins (None = config
    ``PLUGINS`` or every installed one); ``extra_plugins`` registers plugin objects that
    aren't installed as distributions (tests).
    """
    instance = Path(instance_path) if instance_path else default_instance_path()
    instance.mkdir(parents=True, exist_ok=True)
    cfg = load_config(instance, config)
    app = Flask(
        "portalis",
        instance_path=str(instance),
        static_folder=str(Path(__file__).parent / "static"),
        template_folder=None,
    )
    app.url_map.converters["id"] = IdConverter
    app.config.update(cfg)
    app.config["SESSION_COOKIE_NAME"] = "portalis_session"
    app.config["PERMANENT_SESSION_LIFETIME"] = int(cfg["SESSION_LIFETIME_HOURS"]) * 3600
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # tied to the session instead
    app.config["WTF_I18N_ENABLED"] = False  # PortalForm.Meta picks WTForms' catalogs
    if cfg["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    db.configure(cfg["DATABASE_URL"])

    registry = PluginRegistry()
    only = plugins if plugins is not None else (cfg["PLUGINS"] or None)
    registry.load(only=only, extra=extra_plugins or ())
    portal = Portal(app, registry)
    app.extensions["portalis"] = portal

    _setup_i18n(app, registry, instance)
    csrf.init_app(app)
    _setup_login(app)
    _setup_limiter(app)
    app.extensions["portalis_jobs"] = make_runner(app)
    app.extensions["portalis_mail_sender"] = make_sender(cfg, instance)
    from .search_service import SearchService

    app.extensions["portalis_search"] = SearchService(app)

    plugin_template_dirs = []
    for p in registry.plugins.values():
        if p.info.name == CORE_PLUGIN_NAME:
            continue
        source = getattr(p.module, "__file__", None)
        d = (
            Path(p.info.templates_dir)
            if p.info.templates_dir
            else (Path(source).parent / "templates" if source else None)
        )
        if d is not None and d.is_dir():
            plugin_template_dirs.append(d)
    app.extensions["portalis_themes"] = Themes(app, plugin_template_dirs)

    _register_core_views(app)
    _register_plugin_blueprints(app, registry)
    # first of all before-request functions: a request never inherits ``g`` state (matters
    # when an app context outlives a request, as in tests and CLI commands)
    # and tenant + viewer before CSRF, so even a CSRF error page renders in the tenant
    # and the plugin gate before CSRF too, so a POST to a plugin the viewer can't use gets
    # the same 404 as an unknown URL, not a CSRF error that would reveal the route
    app.before_request_funcs.setdefault(None, [])[0:0] = [
        _fresh_g,
        _resolve_tenant,
        _load_viewer,
        _plugin_gate,
    ]
    app.teardown_request(_teardown)
    app.after_request(_security_headers)
    if cfg.get("COUNT_SQL"):
        _install_sql_counter(app)
    from .web import errors, templating

    errors.register(app)
    templating.register(app)
    from .cli import register_cli

    register_cli(app)
    app.config["PORTALIS_VERSION"] = __version__
    return app


# --- setup helpers ---------------------------------------------------------------------------


def _setup_i18n(app: Flask, registry: PluginRegistry, instance: Path) -> None:
    locales_dir = Path(app.config["LOCALES_DIR"])
    search: dict[str, list[Path]] = {CORE_DOMAIN: [locales_dir]}
    for p in registry.plugins.values():
        if p.info.name == CORE_PLUGIN_NAME:
            continue
        dirs = [locales_dir]
        if p.info.translations_dir:
            dirs.append(Path(p.info.translations_dir))
        search[p.info.name] = dirs
    app.extensions["portalis_catalogs"] = Catalogs(search, instance / "locales")
    app.extensions["portalis_plugin_domains"] = frozenset(n for n in search if n != CORE_DOMAIN)
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(jinja_helpers())


def _setup_login(app: Flask) -> None:
    from .identity.sessions import load_user

    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # type: ignore[assignment]


def _setup_limiter(app: Flask) -> None:
    from .web.ratelimit import limiter

    storage = app.config["REDIS_URL"] or "memory://"
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config.get("REDIS_PREFIX", "portalis"))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)


def _register_core_views(app: Flask) -> None:
    from .web import admin, auth, platform, portal_views, search_views

    app.register_blueprint(search_views.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(portal_views.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(platform.bp)

    @app.route("/branding/<name>", endpoint="brand_asset")
    def brand_asset(name: str) -> Any:
        from .web.admin.settings import serve_brand_asset

        return serve_brand_asset(name)

    @app.route("/theme/<theme>/<path:filename>", endpoint="theme_static")
    def theme_static(theme: str, filename: str) -> Any:
        themes: Themes = app.extensions["portalis_themes"]
        if theme not in themes.manifests:
            abort(404)
        return send_from_directory(themes.themes_dir / theme / "static", filename, max_age=3600)


def _register_plugin_blueprints(app: Flask, registry: PluginRegistry) -> None:
    owners: dict[str, str] = app.extensions.setdefault("portalis_blueprint_plugins", {})
    for plugin_name, bps in registry.call_all_named("portalis_blueprints"):
        for bp in bps:
            app.register_blueprint(bp)
            owners[bp.name] = plugin_name
    # the gate is one app-level before-request function (_plugin_gate), not a hook on the
    # plugin's blueprint object, which a plugin may share between several apps


def _plugin_gate() -> Any:
    """404 — exactly like an unknown URL — unless the viewer may use the plugin that owns
    the requested blueprint; anonymous visitors sign in first where the plugin exists."""
    from flask import current_app

    blueprint = (request.blueprint or "").split(".", 1)[0]
    exc = request.routing_exception
    if not blueprint and isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        # a wrong method on a plugin route must not reveal the route: find its owner
        try:
            from flask.globals import request_ctx

            adapter = request_ctx.url_adapter
            endpoint, _args = adapter.match(method=next(iter(exc.valid_methods)))  # type: ignore[union-attr]
            blueprint = str(endpoint).split(".", 1)[0]
        except HTTPException:
            blueprint = ""
    plugin_name = current_app.extensions["portalis_blueprint_plugins"].get(blueprint)
    if plugin_name is None:
        return None
    if g.get("tenant") is None:
        abort(404)
    viewer = g.viewer
    if viewer.is_anonymous:
        portal: Portal = g.portal
        if plugin_name in portal.enabled_plugins_anywhere():
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(404)
    if not viewer.can_use(plugin_name):
        abort(404)
    return None


# --- request pipeline ------------------------------------------------------------------------


def tenant_for_host(host: str, base_domain: str) -> Tenant | None:
    """``<slug>.<base domain>`` or a mapped custom domain; never a header or parameter."""
    host = host.split(":", 1)[0].lower().rstrip(".")
    suffix = "." + base_domain
    slug = host[: -len(suffix)] if host.endswith(suffix) else None
    if slug and "." not in slug:
        stmt = select(Tenant).where(Tenant.slug == slug, Tenant.active.is_(True))
    else:
        stmt = (
            select(Tenant)
            .join(TenantDomain, TenantDomain.tenant_id == Tenant.id)
            .where(TenantDomain.host == host, Tenant.active.is_(True))
        )
    return db.session.scalars(stmt).first()


def _fresh_g() -> None:
    vars(g).clear()


def _resolve_tenant() -> Any:
    from flask import current_app

    g.portal = current_app.extensions["portalis"]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        from .db import write_intent

        g.write_token = write_intent.set(True)
    if request.endpoint == "static" or request.endpoint == "theme_static":
        g.tenant = None
        return
    tenant = tenant_for_host(request.host, current_app.config["BASE_DOMAIN"])
    g.tenant = tenant
    if tenant is None:
        if request.blueprint == "platform":
            return None
        host = request.host.split(":", 1)[0]
        if request.path == "/" and host in (current_app.config["BASE_DOMAIN"], "127.0.0.1", "::1"):
            from .web.rendering import page

            return page("platform/landing.html")
        abort(404)
    g.scope_token = _current.set(_Scope(tenant.id))
    return None


def _load_viewer() -> None:
    from .context import Viewer
    from .i18n import current_locale

    tenant = g.get("tenant")
    if tenant is None:
        g.user = None
        g.viewer = Viewer(tenant_id=0)
        return
    user = current_user._get_current_object() if current_user.is_authenticated else None  # type: ignore[attr-defined]
    if user is not None and (
        not user.active or (user.partner is not None and user.partner.status != "active")
    ):
        user = None
    g.user = user
    g.viewer = g.portal.viewer_for(tenant.id, user, current_locale())


def _teardown(exc: BaseException | None) -> None:
    db.remove()
    token = g.pop("scope_token", None)
    if token is not None:
        _current.reset(token)
    write = g.pop("write_token", None)
    if write is not None:
        from .db import write_intent

        write_intent.reset(write)


def _count_statement(
    conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool
) -> None:
    from flask import has_request_context

    if has_request_context() and statement != "BEGIN":  # BEGIN is implicit on PostgreSQL
        g.sql_statements = g.get("sql_statements", 0) + 1


def _install_sql_counter(app: Flask) -> None:
    """``X-SQL-Statements`` on every response: the benchmark and tests read it to prove a
    page's statement count doesn't grow with the data (no N+1)."""
    from sqlalchemy import event

    assert db.engine is not None
    if not event.contains(db.engine, "before_cursor_execute", _count_statement):
        event.listen(db.engine, "before_cursor_execute", _count_statement)

    @app.after_request
    def _report(resp: Any) -> Any:
        resp.headers["X-SQL-Statements"] = str(g.get("sql_statements", 0))
        return resp


def _security_headers(resp: Any) -> Any:
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    )
    return resp
