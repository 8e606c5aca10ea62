"""Tier evaluation: compute every partner's metrics in batches, find the best tier whose
criteria hold, and (unless it is a dry run) move partners, record why, and notify them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from .. import audit, events, mail
from ..db import db, utcnow
from ..identity.sessions import end_sessions
from ..models import Partner, Program, Tier, TierChange, User
from ..roles import Role
from . import criteria


@dataclass
class Decision:
    partner_id: int
    partner_name: str
    from_tier: Tier | None
    to_tier: Tier | None
    metrics: dict[str, float]
    locked: bool = False
    failed: list[str] = field(default_factory=list)  # conditions of the current tier now unmet

    @property
    def changes(self) -> bool:
        return not self.locked and self.from_tier is not self.to_tier

    @property
    def direction(self) -> str:
        if self.from_tier is None or self.to_tier is None:
            return "set"
        return "up" if self.to_tier.rank > self.from_tier.rank else "down"


def program_metrics(
    program_id: int,
    partner_ids: list[int],
    now: dt.datetime | None = None,
    only: set[str] | None = None,
) -> dict[int, dict[str, float]]:
    """``{partner_id: {metric: value}}`` from every metric of a plugin enabled for the
    program (or only the metrics named in ``only``: a page computes what it shows)."""
    portal = current_app.extensions["portalis"]
    now = now or utcnow()
    enabled = portal.enabled_plugins_for_program(program_id)
    out: dict[int, dict[str, float]] = {pid: {} for pid in partner_ids}
    for plugin, metric in portal.metric_definitions():
        if (plugin != "core" and plugin not in enabled) or (
            only is not None and metric.name not in only
        ):
            continue
        values = metric.compute(partner_ids, program_id, now)
        for pid in partner_ids:
            out[pid][metric.name] = float(values.get(pid, 0) or 0)
    return out


def best_tier(tiers_desc: list[Tier], metrics: dict[str, float]) -> Tier | None:
    for tier in tiers_desc:
        if criteria.evaluate(tier.criteria, metrics):
            return tier
    return tiers_desc[-1] if tiers_desc else None


def evaluate_program(
    program_id: int, *, dry_run: bool, actor_user_id: int | None = None
) -> list[Decision]:
    tiers = db.session.scalars(
        select(Tier).where(Tier.program_id == program_id).order_by(Tier.rank.desc())
    ).all()
    by_id = {t.id: t for t in tiers}
    partners = db.session.scalars(
        select(Partner)
        .where(Partner.program_id == program_id, Partner.status == "active")
        .order_by(Partner.name)
    ).all()
    metrics = program_metrics(program_id, [p.id for p in partners])
    decisions: list[Decision] = []
    for p in partners:
        current = by_id.get(p.tier_id) if p.tier_id else None
        target = best_tier(list(tiers), metrics[p.id])
        d = Decision(p.id, p.name, current, target, metrics[p.id], locked=p.tier_locked)
        if current is not None:
            d.failed = [
                f"{pr.condition.metric} {pr.condition.op} {pr.condition.threshold:g}"
                for pr in criteria.progress(current.criteria, metrics[p.id])
                if not pr.met
            ]
        decisions.append(d)
        if d.changes and not dry_run:
            apply_change(
                p, target, source="evaluation", metrics=metrics[p.id], actor_user_id=actor_user_id
            )
    if not dry_run:
        db.session.commit()
    return decisions


def apply_change(
    partner: Partner,
    target: Tier | None,
    *,
    source: str,
    metrics: dict[str, Any] | None = None,
    reason: str = "",
    actor_user_id: int | None = None,
) -> TierChange:
    """Move one partner, in the caller's transaction: history, audit, event, e-mail.

    A tier of another program moves the partner to that program. A move that can take
    something away — down a tier, to no tier, or to another program — signs the company's
    people out (:func:`~portalis.identity.sessions.end_sessions`); a promotion does not."""
    old = partner.tier_id
    old_tier = db.session.get(Tier, old) if old is not None else None
    partner.tier_id = target.id if target else None
    moved_program = target is not None and target.program_id != partner.program_id
    if moved_program:
        assert target is not None
        partner.program_id = target.program_id
    lowered = old_tier is not None and (target is None or target.rank < old_tier.rank)
    if moved_program or lowered:
        end_sessions(
            db.session.scalars(select(User.id).where(User.partner_id == partner.id)),
            reason="program_changed" if moved_program else "tier_lowered",
        )
    change = TierChange(
        partner_id=partner.id,
        from_tier_id=old,
        to_tier_id=partner.tier_id,
        source=source,
        reason=reason,
        metrics=dict(metrics or {}),
        actor_user_id=actor_user_id,
    )
    db.session.add(change)
    audit.record(
        "partner.tier_changed",
        "partner",
        partner.id,
        before={"tier_id": old},
        after={"tier_id": partner.tier_id, "source": source, "reason": reason},
    )
    events.emit(
        "partner.tier_changed",
        {
            "partner_id": partner.id,
            "from_tier_id": old,
            "to_tier_id": partner.tier_id,
            "source": source,
        },
        program_id=partner.program_id,
        actor_user_id=actor_user_id,
    )
    _notify(partner, target)
    return change


def _notify(partner: Partner, target: Tier | None) -> None:
    admins = db.session.scalars(
        select(User).where(
            User.partner_id == partner.id, User.role == Role.PARTNER_ADMIN, User.active.is_(True)
        )
    ).all()
    program = db.session.get(Program, partner.program_id)
    for u in admins:
        mail.send(
            u.email,
            "tier_changed",
            locale=u.locale,
            user=u,
            partner=partner,
            tier=target,
            program=program,
        )


def evaluate_all(*, dry_run: bool) -> dict[int, list[Decision]]:
    """Every program of the current tenant (the scheduled job and the CLI use this)."""
    programs = db.session.scalars(select(Program.id).order_by(Program.id)).all()
    return {pid: evaluate_program(pid, dry_run=dry_run) for pid in programs}


def scheduled_evaluation() -> None:
    """Periodic job body (daily), run once per tenant."""
    evaluate_all(dry_run=False)
