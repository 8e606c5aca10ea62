"""The partner side of training as partners' people meet it: the catalogue offers only
what they may take, in their language; "my learning" leads with what is asked of them;
they resume where they left off and finishing the last lesson completes the course; a
partner admin follows the team and assigns courses — only to colleagues; the dashboard
card says when something needs action."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from lms_helpers import lesson_ids, make_course, make_path
from sqlalchemy import event, select

from portalis import api
from portalis.testing.kit import audit_entries

pytestmark = pytest.mark.plugins("lms")


# --- helpers -----------------------------------------------------------------------------


def text(resp: Any) -> str:
    return resp.get_data(as_text=True)


def assign(world: Any, course_id: int, *, due_in_days: int | None = None, **target: Any) -> None:
    """A vendor's assignment (``user``/``partner``/``tier`` as world objects); a due date
    in the past is written directly (the service refuses to set one)."""
    from portalis_lms import assignments
    from portalis_lms.models import Assignment

    ids = {f"{k}_id": v.id for k, v in target.items()}
    with api.tenant_scope(world.tenant.id):
        due = api.utcnow() + dt.timedelta(days=due_in_days) if due_in_days is not None else None
        if due is not None and due < api.utcnow():
            api.session.add(Assignment(course_id=course_id, due_at=due, **ids))
        else:
            assignments.assign(course_id, due_at=due, **ids)
        api.session.commit()


def set_locale(world: Any, user_key: str, locale: str) -> None:
    with api.tenant_scope(world.tenant.id):
        user = api.session.get(api.User, world.users[user_key].id)
        assert user is not None
        user.locale = locale
        api.session.commit()


@contextmanager
def counting_statements() -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
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


def course_titles(page: str) -> list[str]:
    """Course titles in the order the page links them (each course once)."""
    out: list[str] = []
    for title in re.findall(r'href="/lms/courses/\d+" dir="auto"[^>]*>([^<]+)</a>', page):
        if title not in out:
            out.append(title)
    return out


# --- the catalogue -----------------------------------------------------------------------


def test_catalogue_offers_only_what_the_viewer_may_take(world: Any, client_as: Any) -> None:
    now = api.utcnow()
    open_id = make_course(world, "Open to the whole program")
    make_course(world, "Gold tier masterclass", visibility="tiers", tiers=["gold"])
    make_course(world, "Chosen for Silver Co", visibility="partners", partners=["silver"])
    hidden = make_course(world, "Hidden vendor draft", visibility="hidden")
    make_course(world, "Published next month", publish_at=now + dt.timedelta(days=30))
    make_course(
        world,
        "Retired last week",
        publish_at=now - dt.timedelta(days=60),
        retire_at=now - dt.timedelta(days=7),
    )
    from portalis_lms import service

    with api.tenant_scope(world.tenant.id):
        other = api.Program(slug="resellers", name="Reseller program", currency="USD")
        api.session.add(other)
        api.session.flush()
        service.create_course(other.id, "Another program's course", "en", None)
        api.session.commit()
    make_course(world, "Foreign tenant course", tenant=world.other_tenant)
    make_path(world, "Sales certification path", [open_id])
    make_path(
        world,
        "Silver only path",
        [open_id],
        visibility="partners",
        partner_ids=[world.partners["silver"].id],
    )

    gold = text(client_as(world.users["gold_user"]).get("/lms/"))
    assert "Open to the whole program" in gold
    assert "Gold tier masterclass" in gold
    assert "Sales certification path" in gold
    for unseen in (
        "Chosen for Silver Co",
        "Hidden vendor draft",
        "Published next month",
        "Retired last week",
        "Another program&#39;s course",
        "Another program's course",
        "Foreign tenant course",
        "Silver only path",
    ):
        assert unseen not in gold, unseen

    silver_client = client_as(world.users["silver_user"])
    silver = text(silver_client.get("/lms/"))
    assert "Open to the whole program" in silver and "Chosen for Silver Co" in silver
    assert "Gold tier masterclass" not in silver
    # a course they may not take is the unknown page, as is its lesson
    assert silver_client.get(f"/lms/courses/{hidden}").status_code == 404
    assert silver_client.get(f"/lms/lessons/{lesson_ids(world, hidden)[0]}").status_code == 404
    # vendor staff have their own pages: the partner catalogue is not theirs
    assert client_as(world.users["vendor_admin"]).get("/lms/").status_code == 404


def test_catalogue_filters_by_state_and_text(world: Any, client_as: Any) -> None:
    started = make_course(world, "Objection handling")
    make_course(world, "Pricing workshop")
    assigned = make_course(world, "Security basics")
    assign(world, assigned, user=world.users["gold_user"], due_in_days=5)
    client = client_as(world.users["gold_user"])
    client.get(f"/lms/lessons/{lesson_ids(world, started)[0]}")

    in_progress = text(client.get("/lms/?state=in_progress"))
    assert course_titles(in_progress) == ["Objection handling"]
    todo = text(client.get("/lms/?state=assigned"))
    assert course_titles(todo) == ["Security basics"]
    assert "Assigned, due" in todo
    assert course_titles(text(client.get("/lms/?state=not_started"))) == [
        "Pricing workshop",
        "Security basics",
    ]
    assert course_titles(text(client.get("/lms/?q=pricing"))) == ["Pricing workshop"]
    nothing = text(client.get("/lms/?q=%25"))  # a LIKE wildcard is a plain character
    assert course_titles(nothing) == [] and "No course matches" in nothing


def test_german_user_gets_the_german_variant_and_only_its_lessons(
    world: Any, client_as: Any
) -> None:
    from portalis_lms import service
    from portalis_lms.models import Course

    course_id = make_course(
        world,
        "Selling Cloud Backup",
        lessons=[
            ("text", "Welcome everyone", {"body": "Hello"}),
            ("text", "English-only walkthrough", {"body": "In English", "language": "en"}),
            ("text", "Deutscher Rundgang", {"body": "Auf Deutsch", "language": "de"}),
        ],
    )
    with api.tenant_scope(world.tenant.id):
        course = api.session.get(Course, course_id)
        assert course is not None
        service.set_translation(course, "de", "Cloud Backup verkaufen", "Warum Kunden kaufen")
        api.session.commit()
    set_locale(world, "gold_user", "de")
    client = client_as(world.users["gold_user"])

    catalogue = text(client.get("/lms/"))
    assert "Cloud Backup verkaufen" in catalogue and "Selling Cloud Backup" not in catalogue
    page = text(client.get(f"/lms/courses/{course_id}"))
    assert "Cloud Backup verkaufen" in page
    assert "Deutscher Rundgang" in page and "English-only walkthrough" not in page
    welcome, english, german = lesson_ids_all(world, course_id)
    assert client.get(f"/lms/lessons/{english}").status_code == 404
    assert client.get(f"/lms/lessons/{german}").status_code == 200
    # an English reader gets the English title and lessons
    english_page = text(client_as(world.users["silver_user"]).get(f"/lms/courses/{course_id}"))
    assert "Selling Cloud Backup" in english_page and "English-only walkthrough" in english_page
    assert "Deutscher Rundgang" not in english_page
    assert welcome


def lesson_ids_all(world: Any, course_id: int) -> list[int]:
    """Every lesson of a course, whatever its language, in order."""
    from portalis_lms.models import Lesson

    with api.tenant_scope(world.tenant.id):
        return list(
            api.session.scalars(
                select(Lesson.id).where(Lesson.course_id == course_id).order_by(Lesson.id)
            )
        )


# --- my learning, resume, completion -----------------------------------------------------


def test_my_learning_leads_with_assigned_courses_by_due_date(world: Any, client_as: Any) -> None:
    finished = make_course(world, "Finished course", lessons=[("text", "Only", {"body": "x"})])
    started = make_course(world, "Started course")
    later = make_course(world, "Due in a month")
    soon = make_course(world, "Due in two days")
    late = make_course(world, "Was due yesterday")
    make_course(world, "Never touched")
    assign(world, later, partner=world.partners["gold"], due_in_days=30)
    assign(world, soon, user=world.users["gold_user"], due_in_days=2)
    assign(world, late, tier=world.tiers["gold"], due_in_days=-1)
    client = client_as(world.users["gold_user"])
    client.get(f"/lms/lessons/{lesson_ids(world, started)[0]}")
    only = lesson_ids(world, finished)[0]
    client.get(f"/lms/lessons/{only}")
    assert (
        client.post(f"/lms/lessons/{only}/done", data={"csrf_token": client.csrf_token}).status_code
        == 302
    )

    page = text(client.get("/lms/my"))
    assert course_titles(page) == [
        "Was due yesterday",
        "Due in two days",
        "Due in a month",
        "Started course",
        "Finished course",
    ]
    assert "Overdue, was due" in page
    # another partner's people are not asked to take the Gold partner's assignments
    other = text(client_as(world.users["silver_user"]).get("/lms/my"))
    assert "Due in a month" not in other and "Due in two days" not in other


def test_resume_goes_to_the_last_lesson_opened(world: Any, client_as: Any) -> None:
    course_id = make_course(
        world,
        "Three step course",
        lessons=[
            ("text", "Step one", {"body": "1"}),
            ("text", "Step two", {"body": "2"}),
            ("text", "Step three", {"body": "3"}),
        ],
    )
    first, second, _third = lesson_ids(world, course_id)
    client = client_as(world.users["gold_user"])
    assert "Start the course" in text(client.get(f"/lms/courses/{course_id}"))
    client.get(f"/lms/lessons/{first}")
    client.get(f"/lms/lessons/{second}")
    resume = f'href="/lms/lessons/{second}">Resume</a>'
    assert resume in text(client.get(f"/lms/courses/{course_id}"))
    assert resume in text(client.get("/lms/my"))
    assert resume in text(client.get("/lms/"))


def test_marking_the_last_lesson_done_completes_the_course(world: Any, client_as: Any) -> None:
    course_id = make_course(
        world,
        "Two lesson course",
        lessons=[
            ("text", "Read this", {"body": "Some **text**"}),
            ("link", "Visit the page", {"url": "https://example.com/guide"}),
        ],
    )
    first, second = lesson_ids(world, course_id)
    client = client_as(world.users["gold_user"])
    lesson_page = text(client.get(f"/lms/lessons/{second}"))
    assert 'rel="noopener noreferrer"' in lesson_page and "example.com" in lesson_page

    done = client.post(f"/lms/lessons/{first}/done", data={"csrf_token": client.csrf_token})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/lms/lessons/{second}")
    assert audit_entries(world.tenant, "lms.course_completed") == []
    last = client.post(f"/lms/lessons/{second}/done", data={"csrf_token": client.csrf_token})
    assert last.headers["Location"].endswith(f"/lms/courses/{course_id}")
    page = text(client.get(last.headers["Location"]))
    assert "Congratulations! You completed" in page
    assert "You completed this course" in page
    entries = audit_entries(world.tenant, "lms.course_completed")
    assert len(entries) == 1
    # marking it done again neither completes it twice nor fails
    client.post(f"/lms/lessons/{second}/done", data={"csrf_token": client.csrf_token})
    assert len(audit_entries(world.tenant, "lms.course_completed")) == 1
    assert "Completed" in text(client.get("/lms/?state=completed"))


def test_an_uploaded_video_plays_from_the_file_store_for_those_who_may_take_it(
    world: Any, client_as: Any
) -> None:
    import io

    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
    course_id = make_course(
        world,
        "Course with a video",
        visibility="tiers",
        tiers=["gold"],
        lessons=[("video", "Product tour", {"upload": io.BytesIO(mp4), "filename": "tour.mp4"})],
    )
    (video,) = lesson_ids(world, course_id)
    gold = client_as(world.users["gold_user"])
    page = text(gold.get(f"/lms/lessons/{video}"))
    assert (
        f'<video class="lms-video" controls preload="metadata" src="/lms/lessons/{video}/video"'
        in page
    )
    resp = gold.get(f"/lms/lessons/{video}/video")
    assert resp.status_code == 200 and resp.content_type == "video/mp4"
    assert resp.get_data() == mp4
    # the Silver partner's tier may not take the course: neither page nor file
    silver = client_as(world.users["silver_user"])
    assert silver.get(f"/lms/lessons/{video}/video").status_code == 404
    assert silver.get(f"/lms/lessons/{video}").status_code == 404


@pytest.mark.plugins("lms", "content")
def test_a_library_file_lesson_opens_the_file_or_says_it_is_gone(
    world: Any, client_as: Any
) -> None:
    from portalis_content.models import Item, ItemPartner, Translation
    from portalis_lms.models import Lesson

    with api.tenant_scope(world.tenant.id):
        item = Item(program_id=world.program.id, kind="page", visibility="partners")
        api.session.add(item)
        api.session.flush()
        api.session.add(ItemPartner(item_id=item.id, partner_id=world.partners["gold"].id))
        api.session.add(
            Translation(item_id=item.id, language="en", title="Battlecard for Gold", body="x")
        )
        api.session.commit()
        item_id = item.id
    course_id = make_course(world, "Course with a file")
    first = lesson_ids(world, course_id)[0]
    with api.tenant_scope(world.tenant.id):
        lesson = api.session.get(Lesson, first)
        assert lesson is not None
        lesson.kind, lesson.link_ref = "file", f"content:{item_id}"
        api.session.commit()
    gold = text(client_as(world.users["gold_user"]).get(f"/lms/lessons/{first}"))
    assert "Battlecard for Gold" in gold and f"/content/items/{item_id}" in gold
    # the Silver partner may take the course but not open the Gold partner's file
    silver = text(client_as(world.users["silver_user"]).get(f"/lms/lessons/{first}"))
    assert "Battlecard for Gold" not in silver
    assert "no longer available to you" in silver


def test_a_vendor_acting_as_the_learner_cannot_mark_lessons_done(
    world: Any, client_as: Any
) -> None:
    import dataclasses

    from flask import g

    course_id = make_course(world, "One lesson course", lessons=[("text", "Only", {"body": "x"})])
    (only,) = lesson_ids(world, course_id)
    vendor_id = world.users["vendor_admin"].id

    def impersonate() -> None:  # what the core's back office sets when a vendor acts as a user
        if getattr(g, "viewer", None) is not None and g.viewer.is_partner:
            g.viewer = dataclasses.replace(g.viewer, impersonated_by=vendor_id)

    client = client_as(world.users["gold_user"])
    funcs = world.app.before_request_funcs.setdefault(None, [])
    funcs.append(impersonate)
    try:
        page = text(client.get(f"/lms/lessons/{only}"))
        assert "Only the learner can mark a lesson as done." in page
        assert f"/lms/lessons/{only}/done" not in page
        client.post(f"/lms/lessons/{only}/done", data={"csrf_token": client.csrf_token})
    finally:
        funcs.remove(impersonate)
    assert audit_entries(world.tenant, "lms.course_completed") == []
    assert "Not started" not in text(client.get(f"/lms/courses/{course_id}"))  # opened: a run
    assert "You completed this course" not in text(client.get(f"/lms/courses/{course_id}"))


def test_quiz_and_scorm_lessons_are_not_marked_done_by_hand(world: Any, client_as: Any) -> None:
    from portalis_lms.models import Lesson

    course_id = make_course(world, "Course with a check")
    first = lesson_ids(world, course_id)[0]
    with api.tenant_scope(world.tenant.id):
        lesson = api.session.get(Lesson, first)
        assert lesson is not None
        lesson.kind = "quiz"
        api.session.commit()
    client = client_as(world.users["gold_user"])
    resp = client.post(f"/lms/lessons/{first}/done", data={"csrf_token": client.csrf_token})
    assert resp.status_code == 404


# --- the team ----------------------------------------------------------------------------


def test_partner_admin_assigns_a_course_to_a_colleague(world: Any, client_as: Any) -> None:
    course_id = make_course(world, "Renewals playbook")
    admin = client_as(world.users["gold_admin"])
    team = text(admin.get("/lms/team"))
    assert world.users["gold_user"].email in team
    assert world.users["silver_user"].email not in team

    due = (dt.date.today() + dt.timedelta(days=14)).isoformat()
    form = {"user_id": world.users["gold_user"].id, "course_id": course_id, "due": due}
    resp = admin.post_form("/lms/team/assign", form, form_page="/lms/team")
    assert resp.status_code == 302
    mine = text(client_as(world.users["gold_user"]).get("/lms/my"))
    assert "Renewals playbook" in mine and "Assigned, due" in mine
    assert "Renewals playbook" in text(admin.get("/lms/team"))

    # a date in the past is refused with the form shown again, nothing written
    past = dict(form, due=(dt.date.today() - dt.timedelta(days=3)).isoformat())
    refused = admin.post_form("/lms/team/assign", past, form_page="/lms/team")
    assert refused.status_code == 422 and "can&#39;t be in the past" in text(refused)


def test_team_pages_are_only_for_the_partners_own_admins(world: Any, client_as: Any) -> None:
    from portalis_lms.models import Assignment

    course_id = make_course(world, "Renewals playbook")
    gold_only = make_course(world, "Gold only course", visibility="tiers", tiers=["gold"])
    # a partner user (not an admin) gets the unknown page
    user = client_as(world.users["gold_user"])
    assert user.get("/lms/team").status_code == 404
    assert (
        user.post(
            "/lms/team/assign",
            data={
                "csrf_token": user.csrf_token,
                "user_id": world.users["gold_user"].id,
                "course_id": course_id,
            },
        ).status_code
        == 404
    )
    # another partner's admin can't assign to the Gold partner's people, nor a course
    # their own tier may not take
    silver = client_as(world.users["silver_admin"])
    assert world.users["gold_user"].email not in text(silver.get("/lms/team"))
    for form in (
        {"user_id": world.users["gold_user"].id, "course_id": course_id},
        {"user_id": world.users["silver_user"].id, "course_id": gold_only},
        {"user_id": world.other["users"]["gold_user"].id, "course_id": course_id},
    ):
        resp = silver.post_form("/lms/team/assign", form, form_page="/lms/team")
        assert resp.status_code == 404, form
    # vendor staff have no team page
    assert client_as(world.users["vendor_admin"]).get("/lms/team").status_code == 404
    with api.tenant_scope(world.tenant.id):
        assert api.session.scalars(select(Assignment)).all() == []


# --- the dashboard card ------------------------------------------------------------------


def partner_viewer(world: Any, key: str) -> api.Viewer:
    user = world.users[key]
    partner = world.partners["gold" if key.startswith("gold") else "silver"]
    return api.Viewer(
        tenant_id=world.tenant.id,
        user_id=user.id,
        role=api.Role(user.role),
        partner_id=partner.id,
        program_id=world.program.id,
        tier_id=partner.tier_id,
        locale="en",
        enabled_plugins=frozenset({"lms"}),
    )


def test_widget_needs_action_for_an_assignment(world: Any, client_as: Any) -> None:
    from portalis_lms import widgets

    course_id = make_course(world, "Compliance refresher")
    viewer = partner_viewer(world, "gold_user")
    with api.tenant_request_context(world.tenant.id):
        (card,) = widgets.for_viewer(viewer)
        assert not card.needs_action and "Browse the courses" in card.html
    assign(world, course_id, user=world.users["gold_user"], due_in_days=3)
    with api.tenant_request_context(world.tenant.id), counting_statements() as statements:
        (card,) = widgets.for_viewer(viewer)
    assert card.needs_action and "Compliance refresher" in card.html
    assert "Assigned, due" in card.html
    assert len(statements) <= 2, statements
    # the dashboard shows it
    assert "Compliance refresher" in text(client_as(world.users["gold_user"]).get("/dashboard"))
    # once completed, nothing needs action
    client = client_as(world.users["gold_user"])
    for lesson_id in lesson_ids(world, course_id):
        client.post(f"/lms/lessons/{lesson_id}/done", data={"csrf_token": client.csrf_token})
    with api.tenant_request_context(world.tenant.id):
        (card,) = widgets.for_viewer(viewer)
    assert not card.needs_action


# --- cost does not grow with the data ----------------------------------------------------


def test_catalogue_and_my_learning_cost_the_same_statements_at_any_size(
    world: Any, client_as: Any
) -> None:
    client = client_as(world.users["gold_user"])

    def cost(path: str) -> int:
        with counting_statements() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    first = make_course(world, "Course 0")
    client.get(f"/lms/lessons/{lesson_ids(world, first)[0]}")
    small = (cost("/lms/"), cost("/lms/my"))
    for n in range(1, 8):
        course_id = make_course(world, f"Course {n}")
        assign(world, course_id, user=world.users["gold_user"], due_in_days=n + 1)
        client.get(f"/lms/lessons/{lesson_ids(world, course_id)[0]}")
    assert (cost("/lms/"), cost("/lms/my")) == small


def test_vendor_staff_following_a_course_or_lesson_link_get_its_preview(
    world, client_as, as_tenant
):
    """A search hit or a shared link to a partner's course page takes a channel manager to
    the course's preview (they take no courses); a partner's page stays a partner's."""
    from lms_helpers import lesson_ids, make_course

    course_id = make_course(world, "Preview me")
    first = lesson_ids(world, course_id)[0]
    manager = client_as(world.users["vendor_admin"])
    for url in (f"/lms/courses/{course_id}", f"/lms/lessons/{first}"):
        r = manager.get(url)
        assert r.status_code == 302
        assert r.headers["Location"].endswith(f"/lms/manage/courses/{course_id}/preview")
    assert client_as(world.users["vendor_admin"]).get("/lms/courses/999999").status_code == 404
    assert client_as(world.users["silver_user"]).get(f"/lms/courses/{course_id}").status_code == 200


