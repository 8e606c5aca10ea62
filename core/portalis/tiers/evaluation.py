"""Tier evaluation: compute every partner's metrics in batches, find the best tier whose
criteria hold, and act on it under the program's tier change policy.

Two ways in:

* :func:`run_scheduled` — the daily job (:func:`scheduled_evaluation`) — honours the
  program's ``tier_policy`` and ``tier_grace_days``. A promotion is applied at once
  (``automatic``) or proposed (``review``). A demotion first puts the partner *at risk*
  until the grace period ends; if it meets its tier's criteria again before then nothing
  changes, afterwards the demotion is applied (``automatic``) or proposed (``review``).
  Proposals wait for a channel manager: :func:`approve`, :func:`reject`. Rejecting a
  demotion gives the partner a new grace period; a rejected promotion is not proposed
  again during the grace period.
* :func:`evaluate_program` is a person asking: the dry run previews who would move, why,
  and what the scheduled run will do about it (:attr:`Decision.outcome`);
  ``dry_run=False`` applies every change now (the preview's "apply now" and
  ``portalis tiers evaluate``).

Every applied change records a ``tier_changes`` row with the metric values, an audit
entry, an event and an e-mail (:func:`apply_change`). A partner whose tier is pinned by a
manual override is reported, never moved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select

from .. import audit, events, mail
from ..db import db, utcnow
from ..identity.sessions import end_sessions
from ..models import Partner, Program, Tier, TierChange, User
from ..models.programs import OPEN_REVIEW_STATES, TierReview
from ..roles import Role
from . import criteria

AUTOMATIC = "automatic"
REVIEW = "review"


@dataclass
class Decision:
    partner_id: int
    partner_name: str
    from_tier: Tier | None
    to_tier: Tier | None
    metrics: dict[str, float]
    locked: bool = False
    #: conditions of the current tier now unmet: {"metric", "op", "threshold"} each, the
    #: metric as its key in ``metrics`` (``active_certifications("…")`` for a named one)
    failed: list[dict[str, Any]] = field(default_factory=list)
    #: What the scheduled evaluation does about it, under the program's policy and grace:
    #: ``"none"``, ``"apply"``, ``"propose"``, ``"at_risk"`` (a demotion that waits until
    #: ``due_at``) or ``"held"`` (a rejected promotion, not proposed again before ``due_at``).
    outcome: str = "none"
    due_at: dt.datetime | None = None
    #: The partner's open review (at risk or proposed) before this evaluation.
    review: TierReview | None = None

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
    named: Collection[tuple[str, str]] = (),
) -> dict[int, dict[str, float]]:
    """``{partner_id: {metric: value}}`` from every metric of a plugin enabled for the
    program (or only the metrics named in ``only``: a page computes what it shows).

    ``named`` adds the variants criteria name with a text — ``("active_certifications",
    "Certified Sales Professional")`` — each computed once for the whole batch by the
    metric's ``compute_for`` and keyed ``criteria.metric_key(name, text)``. A pair whose
    metric is off for the program or takes no text is left out (criteria read it as 0)."""
    portal = current_app.extensions["portalis"]
    now = now or utcnow()
    enabled = portal.enabled_plugins_for_program(program_id)
    out: dict[int, dict[str, float]] = {pid: {} for pid in partner_ids}
    arguments: dict[str, list[str]] = {}
    for name, argument in sorted(set(named)):
        arguments.setdefault(name, []).append(argument)
    for plugin, metric in portal.metric_definitions():
        if plugin != "core" and plugin not in enabled:
            continue
        if only is None or metric.name in only:
            _store(out, metric.name, metric.compute(partner_ids, program_id, now))
        if metric.compute_for is None:
            continue
        for argument in arguments.get(metric.name, ()):
            _store(
                out,
                criteria.metric_key(metric.name, argument),
                metric.compute_for(partner_ids, program_id, now, argument),
            )
    return out


def _store(out: dict[int, dict[str, float]], key: str, values: Any) -> None:
    for pid, row in out.items():
        row[key] = float(values.get(pid, 0) or 0)


def best_tier(tiers_desc: list[Tier], metrics: dict[str, float]) -> Tier | None:
    for tier in tiers_desc:
        if criteria.evaluate(tier.criteria, metrics):
            return tier
    return tiers_desc[-1] if tiers_desc else None


def grace(program: Program) -> dt.timedelta:
    return dt.timedelta(days=max(0, program.tier_grace_days or 0))


@dataclass
class _Assessment:
    program: Program
    decisions: list[Decision]
    partners: dict[int, Partner]
    tiers: dict[int, Tier]


def _assess(program: Program, now: dt.datetime) -> _Assessment:
    """Who belongs where, and what the scheduled run does about it. Changes nothing."""
    tiers = db.session.scalars(
        select(Tier).where(Tier.program_id == program.id).order_by(Tier.rank.desc())
    ).all()
    by_id = {t.id: t for t in tiers}
    partners = db.session.scalars(
        select(Partner)
        .where(Partner.program_id == program.id, Partner.status == "active")
        .order_by(Partner.name)
    ).all()
    _plain, named = criteria.needed(t.criteria for t in tiers)
    metrics = program_metrics(program.id, [p.id for p in partners], now, named=named)
    open_reviews = {
        r.partner_id: r
        for r in db.session.scalars(
            select(TierReview).where(
                TierReview.program_id == program.id, TierReview.state.in_(OPEN_REVIEW_STATES)
            )
        )
    }
    rejected = {
        r.partner_id: r
        for r in db.session.scalars(
            select(TierReview)
            .where(
                TierReview.program_id == program.id,
                TierReview.state == "rejected",
                TierReview.decided_at > now - grace(program),
            )
            .order_by(TierReview.decided_at)
        )
    }
    decisions: list[Decision] = []
    for p in partners:
        current = by_id.get(p.tier_id) if p.tier_id else None
        target = best_tier(list(tiers), metrics[p.id])
        d = Decision(p.id, p.name, current, target, metrics[p.id], locked=p.tier_locked)
        d.review = open_reviews.get(p.id)
        if current is not None:
            # stored as data, not text, so pages format the number in the reader's locale
            d.failed = [
                {
                    "metric": pr.condition.key,
                    "op": pr.condition.op,
                    "threshold": pr.condition.threshold,
                }
                for pr in criteria.progress(current.criteria, metrics[p.id])
                if not pr.met
            ]
        if d.changes:
            d.outcome, d.due_at = _outcome(program, d, rejected.get(p.id), now)
        decisions.append(d)
    return _Assessment(program, decisions, {p.id: p for p in partners}, by_id)


def _outcome(
    program: Program, d: Decision, rejection: TierReview | None, now: dt.datetime
) -> tuple[str, dt.datetime | None]:
    settle = "apply" if program.tier_policy == AUTOMATIC else "propose"
    from_id = d.from_tier.id if d.from_tier else None
    to_id = d.to_tier.id if d.to_tier else None
    if d.direction != "down":
        if (
            rejection is not None
            and rejection.decided_at is not None
            and (rejection.from_tier_id, rejection.to_tier_id) == (from_id, to_id)
        ):
            return "held", rejection.decided_at + grace(program)
        return settle, None
    open_ = d.review
    if open_ is not None and open_.from_tier_id == from_id and open_.due_at is not None:
        due = open_.due_at  # the grace period already running (or over: proposed)
    else:
        due = now + grace(program)
    return ("at_risk", due) if due > now else (settle, due)


def evaluate_program(
    program_id: int,
    *,
    dry_run: bool,
    actor_user_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[Decision]:
    """A person evaluates: the dry run changes nothing; otherwise every change found is
    applied now, whatever the policy and grace period (the person decided)."""
    now = now or utcnow()
    program = db.session.get(Program, program_id)
    if program is None:
        return []
    found = _assess(program, now)
    if not dry_run:
        for d in found.decisions:
            if d.changes:
                apply_change(
                    found.partners[d.partner_id],
                    d.to_tier,
                    source="evaluation",
                    metrics=d.metrics,
                    actor_user_id=actor_user_id,
                )
        db.session.commit()
    return found.decisions


def run_scheduled(program_id: int, now: dt.datetime | None = None) -> list[Decision]:
    """The scheduled evaluation of one program, under its policy and grace period."""
    now = now or utcnow()
    program = db.session.get(Program, program_id)
    if program is None:
        return []
    found = _assess(program, now)
    for d in found.decisions:
        partner = found.partners[d.partner_id]
        open_ = d.review
        if d.outcome in ("none", "held"):
            if open_ is not None:
                _close(open_, "superseded" if d.locked else "cleared", now)
            continue
        if d.outcome == "apply":
            apply_change(partner, d.to_tier, source="evaluation", metrics=d.metrics)
            continue
        _record_review(found, d, open_, now)
    program.tiers_evaluated_at = now
    db.session.commit()
    return found.decisions


def _record_review(
    found: _Assessment, d: Decision, open_: TierReview | None, now: dt.datetime
) -> None:
    """Start or refresh the partner's open review: at risk, or proposed."""
    state = "at_risk" if d.outcome == "at_risk" else "proposed"
    from_id = d.from_tier.id if d.from_tier else None
    to_id = d.to_tier.id if d.to_tier else None
    same = (
        open_ is not None
        and open_.from_tier_id == from_id
        and _is_down(found.tiers, open_) == (d.direction == "down")
    )
    if open_ is not None and not same:
        _close(open_, "cleared", now)
    review = open_ if same and open_ is not None else None
    if review is None:
        review = TierReview(
            program_id=found.program.id,
            partner_id=d.partner_id,
            from_tier_id=from_id,
            created_at=now,
        )
        db.session.add(review)
    started = review.state != state
    review.state = state
    review.to_tier_id = to_id
    review.metrics = dict(d.metrics)
    review.failed = list(d.failed)
    review.due_at = d.due_at
    review.updated_at = now
    if started:
        db.session.flush()
        audit.record(
            "partner.tier_at_risk" if state == "at_risk" else "partner.tier_proposed",
            "partner",
            d.partner_id,
            before={"tier_id": from_id},
            after={
                "tier_id": to_id,
                "due_at": d.due_at.isoformat() if d.due_at else None,
                "metrics": dict(d.metrics),
            },
        )


