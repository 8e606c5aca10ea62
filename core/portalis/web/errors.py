"""Error pages: every error is a friendly, translated page — never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g
from flask_wtf.csrf import CSRFError
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


def _render(code: int, detail: str | None = None) -> Any:
    title, text = _messages().get(code, _messages()[500])
    try:
        return page("error.html", status=code, code=code, title=title, text=detail or text)
    except Exception:  # the error page itself must never fail
        log.exception("error page failed")
        return f"<h1>{code}</h1>", code


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

    @app.errorhandler(Exception)
    def unhandled(exc: Exception) -> Any:
        from ..db import db

        db.session.rollback()
        tenant = g.get("tenant")
        log.exception("unhandled error (tenant %s)", tenant.slug if tenant else None)
        return _render(500)
