"""Courses as one partner user sees them in lists — the catalogue, "my learning", the
dashboard card: the title and summary of their language variant, time and lessons, their
progress, state and due date.

Everything here is batched: a list of courses costs the same few statements whatever the
number of courses, lessons, people or completions in the tenant (the title comes from a
correlated subquery, lesson counts and completions from one grouped query each).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import and_, case, exists, func, or_, select, true
from sqlalchemy.orm import aliased

from portalis import api

from .access import course_clause
from .assignments import applies_to
from .models import Assignment, Course, CourseTranslation, Enrolment, Lesson, LessonProgress

T = TypeVar("T")

#: States a course can be in for a person (a filter of the catalogue too).
STATES = ("not_started", "in_progress", "completed")


def _languages(locale: str | None) -> tuple[str, str]:
    full = locale or ""
    return full, full.split("_")[0].split("-")[0]


def _one(column: Any, *conditions: Any) -> Any:
    return (
        select(column)
        .where(CourseTranslation.course_id == Course.id, *conditions)
        .order_by(CourseTranslation.id)
        .limit(1)
        .correlate(Course)
        .scalar_subquery()
    )


def _wanted(locale: str | None) -> list[str]:
    full, base = _languages(locale)
    return [lang for lang in dict.fromkeys((full, base)) if lang]


# --- a course's title in a language: the one rule -----------------------------------------


def _pick(by_language: dict[str, T], language: str | None, default: str) -> T | None:
    """What a reader of ``language`` gets of a course's variants: theirs (``pt_BR``, then
    ``pt``), else the course's default language, else any (the first written)."""
    for code in (*_wanted(language), default):
        if code in by_language:
            return by_language[code]
    return next(iter(by_language.values()), None)


def course_titles(course_ids: Iterable[int], language: str | None) -> dict[int, str]:
    """Each course's title in ``language`` — else in its default language, else any; one
    statement for any number of courses. (SQL lists use :func:`variant`, the same rule.)"""
    ids = list(dict.fromkeys(course_ids))
    if not ids:
        return {}
    by_course: dict[int, tuple[str, dict[str, str]]] = {}
    for cid, lang, title, default in api.session.execute(
        select(
            CourseTranslation.course_id,
            CourseTranslation.language,
            CourseTranslation.title,
            Course.default_language,
        )
        .join(Course, Course.id == CourseTranslation.course_id)
        .where(CourseTranslation.course_id.in_(ids))
        .order_by(CourseTranslation.id)
    ):
        by_course.setdefault(cid, (default, {}))[1][lang] = title
    return {
        cid: _pick(titles, language, default) or "" for cid, (default, titles) in by_course.items()
    }


def course_title(course_id: int, language: str | None) -> str:
    """One course's title in ``language`` (see :func:`course_titles`)."""
    return course_titles([course_id], language).get(course_id, "")


def course_translation(course: Course, language: str | None) -> CourseTranslation | None:
    """The variant (title and summary) a reader of ``language`` gets of ``course``."""
    rows = api.session.scalars(
        select(CourseTranslation)
        .where(CourseTranslation.course_id == course.id)
        .order_by(CourseTranslation.id)
    )
    return _pick({tr.language: tr for tr in rows}, language, course.default_language)


def variant(column: Any, locale: str | None) -> Any:
    """A course's ``column`` of :class:`CourseTranslation` in the variant a person with
    ``locale`` gets (theirs, else the course's default language, else any), as
    correlated subqueries on :class:`Course` (each an index look-up)."""
    candidates = [_one(column, CourseTranslation.language == lang) for lang in _wanted(locale)]
    candidates.append(_one(column, CourseTranslation.language == Course.default_language))
    candidates.append(_one(column))
    return func.coalesce(*candidates)


def language_column(locale: str | None) -> Any:
    """The language a person with ``locale`` takes a course in — the rule of
    ``progress.language_for`` — as a correlated subquery on :class:`Course`."""
    candidates = [
        _one(CourseTranslation.language, CourseTranslation.language == lang)
        for lang in _wanted(locale)
    ]
    return func.coalesce(*candidates, Course.default_language)