@contextmanager
def acting_as_learner(world: Any) -> Iterator[None]:
    """Requests made meanwhile come from a vendor acting as the partner user (what the
    core's back office sets during a support session)."""
    import dataclasses

    from flask import g

    vendor_id = world.users["vendor_admin"].id

    def impersonate() -> None:
        if getattr(g, "viewer", None) is not None and g.viewer.is_partner:
            g.viewer = dataclasses.replace(g.viewer, impersonated_by=vendor_id)

    funcs = world.app.before_request_funcs.setdefault(None, [])
    funcs.append(impersonate)
    try:
        yield
    finally:
        funcs.remove(impersonate)


def test_a_vendor_acting_as_the_learner_cannot_start_their_recertification(
    world: Any, client_as: Any
) -> None:
    from portalis_lms.models import Certificate, Enrolment

    course_id = make_course(world, "Recert course", lessons=[("text", "Only", {"body": "x"})])
    path_id = make_path(world, course_ids=[course_id], validity_days=365)
    user = world.users["gold_user"]
    client = client_as(user)
    (only,) = lesson_ids(world, course_id)
    client.post(f"/lms/lessons/{only}/done", data={"csrf_token": client.csrf_token})
    with api.tenant_scope(world.tenant.id):
        certs = list(api.session.scalars(select(Certificate)))
        if not certs:  # the certification rules run after the commit; write one if not
            api.session.add(
                Certificate(
                    path_id=path_id,
                    user_id=user.id,
                    partner_id=user.partner_id,
                    code="F2RECERT0001",
                    holder_name=user.name,
                    certification="Certified Sales Professional",
                )
            )
        for cert in api.session.scalars(select(Certificate)):
            cert.expires_at = api.utcnow() + dt.timedelta(days=10)  # expiring soon
        api.session.commit()
    assert "Start recertification" in text(client.get(f"/lms/paths/{path_id}"))
    with acting_as_learner(world):
        page = text(client.get(f"/lms/paths/{path_id}"))
        assert "Only the learner can start the recertification." in page
        assert f"/lms/paths/{path_id}/recertify" not in page
        resp = client.post(
            f"/lms/paths/{path_id}/recertify", data={"csrf_token": client.csrf_token}
        )
        assert resp.status_code == 302
        assert "Only the learner can do this" in text(client.get(f"/lms/paths/{path_id}"))
    with api.tenant_scope(world.tenant.id):
        runs = list(api.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)))
        assert runs and all(r.archived_at is None for r in runs)  # nothing archived


