"""The domain rules: editing a program's checklist, completing tasks (by hand or by a
milestone event), and finishing a partner's onboarding — with audit, events and mail.

No Flask request objects here, so the event subscriber, the periodic job and tests call
it; the caller commits. Every write is idempotent where an event can repeat it: a task
completes once per partner, a partner finishes once per program.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from portalis import api

from . import milestones, notify, progress
from .i18n import _
from .models import (
    MANUAL,
    MAX_DUE_DAYS,
    OWNER_SIDES,
    PARTNER,
    Checklist,
    Completion,
    MilestoneReached,
    Task,
    TaskState,
)

VENDOR_ROLES = (api.Role.VENDOR_ADMIN, api.Role.CHANNEL_MANAGER)


class OnboardingError(ValueError):
    """A refused change; ``str(exc)`` is a translated message for the person who asked."""


# --- the checklist (vendor side) --------------------------------------------------------


def checklist_for(program_id: int) -> Checklist:
    """The program's checklist settings, created with defaults on first use."""
    checklist = api.session.scalars(
        select(Checklist).where(Checklist.program_id == program_id)
    ).first()
    if checklist is None:
        checklist = Checklist(program_id=program_id)
        api.session.add(checklist)
        api.session.flush()
    return checklist


def _vendor_user(user_id: int | None) -> int | None:
    if user_id is None:
        return None
    ok = api.session.scalar(
        select(func.count(api.User.id)).where(
            api.User.id == user_id, api.User.role.in_(VENDOR_ROLES), api.User.active.is_(True)
        )
    )
    if not ok:
        raise OnboardingError(_("Choose an active member of your staff as the owner."))
    return user_id


def _clean(
    *,
    title: str,
    description: str,
    owner_side: str,
    owner_user_id: int | None,
    due_days: int | None,
    milestone: str,
) -> dict[str, Any]:
    title = (title or "").strip()
    if not title:
        raise OnboardingError(_("Give the task a title."))
    if owner_side not in OWNER_SIDES:
        raise OnboardingError(_("Choose who does the task: the partner or your staff."))
    if due_days is not None and not 0 <= due_days <= MAX_DUE_DAYS:
        raise OnboardingError(
            _("The due date must be between 0 and %(max)s days after joining.", max=MAX_DUE_DAYS)
        )
    milestone = (milestone or "").strip()
    if milestone and milestone not in milestones.available():
        raise OnboardingError(_("That milestone does not exist. Choose one from the list."))
    if owner_side == PARTNER:
        owner_user_id = None  # a partner-side task is owned per partner (assignee)
    return {
        "title": title[:200],
        "description": (description or "").strip(),
        "owner_side": owner_side,
        "owner_user_id": _vendor_user(owner_user_id),
        "due_days": due_days,
        "milestone": milestone,
    }


def _audit_values(task: Task) -> dict[str, Any]:
    return {
        "title": task.title,
        "owner_side": task.owner_side,
        "owner_user_id": task.owner_user_id,
        "due_days": task.due_days,
        "milestone": task.milestone,
        "position": task.position,
    }


def add_task(program_id: int, **values: Any) -> Task:
    """Append a task to the program's checklist. Partners who already reached its
    milestone have it completed at once."""
    clean = _clean(**values)
    last = api.session.scalar(
        select(func.max(Task.position)).where(
            Task.program_id == program_id, Task.archived_at.is_(None)
        )
    )
    task = Task(program_id=program_id, position=(last or 0) + 1, **clean)
    api.session.add(task)
    api.session.flush()
    api.audit("onboarding.task_added", "onboarding_task", task.id, after=_audit_values(task))
    _complete_reached(task)
    return task


def update_task(task: Task, **values: Any) -> None:
    """Change a task. What partners already completed stays completed; a new milestone
    completes it for the partners who already reached that milestone."""
    clean = _clean(**values)
    before = _audit_values(task)
    for key, value in clean.items():
        setattr(task, key, value)
    api.session.flush()
    after = _audit_values(task)
    if before != after:
        api.audit("onboarding.task_changed", "onboarding_task", task.id, before=before, after=after)
    if before["milestone"] != after["milestone"]:
        _complete_reached(task)


def archive_task(task: Task) -> None:
    """Take a task off the checklist. Partners' completed history stays; partners for
    whom it was the last open task have now completed onboarding."""
    if task.archived_at is not None:
        return
    task.archived_at = api.utcnow()
    api.session.flush()
    api.audit("onboarding.task_archived", "onboarding_task", task.id, before=_audit_values(task))
    settle_program(task.program_id)


def move_task(task: Task, offset: int) -> bool:
    """Move a task one place up (``-1``) or down (``+1``); False at either end."""
    tasks = progress.active_tasks([task.program_id])
    index = next((i for i, t in enumerate(tasks) if t.id == task.id), None)
    target = None if index is None else index + offset
    if index is None or target is None or not 0 <= target < len(tasks):
        return False
    tasks[index], tasks[target] = tasks[target], tasks[index]
    for position, t in enumerate(tasks, start=1):
        t.position = position
    api.session.flush()
    api.audit(
        "onboarding.tasks_reordered",
        "program",
        task.program_id,
        after={"order": [t.id for t in tasks]},
    )
    return True


