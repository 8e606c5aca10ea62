"""Tier metric ``onboarding_complete``: 1 for a partner that completed its program's
onboarding checklist, else 0 — so a tier can require a finished onboarding."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select

from portalis import api

from .i18n import _l
from .models import Completion


def onboarding_complete(
    partner_ids: list[int], program_id: int, now: dt.datetime
) -> Mapping[int, float]:
    """One query for the whole batch; partners left out count as 0."""
    if not partner_ids:
        return {}
    done = api.session.scalars(
        select(Completion.partner_id).where(
            Completion.partner_id.in_(partner_ids),
            Completion.program_id == program_id,
            Completion.completed_at <= now,
        )
    ).all()
    return {pid: 1.0 for pid in done}


def definitions() -> list[api.MetricDefinition]:
    return [
        api.MetricDefinition(
            "onboarding_complete",
            _l("Onboarding checklist completed (1 = yes)"),
            onboarding_complete,
        )
    ]
