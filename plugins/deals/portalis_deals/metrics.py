"""Tier metrics: one grouped query per metric for the whole batch of partners."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import func, select

from portalis import api

from .i18n import _l
from .models import APPROVED_FAMILY, DRAFT, WON, Deal

YEAR = dt.timedelta(days=365)


def won_revenue_12m(
    partner_ids: list[int], program_id: int, now: dt.datetime
) -> Mapping[int, float]:
    """Sum of won deals closed in the last 12 months, in the program's currency.

    Deals in another currency are not converted (the portal has no exchange rates) and
    don't count; the registration form defaults to the program's currency.
    """
    if not partner_ids:
        return {}
    rows = api.session.execute(
        select(Deal.partner_id, func.coalesce(func.sum(Deal.amount), 0))
        .join(api.Program, api.Program.id == Deal.program_id)
        .where(
            Deal.partner_id.in_(partner_ids),
            Deal.program_id == program_id,
            Deal.status == WON,
            Deal.closed_at >= now - YEAR,
            Deal.currency == api.Program.currency,
        )
        .group_by(Deal.partner_id)
    ).all()
    return {pid: float(total or 0) for pid, total in rows}


def approved_deals_12m(
    partner_ids: list[int], program_id: int, now: dt.datetime
) -> Mapping[int, float]:
    """Registrations approved in the last 12 months (whatever happened to them since)."""
    if not partner_ids:
        return {}
    rows = api.session.execute(
        select(Deal.partner_id, func.count(Deal.id))
        .where(
            Deal.partner_id.in_(partner_ids),
            Deal.program_id == program_id,
            Deal.status.in_(APPROVED_FAMILY),
            Deal.approved_at >= now - YEAR,
        )
        .group_by(Deal.partner_id)
    ).all()
    return {pid: float(n) for pid, n in rows}


def registered_deals_12m(
    partner_ids: list[int], program_id: int, now: dt.datetime
) -> Mapping[int, float]:
    """Registrations submitted in the last 12 months (drafts don't count)."""
    if not partner_ids:
        return {}
    rows = api.session.execute(
        select(Deal.partner_id, func.count(Deal.id))
        .where(
            Deal.partner_id.in_(partner_ids),
            Deal.program_id == program_id,
            Deal.status != DRAFT,
            Deal.submitted_at >= now - YEAR,
        )
        .group_by(Deal.partner_id)
    ).all()
    return {pid: float(n) for pid, n in rows}


def definitions() -> list[api.MetricDefinition]:
    """The metrics tier criteria can use (``portalis_tier_metrics``)."""
    return [
        api.MetricDefinition(
            "won_revenue_12m",
            _l("Won deal revenue, last 12 months"),
            won_revenue_12m,
            unit="money",
        ),
        api.MetricDefinition(
            "approved_deals_12m", _l("Approved deals, last 12 months"), approved_deals_12m
        ),
        api.MetricDefinition(
            "registered_deals_12m", _l("Registered deals, last 12 months"), registered_deals_12m
        ),
    ]
