"""Learning paths and certificates: issued once when the last course of a path is completed,
reminders before expiry, expiry, recertification (a new certificate with a new issue date),
revocation; the public verification page, the PDF, the Open Badge documents, the tier
metrics — as a partner's person, a vendor and an anonymous visitor notice them."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from portalis import api
from portalis.testing.kit import audit_entries

pytestmark = pytest.mark.plugins("lms")


@pytest.fixture(autouse=True)
def plain(world: Any) -> SimpleNamespace:
    """The world as plain values, read once (its rows expire and detach as requests come
    and go): ``world.plain.tenant_id``, ``.program_id``, ``.partners[key]``,
    ``.users[key]`` (id, email, name, partner_id, row)."""
    values = SimpleNamespace(
        tenant_id=world.tenant.id,
        tenant_name=world.tenant.name,
        program_id=world.program.id,
        partners={k: p.id for k, p in world.partners.items()},
        partner_names={k: p.name for k, p in world.partners.items()},
        users={k: _person(u) for k, u in world.users.items()},
        other_users={k: _person(u) for k, u in world.other["users"].items()},
        host=world.host(),
        other_host=world.host(world.other_tenant),
    )
    world.plain = values
    return values


def _person(u: Any) -> SimpleNamespace:
    # what client_as needs (id, tenant_id) and what the tests compare
    return SimpleNamespace(
        id=u.id, tenant_id=u.tenant_id, email=u.email, name=u.name, partner_id=u.partner_id
    )


def anonymous(world: Any, other_tenant: bool = False) -> Any:
    """A signed-out visitor on the tenant's host (or the other tenant's)."""
    from portalis.testing.fixtures import sign_in

    return sign_in(world.app, None, world.plain.other_host if other_tenant else world.plain.host)


def who(world: Any, key: str) -> SimpleNamespace:
    """A person of the world as plain values."""
    return world.plain.users[key]


def partner_id(world: Any, key: str) -> int:
    return int(world.plain.partners[key])


# --- building a path with the models (until authoring's service is what tests use) ------


def make_path(
    world: Any,
    courses: int = 2,
    validity_days: int | None = 365,
    certification: str = "Certified Sales Professional",
    reminder_days: tuple[int, ...] = (60, 30, 7),
    certification_i18n: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A path of ``courses`` published courses (one required text lesson each)."""
    from portalis_lms.models import Course, CourseTranslation, Lesson, Module, Path, PathCourse

    with api.tenant_scope(world.plain.tenant_id):
        course_ids = []
        for i in range(courses):
            course = Course(program_id=world.plain.program_id, default_language="en", position=i)
            api.session.add(course)
            api.session.flush()
            api.session.add(
                CourseTranslation(
                    course_id=course.id, language="en", title=f"Selling the platform part {i + 1}"
                )
            )
            module = Module(course_id=course.id, title="First steps")
            api.session.add(module)
            api.session.flush()
            api.session.add(
                Lesson(
                    course_id=course.id,
                    module_id=module.id,
                    kind="text",
                    title="Read the pitch",
                    body="The pitch in three sentences.",
                )
            )
            course_ids.append(course.id)
        path = Path(
            program_id=world.plain.program_id,
            title="Sales path",
            certification=certification,
            certification_i18n=certification_i18n or {},
            validity_days=validity_days,
            reminder_days=list(reminder_days),
        )
        api.session.add(path)
        api.session.flush()
        for i, cid in enumerate(course_ids):
            api.session.add(PathCourse(path_id=path.id, course_id=cid, position=i))
        api.session.commit()
        return {"path_id": path.id, "course_ids": course_ids}


def complete_course(world: Any, user: Any, course_id: int) -> bool:
    """The person takes the course and completes every lesson (committed: the completion
    event is delivered, as in production)."""
    from portalis_lms import certification, progress
    from portalis_lms.models import Course

    with api.tenant_scope(world.plain.tenant_id):
        person = api.session.get(api.User, user.id)
        viewer = certification.viewer_for(person)
        course = api.session.get(Course, course_id)
        run = progress.enrol(course, viewer)
        done = False
        for lesson in progress.lessons_for(course_id, run.language):
            done = progress.complete_lesson(run, lesson) or done
        api.session.commit()
        return done


