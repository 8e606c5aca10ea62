"""Quizzes: grading of each kind, the random draw, the rules (attempts, waiting time,
passed), answers checked on the server only and once, the review, and the vendor's
authoring — as partners and vendors meet them."""

from __future__ import annotations

import random
import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portalis import api
from portalis.testing.databases import sessions_bound_to, test_database_kind, throwaway_database
from portalis.testing.kit import audit_entries

pytestmark = pytest.mark.plugins("lms")

EXPLANATION = "Platinum sits above Gold in every program"
QUESTIONS: list[tuple[str, str, list[tuple[str, bool]], str]] = [
    (
        "single",
        "Which tier is the highest?",
        [("Platinum", True), ("Silver", False), ("Gold", False), ("Registered", False)],
        EXPLANATION,
    ),
    (
        "multiple",
        "Which of these are deal stages?",
        [("Registered deal", True), ("Approved deal", True), ("Frozen deal", False)],
        "A deal is registered, then approved",
    ),
    (
        "truefalse",
        "Deal registrations expire after 90 days.",
        [("True", True), ("False", False)],
        "",
    ),
]


# --- helpers -----------------------------------------------------------------------------


def make_quiz_lesson(world: Any, questions: Any = QUESTIONS, **rules: Any) -> SimpleNamespace:
    """A live course (everyone in the program) with one module holding one required quiz
    lesson, written directly with the models; ``rules`` are the quiz's settings."""
    from portalis_lms import quizzes
    from portalis_lms.models import Course, CourseTranslation, Lesson, Module

    with api.tenant_scope(world.tenant.id):
        course = Course(
            program_id=world.program.id,
            default_language="en",
            visibility="everyone",
            created_by_id=world.users["vendor_admin"].id,
        )
        api.session.add(course)
        api.session.flush()
        api.session.add(
            CourseTranslation(course_id=course.id, language="en", title="Partner sales basics")
        )
        module = Module(course_id=course.id, title="Getting started")
        api.session.add(module)
        api.session.flush()
        quiz = quizzes.create_quiz(course.id, "Sales basics check", **rules)
        lesson = Lesson(
            course_id=course.id,
            module_id=module.id,
            kind="quiz",
            title="Final check",
            quiz_id=quiz.id,
            required=True,
        )
        api.session.add(lesson)
        qids = [quizzes.add_question(quiz.id, *q).id for q in questions]
        api.session.commit()
        return SimpleNamespace(
            course_id=course.id, quiz_id=quiz.id, lesson_id=lesson.id, question_ids=qids
        )


def quiz_url(q: SimpleNamespace, **args: Any) -> str:
    query = "".join(f"&{k}={v}" for k, v in args.items()).replace("&", "?", 1)
    return f"/lms/lessons/{q.lesson_id}/quiz{query}"


def submit_url(attempt_id: int) -> str:
    return f"/lms/quiz-attempts/{attempt_id}/submit"


def read(world: Any, fn: Any) -> Any:
    with api.tenant_scope(world.tenant.id):
        api.session.expire_all()
        return fn()


def attempts_of(world: Any, q: SimpleNamespace, user: Any) -> list[SimpleNamespace]:
    """The person's attempts at the quiz as stored now (plain values, oldest first)."""
    from portalis_lms.models import QuizAttempt

    fields = ("id", "number", "drawn", "answers", "submitted_at", "score", "passed")
    return read(
        world,
        lambda: [
            SimpleNamespace(**{f: getattr(a, f) for f in fields})
            for a in api.session.scalars(
                select(QuizAttempt)
                .where(QuizAttempt.quiz_id == q.quiz_id, QuizAttempt.user_id == user.id)
                .order_by(QuizAttempt.id)
            )
        ],
    )


def right_choices(world: Any) -> dict[int, set[int]]:
    from portalis_lms.models import Choice

    def load() -> dict[int, set[int]]:
        out: dict[int, set[int]] = {}
        for c in api.session.scalars(select(Choice)):
            out.setdefault(c.question_id, set())
            if c.correct:
                out[c.question_id].add(c.id)
        return out

    return read(world, load)


def form_answers(world: Any, attempt: Any, *, wrong: set[int] = frozenset()) -> dict[str, Any]:
    """The browser form of an attempt: right answers, except for the questions in
    ``wrong``, answered with a wrong choice."""
    keys = right_choices(world)
    data: dict[str, Any] = {}
    for item in attempt.drawn:
        qid, choices = item["question"], item["choices"]
        if qid in wrong:
            data[f"q{qid}"] = [next(c for c in choices if c not in keys[qid])]
        else:
            data[f"q{qid}"] = sorted(keys[qid])
    return data


