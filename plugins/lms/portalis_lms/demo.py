"""Demo data for ``portalis demo`` (and the contract tests): four courses — one with a
quiz, one a real SCORM 1.2 package, one for the upper tiers only, one short tour — two
certification paths, an assignment for the Silver tier, and people at every point:
certified, expiring soon, expired, renewed, half-way, not started.

The certified people's course runs are written as completed in the past, so their
certificates, the reports and the tier metric ``active_certifications`` agree. The Silver
partner's people (Tailspin at Acme) start with nothing, so the demo — and the end-to-end
test — can walk the whole path from the first lesson to the certificate.
"""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select

from portalis import api

from . import assignments, paths, quizzes, scorm, service
from .certification import new_code
from .models import (
    Certificate,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Path,
    Quiz,
    QuizAttempt,
)
from .progress import lessons_for, open_enrolment

DAY = dt.timedelta(days=1)

ESSENTIALS_TEXT = (
    "## What {vendor} is\n\n"
    "{vendor} runs your customers' workloads in three regions with one console, one bill "
    "and one support line.\n\n"
    "- **Compute** that scales with the business day\n"
    "- **Backup** with 35 days of restore points\n"
    "- **Support** that answers in under an hour, around the clock\n"
)
SELLING_TEXT = (
    "Good first conversations start with the customer's last outage, not with our "
    "feature list. This course walks you through discovery, the three questions that "
    "qualify a deal, and how to register it so it is protected."
)
DEPLOY_TEXT = (
    "## Before you start\n\n"
    "Check that the customer's network allows outbound HTTPS to the backup endpoints, and "
    "that a maintenance window is agreed.\n\n"
    "## Rolling out\n\n"
    "1. Install the agent on one server and run a test backup.\n"
    "2. Restore one file to prove it works.\n"
    "3. Roll out to the rest with the deployment template.\n"
)
TOUR_TEXT = (
    "Deals, content, training and your company profile each have a page of their own in "
    "the menu. Your dashboard always leads with what needs you now."
)

QUESTIONS = (
    (
        "single",
        "How many restore points does {vendor} Backup keep?",
        [("7 days", False), ("35 days", True), ("90 days", False)],
        "Restore points are kept for 35 days.",
    ),
    (
        "multiple",
        "Which of these are part of every {vendor} subscription?",
        [("Compute", True), ("Backup", True), ("On-site hardware", False)],
        "",
    ),
    (
        "truefalse",
        "Support answers in under an hour, around the clock.",
        quizzes.truefalse_choices(True),
        "",
    ),
    (
        "single",
        "What is the first thing to ask a new customer about?",
        [("Their last outage", True), ("Their budget", False), ("Our price list", False)],
        "Start with their pain, not with the product.",
    ),
    (
        "truefalse",
        "A deal you have not registered is protected anyway.",
        quizzes.truefalse_choices(False),
        "Only registered deals are protected.",
    ),
)


