"""The request pipeline: what runs around every view, in this order.

1. :func:`fresh_g` — nothing from a previous request survives in ``g``.
2. :func:`resolve_tenant` — the tenant from the host (never a header or parameter); an
   unknown host is a 404; the tenant scope is entered for the ORM.
3. :func:`load_viewer` — the signed-in user (if still active, and their company too) and
   the :class:`~portalis.context.Viewer`: program, tier, the plugins they may use.
4. CSRF (Flask-WTF), installed by the app factory *after* these, so even its error page is
   rendered in the tenant's brand.
5. :func:`plugin_gate` — 404, like an unknown URL, unless the viewer may use the plugin that
   owns the route (before CSRF, so a POST to a hidden plugin reveals nothing); a plugin's
   public page (``api.public_page``) only needs the plugin on somewhere in the tenant.
6. :func:`access_blockers` — a partner who must do something first (a plugin's
   ``portalis_access_blockers``: sign an agreement …) is sent to where they do it (never
   away from a public page).
7. The view; then :func:`finish_transaction` commits the request's transaction if the
   response is a success (< 400) and rolls it back otherwise, :func:`cache_control`
   (``private, no-store`` on anything personal), :func:`security_headers`, and
   :func:`teardown` ends the session and the tenant scope.

Views therefore never need to commit: whatever a view writes is kept exactly when the
visitor is told it worked. A view may still commit earlier (e.g. before sending a
redirect to a page that must see the row); an exception or an error response (a form
answered with 422, a 404) leaves nothing half-written.

:func:`install` wires all of it into an app; ``app.py`` only builds the app.
"""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..context import Viewer
from ..db import db, write_intent
from ..i18n import current_locale
from ..models import Tenant, TenantDomain
from ..tenancy import enter_tenant, leave_tenant
from .access import is_public_page
from .rendering import page


def install(app: Flask) -> None:
    """Put the pipeline's functions in front of every other before-request function."""
    # first of all: a request never inherits ``g`` state (matters when an app context
    # outlives a request, as in tests and CLI commands); tenant and viewer before CSRF so
    # its error page renders in the tenant; the plugin gate before CSRF too, so a POST to a
    # plugin the viewer can't use gets the same 404 as an unknown URL
    app.before_request_funcs.setdefault(None, [])[0:0] = [
        fresh_g,
        resolve_tenant,
        load_viewer,
        plugin_gate,
        access_blockers,
    ]
    app.teardown_request(teardown)
    app.after_request(security_headers)
    app.after_request(cache_control)
    app.after_request(finish_transaction)
    if app.config.get("COUNT_SQL"):
        install_sql_counter(app)


def plugin_gate() -> Any:
    """404 — exactly like an unknown URL — unless the viewer may use the plugin that owns
    the requested blueprint; anonymous visitors sign in first where the plugin exists.

    A public page (:func:`~portalis.web.access.public_page`) is open to anonymous visitors
    and every signed-in viewer wherever its plugin is on in any of the tenant's programs,
    and the unknown page's 404 where it is on nowhere."""
    blueprint = (request.blueprint or "").split(".", 1)[0]
    endpoint = request.endpoint
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
    if viewer.can_use(plugin_name):
        return None
    if is_public_endpoint(endpoint):
        if plugin_name in g.portal.enabled_plugins_anywhere():
            return None
        abort(404)
    if viewer.is_anonymous:
        if plugin_name in g.portal.enabled_plugins_anywhere():
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(404)
    abort(404)


def is_public_endpoint(endpoint: str | None) -> bool:
    """Whether the view of ``endpoint`` is a plugin's public page."""
    if not endpoint:
        return False
    return is_public_page(current_app.view_functions.get(endpoint))


#: Blueprints a blocked partner can always reach: signing in and out, the language switch,
#: their own account (password), and static files.
_NEVER_BLOCKED = frozenset({"auth", "account", "static", "platform"})


