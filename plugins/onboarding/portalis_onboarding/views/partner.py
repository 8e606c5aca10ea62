"""Pages for partner users: their company's onboarding checklist — progress, the next
step first, due dates, overdue flagged — and ticking their own tasks."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from sqlalchemy import select

from portalis import api

from .. import access, milestones, progress, service
from ..forms import AssignForm
from ..i18n import _
from .blueprint import bp


def _colleagues(partner_id: int) -> list[Any]:
    return list(
        api.session.scalars(
            select(api.User)
            .where(api.User.partner_id == partner_id, api.User.active.is_(True))
            .order_by(api.User.name, api.User.id)
        )
    )


def assign_form(colleagues: list[Any], prefix: str = "", **kwargs: Any) -> AssignForm:
    form = AssignForm(prefix=prefix, **kwargs)
    form.assignee_id.choices = api.select_choices(
        [(0, _("Nobody in particular"))] + [(u.id, u.name) for u in colleagues]
    )
    return form


@bp.route("/")
@api.partner_member
def checklist() -> Any:
    viewer = api.current_viewer()
    partner_id = access.own_partner_id(viewer)
    state = progress.for_partner(partner_id)
    colleagues = _colleagues(partner_id)
    names = {u.id: u.name for u in colleagues}
    forms = {}
    if state is not None:
        for item in state.items:
            if access.partner_may_assign(viewer, item.task) and not item.done:
                forms[item.task.id] = assign_form(
                    colleagues, prefix=f"t{item.task.id}", assignee_id=item.assignee_id or 0
                )
    return api.page(
        "onboarding/partner/checklist.html",
        state=state,
        now=api.utcnow(),
        names=names,
        assign_forms=forms,
        may_tick=lambda item: access.partner_may_tick(viewer, item.task, item.assignee_id),
        milestone_label=milestones.label,
    )


def _item_or_404(task_id: int) -> tuple[api.Viewer, Any, progress.Item]:
    viewer = api.current_viewer()
    task = access.partner_task_or_404(task_id, viewer)
    state = progress.for_partner(access.own_partner_id(viewer))
    item = next((i for i in state.items if i.task.id == task.id), None) if state else None
    if item is None:
        api.not_found()
    return viewer, task, item


@bp.route("/tasks/<id:task_id>/done", methods=["POST"])
@api.partner_member
def tick(task_id: int) -> Any:
    viewer, task, item = _item_or_404(task_id)
    if not access.partner_may_tick(viewer, task, item.assignee_id):
        flash(_("The vendor's team or a milestone completes this task."), "error")
        return redirect(url_for("onboarding.checklist")), 303
    partner = access.viewer_partner(viewer)
    if service.complete_task(task, partner, actor=api.current_user()):
        flash(_("“%(task)s” is done.", task=task.title), "success")
    else:
        flash(_("“%(task)s” was already done.", task=task.title), "info")
    return redirect(url_for("onboarding.checklist"))


@bp.route("/tasks/<id:task_id>/undo", methods=["POST"])
@api.partner_member
def untick(task_id: int) -> Any:
    viewer, task, item = _item_or_404(task_id)
    if not access.partner_may_tick(viewer, task, item.assignee_id):
        api.not_found()
    partner = access.viewer_partner(viewer)
    user = api.current_user()
    if user is not None and service.reopen_task(task, partner, actor=user):
        flash(_("“%(task)s” is open again.", task=task.title), "success")
    else:
        flash(_("This task can no longer be reopened."), "info")
    return redirect(url_for("onboarding.checklist"))


@bp.route("/tasks/<id:task_id>/owner", methods=["POST"])
@api.partner_member
def set_owner(task_id: int) -> Any:
    viewer, task, item = _item_or_404(task_id)
    if not access.partner_may_assign(viewer, task):
        api.not_found()
    partner = access.viewer_partner(viewer)
    form = assign_form(_colleagues(partner.id), prefix=f"t{task.id}")
    if not form.validate_on_submit():
        flash(_("Choose a colleague from the list."), "error")
        return redirect(url_for("onboarding.checklist")), 303
    try:
        service.assign(task, partner, form.assignee_id.data or None)
    except service.OnboardingError as exc:
        flash(str(exc), "error")
        return redirect(url_for("onboarding.checklist")), 303
    flash(_("Owner of “%(task)s” saved.", task=task.title), "success")
    return redirect(url_for("onboarding.checklist"))
