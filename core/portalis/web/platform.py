"""The bare platform host (e.g. http://localhost:5000): no tenant, no data."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g

from .rendering import page

bp = Blueprint("platform", __name__, url_prefix="/platform")


@bp.route("/")
def landing() -> Any:
    if g.get("tenant") is not None:
        abort(404)
    return page("platform/landing.html")


@bp.route("/health")
def health() -> Any:
    """Load-balancer health check; touches the database but no tenant data."""
    from sqlalchemy import text

    from ..db import db

    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
