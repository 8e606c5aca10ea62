"""The partner company's profile as others read it: the read-only :class:`CompanyProfile`,
which fields a program makes public, and how complete a profile is.

Co-branding, the partner locator and campaigns read a company through
:func:`company_profile` (``portalis.api``) rather than the ``partners`` table, so what is
public stays the vendor's decision in one place. Only approved values are ever returned:
changes waiting for the vendor (``companies.profile_changes``) are not part of the profile.

Completeness is fixed here and documented in docs/plugins.md: the share of the ten profile
fields (:data:`~portalis.companies.profile_fields.PROFILE_FIELDS`) that hold a value, each
counting the same — a logo, a description, a website, a phone number, at least one
address, country served, industry, expertise tag and language, and a partner type. The
first time a profile reaches 100 % the core emits ``partner.profile_completed``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import has_request_context, url_for
from sqlalchemy import select

from .. import audit, events
from ..db import db, utcnow
from ..models import Partner, ProgramProfileSettings
from ..tenancy import require_tenant_id
from .profile_fields import (
    DEFAULT_PUBLIC_FIELDS,
    PROFILE_FIELDS,
    industry_label,
    is_filled,
    language_label,
    partner_type_label,
)

#: The folder (``uploads`` kind) company logos are stored in.
LOGO_KIND = "company-logos"


@dataclass(frozen=True)
class Address:
    label: str
    street: str
    city: str
    postcode: str
    region: str
    country: str  # ISO 3166-1 alpha-2


@dataclass(frozen=True)
class ProfileSettings:
    """What a program decided: the fields others see, and whether changing them waits
    for a channel manager's approval."""

    public_fields: frozenset[str]
    approval_required: bool


@dataclass(frozen=True)
class CompanyProfile:
    """A partner company as plugins read it (``portalis.api.company_profile``).

    With ``public_only=True`` the fields the program keeps private are empty (``None``,
    ``""`` or ``()``) and ``public_fields`` says which ones are shown. Vocabulary values
    are stable keys (``partner_type="msp"``, ``industries=("healthcare",)``,
    ``languages=("de",)``); the ``*_labels`` give them in the reader's language.
    """

    partner_id: int
    name: str
    country: str | None
    logo: str | None
    logo_url: str | None
    description: str
    website: str | None
    phone: str | None
    addresses: tuple[Address, ...]
    service_regions: tuple[str, ...]
    partner_type: str | None
    industries: tuple[str, ...]
    expertise: tuple[str, ...]
    languages: tuple[str, ...]
    completeness: float
    public_fields: frozenset[str]
    public_only: bool

    @property
    def partner_type_label(self) -> str:
        return partner_type_label(self.partner_type)

    @property
    def industry_labels(self) -> tuple[str, ...]:
        return tuple(industry_label(k) for k in self.industries)

    @property
    def language_labels(self) -> tuple[str, ...]:
        return tuple(language_label(c) for c in self.languages)

    def logo_path(self) -> Path | None:
        """The logo file (PNG or sanitised SVG) for a PDF or a mail, or None."""
        from ..uploads import path_of

        return path_of(require_tenant_id(), LOGO_KIND, self.logo) if self.logo else None


def profile_settings(program_id: int) -> ProfileSettings:
    """A program's profile settings (the defaults while the vendor hasn't chosen)."""
    row = db.session.scalars(
        select(ProgramProfileSettings).where(ProgramProfileSettings.program_id == program_id)
    ).first()
    if row is None:
        return ProfileSettings(frozenset(DEFAULT_PUBLIC_FIELDS), False)
    fields = frozenset(f for f in row.public_fields or () if f in PROFILE_FIELDS)
    return ProfileSettings(fields, bool(row.approval_required))


def profile_values(partner: Partner) -> dict[str, Any]:
    """The stored (approved) value of every profile field, copied."""
    out: dict[str, Any] = {}
    for name in PROFILE_FIELDS:
        value = getattr(partner, name)
        out[name] = (
            [dict(v) if isinstance(v, dict) else v for v in value]
            if isinstance(value, list)
            else value
        )
    return out


def completeness_of(values: Mapping[str, Any]) -> float:
    filled = sum(1 for name in PROFILE_FIELDS if is_filled(name, values.get(name)))
    return filled / len(PROFILE_FIELDS)