def seed(seed: api.DemoSeed) -> None:
    """Courses, paths and people's progress for one demo tenant."""
    tenant = api.session.get(api.Tenant, seed.tenant_id)
    vendor = tenant.name if tenant is not None else "Acme Cloud"
    admin_id = next(iter(seed.users.values()), None)
    program_id = seed.program_id
    now = api.utcnow()

    essentials = _course(
        program_id,
        admin_id,
        f"{vendor} essentials",
        "What every partner needs to know: the platform, the subscription, the support.",
        minutes=35,
        i18n={
            "de": f"{vendor} – Grundlagen",
            "fr": f"{vendor} – les bases",
            "ja": f"{vendor} の基本",
        },
    )
    basics = service.add_module(essentials.id, "The platform")
    service.add_lesson(
        basics.id,
        "text",
        "What we run for your customers",
        body=ESSENTIALS_TEXT.format(vendor=vendor),
        minutes=10,
    )
    service.add_lesson(
        basics.id,
        "link",
        "The service status page",
        url="https://status.example.com/",
        body="Bookmark it: customers ask.",
        minutes=5,
    )
    check = service.add_module(essentials.id, "Check your knowledge")
    quiz = quizzes.create_quiz(
        essentials.id,
        "Essentials check",
        pass_mark=75,
        draw_count=4,
        max_attempts=3,
        cooldown_minutes=10,
    )
    for kind, text, choices, explanation in QUESTIONS:
        quizzes.add_question(quiz.id, kind, text.format(vendor=vendor), list(choices), explanation)
    service.add_lesson(check.id, "quiz", "Essentials check", quiz_id=quiz.id, minutes=10)

    selling = _course(
        program_id,
        admin_id,
        f"Selling {vendor}",
        SELLING_TEXT,
        minutes=25,
        i18n={"de": f"{vendor} verkaufen", "fr": f"Vendre {vendor}"},
    )
    intro = service.add_module(selling.id, "Discovery")
    service.add_lesson(intro.id, "text", "Why customers buy", body=SELLING_TEXT, minutes=5)
    package = scorm.import_package(
        selling.id,
        io.BytesIO(scorm.sample_package(f"Selling {vendor}: the first call", mastery_score=80)),
        "selling-first-call.zip",
        admin_id,
    )
    service.add_lesson(
        intro.id, "scorm", "The first call (interactive)", package_id=package.id, minutes=20
    )

    upper = [seed.tiers[name] for name in ("Gold", "Platinum") if name in seed.tiers]
    deploying = _course(
        program_id,
        admin_id,
        f"Deploying {vendor} Backup",
        "Roll out backup at a customer in an afternoon, and prove it works.",
        minutes=40,
        visibility="tiers" if upper else "everyone",
        tier_ids=upper,
    )
    rollout = service.add_module(deploying.id, "Rolling out")
    service.add_lesson(rollout.id, "text", "Plan and roll out", body=DEPLOY_TEXT, minutes=25)
    service.add_lesson(
        rollout.id,
        "video",
        "Watch a rollout",
        url="https://videos.example.com/backup-rollout",
        minutes=15,
    )

    tour = _course(program_id, admin_id, "A tour of the partner portal", TOUR_TEXT, minutes=5)
    tour_module = service.add_module(tour.id, "The portal")
    service.add_lesson(tour_module.id, "text", "Where things are", body=TOUR_TEXT, minutes=5)

    sales_path = paths.create_path(
        program_id,
        f"{vendor} sales professional",
        f"Certified {vendor} Sales Professional",
        365,
        [essentials.id, selling.id],
        description="The two courses every seller at a partner takes first.",
    )
    engineer_path = paths.create_path(
        program_id,
        f"{vendor} deployment engineer",
        f"Certified {vendor} Deployment Engineer",
        730,
        [essentials.id, deploying.id],
        description="For the people who install and run it at customers.",
        visibility="tiers" if upper else "everyone",
        tier_ids=upper,
    )
    if "Silver" in seed.tiers:
        assignments.assign(
            essentials.id,
            tier_id=seed.tiers["Silver"],
            due_at=now + 21 * DAY,
            assigned_by_id=admin_id,
        )

    people = _people(seed)
    sales_courses = [essentials, selling]
    eng_courses = [essentials, deploying]
    # (person, path, courses, issued days ago, how it ends)
    if len(people) >= 1:
        admin, user = people[0]
        if admin:
            _certified(admin, sales_path, sales_courses, now - 200 * DAY)
            _certified(admin, engineer_path, eng_courses, now - 120 * DAY)
        if user:
            _certified(user, sales_path, sales_courses, now - 350 * DAY)  # expires in 15 days
    if len(people) >= 2:
        admin, user = people[1]
        if admin:
            old = _certified(admin, sales_path, sales_courses, now - 400 * DAY)  # expired
            old.expiry_noted_at = old.expires_at
            old.reminders_sent = list(sales_path.reminder_days)
        if user:
            old = _certified(user, sales_path, sales_courses, now - 380 * DAY, archive=True)
            new = _certified(user, sales_path, sales_courses, now - 20 * DAY, flush=False)
            old.superseded_at = new.issued_at
            api.session.add(new)
            api.session.flush()
            old.superseded_by_id = new.id
    if len(people) >= 3:
        admin, _user = people[2]
        if admin:
            run = _run(admin, essentials, now - 3 * DAY)
            first = lessons_for(essentials.id, run.language)[:1]
            for lesson in first:
                _done(run, lesson, now - 3 * DAY)
                run.last_lesson_id = lesson.id
                run.last_seen_at = now - 3 * DAY
            _failed_attempt(seed, quiz, run, now - 2 * DAY)
    api.session.flush()


