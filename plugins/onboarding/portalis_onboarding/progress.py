"""Where partners stand: each partner's checklist with what is done, due and overdue.

Read for a whole batch of partners in one query (partners, tasks, states, completions)
— the partner list asks for a page of partners at once, the dashboard for one.

Rules (README, "Changing a checklist later"):

* a task is due ``due_days`` after the partner joined (``Partner.created_at``);
* the *next step* is the first open task, in checklist order, that the partner's side
  does — or, when only the vendor's tasks are left, the first of those;
* once a partner completed the checklist it stays complete: tasks added later are shown
  as "added after you finished", not as open work, and what was ticked stays ticked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, select

from portalis import api

from .models import PARTNER, Completion, Task, TaskState


@dataclass
class Item:
    """One task as one partner sees it."""

    task: Task
    state: TaskState | None
    due_at: dt.datetime | None
    #: Added after the partner completed the checklist: not required of it.
    not_required: bool = False

    @property
    def done(self) -> bool:
        return self.state is not None and self.state.completed_at is not None

    def overdue(self, now: dt.datetime) -> bool:
        return (
            not self.done
            and not self.not_required
            and self.due_at is not None
            and (self.due_at < now)
        )

    @property
    def assignee_id(self) -> int | None:
        return self.state.assignee_id if self.state is not None else None


@dataclass
class Progress:
    """One partner's checklist."""

    partner_id: int
    program_id: int
    items: list[Item] = field(default_factory=list)
    completed_at: dt.datetime | None = None

    @property
    def required(self) -> list[Item]:
        return [i for i in self.items if not i.not_required]

    @property
    def done_count(self) -> int:
        return sum(1 for i in self.required if i.done)

    @property
    def total(self) -> int:
        return len(self.required)

    @property
    def fraction(self) -> float:
        if self.completed_at is not None:
            return 1.0
        return self.done_count / self.total if self.total else 0.0

    @property
    def complete(self) -> bool:
        return self.completed_at is not None

    @property
    def open_items(self) -> list[Item]:
        return [i for i in self.required if not i.done]

    @property
    def next_step(self) -> Item | None:
        open_items = self.open_items
        if self.complete or not open_items:
            return None
        return next((i for i in open_items if i.task.owner_side == PARTNER), open_items[0])

    def overdue_items(self, now: dt.datetime) -> list[Item]:
        return [i for i in self.required if i.overdue(now)]

    def ordered_for_partner(self) -> list[Item]:
        """The next step first, then the other open tasks, then what is done."""
        nxt = self.next_step
        head = [nxt] if nxt is not None else []
        rest_open = [i for i in self.open_items if i is not nxt]
        done = [i for i in self.items if i.done or i.not_required]
        return head + rest_open + done


def active_tasks(program_ids: Iterable[int]) -> list[Task]:
    """The programs' tasks in checklist order (archived ones left out)."""
    ids = sorted(set(program_ids))
    if not ids:
        return []
    return list(
        api.session.scalars(
            select(Task)
            .where(Task.program_id.in_(ids), Task.archived_at.is_(None))
            .order_by(Task.program_id, Task.position, Task.id)
        )
    )


def for_partners(
    partner_ids: Sequence[int] | None = None,
    *,
    program_ids: Sequence[int] | None = None,
    active_only: bool = False,
    enabled_only: bool = False,
    fresh: bool = False,
) -> dict[int, Progress]:
    """Progress of each partner (of the current tenant) in its program's checklist: the
    partners of ``partner_ids``, or of ``program_ids``, or (``enabled_only``) of the
    programs that enable the plugin; ``active_only``: only active partners. One query, whatever the number of partners: each partner's tasks with its
    state and completion. Partners whose program has no tasks are left out. ``fresh``:
    states already loaded in the session are read again from the database."""
    stmt = (
        select(api.Partner.id, api.Partner.program_id, api.Partner.created_at, Task, TaskState)
        .add_columns(Completion.completed_at)
        .join(Task, and_(Task.program_id == api.Partner.program_id, Task.archived_at.is_(None)))
        .outerjoin(
            TaskState, and_(TaskState.task_id == Task.id, TaskState.partner_id == api.Partner.id)
        )
        .outerjoin(
            Completion,
            and_(
                Completion.partner_id == api.Partner.id,
                Completion.program_id == api.Partner.program_id,
            ),
        )
        .order_by(api.Partner.id, Task.position, Task.id)
    )
    if partner_ids is not None:
        ids = sorted({int(p) for p in partner_ids})
        if not ids:
            return {}
        stmt = stmt.where(api.Partner.id.in_(ids))
    if program_ids is not None:
        if not program_ids:
            return {}
        stmt = stmt.where(api.Partner.program_id.in_(list(program_ids)))
    if active_only:
        stmt = stmt.where(api.Partner.status == "active")
    if enabled_only:
        enabled = select(api.ProgramPlugin.program_id).where(
            api.ProgramPlugin.plugin == "onboarding", api.ProgramPlugin.enabled.is_(True)
        )
        stmt = stmt.where(api.Partner.program_id.in_(enabled))
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    out: dict[int, Progress] = {}
    for pid, program_id, joined, task, state, completed_at in api.session.execute(stmt):
        progress = out.get(pid)
        if progress is None:
            progress = out[pid] = Progress(pid, program_id, completed_at=completed_at)
        due = joined + dt.timedelta(days=task.due_days) if task.due_days is not None else None
        item = Item(task, state, due)
        item.not_required = completed_at is not None and not item.done
        progress.items.append(item)
    return out


def for_partner(partner_id: int) -> Progress | None:
    return for_partners([partner_id]).get(partner_id)
