"""Review SLA clock in business hours.

A business hour is an hour on a working day (Monday to Friday) in the vendor's time zone:
"48 business hours" after a Friday-afternoon submission ends on Tuesday afternoon, not on
Sunday. Public holidays are not known to the portal and count as working days.
Pure functions (no clock, no database) so they can be tested exactly.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKEND = (5, 6)  # Saturday, Sunday (date.weekday())


def zone(name: str | None) -> dt.tzinfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _next_midnight(local: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    day = local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz)


def add_business_hours(start: dt.datetime, hours: float, tz: dt.tzinfo = dt.UTC) -> dt.datetime:
    """``start`` (aware) plus ``hours`` of working-day time in ``tz``; returns aware UTC.

    Time is measured in real elapsed hours (a 23-hour DST day counts 23), only weekend days
    are skipped. A start on a weekend begins counting on Monday at 00:00.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    remaining = dt.timedelta(hours=max(0.0, float(hours)))
    cur = start.astimezone(tz)
    if remaining == dt.timedelta(0):
        return cur.astimezone(dt.UTC)
    # each loop consumes (part of) one calendar day, so the loop is bounded
    while True:
        midnight = _next_midnight(cur, tz)
        if cur.weekday() in WEEKEND:
            cur = midnight
            continue
        available = midnight.astimezone(dt.UTC) - cur.astimezone(dt.UTC)
        if remaining <= available:
            return (cur.astimezone(dt.UTC) + remaining).astimezone(dt.UTC)
        remaining -= available
        cur = midnight


def business_hours_between(start: dt.datetime, end: dt.datetime, tz: dt.tzinfo = dt.UTC) -> float:
    """Working-day hours from ``start`` to ``end`` (0 if ``end`` is not after ``start``)."""
    if end <= start:
        return 0.0
    total = dt.timedelta(0)
    cur = start.astimezone(tz)
    stop = end.astimezone(dt.UTC)
    while cur.astimezone(dt.UTC) < stop:
        midnight = _next_midnight(cur, tz)
        upto = min(midnight.astimezone(dt.UTC), stop)
        if cur.weekday() not in WEEKEND:
            total += upto - cur.astimezone(dt.UTC)
        cur = midnight
    return total.total_seconds() / 3600