def _is_down(tiers: dict[int, Tier], review: TierReview) -> bool:
    frm = tiers.get(review.from_tier_id) if review.from_tier_id else None
    to = tiers.get(review.to_tier_id) if review.to_tier_id else None
    return frm is not None and (to is None or to.rank < frm.rank)


def _close(
    review: TierReview, state: str, now: dt.datetime, actor_user_id: int | None = None
) -> None:
    review.state = state
    review.decided_at = now
    review.decided_by_id = actor_user_id
    review.updated_at = now


def _close_open_reviews(partner_id: int, state: str, *, actor_user_id: int | None) -> None:
    now = utcnow()
    for review in db.session.scalars(
        select(TierReview).where(
            TierReview.partner_id == partner_id, TierReview.state.in_(OPEN_REVIEW_STATES)
        )
    ):
        _close(review, state, now, actor_user_id)


def open_reviews(program_id: int) -> list[TierReview]:
    """The program's open reviews (at risk and proposed) of active, unpinned partners."""
    return list(
        db.session.scalars(
            select(TierReview)
            .join(Partner, Partner.id == TierReview.partner_id)
            .where(
                TierReview.program_id == program_id,
                TierReview.state.in_(OPEN_REVIEW_STATES),
                Partner.status == "active",
                Partner.tier_locked.is_(False),
            )
            .order_by(Partner.name)
        )
    )


