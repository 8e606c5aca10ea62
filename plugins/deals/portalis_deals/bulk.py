"""Bulk decisions from the review queue: one decision (approve or reject) applied to the
registrations a reviewer ticked, row by row, with what happened to each.

The rules, whatever the form sent:

* the action is one of :data:`ACTIONS`, named exactly once — never a default;
* the selection is exactly the ids sent (at most :data:`LIMIT`), each read through
  :func:`access.visible` under a row lock: an id the reviewer can't see (another tenant's,
  a draft, none at all) is reported "not found" and never touched;
* a rejection needs its reason (the partners read it);
* every row's decision is its own transaction, audited by :mod:`service` as if taken on
  its own page, and the batch as a whole once more (``deal.bulk_decided``: action,
  selection, reason, outcome per row).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from portalis import api

from . import access, service
from .models import Deal

#: What a bulk decision may do. Anything else is refused, nothing is assumed.
ACTIONS = ("approve", "reject")
#: Most registrations one bulk decision may name (a queue page shows 50).
LIMIT = 200

#: Outcomes per row.
APPROVED = "approved"
REJECTED = "rejected"
BLOCKED = "blocked"  # not approved: the customer is already protected (flagged instead)
NOT_OPEN = "not_open"  # skipped: no longer waiting for review
NOT_FOUND = "not_found"  # skipped: no such registration for this reviewer
OUTCOMES = (APPROVED, REJECTED, BLOCKED, NOT_OPEN, NOT_FOUND)


class Refused(ValueError):
    """The request can't be a bulk decision (nothing was read or changed)."""


@dataclass
class Row:
    """One selected registration: what it is now, and what happened or will happen."""

    deal_id: int
    deal: Deal | None = None
    partner_name: str = ""
    outcome: str = ""

    @property
    def applies(self) -> bool:
        return self.outcome in (APPROVED, REJECTED)


def parse_action(values: list[str]) -> str:
    """The one action the form named; refused when missing, repeated or unknown."""
    if len(values) != 1 or values[0] not in ACTIONS:
        raise Refused("action")
    return values[0]


def parse_ids(values: list[str]) -> list[int]:
    """The selected ids in the order sent, without repeats; refused when there are none,
    too many, or any that is not an id (a tampered form is not half-applied)."""
    if not values:
        raise Refused("empty")
    if len(values) > LIMIT:
        raise Refused("too_many")
    ids: list[int] = []
    for raw in values:
        deal_id = api.valid_id(raw)
        if deal_id is None:
            raise Refused("ids")
        if deal_id not in ids:
            ids.append(deal_id)
    return ids


def _visible_deals(ids: list[int], viewer: api.Viewer, *, lock: bool) -> dict[int, Any]:
    stmt = access.visible(
        select(Deal, api.Partner.name)
        .join(api.Partner, api.Partner.id == Deal.partner_id)
        .where(Deal.id.in_(ids)),
        viewer,
    ).order_by(Deal.id)
    if lock:
        stmt = service.for_update(stmt)
    return {deal.id: (deal, name) for deal, name in api.session.execute(stmt)}


def preview(ids: list[int], action: str, viewer: api.Viewer) -> list[Row]:
    """What ``action`` would do to each selected registration (for the confirmation)."""
    found = _visible_deals(ids, viewer, lock=False)
    rows = []
    for deal_id in ids:
        deal, name = found.get(deal_id, (None, ""))
        if deal is None:
            outcome = NOT_FOUND
        elif not service.can(deal, action):
            outcome = NOT_OPEN
        else:
            outcome = APPROVED if action == "approve" else REJECTED
        rows.append(Row(deal_id, deal, name, outcome))
    return rows


def apply(
    ids: list[int], action: str, actor: api.User, viewer: api.Viewer, reason: str
) -> list[Row]:
    """Apply ``action`` to exactly the selected registrations the viewer may see; returns
    what happened to each, in the order selected.

    Each row is its own decision and its own transaction: read under a row lock, checked,
    decided, committed — as if decided on its own page, so one row's trouble never undoes
    another's, and each row's mails and events go out after its commit. (Savepoints are
    not used: the core runs after-commit work when a savepoint is released.) The batch
    entry in the audit log is added last, for the caller to commit."""
    if action not in ACTIONS:
        raise Refused("action")
    reason = (reason or "").strip()
    if action == "reject" and not reason:
        raise Refused("reason")
    rows = []
    for deal_id in ids:
        deal, name = _visible_deals([deal_id], viewer, lock=True).get(deal_id, (None, ""))
        row = Row(deal_id, deal, name)
        rows.append(row)
        if deal is None:
            row.outcome = NOT_FOUND
        elif not service.can(deal, action):  # decided meanwhile, by someone else
            row.outcome = NOT_OPEN
        elif action == "approve":
            approved = service.approve(deal, actor, reason=reason).approved
            row.outcome = APPROVED if approved else BLOCKED
        else:
            service.reject(deal, actor, reason)
            row.outcome = REJECTED
        api.session.commit()
    api.audit(
        "deal.bulk_decided",
        "deal",
        None,
        after={
            "action": action,
            "selected": ids,
            "reason": reason,
            "outcomes": {str(r.deal_id): r.outcome for r in rows},
        },
    )
    return rows


def counts(rows: list[Row]) -> dict[str, int]:
    out = dict.fromkeys(OUTCOMES, 0)
    for r in rows:
        out[r.outcome] += 1
    return out