def complete_path(world: Any, user: Any, built: dict[str, Any]) -> None:
    for cid in built["course_ids"]:
        complete_course(world, user, cid)


def certificates(world: Any, user: Any | None = None) -> list[Any]:
    from portalis_lms.models import Certificate

    with api.tenant_scope(world.plain.tenant_id):
        api.session.expire_all()
        stmt = select(Certificate).order_by(Certificate.id)
        if user is not None:
            stmt = stmt.where(Certificate.user_id == user.id)
        rows = list(api.session.scalars(stmt))
        for row in rows:
            api.session.expunge(row)
        return rows


def run_lifecycle(world: Any) -> None:
    from portalis_lms import jobs

    with api.tenant_scope(world.plain.tenant_id):
        jobs.certificate_lifecycle()
        api.session.commit()


def metric(world: Any, name: str) -> dict[int, float]:
    from portalis_lms import metrics

    definition = next(d for d in metrics.DEFINITIONS if d.name == name)
    with api.tenant_scope(world.plain.tenant_id):
        ids = list(world.plain.partners.values())
        return dict(definition.compute(ids, world.plain.program_id, api.utcnow()))


def to(mailbox: list[Any], address: str, words: str) -> list[Any]:
    return [m for m in mailbox if m["To"] == address and words in m["Subject"]]


# --- issuing -----------------------------------------------------------------------------


def test_completing_the_last_course_issues_one_certificate(world, mailbox, monkeypatch):
    emitted: list[tuple[str, dict[str, Any]]] = []
    real_emit = api.emit

    def spy(name: str, payload: Any = None, **kw: Any) -> Any:
        emitted.append((name, dict(payload or {})))
        return real_emit(name, payload, **kw)

    monkeypatch.setattr(api, "emit", spy)
    user = who(world, "gold_user")
    built = make_path(world)
    complete_course(world, user, built["course_ids"][0])
    assert certificates(world) == []  # one course of two: nothing yet
    complete_course(world, user, built["course_ids"][1])
    (cert,) = certificates(world)
    assert cert.user_id == user.id and cert.partner_id == partner_id(world, "gold")
    assert cert.holder_name == user.name
    assert cert.certification == "Certified Sales Professional"
    assert cert.expires_at - cert.issued_at == dt.timedelta(days=365)
    assert 16 <= len(cert.code) <= 32
    issued = [p for n, p in emitted if n == "lms.certificate_issued"]
    assert issued == [
        {
            "certificate_id": cert.id,
            "path_id": built["path_id"],
            "user_id": user.id,
            "partner_id": partner_id(world, "gold"),
        }
    ]
    assert len(to(mailbox, user.email, "Certified Sales Professional")) == 1
    assert [
        str(e.object_id) for e in audit_entries(world.plain.tenant_id, "lms.certificate_issued")
    ] == [str(cert.id)]


def test_a_second_delivery_of_the_completion_issues_nothing(world):
    from portalis_lms import certification
    from portalis_lms.models import Enrolment

    user = who(world, "gold_user")
    built = make_path(world)
    complete_path(world, user, built)
    with api.tenant_scope(world.plain.tenant_id):
        run = api.session.scalars(
            select(Enrolment).where(Enrolment.course_id == built["course_ids"][-1])
        ).one()
        event = api.Event(
            name="lms.course_completed",
            tenant_id=world.plain.tenant_id,
            payload={
                "course_id": run.course_id,
                "user_id": user.id,
                "partner_id": run.partner_id,
                "enrolment_id": run.id,
            },
        )
        certification.on_event(event)
        certification.on_event(event)
        api.session.commit()
    assert len(certificates(world)) == 1


def test_a_path_without_validity_never_expires(world, client_as, clock):
    user = who(world, "gold_user")
    complete_path(world, user, make_path(world, courses=1, validity_days=None))
    (cert,) = certificates(world)
    assert cert.expires_at is None
    clock.advance(days=4000)
    page = anonymous(world).get(f"/lms/verify/{cert.code}").get_data(as_text=True)
    assert "This certificate is valid." in page and "Does not expire" in page


# --- the public verification page, expiry, the metric ------------------------------------