def test_a_partner_admin_cannot_move_or_drop_the_vendors_deadline(
    world: Any, client_as: Any
) -> None:
    from portalis_lms import assignments
    from portalis_lms.models import Assignment

    course_id = make_course(world, "Compliance basics")
    user = world.users["gold_user"]
    with api.tenant_scope(world.tenant.id):
        vendor_due = api.utcnow() + dt.timedelta(days=7)
        assignments.assign(
            course_id,
            user_id=user.id,
            due_at=vendor_due,
            assigned_by_id=world.users["vendor_admin"].id,
        )
        api.session.commit()
    admin = client_as(world.users["gold_admin"])
    for days in (60, None, 30):  # a later date, none, then another: the admin's own row
        due = (dt.date.today() + dt.timedelta(days=days)).isoformat() if days else ""
        form = {"user_id": user.id, "course_id": course_id, "due": due}
        assert admin.post_form("/lms/team/assign", form, form_page="/lms/team").status_code == 302
    with api.tenant_scope(world.tenant.id):
        rows = list(
            api.session.scalars(
                select(Assignment).where(Assignment.course_id == course_id).order_by(Assignment.id)
            )
        )
        assert len(rows) == 2  # the vendor's and the company's, not one overwritten
        assert rows[0].assigned_by_id == world.users["vendor_admin"].id
        assert rows[0].due_at is not None and abs(rows[0].due_at - vendor_due).total_seconds() < 1
        assert rows[1].assigned_by_id == world.users["gold_admin"].id
        assert rows[1].due_at is not None and rows[1].due_at > vendor_due + dt.timedelta(days=20)
        viewer = partner_viewer(world, "gold_user")
        due_for_user = assignments.assigned_course_ids(viewer)[course_id]
        assert due_for_user is not None and abs(due_for_user - vendor_due).total_seconds() < 1
    # the team page shows one row for the colleague and course, with the binding date
    from babel.dates import format_date

    team = text(admin.get("/lms/team"))
    rows_shown = re.findall(r"<tr>(?:(?!</tr>).)*Compliance basics</a>.*?</tr>", team, re.S)
    assert len(rows_shown) == 1
    later = dt.date.today() + dt.timedelta(days=30)
    assert format_date(later, format="medium", locale="en") not in rows_shown[0]
    assert "No due date" not in rows_shown[0]


