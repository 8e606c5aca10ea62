"""Core tables. Plugins define their own tables (prefixed with the plugin name)."""

from .audit import AuditEntry
from .jobs import JobFailure
from .join_requests import JoinRequest
from .outbox import OutboxMessage
from .partners import Partner
from .permissions import RolePermission
from .programs import Program, ProgramPlugin, Tier, TierChange
from .tenants import Tenant, TenantDomain
from .users import PlatformOperator, Role, User, UserSession

__all__ = [
    "AuditEntry",
    "JobFailure",
    "JoinRequest",
    "OutboxMessage",
    "Partner",
    "PlatformOperator",
    "Program",
    "ProgramPlugin",
    "Role",
    "RolePermission",
    "Tenant",
    "TenantDomain",
    "Tier",
    "TierChange",
    "User",
    "UserSession",
]
