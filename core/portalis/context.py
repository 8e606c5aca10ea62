"""Who is looking: the viewer every gated hook and permission check receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import g

from .roles import PARTNER_ROLES, VENDOR_ROLES, Role

if TYPE_CHECKING:
    from .models import Tenant, User


@dataclass(frozen=True)
class Viewer:
    """Computed once per request from the signed-in user; immutable so hooks can't alter it."""

    tenant_id: int
    user_id: int | None = None
    role: Role | None = None
    partner_id: int | None = None
    program_id: int | None = None
    tier_id: int | None = None
    tier_rank: int | None = None
    #: Plugins this viewer may use: enabled for their program and allowed for their tier
    #: (for vendor staff: enabled in any of the tenant's programs).
    enabled_plugins: frozenset[str] = field(default_factory=frozenset)
    locale: str = "en"
    #: The vendor user acting as this partner user, when one is (support sessions). Acts
    #: that bind the partner - signing an agreement, accepting terms - must be refused
    #: while it is set: only the person themself may do them.
    impersonated_by: int | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    @property
    def is_vendor_staff(self) -> bool:
        return self.role in VENDOR_ROLES

    @property
    def is_vendor_admin(self) -> bool:
        return self.role == Role.VENDOR_ADMIN

    @property
    def is_partner(self) -> bool:
        return self.role in PARTNER_ROLES

    @property
    def is_partner_admin(self) -> bool:
        return self.role == Role.PARTNER_ADMIN

    def can_use(self, plugin: str) -> bool:
        return plugin in self.enabled_plugins


def current_viewer() -> Viewer:
    """Who is looking at this request (program, tier, enabled plugins)."""
    return g.viewer


def current_user() -> User | None:
    """The signed-in user of this request, or None (also for a deactivated user)."""
    return g.get("user")


def current_tenant() -> Tenant | None:
    """The tenant this request's host belongs to (None on the platform host)."""
    return g.get("tenant")
