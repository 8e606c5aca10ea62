"""Concurrency on a real PostgreSQL: the same completion delivered to ten workers at once
issues exactly one certificate, and ten renewals at once supersede the old certificate
once. The partial unique index ``uq_lms_certificates_current`` decides, not luck.

Needs PostgreSQL on 127.0.0.1:5432 (user ``postgres``, trust auth) or
``PORTALIS_TEST_PG_URL``. When it is unreachable the test is skipped — unless ``CI=true``,
where an untested race guarantee must fail the build (as the deals race test does).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from portalis import api
from portalis.testing.databases import sessions_bound_to, throwaway_database

pytestmark = pytest.mark.plugins("lms")

THREADS = 10


@contextmanager
def _race_database() -> Iterator[str]:
    try:
        with throwaway_database("postgresql", prefix="portalis_lms_race", connect_timeout=3) as url:
            yield url
            return
    except OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI for the race test: {exc}")
        pytest.skip(f"PostgreSQL unreachable ({type(exc).__name__}); the race test needs it")


@pytest.fixture
def race_db(portalis_app: Any) -> Iterator[dict[str, Any]]:
    """A fresh PostgreSQL database: one tenant, a partner's person who has completed the
    two courses of a path (committed), the lms plugin on."""
    from portalis_lms.models import (
        Course,
        CourseTranslation,
        Enrolment,
        Lesson,
        Module,
        Path,
        PathCourse,
    )

    stack = ExitStack()
    try:
        url = stack.enter_context(_race_database())
        stack.enter_context(sessions_bound_to(url, pool_size=THREADS + 5))
        with portalis_app.app_context():
            with api.unscoped("race test creates its tenant"):
                tenant = api.Tenant(
                    slug=f"race{uuid.uuid4().hex[:6]}", name="Race", allowed_locales=["en"]
                )
                api.session.add(tenant)
                api.session.flush()
            with api.tenant_scope(tenant.id):
                program = api.Program(slug="partners", name="Race Program", currency="USD")
                api.session.add(program)
                api.session.flush()
                api.session.add(
                    api.ProgramPlugin(program_id=program.id, plugin="lms", enabled=True)
                )
                tier = api.Tier(program_id=program.id, rank=0, name="Registered")
                api.session.add(tier)
                api.session.flush()
                partner = api.Partner(
                    name="Alpha IT", program_id=program.id, tier_id=tier.id, country="US"
                )
                api.session.add(partner)
                api.session.flush()
                user = api.User(
                    email="al@alpha.test",
                    name="Al Alpha",
                    role="partner_user",
                    partner_id=partner.id,
                    password_hash="x",
                )
                api.session.add(user)
                path = Path(
                    program_id=program.id,
                    title="Sales path",
                    certification="Certified Sales Professional",
                    validity_days=365,
                )
                api.session.add(path)
                api.session.flush()
                course_ids = []
                for i in range(2):
                    course = Course(program_id=program.id)
                    api.session.add(course)
                    api.session.flush()
                    api.session.add(
                        CourseTranslation(course_id=course.id, language="en", title=f"Part {i}")
                    )
                    module = Module(course_id=course.id, title="One")
                    api.session.add(module)
                    api.session.flush()
                    api.session.add(
                        Lesson(course_id=course.id, module_id=module.id, kind="text", title="Read")
                    )
                    api.session.add(PathCourse(path_id=path.id, course_id=course.id, position=i))
                    api.session.add(
                        Enrolment(
                            course_id=course.id,
                            user_id=user.id,
                            partner_id=partner.id,
                            completed_at=api.utcnow(),
                        )
                    )
                    course_ids.append(course.id)
                api.session.commit()
                world = {
                    "app": portalis_app,
                    "tenant_id": tenant.id,
                    "user_id": user.id,
                    "partner_id": partner.id,
                    "path_id": path.id,
                    "course_ids": course_ids,
                }
            api.session.remove()
        yield world
    finally:
        stack.close()


def _race(world: dict[str, Any]) -> tuple[list[int], list[BaseException]]:
    """Every thread issues the path's certificate at the same moment; returns the ids of
    the certificates threads say they issued, and the errors."""
    from portalis_lms import certification
    from portalis_lms.models import Path

    barrier = threading.Barrier(THREADS, timeout=60)
    issued: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with world["app"].app_context(), api.tenant_request_context(world["tenant_id"]):
                user = api.session.get(api.User, world["user_id"])
                path = api.session.get(Path, world["path_id"])
                barrier.wait()
                cert, new = certification.issue(path, user)
                api.session.commit()
                if new:
                    issued.append(cert.id)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            api.session.remove()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return issued, errors


def _certificates(world: dict[str, Any]) -> list[Any]:
    from portalis_lms.models import Certificate

    with world["app"].app_context(), api.tenant_scope(world["tenant_id"]):
        rows = list(api.session.scalars(select(Certificate).order_by(Certificate.id)))
        for row in rows:
            api.session.expunge(row)
        api.session.remove()
        return rows


def test_ten_deliveries_at_once_issue_one_certificate_and_renew_once(race_db):
    from portalis_lms.models import Certificate, Enrolment

    world = race_db
    issued, errors = _race(world)
    assert not errors, errors
    certs = _certificates(world)
    assert len(issued) == 1 and [c.id for c in certs] == issued

    # a recertification: the certificate is about to expire, the courses are taken again
    with world["app"].app_context(), api.tenant_scope(world["tenant_id"]):
        cert = api.session.get(Certificate, issued[0])
        cert.issued_at -= dt.timedelta(days=360)
        cert.expires_at -= dt.timedelta(days=360)
        api.session.flush()
        from portalis_lms import certification
        from portalis_lms.models import Path

        user = api.session.get(api.User, world["user_id"])
        assert (
            certification.start_recertification(api.session.get(Path, world["path_id"]), user) == 2
        )
        for course_id in world["course_ids"]:
            api.session.add(
                Enrolment(
                    course_id=course_id,
                    user_id=world["user_id"],
                    partner_id=world["partner_id"],
                    completed_at=api.utcnow(),
                )
            )
        api.session.commit()
        api.session.remove()

    renewed, errors = _race(world)
    assert not errors, errors
    old, new = _certificates(world)
    assert len(renewed) == 1 and renewed == [new.id]
    assert old.superseded_by_id == new.id and old.superseded_at is not None
    assert new.superseded_at is None and new.issued_at > old.issued_at
