"""A partner company comes into being one way, whoever creates it.

A vendor's staff add a company by hand (**Partners → New**) and a channel manager approves
an application (``portalis.recruiting.decisions``): both make the same record, write the
same audit entry and tell plugins the same event, so the audit log, the onboarding
checklist and a CRM sync cannot tell the two apart except by the ``source`` they are given.
"""

from __future__ import annotations

from typing import Any

from .. import audit, events
from ..db import db
from ..models import Partner


def create_partner(
    name: str,
    program_id: int,
    tier_id: int | None,
    *,
    country: str | None = None,
    website: str | None = None,
    contact_email: str | None = None,
    source: dict[str, Any] | None = None,
) -> Partner:
    """A new, active partner in ``program_id`` at ``tier_id``, in the caller's transaction:
    audited as ``partner.created`` (with ``source``, e.g. ``{"application_id": 7}``) and
    announced as ``partner.joined`` after commit. The caller checks that the tier is one
    of the program's."""
    partner = Partner(
        name=name.strip(),
        country=country or None,
        website=website or None,
        contact_email=contact_email or None,
        program_id=program_id,
        tier_id=tier_id,
        status="active",
    )
    db.session.add(partner)
    db.session.flush()
    audit.record(
        "partner.created",
        "partner",
        partner.id,
        after={"name": partner.name, "tier_id": partner.tier_id, **(source or {})},
    )
    events.emit("partner.joined", {"partner_id": partner.id}, program_id=partner.program_id)
    return partner


__all__ = ["create_partner"]
