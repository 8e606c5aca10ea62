"""Courses and lessons as portal search documents (permission-aware).

A course gives one document per language variant (its title and summary in that
language); each lesson gives one (its title and text), in the lesson's language or, for a
lesson for everyone, the course's default language. Every document carries the course's
program and audience — its tiers for visibility "tiers", its partner companies for
"partners", nobody's for "hidden" — and the search engine filters by them for each viewer
(tenant, program, tier, partner company and whether the plugin is on for them).

A course that isn't live (not yet published, retired) or is hidden is indexed for vendor
staff only (``audience="vendor"``), like a library item; :func:`sync_schedule` re-indexes
courses whose publish or retire moment passed since they were indexed (``search_live``
remembers how they were written), so partners find a course exactly while they may take
it. Authoring calls :func:`index_course` after every change and :func:`unindex_course`
when a course goes; ``portalis search reindex`` reads :func:`all_documents`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import current_app, has_request_context, url_for
from sqlalchemy import and_, event, not_, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import ORMExecuteState, Session, object_session
from werkzeug.routing import BuildError

from portalis import api

from .models import Course, CoursePartner, CourseTier, CourseTranslation, Lesson

PLUGIN_NAME = "lms"
#: How many courses one batch of the reindex or the schedule job reads.
BATCH = 200


def course_doc_id(course_id: int, language: str) -> str:
    return f"lms:course:{course_id}:{language}"


def lesson_doc_id(lesson_id: int) -> str:
    return f"lms:lesson:{lesson_id}"


def _url(endpoint: str, **values: Any) -> str:
    """A page's path, in a request or a job; the catalogue until the page exists."""
    try:
        if has_request_context():
            return url_for(endpoint, **values)
        return current_app.url_map.bind("localhost").build(endpoint, values)
    except BuildError:
        if endpoint == "lms.catalogue":
            raise
        return _url("lms.catalogue")


def autonym(code: str) -> str:
    """A language named in itself ("Deutsch") — the search's language facet, as the content
    library writes it, so one facet value covers both."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def _audiences(course_ids: Sequence[int]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    tiers: dict[int, list[int]] = {}
    partners: dict[int, list[int]] = {}
    for cid, tid in api.session.execute(
        select(CourseTier.course_id, CourseTier.tier_id)
        .where(CourseTier.course_id.in_(course_ids))
        .order_by(CourseTier.tier_id)
    ):
        tiers.setdefault(cid, []).append(tid)
    for cid, pid in api.session.execute(
        select(CoursePartner.course_id, CoursePartner.partner_id)
        .where(CoursePartner.course_id.in_(course_ids))
        .order_by(CoursePartner.partner_id)
    ):
        partners.setdefault(cid, []).append(pid)
    return tiers, partners


def live_clause(now: dt.datetime) -> Any:
    """SQL condition on :class:`Course`: partners may find it (published, not retired, not
    hidden; the audience aside)."""
    return and_(
        or_(Course.publish_at.is_(None), Course.publish_at <= now),
        or_(Course.retire_at.is_(None), Course.retire_at > now),
        Course.visibility != "hidden",
    )


def documents(
    courses: Sequence[Course], now: dt.datetime | None = None
) -> Iterator[api.SearchDocument]:
    """The search documents of ``courses`` and their lessons (three statements for the
    batch). Sets each course's ``search_live`` to what the documents say."""
    if not courses:
        return
    now = now or api.utcnow()
    ids = [c.id for c in courses]
    tiers, partners = _audiences(ids)
    translations: dict[int, list[CourseTranslation]] = {}
    for tr in api.session.scalars(
        select(CourseTranslation)
        .where(CourseTranslation.course_id.in_(ids))
        .order_by(CourseTranslation.course_id, CourseTranslation.language)
    ):
        translations.setdefault(tr.course_id, []).append(tr)
    lessons: dict[int, list[Lesson]] = {}
    for lesson in api.session.scalars(
        select(Lesson).where(Lesson.course_id.in_(ids)).order_by(Lesson.course_id, Lesson.id)
    ):
        lessons.setdefault(lesson.course_id, []).append(lesson)
    for course in courses:
        live = course.is_live(now) and course.visibility != "hidden"
        course.search_live = live
        tier_ids: tuple[int, ...] | None = None
        partner_ids: tuple[int, ...] | None = None
        if course.visibility == "hidden":
            tier_ids, partner_ids = (), ()
        elif course.visibility == "tiers":
            tier_ids = tuple(tiers.get(course.id, []))
        elif course.visibility == "partners":
            partner_ids = tuple(partners.get(course.id, []))
        common: dict[str, Any] = {
            "tenant_id": course.tenant_id,
            "plugin": PLUGIN_NAME,
            "program_id": course.program_id,
            "tier_ids": tier_ids,
            "partner_ids": partner_ids,
            "audience": "all" if live else "vendor",
            "tags": (),
            "updated_at": course.updated_at,
        }
        # partners open the course page; a course only vendor staff find opens in authoring
        if live:
            course_url = _url("lms.course", course_id=course.id)
        else:
            course_url = _url("lms.manage_course", course_id=course.id)
        for tr in translations.get(course.id, []):
            yield api.SearchDocument(
                doc_id=course_doc_id(course.id, tr.language),
                language=tr.language,
                title=tr.title,
                body=tr.summary or "",
                facets={"language": autonym(tr.language)},
                url=course_url,
                **common,
            )
        for lesson in lessons.get(course.id, []):
            language = lesson.language or course.default_language
            yield api.SearchDocument(
                doc_id=lesson_doc_id(lesson.id),
                language=language,
                title=lesson.title,
                body=lesson.body or "",
                facets={"language": autonym(language)},
                url=_url("lms.lesson", lesson_id=lesson.id) if live else course_url,
                **common,
            )


