"""The "Training" column of the vendor's partner list ("4 certified · 12 completed
(90 days)"): how many of each company's people
are certified now and how many courses they completed in the last 90 days — the same
counts as the tier metrics ``active_certifications`` and ``training_completions_90d``
(:mod:`metrics`). Two grouped statements for the whole page of partners."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select

from portalis import api

from .i18n import _, ngettext
from .models import Certificate, Enrolment
from .reports import active_certificate_clause, holder_clause

WINDOW = dt.timedelta(days=90)


def certified_people(partner_ids: Sequence[int], now: dt.datetime) -> dict[int, int]:
    """People per company holding an active certificate (each counted once), among the
    company's active people."""
    if not partner_ids:
        return {}
    rows = api.session.execute(
        select(Certificate.partner_id, func.count(Certificate.user_id.distinct()))
        .where(
            Certificate.partner_id.in_(partner_ids),
            active_certificate_clause(now),
            holder_clause(),
        )
        .group_by(Certificate.partner_id)
    ).all()
    return {pid: int(n) for pid, n in rows}


def completions(partner_ids: Sequence[int], now: dt.datetime) -> dict[int, int]:
    """Course runs completed per company in the 90 days up to ``now``."""
    if not partner_ids:
        return {}
    rows = api.session.execute(
        select(Enrolment.partner_id, func.count(Enrolment.id))
        .where(
            Enrolment.partner_id.in_(partner_ids),
            Enrolment.completed_at.is_not(None),
            Enrolment.completed_at > now - WINDOW,
            Enrolment.completed_at <= now,
        )
        .group_by(Enrolment.partner_id)
    ).all()
    return {pid: int(n) for pid, n in rows}


def for_partners(partner_ids: Sequence[int]) -> list[api.PartnerSummary]:
    ids = list(partner_ids)
    if not ids:
        return []
    now = api.utcnow()
    certified = certified_people(ids, now)
    done = completions(ids, now)
    label = _("Training")
    out = []
    for pid in ids:
        n_cert, n_done = certified.get(pid, 0), done.get(pid, 0)
        if not n_cert and not n_done:
            text = _("No training yet")
        else:
            text = ngettext(
                "%(num)s certified · %(completions)s completed (90 days)",
                "%(num)s certified · %(completions)s completed (90 days)",
                n_cert,
                completions=n_done,
            )
        out.append(api.PartnerSummary(partner_id=pid, label=label, text=text))
    return out