def test_verification_page_signed_out_then_expired_and_the_metric_falls(
    world, client_as, clock, mailbox
):
    user = who(world, "gold_user")
    gold = partner_id(world, "gold")
    complete_path(world, user, make_path(world, validity_days=90))
    (cert,) = certificates(world)
    visitor = anonymous(world)
    resp = visitor.get(f"/lms/verify/{cert.code}")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "This certificate is valid." in page
    assert user.name in page and "Certified Sales Professional" in page
    # nothing else: no address, no company
    company = world.plain.partner_names["gold"]
    assert user.email not in page and company not in page
    assert 'name="robots" content="noindex' in page
    assert resp.headers["X-Robots-Tag"].startswith("noindex")
    assert metric(world, "active_certifications").get(gold) == 1

    clock.advance(days=91)
    page = visitor.get(f"/lms/verify/{cert.code}").get_data(as_text=True)
    assert "This certificate has expired." in page and "Expired" in page
    assert metric(world, "active_certifications").get(gold, 0) == 0
    # the hourly job notes it once, tells the holder once
    run_lifecycle(world)
    run_lifecycle(world)
    assert len(to(mailbox, user.email, "has expired")) == 1
    assert len(audit_entries(world.plain.tenant_id, "lms.certificate_expired")) == 1
    (noted,) = certificates(world)
    assert noted.expiry_noted_at is not None


def test_unknown_and_other_tenants_codes_say_no_certificate(world, client_as):
    user = who(world, "gold_user")
    complete_path(world, user, make_path(world, courses=1))
    (cert,) = certificates(world)
    for client, code in (
        (anonymous(world, other_tenant=True), cert.code),
        (anonymous(world), "no-such-code-0123456789"),
    ):
        resp = client.get(f"/lms/verify/{code}")
        assert resp.status_code == 404
        assert "No certificate with this code" in resp.get_data(as_text=True)
        assert user.name not in resp.get_data(as_text=True)


# --- reminders ---------------------------------------------------------------------------


def test_reminders_at_60_30_and_7_days_each_once(world, clock, mailbox):
    user = who(world, "gold_user")
    complete_path(world, user, make_path(world, validity_days=365))
    reminders = lambda: to(mailbox, user.email, "expires in")  # noqa: E731
    for day, expected in ((200, 0), (304, 0), (306, 1), (307, 1), (336, 2), (340, 2), (359, 3)):
        clock.advance(days=day - (clock.now() - certificates(world)[0].issued_at).days)
        run_lifecycle(world)
        run_lifecycle(world)  # twice: idempotent
        assert len(reminders()) == expected, day
    (cert,) = certificates(world)
    assert sorted(cert.reminders_sent) == [7, 30, 60]
    subjects = [m["Subject"] for m in reminders()]
    assert "59 days" in subjects[0] and "29 days" in subjects[1] and "6 days" in subjects[2]


def test_a_job_that_did_not_run_for_a_while_sends_only_the_nearest_reminder(world, clock, mailbox):
    user = who(world, "gold_user")
    complete_path(world, user, make_path(world, validity_days=365))
    clock.advance(days=345)  # 20 days left: the 60 and 30 day reminders are both due
    run_lifecycle(world)
    (mail,) = to(mailbox, user.email, "expires in")
    assert "20 days" in mail["Subject"]
    (cert,) = certificates(world)
    assert sorted(cert.reminders_sent) == [30, 60]


def test_the_hourly_job_leaves_fully_reminded_certificates_in_the_database(
    world, clock, mailbox, monkeypatch
):
    """Certificates whose due reminders were all sent (or came before they were issued)
    are not loaded again by the hourly job — only those with a reminder due."""
    from portalis_lms import jobs

    looked_at: list[int] = []
    real = jobs.due_reminder

    def spy(cert: Any, offsets: list[int], now: dt.datetime) -> Any:
        looked_at.append(cert.id)
        return real(cert, offsets, now)

    monkeypatch.setattr(jobs, "due_reminder", spy)
    user, other = who(world, "gold_user"), who(world, "silver_user")
    complete_path(world, user, make_path(world, validity_days=365))
    # issued 20 days before it expires: the 60 and 30 day reminders never count
    complete_path(world, other, make_path(world, validity_days=20, certification="Short"))
    (late,) = certificates(world, other)
    run_lifecycle(world)
    looked_at.clear()
    run_lifecycle(world)
    assert looked_at == []  # nothing due: nothing loaded
    clock.advance(days=14)  # 6 days left on the short one: its 7 day reminder
    run_lifecycle(world)
    assert looked_at == [late.id]
    assert len(to(mailbox, other.email, "expires in")) == 1
    looked_at.clear()
    run_lifecycle(world)
    assert looked_at == []

    clock.advance(days=345)  # 6 days left on the long one: every offset has come
    run_lifecycle(world)
    assert len(to(mailbox, user.email, "expires in")) == 1
    (cert,) = certificates(world, user)
    assert sorted(cert.reminders_sent) == [7, 30, 60]
    looked_at.clear()
    run_lifecycle(world)
    assert looked_at == []


