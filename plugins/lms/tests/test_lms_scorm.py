"""SCORM 1.2 lessons: importing a package (and refusing what isn't one, or what would
reach outside itself), serving its files sandboxed to the people who may take the course
and nobody else, the runtime data model checked on the server (a bad value stores
nothing), a passed package completing the lesson and the course — and in Chromium, a
partner clicking "Pass" inside the sandboxed frame."""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portalis import api

# --- building blocks (models directly: the authoring service may change) -----------------


@pytest.fixture(autouse=True)
def _own_upload_dir(request, tmp_path, monkeypatch):
    """Each test its own upload folder (the app and its tenant ids outlive a test)."""
    if "world" in request.fixturenames:
        world = request.getfixturevalue("world")
        monkeypatch.setitem(world.app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))


def make_zip(entries: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def sample_entries(**kw) -> dict[str, bytes]:
    from portalis_lms import scorm

    with zipfile.ZipFile(io.BytesIO(scorm.sample_package(**kw))) as z:
        return {name: z.read(name) for name in z.namelist()}


def manifest(href: str = "index.html", *, version: str = "1.2", base: str = "") -> str:
    base_attr = f' xml:base="{base}"' if base else ""
    return f"""<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>{version}</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>T</title>
    <item identifier="i" identifierref="r"><title>T</title></item>
  </organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco"
    href="{href}"{base_attr}/></resources>
</manifest>"""


def scorm_course(world, *, package: bytes | None = None, tiers=(), extra_lesson=False):
    """A published course with one SCORM lesson (and optionally a text lesson); ids."""
    from portalis_lms import scorm
    from portalis_lms.models import (
        Course,
        CourseTier,
        CourseTranslation,
        Lesson,
        Module,
    )

    with api.tenant_scope(world.tenant.id):
        course = Course(
            program_id=world.program.id,
            default_language="en",
            visibility="tiers" if tiers else "everyone",
        )
        api.session.add(course)
        api.session.flush()
        api.session.add(CourseTranslation(course_id=course.id, language="en", title="Basics"))
        for tier in tiers:
            api.session.add(CourseTier(course_id=course.id, tier_id=world.tiers[tier].id))
        module = Module(course_id=course.id, title="Module")
        api.session.add(module)
        api.session.flush()
        pkg = scorm.import_package(
            course.id, io.BytesIO(package or scorm.sample_package()), "basics.zip", None
        )
        lesson = Lesson(
            course_id=course.id,
            module_id=module.id,
            kind="scorm",
            title="Product tour",
            package_id=pkg.id,
        )
        api.session.add(lesson)
        if extra_lesson:
            api.session.add(
                Lesson(
                    course_id=course.id, module_id=module.id, kind="text", title="Read", position=2
                )
            )
        api.session.flush()
        ids = {"course": course.id, "lesson": lesson.id, "package": pkg.id, "folder": pkg.folder}
        api.session.commit()
    return ids


def package_root(world) -> Path:
    return Path(world.app.config["UPLOAD_DIR"]) / str(world.tenant.id) / "lms_scorm"


def package_count(world) -> int:
    from portalis_lms.models import ScormPackage

    with api.tenant_scope(world.tenant.id):
        return api.session.scalar(select(func.count()).select_from(ScormPackage)) or 0


def open_player(client, lesson_id) -> tuple[str, str]:
    """The player page and its frame's URL."""
    resp = client.get(f"/lms/scorm/lesson/{lesson_id}")
    assert resp.status_code == 200, resp.status_code
    page = resp.get_data(as_text=True)
    match = re.search(r'<iframe id="scorm-frame"[^>]*src="([^"]+)"', page)
    assert match, page
    return page, match.group(1).replace("&amp;", "&")


def commit(client, lesson_id, values, *, session="s1", finish=False):
    return client.post(
        f"/lms/scorm/lesson/{lesson_id}/commit",
        data=json.dumps({"values": values, "session": session, "finish": finish}),
        content_type="application/json",
        headers={"X-CSRFToken": client.csrf_token},
    )


def attempt_row(world, lesson_id):
    from portalis_lms.models import ScormAttempt

    with api.tenant_scope(world.tenant.id):
        row = api.session.scalars(
            select(ScormAttempt).where(ScormAttempt.lesson_id == lesson_id)
        ).first()
        if row is not None:
            api.session.expunge(row)
        return row


# --- import ------------------------------------------------------------------------------


def test_the_sample_package_is_imported_with_its_launch_file_and_mastery_score(world):
    from portalis_lms.models import ScormPackage

    ids = scorm_course(world)
    with api.tenant_scope(world.tenant.id):
        pkg = api.session.get(ScormPackage, ids["package"])
        assert (pkg.title, pkg.launch_path, pkg.mastery_score) == (
            "Product basics",
            "index.html",
            80,
        )
        assert pkg.file_count == 3 and pkg.filename == "basics.zip"
    folder = package_root(world) / ids["folder"]
    assert sorted(p.name for p in folder.iterdir()) == ["imsmanifest.xml", "index.html", "sco.js"]


def test_xml_base_and_scormtype_spellings_are_followed(world):
    entries = sample_entries()
    entries["imsmanifest.xml"] = manifest("start.html", base="content/").encode()
    entries["content/start.html"] = entries.pop("index.html")
    ids = scorm_course(world, package=make_zip(entries))
    from portalis_lms.models import ScormPackage

    with api.tenant_scope(world.tenant.id):
        assert api.session.get(ScormPackage, ids["package"]).launch_path == "content/start.html"


def _symlink_package() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in sample_entries().items():
            z.writestr(name, data)
        link = zipfile.ZipInfo("etc")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc")
    return buf.getvalue()


def _bad_packages() -> list[tuple[str, bytes, str]]:
    good = sample_entries()
    return [
        ("not-a-zip", b"%PDF-1.4 not a zip", "not a zip"),
        ("no-manifest", make_zip({"index.html": "<p>hi</p>"}), "no imsmanifest.xml"),
        (
            "manifest-in-a-folder",
            make_zip({f"course/{k}": v for k, v in good.items()}),
            "at the top of the zip",
        ),
        (
            "scorm-2004",
            make_zip({**good, "imsmanifest.xml": manifest(version="2004 4th Edition")}),
            "only SCORM 1.2",
        ),
        ("broken-xml", make_zip({**good, "imsmanifest.xml": "<manifest"}), "could not be read"),
        (
            "entity-expansion",
            make_zip(
                {
                    **good,
                    "imsmanifest.xml": '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa">'
                    '<!ENTITY b "&a;&a;&a;">]><manifest>&b;</manifest>',
                }
            ),
            "could not be read",
        ),
        (
            "points-outside",
            make_zip({**good, "imsmanifest.xml": manifest("../../secret.html")}),
            "outside the package",
        ),
        (
            "points-outside-by-base",
            make_zip({**good, "imsmanifest.xml": manifest("index.html", base="../")}),
            "outside the package",
        ),
        (
            "absolute-url",
            make_zip({**good, "imsmanifest.xml": manifest("https://evil.example/x.html")}),
            "outside the package",
        ),
        (
            "absolute-path",
            make_zip({**good, "imsmanifest.xml": manifest("/etc/passwd")}),
            "outside the package",
        ),
        (
            "launch-file-missing",
            make_zip({**good, "imsmanifest.xml": manifest("missing.html")}),
            "is not in the package",
        ),
        ("traversal-in-zip", make_zip({**good, "../../evil.html": "x"}), "not allowed"),
        ("symlink-in-zip", _symlink_package(), "link or special file"),
        (
            "zip-bomb",
            make_zip({**good, "video.bin": b"\0" * (50 * 1024 * 1024)}),
            "expands too much",
        ),
        (
            "too-many-entries",
            make_zip({**good, **{f"f/{i}.txt": "x" for i in range(2000)}}),
            "too many files",
        ),
    ]


@pytest.mark.parametrize(
    ("data", "says"),
    [(d, s) for _n, d, s in _bad_packages()],
    ids=[n for n, _d, _s in _bad_packages()],
)
def test_bad_packages_are_refused_with_a_reason_and_nothing_is_kept(world, data, says):
    from portalis_lms import scorm
    from portalis_lms.models import Course

    with api.tenant_scope(world.tenant.id):
        course = Course(program_id=world.program.id)
        api.session.add(course)
        api.session.flush()
        with pytest.raises(scorm.PackageRefused) as caught:
            scorm.import_package(course.id, io.BytesIO(data), "x.zip", None)
        api.session.rollback()
    assert says in str(caught.value)
    assert package_count(world) == 0
    root = package_root(world)
    assert not root.exists() or list(root.iterdir()) == []


def test_an_oversized_upload_is_refused(world, monkeypatch):
    from portalis_lms import scorm
    from portalis_lms.models import Course

    monkeypatch.setitem(world.app.config, "PACKAGE_MAX_UPLOAD_SIZE", 1024)
    with world.app.app_context(), api.tenant_scope(world.tenant.id):
        course = Course(program_id=world.program.id)
        api.session.add(course)
        api.session.flush()
        with pytest.raises(scorm.PackageRefused) as caught:
            scorm.import_package(course.id, io.BytesIO(scorm.sample_package() * 2), "x.zip", None)
        api.session.rollback()
    assert "larger than" in str(caught.value)
    assert package_count(world) == 0


def test_a_rolled_back_import_leaves_no_folder(world):
    from portalis_lms import scorm
    from portalis_lms.models import Course

    with api.tenant_scope(world.tenant.id):
        course = Course(program_id=world.program.id)
        api.session.add(course)
        api.session.flush()
        scorm.import_package(course.id, io.BytesIO(scorm.sample_package()), "x.zip", None)
        assert len(list(package_root(world).iterdir())) == 1
        api.session.rollback()
    assert list(package_root(world).iterdir()) == []


# --- serving the package -----------------------------------------------------------------


def test_the_player_frames_the_package_sandboxed_and_its_files_carry_the_sandbox_csp(
    world, client_as
):
    ids = scorm_course(world)
    client = client_as(world.users["gold_user"])
    page, src = open_player(client, ids["lesson"])
    assert 'sandbox="allow-scripts allow-forms allow-popups"' in page
    assert "allow-same-origin" not in page
    resp = client.get(src)
    assert resp.status_code == 200
    csp = resp.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-scripts allow-forms allow-popups;")
    assert "allow-same-origin" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    body = resp.get_data(as_text=True)
    # the runtime comes first in <head> (after the charset), before the package's scripts
    assert body.index('<meta charset="utf-8">') < body.index("window.__PORTALIS_SCORM__")
    assert body.index("window.__PORTALIS_SCORM__") < body.index('<script src="sco.js">')
    assert resp.headers["Content-Type"] == "text/html"  # the page names its encoding
    assert "LMSSetValue" in body and '"cmi.core.student_name":"Gus Gold"' in body
    script = client.get(src.replace("index.html", "sco.js"))
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert "LMSInitialize" in script.get_data(as_text=True)
    # the frame gets no cookie: the token alone opens the files (an anonymous request)
    assert client_as(None).get(src).status_code == 200


def test_file_urls_cannot_leave_the_package(world, client_as):
    ids = scorm_course(world)
    other = scorm_course(world)
    client = client_as(world.users["gold_user"])
    _page, src = open_player(client, ids["lesson"])
    base = src.rsplit("/", 1)[0]
    (package_root(world) / "outside.txt").write_text("secret")
    for path in (
        "../outside.txt",
        "..%2foutside.txt",
        "%2e%2e/outside.txt",
        "%2e%2e%2foutside.txt",
        f"../{other['folder']}/index.html",
        f"%2e%2e/{other['folder']}/index.html",
        "/etc/passwd",
        "%2fetc%2fpasswd",
        "..\\outside.txt",
        "index.html%00.png",
        "",
    ):
        resp = client.get(f"{base}/{path}", follow_redirects=True)  # "//" is merged (308)
        assert resp.status_code == 404, (path, resp.status_code)
        assert b"secret" not in resp.get_data()
    # a token is for one package: another package's files with it are unknown
    assert (
        client.get(
            src.replace(f"/scorm/{ids['package']}/", f"/scorm/{other['package']}/")
        ).status_code
        == 404
    )


def test_nobody_else_gets_the_package_files_or_the_player(world, client_as):
    ids = scorm_course(world, tiers=("gold",))
    gold = client_as(world.users["gold_user"])
    _page, src = open_player(gold, ids["lesson"])
    bogus = re.sub(r"/scorm/(\d+)/[^/]+/", r"/scorm/\1/forged-token/", src)
    silver = client_as(world.users["silver_user"])
    # the lower tier may not take the course: no player, no files (not even with the URL)
    assert silver.get(f"/lms/scorm/lesson/{ids['lesson']}").status_code == 404
    assert silver.get(src).status_code == 404
    assert silver.get(bogus).status_code == 404
    # another partner admin of the same tier: someone else's token is not theirs
    assert client_as(world.users["gold_admin"]).get(src).status_code == 404
    # anonymous: only with a valid token (the cookie-less frame), never without
    assert client_as(None).get(bogus).status_code == 404
    assert client_as(None).get(f"/lms/scorm/lesson/{ids['lesson']}").status_code in (302, 404)
    # vendor staff do not take courses here
    assert client_as(world.users["vendor_admin"]).get(src).status_code == 404
    # the other tenant's host knows nothing of it
    other_user = world.other["users"]["gold_user"]
    assert client_as(other_user).get(src).status_code == 404


def test_a_token_stops_working_when_the_person_is_deactivated(world, client_as):
    ids = scorm_course(world)
    gold = client_as(world.users["gold_user"])
    _page, src = open_player(gold, ids["lesson"])
    with api.tenant_scope(world.tenant.id):
        user = api.session.get(api.User, world.users["gold_user"].id)
        user.active = False
        api.session.commit()
    assert client_as(None).get(src).status_code == 404


def test_staff_preview_the_package_in_browse_mode_and_nothing_is_recorded(world, client_as):
    from portalis_lms.models import Enrolment

    ids = scorm_course(world, tiers=("gold",))
    staff = client_as(world.users["vendor_admin"])
    page, src = open_player(staff, ids["lesson"])
    assert "Nothing you do here is recorded" in page and "data-preview=" in page
    assert staff.get("/lms/scorm/player.js").status_code == 200
    body = staff.get(src).get_data(as_text=True)
    assert '"cmi.core.lesson_mode":"browse"' in body and '"cmi.core.credit":"no-credit"' in body
    assert client_as(None).get(src).status_code == 200  # the cookie-less frame
    # a partner can't use a staff preview link, and staff have no commits
    assert client_as(world.users["gold_user"]).get(src).status_code == 404
    assert commit(staff, ids["lesson"], {"cmi.core.lesson_status": "passed"}).status_code == 404
    with api.tenant_scope(world.tenant.id):
        assert api.session.scalars(select(Enrolment)).all() == []
    assert attempt_row(world, ids["lesson"]) is None


# --- the runtime data model --------------------------------------------------------------


#: (element, value, SCORM error code) — the server's check and the browser runtime's agree.
VALUE_CASES = [
    ("cmi.core.lesson_status", "passed", 0),
    ("cmi.core.lesson_status", "not attempted", 405),
    ("cmi.core.lesson_status", "done", 405),
    ("cmi.core.score.raw", "100", 0),
    ("cmi.core.score.raw", "99.5", 0),
    ("cmi.core.score.raw", "", 0),
    ("cmi.core.score.raw", "150", 405),
    ("cmi.core.score.raw", "-1", 405),
    ("cmi.core.score.min", "1e2", 405),
    ("cmi.core.session_time", "0000:01:30.5", 0),
    ("cmi.core.session_time", "00:61:00", 405),
    ("cmi.core.session_time", "1:00:00", 405),
    ("cmi.core.lesson_location", "x" * 255, 0),
    ("cmi.core.lesson_location", "x" * 256, 405),
    ("cmi.suspend_data", "x" * 4096, 0),
    ("cmi.suspend_data", "x" * 4097, 405),
    ("cmi.core.exit", "suspend", 0),
    ("cmi.core.exit", "quit", 405),
    ("cmi.core.student_id", "42", 403),
    ("cmi.core.student_name", "Someone Else", 403),
    ("cmi.core.total_time", "9999:00:00", 403),
    ("cmi.core.credit", "no-credit", 403),
    ("cmi.core.entry", "resume", 403),
    ("cmi.core.lesson_mode", "review", 403),
    ("cmi.launch_data", "x", 403),
    ("cmi.core._children", "x", 402),
    ("cmi.interactions._count", "3", 402),
    ("cmi.interactions.0.id", "q1", 0),
    ("cmi.interactions.0.id", "has space", 405),
    ("cmi.interactions.1.id", "q2", 201),  # arrays grow one at a time
    ("cmi.interactions.0.type", "choice", 0),
    ("cmi.interactions.0.type", "essay", 405),
    ("cmi.interactions.0.result", "wrong", 0),
    ("cmi.interactions.0.time", "25:00:00", 405),
    ("cmi.interactions.0.student_response", "x" * 256, 405),
    ("cmi.core.nonsense", "x", 401),
    ("adl.nav.request", "continue", 201),
    ("cmi.objectives.0.id", "obj-1", 0),
    ("cmi.objectives.0.status", "passed", 0),
    ("cmi.objectives.0.score.raw", "101", 405),
    ("cmi.student_preference.audio", "-1", 0),
    ("cmi.student_preference.speed", "101", 405),
    ("cmi.student_preference.text", "2", 405),
    ("cmi.comments", "fine\u0000", 405),
]


@pytest.mark.parametrize(("element", "value", "code"), VALUE_CASES)
def test_values_are_checked_as_scorm_12_defines_them(element, value, code):
    from portalis_lms import scorm

    assert scorm.check_value(element, value, {}) == code


def test_an_out_of_range_value_is_refused_with_422_and_nothing_is_stored(world, client_as):
    ids = scorm_course(world)
    client = client_as(world.users["gold_user"])
    open_player(client, ids["lesson"])
    resp = commit(
        client,
        ids["lesson"],
        {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "150"},
        finish=True,
    )
    assert resp.status_code == 422
    data = resp.get_json()
    assert data["code"] == 405 and data["element"] == "cmi.core.score.raw"
    assert "cmi.core.score.raw" in data["error"] and "Nothing was saved" in data["error"]
    assert attempt_row(world, ids["lesson"]) is None
    read_only = commit(client, ids["lesson"], {"cmi.core.student_name": "Mallory"})
    assert read_only.status_code == 422 and read_only.get_json()["code"] == 403
    for junk in ("not json", json.dumps([1, 2]), json.dumps({"values": {"a": 1}, "session": "s"})):
        resp = client.post(
            f"/lms/scorm/lesson/{ids['lesson']}/commit",
            data=junk,
            content_type="application/json",
            headers={"X-CSRFToken": client.csrf_token},
        )
        assert resp.status_code == 422
    assert attempt_row(world, ids["lesson"]) is None


def test_a_commit_needs_the_csrf_token(world, client_as):
    ids = scorm_course(world)
    client = client_as(world.users["gold_user"])
    resp = client.post(
        f"/lms/scorm/lesson/{ids['lesson']}/commit",
        data=json.dumps({"values": {"cmi.core.lesson_status": "passed"}, "session": "s"}),
        content_type="application/json",
    )
    assert resp.status_code == 400
    assert attempt_row(world, ids["lesson"]) is None


def test_passing_completes_the_lesson_and_the_only_lesson_completes_the_course(world, client_as):
    from portalis_lms.models import Enrolment, LessonProgress

    ids = scorm_course(world)
    client = client_as(world.users["gold_user"])
    open_player(client, ids["lesson"])
    progress = commit(client, ids["lesson"], {"cmi.core.lesson_location": "page-2"})
    assert progress.status_code == 200
    assert progress.get_json()["status"] == "incomplete"
    resp = commit(
        client,
        ids["lesson"],
        {
            "cmi.core.score.raw": "90",
            "cmi.core.lesson_status": "passed",
            "cmi.core.session_time": "00:02:00",
            "cmi.interactions.0.id": "q1",
            "cmi.interactions.0.result": "correct",
        },
        finish=True,
    )
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["status"] == "passed" and data["score"] == "90"
    assert data["lesson_completed"] and data["course_completed"]
    assert data["message"].startswith("Passed — 90 %")
    row = attempt_row(world, ids["lesson"])
    assert row.lesson_status == "passed" and row.score_raw == 90
    assert row.total_seconds == 120 and row.lesson_location == "page-2"
    assert row.data["cmi.interactions.0.result"] == "correct"
    assert row.finished_at is not None
    with api.tenant_scope(world.tenant.id):
        run = api.session.scalars(
            select(Enrolment).where(Enrolment.course_id == ids["course"])
        ).one()
        assert run.completed_at is not None
        assert api.session.scalars(
            select(LessonProgress.lesson_id).where(LessonProgress.enrolment_id == run.id)
        ).all() == [ids["lesson"]]
    # the player shows it next time, and the package gets its stored values back
    page, src = open_player(client, ids["lesson"])
    assert "Lesson complete" in page
    body = client.get(src).get_data(as_text=True)
    assert '"cmi.core.lesson_status":"passed"' in body
    assert '"cmi.core.total_time":"0000:02:00"' in body


def test_the_mastery_score_decides_and_a_lesson_of_two_leaves_the_course_open(world, client_as):
    ids = scorm_course(world, extra_lesson=True)
    client = client_as(world.users["gold_user"])
    open_player(client, ids["lesson"])
    low = commit(
        client, ids["lesson"], {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "50"}
    )
    assert low.get_json()["status"] == "failed" and not low.get_json()["lesson_completed"]
    high = commit(client, ids["lesson"], {"cmi.core.score.raw": "85"})
    assert high.get_json()["status"] == "passed"
    assert high.get_json()["lesson_completed"] and not high.get_json()["course_completed"]


def test_session_time_counts_once_per_session(world, client_as):
    ids = scorm_course(world)
    client = client_as(world.users["gold_user"])
    open_player(client, ids["lesson"])
    commit(client, ids["lesson"], {"cmi.core.session_time": "00:01:00"}, session="a")
    commit(client, ids["lesson"], {"cmi.core.session_time": "00:01:30"}, session="a")
    commit(client, ids["lesson"], {"cmi.core.session_time": "00:00:20"}, session="b")
    assert attempt_row(world, ids["lesson"]).total_seconds == 110


def test_suspend_and_resume(world, client_as):
    ids = scorm_course(world)
    client = client_as(world.users["gold_user"])
    _page, src = open_player(client, ids["lesson"])
    assert '"cmi.core.entry":"ab-initio"' in client.get(src).get_data(as_text=True)
    commit(client, ids["lesson"], {"cmi.suspend_data": "slide=4", "cmi.core.exit": "suspend"})
    _page, src = open_player(client, ids["lesson"])
    body = client.get(src).get_data(as_text=True)
    assert '"cmi.core.entry":"resume"' in body and '"cmi.suspend_data":"slide=4"' in body


# --- in the browser ----------------------------------------------------------------------


@pytest.mark.browser
def test_a_partner_passes_a_scorm_lesson_in_the_sandboxed_frame(live_portal, chromium):
    from portalis_lms import scorm
    from portalis_lms.models import (
        Course,
        CourseTranslation,
        Enrolment,
        Lesson,
        LessonProgress,
        Module,
    )

    app = live_portal.app
    with app.app_context():
        tenant = api.session.scalars(select(api.Tenant).where(api.Tenant.slug == "acme")).one()
        with api.tenant_scope(tenant.id):
            user = api.session.scalars(
                select(api.User).where(api.User.role == "partner_user", api.User.active.is_(True))
            ).first()
            partner = api.session.get(api.Partner, user.partner_id)
            course = Course(program_id=partner.program_id, default_language="en")
            api.session.add(course)
            api.session.flush()
            api.session.add(
                CourseTranslation(course_id=course.id, language="en", title="SCORM check")
            )
            module = Module(course_id=course.id, title="Module")
            api.session.add(module)
            api.session.flush()
            package = scorm.import_package(
                course.id, io.BytesIO(scorm.sample_package("Browser check")), "b.zip", None
            )
            lesson = Lesson(
                course_id=course.id,
                module_id=module.id,
                kind="scorm",
                title="Browser check",
                package_id=package.id,
            )
            api.session.add(lesson)
            api.session.commit()
            lesson_id, email = lesson.id, user.email
            course_id, user_id = course.id, user.id
        api.session.remove()
    context = chromium.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    live_portal.sign_in(page, email)
    page.goto(live_portal.url("acme", f"/lms/scorm/lesson/{lesson_id}"))
    frame = page.frame_locator("#scorm-frame")
    frame.get_by_text("Status: incomplete").wait_for(timeout=10000)
    # the runtime in the frame checks values as the server does (state carried along)
    from portalis_lms.scorm import check_value

    runtime = next(f for f in page.frames if "/lms/scorm/" in f.url and f != page.main_frame)
    data: dict[str, str] = {}
    for element, value, _code in VALUE_CASES:
        expected = check_value(element, value, data)
        if expected == 0:
            data[element] = value
        got = runtime.evaluate(
            "([e, v]) => [API.LMSSetValue(e, v), API.LMSGetLastError()]", [element, value]
        )
        assert got == ["true" if expected == 0 else "false", str(expected)], (element, value)
    assert runtime.evaluate("() => API.LMSGetValue('cmi.core.student_id')") == str(user_id)
    assert runtime.evaluate("() => API.LMSGetValue('cmi.core.exit')") == ""
    assert runtime.evaluate("() => API.LMSGetLastError()") == "404"  # write-only
    frame.get_by_role("button", name="Pass").click()
    frame.get_by_text("Passed — score 90.").wait_for(timeout=10000)
    status = page.locator("#scorm-status")
    status.get_by_text("Passed — 90 %").wait_for(timeout=10000)
    assert "complete" in status.inner_text()
    assert page.locator("#scorm-done").is_visible()
    # the frame is really sandboxed: it cannot read the portal page
    assert page.evaluate(
        "() => { try { return document.getElementById('scorm-frame').contentWindow.document"
        " === null; } catch (e) { return 'blocked'; } }"
    ) in ("blocked", True)
    assert errors == []
    context.close()
    with app.app_context(), api.tenant_scope(tenant.id):
        run = api.session.scalars(
            select(Enrolment).where(Enrolment.course_id == course_id, Enrolment.user_id == user_id)
        ).one()
        assert run.completed_at is not None
        assert api.session.scalars(
            select(LessonProgress.lesson_id).where(LessonProgress.enrolment_id == run.id)
        ).all() == [lesson_id]
        api.session.remove()


# --- two first commits at once (PostgreSQL: threads; SQLite: one after the other) --------


@pytest.fixture
def race(portalis_app, tmp_path, monkeypatch):
    """A database of its own with one person enrolled in a course of one SCORM lesson."""
    import uuid

    from sqlalchemy.exc import OperationalError

    from portalis.testing.databases import sessions_bound_to, test_database_kind, throwaway_database

    kind = test_database_kind()
    try:
        database = throwaway_database(
            kind, directory=tmp_path, prefix="portalis_lms_scorm_race", connect_timeout=3
        )
        url = database.__enter__()
    except OperationalError as exc:  # pragma: no cover - the run's own database is reachable
        pytest.fail(f"the test database is unreachable: {exc}")
    try:
        with sessions_bound_to(url, pool_size=8), portalis_app.app_context():
            from portalis_lms import scorm
            from portalis_lms.models import Course, Enrolment, Lesson, Module

            with api.unscoped("race test creates its tenant"):
                tenant = api.Tenant(
                    slug=f"race{uuid.uuid4().hex[:6]}", name="Race", allowed_locales=["en"]
                )
                api.session.add(tenant)
                api.session.flush()
            monkeypatch.setitem(portalis_app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
            with api.tenant_scope(tenant.id):
                program = api.Program(slug="partners", name="Race", currency="USD")
                api.session.add(program)
                api.session.flush()
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
                module = Module(course_id=course.id, title="One")
                api.session.add(module)
                api.session.flush()
                pkg = scorm.import_package(
                    course.id, io.BytesIO(scorm.sample_package()), "r.zip", None
                )
                lesson = Lesson(
                    course_id=course.id,
                    module_id=module.id,
                    kind="scorm",
                    title="Tour",
                    package_id=pkg.id,
                )
                run = Enrolment(course_id=course.id, user_id=user.id, partner_id=partner.id)
                api.session.add_all([lesson, run])
                api.session.flush()
                ids = {
                    "app": portalis_app,
                    "threads": kind == "postgresql",
                    "tenant_id": tenant.id,
                    "lesson_id": lesson.id,
                    "package_id": pkg.id,
                    "run_id": run.id,
                }
                api.session.commit()
            api.session.remove()
            yield ids
    finally:
        database.__exit__(None, None, None)


def test_two_first_commits_at_once_make_one_attempt_with_both(race):
    import threading
    import time

    from portalis_lms import scorm
    from portalis_lms.models import Enrolment, Lesson, ScormAttempt, ScormPackage

    barrier = threading.Barrier(2, timeout=30) if race["threads"] else None
    errors: list[BaseException] = []
    reports = [
        ("tab-a", {"cmi.core.session_time": "00:01:00", "cmi.comments": "from a"}),
        ("tab-b", {"cmi.core.session_time": "00:00:30", "cmi.core.lesson_location": "p2"}),
    ]

    def send(session, values) -> None:
        try:
            with race["app"].app_context(), api.tenant_request_context(race["tenant_id"]):
                run = api.session.get(Enrolment, race["run_id"])
                lesson = api.session.get(Lesson, race["lesson_id"])
                package = api.session.get(ScormPackage, race["package_id"])
                assert scorm.attempt_for(run, lesson) is None  # both see no attempt yet
                if barrier is not None:
                    barrier.wait()
                scorm.commit(run, lesson, package, values, session=session)
                time.sleep(0.2)  # the other runs while this one hasn't committed
                api.session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            api.session.remove()

    if barrier is None:  # SQLite serialises writers: the same two, one after the other
        send(*reports[0])
        with race["app"].app_context(), api.tenant_scope(race["tenant_id"]):
            run = api.session.get(Enrolment, race["run_id"])
            lesson = api.session.get(Lesson, race["lesson_id"])
            package = api.session.get(ScormPackage, race["package_id"])
            scorm.commit(run, lesson, package, reports[1][1], session=reports[1][0])
            api.session.commit()
            api.session.remove()
    else:
        threads = [threading.Thread(target=send, args=r) for r in reports]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not errors, errors
    with race["app"].app_context(), api.tenant_scope(race["tenant_id"]):
        rows = api.session.scalars(select(ScormAttempt)).all()
        assert len(rows) == 1
        row = rows[0]
        assert row.total_seconds == 90
        assert row.data["cmi.comments"] == "from a" and row.lesson_location == "p2"
        api.session.remove()


def test_a_vendor_acting_as_the_learner_runs_the_package_in_browse_mode_and_records_nothing(
    world, client_as
):
    import dataclasses

    from flask import g

    from portalis_lms.models import LessonProgress

    ids = scorm_course(world)
    client = client_as(world.users["gold_user"])
    vendor_id = world.users["vendor_admin"].id

    def impersonate() -> None:  # what the core's back office sets when a vendor acts as a user
        if getattr(g, "viewer", None) is not None and g.viewer.is_partner:
            g.viewer = dataclasses.replace(g.viewer, impersonated_by=vendor_id)

    funcs = world.app.before_request_funcs.setdefault(None, [])
    funcs.append(impersonate)
    try:
        page, src = open_player(client, ids["lesson"])
        assert "Only the learner can complete this lesson." in page and "data-preview=" in page
        body = client.get(src).get_data(as_text=True)
        assert '"cmi.core.lesson_mode":"browse"' in body
        assert '"cmi.core.credit":"no-credit"' in body
        resp = commit(client, ids["lesson"], {"cmi.core.lesson_status": "passed"}, finish=True)
        assert resp.status_code == 403
        assert "Only the learner can do this" in resp.get_json()["error"]
    finally:
        funcs.remove(impersonate)
    assert attempt_row(world, ids["lesson"]) is None
    with api.tenant_scope(world.tenant.id):
        assert api.session.scalars(select(LessonProgress)).all() == []
    # the learner themself still runs it for credit
    _page, src = open_player(client, ids["lesson"])
    assert '"cmi.core.lesson_mode":"normal"' in client.get(src).get_data(as_text=True)
