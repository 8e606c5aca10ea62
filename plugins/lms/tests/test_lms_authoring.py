"""The vendor's authoring: courses, language variants, audience, modules and lessons of
every kind, the preview, paths and assignments — and what is refused, with nothing
written."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

from lms_helpers import make_course, make_path
from sqlalchemy import func, select

from portalis import api
from portalis_lms import paths, service
from portalis_lms.models import (
    Assignment,
    Course,
    CourseTier,
    CourseTranslation,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
)

#: The start of an MP4 file (an ``ftyp`` box of brand mp42), enough for the type check.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def _vendor(world: Any, client_as: Any) -> Any:
    return client_as(world.users["vendor_admin"])


def _id_from(resp: Any, pattern: str) -> int:
    match = re.search(pattern, resp.headers.get("Location", ""))
    assert match, resp.headers.get("Location")
    return int(match.group(1))


def _count(world: Any, model: Any, *where: Any) -> int:
    with api.tenant_scope(world.tenant.id):
        api.session.expire_all()
        return int(api.session.scalar(select(func.count(model.id)).where(*where)) or 0)


def _new_course(v: Any, world: Any, title: str = "Selling Cloud Backup", **extra: Any) -> int:
    resp = v.post_form(
        "/lms/manage/courses/new",
        {
            "program_id": str(world.program.id),
            "title": title,
            "default_language": "en",
            "summary": "How to *sell* it.",
            "estimated_minutes": "45",
            "visibility": "everyone",
            **extra,
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return _id_from(resp, r"/lms/manage/courses/(\d+)")


def _new_module(v: Any, course_id: int, title: str = "Basics") -> int:
    resp = v.post_form(
        f"/lms/manage/courses/{course_id}/modules",
        {"title": title},
        form_page=f"/lms/manage/courses/{course_id}",
    )
    assert resp.status_code == 302
    return _id_from(resp, r"#module-(\d+)")


def _lesson(v: Any, module_id: int, kind: str, data: dict[str, Any], **kw: Any) -> Any:
    return v.post_form(
        f"/lms/manage/modules/{module_id}/lessons/new?kind={kind}",
        {"kind": kind, "language": "", "required": "y", "minutes": "5", **data},
        form_page=f"/lms/manage/modules/{module_id}/lessons/new?kind={kind}",
        **kw,
    )


def _library_page(world: Any, client_as: Any) -> str:
    """A page in the content library, to link from a lesson; returns its ref."""
    v = _vendor(world, client_as)
    resp = v.post_form(
        "/content/manage/new",
        {
            "kind": "page",
            "title": "Partner price list",
            "language": "en",
            "body": "Prices for partners.",
            "program_id": str(world.program.id),
            "folder_id": "0",
            "visibility": "everyone",
        },
        form_page="/content/manage/new?kind=page",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    item_id = _id_from(resp, r"/items/(\d+)")
    return f"content:{item_id}"


def test_vendor_builds_a_course_with_every_kind_of_lesson(world, client_as):
    v = _vendor(world, client_as)
    course_id = _new_course(v, world)
    page = v.get(f"/lms/manage/courses/{course_id}").get_data(as_text=True)
    assert "Selling Cloud Backup" in page and "Draft" not in page  # everyone: live at once
    module_id = _new_module(v, course_id)
    ref = _library_page(world, client_as)

    assert (
        _lesson(
            v, module_id, "text", {"title": "Welcome", "body": "Hello **partners**"}
        ).status_code
        == 302
    )
    assert (
        _lesson(
            v,
            module_id,
            "video",
            {"title": "Linked demo", "url": "https://videos.example.com/demo"},
        ).status_code
        == 302
    )
    resp = _lesson(
        v,
        module_id,
        "video",
        {"title": "Uploaded demo", "upload": (io.BytesIO(MP4), "demo.mp4")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert (
        _lesson(
            v, module_id, "link", {"title": "Product page", "url": "https://example.com/product"}
        ).status_code
        == 302
    )
    assert (
        _lesson(v, module_id, "file", {"title": "Price list", "link_ref": ref}).status_code == 302
    )
    resp = _lesson(v, module_id, "quiz", {"title": "Check yourself"})
    assert resp.status_code == 302
    assert "/quiz" in resp.headers["Location"]  # straight on to writing its questions

    with api.tenant_scope(world.tenant.id):
        lessons = list(
            api.session.scalars(
                select(Lesson).where(Lesson.module_id == module_id).order_by(Lesson.position)
            )
        )
        assert [(lesson.kind, lesson.title) for lesson in lessons] == [
            ("text", "Welcome"),
            ("video", "Linked demo"),
            ("video", "Uploaded demo"),
            ("link", "Product page"),
            ("file", "Price list"),
            ("quiz", "Check yourself"),
        ]
        uploaded = lessons[2]
        assert uploaded.file_type == "mp4" and uploaded.stored_name and not uploaded.url
        assert api.stored_file_path("lms", uploaded.stored_name) is not None
        assert lessons[4].link_ref == ref and lessons[5].quiz_id is not None
        video_id = uploaded.id

    page = v.get(f"/lms/manage/courses/{course_id}").get_data(as_text=True)
    for title in ("Welcome", "Linked demo", "Product page", "Price list", "Check yourself"):
        assert title in page
    # the uploaded video plays for the vendor
    assert v.get(f"/lms/manage/lessons/{video_id}/video").status_code == 200
    # and the course list counts the lessons
    listing = v.get("/lms/manage/").get_data(as_text=True)
    assert "Selling Cloud Backup" in listing and "Live" in listing


def test_language_variants_side_by_side_and_default_kept(world, client_as):
    v = _vendor(world, client_as)
    course_id = _new_course(v, world)
    page = v.get(f"/lms/manage/courses/{course_id}").get_data(as_text=True)
    assert "Deutsch" in page  # missing languages are named
    resp = v.post_form(
        f"/lms/manage/courses/{course_id}/language",
        {"language": "de", "title": "Cloud Backup verkaufen", "summary": "Wie man es verkauft."},
        form_page=f"/lms/manage/courses/{course_id}",
    )
    assert resp.status_code == 302
    page = v.get(f"/lms/manage/courses/{course_id}").get_data(as_text=True)
    assert "Cloud Backup verkaufen" in page and "Selling Cloud Backup" in page
    # the default language can't be removed
    resp = v.post_form(
        f"/lms/manage/courses/{course_id}/language/remove",
        {"language": "en"},
        form_page=f"/lms/manage/courses/{course_id}",
    )
    assert resp.status_code == 422
    assert "default language can" in resp.get_data(as_text=True)
    assert _count(world, CourseTranslation, CourseTranslation.course_id == course_id) == 2
    resp = v.post_form(
        f"/lms/manage/courses/{course_id}/language/remove",
        {"language": "de"},
        form_page=f"/lms/manage/courses/{course_id}",
    )
    assert resp.status_code == 302
    assert _count(world, CourseTranslation, CourseTranslation.course_id == course_id) == 1


def test_bad_lessons_are_refused_with_a_message_and_nothing_written(world, client_as, portalis_app):
    v = _vendor(world, client_as)
    course_id = _new_course(v, world)
    module_id = _new_module(v, course_id)

    resp = _lesson(v, module_id, "text", {"title": "Empty", "body": ""})
    assert resp.status_code == 422
    assert "Write the lesson" in resp.get_data(as_text=True)

    resp = _lesson(
        v, module_id, "video", {"title": "Plain http", "url": "http://videos.example.com/demo"}
    )
    assert resp.status_code == 422
    assert "secure address (https://)" in resp.get_data(as_text=True)

    resp = _lesson(v, module_id, "link", {"title": "Script", "url": "javascript:alert(1)"})
    assert resp.status_code == 422

    upload_dir = Path(portalis_app.config["UPLOAD_DIR"]) / str(world.tenant.id) / "lms"
    before = set(upload_dir.glob("*")) if upload_dir.exists() else set()
    resp = _lesson(
        v,
        module_id,
        "video",
        {
            "title": "Not a video",
            "upload": (io.BytesIO(b"%PDF-1.4 not a video at all"), "demo.mp4"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    assert "MP4" in resp.get_data(as_text=True)  # the message names what is accepted
    after = set(upload_dir.glob("*")) if upload_dir.exists() else set()
    assert after == before

    assert _count(world, Lesson, Lesson.module_id == module_id) == 0


def test_an_audience_of_another_tenant_s_tier_is_refused(world, client_as):
    v = _vendor(world, client_as)
    course_id = _new_course(v, world)
    foreign = world.other["tiers"]["gold"].id
    resp = v.post_form(
        f"/lms/manage/courses/{course_id}",
        {
            "default_language": "en",
            "visibility": "tiers",
            "tier_ids": [str(foreign)],
            "estimated_minutes": "45",
        },
    )
    assert resp.status_code == 422
    assert "Please check the fields marked below" in resp.get_data(as_text=True)
    with api.tenant_scope(world.tenant.id):
        api.session.expire_all()
        course = api.session.get(Course, course_id)
        assert course is not None and course.visibility == "everyone"
        assert _count(world, CourseTier, CourseTier.course_id == course_id) == 0
        # the service refuses it too, whoever calls it
        try:
            service.set_audience(course, "tiers", [foreign], [])
        except service.Invalid as exc:
            assert exc.field == "tier_ids"
        else:
            raise AssertionError("a foreign tier was accepted")
        api.session.rollback()


def test_reach_is_counted_live_while_choosing(world, client_as):
    v = _vendor(world, client_as)
    with api.tenant_scope(world.tenant.id):
        gold_users = api.audience_reach(world.program.id, "tiers", [world.tiers["gold"].id])
        everyone = api.audience_reach(world.program.id, "everyone")
    assert gold_users[0] >= 1 and everyone[0] > gold_users[0]
    html = v.get(
        f"/lms/manage/audience?program_id={world.program.id}&visibility=tiers"
        f"&tier_ids={world.tiers['gold'].id}",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert f"{gold_users[0]} partner users can take it." in html
    html = v.get(
        f"/lms/manage/audience?program_id={world.program.id}&visibility=everyone"
    ).get_data(as_text=True)
    assert f"{everyone[0]} partner users can take it." in html
    html = v.get(f"/lms/manage/audience?program_id={world.program.id}&visibility=hidden").get_data(
        as_text=True
    )
    assert "only vendor staff" in html


def test_partners_open_no_authoring_page(world, client_as, as_tenant):
    course_id = make_course(world)
    path_id = make_path(world, course_ids=[course_id])
    with api.tenant_scope(world.tenant.id):
        lesson_id = api.session.scalars(
            select(Lesson.id).where(Lesson.course_id == course_id)
        ).first()
        module_id = api.session.scalars(
            select(Module.id).where(Module.course_id == course_id)
        ).first()
    urls = [
        "/lms/manage/",
        "/lms/manage/courses/new",
        f"/lms/manage/courses/{course_id}",
        f"/lms/manage/courses/{course_id}/preview",
        f"/lms/manage/courses/{course_id}/assignments",
        f"/lms/manage/modules/{module_id}/lessons/new?kind=text",
        f"/lms/manage/lessons/{lesson_id}",
        "/lms/manage/paths/",
        "/lms/manage/paths/new",
        f"/lms/manage/paths/{path_id}",
        "/lms/manage/audience",
    ]
    for role in ("gold_admin", "gold_user"):
        client = client_as(world.users[role])
        for url in urls:
            assert client.get(url).status_code == 404, (role, url)
    staff = client_as(world.users["channel_manager"])
    for url in urls:
        assert staff.get(url).status_code == 200, url


def test_preview_shows_the_course_as_partners_see_it_and_records_nothing(world, client_as):
    course_id = make_course(
        world,
        "Partner onboarding",
        modules=[
            ("First steps", [("text", "Welcome aboard", {"body": "Read **this** first."})]),
            ("Deutsch", [("text", "Nur auf Deutsch", {"body": "Hallo", "language": "de"})]),
        ],
    )
    v = _vendor(world, client_as)
    page = v.get(f"/lms/manage/courses/{course_id}/preview").get_data(as_text=True)
    assert "Preview." in page and "Nothing you do here is recorded" in page
    assert "Partner onboarding" in page and "Welcome aboard" in page
    assert "<strong>this</strong>" in page  # the text rendered, as partners get it
    assert "Nur auf Deutsch" not in page  # the German lesson is for German takers only
    assert _count(world, Enrolment, Enrolment.course_id == course_id) == 0
    assert _count(world, LessonProgress) == 0


def test_a_lesson_people_completed_cannot_be_deleted(world, client_as):
    course_id = make_course(world)
    with api.tenant_scope(world.tenant.id):
        lesson = api.session.scalars(select(Lesson).where(Lesson.course_id == course_id)).first()
        run = Enrolment(
            course_id=course_id,
            user_id=world.users["gold_user"].id,
            partner_id=world.partners["gold"].id,
            language="en",
        )
        api.session.add(run)
        api.session.flush()
        api.session.add(
            LessonProgress(
                enrolment_id=run.id,
                lesson_id=lesson.id,
                user_id=run.user_id,
                partner_id=run.partner_id,
            )
        )
        lesson_id = lesson.id
        api.session.commit()
    v = _vendor(world, client_as)
    resp = v.post_form(
        f"/lms/manage/lessons/{lesson_id}/action",
        {"action": "delete"},
        form_page=f"/lms/manage/courses/{course_id}",
    )
    assert resp.status_code == 422
    assert "can&#39;t be deleted" in resp.get_data(
        as_text=True
    ) or "can't be deleted" in resp.get_data(as_text=True)
    assert _count(world, Lesson, Lesson.id == lesson_id) == 1


def test_modules_and_lessons_reorder_and_rename(world, client_as):
    course_id = make_course(
        world,
        modules=[
            ("One", [("text", "A", {"body": "a"}), ("text", "B", {"body": "b"})]),
            ("Two", [("text", "C", {"body": "c"})]),
        ],
    )
    with api.tenant_scope(world.tenant.id):
        lessons = {
            row.title: row.id
            for row in api.session.scalars(select(Lesson).where(Lesson.course_id == course_id))
        }
        modules = {
            m.title: m.id
            for m in api.session.scalars(select(Module).where(Module.course_id == course_id))
        }
    v = _vendor(world, client_as)
    page = f"/lms/manage/courses/{course_id}"
    assert (
        v.post_form(
            f"/lms/manage/lessons/{lessons['B']}/action", {"action": "up"}, form_page=page
        ).status_code
        == 302
    )
    assert (
        v.post_form(
            f"/lms/manage/modules/{modules['Two']}", {"action": "up"}, form_page=page
        ).status_code
        == 302
    )
    assert (
        v.post_form(
            f"/lms/manage/modules/{modules['One']}",
            {"action": "rename", "title": "Basics"},
            form_page=page,
        ).status_code
        == 302
    )
    with api.tenant_scope(world.tenant.id):
        course = api.session.get(Course, course_id)
        from portalis_lms import progress

        assert [row.title for row in progress.lessons_for(course_id, course.default_language)] == [
            "C",
            "B",
            "A",
        ]
        assert [m.title for m in service.modules_of(course_id)] == ["Two", "Basics"]


def test_path_keeps_its_courses_in_order(world, client_as):
    first = make_course(world, "Product basics")
    second = make_course(world, "Advanced selling")
    v = _vendor(world, client_as)
    resp = v.post_form(
        "/lms/manage/paths/new",
        {
            "program_id": str(world.program.id),
            "title": "Sales certification",
            "certification": "Certified Sales Professional",
            "validity_days": "365",
            "reminder_days": "60, 30, 7",
            "course_ids": [str(second), str(first)],
            "visibility": "everyone",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    path_id = _id_from(resp, r"/lms/manage/paths/(\d+)")
    with api.tenant_scope(world.tenant.id):
        assert paths.path_course_ids(path_id) == [second, first]
    page = v.get(f"/lms/manage/paths/{path_id}").get_data(as_text=True)
    assert page.index("Advanced selling") < page.index("Product basics")
    resp = v.post_form(
        f"/lms/manage/paths/{path_id}/order",
        {"course_id": str(first), "direction": "up"},
        form_page=f"/lms/manage/paths/{path_id}",
    )
    assert resp.status_code == 302
    with api.tenant_scope(world.tenant.id):
        assert paths.path_course_ids(path_id) == [first, second]
    assert "Sales certification" in v.get("/lms/manage/paths/").get_data(as_text=True)
    # bad reminders are refused with a message
    resp = v.post_form(
        "/lms/manage/paths/new",
        {
            "program_id": str(world.program.id),
            "title": "Broken",
            "certification": "Broken",
            "reminder_days": "sixty",
            "course_ids": [str(first)],
            "visibility": "everyone",
        },
    )
    assert resp.status_code == 422 and "Whole numbers separated by commas" in resp.get_data(
        as_text=True
    )


def test_path_service_refuses_another_programs_course(world):
    other_course = make_course(world, "Elsewhere", tenant=world.other_tenant)
    with api.tenant_scope(world.tenant.id):
        try:
            paths.create_path(world.program.id, "P", "C", 365, [other_course])
        except service.Invalid as exc:
            assert exc.field == "course_ids"
        else:
            raise AssertionError("another tenant's course was accepted")
        api.session.rollback()


def test_assignment_to_a_tier_with_a_due_date(world, client_as):
    course_id = make_course(world, "Security essentials")
    v = _vendor(world, client_as)
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    resp = v.post_form(
        f"/lms/manage/courses/{course_id}/assignments",
        {
            "target": "tier",
            "tier_id": str(world.tiers["silver"].id),
            "partner_id": "0",
            "due_on": due,
        },
    )
    assert resp.status_code == 302
    page = v.get(f"/lms/manage/courses/{course_id}/assignments").get_data(as_text=True)
    assert "Silver" in page or "silver" in page
    with api.tenant_scope(world.tenant.id):
        rows = list(
            api.session.scalars(select(Assignment).where(Assignment.course_id == course_id))
        )
        assert [(r.tier_id, r.partner_id, r.user_id) for r in rows] == [
            (world.tiers["silver"].id, None, None)
        ]
        assert rows[0].due_at is not None and rows[0].due_at > api.utcnow()
        assignment_id = rows[0].id
    # another tenant's tier: refused, nothing added
    resp = v.post_form(
        f"/lms/manage/courses/{course_id}/assignments",
        {"target": "tier", "tier_id": str(world.other["tiers"]["gold"].id), "partner_id": "0"},
    )
    assert resp.status_code == 422
    assert _count(world, Assignment, Assignment.course_id == course_id) == 1
    # withdrawn
    resp = v.post_form(
        f"/lms/manage/assignments/{assignment_id}/remove",
        {},
        form_page=f"/lms/manage/courses/{course_id}/assignments",
    )
    assert resp.status_code == 302
    assert _count(world, Assignment, Assignment.course_id == course_id) == 0


def test_changes_are_audited(world, client_as):
    from portalis.testing.kit import audit_entries

    v = _vendor(world, client_as)
    course_id = _new_course(v, world, "Audited course")
    _new_module(v, course_id)
    actions = {e.action for e in audit_entries(world.tenant)}
    assert {"lms.course_created", "lms.module_added"} <= actions


def test_scorm_lesson_from_an_uploaded_package_and_a_refused_zip(world, client_as):
    from portalis_lms import scorm
    from portalis_lms.models import ScormPackage

    v = _vendor(world, client_as)
    course_id = _new_course(v, world)
    module_id = _new_module(v, course_id)
    resp = _lesson(
        v,
        module_id,
        "scorm",
        {
            "title": "Product tour",
            "upload": (io.BytesIO(scorm.sample_package("Product tour")), "tour.zip"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    with api.tenant_scope(world.tenant.id):
        lesson = api.session.scalars(select(Lesson).where(Lesson.module_id == module_id)).one()
        package = api.session.get(ScormPackage, lesson.package_id)
        assert package is not None and package.course_id == course_id
    # a zip that is no SCORM package: the importer's message on the form, nothing kept
    resp = _lesson(
        v,
        module_id,
        "scorm",
        {
            "title": "Not a package",
            "upload": (io.BytesIO(b"PK\x05\x06" + b"\x00" * 18), "empty.zip"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    assert "Nothing was saved" in resp.get_data(as_text=True)
    assert _count(world, Lesson, Lesson.module_id == module_id) == 1
    assert _count(world, ScormPackage, ScormPackage.course_id == course_id) == 1


def test_a_video_over_the_limit_is_refused_before_it_is_read(world, client_as, monkeypatch):
    from portalis_lms.views import vendor_lessons as vendor_pages

    monkeypatch.setattr(vendor_pages, "VIDEO_MAX_BYTES", 50)
    v = _vendor(world, client_as)
    course_id = _new_course(v, world)
    module_id = _new_module(v, course_id)
    resp = _lesson(
        v,
        module_id,
        "video",
        {"title": "Long demo", "upload": (io.BytesIO(MP4), "demo.mp4")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 413
    assert "File too large." in resp.get_data(as_text=True)
    assert _count(world, Lesson, Lesson.module_id == module_id) == 0


def test_editing_a_lesson_and_swapping_an_upload_for_a_link(world, client_as, portalis_app):
    v = _vendor(world, client_as)
    course_id = _new_course(v, world)
    module_id = _new_module(v, course_id)
    _lesson(v, module_id, "text", {"title": "Welcome", "body": "Hello"})
    _lesson(
        v,
        module_id,
        "video",
        {"title": "Demo", "upload": (io.BytesIO(MP4), "demo.mp4")},
        content_type="multipart/form-data",
    )
    with api.tenant_scope(world.tenant.id):
        text, video = api.session.scalars(
            select(Lesson).where(Lesson.module_id == module_id).order_by(Lesson.position)
        ).all()
        text_id, video_id, stored = text.id, video.id, video.stored_name
        assert stored and api.stored_file_path("lms", stored) is not None

    url = f"/lms/manage/lessons/{text_id}"
    resp = v.post_form(url, {"title": "Welcome aboard", "body": "", "language": "", "minutes": "3"})
    assert resp.status_code == 422 and "Write the lesson" in resp.get_data(as_text=True)
    resp = v.post_form(
        url, {"title": "Welcome aboard", "body": "Hello *again*", "language": "de", "minutes": "3"}
    )
    assert resp.status_code == 302
    resp = v.post_form(
        f"/lms/manage/lessons/{video_id}",
        {
            "title": "Demo",
            "url": "https://videos.example.com/demo",
            "language": "",
            "required": "y",
        },
    )
    assert resp.status_code == 302
    with api.tenant_scope(world.tenant.id):
        api.session.expire_all()
        text = api.session.get(Lesson, text_id)
        video = api.session.get(Lesson, video_id)
        assert (text.title, text.body, text.language, text.required) == (
            "Welcome aboard",
            "Hello *again*",
            "de",
            False,  # the box was left unticked
        )
        assert video.url == "https://videos.example.com/demo" and video.stored_name is None
        # the uploaded file went with the change
        assert api.stored_file_path("lms", stored) is None


def test_dates_decide_the_badge(world, client_as):
    v = _vendor(world, client_as)
    course_id = _new_course(v, world)
    soon = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    resp = v.post_form(
        f"/lms/manage/courses/{course_id}",
        {
            "default_language": "en",
            "visibility": "everyone",
            "publish_at": soon,
            "estimated_minutes": "45",
        },
    )
    assert resp.status_code == 302
    listing = v.get("/lms/manage/").get_data(as_text=True)
    assert "Scheduled" in listing
    # retiring before publishing is refused
    earlier = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    resp = v.post_form(
        f"/lms/manage/courses/{course_id}",
        {
            "default_language": "en",
            "visibility": "everyone",
            "publish_at": soon,
            "retire_at": earlier,
        },
    )
    assert resp.status_code == 422
    assert "can&#39;t be before the publish date" in resp.get_data(as_text=True)
    with api.tenant_scope(world.tenant.id):
        course = api.session.get(Course, course_id)
        assert course.retire_at is None


def _mark_done(world: Any, client_as: Any, user_key: str, lesson_id: int) -> None:
    client = client_as(world.users[user_key])
    client.get(f"/lms/lessons/{lesson_id}")  # opens the run
    resp = client.post(f"/lms/lessons/{lesson_id}/done", data={"csrf_token": client.csrf_token})
    assert resp.status_code == 302


def _run_of(world: Any, course_id: int, user_key: str) -> Any:
    with api.tenant_scope(world.tenant.id):
        api.session.expire_all()
        return api.session.scalars(
            select(Enrolment).where(
                Enrolment.course_id == course_id,
                Enrolment.user_id == world.users[user_key].id,
            )
        ).one()


def test_runs_complete_when_their_last_required_lesson_goes(world, client_as):
    from lms_helpers import lesson_ids

    from portalis.testing.kit import audit_entries

    body = {"body": "x"}
    course_id = make_course(
        world,
        "Shrinking course",
        lessons=[
            ("text", "First", body),
            ("text", "Second", body),
            ("text", "Third", body),
            ("text", "English extra", {"body": "x", "language": "en"}),
        ],
    )
    first, second, third, extra = lesson_ids(world, course_id)
    for lesson in (first, second, extra):
        _mark_done(world, client_as, "gold_user", lesson)
    _mark_done(world, client_as, "silver_user", first)
    _mark_done(world, client_as, "silver_user", extra)

    def completions() -> list[int]:
        return sorted(e.after["user"] for e in audit_entries(world.tenant, "lms.course_completed"))

    assert completions() == []
    # deleted: the third (nobody did it) was the last required lesson of the Gold user's run
    with api.tenant_scope(world.tenant.id):
        service.delete_lesson(api.session.get(Lesson, third))
        api.session.commit()
    assert _run_of(world, course_id, "gold_user").completed_at is not None
    assert _run_of(world, course_id, "silver_user").completed_at is None
    assert completions() == [world.users["gold_user"].id]
    # made optional: the second was all the Silver user had left
    with api.tenant_scope(world.tenant.id):
        service.update_lesson(api.session.get(Lesson, second), required=False)
        api.session.commit()
    assert _run_of(world, course_id, "silver_user").completed_at is not None
    # once each: changing it back and forth completes nobody again
    with api.tenant_scope(world.tenant.id):
        service.update_lesson(api.session.get(Lesson, second), required=True)
        service.update_lesson(api.session.get(Lesson, second), required=False)
        api.session.commit()
    assert completions() == sorted([world.users["gold_user"].id, world.users["silver_user"].id])


def test_a_run_completes_when_its_last_required_lesson_moves_to_another_language(world, client_as):
    from lms_helpers import lesson_ids

    from portalis.testing.kit import audit_entries

    course_id = make_course(
        world,
        "Two languages",
        lessons=[
            ("text", "For everyone", {"body": "x"}),
            ("text", "English part", {"body": "x", "language": "en"}),
        ],
    )
    everyone, english = lesson_ids(world, course_id)
    _mark_done(world, client_as, "gold_user", everyone)
    # someone who only opened the course has done nothing: not completed by the change
    client_as(world.users["silver_user"]).get(f"/lms/lessons/{everyone}")
    with api.tenant_scope(world.tenant.id):
        service.update_lesson(api.session.get(Lesson, english), language="de")
        api.session.commit()
    assert _run_of(world, course_id, "gold_user").completed_at is not None
    assert _run_of(world, course_id, "silver_user").completed_at is None
    assert len(audit_entries(world.tenant, "lms.course_completed")) == 1