# --- recertification ---------------------------------------------------------------------


def test_recertification_archives_the_runs_and_issues_a_new_certificate(world, client_as, clock):
    from portalis_lms.models import Enrolment

    user = who(world, "gold_user")
    built = make_path(world, validity_days=365)
    complete_path(world, user, built)
    (old,) = certificates(world)
    client = client_as(user)
    # too early: refused, nothing archived
    resp = client.post(
        f"/lms/paths/{built['path_id']}/recertify", data={"csrf_token": client.csrf_token}
    )
    assert resp.status_code == 422
    assert "not due yet" in resp.get_data(as_text=True)

    clock.advance(days=350)
    page = client.get(f"/lms/paths/{built['path_id']}").get_data(as_text=True)
    assert "Start recertification" in page and "Expiring soon" in page
    resp = client.post(
        f"/lms/paths/{built['path_id']}/recertify", data={"csrf_token": client.csrf_token}
    )
    assert resp.status_code == 302
    with api.tenant_scope(world.plain.tenant_id):
        runs = list(api.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)))
        assert len(runs) == 2 and all(r.archived_at is not None for r in runs)
    # the old certificate stays valid until the new one is issued
    assert [c.id for c in certificates(world) if c.superseded_at is None] == [old.id]

    clock.advance(days=2)
    complete_path(world, user, built)
    old_now, new = certificates(world)
    assert old_now.id == old.id and old_now.superseded_by_id == new.id
    assert old_now.superseded_at is not None
    assert new.issued_at > old.issued_at + dt.timedelta(days=350)
    assert new.expires_at == new.issued_at + dt.timedelta(days=365)
    assert new.code != old.code
    visitor = anonymous(world)
    assert "Renewed" in visitor.get(f"/lms/verify/{old.code}").get_data(as_text=True)
    assert "This certificate is valid." in visitor.get(f"/lms/verify/{new.code}").get_data(
        as_text=True
    )
    mine = client.get("/lms/certificates").get_data(as_text=True)
    assert new.code in mine and old.code in mine and "Renewed" in mine


# --- revocation --------------------------------------------------------------------------


def test_vendor_revokes_with_a_reason_and_the_page_says_revoked(world, client_as):
    user = who(world, "gold_user")
    complete_path(world, user, make_path(world, courses=1))
    (cert,) = certificates(world)
    vendor = client_as(who(world, "vendor_admin"))
    listing = vendor.get("/lms/manage/certificates").get_data(as_text=True)
    assert user.name in listing and "Active" in listing
    resp = vendor.post(
        f"/lms/manage/certificates/{cert.id}/revoke",
        data={"csrf_token": vendor.csrf_token, "reason": ""},
    )
    assert resp.status_code == 422
    assert "Give a reason" in resp.get_data(as_text=True)
    assert certificates(world)[0].revoked_at is None
    resp = vendor.post(
        f"/lms/manage/certificates/{cert.id}/revoke",
        data={"csrf_token": vendor.csrf_token, "reason": "Exam taken by a colleague"},
    )
    assert resp.status_code == 302
    page = anonymous(world).get(f"/lms/verify/{cert.code}").get_data(as_text=True)
    assert "This certificate has been revoked" in page
    assert "Exam taken by a colleague" not in page  # the reason is the vendor's
    revoked = vendor.get("/lms/manage/certificates?status=revoked").get_data(as_text=True)
    assert user.name in revoked
    assert user.name not in vendor.get("/lms/manage/certificates?status=active").get_data(
        as_text=True
    )
    # partners can't revoke
    partner = client_as(who(world, "gold_admin"))
    resp = partner.post(
        f"/lms/manage/certificates/{cert.id}/revoke",
        data={"csrf_token": partner.csrf_token, "reason": "no"},
    )
    assert resp.status_code == 404


