"""The training plugin end to end, in Chromium, as the issue's acceptance describes it.

A Silver partner's salesperson (Tailspin at Acme, who reads the portal in French) takes the
demo's two-course path — a native course with a quiz, then a course with a SCORM package —
fails the quiz once, waits out the cool-down, passes, finishes the SCORM lesson in its
sandboxed frame, and receives the certificate. The company's ``active_certifications``
rises and the vendor's tier evaluation preview shows the promotion it enables. Signed out,
the verification page says the certificate is valid; after the validity period (the
injected clock) the reminders have gone out, the page says it expired, and the metric fell.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select

from portalis import api
from portalis_lms import jobs, metrics
from portalis_lms.models import Certificate, Choice, Course, Path, PathCourse, QuizAttempt
from portalis_lms.progress import lessons_for

SELLER = "sales@tailspin.example"
ADMIN = "admin@acme.example"


@contextmanager
def _acme(app: Any, tenant_id: int) -> Iterator[None]:
    """The test's own look at the served portal's database, ended afterwards: a read left
    open would keep seeing the database as it was (SQLite's snapshot)."""
    with app.app_context(), api.tenant_scope(tenant_id):
        try:
            yield
        finally:
            api.session.remove()


def _ids(app: Any) -> dict[str, Any]:
    """What the test needs from the demo: the sales path, its courses' lessons, the seller."""
    with app.app_context():
        tenant = api.session.scalars(select(api.Tenant).where(api.Tenant.slug == "acme")).one()
        api.session.rollback()
        with _acme(app, tenant.id):
            seller = api.session.scalars(select(api.User).where(api.User.email == SELLER)).one()
            path = api.session.scalars(
                select(Path).where(Path.title.like("%sales professional"))
            ).one()
            course_ids = list(
                api.session.scalars(
                    select(PathCourse.course_id)
                    .where(PathCourse.path_id == path.id)
                    .order_by(PathCourse.position)
                )
            )
            courses = [api.session.get(Course, cid) for cid in course_ids]
            lessons = {
                c.id: [(lesson.id, lesson.kind) for lesson in lessons_for(c.id, "fr")]
                for c in courses
                if c is not None
            }
            gold = api.session.scalars(
                select(api.Tier).where(
                    api.Tier.program_id == path.program_id, api.Tier.name == "Gold"
                )
            ).one()
            # the vendor counts certifications for Gold (the demo's rule counts revenue)
            gold.criteria = "active_certifications >= 1"
            api.session.commit()
            return {
                "tenant_id": tenant.id,
                "program_id": path.program_id,
                "path_id": path.id,
                "course_ids": course_ids,
                "lessons": lessons,
                "user_id": seller.id,
                "partner_id": seller.partner_id,
            }


def _active_certifications(app: Any, ids: dict[str, Any]) -> float:
    definition = next(d for d in metrics.DEFINITIONS if d.name == "active_certifications")
    with _acme(app, ids["tenant_id"]):
        values = definition.compute([ids["partner_id"]], ids["program_id"], api.utcnow())
        return float(values.get(ids["partner_id"], 0))


def _right_answers(app: Any, ids: dict[str, Any], question_ids: list[int]) -> dict[int, set[int]]:
    with _acme(app, ids["tenant_id"]):
        rows = api.session.execute(
            select(Choice.question_id, Choice.id, Choice.correct).where(
                Choice.question_id.in_(question_ids)
            )
        ).all()
    right: dict[int, set[int]] = {q: set() for q in question_ids}
    for qid, cid, correct in rows:
        if correct:
            right[qid].add(cid)
    return right


def _answer_quiz(page: Any, app: Any, ids: dict[str, Any], *, correctly: bool) -> None:
    """Tick the right answers (or only wrong ones) of the drawn questions and submit."""
    names = sorted(
        {
            n
            for n in page.eval_on_selector_all(
                "form[action$='/submit'] input[name^=q]", "els => els.map(e => e.name)"
            )
        }
    )
    question_ids = [int(n[1:]) for n in names]
    right = _right_answers(app, ids, question_ids)
    for qid in question_ids:
        values = [
            int(v)
            for v in page.eval_on_selector_all(
                f"input[name=q{qid}]", "els => els.map(e => e.value)"
            )
        ]
        wanted = right[qid] if correctly else {next(v for v in values if v not in right[qid])}
        for value in wanted:
            page.check(f"input[name=q{qid}][value='{value}']")
    page.click("form[action$='/submit'] button[type=submit]")
    page.wait_for_load_state("networkidle")


def _quiz_attempts(app: Any, ids: dict[str, Any]) -> list[tuple[bool | None, int | None]]:
    with _acme(app, ids["tenant_id"]):
        return [
            (a.passed, a.score)
            for a in api.session.scalars(
                select(QuizAttempt)
                .where(QuizAttempt.user_id == ids["user_id"])
                .order_by(QuizAttempt.id)
            )
        ]


def _certificate(app: Any, ids: dict[str, Any]) -> Certificate | None:
    with _acme(app, ids["tenant_id"]):
        cert = api.session.scalars(
            select(Certificate).where(
                Certificate.user_id == ids["user_id"], Certificate.path_id == ids["path_id"]
            )
        ).first()
        if cert is not None:
            api.session.expunge(cert)
        return cert


def _run_lifecycle(app: Any, ids: dict[str, Any]) -> None:
    """The hourly job, as the scheduler runs it for the tenant (the runner commits)."""
    with _acme(app, ids["tenant_id"]):
        jobs.certificate_lifecycle()
        api.session.commit()


def _take_lesson(page: Any, url: Any, lesson_id: int) -> None:
    page.goto(url(f"/lms/lessons/{lesson_id}"))
    page.click(f"form[action$='/lessons/{lesson_id}/done'] button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
def test_a_silver_seller_earns_a_certification_that_later_expires(
    live_portal: Any, chromium: Any, clock: Any
) -> None:
    app = live_portal.app
    ids = _ids(app)

    def url(path: str) -> str:
        return live_portal.url("acme", path)

    assert _active_certifications(app, ids) == 0

    page = chromium.new_page()
    live_portal.sign_in(page, SELLER)
    assert page.goto(url(f"/lms/paths/{ids['path_id']}")).status == 200

    native, packaged = ids["course_ids"]
    # the native course: a text, a link and the quiz (failed once, passed after the wait)
    for lesson_id, kind in ids["lessons"][native]:
        if kind != "quiz":
            _take_lesson(page, url, lesson_id)
            continue
        page.goto(url(f"/lms/lessons/{lesson_id}/quiz"))
        page.click("form.actions button[type=submit]")  # start
        _answer_quiz(page, app, ids, correctly=False)
        assert [passed for passed, _score in _quiz_attempts(app, ids)] == [False]
        # trying again at once is refused: the cool-down is ten minutes
        page.goto(url(f"/lms/lessons/{lesson_id}/quiz"))
        assert page.locator("form.actions button[type=submit]").count() == 0
        clock.advance(minutes=11)
        page.goto(url(f"/lms/lessons/{lesson_id}/quiz"))
        page.click("form.actions button[type=submit]")  # try again
        _answer_quiz(page, app, ids, correctly=True)
        assert [passed for passed, _score in _quiz_attempts(app, ids)] == [False, True]
    assert _certificate(app, ids) is None  # one course of two: no certificate yet

    # the packaged course: a text, then the SCORM package in its sandboxed frame
    for lesson_id, kind in ids["lessons"][packaged]:
        if kind != "scorm":
            _take_lesson(page, url, lesson_id)
            continue
        page.goto(url(f"/lms/scorm/lesson/{lesson_id}"))
        frame = page.frame_locator("#scorm-frame")
        frame.get_by_role("button", name="Pass").click()
        page.locator("#scorm-done").wait_for(state="visible")

    cert = _certificate(app, ids)
    assert cert is not None and cert.revoked_at is None and cert.expires_at is not None
    page.goto(url("/lms/certificates"))
    # the certificate is listed with its verification link to copy and its PDF
    assert page.locator(f"input[value$='/verify/{cert.code}']").count() == 1
    with page.expect_download() as download:
        page.click(f"a[href$='/certificates/{cert.id}.pdf']")
    with open(download.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"

    # the company now counts one active certification, enough for Gold in the preview
    assert _active_certifications(app, ids) == 1
    vendor = chromium.new_page()
    live_portal.sign_in(vendor, ADMIN)
    vendor.goto(url(f"/admin/programs/{ids['program_id']}/evaluate"))
    row = vendor.locator("tr", has_text="Tailspin Consulting")
    assert row.count() == 1 and "gold" in row.inner_text().lower()  # Silver → Gold

    # anyone may check the certificate, signed out
    stranger = chromium.new_page()
    stranger.goto(url(f"/lms/verify/{cert.code}"))
    assert stranger.locator(".alert-success").count() == 1
    assert "sales@tailspin.example" not in stranger.content()

    # the reminders go out 60, 30 and 7 days before expiry; then it expires
    mails = app.extensions["portalis_mail_sender"].sent
    before = len([m for m in mails if SELLER in str(m["To"])])
    issued = clock.now()
    validity = cert.expires_at - issued
    for days_left in (59, 29, 6):
        clock.advance(days=(validity.days - days_left) - (clock.now() - issued).days)
        _run_lifecycle(app, ids)
    reminders = len([m for m in mails if SELLER in str(m["To"])]) - before
    assert reminders == 3
    clock.advance(days=7)
    _run_lifecycle(app, ids)
    assert len([m for m in mails if SELLER in str(m["To"])]) - before == 4  # "it expired"

    stranger.goto(url(f"/lms/verify/{cert.code}"))
    assert stranger.locator(".alert-warning").count() == 1
    assert _active_certifications(app, ids) == 0
