"""Tier metrics contributed by the content library."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import func, select

from portalis import api

from .models import Download, Item


def downloads_90d(partner_ids: list[int], program_id: int, now: dt.datetime) -> Mapping[int, float]:
    """Library downloads (not previews) by each partner's users in the last 90 days."""
    if not partner_ids:
        return {}
    since = now - dt.timedelta(days=90)
    rows = api.session.execute(
        select(Download.partner_id, func.count(Download.id))
        .join(Item, Item.id == Download.item_id)
        .where(
            Download.partner_id.in_(partner_ids),
            Download.created_at >= since,
            Item.program_id == program_id,
        )
        .group_by(Download.partner_id)
    ).all()
    return {pid: float(n) for pid, n in rows}