def start(client: Any, q: SimpleNamespace) -> Any:
    resp = client.post_form(quiz_url(q), {})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return resp


def take(
    client: Any, world: Any, q: SimpleNamespace, user: Any, *, wrong: set[int] = frozenset()
) -> Any:
    """Start (or resume) an attempt in the browser and submit it; returns the attempt."""
    start(client, q)
    attempt = [a for a in attempts_of(world, q, user) if a.submitted_at is None][-1]
    resp = client.post_form(
        submit_url(attempt.id), form_answers(world, attempt, wrong=wrong), form_page=quiz_url(q)
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return attempt


def viewer_of(user: Any) -> Any:
    return SimpleNamespace(user_id=user.id, partner_id=user.partner_id, locale="en")


def run_for(world: Any, q: SimpleNamespace, user: Any) -> Any:
    from portalis_lms import progress
    from portalis_lms.models import Course

    course = api.session.get(Course, q.course_id)
    return progress.enrol(course, viewer_of(user))


# --- grading -----------------------------------------------------------------------------


def test_each_kind_is_graded_on_the_server(world):
    from portalis_lms import quizzes
    from portalis_lms.models import Lesson, Quiz

    q = make_quiz_lesson(world, pass_mark=60, shuffle_answers=False)
    single, multiple, truefalse = q.question_ids
    keys = right_choices(world)
    user = world.users["silver_user"]
    with api.tenant_scope(world.tenant.id):
        quiz, lesson = api.session.get(Quiz, q.quiz_id), api.session.get(Lesson, q.lesson_id)
        run = run_for(world, q, user)
        attempt = quizzes.start_attempt(quiz, lesson, run, viewer_of(user))
        choices = {i["question"]: i["choices"] for i in attempt.drawn}
        wrong_single = next(c for c in choices[single] if c not in keys[single])
        one_of_two = sorted(keys[multiple])[:1]
        false_choice = next(c for c in choices[truefalse] if c not in keys[truefalse])
        # single right, multiple only half right, true/false wrong: 1 of 3
        quizzes.submit_attempt(
            attempt,
            {
                str(single): sorted(keys[single]),
                str(multiple): one_of_two,
                str(truefalse): [false_choice],
            },
        )
        assert (attempt.score, attempt.passed) == (33, False)

        attempt = quizzes.start_attempt(quiz, lesson, run, viewer_of(user))
        # multiple with every right answer plus a wrong one is wrong; single wrong
        extra = sorted(
            keys[multiple] | {next(c for c in choices[multiple] if c not in keys[multiple])}
        )
        quizzes.submit_attempt(
            attempt,
            {
                str(single): [wrong_single],
                str(multiple): extra,
                str(truefalse): sorted(keys[truefalse]),
            },
        )
        assert (attempt.score, attempt.passed) == (33, False)

        attempt = quizzes.start_attempt(quiz, lesson, run, viewer_of(user))
        # all three right: exactly the right set for multiple
        quizzes.submit_attempt(
            attempt,
            {
                str(single): sorted(keys[single]),
                str(multiple): sorted(keys[multiple]),
                str(truefalse): sorted(keys[truefalse]),
            },
        )
        assert (attempt.score, attempt.passed) == (100, True)
        api.session.commit()
    submitted = audit_entries(world.tenant, "lms.quiz_submitted")
    assert [e.after["score"] for e in submitted] == [33, 33, 100]


def test_a_true_false_question_is_stored_as_true_and_false_and_shown_translated(world, client_as):
    q = make_quiz_lesson(world, questions=[QUESTIONS[2]])
    silver = client_as(world.users["silver_user"])
    start(silver, q)
    page = silver.get(quiz_url(q)).get_data(as_text=True)
    assert ">True<" in page and ">False<" in page
    with api.tenant_scope(world.tenant.id):
        from portalis_lms import quizzes

        with pytest.raises(quizzes.QuizRefused):
            quizzes.add_question(q.quiz_id, "truefalse", "Is it?", [("Yes", True), ("No", False)])
        with pytest.raises(quizzes.QuizRefused):
            quizzes.add_question(
                q.quiz_id, "truefalse", "Is it?", [("True", True), ("False", True)]
            )


# --- drawing -----------------------------------------------------------------------------


def test_the_draw_takes_the_set_number_and_the_page_keeps_the_shuffled_order(world, client_as):
    from portalis_lms import quizzes
    from portalis_lms.models import Choice, Lesson, Quiz

    q = make_quiz_lesson(world, draw_count=2, shuffle_answers=True)
    user = world.users["silver_user"]
    with api.tenant_scope(world.tenant.id):
        quiz, lesson = api.session.get(Quiz, q.quiz_id), api.session.get(Lesson, q.lesson_id)
        by_position = {
            qid: list(
                api.session.scalars(
                    select(Choice.id).where(Choice.question_id == qid).order_by(Choice.position)
                )
            )
            for qid in q.question_ids
        }

        def shuffled(drawn: list[dict[str, Any]]) -> bool:
            return any(i["choices"] != by_position[i["question"]] for i in drawn)

        seed = next(s for s in range(200) if shuffled(quizzes.draw(quiz, random.Random(s))))
        run = run_for(world, q, user)
        attempt = quizzes.start_attempt(quiz, lesson, run, viewer_of(user), rng=random.Random(seed))
        api.session.commit()
        drawn = attempt.drawn
    assert len(drawn) == 2 and len({i["question"] for i in drawn}) == 2
    assert {i["question"] for i in drawn} <= set(q.question_ids)
    for item in drawn:  # every answer, once, in a recorded order
        assert sorted(item["choices"]) == sorted(by_position[item["question"]])
        if item["question"] == q.question_ids[2]:  # true/false keeps True, False
            assert item["choices"] == by_position[item["question"]]
    assert shuffled(drawn)

    page = client_as(user).get(quiz_url(q)).get_data(as_text=True)
    shown = [int(v) for v in re.findall(r'name="q\d+" value="(\d+)"', page)]
    assert shown == [c for item in drawn for c in item["choices"]]  # the recorded order
    assert "Question 1 of 2" in page and "Question 2 of 2" in page


def test_a_retired_question_is_not_drawn_but_stays_in_the_attempt_that_drew_it(world, client_as):
    from portalis_lms import quizzes
    from portalis_lms.models import Question

    q = make_quiz_lesson(world)
    silver = client_as(world.users["silver_user"])
    start(silver, q)
    with api.tenant_scope(world.tenant.id):
        quizzes.retire_question(api.session.get(Question, q.question_ids[0]))
        api.session.commit()
    # the attempt in progress keeps the retired question
    assert "Which tier is the highest?" in silver.get(quiz_url(q)).get_data(as_text=True)
    # a new person's attempt doesn't draw it
    gold = client_as(world.users["gold_user"])
    start(gold, q)
    page = gold.get(quiz_url(q)).get_data(as_text=True)
    assert "Which tier is the highest?" not in page and "Question 2 of 2" in page


# --- what reaches the browser ------------------------------------------------------------


def test_the_take_page_never_carries_the_right_answers(world, client_as):
    q = make_quiz_lesson(world)
    silver = client_as(world.users["silver_user"])
    rules = silver.get(quiz_url(q)).get_data(as_text=True)
    assert "The quiz has 3 questions." in rules and "80%" in rules
    start(silver, q)
    page = silver.get(quiz_url(q)).get_data(as_text=True)
    assert "Which of these are deal stages?" in page and "Frozen deal" in page
    assert EXPLANATION not in page and "A deal is registered, then approved" not in page
    form = re.search(r'<form[^>]*action="[^"]*/submit".*?</form>', page, re.S)
    assert form is not None
    assert "correct" not in form.group(0).lower() and "checked" not in form.group(0)
    # every answer's markup is the same but for its id and text: right or wrong can't show
    labels = re.findall(r'<label class="checkbox">(.*?)</label>', page, re.S)
    assert len(labels) == 4 + 3 + 2
    texts = [t for _k, _q, choices, _e in QUESTIONS for t, _c in choices]
    shapes = set()
    for label in labels:
        for text in texts:
            label = label.replace(f">{text}<", ">TEXT<")
        shapes.add(re.sub(r"\d+", "N", re.sub(r'type="\w+"', "", label)))
    assert len(shapes) == 1, shapes


def test_an_answer_for_a_question_not_in_the_attempt_is_refused_and_nothing_is_stored(
    world, client_as
):
    q = make_quiz_lesson(world, draw_count=2)
    user = world.users["silver_user"]
    silver = client_as(user)
    start(silver, q)
    attempt = attempts_of(world, q, user)[0]
    drawn = [i["question"] for i in attempt.drawn]
    missing = next(qid for qid in q.question_ids if qid not in drawn)
    keys = right_choices(world)
    data = form_answers(world, attempt)

    bad = {**data, f"q{missing}": sorted(keys[missing])}
    resp = silver.post_form(submit_url(attempt.id), bad, form_page=quiz_url(q))
    assert resp.status_code == 422
    text = resp.get_data(as_text=True)
    assert "An answer was sent for a question that is not in this attempt." in text
    assert "Nothing was recorded" in text

    # an answer of another question, and a value that isn't a number
    other = {**data, f"q{drawn[0]}": sorted(keys[missing])[:1]}
    resp = silver.post_form(submit_url(attempt.id), other, form_page=quiz_url(q))
    assert resp.status_code == 422
    assert "An answer is not one of the question" in resp.get_data(as_text=True)
    resp = silver.post_form(
        submit_url(attempt.id), {**data, f"q{drawn[0]}": "9" * 400}, form_page=quiz_url(q)
    )
    assert resp.status_code == 422
    # two answers to a single-choice question
    single = q.question_ids[0]
    if single in drawn:
        choices = next(i["choices"] for i in attempt.drawn if i["question"] == single)
        resp = silver.post_form(
            submit_url(attempt.id), {**data, f"q{single}": choices[:2]}, form_page=quiz_url(q)
        )
        assert resp.status_code == 422

    after = attempts_of(world, q, user)
    assert len(after) == 1
    assert after[0].submitted_at is None and after[0].answers == {} and after[0].score is None
    assert audit_entries(world.tenant, "lms.quiz_submitted") == []


def test_a_second_submission_is_refused_and_the_first_answers_count(world, client_as):
    q = make_quiz_lesson(world)
    user = world.users["silver_user"]
    silver = client_as(user)
    attempt = take(silver, world, q, user, wrong={q.question_ids[0]})
    first = attempts_of(world, q, user)[0]
    assert first.score == 66 and first.passed is False

    resp = silver.post_form(
        submit_url(attempt.id), form_answers(world, first), form_page=quiz_url(q)
    )
    assert resp.status_code == 409
    assert "This attempt has already been submitted" in resp.get_data(as_text=True)
    again = attempts_of(world, q, user)
    assert len(again) == 1 and again[0].score == 66 and again[0].answers == first.answers
    assert len(audit_entries(world.tenant, "lms.quiz_submitted")) == 1


# --- the rules ---------------------------------------------------------------------------


def test_attempts_run_out(world, client_as):
    q = make_quiz_lesson(world, max_attempts=2)
    user = world.users["silver_user"]
    silver = client_as(user)
    rules = silver.get(quiz_url(q)).get_data(as_text=True)
    assert "You have 2 attempts left of 2." in rules
    take(silver, world, q, user, wrong={q.question_ids[0]})
    assert "You have 1 attempt left of 2." in silver.get(quiz_url(q)).get_data(as_text=True)
    take(silver, world, q, user, wrong={q.question_ids[0]})

    page = silver.get(quiz_url(q)).get_data(as_text=True)
    assert "You have used all 2 attempts at this quiz." in page
    assert "Start the quiz" not in page and "Try again" not in page
    resp = silver.post_form(quiz_url(q), {}, form_page=quiz_url(q))
    assert resp.status_code == 422
    assert "You have used all 2 attempts at this quiz." in resp.get_data(as_text=True)
    assert len(attempts_of(world, q, user)) == 2


def test_after_a_failed_attempt_the_person_waits_the_cool_down(world, client_as, clock):
    q = make_quiz_lesson(world, cooldown_minutes=60)
    user = world.users["silver_user"]
    silver = client_as(user)
    assert "After a failed attempt you wait 1 hour before the next one." in silver.get(
        quiz_url(q)
    ).get_data(as_text=True)
    attempt = take(silver, world, q, user, wrong={q.question_ids[0]})

    result = silver.get(quiz_url(q, attempt=attempt.id)).get_data(as_text=True)
    assert "You can try again on" in result and "Try again</button>" not in result
    clock.advance(minutes=30)
    resp = silver.post_form(quiz_url(q), {}, form_page=quiz_url(q))
    assert resp.status_code == 422 and "You can try again on" in resp.get_data(as_text=True)
    assert len(attempts_of(world, q, user)) == 1

    clock.advance(minutes=31)
    assert "Try again</button>" in silver.get(quiz_url(q, attempt=attempt.id)).get_data(
        as_text=True
    )
    start(silver, q)
    assert len(attempts_of(world, q, user)) == 2


def test_the_review_shows_the_right_answers_only_where_the_quiz_allows_it(world, client_as):
    user = world.users["silver_user"]
    silver = client_as(user)
    hidden = make_quiz_lesson(world, review_answers=False)
    attempt = take(silver, world, hidden, user, wrong={hidden.question_ids[0]})
    page = silver.get(quiz_url(hidden, attempt=attempt.id)).get_data(as_text=True)
    assert "66%" in page and "Not passed" in page
    assert EXPLANATION not in page and "Right answer" not in page
    assert "Platinum" not in page  # not even the questions' answers
    assert "the right answers are not shown" in silver.get(quiz_url(hidden)).get_data(as_text=True)

    shown = make_quiz_lesson(world, review_answers=True)
    attempt = take(silver, world, shown, user, wrong={shown.question_ids[0]})
    page = silver.get(quiz_url(shown, attempt=attempt.id)).get_data(as_text=True)
    assert EXPLANATION in page and "Right answer" in page and "Your answer" in page
    assert "Wrong" in page and "Platinum" in page


def test_failing_then_passing_completes_the_lesson_and_the_course(world, client_as):
    from portalis_lms.models import Enrolment, LessonProgress

    q = make_quiz_lesson(world)
    user = world.users["silver_user"]
    silver = client_as(user)

    def done() -> tuple[int, Any]:
        count = api.session.scalar(
            select(func.count(LessonProgress.id)).where(LessonProgress.lesson_id == q.lesson_id)
        )
        run = api.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)).one()
        return count, run.completed_at

    take(silver, world, q, user, wrong={q.question_ids[1]})
    assert read(world, done) == (0, None)
    attempt = take(silver, world, q, user)
    count, completed = read(world, done)
    assert count == 1 and completed is not None
    page = silver.get(quiz_url(q, attempt=attempt.id)).get_data(as_text=True)
    assert "100%" in page and "Well done: this lesson is complete." in page

    rules = silver.get(quiz_url(q)).get_data(as_text=True)
    assert "You have passed this quiz." in rules and "Start the quiz" not in rules
    resp = silver.post_form(quiz_url(q), {}, form_page=quiz_url(q))
    assert resp.status_code == 422 and "You have already passed this quiz." in resp.get_data(
        as_text=True
    )
    assert len(audit_entries(world.tenant, "lms.course_completed")) == 1


