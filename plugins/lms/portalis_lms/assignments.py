"""Which courses a partner user has been asked to take ("assigned").

An assignment (:class:`~portalis_lms.models.Assignment`) names one person, one partner
company or one tier. A person's assignments are those naming them, their company or their
company's *current* tier — and only for courses they may take now (``access.course_clause``):
a retired course or one their tier lost stops being asked of them on the next click.
Assignments are written by :func:`assign` and withdrawn by :func:`unassign` (the vendor's
pages and a partner admin's team page alike), with :mod:`service`'s rules: the input is
checked before anything is written (else :class:`service.Invalid`), every change is
audited, the caller commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import false, func, or_, select

from portalis import api

from .access import course_clause
from .i18n import _
from .models import Assignment, Course
from .service import Invalid, _iso, _program_partners


def applies_to(viewer: api.Viewer) -> Any:
    """SQL condition on :class:`Assignment`: it names the viewer, their company or their
    current tier (nothing for anyone but a partner's people)."""
    if not viewer.is_partner or viewer.user_id is None or viewer.partner_id is None:
        return false()
    who = [Assignment.user_id == viewer.user_id, Assignment.partner_id == viewer.partner_id]
    if viewer.tier_id is not None:
        who.append(Assignment.tier_id == viewer.tier_id)
    return or_(*who)


def assigned_course_ids(viewer: api.Viewer) -> dict[int, dt.datetime | None]:
    """The courses assigned to the viewer that they may take, each with the earliest due
    date of its assignments (``None`` when none has one). One query."""
    rows = api.session.execute(
        select(Assignment.course_id, func.min(Assignment.due_at))
        .join(Course, Course.id == Assignment.course_id)
        .where(applies_to(viewer), course_clause(viewer))
        .group_by(Assignment.course_id)
    ).all()
    return {course_id: due for course_id, due in rows}


# --- writing them ------------------------------------------------------------------------


def assign(
    course_id: int,
    *,
    tier_id: int | None = None,
    partner_id: int | None = None,
    user_id: int | None = None,
    due_at: dt.datetime | None = None,
    assigned_by_id: int | None = None,
    within_partner_id: int | None = None,
) -> Assignment:
    """ "Take this course" for one tier, partner company or partner user of the course's
    program, optionally by ``due_at``. Assigning the same target again changes the due
    date instead of adding a second assignment.

    ``within_partner_id`` (a partner admin's team page): only an assignment made by people
    of that company is changed; one made by the vendor (or anyone else) stays as it is and
    the admin's is added beside it — a person's due date is the earliest of them
    (:func:`assigned_course_ids`), so an admin cannot move or drop the vendor's deadline."""
    course = api.session.get(Course, course_id)
    if course is None:
        raise Invalid(_("This course no longer exists."))
    targets = [t for t in (tier_id, partner_id, user_id) if t is not None]
    if len(targets) != 1:
        raise Invalid(_("Choose one tier, one partner company or one person."), "target")
    if tier_id is not None:
        tier = api.session.get(api.Tier, tier_id)
        if tier is None or tier.program_id != course.program_id:
            raise Invalid(_("Choose a tier of this course's program."), "tier_id")
        cond = Assignment.tier_id == tier_id
    elif partner_id is not None:
        if not _program_partners(course.program_id, [partner_id]):
            raise Invalid(_("Choose a partner company of this course's program."), "partner_id")
        cond = Assignment.partner_id == partner_id
    else:
        user = api.session.get(api.User, user_id)
        if (
            user is None
            or user.partner_id is None
            or not _program_partners(course.program_id, [user.partner_id])
        ):
            raise Invalid(
                _("Choose a person at a partner company of this course's program."), "user_id"
            )
        cond = Assignment.user_id == user_id
    if due_at is not None and due_at <= api.utcnow():
        raise Invalid(_("The due date must be in the future."), "due_at")
    mine = select(Assignment).where(Assignment.course_id == course_id, cond)
    if within_partner_id is not None:
        mine = mine.join(api.User, api.User.id == Assignment.assigned_by_id).where(
            api.User.partner_id == within_partner_id
        )
    existing = api.session.scalars(mine.order_by(Assignment.id)).first()
    if existing is not None:
        before = {"due_at": _iso(existing.due_at)}
        existing.due_at = due_at
        api.session.flush()
        api.audit(
            "lms.assignment_updated",
            "lms_assignment",
            existing.id,
            before=before,
            after={"due_at": _iso(due_at)},
        )
        return existing
    assignment = Assignment(
        course_id=course_id,
        tier_id=tier_id,
        partner_id=partner_id,
        user_id=user_id,
        due_at=due_at,
        assigned_by_id=assigned_by_id,
        created_at=api.utcnow(),
    )
    api.session.add(assignment)
    api.session.flush()
    api.audit(
        "lms.course_assigned",
        "lms_assignment",
        assignment.id,
        after={
            "course_id": course_id,
            "tier_id": tier_id,
            "partner_id": partner_id,
            "user_id": user_id,
            "due_at": _iso(due_at),
        },
    )
    return assignment


def unassign(assignment: Assignment) -> None:
    """Withdraw an assignment (what people already did stays)."""
    api.audit(
        "lms.course_unassigned",
        "lms_assignment",
        assignment.id,
        before={
            "course_id": assignment.course_id,
            "tier_id": assignment.tier_id,
            "partner_id": assignment.partner_id,
            "user_id": assignment.user_id,
            "due_at": _iso(assignment.due_at),
        },
    )
    api.session.delete(assignment)
    api.session.flush()
