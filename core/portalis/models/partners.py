"""Partner companies: resellers, MSPs, distributors enrolled in one of a tenant's programs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId, TenantScoped, utcnow


class Partner(TenantScoped, Base):
    __tablename__ = "partners"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "program_id"], ["programs.tenant_id", "programs.id"]),
        ForeignKeyConstraint(["tenant_id", "tier_id"], ["tiers.tenant_id", "tiers.id"]),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    #: applied → active → suspended; only active partners sign in.
    status: Mapped[str] = mapped_column(String(16), default="active")
    program_id: Mapped[int] = mapped_column(BigId, index=True)
    tier_id: Mapped[int | None] = mapped_column(BigId, index=True)
    #: A manual override pins the tier: evaluation reports but never changes it.
    tier_locked: Mapped[bool] = mapped_column(default=False)
    tier_lock_reason: Mapped[str | None] = mapped_column(String(500))
    country: Mapped[str | None] = mapped_column(String(2))
    website: Mapped[str | None] = mapped_column(String(255))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