def test_nobody_else_opens_or_submits_someone_s_attempt(world, client_as):
    q = make_quiz_lesson(world)
    user = world.users["silver_user"]
    silver = client_as(user)
    start(silver, q)
    attempt = attempts_of(world, q, user)[0]
    answers = form_answers(world, attempt)
    for other in ("gold_user", "silver_admin"):
        intruder = client_as(world.users[other])
        start(intruder, q)  # their own attempt, so the page has a form
        resp = intruder.post_form(submit_url(attempt.id), answers, form_page=quiz_url(q))
        assert resp.status_code == 404
    assert attempts_of(world, q, user)[0].submitted_at is None
    attempt = take(silver, world, q, user)
    for other in ("gold_user", "silver_admin"):
        resp = client_as(world.users[other]).get(quiz_url(q, attempt=attempt.id))
        assert resp.status_code == 404
    # the other tenant's partner doesn't see the lesson at all
    foreign = client_as(world.other["users"]["gold_user"], tenant=world.other_tenant)
    assert foreign.get(quiz_url(q)).status_code == 404
    # vendor staff don't take quizzes: they preview them
    assert client_as(world.users["vendor_admin"]).get(quiz_url(q)).status_code == 404


# --- the vendor's authoring --------------------------------------------------------------


def test_vendor_authoring_refuses_a_single_choice_question_with_two_right_answers(world, client_as):
    from portalis_lms.models import Question

    q = make_quiz_lesson(world, questions=[])
    vendor = client_as(world.users["vendor_admin"])
    new = f"/lms/manage/quizzes/{q.quiz_id}/questions/new"
    bad = {
        "kind": "single",
        "text": "Which deal stage comes first?",
        "choice1": "Registered",
        "correct1": "y",
        "choice2": "Approved",
        "correct2": "y",
    }
    resp = vendor.post_form(new, bad)
    assert resp.status_code == 422
    assert "A single-choice question has exactly one right answer." in resp.get_data(as_text=True)
    resp = vendor.post_form(new, {**bad, "choice2": "", "correct2": ""})
    assert resp.status_code == 422 and "Give from 2 to 6 answers." in resp.get_data(as_text=True)
    resp = vendor.post_form(new, {**bad, "choice2": "", "correct1": ""})
    assert resp.status_code == 422 and "is marked right but has no text" in resp.get_data(
        as_text=True
    )
    assert read(world, lambda: api.session.scalars(select(Question)).all()) == []

    good = {**bad, "correct2": ""}
    assert vendor.post_form(new, good).status_code == 302
    assert (
        vendor.post_form(
            new,
            {"kind": "truefalse", "text": "Approved deals are protected.", "truefalse": "false"},
        ).status_code
        == 302
    )
    page = vendor.get(f"/lms/manage/quizzes/{q.quiz_id}").get_data(as_text=True)
    assert "Which deal stage comes first?" in page and "Approved deals are protected." in page
    assert "2 questions in use" in page

    # rules: the pass mark is a percentage
    settings = {"title": "Sales basics check", "pass_mark": "0", "review_answers": "y"}
    resp = vendor.post_form(f"/lms/manage/quizzes/{q.quiz_id}", settings)
    assert resp.status_code == 422
    resp = vendor.post_form(
        f"/lms/manage/quizzes/{q.quiz_id}",
        {
            **settings,
            "pass_mark": "70",
            "draw_count": "1",
            "max_attempts": "3",
            "cooldown_minutes": "120",
        },
    )
    assert resp.status_code == 302
    from portalis_lms.models import Quiz

    quiz = read(world, lambda: api.session.get(Quiz, q.quiz_id))
    assert (quiz.pass_mark, quiz.draw_count, quiz.max_attempts, quiz.cooldown_minutes) == (
        70,
        1,
        3,
        120,
    )
    assert quiz.review_answers is True and quiz.shuffle_answers is False