def configure(program_id: int, *, owner_id: int | None, completion_tier_id: int | None) -> None:
    """Who hears of completed checklists, and the tier a finished partner moves to."""
    checklist = checklist_for(program_id)
    if completion_tier_id is not None:
        tier_ok = api.session.scalar(
            select(func.count(api.Tier.id)).where(
                api.Tier.id == completion_tier_id, api.Tier.program_id == program_id
            )
        )
        if not tier_ok:
            raise OnboardingError(_("Choose one of this program's tiers."))
    before = {"owner_id": checklist.owner_id, "completion_tier_id": checklist.completion_tier_id}
    checklist.owner_id = _vendor_user(owner_id)
    checklist.completion_tier_id = completion_tier_id
    checklist.updated_at = api.utcnow()
    after = {"owner_id": checklist.owner_id, "completion_tier_id": checklist.completion_tier_id}
    if before != after:
        api.audit("onboarding.checklist_changed", "program", program_id, before=before, after=after)


# --- completing tasks ---------------------------------------------------------------------


def _state(task_id: int, partner_id: int) -> TaskState:
    state = api.session.scalars(
        select(TaskState).where(TaskState.task_id == task_id, TaskState.partner_id == partner_id)
    ).first()
    if state is None:
        state = TaskState(task_id=task_id, partner_id=partner_id)
        api.session.add(state)
    return state


def lock_partner(partner_id: int) -> None:
    """Serialise the partner's onboarding writes (``SELECT … FOR UPDATE`` on its row) until
    the transaction ends. Two people ticking the last two tasks at once would otherwise each
    see the other's task open and neither would finish the checklist; afterwards every read
    sees what the other committed. (SQLite has no row locks: it serialises writers anyway.)"""
    api.session.execute(
        select(api.Partner.id).where(api.Partner.id == partner_id).with_for_update()
    )


def complete_task(
    task: Task,
    partner: api.Partner,
    *,
    actor: api.User | None = None,
    event: str = "",
) -> bool:
    """Complete ``task`` for ``partner``; False (and nothing written) when it already was.

    ``actor`` ticked it by hand; ``event`` is the milestone that completed it. A vendor
    ticking a partner's task tells the partner's admins. The last task finishes the
    partner's onboarding (:func:`finish`). The partner's row is locked first, and the tick
    is a conditional UPDATE, so two ticks of one task at once record (and mail) it once.
    """
    if task.program_id != partner.program_id or task.archived_at is not None:
        return False
    lock_partner(partner.id)
    state = _state(task.id, partner.id)
    api.session.flush()
    changed = api.session.execute(
        update(TaskState)
        .where(TaskState.id == state.id, TaskState.completed_at.is_(None))
        .values(
            completed_at=api.utcnow(),
            completed_by_id=actor.id if actor is not None else None,
            completed_by_event=event,
        )
        .execution_options(synchronize_session=False)
    )
    api.session.expire(state)  # the UPDATE bypassed the object: read it again when used
    if not getattr(changed, "rowcount", 0):
        return False
    api.audit(
        "onboarding.task_completed",
        "onboarding_task",
        task.id,
        after={"partner_id": partner.id, "title": task.title, "event": event or None},
    )
    if actor is not None and actor.partner_id is None and task.owner_side == PARTNER:
        notify.vendor_ticked(partner, task, actor)
    finish(partner)
    return True


def reopen_task(task: Task, partner: api.Partner, *, actor: api.User) -> bool:
    """Untick a task ticked by mistake. Only a ticked (not milestone-completed) task of a
    partner still onboarding: a finished checklist is history."""
    lock_partner(partner.id)
    state = api.session.scalars(
        select(TaskState)
        .where(TaskState.task_id == task.id, TaskState.partner_id == partner.id)
        .execution_options(populate_existing=True)
    ).first()
    if state is None or state.completed_at is None or state.completed_by_event:
        return False
    if _completion(partner) is not None:
        return False
    state.completed_at = None
    state.completed_by_id = None
    api.session.flush()
    api.audit(
        "onboarding.task_reopened",
        "onboarding_task",
        task.id,
        after={"partner_id": partner.id, "title": task.title, "by": actor.id},
    )
    return True


def assign(task: Task, partner: api.Partner, assignee_id: int | None) -> None:
    """Make a colleague the owner of a partner-side task (None: nobody in particular)."""
    if task.owner_side != PARTNER:
        raise OnboardingError(_("Only your company's own tasks can be given to a colleague."))
    if assignee_id is not None:
        ok = api.session.scalar(
            select(func.count(api.User.id)).where(
                api.User.id == assignee_id,
                api.User.partner_id == partner.id,
                api.User.active.is_(True),
            )
        )
        if not ok:
            raise OnboardingError(_("Choose an active colleague of your company."))
    state = _state(task.id, partner.id)
    if state.assignee_id != assignee_id:
        state.assignee_id = assignee_id
        api.session.flush()
        api.audit(
            "onboarding.task_assigned",
            "onboarding_task",
            task.id,
            after={"partner_id": partner.id, "assignee_id": assignee_id},
        )