def access_blockers() -> Any:
    """Send a partner who must do something first (sign an agreement …) to where they do it.

    Plugins say so through ``portalis_access_blockers`` (fail-closed: an error there fails
    the request rather than letting the partner past). A blocker limited to some plugins
    only guards those plugins' pages; one without ``plugins`` guards every partner page.
    Requests that write nothing and those that do are both redirected (303), so a form
    posted from an old tab is not applied behind the blocker's back.
    """
    viewer = g.get("viewer")
    if viewer is None or not viewer.is_partner or request.endpoint is None:
        return None
    if is_public_endpoint(request.endpoint):
        return None  # open to anyone, signed in or not: nothing to do first
    blueprint = (request.blueprint or "").split(".", 1)[0]
    if blueprint in _NEVER_BLOCKED or request.endpoint == "static":
        return None
    owner = current_app.extensions["portalis_blueprint_plugins"].get(blueprint)
    for _plugin, blockers in g.portal.registry.call_closed(
        "portalis_access_blockers", viewer.enabled_plugins, viewer=viewer
    ):
        for blocker in blockers:
            if blocker.plugins is not None and owner not in blocker.plugins:
                continue
            target_blueprint = blocker.endpoint.split(".", 1)[0]
            if blueprint == target_blueprint:
                return None  # the page where the partner resolves it (and its siblings)
            target = url_for(blocker.endpoint, **dict(blocker.url_values))
            flash(blocker.message, "warning")
            if request.headers.get("HX-Request") == "true":
                resp = current_app.response_class(status=204)
                resp.headers["HX-Redirect"] = target
                return resp
            return redirect(target, code=303)
    return None


_HOST = re.compile(r"(?P<name>[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?\.?)(?::(?P<port>[0-9]{1,5}))?")


def host_name(host: str) -> str | None:
    """The host name of a ``Host`` header (lower case, without port and trailing dot), or
    None when it is malformed: a port that isn't a number, two ports, spaces, an empty
    label … A malformed host names no portal."""
    match = _HOST.fullmatch((host or "").lower())
    if match is None or ".." in match["name"]:
        return None
    if match["port"] is not None and not 0 < int(match["port"]) < 65536:
        return None
    return match["name"].rstrip(".")


def request_host() -> str:
    """The Host the client sent (after ProxyFix when behind a trusted proxy), unparsed:
    Werkzeug's ``request.host`` quietly repairs some malformed values (``a:80:80``)."""
    return str(request.environ.get("HTTP_HOST") or request.host)


def tenant_for_host(host: str, base_domain: str) -> Tenant | None:
    """``<slug>.<base domain>`` or a mapped custom domain; never a header or parameter."""
    name = host_name(host)
    if name is None:
        return None
    suffix = "." + base_domain
    slug = name[: -len(suffix)] if name.endswith(suffix) else None
    if slug and "." not in slug:
        stmt = select(Tenant).where(Tenant.slug == slug, Tenant.active.is_(True))
    else:
        stmt = (
            select(Tenant)
            .join(TenantDomain, TenantDomain.tenant_id == Tenant.id)
            .where(TenantDomain.host == name, Tenant.active.is_(True))
        )
    return db.session.scalars(stmt).first()


def fresh_g() -> None:
    vars(g).clear()


def resolve_tenant() -> Any:
    g.portal = current_app.extensions["portalis"]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        g.write_token = write_intent.set(True)
    if request.endpoint in STATIC_ENDPOINTS:
        g.tenant = None  # files are the same for everyone: no tenant, no user
        return
    tenant = tenant_for_host(request_host(), current_app.config["BASE_DOMAIN"])
    g.tenant = tenant
    if tenant is None:
        if request.blueprint == "platform":
            return None
        host = host_name(request_host())
        if request.path == "/" and host in (current_app.config["BASE_DOMAIN"], "127.0.0.1"):
            return page("platform/landing.html")
        abort(404)
    g.scope_token = enter_tenant(tenant.id)
    return None


STATIC_ENDPOINTS = frozenset({"static", "theme_static"})