@dataclass
class CourseView:
    """One course as the viewer sees it."""

    course: Course
    title: str
    language: str
    run: Enrolment | None
    summary: str = ""
    assigned: bool = False
    due_at: dt.datetime | None = None
    lessons: int = 0
    required: int = 0
    lesson_minutes: int = 0
    done: int = 0
    visible: bool = True
    now: dt.datetime | None = None

    @property
    def minutes(self) -> int:
        """How long it takes: the vendor's estimate, else the lessons' minutes added up."""
        return self.course.estimated_minutes or self.lesson_minutes

    @property
    def excerpt(self) -> str:
        """The summary as plain text (its Markdown rendered, tags dropped), for a card."""
        if not self.summary:
            return ""
        return str(api.render_markdown(self.summary).striptags())[:400]

    @property
    def completed(self) -> bool:
        return self.run is not None and self.run.completed_at is not None

    @property
    def state(self) -> str:
        if self.run is None:
            return "not_started"
        return "completed" if self.run.completed_at is not None else "in_progress"

    @property
    def share(self) -> float:
        """Progress 0.0 … 1.0 over the required lessons of the person's language."""
        if self.completed:
            return 1.0
        if self.run is None or not self.required:
            return 0.0
        return min(self.done, self.required) / self.required

    @property
    def percent_done(self) -> int:
        return int(round(self.share * 100))

    @property
    def needs_action(self) -> bool:
        """Assigned and not done yet."""
        return self.assigned and not self.completed

    @property
    def overdue(self) -> bool:
        now = self.now or api.utcnow()
        return self.needs_action and self.due_at is not None and self.due_at < now


def _run_join(viewer: api.Viewer) -> tuple[Any, Any]:
    """The viewer's open run of a course, as an alias and its join condition."""
    run = aliased(Enrolment, name="run")
    return run, and_(
        run.course_id == Course.id,
        run.user_id == (viewer.user_id or 0),
        run.archived_at.is_(None),
    )


def assigned_clause(viewer: api.Viewer) -> Any:
    """SQL condition on :class:`Course`: assigned to the viewer."""
    return exists().where(Assignment.course_id == Course.id, applies_to(viewer)).correlate(Course)


def course_select(
    viewer: api.Viewer, *, summary: bool = False, visible_only: bool = True
) -> tuple[Any, Any]:
    """``select`` of (Course, title, language, run, assigned, due_at[, summary, visible])
    for the viewer, with their open run outer-joined, and the run's alias (to filter on).
    ``visible_only=False`` keeps courses they may no longer take (their history) and adds
    a ``visible`` column saying which they may."""
    run, on = _run_join(viewer)
    due = (
        select(func.min(Assignment.due_at))
        .where(Assignment.course_id == Course.id, applies_to(viewer))
        .correlate(Course)
        .scalar_subquery()
    )
    columns: list[Any] = [
        Course,
        variant(CourseTranslation.title, viewer.locale).label("title"),
        language_column(viewer.locale).label("language"),
        run,
        assigned_clause(viewer).label("assigned"),
        due.label("due_at"),
    ]
    if summary:
        columns.append(variant(CourseTranslation.summary, viewer.locale).label("summary"))
    if not visible_only:
        columns.append(course_clause(viewer).label("visible"))
    stmt = select(*columns).outerjoin(run, on)
    if visible_only:
        stmt = stmt.where(course_clause(viewer))
    return stmt, run


def state_clause(state: str, run: Any, viewer: api.Viewer) -> Any:
    """SQL condition for a catalogue filter: "assigned" (and not done), or one of STATES."""
    if state == "completed":
        return run.completed_at.is_not(None)
    if state == "in_progress":
        return and_(run.id.is_not(None), run.completed_at.is_(None))
    if state == "not_started":
        return run.id.is_(None)
    if state == "assigned":
        return and_(assigned_clause(viewer), run.completed_at.is_(None))
    return true()


