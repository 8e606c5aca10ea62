"""The vendor's page for a course's assignments (to a tier or a partner company,
optionally due by a date) and withdrawing one. Changes go through
:mod:`portalis_lms.assignments`.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from sqlalchemy import select

from portalis import api

from .. import access, assignments, service
from ..forms import AssignmentForm
from ..i18n import _
from ..models import Assignment, Course
from ._vendor_common import _csrf_ok, _done, _end_of, _refuse, _user_id
from .blueprint import bp


def _assignment_form(course: Course) -> AssignmentForm:
    form = AssignmentForm()
    form.target.choices = api.select_choices(
        [("tier", _("Everyone in a tier")), ("partner", _("A partner company"))]
    )
    tiers = api.session.scalars(
        select(api.Tier).where(api.Tier.program_id == course.program_id).order_by(api.Tier.rank)
    ).all()
    form.tier_id.choices = api.select_choices(
        [(0, _("Choose a tier")), *((t.id, api.localized(t.name, t.name_i18n)) for t in tiers)]
    )
    partners = api.session.scalars(
        select(api.Partner)
        .where(api.Partner.program_id == course.program_id, api.Partner.status != "suspended")
        .order_by(api.Partner.name)
        .limit(2000)
    ).all()
    form.partner_id.choices = api.select_choices(
        [(0, _("Choose a partner company")), *((p.id, api.isolate(p.name)) for p in partners)]
    )
    return form


@bp.route("/manage/courses/<id:course_id>/assignments", methods=["GET", "POST"])
@access.manager_required
def manage_assignments(course_id: int) -> Any:
    course = access.get_or_404(Course, course_id)
    form = _assignment_form(course)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            target = form.target.data
            tier_id = form.tier_id.data or None if target == "tier" else None
            partner_id = form.partner_id.data or None if target == "partner" else None
            if target == "tier" and not tier_id:
                form.tier_id.errors = [_("Choose a tier.")]
            elif target == "partner" and not partner_id:
                form.partner_id.errors = [_("Choose a partner company.")]
            else:
                try:
                    assignments.assign(
                        course.id,
                        tier_id=tier_id,
                        partner_id=partner_id,
                        due_at=_end_of(form.due_on.data),
                        assigned_by_id=_user_id(),
                    )
                except service.Invalid as exc:
                    _refuse(form, exc, "target")
                else:
                    return _done(
                        _("The course was assigned."), "lms.manage_assignments", course_id=course.id
                    )
    rows = list(
        api.session.scalars(
            select(Assignment)
            .where(Assignment.course_id == course.id)
            .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id)
        )
    )
    tiers = {
        t.id: t
        for t in api.session.scalars(
            select(api.Tier).where(api.Tier.id.in_({r.tier_id for r in rows if r.tier_id}))
        )
    }
    partners = {
        p.id: p
        for p in api.session.scalars(
            select(api.Partner).where(
                api.Partner.id.in_({r.partner_id for r in rows if r.partner_id})
            )
        )
    }
    users = {
        u.id: u
        for u in api.session.scalars(
            select(api.User).where(api.User.id.in_({r.user_id for r in rows if r.user_id}))
        )
    }
    return api.page(
        "lms/vendor/assignments.html",
        status=status,
        course=course,
        title=service.course_title(course, api.current_locale()),
        form=form,
        rows=rows,
        tiers=tiers,
        partners=partners,
        users=users,
        now=api.utcnow(),
    )


@bp.route("/manage/assignments/<id:assignment_id>/remove", methods=["POST"])
@access.manager_required
def unassign(assignment_id: int) -> Any:
    assignment = access.get_or_404(Assignment, assignment_id)
    course_id = assignment.course_id
    if not _csrf_ok():
        flash(_("Nothing was changed: the page was out of date. Please try again."), "error")
        return redirect(url_for("lms.manage_assignments", course_id=course_id))
    assignments.unassign(assignment)
    return _done(_("The assignment was withdrawn."), "lms.manage_assignments", course_id=course_id)
