"""A partner taking a quiz lesson: the rules and earlier attempts, the attempt in progress
(its drawn questions — never which answers are right), and the result.

One page, ``lms.quiz`` (a quiz lesson): with an attempt in progress it shows the questions;
otherwise the rules, the person's attempts and "Start"; with ``?attempt=<id>`` one of their
submitted attempts (score, and the review where the quiz allows it). ``lms.quiz_submit``
grades on the server and leads to that result.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from portalis import api

from .. import access, learner, progress, quizzes
from ..i18n import _, ngettext
from ..models import Course, Lesson, Quiz, QuizAttempt
from ..quizzes import QuizRefused
from .blueprint import bp


def course_title(course: Course, language: str | None) -> str:
    """The course's title in ``language``, else in its default language."""
    return learner.course_title(course.id, language)


def duration_text(minutes: int) -> str:
    """A waiting time in words: "30 minutes", "2 hours", "3 days"."""
    if minutes and minutes % 1440 == 0:
        return ngettext("%(num)d day", "%(num)d days", minutes // 1440)
    if minutes and minutes % 60 == 0:
        return ngettext("%(num)d hour", "%(num)d hours", minutes // 60)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


def _quiz_lesson_or_404(lesson_id: int, viewer: api.Viewer) -> tuple[Lesson, Quiz, Course]:
    """A quiz lesson of a course the viewer may take now, in their language; else 404."""
    lesson = api.session.get(Lesson, lesson_id)
    if lesson is None or lesson.kind != "quiz" or lesson.quiz_id is None:
        api.not_found()
    course = access.course_or_404(lesson.course_id, viewer)
    quiz = api.session.get(Quiz, lesson.quiz_id)
    if quiz is None or quiz.course_id != course.id:
        api.not_found()
    run = progress.open_enrolment(course.id, viewer.user_id or 0)
    language = run.language if run is not None else progress.language_for(course, viewer.locale)
    if lesson.language not in ("", language):
        api.not_found()
    return lesson, quiz, course


def _context(lesson: Lesson, quiz: Quiz, course: Course, run: Any) -> dict[str, Any]:
    language = run.language if run is not None else api.current_viewer().locale
    return {
        "lesson": lesson,
        "quiz": quiz,
        "course": course,
        "course_title": course_title(course, language),
        "state": quizzes.standing(quiz, lesson, run),
        "cooldown_text": duration_text(quiz.cooldown_minutes),
        "kind_label": quizzes.kind_label,
    }


def _take_page(ctx: dict[str, Any], attempt: QuizAttempt, error: str = "") -> Any:
    questions = quizzes.shown(attempt.drawn)  # nothing about right answers
    return api.page(
        "lms/partner/quiz_take.html",
        attempt=attempt,
        questions=questions,
        error=error,
        status=422 if error else 200,
        **ctx,
    )


@bp.route("/lessons/<id:lesson_id>/quiz", methods=["GET", "POST"])
@api.partner_member
@access.learner_only  # starting an attempt (POST) is the learner's own; reading is open
def quiz(lesson_id: int) -> Any:
    viewer = api.current_viewer()
    lesson, quiz, course = _quiz_lesson_or_404(lesson_id, viewer)
    run = progress.open_enrolment(course.id, viewer.user_id or 0)
    refusal: QuizRefused | None = None
    if request.method == "POST":
        run = progress.enrol(course, viewer)
        try:
            quizzes.start_attempt(quiz, lesson, run, viewer)
        except QuizRefused as exc:
            refusal = exc
        else:
            progress.touch(run, lesson)
            return redirect(url_for("lms.quiz", lesson_id=lesson.id))
    elif run is not None:
        progress.touch(run, lesson)
    ctx = _context(lesson, quiz, course, run)
    state: quizzes.Standing = ctx["state"]
    wanted = api.id_arg("attempt")
    if wanted is not None and refusal is None:
        attempt = next((a for a in state.submitted if a.id == wanted), None)
        if attempt is None:
            api.not_found()
        return _result_page(ctx, attempt)
    if state.open_attempt is not None and refusal is None:
        return _take_page(ctx, state.open_attempt)
    return api.page(
        "lms/partner/quiz.html",
        refusal=refusal,
        status=422 if refusal is not None else 200,
        **ctx,
    )


def _result_page(ctx: dict[str, Any], attempt: QuizAttempt, error: str = "") -> Any:
    quiz: Quiz = ctx["quiz"]
    review = quiz.review_answers
    questions = quizzes.shown(attempt.drawn, attempt.answers, reveal=review) if review else []
    return api.page(
        "lms/partner/quiz_result.html",
        attempt=attempt,
        questions=questions,
        review=review,
        error=error,
        status=409 if error else 200,
        **ctx,
    )


def _answers_from(form: MultiDict[str, str]) -> dict[str, list[int]]:
    """``q<question id>`` → the picked answers' ids; anything unreadable is refused."""
    answers: dict[str, list[int]] = {}
    for key in form:
        if not key.startswith("q"):
            continue  # the CSRF token
        qid = api.valid_id(key[1:])
        if qid is None:
            raise QuizRefused(
                _("An answer was sent for a question that is not in this attempt."), "answer"
            )
        picked = [api.valid_id(v) for v in form.getlist(key)]
        if any(c is None for c in picked):
            raise QuizRefused(_("An answer is not one of the question's answers."), "answer")
        answers[str(qid)] = [c for c in picked if c is not None]
    return answers


@bp.route("/quiz-attempts/<id:quiz_attempt_id>/submit", methods=["POST"])
@api.partner_member
@access.learner_only
def quiz_submit(quiz_attempt_id: int) -> Any:
    viewer = api.current_viewer()
    attempt = api.session.scalars(
        access.own(
            select(QuizAttempt).where(
                QuizAttempt.id == quiz_attempt_id, QuizAttempt.archived_at.is_(None)
            ),
            QuizAttempt.user_id,
            viewer,
        )
    ).first()
    if attempt is None:
        api.not_found()
    lesson, quiz, course = _quiz_lesson_or_404(attempt.lesson_id, viewer)
    if attempt.submitted_at is not None:
        run = progress.open_enrolment(course.id, viewer.user_id or 0)
        return _result_page(
            _context(lesson, quiz, course, run),
            attempt,
            error=_("This attempt has already been submitted; your first answers count."),
        )
    try:
        quizzes.submit_attempt(attempt, _answers_from(request.form))
    except QuizRefused as exc:
        run = progress.open_enrolment(course.id, viewer.user_id or 0)
        ctx = _context(lesson, quiz, course, run)
        if exc.reason == "submitted":
            return _result_page(
                ctx,
                attempt,
                error=_("This attempt has already been submitted; your first answers count."),
            )
        return _take_page(ctx, attempt, error=str(exc))
    api.session.commit()  # graded and recorded before the result is shown
    return redirect(url_for("lms.quiz", lesson_id=lesson.id, attempt=attempt.id))
