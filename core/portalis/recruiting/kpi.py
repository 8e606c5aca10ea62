"""Recruiting KPIs.

**Time to approval** of an application is ``decided_at - created_at`` of an approved
application: from the moment the applicant sent the form to the moment a reviewer
approved it (which creates the partner and sends the invitation). Declined and open
applications don't count; neither does the time the new partner takes to accept the
invitation. Reported as the median over the applications approved in a period.
"""

from __future__ import annotations

import datetime as dt
import statistics

from sqlalchemy import func, select

from ..db import db, utcnow
from ..models import Application


def approval_times(
    since: dt.datetime | None = None, program_id: int | None = None
) -> list[dt.timedelta]:
    """Time to approval of every application approved since ``since`` (default: 365 days)."""
    since = since or utcnow() - dt.timedelta(days=365)
    stmt = select(Application.created_at, Application.decided_at).where(
        Application.stage == "approved",
        Application.decided_at.is_not(None),
        Application.decided_at >= since,
    )
    if program_id is not None:
        stmt = stmt.where(Application.program_id == program_id)
    return [decided - created for created, decided in db.session.execute(stmt) if decided]


def median_days_to_approval(
    since: dt.datetime | None = None, program_id: int | None = None
) -> float | None:
    """The median time to approval in days (one decimal), or None when nothing was approved."""
    times = approval_times(since, program_id)
    if not times:
        return None
    return round(statistics.median(t.total_seconds() for t in times) / 86400, 1)


def new_count() -> int:
    """Applications nobody has started on: the number on the vendor's nav entry."""
    return (
        db.session.scalar(select(func.count(Application.id)).where(Application.stage == "new")) or 0
    )
