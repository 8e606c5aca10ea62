"""Who sees which checklist and who may tick what — decided here and nowhere else.

* A partner's people see their own company's checklist: the tasks of their program and
  their company's progress on them. Another partner's progress is never read for them.
* Vendor staff with ``onboarding.manage`` edit their programs' checklists, see every
  partner's progress and tick any task (a milestone task too: an agreement signed on
  paper). Without it they see nothing of the plugin.
* A partner-side task that waits for no milestone is ticked by the partner's people
  holding ``onboarding.complete`` (by default the partner admins) or by the colleague it
  was given to. Vendor-side tasks are visible to the partner but never ticked by it.

Anything else answers 404, exactly like an id that doesn't exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select

from portalis import api

from .models import MANUAL, PARTNER, Task

#: Edit checklists, follow every partner's progress, tick tasks (vendor staff).
MANAGE = "onboarding.manage"
#: Tick the company's own manual tasks and give them to colleagues (partner roles).
COMPLETE = "onboarding.complete"

F = TypeVar("F", bound=Callable[..., Any])


def partner_sees(viewer: api.Viewer) -> bool:
    """A member of a partner company: they have a checklist."""
    return viewer.is_partner and viewer.partner_id is not None and viewer.program_id is not None


def own_partner_id(viewer: api.Viewer) -> int:
    """The partner viewer's company id; 404 for anyone else."""
    if not partner_sees(viewer) or viewer.partner_id is None:
        api.not_found()
    return viewer.partner_id


def manages(viewer: api.Viewer) -> bool:
    """Vendor staff holding ``onboarding.manage`` (a partner role granted it gets nothing)."""
    return viewer.is_vendor_staff and api.has_permission(MANAGE)


def vendor_manages(view: F) -> F:
    """View guard for the vendor's pages."""
    return api.vendor_staff(api.permission_required(MANAGE)(view))


def partner_may_tick(viewer: api.Viewer, task: Task, assignee_id: int | None) -> bool:
    """Whether this partner viewer may tick (or untick) ``task`` for their company."""
    if not partner_sees(viewer) or task.owner_side != PARTNER or task.milestone != MANUAL:
        return False
    return api.has_permission(COMPLETE) or (
        assignee_id is not None and assignee_id == viewer.user_id
    )


def partner_may_assign(viewer: api.Viewer, task: Task) -> bool:
    return partner_sees(viewer) and task.owner_side == PARTNER and api.has_permission(COMPLETE)


def partner_task_or_404(task_id: int, viewer: api.Viewer) -> Task:
    """A current task of the viewer's own program; anything else 404."""
    task = api.session.scalars(
        select(Task).where(
            Task.id == task_id,
            Task.program_id == viewer.program_id,
            Task.archived_at.is_(None),
        )
    ).first()
    if task is None or not partner_sees(viewer):
        api.not_found()
    return task


def viewer_partner(viewer: api.Viewer) -> api.Partner:
    """The partner company of a partner viewer."""
    partner = api.session.scalars(
        select(api.Partner).where(api.Partner.id == viewer.partner_id)
    ).first()
    if partner is None:
        api.not_found()
    return partner


def program_or_404(program_id: int) -> api.Program:
    program = api.session.scalars(select(api.Program).where(api.Program.id == program_id)).first()
    if program is None or program.id not in api.programs_with_plugin("onboarding"):
        api.not_found()
    return program


def task_or_404(task_id: int) -> Task:
    """A task for the vendor's pages (archived ones are history, not editable)."""
    task = api.session.scalars(
        select(Task).where(Task.id == task_id, Task.archived_at.is_(None))
    ).first()
    if task is None:
        api.not_found()
    return task


def partner_or_404(partner_id: int) -> api.Partner:
    partner = api.session.scalars(select(api.Partner).where(api.Partner.id == partner_id)).first()
    if partner is None:
        api.not_found()
    return partner
