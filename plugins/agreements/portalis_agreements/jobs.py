"""Periodic job: offer agreements to partners who match a template now (a new partner, a
country or partner type filled in since) and withdraw pending ones that no longer match.
Idempotent: an agreement exists once per partner and version."""

from __future__ import annotations

from portalis import api

from . import service


def sync_assignments() -> None:
    for program_id in api.programs_with_plugin("agreements"):
        service.sync_program(program_id)


def on_event(event: api.Event) -> None:
    """A partner joined or was approved, or its profile changed: offer what matches."""
    partner_id = (event.payload or {}).get("partner_id")
    if isinstance(partner_id, int):
        service.sync_partner(partner_id)


#: Core events after which a partner may match a template it didn't match before.
PARTNER_EVENTS = frozenset(
    {"partner.joined", "partner.approved", "partner.profile_completed", "partner.profile_updated"}
)
