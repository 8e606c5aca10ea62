"""Where a partner stands: current tier, progress towards the next, and whether the tier
is at risk (grace period running) or a change is waiting for the vendor's approval."""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import and_, select

from ..db import db
from ..models import Partner, Program, Tier
from ..models.programs import OPEN_REVIEW_STATES, TierReview
from . import criteria
from .evaluation import program_metrics


def tier_status(partner: Partner) -> dict[str, Any]:
    """Current tier, progress on each criterion of the next tier, and the history."""
    # the tiers, and the partner's open review on the row of the tier it is from (one
    # statement: the dashboard widget calls this on every visit)
    rows = db.session.execute(
        select(Tier, TierReview)
        .outerjoin(
            TierReview,
            and_(
                TierReview.from_tier_id == Tier.id,
                TierReview.partner_id == partner.id,
                TierReview.program_id == Tier.program_id,
                TierReview.state.in_(OPEN_REVIEW_STATES),
            ),
        )
        .where(Tier.program_id == partner.program_id)
        .order_by(Tier.rank, TierReview.id.desc())
    ).all()
    tiers = list(dict.fromkeys(t for t, _r in rows))
    review = next((r for t, r in rows if r is not None and t.id == partner.tier_id), None)
    if partner.tier_locked:
        review = None  # a manual override pins the tier: nothing is pending
    current = next((t for t in tiers if t.id == partner.tier_id), None)
    higher = [t for t in tiers if current is None or t.rank > current.rank]
    nxt = higher[0] if higher else None
    plain, named = criteria.needed(t.criteria for t in (current, nxt) if t is not None)
    metrics = program_metrics(partner.program_id, [partner.id], only=plain, named=named)[partner.id]
    labels = {m.name: m for _p, m in g.portal.metric_definitions()}
    current_progress = criteria.progress(current.criteria, metrics) if current else []
    program = db.session.get(Program, partner.program_id) if review else None
    by_id = {t.id: t for t in tiers}
    return {
        "tiers": tiers,
        "current": current,
        "next": nxt,
        "current_progress": current_progress,
        "next_progress": criteria.progress(nxt.criteria, metrics) if nxt else [],
        "metrics": metrics,
        "metric_defs": labels,
        #: the open review: ``review.state`` "at_risk" (``review.due_at``: the tier is kept
        #: until then) or "proposed" (waiting for the vendor); None when nothing is pending
        "review": review,
        #: "automatic" or "review": what happens when the grace period ends
        "review_policy": program.tier_policy if program else None,
        "review_to": by_id.get(review.to_tier_id) if review and review.to_tier_id else None,
        "review_down": bool(
            review
            and current is not None
            and (
                review.to_tier_id is None
                or (review.to_tier_id in by_id and by_id[review.to_tier_id].rank < current.rank)
            )
        ),
        #: what the partner must meet again to keep the current tier
        "keep_missing": [p for p in current_progress if not p.met],
    }
