"""The vendor's administration pages (vendor admins and channel managers)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import audit_log, overview, partners, programs, roles, settings, users  # noqa: E402,F401
