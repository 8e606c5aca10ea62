"""What a tier gives: the benefit values vendors set per tier, as plugins read them."""

from __future__ import annotations

from typing import Any

from ..db import db
from ..models import Tier


def tier_benefit(tier_id: int | None, key: str, default: Any = None) -> Any:
    """A benefit value of a tier (e.g. ``deal_discount_pct``), or ``default``."""
    if tier_id is None:
        return default
    tier = db.session.get(Tier, tier_id)
    return (tier.benefits or {}).get(key, default) if tier else default
