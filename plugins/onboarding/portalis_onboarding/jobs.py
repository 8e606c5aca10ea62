"""Background work, once per tenant in its scope, for the programs that enable the plugin;
the runner commits after each job.

* ``remind_overdue`` (daily): each overdue partner-side task is announced to the partner's
  admins once (``TaskState.overdue_notified_at``), however often the job runs.
* ``settle`` (hourly): a backstop finishing partners whose tasks are all done but who have
  no completion (a tick whose finishing failed, a task archived while a request ran).
  Idempotent: a partner finishes once (the completion's unique key).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select

from portalis import api

from . import notify, progress, service
from .models import PARTNER, Completion


def remind_overdue(now: dt.datetime | None = None) -> int:
    """Tell partners' admins about partner-side tasks that passed their due date; returns
    how many partners were told."""
    now = now or api.utcnow()
    told = 0
    for program_id in api.programs_with_plugin("onboarding"):
        done = select(Completion.partner_id).where(Completion.program_id == program_id)
        partners = {
            p.id: p
            for p in api.session.scalars(
                select(api.Partner).where(
                    api.Partner.program_id == program_id,
                    api.Partner.status == "active",
                    api.Partner.id.not_in(done),
                )
            )
        }
        fresh = defaultdict(list)
        for pid, state in progress.for_partners(list(partners)).items():
            for item in state.overdue_items(now):
                if item.task.owner_side != PARTNER:
                    continue
                if item.state is not None and item.state.overdue_notified_at is not None:
                    continue
                service.mark_overdue_notified(item.task, pid, now)
                fresh[pid].append(item.task)
        for pid, tasks in fresh.items():
            told += bool(notify.overdue(partners[pid], tasks))
    return told


def settle() -> int:
    """Finish partners whose checklist is all done but who never finished; returns how many."""
    return sum(service.settle_program(pid) for pid in api.programs_with_plugin("onboarding"))
