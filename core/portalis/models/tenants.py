"""Tenants (vendors) and the host names that resolve to them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId, utcnow


class Tenant(Base):
    """A vendor. Not tenant-scoped itself: it is what scopes everything else."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    default_locale: Mapped[str] = mapped_column(String(16), default="en")
    allowed_locales: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["en"])
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    theme: Mapped[str] = mapped_column(String(64), default="default")
    #: Branding is data (colours, names, logo ids), rendered as CSS custom properties.
    branding: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TenantDomain(Base):
    """A custom host name (``partners.acme.com``) mapped to a tenant."""

    __tablename__ = "tenant_domains"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(
        BigId,
        ForeignKey("tenants.id", ondelete="CASCADE"),
        index=True,
    )
    host: Mapped[str] = mapped_column(String(255), unique=True)
