"""The app factory: configuration, extensions, plugins, themes and views put together.

What happens around each request (tenant, viewer, plugin gate, headers) lives in
:mod:`portalis.web.pipeline`; this module only builds the app once.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, abort, send_from_directory
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from . import __version__, core_plugin
from .config import default_instance_path, load_config
from .db import db
from .i18n import CORE_DOMAIN, Catalogs, jinja_helpers, select_locale, select_timezone
from .jobs import make_runner
from .mail import make_sender
from .plugins.registry import CORE_PLUGIN_NAME, PluginRegistry
from .portal import Portal
from .web import pipeline
from .web.converters import IdConverter, SlugConverter, TokenConverter
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
    app.url_map.converters["slug"] = SlugConverter
    app.url_map.converters["token"] = TokenConverter
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
    registry.load(only=only, extra=extra_plugins or (), core=core_plugin)
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
    pipeline.install(app)
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
    login_manager.login_message = None


def _setup_limiter(app: Flask) -> None:
    from .web.ratelimit import limiter

    storage = app.config["REDIS_URL"] or "memory://"
    app.config.setdefault("RATELIMIT_STORAGE_URI", storage)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config.get("REDIS_PREFIX", "portalis"))
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter.init_app(app)


def _register_core_views(app: Flask) -> None:
    from .web import (
        account,
        admin,
        apply,
        auth,
        join,
        partner,
        platform,
        search_views,
        team,  # noqa: F401 - adds the team pages to the portal blueprint
    )

    app.register_blueprint(search_views.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(apply.bp)
    app.register_blueprint(join.bp)
    app.register_blueprint(partner.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(platform.bp)
    from .web import company  # the company profile (partner side) and company logos

    app.register_blueprint(company.bp)
    app.register_blueprint(company.logos_bp)

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
    # the gate is one app-level before-request function (pipeline.plugin_gate), not a hook
    # on the plugin's blueprint object, which a plugin may share between several apps
