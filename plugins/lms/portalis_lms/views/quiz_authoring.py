"""The vendor's quiz authoring (``lms.manage``): a quiz's rules, its question bank (add,
correct, retire, restore questions) and a preview of one attempt as a partner would see it
(drawn afresh each time, never stored)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portalis import api

from .. import quizzes
from ..access import get_or_404, manager_required
from ..i18n import _, _l
from ..models import QUESTION_KINDS, Course, Question, Quiz
from ..quizzes import MAX_CHOICES, QuizRefused
from .blueprint import bp
from .quiz import course_title, duration_text


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class QuizSettingsForm(api.PortalForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(), Length(max=quizzes.TITLE_MAX)], filters=[_strip]
    )
    pass_mark = api.BoundedIntegerField(
        _l("Pass mark (percent of the answers right)"),
        validators=[InputRequired()],
        min=1,
        max=100,
    )
    draw_count = api.BoundedIntegerField(
        _l("Questions per attempt"), validators=[Optional()], min=1, max=quizzes.MAX_DRAW
    )
    max_attempts = api.BoundedIntegerField(
        _l("Attempts allowed"), validators=[Optional()], min=1, max=quizzes.MAX_ATTEMPTS
    )
    cooldown_minutes = api.BoundedIntegerField(
        _l("Wait after a failed attempt (minutes)"),
        validators=[Optional()],
        min=0,
        max=quizzes.MAX_COOLDOWN_MINUTES,
    )
    review_answers = BooleanField(_l("Show people the right answers after they submit"))
    shuffle_answers = BooleanField(_l("Shuffle the answers of each question in every attempt"))


class QuestionForm(api.PortalForm):
    kind = SelectField(
        _l("Kind of question"),
        choices=api.select_choices((k, quizzes.kind_label(k)) for k in QUESTION_KINDS),
        default="single",
    )
    text = TextAreaField(
        _l("Question"),
        validators=[DataRequired(), Length(max=quizzes.TEXT_MAX)],
        filters=[_strip],
    )
    truefalse = SelectField(
        _l("For a true or false question: the statement is"),
        choices=api.select_choices([("true", _l("True")), ("false", _l("False"))]),
        default="true",
    )
    explanation = TextAreaField(
        _l("Explanation"),
        validators=[Optional(), Length(max=quizzes.TEXT_MAX)],
        filters=[_strip],
    )


for _n in range(1, MAX_CHOICES + 1):
    setattr(
        QuestionForm,
        f"choice{_n}",
        StringField(
            _l("Answer %(n)s", n=_n),
            validators=[Optional(), Length(max=quizzes.CHOICE_MAX)],
            filters=[_strip],
        ),
    )
    setattr(QuestionForm, f"correct{_n}", BooleanField(_l("Answer %(n)s is right", n=_n)))


def choice_rows(form: QuestionForm) -> list[tuple[Any, Any]]:
    """The (text, right) field pairs of the form, in order (for the template)."""
    return [
        (getattr(form, f"choice{n}"), getattr(form, f"correct{n}"))
        for n in range(1, MAX_CHOICES + 1)
    ]


def _question_values(form: QuestionForm) -> list[tuple[str, bool]]:
    """The answers the form gives (refused when a ticked row has no text)."""
    if form.kind.data == "truefalse":
        return quizzes.truefalse_choices(form.truefalse.data == "true")
    rows = []
    for n, (text, right) in enumerate(choice_rows(form), start=1):
        if text.data:
            rows.append((text.data, bool(right.data)))
        elif right.data:
            raise QuizRefused(_("Answer %(n)s is marked right but has no text.", n=n))
    return rows


def _quiz_and_course(quiz_id: int) -> tuple[Quiz, Course]:
    quiz = get_or_404(Quiz, quiz_id)
    return quiz, get_or_404(Course, quiz.course_id)


def _frame(quiz: Quiz, course: Course) -> dict[str, Any]:
    return {
        "quiz": quiz,
        "course": course,
        "course_title": course_title(course, api.current_viewer().locale),
        "kind_label": quizzes.kind_label,
    }


@bp.route("/manage/quizzes/<id:quiz_id>", methods=["GET", "POST"])
@manager_required
def quiz_edit(quiz_id: int) -> Any:
    quiz, course = _quiz_and_course(quiz_id)
    form = QuizSettingsForm(obj=quiz)
    if form.validate_on_submit():
        try:
            quizzes.update_quiz(
                quiz,
                title=form.title.data or "",
                pass_mark=int(form.pass_mark.data or 0),
                draw_count=form.draw_count.data,
                max_attempts=form.max_attempts.data,
                cooldown_minutes=int(form.cooldown_minutes.data or 0),
                review_answers=bool(form.review_answers.data),
                shuffle_answers=bool(form.shuffle_answers.data),
            )
        except QuizRefused as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Quiz settings saved."), "success")
            return redirect(url_for("lms.quiz_edit", quiz_id=quiz.id))
    questions = quizzes.questions_of(quiz.id)
    choices = quizzes.choices_of([q.id for q in questions])
    return api.page(
        "lms/vendor/quiz_edit.html",
        form=form,
        questions=questions,
        right_labels={
            q.id: [quizzes.choice_label(q, c) for c in choices[q.id] if c.correct]
            for q in questions
        },
        choice_counts={q.id: len(choices[q.id]) for q in questions},
        active_count=sum(1 for q in questions if q.active),
        status=422 if form.errors or form.form_errors else 200,
        **_frame(quiz, course),
    )


def _question_page(
    quiz: Quiz, course: Course, form: QuestionForm, question: Question | None
) -> Any:
    return api.page(
        "lms/vendor/quiz_question.html",
        form=form,
        rows=choice_rows(form),
        question=question,
        status=422 if form.errors or form.form_errors else 200,
        **_frame(quiz, course),
    )


@bp.route("/manage/quizzes/<id:quiz_id>/questions/new", methods=["GET", "POST"])
@manager_required
def quiz_question_new(quiz_id: int) -> Any:
    quiz, course = _quiz_and_course(quiz_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            quizzes.add_question(
                quiz.id,
                form.kind.data,
                form.text.data or "",
                _question_values(form),
                form.explanation.data or "",
            )
        except QuizRefused as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Question added."), "success")
            if request.form.get("then") == "another":
                return redirect(url_for("lms.quiz_question_new", quiz_id=quiz.id))
            return redirect(url_for("lms.quiz_edit", quiz_id=quiz.id))
    return _question_page(quiz, course, form, None)


@bp.route("/manage/questions/<id:question_id>", methods=["GET", "POST"])
@manager_required
def quiz_question_edit(question_id: int) -> Any:
    question = get_or_404(Question, question_id)
    quiz, course = _quiz_and_course(question.quiz_id)
    form = QuestionForm(obj=question)
    if request.method == "GET":
        current = quizzes.question_choices(question.id)
        if question.kind == "truefalse":
            right = next((c.text for c in current if c.correct), quizzes.TRUE)
            form.truefalse.data = "true" if right == quizzes.TRUE else "false"
        else:
            for (text, right_field), choice in zip(choice_rows(form), current, strict=False):
                text.data, right_field.data = choice.text, choice.correct
    if form.validate_on_submit():
        try:
            quizzes.update_question(
                question,
                form.kind.data,
                form.text.data or "",
                _question_values(form),
                form.explanation.data or "",
            )
        except QuizRefused as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Question saved."), "success")
            return redirect(url_for("lms.quiz_edit", quiz_id=quiz.id))
    return _question_page(quiz, course, form, question)


@bp.route("/manage/questions/<id:question_id>/retire", methods=["POST"])
@manager_required
def quiz_question_retire(question_id: int) -> Any:
    question = get_or_404(Question, question_id)
    quizzes.retire_question(question)
    flash(_("Question retired: new attempts no longer draw it."), "success")
    return redirect(url_for("lms.quiz_edit", quiz_id=question.quiz_id))


@bp.route("/manage/questions/<id:question_id>/restore", methods=["POST"])
@manager_required
def quiz_question_restore(question_id: int) -> Any:
    question = get_or_404(Question, question_id)
    quizzes.restore_question(question)
    flash(_("Question restored: new attempts may draw it again."), "success")
    return redirect(url_for("lms.quiz_edit", quiz_id=question.quiz_id))


@bp.route("/manage/quizzes/<id:quiz_id>/preview")
@manager_required
def quiz_preview(quiz_id: int) -> Any:
    quiz, course = _quiz_and_course(quiz_id)
    return api.page(
        "lms/vendor/quiz_preview.html",
        questions=quizzes.shown(quizzes.draw(quiz)),  # drawn afresh, not stored
        state=quizzes.standing(quiz, None, None),
        cooldown_text=duration_text(quiz.cooldown_minutes),
        **_frame(quiz, course),
    )
