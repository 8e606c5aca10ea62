"""Pages for the vendor's staff (``onboarding.manage``): each program's checklist — tasks
added, edited, reordered, archived; who hears of completions and the completion tier —
and every partner's progress, where they tick tasks."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from sqlalchemy import select

from portalis import api

from .. import access, milestones, progress, service
from ..forms import ChecklistForm, TaskForm
from ..i18n import _
from ..models import MANUAL, Task
from .blueprint import bp

#: Partners listed on the overview, least progress first.
OVERVIEW_LIMIT = 200


def _staff() -> list[Any]:
    return list(
        api.session.scalars(
            select(api.User)
            .where(api.User.role.in_(service.VENDOR_ROLES), api.User.active.is_(True))
            .order_by(api.User.name, api.User.id)
        )
    )


def _task_form(task: Task | None = None) -> TaskForm:
    form = TaskForm(obj=task)
    form.owner_user_id.choices = api.select_choices(
        [(0, _("Nobody in particular"))] + [(u.id, u.name) for u in _staff()]
    )
    known = milestones.available()
    pairs = [(MANUAL, _("When somebody ticks it"))]
    pairs += [
        (event, _("Automatically: %(milestone)s", milestone=label))
        for event, label in known.items()
    ]
    if task is not None and task.milestone and task.milestone not in known:
        pairs.append((task.milestone, task.milestone))  # kept visible so it can be changed
    form.milestone.choices = api.select_choices(pairs)
    if task is not None and request.method == "GET":
        form.owner_user_id.data = task.owner_user_id or 0
    return form


def _values(form: TaskForm) -> dict[str, Any]:
    return {
        "title": form.title.data or "",
        "description": form.description.data or "",
        "owner_side": form.owner_side.data,
        "owner_user_id": form.owner_user_id.data or None,
        "due_days": form.due_days.data,
        "milestone": form.milestone.data or MANUAL,
    }


@bp.route("/manage")
@access.vendor_manages
def manage() -> Any:
    programs = list(
        api.session.scalars(
            select(api.Program)
            .where(api.Program.id.in_(api.programs_with_plugin("onboarding")))
            .order_by(api.Program.name, api.Program.id)
        )
    )
    tasks = progress.active_tasks(p.id for p in programs)
    counts = {p.id: sum(1 for t in tasks if t.program_id == p.id) for p in programs}
    states = progress.for_partners(program_ids=[p.id for p in programs], active_only=True)
    names = dict(
        api.session.execute(
            select(api.Partner.id, api.Partner.name).where(api.Partner.id.in_(list(states)))
        ).all()
    )
    rows = sorted(
        (s for s in states.values() if s.items),
        key=lambda s: (s.complete, s.fraction, names.get(s.partner_id, "")),
    )
    return api.page(
        "onboarding/vendor/manage.html",
        programs=programs,
        counts=counts,
        rows=rows[:OVERVIEW_LIMIT],
        more=max(0, len(rows) - OVERVIEW_LIMIT),
        names=names,
        now=api.utcnow(),
    )


@bp.route("/programs/<id:program_id>", methods=["GET", "POST"])
@access.vendor_manages
def edit_checklist(program_id: int) -> Any:
    program = access.program_or_404(program_id)
    checklist = service.checklist_for(program.id)
    form = ChecklistForm(
        owner_id=checklist.owner_id or 0, completion_tier_id=checklist.completion_tier_id or 0
    )
    form.owner_id.choices = api.select_choices(
        [(0, _("The channel managers"))] + [(u.id, u.name) for u in _staff()]
    )
    tiers = list(
        api.session.scalars(
            select(api.Tier).where(api.Tier.program_id == program.id).order_by(api.Tier.rank)
        )
    )
    form.completion_tier_id.choices = api.select_choices(
        [(0, _("Nowhere: the partner keeps its tier"))]
        + [(t.id, api.localized(t.name, t.name_i18n)) for t in tiers]
    )
    if form.validate_on_submit():
        try:
            service.configure(
                program.id,
                owner_id=form.owner_id.data or None,
                completion_tier_id=form.completion_tier_id.data or None,
            )
        except service.OnboardingError as exc:
            form.owner_id.errors = [str(exc)]
        else:
            flash(_("Checklist settings saved."), "success")
            return redirect(url_for("onboarding.edit_checklist", program_id=program.id))
    return api.page(
        "onboarding/vendor/checklist.html",
        program=program,
        form=form,
        tasks=progress.active_tasks([program.id]),
        staff={u.id: u.name for u in _staff()},
        milestone_label=milestones.label,
        status=422 if form.errors else 200,
    )


@bp.route("/programs/<id:program_id>/tasks/new", methods=["GET", "POST"])
@access.vendor_manages
def new_task(program_id: int) -> Any:
    program = access.program_or_404(program_id)
    form = _task_form()
    if form.validate_on_submit():
        try:
            task = service.add_task(program.id, **_values(form))
        except service.OnboardingError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Task “%(task)s” added.", task=task.title), "success")
            return redirect(url_for("onboarding.edit_checklist", program_id=program.id))
    return api.page(
        "onboarding/vendor/task_form.html",
        program=program,
        form=form,
        task=None,
        status=422 if form.errors or form.form_errors else 200,
    )


@bp.route("/tasks/<id:task_id>/edit", methods=["GET", "POST"])
@access.vendor_manages
def edit_task(task_id: int) -> Any:
    task = access.task_or_404(task_id)
    program = access.program_or_404(task.program_id)
    form = _task_form(task)
    if form.validate_on_submit():
        try:
            service.update_task(task, **_values(form))
        except service.OnboardingError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Task “%(task)s” saved.", task=task.title), "success")
            return redirect(url_for("onboarding.edit_checklist", program_id=program.id))
    return api.page(
        "onboarding/vendor/task_form.html",
        program=program,
        form=form,
        task=task,
        status=422 if form.errors or form.form_errors else 200,
    )


@bp.route("/tasks/<id:task_id>/move", methods=["POST"])
@access.vendor_manages
def move_task(task_id: int) -> Any:
    task = access.task_or_404(task_id)
    direction = api.choice_arg("direction", ("up", "down"), args=request.form)
    if direction:
        service.move_task(task, -1 if direction == "up" else 1)
    return redirect(url_for("onboarding.edit_checklist", program_id=task.program_id))


@bp.route("/tasks/<id:task_id>/archive", methods=["POST"])
@access.vendor_manages
def archive_task(task_id: int) -> Any:
    task = access.task_or_404(task_id)
    service.archive_task(task)
    flash(
        _(
            "Task “%(task)s” removed. What partners completed stays in their history.",
            task=task.title,
        ),
        "success",
    )
    return redirect(url_for("onboarding.edit_checklist", program_id=task.program_id))


@bp.route("/partners/<id:partner_id>")
@access.vendor_manages
def partner_progress(partner_id: int) -> Any:
    partner = access.partner_or_404(partner_id)
    state = progress.for_partner(partner.id)
    users = dict(
        api.session.execute(
            select(api.User.id, api.User.name).where(
                (api.User.partner_id == partner.id) | api.User.partner_id.is_(None)
            )
        ).all()
    )
    return api.page(
        "onboarding/vendor/partner.html",
        partner=partner,
        state=state,
        names=users,
        now=api.utcnow(),
        milestone_label=milestones.label,
    )


def _partner_task(partner_id: int, task_id: int) -> tuple[api.Partner, Task]:
    partner = access.partner_or_404(partner_id)
    task = access.task_or_404(task_id)
    if task.program_id != partner.program_id:
        api.not_found()
    return partner, task


@bp.route("/partners/<id:partner_id>/tasks/<id:task_id>/done", methods=["POST"])
@access.vendor_manages
def vendor_tick(partner_id: int, task_id: int) -> Any:
    partner, task = _partner_task(partner_id, task_id)
    user = api.current_user()
    if service.complete_task(task, partner, actor=user):
        flash(_("“%(task)s” is done.", task=task.title), "success")
    else:
        flash(_("“%(task)s” was already done.", task=task.title), "info")
    return redirect(url_for("onboarding.partner_progress", partner_id=partner.id))


@bp.route("/partners/<id:partner_id>/tasks/<id:task_id>/undo", methods=["POST"])
@access.vendor_manages
def vendor_untick(partner_id: int, task_id: int) -> Any:
    partner, task = _partner_task(partner_id, task_id)
    user = api.current_user()
    if user is not None and service.reopen_task(task, partner, actor=user):
        flash(_("“%(task)s” is open again.", task=task.title), "success")
    else:
        flash(_("This task can no longer be reopened."), "info")
    return redirect(url_for("onboarding.partner_progress", partner_id=partner.id))
