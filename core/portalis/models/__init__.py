"""Core tables. Plugins define their own tables (prefixed with the plugin name)."""

from .applications import Application, ApplicationField
from .audit import AuditEntry
from .company_profiles import PartnerProfileChange, ProgramProfileSettings
from .jobs import JobFailure
from .join_requests import JoinRequest
from .outbox import OutboxMessage
from .partners import Partner
from .permissions import RolePermission
from .programs import Program, ProgramPlugin, Tier, TierChange
from .tenants import Tenant, TenantDomain
from .users import PlatformOperator, Role, User, UserSession

__all__ = [
    "Application",
    "ApplicationField",
    "AuditEntry",
    "JobFailure",
    "JoinRequest",
    "OutboxMessage",
    "Partner",
    "PartnerProfileChange",
    "PlatformOperator",
    "Program",
    "ProgramPlugin",
    "ProgramProfileSettings",
    "Role",
    "RolePermission",
    "Tenant",
    "TenantDomain",
    "Tier",
    "TierChange",
    "User",
    "UserSession",
]
