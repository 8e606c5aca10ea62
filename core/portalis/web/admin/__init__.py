"""The vendor's administration pages (vendor admins and channel managers)."""

from . import (  # noqa: F401 - routes
    application_fields,
    applications,
    audit_log,
    company_profiles,
    join_requests,
    overview,
    partners,
    programs,
    roles,
    settings,
    users,
)
from .blueprint import bp

__all__ = ["bp"]
