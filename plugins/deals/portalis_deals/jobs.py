"""Scheduled work, run per tenant in that tenant's scope (the core commits afterwards).

* :func:`expire_and_remind` — reminder e-mails ``reminder_days_before`` days before a
  protection ends, then ``approved → expired`` once it has ended.
* :func:`flag_sla_breaches` — registrations waiting longer than the review SLA are
  flagged once, and the channel managers get one digest e-mail.

Both only touch programs that enable the plugin, work in bounded batches, and are
idempotent: running them twice in a row changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portalis import api

from . import notify, service
from .models import APPROVED, OPEN_STATUSES, Deal

BATCH = 500


def expire_and_remind(now: dt.datetime | None = None) -> dict[str, int]:
    now = now or api.utcnow()
    programs = api.programs_with_plugin(service.PLUGIN_NAME)
    counts = {"reminded": 0, "expired": 0}
    for program_id in programs:
        settings = service.settings_for(program_id)
        if settings.reminder_days_before:
            horizon = now + dt.timedelta(days=settings.reminder_days_before)
            due = api.session.scalars(
                select(Deal)
                .where(
                    Deal.program_id == program_id,
                    Deal.status == APPROVED,
                    Deal.protected_until.is_not(None),
                    Deal.protected_until > now,
                    Deal.protected_until <= horizon,
                    Deal.expiry_reminder_sent_at.is_(None),
                )
                .order_by(Deal.protected_until, Deal.id)
                .limit(BATCH)
            ).all()
            for deal in due:
                assert deal.protected_until is not None
                days_left = max(0, (deal.protected_until - now).days)
                deal.expiry_reminder_sent_at = now
                notify.expiring(deal, days_left)
                counts["reminded"] += 1
        ended = api.session.scalars(
            select(Deal)
            .where(
                Deal.program_id == program_id,
                Deal.status == APPROVED,
                Deal.protected_until.is_not(None),
                Deal.protected_until <= now,
            )
            .order_by(Deal.protected_until, Deal.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        for deal in ended:
            service.expire(deal, now=now)
            counts["expired"] += 1
    api.session.flush()
    return counts


def flag_sla_breaches(now: dt.datetime | None = None) -> int:
    now = now or api.utcnow()
    programs = api.programs_with_plugin(service.PLUGIN_NAME)
    if not programs:
        return 0
    rows = api.session.execute(
        select(Deal, api.Partner.name)
        .join(api.Partner, api.Partner.id == Deal.partner_id)
        .where(
            Deal.program_id.in_(programs),
            Deal.status.in_(OPEN_STATUSES),
            Deal.sla_due_at.is_not(None),
            Deal.sla_due_at <= now,
            Deal.sla_breached_at.is_(None),
        )
        .order_by(Deal.sla_due_at, Deal.id)
        .limit(BATCH)
    ).all()
    for deal, _name in rows:
        deal.sla_breached_at = now
        api.audit(
            "deal.sla_breached",
            "deal",
            deal.id,
            after={"sla_due_at": deal.sla_due_at.isoformat() if deal.sla_due_at else None},
            actor_label="scheduler",
        )
        api.emit(
            "deal.sla_breached",
            {"deal_id": deal.id, "partner_id": deal.partner_id},
            program_id=deal.program_id,
        )
    notify.sla_breached([(d, name) for d, name in rows], now)
    api.session.flush()
    return len(rows)
