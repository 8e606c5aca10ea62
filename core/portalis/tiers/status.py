"""Where a partner stands: current tier, progress towards the next, and the history."""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import select

from ..db import db
from ..models import Partner, Tier
from . import criteria
from .evaluation import program_metrics


def tier_status(partner: Partner) -> dict[str, Any]:
    """Current tier, progress on each criterion of the next tier, and the history."""
    tiers = db.session.scalars(
        select(Tier).where(Tier.program_id == partner.program_id).order_by(Tier.rank)
    ).all()
    current = next((t for t in tiers if t.id == partner.tier_id), None)
    higher = [t for t in tiers if current is None or t.rank > current.rank]
    nxt = higher[0] if higher else None
    needed = {
        c.metric for t in (current, nxt) if t is not None for c in criteria.conditions(t.criteria)
    }
    metrics = program_metrics(partner.program_id, [partner.id], only=needed)[partner.id]
    labels = {m.name: m for _p, m in g.portal.metric_definitions()}
    return {
        "tiers": tiers,
        "current": current,
        "next": nxt,
        "current_progress": criteria.progress(current.criteria, metrics) if current else [],
        "next_progress": criteria.progress(nxt.criteria, metrics) if nxt else [],
        "metrics": metrics,
        "metric_defs": labels,
    }