def state_counts(viewer: api.Viewer, *conditions: Any) -> dict[str, int]:
    """How many courses the viewer may take (and that meet ``conditions``) are in each
    state, "" for all of them — one statement."""
    run, on = _run_join(viewer)
    started = run.id.is_not(None)
    open_run = and_(started, run.completed_at.is_(None))
    row = api.session.execute(
        select(
            func.count(Course.id),
            func.count(run.completed_at),
            func.count(case((open_run, 1))),
            func.count(case((run.id.is_(None), 1))),
            func.count(case((and_(assigned_clause(viewer), run.completed_at.is_(None)), 1))),
        )
        .select_from(Course)
        .outerjoin(run, on)
        .where(course_clause(viewer), *conditions)
    ).one()
    return {
        "": row[0],
        "completed": row[1],
        "in_progress": row[2],
        "not_started": row[3],
        "assigned": row[4],
    }


def views(
    rows: Iterable[Any], now: dt.datetime | None = None, *, counts: bool = True
) -> list[CourseView]:
    """:class:`CourseView`s for rows of :func:`course_select`, with lesson counts and the
    viewer's completions filled in (two grouped statements for the whole list; none with
    ``counts=False``)."""
    now = now or api.utcnow()
    out: list[CourseView] = []
    for row in rows:
        m = row._mapping
        run = m["run"]
        out.append(
            CourseView(
                course=m[Course],
                title=m["title"] or "",
                language=run.language if run is not None else m["language"],
                run=run,
                summary=m.get("summary") or "",
                assigned=bool(m["assigned"]),
                due_at=m["due_at"],
                visible=bool(m["visible"]) if "visible" in m else True,
                now=now,
            )
        )
    if counts:
        fill_counts(out)
    return out


def fill_counts(items: Sequence[CourseView]) -> None:
    """Lessons, required lessons and minutes of each course in its person's language, and
    the required lessons done in their run."""
    if not items:
        return
    course_ids = {v.course.id for v in items}
    stats: dict[tuple[int, str], list[int]] = {}
    for course_id, language, required, n, minutes in api.session.execute(
        select(
            Lesson.course_id,
            Lesson.language,
            Lesson.required,
            func.count(Lesson.id),
            func.coalesce(func.sum(Lesson.minutes), 0),
        )
        .where(Lesson.course_id.in_(course_ids))
        .group_by(Lesson.course_id, Lesson.language, Lesson.required)
    ):
        entry = stats.setdefault((course_id, language), [0, 0, 0])
        entry[0] += n
        entry[1] += n if required else 0
        entry[2] += int(minutes or 0)
    for v in items:
        for language in {"", v.language}:
            n, req, minutes = stats.get((v.course.id, language), (0, 0, 0))
            v.lessons += n
            v.required += req
            v.lesson_minutes += minutes
    run_ids = [v.run.id for v in items if v.run is not None and v.run.completed_at is None]
    if not run_ids:
        return
    done = dict(
        api.session.execute(
            select(LessonProgress.enrolment_id, func.count(LessonProgress.id))
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .join(Enrolment, Enrolment.id == LessonProgress.enrolment_id)
            .where(
                LessonProgress.enrolment_id.in_(run_ids),
                Lesson.required.is_(True),
                or_(Lesson.language == "", Lesson.language == Enrolment.language),
            )
            .group_by(LessonProgress.enrolment_id)
        ).all()
    )
    for v in items:
        if v.run is not None:
            v.done = int(done.get(v.run.id, 0))


def lesson_titles(lesson_ids: Iterable[int]) -> dict[int, str]:
    """Titles of lessons by id (where people resume)."""
    ids = {i for i in lesson_ids if i}
    if not ids:
        return {}
    return dict(
        api.session.execute(select(Lesson.id, Lesson.title).where(Lesson.id.in_(ids))).all()
    )