def approve(
    program_id: int,
    review_ids: Iterable[int],
    *,
    actor_user_id: int | None,
    now: dt.datetime | None = None,
) -> tuple[int, int]:
    """Apply these proposals of the program, in the caller's transaction; returns
    ``(applied, stale)``. A proposal is stale (closed, nothing moves) when the partner's
    tier changed or was pinned since the evaluation proposed it."""
    applied = stale = 0
    now = now or utcnow()
    for review in _proposals(program_id, review_ids):
        partner = db.session.get(Partner, review.partner_id)
        target = db.session.get(Tier, review.to_tier_id) if review.to_tier_id else None
        if (
            partner is None
            or partner.tier_locked
            or partner.status != "active"
            or partner.program_id != program_id
            or partner.tier_id != review.from_tier_id
            or (
                review.to_tier_id is not None
                and (target is None or target.program_id != program_id)
            )
        ):
            _close(review, "superseded", now, actor_user_id)
            stale += 1
            continue
        apply_change(
            partner,
            target,
            source="evaluation",
            metrics=review.metrics,
            actor_user_id=actor_user_id,
        )
        applied += 1
    return applied, stale


def reject(
    program_id: int,
    review_ids: Iterable[int],
    *,
    actor_user_id: int | None,
    now: dt.datetime | None = None,
) -> int:
    """Reject these proposals, in the caller's transaction (audited); returns how many."""
    now = now or utcnow()
    count = 0
    for review in _proposals(program_id, review_ids):
        _close(review, "rejected", now, actor_user_id)
        audit.record(
            "partner.tier_proposal_rejected",
            "partner",
            review.partner_id,
            before={"tier_id": review.from_tier_id},
            after={"proposed_tier_id": review.to_tier_id},
        )
        count += 1
    return count