def load_viewer() -> None:
    tenant = g.get("tenant")
    if tenant is None:
        # no tenant (a static file, the platform host, an unknown or malformed host): nobody
        # is signed in here, and Flask-Login must not look a session's user up outside a
        # tenant scope (it would raise ScopeError in the middle of an error page)
        g.user = None
        g.viewer = Viewer(tenant_id=0)
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
        return
    user = current_user._get_current_object() if current_user.is_authenticated else None
    if user is not None and (
        not user.active or (user.partner is not None and user.partner.status != "active")
    ):
        user = None
    g.user = user
    g.viewer = g.portal.viewer_for(tenant.id, user, current_locale())


def resolve_for_error_page() -> None:
    """Before an error page for a static or theme file (which skip tenant and viewer):
    resolve them now, so a missing file's 404 is the tenant's branded page, with the
    signed-in viewer's navigation. Never raises; without a tenant nothing changes."""
    if g.get("tenant") is not None or g.get("scope_token") is not None:
        return
    if request.endpoint not in STATIC_ENDPOINTS:
        return
    try:
        tenant = tenant_for_host(request_host(), current_app.config["BASE_DOMAIN"])
    except Exception:  # noqa: BLE001 - an error page must not fail on a bad host
        return
    if tenant is None:
        return
    g.tenant = tenant
    g.scope_token = enter_tenant(tenant.id)
    g.pop("_login_user", None)
    load_viewer()


def teardown(exc: BaseException | None) -> None:
    db.remove()
    token = g.pop("scope_token", None)
    if token is not None:
        leave_tenant(token)
    write = g.pop("write_token", None)
    if write is not None:
        write_intent.reset(write)


def _count_statement(
    conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool
) -> None:
    if has_request_context() and statement != "BEGIN":  # BEGIN is implicit on PostgreSQL
        g.sql_statements = g.get("sql_statements", 0) + 1


def install_sql_counter(app: Flask) -> None:
    """``X-SQL-Statements`` on every response: the benchmark and tests read it to prove a
    page's statement count doesn't grow with the data (no N+1)."""
    assert db.engine is not None
    if not event.contains(db.engine, "before_cursor_execute", _count_statement):
        event.listen(db.engine, "before_cursor_execute", _count_statement)

    @app.after_request
    def _report(resp: Any) -> Any:
        resp.headers["X-SQL-Statements"] = str(g.get("sql_statements", 0))
        return resp


def finish_transaction(resp: Any) -> Any:
    """Commit what a successful request wrote; roll back after an error response."""
    session = db.session()
    if session.in_transaction():
        if resp.status_code < 400:
            try:
                session.commit()
            except IntegrityError as exc:  # a concurrent write won: nothing of this one is kept
                session.rollback()
                # the app's own handler for it (web/errors.py: a translated 409 page)
                return current_app.make_response(current_app.handle_user_exception(exc))
        else:
            session.rollback()
    return resp


#: endpoints whose answers are the same for everyone and keep their own caching
SHARED_CACHE_ENDPOINTS = STATIC_ENDPOINTS | {"brand_asset"}


def _personal(resp: Any) -> bool:
    """Whether the response may depend on who is asking: someone is signed in, the
    browser sent a session cookie, the page used the session (a CSRF token, a flash
    message) or the response sets a cookie."""
    if g.get("user") is not None:
        return True
    cookie = current_app.config.get("SESSION_COOKIE_NAME", "session")
    if cookie in request.cookies or "Set-Cookie" in resp.headers:
        return True
    return bool(getattr(session, "accessed", False) or getattr(session, "modified", False))


def cache_control(resp: Any) -> Any:
    """``Cache-Control: private, no-store`` on every response that depends on who is
    signed in, so neither a shared proxy nor the browser's disk keeps it. Static and
    theme files and brand images keep their own caching; a response that already chose
    ``private`` or ``no-store`` (a file download) keeps its choice."""
    if request.endpoint in SHARED_CACHE_ENDPOINTS and resp.status_code < 400:
        return resp
    if not _personal(resp):
        return resp
    existing = (resp.headers.get("Cache-Control") or "").lower()
    if "no-store" in existing or "private" in existing:
        return resp
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers.pop("Expires", None)
    return resp


def security_headers(resp: Any) -> Any:
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    )
    return resp
