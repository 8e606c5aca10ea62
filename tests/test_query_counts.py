"""A page's SQL statement count must not grow with the data (no N+1)."""

import pytest

from portalis.db import db
from portalis.models import Partner, User
from portalis.tenancy import tenant_scope


def _add_partners(world, n):
    with tenant_scope(world.tenant.id):
        for i in range(n):
            p = Partner(
                name=f"Bulk Partner {i:03}",
                program_id=world.program.id,
                tier_id=world.tiers["silver"].id,
            )
            db.session.add(p)
            db.session.flush()
            db.session.add(
                User(
                    email=f"u{i}@bulk{i}.test",
                    name=f"Bulk User {i}",
                    role="partner_user",
                    partner_id=p.id,
                )
            )
        db.session.commit()


#: Statements a page may take (the test's own SAVEPOINT/RELEASE pair included): the core's
#: dozen (tenant, session, viewer, the page's own reads) plus one or two for each bundled
#: plugin that shows something on it (a nav badge, a dashboard card, an access blocker). It
#: grows with the plugins installed, never with the data: that is what the tests assert.
BUDGET = 22


def _count(client, path):
    resp = client.get(path)
    assert resp.status_code == 200, path
    return int(resp.headers["X-SQL-Statements"])


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/partners", "/admin/programs", "/admin/programs/{program}", "/admin/audit"],
)
def test_vendor_pages_do_not_grow_with_partners(world, client_as, path):
    url = path.format(program=world.program.id)
    admin = client_as(world.users["vendor_admin"])
    before = _count(admin, url)
    _add_partners(world, 30)
    after = _count(admin, url)
    assert after == before, f"{url}: {before} statements with 2 partners, {after} with 32"
    assert after <= BUDGET


@pytest.mark.parametrize("path", ["/dashboard", "/tier", "/team"])
def test_partner_pages_stay_within_budget(world, client_as, path):
    client = client_as(world.users["gold_admin"])
    before = _count(client, path)
    _add_partners(world, 30)
    assert _count(client, path) == before
    assert before <= BUDGET


def _add_training(world, n):
    """``n`` courses everyone may take, each with a module, two lessons, a run of the gold
    user (one lesson done), a tier assignment, and a path with a certificate."""
    import secrets

    from portalis_lms.models import (
        Assignment,
        Certificate,
        Course,
        CourseTranslation,
        Enrolment,
        Lesson,
        LessonProgress,
        Module,
        Path,
        PathCourse,
    )

    user = world.users["gold_user"]
    with tenant_scope(world.tenant.id):
        for i in range(n):
            course = Course(program_id=world.program.id)
            path = Path(program_id=world.program.id, title=f"P{i}", certification=f"C{i}")
            db.session.add_all([course, path])
            db.session.flush()
            module = Module(course_id=course.id, title="M")
            db.session.add_all(
                [
                    module,
                    CourseTranslation(course_id=course.id, language="en", title=f"Course {i}"),
                    PathCourse(path_id=path.id, course_id=course.id),
                    Assignment(course_id=course.id, tier_id=world.tiers["gold"].id),
                ]
            )
            db.session.flush()
            lessons = [
                Lesson(course_id=course.id, module_id=module.id, kind="text", title=f"L{k}")
                for k in range(2)
            ]
            run = Enrolment(course_id=course.id, user_id=user.id, partner_id=user.partner_id)
            db.session.add_all([*lessons, run])
            db.session.flush()
            db.session.add_all(
                [
                    LessonProgress(
                        enrolment_id=run.id,
                        lesson_id=lessons[0].id,
                        user_id=user.id,
                        partner_id=user.partner_id,
                    ),
                    Certificate(
                        path_id=path.id,
                        user_id=user.id,
                        partner_id=user.partner_id,
                        code=secrets.token_hex(8),
                        holder_name=user.name,
                        certification=path.certification,
                    ),
                ]
            )
        db.session.commit()


@pytest.mark.parametrize("path", ["/lms/", "/lms/my"])
def test_training_pages_do_not_grow_with_courses(world, client_as, path):
    """The training catalogue and "my learning" (the plugin's own benchmark pages)."""
    client = client_as(world.users["gold_user"])
    _add_training(world, 2)
    before = _count(client, path)
    _add_training(world, 15)
    _add_partners(world, 10)
    after = _count(client, path)
    assert after == before, f"{path}: {before} statements with 2 courses, {after} with 17"
    assert before <= BUDGET