def test_an_http_link_lesson_opens_for_partners_as_authoring_accepted_it(
    world: Any, client_as: Any
) -> None:
    course_id = make_course(
        world,
        "Links course",
        lessons=[
            ("link", "Old intranet page", {"url": "http://intranet.example.com/guide"}),
            ("video", "Hosted video", {"url": "https://videos.example.com/v/1"}),
        ],
    )
    link, video = lesson_ids(world, course_id)
    client = client_as(world.users["gold_user"])
    page = text(client.get(f"/lms/lessons/{link}"))
    assert "This link isn&#39;t available" not in page and "This link isn't available" not in page
    anchor = re.search(r'<a [^>]*href="http://intranet\.example\.com/guide"[^>]*>', page)
    assert anchor is not None
    assert 'target="_blank"' in anchor.group(0)
    assert 'rel="noopener noreferrer"' in anchor.group(0)
    # a video stays https only: a plain-http address written before is not shown
    from portalis_lms.models import Lesson

    with api.tenant_scope(world.tenant.id):
        row = api.session.get(Lesson, video)
        assert row is not None
        row.url = "http://videos.example.com/v/1"
        api.session.commit()
    page = text(client.get(f"/lms/lessons/{video}"))
    assert "http://videos.example.com" not in page
    assert "This video isn" in page


