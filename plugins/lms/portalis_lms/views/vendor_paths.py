"""The vendor's pages for learning paths: the list, a new path, one path (settings,
certification, courses in order, audience). Changes go through :mod:`portalis_lms.paths`.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from sqlalchemy import func, select

from portalis import api

from .. import access, paths, service
from ..forms import PathForm
from ..i18n import _
from ..models import Course, Path, PathCourse
from ._vendor_common import (
    _csrf_ok,
    _done,
    _end_of,
    _local_date,
    _program_name,
    _programs,
    _reach,
    _refuse,
    _setup_audience,
    _setup_program,
    _start_of,
    _titles,
    course_status,
)
from .blueprint import bp


@bp.route("/manage/paths/")
@access.manager_required
def manage_paths() -> Any:
    now = api.utcnow()
    all_paths = list(
        api.session.scalars(select(Path).order_by(Path.program_id, Path.position, Path.id))
    )
    counts = dict(
        api.session.execute(
            select(PathCourse.path_id, func.count(PathCourse.id)).group_by(PathCourse.path_id)
        ).all()
    )
    return api.page(
        "lms/vendor/paths.html",
        paths=all_paths,
        counts=counts,
        statuses={p.id: course_status(p, now) for p in all_paths},
        programs={p.id: _program_name(p) for p in _programs()},
    )


def _course_choices(form: PathForm, program_id: int | None, order: list[int] | None = None) -> None:
    courses = (
        list(
            api.session.scalars(
                select(Course)
                .where(Course.program_id == program_id)
                .order_by(Course.position, Course.id)
            )
        )
        if program_id
        else []
    )
    titles = _titles(c.id for c in courses)
    if order:
        rank = {cid: n for n, cid in enumerate(order)}
        courses.sort(key=lambda c: (rank.get(c.id, len(rank)), c.position, c.id))
    form.course_ids.choices = api.select_choices((c.id, titles.get(c.id, "")) for c in courses)


def _chosen_course_order(form: PathForm) -> list[int]:
    """The chosen courses in the order they were ticked on the page (the list order)."""
    return [int(c) for c in (form.course_ids.data or [])]


@bp.route("/manage/paths/new", methods=["GET", "POST"])
@access.manager_required
def new_path() -> Any:
    form = PathForm()
    pid = _setup_program(form)
    _setup_audience(form, pid)
    _course_choices(form, pid)
    if request.method == "GET":
        form.program_id.data = pid
        form.visibility.data = "hidden"
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit() and pid is not None:
            try:
                path = paths.create_path(
                    pid,
                    form.title.data,
                    form.certification.data,
                    form.validity_days.data or None,
                    _chosen_course_order(form),
                    description=form.description.data or "",
                    reminder_days=form.reminders(),
                    visibility=form.visibility.data,
                    publish_at=_start_of(form.publish_at.data),
                    retire_at=_end_of(form.retire_at.data),
                    tier_ids=form.tier_ids.data or [],
                    partner_ids=form.partner_ids.data or [],
                )
            except service.Invalid as exc:
                _refuse(form, exc, "title")
            else:
                return _done(
                    _("The path “%(title)s” was created.", title=path.title),
                    "lms.manage_path",
                    path_id=path.id,
                )
    return api.page(
        "lms/vendor/new_path.html",
        form=form,
        status=status,
        reach=_reach(
            pid,
            form.visibility.data or "everyone",
            form.tier_ids.data or [],
            form.partner_ids.data or [],
        ),
        program_id=pid,
        several_programs=len(form.program_id.choices) > 1,
    )


@bp.route("/manage/paths/<id:path_id>", methods=["GET", "POST"])
@access.manager_required
def manage_path(path_id: int) -> Any:
    path = access.get_or_404(Path, path_id)
    order = paths.path_course_ids(path.id)
    if request.method == "POST":
        form = PathForm()
    else:
        tiers, partners = paths.path_audience(path.id)
        form = PathForm(formdata=None, obj=path)
        form.reminder_days.data = ", ".join(str(d) for d in path.reminder_days or [])
        form.course_ids.data = order
        form.tier_ids.data, form.partner_ids.data = tiers, partners
        form.publish_at.data = _local_date(path.publish_at)
        form.retire_at.data = _local_date(path.retire_at, end=True)
    form.program_id.choices = api.select_choices([(path.program_id, "")])
    form.program_id.data = path.program_id
    _setup_audience(form, path.program_id)
    _course_choices(form, path.program_id, order)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            keep = [c for c in order if c in (form.course_ids.data or [])]
            added = [c for c in (form.course_ids.data or []) if c not in keep]
            try:
                paths.update_path(
                    path,
                    title=form.title.data,
                    certification=form.certification.data,
                    validity_days=form.validity_days.data or None,
                    description=form.description.data or "",
                    reminder_days=form.reminders(),
                    publish_at=_start_of(form.publish_at.data),
                    retire_at=_end_of(form.retire_at.data),
                )
                paths.set_path_courses(path, keep + added)
                paths.set_path_audience(
                    path,
                    form.visibility.data,
                    form.tier_ids.data or [],
                    form.partner_ids.data or [],
                )
            except service.Invalid as exc:
                _refuse(form, exc, "title")
            else:
                return _done(_("The path was saved."), "lms.manage_path", path_id=path.id)
    titles = _titles(order)
    return api.page(
        "lms/vendor/path.html",
        status=status,
        path=path,
        form=form,
        ordered=[(cid, titles.get(cid, "")) for cid in order],
        reach=_reach(
            path.program_id,
            form.visibility.data or "everyone",
            form.tier_ids.data or [],
            form.partner_ids.data or [],
        ),
        path_state=course_status(path, api.utcnow()),
    )


@bp.route("/manage/paths/<id:path_id>/order", methods=["POST"])
@access.manager_required
def path_course_move(path_id: int) -> Any:
    """Move one of the path's courses a place up or down."""
    path = access.get_or_404(Path, path_id)
    order = paths.path_course_ids(path.id)
    course_id = api.valid_id(request.form.get("course_id"))
    direction = request.form.get("direction", "")
    if not _csrf_ok() or course_id not in order or direction not in ("up", "down"):
        flash(_("Nothing was changed: the page was out of date. Please try again."), "error")
        return redirect(url_for("lms.manage_path", path_id=path.id))
    i = order.index(course_id)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
        paths.set_path_courses(path, order)
    return _done(
        _("The order of the courses was saved."),
        "lms.manage_path",
        path_id=path.id,
        _anchor="order",
    )
