"""Columns about training on the vendor's partner list."""

from __future__ import annotations

from collections.abc import Sequence

from portalis import api


def for_partners(partner_ids: Sequence[int]) -> list[api.PartnerSummary]:
    return []