def _course(
    program_id: int,
    admin_id: int | None,
    title: str,
    summary: str,
    *,
    minutes: int,
    i18n: dict[str, str] | None = None,
    visibility: str = "everyone",
    tier_ids: list[int] | None = None,
) -> Course:
    course = service.create_course(
        program_id,
        title,
        "en",
        admin_id,
        summary=summary,
        estimated_minutes=minutes,
        visibility=visibility,
        tier_ids=tier_ids or (),
    )
    for language, translated in (i18n or {}).items():
        service.set_translation(course, language, translated, summary)
    return course


def _people(seed: api.DemoSeed) -> list[tuple[api.User | None, api.User | None]]:
    """(partner admin, partner user) of each demo partner, in the seed's order."""
    users = api.session.scalars(
        select(api.User).where(api.User.partner_id.in_(list(seed.partners.values())))
    ).all()
    out = []
    for partner_id in seed.partners.values():
        mine = [u for u in users if u.partner_id == partner_id]
        admin = next((u for u in mine if u.role == api.Role.PARTNER_ADMIN), None)
        user = next((u for u in mine if u.role == api.Role.PARTNER_USER), None)
        out.append((admin, user))
    return out


def _run(user: api.User, course: Course, started: dt.datetime) -> Enrolment:
    run = Enrolment(
        course_id=course.id,
        user_id=user.id,
        partner_id=user.partner_id,
        language=course.default_language,
        started_at=started,
    )
    api.session.add(run)
    api.session.flush()
    return run


def _done(run: Enrolment, lesson: Lesson, when: dt.datetime) -> None:
    api.session.add(
        LessonProgress(
            enrolment_id=run.id,
            lesson_id=lesson.id,
            user_id=run.user_id,
            partner_id=run.partner_id,
            completed_at=when,
        )
    )


def _failed_attempt(seed: api.DemoSeed, quiz: Quiz, run: Enrolment, when: dt.datetime) -> None:
    """A submitted attempt with two answers right, short of the pass mark (the reports'
    pass rate and the quiz page's history have something to show)."""
    lesson = next(
        (x for x in lessons_for(run.course_id, run.language) if x.quiz_id == quiz.id), None
    )
    if lesson is None:
        return
    drawn = quizzes.draw(quiz, seed.rng)
    right = quizzes.right_answers([int(item["question"]) for item in drawn])
    answers: dict[str, list[int]] = {}
    for n, item in enumerate(drawn):
        qid = int(item["question"])
        wrong = [c for c in item["choices"] if c not in right[qid]]
        answers[str(qid)] = sorted(right[qid]) if n < 2 or not wrong else [wrong[0]]
    attempt = QuizAttempt(
        quiz_id=quiz.id,
        lesson_id=lesson.id,
        enrolment_id=run.id,
        user_id=run.user_id,
        partner_id=run.partner_id,
        number=1,
        drawn=drawn,
        answers=answers,
        started_at=when,
        submitted_at=when + dt.timedelta(minutes=6),
    )
    got, total = quizzes.grade(attempt, answers)
    attempt.score = got * 100 // max(total, 1)
    attempt.passed = attempt.score >= quiz.pass_mark
    api.session.add(attempt)


def _certified(
    user: api.User,
    path: Path,
    courses: list[Course],
    issued: dt.datetime,
    *,
    archive: bool = False,
    flush: bool = True,
) -> Certificate:
    """The person's completed runs of ``courses`` (finished the day before ``issued``)
    and the certificate of ``path`` issued then. ``archive`` files the runs away, as a
    recertification does."""
    for course in courses:
        if open_enrolment(course.id, user.id) is not None:
            continue  # a course of both paths: taken once
        run = _run(user, course, issued - 3 * DAY)
        for lesson in lessons_for(course.id, run.language):
            _done(run, lesson, issued - DAY)
        run.completed_at = issued - DAY
        if archive:
            run.archived_at = issued + 340 * DAY
    cert = Certificate(
        path_id=path.id,
        user_id=user.id,
        partner_id=user.partner_id,
        code=new_code(),
        holder_name=user.name,
        certification=path.certification,
        issued_at=issued,
        expires_at=issued + dt.timedelta(days=path.validity_days) if path.validity_days else None,
    )
    if flush:
        api.session.add(cert)
        api.session.flush()
    return cert
