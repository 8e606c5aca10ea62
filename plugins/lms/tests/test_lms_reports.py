"""The vendor's training reports: the figures of a small known dataset, per course, partner
and tier; certified people and expiring certificates; filters and sorting; the CSV (safe
in a spreadsheet, the same rows as the page); nobody else's data, nobody else's page."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import secrets

import pytest

from portalis import api

DAY = dt.timedelta(days=1)


# --- a small known dataset (built with the models: the authoring pages may land later) ---


def _course(program_id, title, *, language="en", days_old=0):
    from portalis_lms.models import Course, CourseTranslation

    course = Course(program_id=program_id, default_language=language)
    api.session.add(course)
    api.session.flush()
    api.session.add(CourseTranslation(course_id=course.id, language=language, title=title))
    return course


def _quiz_lesson(course):
    from portalis_lms.models import Lesson, Module, Quiz

    module = Module(course_id=course.id, title="Check")
    quiz = Quiz(course_id=course.id, title="Check", pass_mark=80)
    api.session.add_all([module, quiz])
    api.session.flush()
    lesson = Lesson(
        course_id=course.id, module_id=module.id, kind="quiz", title="Check", quiz_id=quiz.id
    )
    api.session.add(lesson)
    api.session.flush()
    return quiz, lesson


def _enrol(course, user, *, completed=False, started=None):
    from portalis_lms.models import Enrolment

    now = api.utcnow()
    run = Enrolment(
        course_id=course.id,
        user_id=user.id,
        partner_id=user.partner_id,
        started_at=started or now - 5 * DAY,
        completed_at=(now - DAY) if completed else None,
    )
    api.session.add(run)
    api.session.flush()
    return run


def _attempt(quiz, lesson, run, score, number=1):
    from portalis_lms.models import QuizAttempt

    now = api.utcnow()
    api.session.add(
        QuizAttempt(
            quiz_id=quiz.id,
            lesson_id=lesson.id,
            enrolment_id=run.id,
            user_id=run.user_id,
            partner_id=run.partner_id,
            number=number,
            started_at=now - 2 * DAY,
            submitted_at=now - 2 * DAY + dt.timedelta(minutes=number),
            score=score,
            passed=score >= quiz.pass_mark,
        )
    )


def _path(program_id, title):
    from portalis_lms.models import Path

    path = Path(program_id=program_id, title=title, certification=title, validity_days=365)
    api.session.add(path)
    api.session.flush()
    return path


def _certificate(path, user, *, expires_in=None, revoked=False, superseded=False):
    from portalis_lms.models import Certificate

    now = api.utcnow()
    cert = Certificate(
        path_id=path.id,
        user_id=user.id,
        partner_id=user.partner_id,
        code=secrets.token_hex(8),
        holder_name=user.name,
        certification=path.certification,
        issued_at=now - 300 * DAY,
        expires_at=None if expires_in is None else now + expires_in * DAY,
        revoked_at=now - DAY if revoked else None,
        superseded_at=now - DAY if superseded else None,
    )
    api.session.add(cert)
    api.session.flush()
    return cert


@pytest.fixture
def dataset(world):
    """Course "Selling Basics" (with a quiz): Gus (gold) completed, Gina (gold) started,
    Sam (silver) completed; Gus failed the quiz once (40) then passed (90), Sam passed (100).
    Course "=SUM(A1:A9)": Sam started it 200 days ago. Certificates: Gus valid for 20 more
    days (and an older one renewed), Gina one revoked and one valid for 45 days, Sam's
    expired, Sara's without expiry. The other tenant has a course that Gus's namesake took."""
    u = world.users
    with api.tenant_scope(world.tenant.id):
        selling = _course(world.program.id, "Selling Basics")
        formula = _course(world.program.id, "=SUM(A1:A9)")
        _course(world.program.id, "Untouched course")
        quiz, lesson = _quiz_lesson(selling)
        gus = _enrol(selling, u["gold_user"], completed=True)
        _enrol(selling, u["gold_admin"])
        sam = _enrol(selling, u["silver_user"], completed=True)
        _enrol(formula, u["silver_user"], started=api.utcnow() - 200 * DAY)
        _attempt(quiz, lesson, gus, 40, 1)
        _attempt(quiz, lesson, gus, 90, 2)
        _attempt(quiz, lesson, sam, 100, 1)
        sales, tech = _path(world.program.id, "Sales Pro"), _path(world.program.id, "Tech Pro")
        _certificate(sales, u["gold_user"], expires_in=-400, superseded=True)
        _certificate(sales, u["gold_user"], expires_in=20)
        _certificate(sales, u["gold_admin"], expires_in=200, revoked=True)
        _certificate(tech, u["gold_admin"], expires_in=45)
        _certificate(sales, u["silver_user"], expires_in=-3)
        _certificate(tech, u["silver_admin"])
        api.session.commit()
        ids = {"selling": selling.id, "formula": formula.id}
    other = world.other
    with api.tenant_scope(other["tenant"].id):
        theirs = _course(other["program"].id, "Globex Secret Course")
        _enrol(theirs, other["users"]["gold_user"], completed=True)
        path = _path(other["program"].id, "Globex Cert")
        _certificate(path, other["users"]["gold_user"], expires_in=10)
        api.session.commit()
    return ids


def _rows(page_html):
    """The report table's rows as lists of cell texts (tags stripped)."""
    body = re.search(r"<tbody>(.*?)</tbody>", page_html, re.S)
    assert body, "no table on the page"
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append([" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells])
    return rows


def _csv(resp):
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


# --- figures --------------------------------------------------------------------------------


def test_course_figures(world, client_as, dataset):
    vendor = client_as(world.users["channel_manager"])
    page = vendor.get("/lms/manage/reports?report=courses&sort=enrolled")
    assert page.status_code == 200
    rows = _rows(page.get_data(as_text=True))
    selling = next(r for r in rows if r[0] == "Selling Basics")
    # enrolled 3, completed 2 (67 %), quiz: 2 of 3 attempts passed, average (40+90+100)/3
    assert selling[1:5] == ["3", "2", "67%", "67% 3 attempts"]
    assert selling[5] == "77%"
    untouched = next(r for r in rows if r[0] == "Untouched course")
    assert untouched[1:4] == ["0", "0", "—"]
    assert rows[0][0] == "Selling Basics"  # most enrolled first
    assert "Globex Secret Course" not in page.get_data(as_text=True)


def test_partner_and_tier_figures(world, client_as, dataset):
    vendor = client_as(world.users["vendor_admin"])
    rows = _rows(vendor.get("/lms/manage/reports?report=partners").get_data(as_text=True))
    by_name = {r[0]: r for r in rows}
    gold = by_name[world.partners["gold"].name]
    silver = by_name[world.partners["silver"].name]
    # certified now: Gus and Gina (her revoked certificate aside, the Tech one counts)
    assert gold[1] == "Gold" and gold[2] == "2"
    assert gold[3:6] == ["2", "1", "50%"]  # Gus and Gina enrolled, Gus completed
    # Sam's expired certificate doesn't count, Sara's (no expiry) does; Sam took two
    # courses but is one person
    assert silver[2] == "1" and silver[3:6] == ["1", "1", "100%"]
    assert rows[0][0] == world.partners["gold"].name  # most certified first

    tiers = _rows(vendor.get("/lms/manage/reports?report=tiers").get_data(as_text=True))
    by_tier = {r[0]: r for r in tiers}
    assert by_tier["Gold"][1:6] == ["1", "2", "2", "1", "50%"]
    assert by_tier["Silver"][1:6] == ["1", "1", "1", "1", "100%"]
    assert by_tier["Registered"][1:6] == ["0", "0", "0", "0", "—"]
    assert [r[0] for r in tiers] == ["Platinum", "Gold", "Silver", "Registered"]


def test_expiring_certificates(world, client_as, dataset):
    vendor = client_as(world.users["vendor_admin"])
    text = vendor.get("/lms/manage/reports?report=certificates&window=30").get_data(as_text=True)
    rows = _rows(text)
    assert [r[0] for r in rows] == ["Gus Gold"]  # Gina's expires in 45 days
    text = vendor.get("/lms/manage/reports?report=certificates&window=60").get_data(as_text=True)
    assert [r[0] for r in _rows(text)] == ["Gus Gold", "Gina Gold"]  # soonest first
    counts = re.findall(r'class="stat-value">([^<]+)<', text)
    assert counts == ["3", "1", "2", "2"]  # certified people, within 30 / 60 / 90 days
    assert "Globex" not in text


def test_period_filter_and_sorting(world, client_as, dataset):
    vendor = client_as(world.users["vendor_admin"])
    recent = _rows(
        vendor.get("/lms/manage/reports?report=courses&period=90&sort=name").get_data(as_text=True)
    )
    assert [r[0] for r in recent] == ["=SUM(A1:A9)", "Selling Basics", "Untouched course"]
    assert recent[0][1] == "0"  # Sam started it 200 days ago: outside the period
    all_time = _rows(
        vendor.get("/lms/manage/reports?report=courses&sort=completion").get_data(as_text=True)
    )
    assert all_time[0][0] == "Selling Basics" and all_time[1][0] == "=SUM(A1:A9)"
    assert all_time[1][1:4] == ["1", "0", "0%"]


def test_empty_reports_say_what_to_do(world, client_as):
    vendor = client_as(world.users["vendor_admin"])
    text = vendor.get("/lms/manage/reports").get_data(as_text=True)
    assert "No courses yet" in text and "Create a course" in text
    text = vendor.get("/lms/manage/reports?report=certificates").get_data(as_text=True)
    assert "Nobody holds a certificate yet" in text


# --- CSV ------------------------------------------------------------------------------------


def test_csv_matches_the_page_and_cannot_run_formulas(world, client_as, dataset):
    vendor = client_as(world.users["vendor_admin"])
    page = _rows(vendor.get("/lms/manage/reports?report=courses&sort=name").get_data(as_text=True))
    resp = vendor.get("/lms/manage/reports.csv?report=courses&sort=name")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    header, *rows = _csv(resp)
    assert header[:4] == ["Course ID", "Course", "Enrolled", "Completed"]
    # same rows, same order; the formula is text to a spreadsheet
    assert [r[1] for r in rows] == ["'=SUM(A1:A9)", "Selling Basics", "Untouched course"]
    assert [p[0] for p in page] == [r[1].lstrip("'") for r in rows]
    selling = rows[1]
    assert int(selling[0]) == dataset["selling"]
    # numbers raw: no thousands separators, no % signs
    assert selling[2:8] == ["3", "2", "66.7", "3", "66.7", "76.7"]
    assert rows[2][4] == ""  # no completion rate without anyone enrolled
    for report in ("partners", "tiers", "certificates"):
        got = vendor.get(f"/lms/manage/reports.csv?report={report}")
        assert got.status_code == 200
        assert "Globex" not in got.get_data(as_text=True)
    partners = _csv(vendor.get("/lms/manage/reports.csv?report=partners"))
    gold = next(r for r in partners if r[1] == world.partners["gold"].name)
    assert gold[2] == "Gold" and gold[3:6] == ["2", "1", "50.0"] and gold[-1] == "2"
    certs = _csv(vendor.get("/lms/manage/reports.csv?report=certificates&window=60"))
    assert [r[0] for r in certs[1:]] == ["Gus Gold", "Gina Gold"]


# --- who may see it -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["gold_admin", "gold_user", "silver_admin"])
def test_partner_roles_get_404(world, client_as, dataset, who):
    client = client_as(world.users[who])
    assert client.get("/lms/manage/reports").status_code == 404
    assert client.get("/lms/manage/reports.csv?report=partners").status_code == 404


def test_other_tenant_sees_only_its_own(world, client_as, dataset):
    other = client_as(world.other["users"]["vendor_admin"])
    text = other.get("/lms/manage/reports?report=courses").get_data(as_text=True)
    rows = _rows(text)
    assert [r[0] for r in rows] == ["Globex Secret Course"]
    assert rows[0][1:3] == ["1", "1"]
    assert "Selling Basics" not in text
    partners = _csv(other.get("/lms/manage/reports.csv?report=partners"))
    names = [r[1] for r in partners[1:]]
    assert world.partners["gold"].name not in names


def test_statements_do_not_grow_with_the_data(world, client_as, dataset):
    vendor = client_as(world.users["vendor_admin"])

    def count(path):
        resp = vendor.get(path)
        assert resp.status_code == 200
        return int(resp.headers["X-SQL-Statements"])

    paths = [f"/lms/manage/reports?report={r}" for r in ("courses", "partners", "tiers")]
    paths.append("/lms/manage/reports?report=certificates&window=90")
    before = [count(p) for p in paths]
    u = world.users
    with api.tenant_scope(world.tenant.id):
        sales = _path(world.program.id, "More")
        for i in range(12):
            course = _course(world.program.id, f"Extra {i}")
            quiz, lesson = _quiz_lesson(course)
            for who in ("gold_user", "silver_admin"):
                run = _enrol(course, u[who], completed=i % 2 == 0)
                _attempt(quiz, lesson, run, 50 + i)
        _certificate(sales, u["silver_user"], expires_in=30)
        api.session.commit()
    assert [count(p) for p in paths] == before


def test_partner_list_shows_training(world, client_as, dataset):
    """The vendor's partner list has a Training column: certified people now and courses
    completed in the last 90 days (the tier metrics' counts)."""
    text = client_as(world.users["vendor_admin"]).get("/admin/partners").get_data(as_text=True)
    assert "Training" in text
    assert "2 certified · 1 completed (90 days)" in text  # Gus and Gina; Gus completed
    assert "1 certified · 1 completed (90 days)" in text  # Sara; Sam completed


def test_deactivated_people_are_not_counted_as_certified(world, client_as, dataset):
    """Like the tier metric: a certificate of someone deactivated (or gone) doesn't count."""
    with api.tenant_scope(world.tenant.id):
        api.session.get(api.User, world.users["silver_admin"].id).active = False
        api.session.commit()
    vendor = client_as(world.users["vendor_admin"])
    rows = _rows(vendor.get("/lms/manage/reports?report=partners").get_data(as_text=True))
    silver = next(r for r in rows if r[0] == world.partners["silver"].name)
    assert silver[2] == "0"
    text = vendor.get("/lms/manage/reports?report=certificates").get_data(as_text=True)
    assert re.findall(r'class="stat-value">([^<]+)<', text)[0] == "2"


def test_changing_a_filter_updates_tabs_table_and_csv_link_together(world, client_as, dataset):
    vendor = client_as(world.users["vendor_admin"])
    resp = vendor.get(
        "/lms/manage/reports?report=courses&period=90", headers={"HX-Request": "true"}
    )
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in text  # the fragment only
    assert "Selling Basics" in text
    # the other reports and the download keep the period just chosen
    assert "report=partners&amp;period=90" in text or "period=90&amp;report=partners" in text
    csv_link = re.search(r'href="([^"]*reports\.csv[^"]*)"', text)
    assert csv_link and "period=90" in csv_link.group(1)