def test_vendor_retires_restores_edits_and_previews_without_storing(world, client_as):
    from portalis_lms.models import Choice, Question, QuizAttempt

    q = make_quiz_lesson(world)
    vendor = client_as(world.users["vendor_admin"])
    first = q.question_ids[0]
    edit = f"/lms/manage/quizzes/{q.quiz_id}"
    assert (
        vendor.post_form(f"/lms/manage/questions/{first}/retire", {}, form_page=edit).status_code
        == 302
    )
    assert read(world, lambda: api.session.get(Question, first).active) is False
    assert "Retired" in vendor.get(edit).get_data(as_text=True)
    assert (
        vendor.post_form(f"/lms/manage/questions/{first}/restore", {}, form_page=edit).status_code
        == 302
    )
    assert read(world, lambda: api.session.get(Question, first).active) is True

    form = vendor.get(f"/lms/manage/questions/{first}").get_data(as_text=True)
    assert 'value="Platinum"' in form
    resp = vendor.post_form(
        f"/lms/manage/questions/{first}",
        {
            "kind": "single",
            "text": "Which tier is the highest of all?",
            "choice1": "Platinum",
            "correct1": "y",
            "choice2": "Silver",
            "explanation": EXPLANATION,
        },
    )
    assert resp.status_code == 302  # nobody drew it yet: the answers may change in number
    count = read(
        world,
        lambda: api.session.scalar(
            select(func.count(Choice.id)).where(Choice.question_id == first)
        ),
    )
    assert count == 2

    preview = vendor.get(f"/lms/manage/quizzes/{q.quiz_id}/preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Which tier is the highest of all?" in html
    assert EXPLANATION not in html and "disabled" in html
    assert read(world, lambda: api.session.scalars(select(QuizAttempt)).all()) == []

    # once drawn, a question keeps its number of answers
    silver = client_as(world.users["silver_user"])
    start(silver, q)
    resp = vendor.post_form(
        f"/lms/manage/questions/{first}",
        {
            "kind": "single",
            "text": "Which tier?",
            "choice1": "Platinum",
            "correct1": "y",
            "choice2": "Silver",
            "choice3": "Gold",
        },
    )
    assert resp.status_code == 422 and "Retire it and add a new question" in resp.get_data(
        as_text=True
    )
    # partners never reach the authoring pages
    assert client_as(world.users["gold_admin"]).get(edit).status_code == 404


# --- two submissions at once (PostgreSQL: threads; SQLite: one after the other) ----------


@pytest.fixture(params=[True])
def race(portalis_app: Any, tmp_path: Path, request: Any) -> Iterator[dict[str, Any]]:
    """A database of its own with one person enrolled in a quiz course; with the attempt
    already started unless the test is parametrized ``indirect`` with ``False``."""
    kind = test_database_kind()
    try:
        database = throwaway_database(
            kind, directory=tmp_path, prefix="portalis_lms_quiz_race", connect_timeout=3
        )
        url = database.__enter__()
    except OperationalError as exc:  # pragma: no cover - the run's own database is reachable
        pytest.fail(f"the test database is unreachable: {exc}")
    try:
        with sessions_bound_to(url), portalis_app.app_context():
            yield _seed_race(portalis_app, kind, started=request.param)
    finally:
        database.__exit__(None, None, None)


def _seed_race(app: Any, kind: str, *, started: bool) -> dict[str, Any]:
    from portalis_lms import progress, quizzes
    from portalis_lms.models import Course, CourseTranslation, Lesson, Module

    with api.unscoped("race test creates its tenant"):
        tenant = api.Tenant(slug=f"race{uuid.uuid4().hex[:6]}", name="Race", allowed_locales=["en"])
        api.session.add(tenant)
        api.session.flush()
    with api.tenant_scope(tenant.id):
        program = api.Program(slug="partners", name="Race Program", currency="USD")
        api.session.add(program)
        api.session.flush()
        api.session.add(api.ProgramPlugin(program_id=program.id, plugin="lms", enabled=True))
        partner = api.Partner(name="Alpha IT", program_id=program.id, country="US")
        api.session.add(partner)
        api.session.flush()
        user = api.User(
            email="u@alpha.test",
            name="Una Alpha",
            role="partner_user",
            partner_id=partner.id,
            password_hash="x",
        )
        course = Course(program_id=program.id, default_language="en")
        api.session.add_all([user, course])
        api.session.flush()
        api.session.add(CourseTranslation(course_id=course.id, language="en", title="Race course"))
        module = Module(course_id=course.id, title="One")
        api.session.add(module)
        api.session.flush()
        quiz = quizzes.create_quiz(course.id, "Race quiz", pass_mark=50)
        lesson = Lesson(
            course_id=course.id, module_id=module.id, kind="quiz", title="Check", quiz_id=quiz.id
        )
        api.session.add(lesson)
        for question in QUESTIONS:
            quizzes.add_question(quiz.id, *question)
        run = progress.enrol(course, viewer_of(user))
        world = {
            "app": app,
            "threads": kind == "postgresql",
            "tenant_id": tenant.id,
            "lesson_id": lesson.id,
            "quiz_id": quiz.id,
            "run_id": run.id,
            "user_id": user.id,
            "partner_id": partner.id,
        }
        if started:
            attempt = quizzes.start_attempt(quiz, lesson, run, viewer_of(user))
            keys = quizzes.right_answers([i["question"] for i in attempt.drawn])
            world["attempt_id"] = attempt.id
            world["answers"] = {str(qid): sorted(ids) for qid, ids in keys.items()}
        api.session.commit()
    api.session.remove()
    return world


def test_two_submissions_of_one_attempt_at_once_count_once(race):
    from portalis.models import AuditEntry
    from portalis_lms import quizzes
    from portalis_lms.models import LessonProgress, QuizAttempt

    outcomes: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2, timeout=30) if race["threads"] else None

    def submit() -> None:
        try:
            with race["app"].app_context(), api.tenant_request_context(race["tenant_id"]):
                attempt = api.session.get(QuizAttempt, race["attempt_id"])
                assert attempt is not None
                if barrier is not None:
                    assert attempt.submitted_at is None  # both read it open
                    barrier.wait()
                try:
                    quizzes.submit_attempt(attempt, race["answers"])
                    time.sleep(0.2)  # the other runs while this one hasn't committed
                    api.session.commit()
                    outcomes.append("graded")
                except quizzes.QuizRefused as exc:
                    api.session.rollback()
                    outcomes.append(exc.reason)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            api.session.remove()

    if barrier is None:  # SQLite serialises writers: the same two, one after the other
        submit()
        submit()
    else:
        threads = [threading.Thread(target=submit) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not errors, errors
    assert sorted(outcomes) == ["graded", "submitted"]
    with race["app"].app_context(), api.tenant_scope(race["tenant_id"]):
        try:
            attempt = api.session.get(QuizAttempt, race["attempt_id"])
            assert attempt.score == 100 and attempt.passed is True
            done = api.session.scalar(
                select(func.count(LessonProgress.id)).where(
                    LessonProgress.lesson_id == race["lesson_id"]
                )
            )
            audits = api.session.scalar(
                select(func.count(AuditEntry.id)).where(AuditEntry.action == "lms.quiz_submitted")
            )
            assert (done, audits) == (1, 1)
        finally:
            api.session.remove()


@pytest.mark.parametrize("race", [False], indirect=True)
def test_two_tabs_starting_at_once_share_one_attempt(race, monkeypatch):
    from portalis_lms import quizzes
    from portalis_lms.models import Enrolment, Lesson, Quiz, QuizAttempt

    barrier = threading.Barrier(2, timeout=30) if race["threads"] else None
    draw = quizzes.draw

    def meeting_draw(*args: Any, **kwargs: Any) -> Any:
        if barrier is not None:  # both have seen no attempt in progress
            barrier.wait()
        return draw(*args, **kwargs)

    monkeypatch.setattr(quizzes, "draw", meeting_draw)
    started: list[int] = []
    errors: list[BaseException] = []
    viewer = SimpleNamespace(user_id=race["user_id"], partner_id=race["partner_id"], locale="en")

    def begin() -> None:
        try:
            with race["app"].app_context(), api.tenant_request_context(race["tenant_id"]):
                attempt = quizzes.start_attempt(
                    api.session.get(Quiz, race["quiz_id"]),
                    api.session.get(Lesson, race["lesson_id"]),
                    api.session.get(Enrolment, race["run_id"]),
                    viewer,
                )
                attempt_id = attempt.id
                time.sleep(0.2)
                api.session.commit()
                started.append(attempt_id)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            api.session.remove()

    if barrier is None:
        begin()
        begin()
    else:
        threads = [threading.Thread(target=begin) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not errors, errors
    assert len(started) == 2 and started[0] == started[1]
    with race["app"].app_context(), api.tenant_scope(race["tenant_id"]):
        try:
            assert api.session.scalar(select(func.count(QuizAttempt.id))) == 1
        finally:
            api.session.remove()


# --- a vendor acting as the learner ------------------------------------------------------


def _acting_as_learner(world: Any) -> Any:
    """Requests made meanwhile come from a vendor acting as the partner user."""
    import contextlib
    import dataclasses

    from flask import g

    vendor_id = world.users["vendor_admin"].id

    def impersonate() -> None:
        if getattr(g, "viewer", None) is not None and g.viewer.is_partner:
            g.viewer = dataclasses.replace(g.viewer, impersonated_by=vendor_id)

    @contextlib.contextmanager
    def scope() -> Iterator[None]:
        funcs = world.app.before_request_funcs.setdefault(None, [])
        funcs.append(impersonate)
        try:
            yield
        finally:
            funcs.remove(impersonate)

    return scope()


def test_a_vendor_acting_as_the_learner_can_look_but_not_start_or_submit(world, client_as):
    q = make_quiz_lesson(world)
    user = world.users["gold_user"]
    client = client_as(user)
    with _acting_as_learner(world):
        page = client.get(quiz_url(q)).get_data(as_text=True)
        assert "Only the learner can take the quiz." in page and "Start the quiz" not in page
        resp = client.post_form(quiz_url(q), {})
        assert resp.status_code == 302
    assert attempts_of(world, q, user) == []
    # the learner started an attempt; the vendor sees it but cannot submit it
    start(client, q)
    (attempt,) = attempts_of(world, q, user)
    with _acting_as_learner(world):
        page = client.get(quiz_url(q)).get_data(as_text=True)
        assert "Only the learner can take the quiz." in page
        assert re.search(r'<button[^>]*type="submit" disabled', page)
        resp = client.post_form(
            submit_url(attempt.id), form_answers(world, attempt), form_page=quiz_url(q)
        )
        assert resp.status_code == 302
    (after,) = attempts_of(world, q, user)
    assert after.submitted_at is None and after.passed is not True
    assert audit_entries(world.tenant, "lms.course_completed") == []
