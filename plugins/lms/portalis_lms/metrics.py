"""Tier metrics: active certifications and recent completions per partner company.

* ``active_certifications`` — people of the company holding an *active* certificate of
  any path of the program: not revoked, not renewed (superseded), not expired (compared
  with ``now``, so an expiry lowers the number by itself, no job needed); each person
  counts once however many certificates they hold; people deactivated or gone to another
  company don't count. Tier criteria may name one certification:
  ``active_certifications("Certified Sales Professional") >= 3`` counts the people with an
  active certificate of the paths whose certification name (as stored, in the path's
  default language — not its translations) is that text, ignoring case and the spaces
  around it (case as the database folds it: on SQLite only A–Z); several paths of that
  name count together, each person once.
* ``training_completions_90d`` — course runs of the company completed in the last 90
  days (courses of the program), archived runs included: a run completed before a
  recertification archived it was still a completion in its window.

Each is one grouped query for the whole batch of partners.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import and_, func, or_, select

from portalis import api

from .i18n import _l
from .models import Certificate, Course, Enrolment, Path

WINDOW = dt.timedelta(days=90)


def active_certifications(
    partner_ids: list[int], program_id: int, now: dt.datetime, certification: str | None = None
) -> Mapping[int, float]:
    """People per company holding an active certificate (of the named certification —
    the path's certification name in its default language — when one is given)."""
    if not partner_ids:
        return {}
    stmt = (
        select(Certificate.partner_id, func.count(Certificate.user_id.distinct()))
        .join(Path, Path.id == Certificate.path_id)
        .join(
            api.User,
            and_(api.User.id == Certificate.user_id, api.User.partner_id == Certificate.partner_id),
        )
        .where(
            Certificate.partner_id.in_(partner_ids),
            Path.program_id == program_id,
            Certificate.revoked_at.is_(None),
            Certificate.superseded_at.is_(None),
            Certificate.issued_at <= now,
            or_(Certificate.expires_at.is_(None), Certificate.expires_at > now),
            api.User.active.is_(True),
        )
        .group_by(Certificate.partner_id)
    )
    if certification is not None:
        # both sides folded by the database, so a name matches itself whatever its letters
        stmt = stmt.where(
            func.lower(func.trim(Path.certification)) == func.lower(certification.strip())
        )
    return {pid: float(n) for pid, n in api.session.execute(stmt).all()}


def training_completions_90d(
    partner_ids: list[int], program_id: int, now: dt.datetime
) -> Mapping[int, float]:
    """Course runs completed per company in the 90 days up to ``now``."""
    if not partner_ids:
        return {}
    rows = api.session.execute(
        select(Enrolment.partner_id, func.count(Enrolment.id))
        .join(Course, Course.id == Enrolment.course_id)
        .where(
            Enrolment.partner_id.in_(partner_ids),
            Course.program_id == program_id,
            Enrolment.completed_at.is_not(None),
            Enrolment.completed_at > now - WINDOW,
            Enrolment.completed_at <= now,
        )
        .group_by(Enrolment.partner_id)
    ).all()
    return {pid: float(n) for pid, n in rows}


def _active_any(partner_ids: list[int], program_id: int, now: dt.datetime) -> Mapping[int, float]:
    return active_certifications(partner_ids, program_id, now)


def _active_named(
    partner_ids: list[int], program_id: int, now: dt.datetime, certification: str
) -> Mapping[int, float]:
    return active_certifications(partner_ids, program_id, now, certification=certification)


DEFINITIONS: list[api.MetricDefinition] = [
    api.MetricDefinition(
        "active_certifications",
        _l("People with an active certification"),
        _active_any,
        compute_for=_active_named,
    ),
    api.MetricDefinition(
        "training_completions_90d",
        _l("Courses completed in the last 90 days"),
        training_completions_90d,
    ),
]