# --- finishing ------------------------------------------------------------------------------


def _completion(partner: api.Partner) -> Completion | None:
    return api.session.scalars(
        select(Completion).where(
            Completion.partner_id == partner.id, Completion.program_id == partner.program_id
        )
    ).first()


def finish(partner: api.Partner) -> bool:
    """Finish the partner's onboarding if every task of its checklist is done; once only.

    Emits ``onboarding.completed``, moves the partner to the checklist's completion tier
    (``api.change_tier``: audited, notified, and a pinned tier stays), tells the vendor.
    Reads the tasks' states afresh under the partner's lock (objects loaded earlier in the
    request may predate a tick another request committed meanwhile).
    """
    lock_partner(partner.id)
    if _completion(partner) is not None:
        return False
    state = progress.for_partners([partner.id], fresh=True).get(partner.id)
    if state is None or state.total == 0 or state.done_count < state.total:
        return False
    api.session.add(Completion(program_id=partner.program_id, partner_id=partner.id))
    api.session.flush()
    api.audit("onboarding.completed", "partner", partner.id, after={"tasks": state.total})
    api.emit("onboarding.completed", {"partner_id": partner.id}, program_id=partner.program_id)
    checklist = checklist_for(partner.program_id)
    if checklist.completion_tier_id is not None and _is_promotion(
        partner, checklist.completion_tier_id
    ):
        api.change_tier(
            partner, checklist.completion_tier_id, reason=_("Onboarding checklist completed")
        )
    notify.partner_completed(partner, checklist.owner_id)
    return True


def _is_promotion(partner: api.Partner, tier_id: int) -> bool:
    """Finishing onboarding moves a partner up to the completion tier, never down: a
    partner already above it (promoted by its revenue, say) keeps its tier."""
    ranks = dict(
        api.session.execute(
            select(api.Tier.id, api.Tier.rank).where(
                api.Tier.id.in_([t for t in (tier_id, partner.tier_id) if t is not None])
            )
        ).all()
    )
    if tier_id not in ranks:
        return False
    return partner.tier_id is None or ranks[tier_id] > ranks.get(partner.tier_id, -1)


def settle_program(program_id: int) -> int:
    """Finish every partner of the program whose remaining tasks are all done (after a
    task was archived, and hourly as a backstop: a partner whose last tick was lost in
    some failure is settled later). Idempotent. Returns how many finished."""
    done_ids = select(Completion.partner_id).where(Completion.program_id == program_id)
    partners = api.session.scalars(
        select(api.Partner).where(
            api.Partner.program_id == program_id, api.Partner.id.not_in(done_ids)
        )
    ).all()
    states = progress.for_partners([p.id for p in partners])
    finished = 0
    for partner in partners:
        state = states.get(partner.id)
        if state is not None and state.total and state.done_count == state.total:
            finished += finish(partner)
    return finished


# --- milestones ---------------------------------------------------------------------------


def milestone_reached(event_name: str, partner_id: Any) -> int:
    """A milestone event arrived: remember it and complete the partner's tasks that wait
    for it. Returns how many tasks it completed (0 for a replayed event)."""
    pid = api.valid_id(partner_id)
    if pid is None or not event_name:
        return 0
    partner = api.session.scalars(select(api.Partner).where(api.Partner.id == pid)).first()
    if partner is None:
        return 0
    waiting = [t for t in progress.active_tasks([partner.program_id]) if t.milestone == event_name]
    declared = event_name in milestones.declared_events()
    if not waiting and not declared:
        return 0
    reached = api.session.scalars(
        select(MilestoneReached).where(
            MilestoneReached.partner_id == pid, MilestoneReached.event == event_name
        )
    ).first()
    if reached is None:
        api.session.add(MilestoneReached(partner_id=pid, event=event_name))
        api.session.flush()
    return sum(complete_task(task, partner, event=event_name) for task in waiting)


def _complete_reached(task: Task) -> int:
    """Complete a (new or changed) milestone task for partners who already got there."""
    if task.milestone == MANUAL:
        return 0
    partners = api.session.scalars(
        select(api.Partner)
        .join(MilestoneReached, MilestoneReached.partner_id == api.Partner.id)
        .where(api.Partner.program_id == task.program_id, MilestoneReached.event == task.milestone)
    ).all()
    return sum(complete_task(task, p, event=task.milestone) for p in partners)


def mark_overdue_notified(task: Task, partner_id: int, when: Any) -> None:
    """Remember that the partner was told ``task`` is overdue (told once)."""
    state = _state(task.id, partner_id)
    state.overdue_notified_at = when
    api.session.flush()
