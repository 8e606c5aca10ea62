"""What the vendor decides about partner company profiles (per program), and profile changes
that wait for the vendor's approval.

Kept apart from ``partners``: a pending change is a proposal, not the company's data, and
it is applied to the partner row as a whole on approval or dropped — never half-applied.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId, TenantScoped, utcnow


class ProgramProfileSettings(TenantScoped, Base):
    """Per program: which profile fields others may see, and whether changing them needs
    the vendor's approval. A program without a row uses the defaults in
    ``portalis.companies.profile_fields`` (``DEFAULT_PUBLIC_FIELDS``, no approval)."""

    __tablename__ = "program_profile_settings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "program_id"),
        ForeignKeyConstraint(
            ["tenant_id", "program_id"], ["programs.tenant_id", "programs.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(BigId, index=True)
    #: Profile field names (companies.profile_fields.PROFILE_FIELDS) shown to others.
    public_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Changes to public fields wait for a channel manager's approval.
    approval_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PartnerProfileChange(TenantScoped, Base):
    """Changes a partner admin made to public profile fields, waiting for approval.

    ``state``: ``pending`` (at most one per partner: a newer edit replaces its values),
    then ``approved`` (applied), ``rejected`` (with ``reason``), ``withdrawn`` (the partner
    edited the fields back to the approved values) or ``superseded`` (approval was switched
    off and the partner's next save applied its values directly).
    """

    __tablename__ = "partner_profile_changes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "partner_id"], ["partners.tenant_id", "partners.id"], ondelete="CASCADE"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    partner_id: Mapped[int] = mapped_column(BigId, index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    #: {field: new value}, values as stored on the partner
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: {field: value when submitted}, to show the reviewer what changes
    previous: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_by_id: Mapped[int | None] = mapped_column(BigId)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(BigId)
    decided_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    reason: Mapped[str] = mapped_column(Text, default="")


#: States of a profile change that is decided or dropped.
CLOSED_CHANGE_STATES = ("approved", "rejected", "withdrawn", "superseded")
