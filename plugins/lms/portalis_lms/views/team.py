"""A partner admin's team pages (``lms.team``): the colleagues' training at a glance, and
assigning a course to one of them.

An admin's assignment never changes the vendor's: assigning a course the vendor already
asked of a colleague adds the company's own assignment beside it, and the page shows one
row per colleague and course with the earliest due date of them all — the one that binds
the colleague, as on their "My learning".

Only the admin's own company: colleagues are read through ``access.team``; a colleague
id or a course id the admin may not see answers 404, like an unknown one. The courses on
offer are those the admin may take — the same as for every colleague, since the audience
rule looks at the company and its tier, not at the person.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import flash, redirect, request, url_for
from sqlalchemy import case, func, or_, select
from wtforms import SelectField
from wtforms.validators import InputRequired, Optional

from portalis import api

from .. import access, assignments, learner, service
from ..i18n import _, _l
from ..models import Assignment, Certificate, Course, CourseTranslation, Enrolment
from .blueprint import bp

#: Open assignments listed on the page at most (the soonest due first).
ASSIGNMENT_ROWS = 100


class AssignForm(api.PortalForm):
    user_id = SelectField(_l("Colleague"), coerce=api.coerce_id, validators=[InputRequired()])
    course_id = SelectField(_l("Course"), coerce=api.coerce_id, validators=[InputRequired()])
    due = api.BoundedDateField(_l("Due date (optional)"), validators=[Optional()])


@dataclasses.dataclass
class Member:
    user: api.User
    in_progress: int = 0
    completed: int = 0
    assigned: int = 0
    overdue: int = 0
    certificates: int = 0
    expiring: int = 0
    last_seen_at: dt.datetime | None = None


@dataclasses.dataclass
class OpenAssignment:
    user: api.User
    course_id: int
    title: str
    due_at: dt.datetime | None
    started: bool
    overdue: bool


def _people(viewer: api.Viewer) -> list[api.User]:
    """The viewer's active colleagues (themself included), by name."""
    if not access.leads_team(viewer):
        return []
    return list(
        api.session.scalars(
            select(api.User)
            .where(api.User.partner_id == viewer.partner_id, api.User.active.is_(True))
            .order_by(func.lower(api.User.name), api.User.id)
        )
    )


def _courses(viewer: api.Viewer) -> list[tuple[int, str]]:
    """(id, title in the viewer's language) of every course the team may take."""
    rows = api.session.execute(
        access.visible_courses(
            select(Course.id, learner.variant(CourseTranslation.title, viewer.locale)), viewer
        ).order_by(Course.position, Course.id)
    ).all()
    return [(cid, title or "") for cid, title in rows]


def _team_state(
    viewer: api.Viewer, people: list[api.User], titles: dict[int, str]
) -> tuple[list[Member], list[OpenAssignment]]:
    """Each colleague's numbers and the open assignments (three statements)."""
    now = api.utcnow()
    members = {u.id: Member(u) for u in people}
    runs: dict[tuple[int, int], Enrolment] = {}
    for run in api.session.scalars(
        access.team(select(Enrolment), Enrolment.partner_id, viewer).where(
            Enrolment.archived_at.is_(None), Enrolment.user_id.in_(members)
        )
    ):
        runs[(run.user_id, run.course_id)] = run
        m = members[run.user_id]
        if run.completed_at is not None:
            m.completed += 1
        else:
            m.in_progress += 1
        seen = run.last_seen_at or run.started_at
        if seen is not None and (m.last_seen_at is None or seen > m.last_seen_at):
            m.last_seen_at = seen
    # assignments naming a colleague, the company or its tier, of courses open to it
    who = [Assignment.user_id.in_(members), Assignment.partner_id == viewer.partner_id]
    if viewer.tier_id is not None:
        who.append(Assignment.tier_id == viewer.tier_id)
    due: dict[tuple[int, int], dt.datetime | None] = {}
    for user_id, course_id, due_at in api.session.execute(
        select(Assignment.user_id, Assignment.course_id, Assignment.due_at)
        .join(Course, Course.id == Assignment.course_id)
        .where(or_(*who), access.course_clause(viewer, now))
    ):
        for uid in [user_id] if user_id is not None else list(members):
            if uid not in members:
                continue
            key = (uid, course_id)
            known = due.get(key)
            if key not in due or (due_at is not None and (known is None or due_at < known)):
                due[key] = due_at
    open_rows: list[OpenAssignment] = []
    for (uid, course_id), due_at in due.items():
        found = runs.get((uid, course_id))
        if found is not None and found.completed_at is not None:
            continue
        overdue = due_at is not None and due_at < now
        members[uid].assigned += 1
        members[uid].overdue += int(overdue)
        open_rows.append(
            OpenAssignment(
                members[uid].user,
                course_id,
                titles.get(course_id, ""),
                due_at,
                found is not None,
                overdue,
            )
        )
    soon = now + dt.timedelta(days=30)
    certificates: Any = select(
        Certificate.user_id,
        func.count(Certificate.id),
        func.count(case((Certificate.expires_at <= soon, 1))),
    )
    for user_id, active, expiring in api.session.execute(
        access.team(certificates, Certificate.partner_id, viewer)
        .where(
            Certificate.revoked_at.is_(None),
            Certificate.superseded_at.is_(None),
            or_(Certificate.expires_at.is_(None), Certificate.expires_at > now),
        )
        .group_by(Certificate.user_id)
    ):
        if user_id in members:
            members[user_id].certificates = active
            members[user_id].expiring = expiring
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    open_rows.sort(key=lambda a: (a.due_at is None, a.due_at or far, a.user.name.casefold()))
    return list(members.values()), open_rows[:ASSIGNMENT_ROWS]


