"""Which courses a partner user has been asked to take ("assigned").

An assignment (:class:`~portalis_lms.models.Assignment`) names one person, one partner
company or one tier. A person's assignments are those naming them, their company or their
company's *current* tier — and only for courses they may take now (``access.course_clause``):
a retired course or one their tier lost stops being asked of them on the next click.
Assignments are written by ``service.assign`` (the vendor's pages and a partner admin's
team page alike).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import false, func, or_, select

from portalis import api

from .access import course_clause
from .models import Assignment, Course


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
