"""A person's way through a course: the run (:class:`Enrolment`), its lessons done, and
the moment the course is complete.

Every kind of lesson ends here: a text, video, file or link lesson when the person marks
it done, a quiz when an attempt passes (:mod:`quizzes`), a SCORM package when its runtime
reports "passed" or "completed" (:mod:`scorm`). :func:`complete_lesson` records it once and,
when it was the last required lesson of the person's language, completes the run and
emits ``lms.course_completed`` — which the certification rules hear (after the commit)
to issue a certificate when a path is done.

No request objects; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from portalis import api

from .models import Course, CourseTranslation, Enrolment, Lesson, LessonProgress, Module

#: Emitted when a person completes a course: {"course_id", "user_id", "partner_id",
#: "enrolment_id"}.
COURSE_COMPLETED = "lms.course_completed"


def course_languages(course_id: int) -> list[str]:
    """The languages a course has a title in (its language variants)."""
    return list(
        api.session.scalars(
            select(CourseTranslation.language).where(CourseTranslation.course_id == course_id)
        )
    )


def language_for(course: Course, wanted: str | None) -> str:
    """The variant a person takes: their language if the course has it, else the
    course's default language."""
    if wanted:
        languages = course_languages(course.id)
        for candidate in (wanted, wanted.split("_")[0].split("-")[0]):
            if candidate in languages:
                return candidate
    return course.default_language


def lessons_for(course_id: int, language: str) -> list[Lesson]:
    """The lessons a person taking the course in ``language`` gets, in module and lesson
    order: those for every language and those of ``language``."""
    return list(
        api.session.scalars(
            select(Lesson)
            .join(Module, Module.id == Lesson.module_id)
            .where(
                Lesson.course_id == course_id,
                or_(Lesson.language == "", Lesson.language == language),
            )
            .order_by(Module.position, Module.id, Lesson.position, Lesson.id)
        )
    )


def open_enrolment(course_id: int, user_id: int) -> Enrolment | None:
    """The person's current run through the course (archived runs aside), if any."""
    return api.session.scalars(
        select(Enrolment).where(
            Enrolment.course_id == course_id,
            Enrolment.user_id == user_id,
            Enrolment.archived_at.is_(None),
        )
    ).first()


def enrol(course: Course, viewer: api.Viewer) -> Enrolment:
    """The viewer's open run through ``course``, started now if there is none. Two tabs
    starting at once end with one run: the database allows one open run per person and
    course, and the loser reads the winner's."""
    existing = open_enrolment(course.id, viewer.user_id or 0)
    if existing is not None:
        return existing
    if viewer.user_id is None or viewer.partner_id is None:
        api.not_found()
    run = Enrolment(
        course_id=course.id,
        user_id=viewer.user_id,
        partner_id=viewer.partner_id,
        language=language_for(course, viewer.locale),
        started_at=api.utcnow(),
    )
    try:
        with api.session.begin_nested():
            api.session.add(run)
            api.session.flush()
    except IntegrityError:
        winner = open_enrolment(course.id, viewer.user_id)
        if winner is None:  # not the race we expected
            raise
        return winner
    return run


def completed_lesson_ids(enrolment_id: int) -> set[int]:
    return set(
        api.session.scalars(
            select(LessonProgress.lesson_id).where(LessonProgress.enrolment_id == enrolment_id)
        )
    )


def required_remaining(run: Enrolment, lessons: Sequence[Lesson] | None = None) -> list[Lesson]:
    """The required lessons of the run's language not done yet."""
    lessons = lessons if lessons is not None else lessons_for(run.course_id, run.language)
    done = completed_lesson_ids(run.id)
    return [lesson for lesson in lessons if lesson.required and lesson.id not in done]


def touch(run: Enrolment, lesson: Lesson) -> None:
    """Remember where the person is ("resume where you left off")."""
    run.last_lesson_id = lesson.id
    run.last_seen_at = api.utcnow()


def complete_lesson(run: Enrolment, lesson: Lesson, at: dt.datetime | None = None) -> bool:
    """Record that the run's person finished ``lesson`` (once; again is a no-op) and
    complete the run when no required lesson is left. Returns whether the course became
    complete just now."""
    if run.archived_at is not None or lesson.course_id != run.course_id:
        return False
    at = at or api.utcnow()
    touch(run, lesson)
    if lesson.id not in completed_lesson_ids(run.id):
        try:
            with api.session.begin_nested():
                api.session.add(
                    LessonProgress(
                        enrolment_id=run.id,
                        lesson_id=lesson.id,
                        user_id=run.user_id,
                        partner_id=run.partner_id,
                        completed_at=at,
                    )
                )
                api.session.flush()
        except IntegrityError:
            pass  # recorded by a parallel request: the same fact
    if run.completed_at is not None or required_remaining(run):
        return False
    _finish(run, at, _program_of(run.course_id))
    return True


def _finish(run: Enrolment, at: dt.datetime, program_id: int | None) -> None:
    """Complete the run: audited, and ``lms.course_completed`` for the certification."""
    run.completed_at = at
    api.audit("lms.course_completed", "lms_course", run.course_id, after={"user": run.user_id})
    api.emit(
        COURSE_COMPLETED,
        {
            "course_id": run.course_id,
            "user_id": run.user_id,
            "partner_id": run.partner_id,
            "enrolment_id": run.id,
        },
        program_id=program_id,
    )


def complete_finished_runs(course_id: int, at: dt.datetime | None = None) -> int:
    """Complete every open run of the course that has no required lesson left — after the
    vendor deleted a lesson, made it optional or moved it to another language, the last
    required lesson may be gone with nobody completing anything. A run counts when the
    person has done at least one lesson of it (opening a course that then has nothing
    required left is not completing it). Three statements whatever the number of runs,
    plus what completing each one writes. Returns how many runs it completed."""
    runs = list(
        api.session.scalars(
            select(Enrolment).where(
                Enrolment.course_id == course_id,
                Enrolment.archived_at.is_(None),
                Enrolment.completed_at.is_(None),
            )
        )
    )
    if not runs:
        return 0
    required = api.session.execute(
        select(Lesson.id, Lesson.language).where(
            Lesson.course_id == course_id, Lesson.required.is_(True)
        )
    ).all()
    done: dict[int, set[int]] = {}
    for enrolment_id, lesson_id in api.session.execute(
        select(LessonProgress.enrolment_id, LessonProgress.lesson_id).where(
            LessonProgress.enrolment_id.in_([run.id for run in runs])
        )
    ):
        done.setdefault(enrolment_id, set()).add(lesson_id)
    at = at or api.utcnow()
    program_id = _program_of(course_id)
    finished = 0
    for run in runs:
        mine = done.get(run.id)
        if not mine:
            continue
        needed = {lid for lid, lang in required if lang in ("", run.language)}
        if needed <= mine:
            _finish(run, at, program_id)
            finished += 1
    if finished:
        api.session.flush()
    return finished


def _program_of(course_id: int) -> int | None:
    return api.session.scalar(select(Course.program_id).where(Course.id == course_id))


def share_done(run: Enrolment | None, lessons: Sequence[Lesson]) -> float:
    """How far the run is, 0.0 … 1.0, over the required lessons."""
    required = [lesson.id for lesson in lessons if lesson.required]
    if run is None or not required:
        return 1.0 if run is not None and run.completed_at else 0.0
    done = completed_lesson_ids(run.id)
    return sum(1 for lid in required if lid in done) / len(required)