def add_path(world: Any, course_ids: list[int], certification: str) -> int:
    """Another path over courses that already exist (paths may share courses)."""
    from portalis_lms.models import Path, PathCourse

    with api.tenant_scope(world.plain.tenant_id):
        path = Path(
            program_id=world.plain.program_id,
            title=f"{certification} path",
            certification=certification,
            certification_i18n={},
            validity_days=365,
            reminder_days=[60, 30, 7],
        )
        api.session.add(path)
        api.session.flush()
        for i, cid in enumerate(course_ids):
            api.session.add(PathCourse(path_id=path.id, course_id=cid, position=i))
        api.session.commit()
        return int(path.id)


def test_a_revoked_certificate_comes_back_only_when_the_vendor_lets_them_earn_it_again(
    world, client_as, clock
):
    """Paths A and B share a course; A's certificate is revoked. Recertifying B retakes the
    shared course — that must not hand A back. The vendor's "Let them earn it again"
    releases the revocation (the certificate stays revoked) and the person takes A's
    courses again to earn a new one."""
    user = who(world, "gold_user")
    built = make_path(world, courses=2)
    path_a, shared = built["path_id"], built["course_ids"][1]
    path_b = add_path(world, [shared], "Certified Engineer")
    complete_path(world, user, built)
    by_path = {c.path_id: c for c in certificates(world, user)}
    assert set(by_path) == {path_a, path_b}
    revoked_a = by_path[path_a]
    vendor = client_as(who(world, "vendor_admin"))
    resp = vendor.post(
        f"/lms/manage/certificates/{revoked_a.id}/revoke",
        data={"csrf_token": vendor.csrf_token, "reason": "Exam taken by a colleague"},
    )
    assert resp.status_code == 302

    clock.advance(days=350)  # B is expiring: the person recertifies B
    client = client_as(user)
    resp = client.post(f"/lms/paths/{path_b}/recertify", data={"csrf_token": client.csrf_token})
    assert resp.status_code == 302
    complete_course(world, user, shared)
    mine = certificates(world, user)
    assert len([c for c in mine if c.path_id == path_b]) == 2  # B renewed
    assert [c.id for c in mine if c.path_id == path_a] == [revoked_a.id]  # A not back
    page = client.get(f"/lms/paths/{path_a}").get_data(as_text=True)
    assert "Your certificate of this path was revoked" in page

    # only the vendor's staff may let them earn it again
    partner = client_as(who(world, "gold_admin"))
    resp = partner.post(
        f"/lms/manage/certificates/{revoked_a.id}/release",
        data={"csrf_token": partner.csrf_token},
    )
    assert resp.status_code == 404
    listing = vendor.get("/lms/manage/certificates?status=revoked").get_data(as_text=True)
    assert "Let them earn it again" in listing
    resp = vendor.post(
        f"/lms/manage/certificates/{revoked_a.id}/release",
        data={"csrf_token": vendor.csrf_token},
    )
    assert resp.status_code == 302
    assert [
        str(e.object_id) for e in audit_entries(world.plain.tenant_id, "lms.certificate_released")
    ] == [str(revoked_a.id)]
    listing = vendor.get("/lms/manage/certificates?status=revoked").get_data(as_text=True)
    assert "Let them earn it again" not in listing and "May earn it again" in listing
    # still revoked for whoever checks it
    page = anonymous(world).get(f"/lms/verify/{revoked_a.code}").get_data(as_text=True)
    assert "This certificate has been revoked" in page

    # they take A's courses again and earn a new certificate
    clock.advance(days=1)
    complete_path(world, user, built)
    a_certs = [c for c in certificates(world, user) if c.path_id == path_a]
    assert len(a_certs) == 2
    old, new = a_certs
    assert old.revoked_at is not None and new.revoked_at is None and new.superseded_at is None
    assert new.code != old.code
    assert "This certificate is valid." in anonymous(world).get(f"/lms/verify/{new.code}").get_data(
        as_text=True
    )


# --- proof: the PDF and the Open Badge ----------------------------------------------------


