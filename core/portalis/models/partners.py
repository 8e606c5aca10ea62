"""Partner companies: resellers, MSPs, distributors enrolled in one of a tenant's programs,
with the company profile their admins keep (``portalis.companies.profile``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from ..companies.domains import company_domain
from ..db import Base, BigId, TenantScoped, utcnow


class Partner(TenantScoped, Base):
    __tablename__ = "partners"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        ForeignKeyConstraint(["tenant_id", "program_id"], ["programs.tenant_id", "programs.id"]),
        ForeignKeyConstraint(["tenant_id", "tier_id"], ["tiers.tenant_id", "tiers.id"]),
        Index("ix_partners_tenant_id_email_domain", "tenant_id", "email_domain"),
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
    #: The company's registrable domain (from the website, else the contact e-mail; never a
    #: free-mail provider), kept in step by the listener below. Self-registration and
    #: duplicate detection look partners up by it.
    email_domain: Mapped[str | None] = mapped_column(String(253))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # --- the company profile (kept by partner admins; see portalis.companies.profile) ---
    #: Stored image name (uploads.store_image, kind "company-logos"); None = no logo.
    logo: Mapped[str | None] = mapped_column(String(40), default=None)
    #: Plain text, at most companies.profile_fields.DESCRIPTION_MAX characters; never
    #: rendered as HTML.
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Offices, each {"label", "street", "city", "postcode", "region", "country"} (a JSON
    #: list, not a child table: a handful at most, always read and replaced as a whole with
    #: the profile, and a pending change holds the new list as one value).
    addresses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    #: ISO 3166-1 alpha-2 codes of the countries the company serves.
    service_regions: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    #: One key of companies.profile_fields.PARTNER_TYPES ("reseller", "msp" …).
    partner_type: Mapped[str | None] = mapped_column(String(32), default=None)
    #: Keys of companies.profile_fields.INDUSTRIES.
    industries: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    #: Short free tags ("Kubernetes", "SAP migration"), bounded in count and length.
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    #: Language codes ("de", "pt"), named with Babel's display names when shown.
    languages: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    #: When the profile first became complete (``partner.profile_completed`` fired once).
    profile_completed_at: Mapped[dt.datetime | None] = mapped_column(default=None)


@event.listens_for(Partner, "before_insert")
@event.listens_for(Partner, "before_update")
def _derive_email_domain(_mapper: Any, _connection: Any, partner: Partner) -> None:
    """One place keeps ``email_domain`` true to ``website`` and ``contact_email``, whoever
    changed them (a form, the demo, an import, a plugin through the API)."""
    partner.email_domain = company_domain(partner.website, partner.contact_email)
