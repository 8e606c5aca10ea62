"""Per-tenant changes to which roles hold a plugin-declared permission.

``PluginInfo.permissions`` declares each permission with its default roles. A row here
overrides that default for one tenant, one permission and one role (granted or revoked);
no row means the default decides. Vendor admins edit them on the "Roles & permissions"
page; :func:`portalis.web.access.has_permission` reads them once per request.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId, TenantScoped, utcnow
from ..roles import Role

_ROLE_NAMES = ", ".join(f"'{r.value}'" for r in Role)


class RolePermission(TenantScoped, Base):
    __tablename__ = "role_permissions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "permission", "role"),
        CheckConstraint(f"role IN ({_ROLE_NAMES})", name="role"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: The permission's name as declared by its plugin, e.g. ``deals.export``.
    permission: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    #: True: the role holds the permission although the default says no; False: revoked.
    granted: Mapped[bool]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
