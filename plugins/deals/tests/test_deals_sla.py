"""The review SLA clock counts working-day hours in the vendor's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from portalis_deals.sla import add_business_hours, business_hours_between

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def at(tz, *args):
    return dt.datetime(*args, tzinfo=tz)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Monday 10:00 + 48h → Wednesday 10:00
        (at(NY, 2026, 3, 2, 10), 48, at(NY, 2026, 3, 4, 10)),
        # Friday 15:00 + 48h → skips the weekend → Tuesday 15:00
        (at(NY, 2026, 3, 6, 15), 48, at(NY, 2026, 3, 10, 15)),
        # Saturday: the clock starts on Monday 00:00
        (at(NY, 2026, 3, 7, 11), 24, at(NY, 2026, 3, 10, 0)),
        # Sunday 23:30 → Monday 00:00 + 1h
        (at(BERLIN, 2026, 3, 8, 23, 30), 1, at(BERLIN, 2026, 3, 9, 1)),
        # zero hours: unchanged
        (at(NY, 2026, 3, 2, 10), 0, at(NY, 2026, 3, 2, 10)),
    ],
)
def test_add_business_hours(start, hours, expected):
    result = add_business_hours(start, hours, start.tzinfo)
    assert result == expected
    assert result.tzinfo == dt.UTC


def test_weekday_is_judged_in_the_vendors_time_zone():
    # Friday 23:00 in New York is already Saturday in UTC: still 1 hour of Friday left
    start = at(NY, 2026, 3, 6, 23)
    assert add_business_hours(start, 2, NY) == at(NY, 2026, 3, 9, 1)
    # judged in UTC it is Saturday 04:00 already: counting starts Monday 00:00 UTC
    assert add_business_hours(start, 2, dt.UTC) == dt.datetime(2026, 3, 9, 2, tzinfo=dt.UTC)


def test_dst_change_counts_real_hours():
    # US clocks go forward on Sunday 2026-03-08: the weekend doesn't count anyway,
    # Monday has 24 real hours
    start = at(NY, 2026, 3, 6, 12)
    end = add_business_hours(start, 24, NY)
    assert end == at(NY, 2026, 3, 9, 12)


def test_business_hours_between_is_the_inverse():
    start = at(NY, 2026, 3, 5, 9, 30)
    for hours in (1, 13.5, 48, 72, 200):
        end = add_business_hours(start, hours, NY)
        assert business_hours_between(start, end, NY) == pytest.approx(hours)


def test_naive_start_is_refused():
    with pytest.raises(ValueError):
        add_business_hours(dt.datetime(2026, 3, 2, 10), 1)
