"""Error pages: every error is a friendly, translated page — never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from ..i18n import gettext as _
from .rendering import page

log = logging.getLogger("portalis.web")


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (
            _("Bad request"),
            _("The request could not be understood. Please go back and try again."),
        ),
        403: (_("Not allowed"), _("You don't have access to this page.")),
        404: (
            _("Page not found"),
            _("The page you asked for doesn't exist or isn't available to you."),
        ),
        405: (_("Not allowed"), _("This action isn't available here.")),
        409: (
            _("Changed at the same time"),
            _(
                "Someone else saved a conflicting change at the same moment, so nothing of "
                "yours was saved. Reload the page and try again."
            ),
        ),
        413: (
            _("File too large"),
            _("The upload is larger than this portal accepts. Nothing was saved."),
        ),
        429: (_("Too many attempts"), _("Please wait a few minutes and try again.")),
        500: (
            _("Something went wrong"),
            _("We couldn't finish that. Nothing was lost; please try again."),
        ),
    }


def _no_portal() -> tuple[str, str]:
    return (
        _("There is no portal at this address"),
        _(
            "Check the address you were given: each vendor's partner portal has its own. "
            "If you followed a link, it may be out of date."
        ),
    )


def _prepare() -> None:
    """Make sure ``g`` holds what templates read, whatever failed before the view: a
    static file's 404 gets its tenant and viewer now; a request that failed before
    the pipeline finished gets "no tenant, nobody signed in"."""
    from flask import current_app
    from flask.globals import request_ctx

    from .pipeline import load_viewer, resolve_for_error_page

    if request_ctx.url_adapter is None:
        # Werkzeug refused the Host header (``acme.localhost:abc``), so Flask has no URL
        # adapter and every url_for() would raise: bind one to the platform's own domain,
        # enough for the page's relative links to the stylesheets
        request_ctx.url_adapter = current_app.url_map.bind(
            str(current_app.config["BASE_DOMAIN"]), url_scheme=request_ctx.request.scheme
        )
    resolve_for_error_page()
    if "tenant" not in g:
        g.tenant = None
    if "viewer" not in g or "user" not in g:
        load_viewer()


def _render(code: int, detail: str | None = None) -> Any:
    title, text = _messages().get(code, _messages()[500])
    try:
        _prepare()
        if g.get("tenant") is None:
            # no portal here (unknown or malformed host): not the portal's brand, and not
            # "page not found", which would suggest another page of it might exist
            if code == 404:
                title, text = _no_portal()
            return page(
                "platform/landing.html", status=code, code=code, title=title, text=detail or text
            )
        return page("error.html", status=code, code=code, title=title, text=detail or text)
    except Exception:  # the error page itself must never fail
        log.exception("error page failed")
        return _bare(code, title, detail or text)


def _bare(code: int, title: str, text: str) -> Any:
    """The last resort: a minimal, still translated and readable page."""
    from markupsafe import escape

    body = (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body>"
        f"<main><p>{code}</p><h1>{escape(title)}</h1><p>{escape(text)}</p></main>"
        "</body></html>"
    )
    return body, code, {"Content-Type": "text/html; charset=utf-8"}


def is_unique_violation(exc: IntegrityError) -> bool:
    """A UNIQUE constraint refused the write (PostgreSQL SQLSTATE 23505, SQLite's
    "UNIQUE constraint failed") — the signature of two people saving the same thing at
    once. Other constraint failures (NOT NULL, foreign keys, CHECK) are bugs, not races."""
    orig = exc.orig
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)


def conflict_page(exc: IntegrityError) -> Any:
    """A UNIQUE constraint refused the request's write — two people saved at once (a
    second answer to a once-per-partner question, the same e-mail invited twice). The
    transaction is rolled back, so nothing of it was saved; say so instead of "something
    went wrong". Any other constraint failure is a bug: the ordinary 500, logged."""
    from ..db import db

    db.session.rollback()
    if not is_unique_violation(exc):
        tenant = g.get("tenant")
        log.error("constraint failure (tenant %s)", tenant.slug if tenant else None, exc_info=exc)
        return _render(500)
    log.info("write refused by a unique constraint: %s", exc.orig)
    return _render(409)


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return _render(
            400,
            _(
                "Your session expired or the form was sent twice. Please reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        if code in (301, 302, 303, 307, 308):
            return exc
        return _render(code)

    @app.errorhandler(IntegrityError)
    def conflict(exc: IntegrityError) -> Any:
        return conflict_page(exc)

    @app.errorhandler(Exception)
    def unhandled(exc: Exception) -> Any:
        from ..db import db

        db.session.rollback()
        tenant = g.get("tenant")
        log.exception("unhandled error (tenant %s)", tenant.slug if tenant else None)
        return _render(500)