def test_one_rule_gives_a_course_title_in_a_language_on_every_page(
    world: Any, client_as: Any
) -> None:
    from portalis_lms import learner, service
    from portalis_lms.models import Course

    german = make_course(
        world,
        "Selling Cloud Backup",
        lessons=[("text", "Welcome", {"body": "x"}), ("quiz", "Check", {})],
    )
    english_only = make_course(world, "Renewals playbook")
    with api.tenant_scope(world.tenant.id):
        course = api.session.get(Course, german)
        assert course is not None
        service.set_translation(course, "de", "Cloud Backup verkaufen")
        api.session.commit()
        with counting_statements() as seen:
            titles = learner.course_titles([german, english_only], "de_CH")
        assert len(seen) == 1  # one statement for any number of courses
        assert titles == {german: "Cloud Backup verkaufen", english_only: "Renewals playbook"}
        assert learner.course_title(german, "fr") == "Selling Cloud Backup"  # the default
        assert service.course_title(course, "de_CH") == "Cloud Backup verkaufen"
    set_locale(world, "gold_user", "de")
    client = client_as(world.users["gold_user"])
    welcome, check = lesson_ids(world, german)
    for url in (f"/lms/lessons/{welcome}", f"/lms/lessons/{check}/quiz"):
        page = text(client.get(url))
        assert "Cloud Backup verkaufen" in page and "Selling Cloud Backup" not in page, url
