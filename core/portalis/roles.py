"""The four roles of a tenant, named in one place.

Roles are fixed (a vendor's staff and a partner company's people); what each role may do
beyond the built-in pages is granted through permissions (``PluginInfo.permissions``),
which vendor admins can re-assign per tenant. Compare with these members, never with
string literals, so a renamed role is a type error rather than a silent denial.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    VENDOR_ADMIN = "vendor_admin"
    CHANNEL_MANAGER = "channel_manager"
    PARTNER_ADMIN = "partner_admin"
    PARTNER_USER = "partner_user"

    @property
    def is_vendor(self) -> bool:
        return self in VENDOR_ROLES

    @property
    def is_partner(self) -> bool:
        return self in PARTNER_ROLES


VENDOR_ROLES: frozenset[Role] = frozenset({Role.VENDOR_ADMIN, Role.CHANNEL_MANAGER})
PARTNER_ROLES: frozenset[Role] = frozenset({Role.PARTNER_ADMIN, Role.PARTNER_USER})


def role_label(role: str) -> str:
    """The role's name in the current language ("Channel manager", "Kanalmanager" …)."""
    from .i18n import gettext as _

    labels = {
        Role.VENDOR_ADMIN: _("Vendor admin"),
        Role.CHANNEL_MANAGER: _("Channel manager"),
        Role.PARTNER_ADMIN: _("Partner admin"),
        Role.PARTNER_USER: _("Partner user"),
    }
    return labels.get(role, str(role))  # type: ignore[call-overload]


def role_choices(*roles: Role) -> list[tuple[str, str]]:
    """``(value, label)`` pairs for a role picker offering ``roles`` in this order."""
    return [(r.value, role_label(r)) for r in roles]
