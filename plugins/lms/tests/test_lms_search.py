"""Courses and lessons in the portal search: a partner finds what they may take — not a
hidden course, not another tier's, not one before it is published — and its lessons;
vendor staff find everything; a course enters the search when its publish date passes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from portalis import api

DAY = dt.timedelta(days=1)


def _make_course(world, title, *, visibility="everyone", tiers=(), partners=(), publish_at=None,
                 retire_at=None, summary="", lessons=(), translations=None):  # fmt: skip
    """A course built with the models (the authoring pages may land later), indexed as
    authoring does it: search.index_course after the change."""
    from portalis_lms import search
    from portalis_lms.models import (
        Course,
        CoursePartner,
        CourseTier,
        CourseTranslation,
        Lesson,
        Module,
    )

    with api.tenant_scope(world.tenant.id):
        course = Course(
            program_id=world.program.id,
            visibility=visibility,
            publish_at=publish_at,
            retire_at=retire_at,
        )
        api.session.add(course)
        api.session.flush()
        api.session.add(
            CourseTranslation(course_id=course.id, language="en", title=title, summary=summary)
        )
        for lang, (t, s) in (translations or {}).items():
            api.session.add(
                CourseTranslation(course_id=course.id, language=lang, title=t, summary=s)
            )
        for name in tiers:
            api.session.add(CourseTier(course_id=course.id, tier_id=world.tiers[name].id))
        for name in partners:
            api.session.add(CoursePartner(course_id=course.id, partner_id=world.partners[name].id))
        module = Module(course_id=course.id, title="Basics")
        api.session.add(module)
        api.session.flush()
        lesson_ids = []
        for i, (ltitle, body) in enumerate(lessons):
            lesson = Lesson(
                course_id=course.id, module_id=module.id, kind="text", title=ltitle, body=body,
                position=i,
            )  # fmt: skip
            api.session.add(lesson)
            api.session.flush()
            lesson_ids.append(lesson.id)
        search.index_course(course)
        api.session.commit()
        return course.id, lesson_ids


def _hits(client, q):
    html = client.get(f"/search/?q={q}").get_data(as_text=True)
    main = re.search(r"<main.*?</main>", html, re.S)
    return main.group(0) if main else html


def _count(client, q):
    m = re.search(r"(\d+) results?", _hits(client, q))
    return int(m.group(1)) if m else 0


@pytest.fixture
def catalogue(world):
    return {
        "open": _make_course(
            world,
            "Quasarwind selling",
            summary="How to pitch the suite",
            lessons=[("Objection handling", "Answer the Ravenmoss objection calmly.")],
            translations={
                "de": ("Quasarwind Verkaufen", "Wie man die Suite Kranichfeld vorstellt")
            },
        ),
        "hidden": _make_course(
            world,
            "Hiddenmoth draft",
            visibility="hidden",
            lessons=[("Secret lesson", "Only Duskbramble insiders.")],
        ),
        "gold": _make_course(world, "Goldfinch advanced", visibility="tiers", tiers=("gold",)),
        "silver_co": _make_course(
            world, "Tailorbee onboarding", visibility="partners", partners=("silver",)
        ),
        "future": _make_course(
            world,
            "Futurelark launch",
            publish_at=api.utcnow() + 2 * DAY,
            lessons=[("Launch day", "Prepare the Embertide demo.")],
        ),
        "retired": _make_course(world, "Oldheron basics", retire_at=api.utcnow() - DAY),
    }


def test_a_partner_finds_a_course_they_may_take_and_its_lessons(world, client_as, catalogue):
    silver = client_as(world.users["silver_user"])
    page = _hits(silver, "quasarwind")
    assert "Quasarwind selling" in page
    assert _count(silver, "ravenmoss") == 1  # a word only in a lesson's text
    assert "Objection handling" in _hits(silver, "ravenmoss")
    assert _count(silver, "kranichfeld") == 1  # the German summary is searchable
    assert _count(silver, "tailorbee") == 1  # chosen for the viewer's company


def test_a_partner_does_not_find_what_they_may_not_take(world, client_as, catalogue):
    silver = client_as(world.users["silver_user"])
    gold = client_as(world.users["gold_user"])
    for word in ("hiddenmoth", "duskbramble", "futurelark", "embertide", "oldheron"):
        assert _count(silver, word) == 0, word
        assert _count(gold, word) == 0, word
    assert _count(silver, "goldfinch") == 0  # another tier's course
    assert _count(gold, "goldfinch") == 1
    assert _count(gold, "tailorbee") == 0  # chosen for another company


def test_vendor_staff_find_everything(world, client_as, catalogue):
    vendor = client_as(world.users["channel_manager"])
    for word in ("quasarwind", "hiddenmoth", "duskbramble", "goldfinch", "tailorbee",
                 "futurelark", "oldheron", "ravenmoss"):  # fmt: skip
        assert _count(vendor, word) >= 1, word


def test_another_tenant_finds_nothing(world, client_as, catalogue):
    theirs = client_as(world.other["users"]["gold_user"])
    assert _count(theirs, "quasarwind") == 0
    assert _count(client_as(world.other["users"]["vendor_admin"]), "quasarwind") == 0


def test_a_course_enters_the_search_when_it_is_published(world, client_as, catalogue, clock):
    from portalis_lms import search

    gold = client_as(world.users["gold_user"])
    assert _count(gold, "futurelark") == 0
    clock.advance(days=3)
    with api.tenant_scope(world.tenant.id):
        search.sync_schedule()
        api.session.commit()
    assert _count(gold, "futurelark") == 1
    assert _count(gold, "embertide") == 1  # its lessons too


def test_deleted_lessons_and_languages_leave_the_search(world, client_as, catalogue):
    from portalis_lms import search
    from portalis_lms.models import Course, CourseTranslation, Lesson

    course_id, (lesson_id,) = catalogue["open"]
    silver = client_as(world.users["silver_user"])
    with api.tenant_scope(world.tenant.id):
        api.session.delete(api.session.get(Lesson, lesson_id))
        de = api.session.scalars(
            select(CourseTranslation).where(
                CourseTranslation.course_id == course_id, CourseTranslation.language == "de"
            )
        ).one()
        api.session.delete(de)
        api.session.flush()
        search.index_course(api.session.get(Course, course_id))
        api.session.commit()
    assert _count(silver, "ravenmoss") == 0
    assert _count(silver, "kranichfeld") == 0
    assert _count(silver, "quasarwind") == 1


def test_reindex_documents_carry_the_courses_audience(world, catalogue):
    from portalis_lms.plugin import portalis_search_documents

    with api.tenant_scope(world.tenant.id):
        docs = {d.doc_id: d for d in portalis_search_documents(world.tenant.id)}
        program_id, gold_tier = world.program.id, world.tiers["gold"].id
        silver_partner = world.partners["silver"].id
        api.session.rollback()
    open_id, (lesson_id,) = catalogue["open"]
    gold_id, _ = catalogue["gold"]
    hidden_id, _ = catalogue["hidden"]
    company_id, _ = catalogue["silver_co"]
    assert docs[f"lms:course:{open_id}:en"].audience == "all"
    assert docs[f"lms:course:{open_id}:de"].language == "de"
    assert docs[f"lms:course:{open_id}:de"].facets == {"language": "Deutsch"}  # as the library
    assert docs[f"lms:course:{open_id}:en"].program_id == program_id
    assert docs[f"lms:lesson:{lesson_id}"].title == "Objection handling"
    assert docs[f"lms:course:{gold_id}:en"].tier_ids == (gold_tier,)
    assert docs[f"lms:course:{company_id}:en"].partner_ids == (silver_partner,)
    hidden = docs[f"lms:course:{hidden_id}:en"]
    assert hidden.audience == "vendor" and hidden.tier_ids == () and hidden.partner_ids == ()
    assert all(d.url.startswith("/lms/") for d in docs.values())