def index_course(course: Course | int) -> int:
    """(Re)index one course and its lessons in the current transaction; returns the
    documents written. Documents of translations and lessons deleted in this session are
    removed too (see :func:`_note_deleted`)."""
    course_id = course if isinstance(course, int) else course.id
    return index_courses([course_id])


def index_courses(course_ids: Iterable[int]) -> int:
    ids = sorted(set(course_ids))
    api.session.flush()
    gone = sorted(api.session.info.pop(_GONE, set()))
    if gone:
        api.search_delete(gone)
    if not ids:
        return 0
    courses = list(api.session.scalars(select(Course).where(Course.id.in_(ids))))
    docs = list(documents(courses))
    api.search_index(docs)
    return len(docs)


def unindex_course(course_id: int) -> None:
    """Remove a course's documents: call it before deleting the course (its lessons and
    languages are read to know the documents' ids)."""
    languages = set(
        api.session.scalars(
            select(CourseTranslation.language).where(CourseTranslation.course_id == course_id)
        )
    )
    tenant = api.current_tenant()
    languages.update(getattr(tenant, "allowed_locales", None) or ())
    lesson_ids = api.session.scalars(select(Lesson.id).where(Lesson.course_id == course_id))
    ids = [course_doc_id(course_id, lang) for lang in sorted(languages)]
    api.search_delete(ids + [lesson_doc_id(lid) for lid in lesson_ids])


# --- documents of rows deleted in a session ------------------------------------------------
#
# Authoring deletes a lesson, a module (its lessons in one statement) or a language variant
# and then calls index_course(): the deleted rows can't be read any more, so their document
# ids are noted as they go and index_courses() removes them.

_GONE = "lms_search_gone"


def _note(session: Session, doc_ids: Iterable[str]) -> None:
    session.info.setdefault(_GONE, set()).update(doc_ids)


@event.listens_for(Lesson, "after_delete")
def _lesson_deleted(_mapper: Any, connection: Any, target: Lesson) -> None:
    session = object_session(target)
    if session is not None:
        _note(session, [lesson_doc_id(target.id)])


@event.listens_for(CourseTranslation, "after_delete")
def _translation_deleted(_mapper: Any, connection: Any, target: CourseTranslation) -> None:
    session = object_session(target)
    if session is not None:
        _note(session, [course_doc_id(target.course_id, target.language)])


@event.listens_for(Session, "do_orm_execute")
def _lessons_bulk_deleted(state: ORMExecuteState) -> None:
    """``delete(Lesson).where(…)`` (a module's lessons): note their ids first."""
    if not state.is_delete or state.bind_mapper is not sa_inspect(Lesson):
        return
    where = state.statement.whereclause  # type: ignore[attr-defined]
    stmt = select(Lesson.id) if where is None else select(Lesson.id).where(where)
    ids = state.session.scalars(stmt).all()
    _note(state.session, [lesson_doc_id(i) for i in ids])


@event.listens_for(Session, "after_rollback")
def _forget_noted(session: Session) -> None:
    session.info.pop(_GONE, None)


def all_documents(batch: int = BATCH) -> Iterator[api.SearchDocument]:
    """Every search document of the current tenant's training, read in batches (for
    ``portalis search reindex``)."""
    last = 0
    while True:
        courses = list(
            api.session.scalars(
                select(Course).where(Course.id > last).order_by(Course.id).limit(batch)
            )
        )
        if not courses:
            return
        yield from documents(courses)
        last = courses[-1].id


def sync_schedule() -> None:
    """Courses that went live or stopped being live since they were indexed (a publish or
    retire moment passed): index them again, so partners find a course exactly while
    they may take it. A periodic job (``lms.search_schedule``, every minute)."""
    programs = api.programs_with_plugin(PLUGIN_NAME)
    if not programs:
        return
    live = live_clause(api.utcnow())
    ids = api.session.scalars(
        select(Course.id)
        .where(
            Course.program_id.in_(programs),
            or_(
                and_(live, Course.search_live.is_(False)),
                and_(not_(live), Course.search_live.is_(True)),
            ),
        )
        .limit(BATCH)
    ).all()
    index_courses(ids)