def test_the_pdf_is_the_holders_and_nobody_elses(world, client_as):
    from pypdf import PdfReader

    user = who(world, "gold_user")
    complete_path(world, user, make_path(world, courses=1))
    (cert,) = certificates(world)
    resp = client_as(user).get(f"/lms/certificates/{cert.id}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(resp.data))
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    text = page.extract_text()
    assert user.name in text and cert.code in text
    assert "Certified Sales Professional" in text
    # another partner's person, a colleague and another tenant: the unknown page's 404
    for other in (
        who(world, "silver_user"),
        who(world, "gold_admin"),
        world.plain.other_users["gold_user"],
    ):
        assert client_as(other).get(f"/lms/certificates/{cert.id}.pdf").status_code == 404
    # the vendor's staff may download it
    assert (
        client_as(who(world, "vendor_admin")).get(f"/lms/certificates/{cert.id}.pdf").status_code
        == 200
    )


def test_the_pdf_in_japanese_prints_the_holders_name(world, client_as):
    from pypdf import PdfReader

    user = who(world, "gold_user")
    with api.tenant_scope(world.plain.tenant_id):
        person = api.session.get(api.User, user.id)
        person.locale = "ja"
        api.session.commit()
    complete_path(
        world,
        user,
        make_path(world, courses=1, certification_i18n={"ja": "認定セールスプロフェッショナル"}),
    )
    (cert,) = certificates(world)
    resp = client_as(user).get(f"/lms/certificates/{cert.id}.pdf")
    assert resp.status_code == 200
    text = PdfReader(io.BytesIO(resp.data)).pages[0].extract_text()
    assert user.name in text and cert.code in text


def test_the_pdf_in_arabic_joins_the_letters_of_an_arabic_name(world, client_as):
    from pypdf import PdfReader

    from portalis_lms import certificate_pdf

    user = who(world, "gold_user")
    with api.tenant_scope(world.plain.tenant_id):
        person = api.session.get(api.User, user.id)
        person.locale = "ar"
        person.name = "عمر الحسن"
        api.session.commit()
    complete_path(world, user, make_path(world, courses=1))
    (cert,) = certificates(world)
    resp = client_as(user).get(f"/lms/certificates/{cert.id}.pdf")
    assert resp.status_code == 200
    text = PdfReader(io.BytesIO(resp.data)).pages[0].extract_text()
    assert cert.code in text
    # drawn as joined (contextual) forms in visual order, not as separate letters
    shaped = certificate_pdf.visual("عمر الحسن", bold=True)
    assert any(0xFE70 <= ord(ch) <= 0xFEFF for ch in shaped)
    # (a text extractor may give the run back in reading order)
    assert shaped in text or shaped[::-1] in text
    # a Latin name inside a right-to-left line keeps its order
    assert "Jane Doe" in certificate_pdf.visual("شهادة Jane Doe")


def test_open_badge_documents(world, client_as):
    import hashlib

    user = who(world, "gold_user")
    built = make_path(world, courses=2)
    complete_path(world, user, built)
    (cert,) = certificates(world)
    visitor = anonymous(world)
    resp = visitor.get(f"/lms/badges/assertions/{cert.code}")
    assert resp.status_code == 200 and resp.mimetype in ("application/ld+json", "application/json")
    doc = json.loads(resp.data)
    assert doc["@context"] == "https://w3id.org/openbadges/v2"
    assert doc["type"] == "Assertion"
    assert doc["id"].endswith(f"/lms/badges/assertions/{cert.code}")
    assert doc["verification"] == {"type": "hosted"}
    recipient = doc["recipient"]
    assert recipient["type"] == "email" and recipient["hashed"] is True
    expected = hashlib.sha256((user.email.lower() + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == f"sha256${expected}"
    assert user.email not in resp.get_data(as_text=True)
    assert doc["issuedOn"].startswith(cert.issued_at.strftime("%Y-%m-%dT"))
    assert doc["expires"].startswith(cert.expires_at.strftime("%Y-%m-%dT"))
    assert "revoked" not in doc

    badge = json.loads(visitor.get(_path_of(doc["badge"])).data)
    assert badge["type"] == "BadgeClass" and badge["id"] == doc["badge"]
    assert badge["name"] == "Certified Sales Professional"
    # the badge class is reached from an assertion, not by walking the path ids
    guessed = visitor.get(f"/lms/badges/classes/{built['path_id']}/0123456789abcdef0123")
    assert guessed.status_code == 404 and "Certified" not in guessed.get_data(as_text=True)
    assert "Selling the platform part 1" in badge["criteria"]["narrative"]
    image = visitor.get(_path_of(badge["image"]))
    assert image.status_code == 200 and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    issuer = json.loads(visitor.get(_path_of(badge["issuer"])).data)
    assert issuer["type"] == "Profile" and issuer["id"] == badge["issuer"]
    assert issuer["name"] == world.plain.tenant_name

    with api.tenant_scope(world.plain.tenant_id):
        from portalis_lms import certification
        from portalis_lms.models import Certificate

        certification.revoke(api.session.get(Certificate, cert.id), "Exam taken by a colleague")
        api.session.commit()
    revoked = json.loads(visitor.get(f"/lms/badges/assertions/{cert.code}").data)
    assert revoked["revoked"] is True
    # the vendor's reason stays with the vendor: the public document says a fixed text
    assert revoked["revocationReason"] == "Revoked by the issuer."
    assert "colleague" not in visitor.get(f"/lms/badges/assertions/{cert.code}").get_data(
        as_text=True
    )
    assert visitor.get("/lms/badges/assertions/nothing-here").status_code == 404


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


# --- pages and metrics per company ------------------------------------------------------


def test_path_page_shows_courses_in_order_with_progress(world, client_as):
    user = who(world, "silver_user")
    built = make_path(world, courses=2)
    complete_course(world, user, built["course_ids"][0])
    page = client_as(user).get(f"/lms/paths/{built['path_id']}").get_data(as_text=True)
    first = page.index("Selling the platform part 1")
    second = page.index("Selling the platform part 2")
    assert first < second
    assert "Completed" in page and "Not started" in page
    assert "1 of 2 courses completed." in page
    assert "Start recertification" not in page
    assert client_as(user).get("/lms/paths/999999").status_code == 404


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    from sqlalchemy import event

    seen: list[str] = []
    engine = api.session.get_bind()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_path_page_costs_the_same_statements_for_2_and_for_6_courses(world, client_as):
    user = who(world, "gold_user")
    client = client_as(user)

    def cost(courses: int) -> int:
        built = make_path(world, courses=courses, certification=f"Certified {courses}")
        for cid in built["course_ids"][:-1]:  # a run with progress in all but the last
            complete_course(world, user, cid)
        url = f"/lms/paths/{built['path_id']}"
        client.get(url)
        with counting_statements() as statements:
            page = client.get(url)
        assert page.status_code == 200
        assert f"{courses - 1} of {courses} courses completed." in page.get_data(as_text=True)
        return len(statements)

    assert cost(6) == cost(2)


def test_metrics_count_people_per_company(world, clock):
    gold, silver = partner_id(world, "gold"), partner_id(world, "silver")
    built = make_path(world, courses=1)
    other = make_path(world, courses=1, certification="Certified Engineer")
    for name in ("gold_user", "gold_admin", "silver_user"):
        complete_path(world, who(world, name), built)
    complete_path(world, who(world, "gold_user"), other)  # one person, two certificates
    assert metric(world, "active_certifications") == {gold: 2.0, silver: 1.0}
    assert metric(world, "training_completions_90d") == {gold: 3.0, silver: 1.0}
    from portalis_lms import metrics

    with api.tenant_scope(world.plain.tenant_id):
        named = metrics.active_certifications(
            [gold, silver], world.plain.program_id, api.utcnow(), "Certified Engineer"
        )
    assert named == {gold: 1.0}
    clock.advance(days=91)
    assert metric(world, "training_completions_90d") == {}


def test_my_certificates_lists_only_mine(world, client_as):
    built = make_path(world, courses=1)
    me, colleague_person = who(world, "gold_user"), who(world, "gold_admin")
    complete_path(world, me, built)
    complete_path(world, colleague_person, built)
    mine, colleague = certificates(world, me)[0], certificates(world, colleague_person)[0]
    page = client_as(who(world, "gold_user")).get("/lms/certificates").get_data(as_text=True)
    assert mine.code in page and colleague.code not in page
    assert f"/lms/verify/{mine.code}" in page and f"/lms/badges/assertions/{mine.code}" in page
    with api.tenant_scope(world.plain.tenant_id):
        from portalis_lms.models import Certificate

        assert api.session.scalar(select(func.count(Certificate.id))) == 2