def _render(viewer: api.Viewer, form: AssignForm, status: int = 200) -> Any:
    people = _people(viewer)
    courses = _courses(viewer)
    _choices(form, people, courses)
    members, open_rows = _team_state(viewer, people, dict(courses))
    totals = {
        "in_progress": sum(m.in_progress for m in members),
        "completed": sum(m.completed for m in members),
        "overdue": sum(m.overdue for m in members),
        "certificates": sum(m.certificates for m in members),
    }
    return api.page(
        "lms/partner/team.html",
        members=members,
        open_rows=open_rows,
        totals=totals,
        form=form,
        leads_team=True,
        status=status,
    )


def _choices(form: AssignForm, people: list[api.User], courses: list[tuple[int, str]]) -> None:
    form.user_id.choices = api.select_choices(
        [(0, _("Choose a colleague"))] + [(u.id, api.isolate(u.name or u.email)) for u in people]
    )
    form.course_id.choices = api.select_choices(
        [(0, _("Choose a course"))] + [(cid, title) for cid, title in courses]
    )


@bp.route("/team")
@access.team_lead_required
def team_progress() -> Any:
    return _render(api.current_viewer(), AssignForm(formdata=None))


def _end_of_day(day: dt.date) -> dt.datetime:
    """The end of ``day`` where the person assigning is (their zone, else the tenant's)."""
    user = api.current_user()
    tenant = api.current_tenant()
    name = getattr(user, "timezone", None) or (tenant.timezone if tenant else None) or "UTC"
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone).astimezone(dt.UTC)


@bp.route("/team/assign", methods=["POST"])
@access.team_lead_required
def assign() -> Any:
    viewer = api.current_viewer()
    user_id = api.valid_id(request.form.get("user_id"))
    course_id = api.valid_id(request.form.get("course_id"))
    colleague = None
    if user_id is not None:
        colleague = next((u for u in _people(viewer) if u.id == user_id), None)
        if colleague is None:
            api.not_found()
    if course_id is not None:
        access.course_or_404(course_id, viewer)
    form = AssignForm()
    _choices(form, _people(viewer), _courses(viewer))
    valid = form.validate_on_submit()
    if colleague is None and not form.user_id.errors:
        form.user_id.errors = [_("Choose a colleague.")]
    if course_id is None and not form.course_id.errors:
        form.course_id.errors = [_("Choose a course.")]
    if not valid or colleague is None or course_id is None:
        return _render(viewer, form, status=422)
    due_at = _end_of_day(form.due.data) if form.due.data else None
    if due_at is not None and due_at < api.utcnow():
        form.due.errors = [_("The due date can't be in the past.")]
        return _render(viewer, form, status=422)
    try:
        # one assignment of the company's per colleague and course: again changes its due
        # date; the vendor's own assignment of the same course stays as the vendor set it
        assignments.assign(
            course_id,
            user_id=colleague.id,
            due_at=due_at,
            assigned_by_id=viewer.user_id,
            within_partner_id=viewer.partner_id,
        )
    except service.Invalid as exc:
        target = form.due if exc.field == "due_at" else form.course_id
        target.errors = [str(exc)]
        return _render(viewer, form, status=422)
    title = dict(_courses(viewer)).get(course_id, "")
    flash(
        _(
            "“%(course)s” assigned to %(name)s.",
            course=title,
            name=colleague.name or colleague.email,
        ),
        "success",
    )
    return redirect(url_for("lms.team_progress"))
