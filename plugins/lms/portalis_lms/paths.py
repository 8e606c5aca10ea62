"""Authoring learning paths: a program's courses in order, whose completion issues a
certification (valid for a number of days, with reminders before it expires), and the
path's audience. No request objects; the caller commits.

The rules are :mod:`service`'s: every function checks its input and raises
:class:`service.Invalid` before it writes anything, every change is audited, and the
portal search is kept in step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, select

from portalis import api

from . import search
from .i18n import _
from .models import Course, Path, PathCourse, PathPartner, PathTier
from .service import (
    Invalid,
    _audience_ids,
    _dates,
    _iso,
    _program,
    _store_audience,
    _title,
    _visibility,
)

#: The longest a certificate may be valid (the column's limit, and a hundred years).
MAX_VALIDITY_DAYS = 36_500


def _reminders(values: Iterable[int]) -> list[int]:
    out = sorted({int(v) for v in values}, reverse=True)
    if any(not 1 <= v <= 3650 for v in out):
        raise Invalid(_("Reminders are sent 1 to 3650 days before expiry."), "reminder_days")
    if len(out) > 10:
        raise Invalid(_("Choose at most 10 reminders."), "reminder_days")
    return out


def _validity(value: int | None) -> int | None:
    if value in (None, 0):
        return None
    n = int(value)
    if not 1 <= n <= MAX_VALIDITY_DAYS:
        raise Invalid(
            _("A certificate is valid from 1 to %(max)s days.", max=MAX_VALIDITY_DAYS),
            "validity_days",
        )
    return n


def path_snapshot(path: Path) -> dict[str, Any]:
    tiers, partners = path_audience(path.id)
    return {
        "title": path.title,
        "certification": path.certification,
        "validity_days": path.validity_days,
        "reminder_days": list(path.reminder_days or []),
        "course_ids": path_course_ids(path.id),
        "visibility": path.visibility,
        "tier_ids": tiers,
        "partner_ids": partners,
        "publish_at": _iso(path.publish_at),
        "retire_at": _iso(path.retire_at),
    }


def path_audience(path_id: int) -> tuple[list[int], list[int]]:
    tiers = sorted(api.session.scalars(select(PathTier.tier_id).where(PathTier.path_id == path_id)))
    partners = sorted(
        api.session.scalars(select(PathPartner.partner_id).where(PathPartner.path_id == path_id))
    )
    return tiers, partners


def path_course_ids(path_id: int) -> list[int]:
    return list(
        api.session.scalars(
            select(PathCourse.course_id)
            .where(PathCourse.path_id == path_id)
            .order_by(PathCourse.position, PathCourse.id)
        )
    )


def _path_courses(program_id: int, course_ids: Iterable[int]) -> list[int]:
    ids = list(dict.fromkeys(int(c) for c in course_ids))
    known = (
        set(
            api.session.scalars(
                select(Course.id).where(Course.program_id == program_id, Course.id.in_(ids))
            )
        )
        if ids
        else set()
    )
    if set(ids) - known:
        raise Invalid(_("Choose courses of this path's program."), "course_ids")
    if not ids:
        raise Invalid(_("Choose at least one course."), "course_ids")
    return ids


def create_path(
    program_id: int,
    title: str,
    certification: str,
    validity_days: int | None,
    course_ids: Sequence[int],
    description: str = "",
    reminder_days: Iterable[int] = (60, 30, 7),
    visibility: str = "everyone",
    publish_at: dt.datetime | None = None,
    retire_at: dt.datetime | None = None,
    tier_ids: Sequence[int] = (),
    partner_ids: Sequence[int] = (),
) -> Path:
    """A learning path of ``program_id``: ``course_ids`` in order, whose completion
    issues ``certification`` valid for ``validity_days`` (None: for ever)."""
    _program(program_id)
    title = _title(title)
    certification = _title(certification, "certification")
    validity = _validity(validity_days)
    reminders = _reminders(reminder_days)
    visibility = _visibility(visibility)
    _dates(publish_at, retire_at)
    courses = _path_courses(program_id, course_ids)
    tiers, partners = _audience_ids(program_id, visibility, tier_ids, partner_ids)
    position = api.session.scalar(
        select(func.coalesce(func.max(Path.position), -1) + 1).where(Path.program_id == program_id)
    )
    now = api.utcnow()
    path = Path(
        program_id=program_id,
        title=title,
        description=(description or "").strip(),
        certification=certification,
        validity_days=validity,
        reminder_days=reminders,
        visibility=visibility,
        publish_at=publish_at,
        retire_at=retire_at,
        position=int(position or 0),
        created_at=now,
        updated_at=now,
    )
    api.session.add(path)
    api.session.flush()
    _store_path_courses(path.id, courses)
    _store_audience(PathTier, PathPartner, "path_id", path.id, tiers, partners)
    api.session.flush()
    api.audit("lms.path_created", "lms_path", path.id, after=path_snapshot(path))
    _reindex_path(path)
    return path


def _reindex_path(path: Path) -> None:
    index = getattr(search, "index_path", None)
    if index is not None:
        index(path)


def update_path(
    path: Path,
    *,
    title: str,
    certification: str,
    validity_days: int | None,
    description: str = "",
    reminder_days: Iterable[int] = (60, 30, 7),
    publish_at: dt.datetime | None = None,
    retire_at: dt.datetime | None = None,
) -> Path:
    """Change a path's settings. Certificates already issued keep their name and dates."""
    before = path_snapshot(path)
    title = _title(title)
    certification = _title(certification, "certification")
    validity = _validity(validity_days)
    reminders = _reminders(reminder_days)
    _dates(publish_at, retire_at)
    path.title, path.certification, path.validity_days = title, certification, validity
    path.description = (description or "").strip()
    path.reminder_days = reminders
    path.publish_at, path.retire_at = publish_at, retire_at
    path.updated_at = api.utcnow()
    api.session.flush()
    api.audit("lms.path_updated", "lms_path", path.id, before=before, after=path_snapshot(path))
    _reindex_path(path)
    return path


def _store_path_courses(path_id: int, course_ids: list[int]) -> None:
    api.session.execute(delete(PathCourse).where(PathCourse.path_id == path_id))
    api.session.flush()
    for n, cid in enumerate(course_ids):
        api.session.add(PathCourse(path_id=path_id, course_id=cid, position=n))


def set_path_courses(path: Path, course_ids: Sequence[int]) -> None:
    """The path's courses, in this order (only courses of the path's program)."""
    courses = _path_courses(path.program_id, course_ids)
    before = path_course_ids(path.id)
    _store_path_courses(path.id, courses)
    path.updated_at = api.utcnow()
    api.session.flush()
    api.audit(
        "lms.path_courses",
        "lms_path",
        path.id,
        before={"course_ids": before},
        after={"course_ids": courses},
    )
    _reindex_path(path)


def set_path_audience(
    path: Path, visibility: str, tier_ids: Iterable[int] = (), partner_ids: Iterable[int] = ()
) -> None:
    visibility = _visibility(visibility)
    tiers, partners = _audience_ids(path.program_id, visibility, tier_ids, partner_ids)
    before = path_snapshot(path)
    path.visibility = visibility
    _store_audience(PathTier, PathPartner, "path_id", path.id, tiers, partners)
    path.updated_at = api.utcnow()
    api.session.flush()
    api.audit("lms.path_audience", "lms_path", path.id, before=before, after=path_snapshot(path))
    _reindex_path(path)