def _proposals(program_id: int, review_ids: Iterable[int]) -> list[TierReview]:
    ids = sorted({int(i) for i in review_ids})
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(TierReview)
            .where(
                TierReview.id.in_(ids),
                TierReview.program_id == program_id,
                TierReview.state == "proposed",
            )
            .order_by(TierReview.id)
        )
    )


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
    _close_open_reviews(
        partner.id,
        "applied" if source == "evaluation" else "superseded",
        actor_user_id=actor_user_id,
    )
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


def change_tier(partner: Partner, tier_id: int, *, reason: str) -> bool:
    """Move a partner to another tier of its program on a plugin's behalf ("onboarding
    complete: Silver"), in the caller's transaction, with history, audit, event and e-mail
    like any other move (source ``plugin``).

    Returns False and changes nothing when the partner is already on that tier, when a
    vendor pinned its tier (a person's decision outranks automation), or when the tier is
    not one of the partner's program (a plugin may not move partners between programs).
    """
    tier = db.session.get(Tier, tier_id)
    if (
        tier is None
        or tier.program_id != partner.program_id
        or partner.tier_locked
        or partner.tier_id == tier.id
    ):
        return False
    apply_change(partner, tier, source="plugin", reason=reason[:500])
    return True


def _notify(partner: Partner, target: Tier | None) -> None:
    admins = db.session.scalars(
        select(User).where(
            User.partner_id == partner.id, User.role == Role.PARTNER_ADMIN, User.active.is_(True)
        )
    ).all()
    program = db.session.get(Program, partner.program_id)
    mail.send_to_users(admins, "tier_changed", partner=partner, tier=target, program=program)


def evaluate_all(*, dry_run: bool) -> dict[int, list[Decision]]:
    """Every program of the current tenant, evaluated by a person (the CLI uses this)."""
    programs = db.session.scalars(select(Program.id).order_by(Program.id)).all()
    return {pid: evaluate_program(pid, dry_run=dry_run) for pid in programs}


def scheduled_evaluation(now: dt.datetime | None = None) -> dict[int, list[Decision]]:
    """Periodic job body (daily), run once per tenant: each program under its policy."""
    programs = db.session.scalars(select(Program.id).order_by(Program.id)).all()
    return {pid: run_scheduled(pid, now) for pid in programs}
