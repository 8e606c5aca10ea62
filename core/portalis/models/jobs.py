"""Jobs that failed every retry are recorded here instead of vanishing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId, utcnow


class JobFailure(Base):
    """Platform-level (not tenant-scoped): operators review failures across tenants."""

    __tablename__ = "job_failures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(BigId, index=True)
    name: Mapped[str] = mapped_column(String(200))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int]
    error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
