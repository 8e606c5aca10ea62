"""Tier metric: whether a partner has signed every agreement it is asked to sign (0/1), so
a program can require it for a tier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from . import service


def all_signed(partner_ids: list[int], program_id: int, now: dt.datetime) -> Mapping[int, float]:
    """1 for partners with at least one current agreement, all of them signed; else 0."""
    counts = service.counts_by_partner(partner_ids)
    return {
        pid: 1.0 if total and signed == total else 0.0 for pid, (signed, total) in counts.items()
    }