def profile_completeness(partner: Partner) -> float:
    """How complete ``partner``'s approved profile is, from 0.0 to 1.0: the share of the
    ten profile fields that hold a value (each counts the same). The tier metric
    ``profile_completeness`` is this × 100."""
    return completeness_of(profile_values(partner))


def logo_url(partner_id: int, name: str | None, *, external: bool = False) -> str | None:
    if not name or not has_request_context():
        return None
    return url_for("company_logos.logo", partner_id=partner_id, name=name, _external=external)


def _addresses(rows: Sequence[Mapping[str, Any]]) -> tuple[Address, ...]:
    return tuple(
        Address(
            label=str(r.get("label") or ""),
            street=str(r.get("street") or ""),
            city=str(r.get("city") or ""),
            postcode=str(r.get("postcode") or ""),
            region=str(r.get("region") or ""),
            country=str(r.get("country") or ""),
        )
        for r in rows or ()
        if isinstance(r, Mapping)
    )


def build_profile(partner: Partner, *, public_only: bool = False) -> CompanyProfile:
    settings = profile_settings(partner.program_id)
    shown = settings.public_fields if public_only else frozenset(PROFILE_FIELDS)

    def pick(name: str, empty: Any) -> Any:
        return getattr(partner, name) if name in shown else empty

    logo = pick("logo", None)
    return CompanyProfile(
        partner_id=partner.id,
        name=partner.name,
        country=partner.country,
        logo=logo,
        logo_url=logo_url(partner.id, logo),
        description=pick("description", "") or "",
        website=pick("website", None),
        phone=pick("phone", None),
        addresses=_addresses(pick("addresses", [])),
        service_regions=tuple(pick("service_regions", []) or ()),
        partner_type=pick("partner_type", None),
        industries=tuple(pick("industries", []) or ()),
        expertise=tuple(pick("expertise", []) or ()),
        languages=tuple(pick("languages", []) or ()),
        completeness=profile_completeness(partner),
        public_fields=settings.public_fields,
        public_only=public_only,
    )


def company_profile(partner_id: int, *, public_only: bool = False) -> CompanyProfile | None:
    """The profile of one partner company of the current tenant, or None if there is no
    such partner here. ``public_only=True`` leaves out what the partner's program keeps
    private, and answers None for a company that isn't active (applied or suspended
    companies have no public profile)."""
    # a query, not session.get: the tenant guard applies even if the identity map holds
    # another tenant's partner (a job that ran in two tenants)
    partner = db.session.scalars(select(Partner).where(Partner.id == partner_id)).first()
    if partner is None or (public_only and partner.status != "active"):
        return None
    return build_profile(partner, public_only=public_only)


def note_completeness(partner: Partner, *, now: dt.datetime | None = None) -> bool:
    """After a change to the profile: the first time it is complete, remember when and
    emit ``partner.profile_completed`` (a milestone onboarding checklists listen for).
    True if this change completed it."""
    if partner.profile_completed_at is not None or profile_completeness(partner) < 1.0:
        return False
    partner.profile_completed_at = now or utcnow()
    audit.record("partner.profile_completed", "partner", partner.id, after={"completeness": 100})
    events.emit(
        "partner.profile_completed", {"partner_id": partner.id}, program_id=partner.program_id
    )
    return True


def completeness_metric(
    partner_ids: list[int], program_id: int, now: dt.datetime
) -> Mapping[int, float]:
    """Tier metric ``profile_completeness``: 0 … 100 per partner, one query per batch."""
    columns = [getattr(Partner, name) for name in PROFILE_FIELDS]
    rows = db.session.execute(select(Partner.id, *columns).where(Partner.id.in_(partner_ids)))
    out = {}
    for row in rows:
        values = dict(zip(PROFILE_FIELDS, row[1:], strict=True))
        out[row[0]] = round(completeness_of(values) * 100, 1)
    return out


__all__ = [
    "LOGO_KIND",
    "Address",
    "CompanyProfile",
    "ProfileSettings",
    "build_profile",
    "company_profile",
    "completeness_metric",
    "completeness_of",
    "note_completeness",
    "profile_completeness",
    "profile_settings",
    "profile_values",
]
