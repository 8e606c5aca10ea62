"""The vendor's administration pages (vendor admins and channel managers)."""

from . import audit_log, overview, partners, programs, roles, settings, users  # noqa: F401 - routes
from .blueprint import bp

__all__ = ["bp"]
