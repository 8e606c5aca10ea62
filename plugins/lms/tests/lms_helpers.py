"""Building training records for tests, through the authoring service (so they are what
a vendor would have made). Each function commits and returns ids (plain values survive
the session)::

    from lms_helpers import make_course, make_path

    course_id = make_course(world, "Selling Cloud Backup",
                            lessons=[("text", "Welcome", {"body": "Hello"})])
    path_id = make_path(world, "Sales path", [course_id])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from portalis import api

#: A lesson to build: (kind, title, fields for ``service.add_lesson``).
LessonSpec = tuple[str, str, dict[str, Any]]

DEFAULT_LESSONS: tuple[LessonSpec, ...] = (
    ("text", "Why partners sell it", {"body": "Three **reasons** customers buy it."}),
    ("link", "The product page", {"url": "https://example.com/product"}),
)


def make_course(
    world: Any,
    title: str = "Selling Cloud Backup",
    *,
    lessons: Sequence[LessonSpec] = DEFAULT_LESSONS,
    modules: Sequence[tuple[str, Sequence[LessonSpec]]] | None = None,
    language: str = "en",
    visibility: str = "everyone",
    tiers: Sequence[str] = (),
    partners: Sequence[str] = (),
    tenant: Any | None = None,
    **fields: Any,
) -> int:
    """A course of the world's main program with one module of ``lessons`` (or the
    ``modules`` given as (title, lessons) pairs); ``tiers``/``partners`` are names in
    ``world.tiers``/``world.partners``. Returns the course id."""
    from portalis_lms import service

    tenant = tenant or world.tenant
    with api.tenant_scope(tenant.id):
        program_id = (
            world.program.id
            if tenant is world.tenant
            else api.session.scalars(select(api.Program.id)).first()
        )
        course = service.create_course(
            program_id,
            title,
            language,
            None,
            visibility=visibility,
            tier_ids=[world.tiers[t].id for t in tiers],
            partner_ids=[world.partners[p].id for p in partners],
            **fields,
        )
        for module_title, specs in modules or [("Getting started", lessons)]:
            module = service.add_module(course.id, module_title)
            for kind, lesson_title, values in specs:
                service.add_lesson(module.id, kind, lesson_title, **values)
        course_id = course.id
        api.session.commit()
    return course_id


def make_path(
    world: Any,
    title: str = "Sales certification path",
    course_ids: Sequence[int] = (),
    *,
    certification: str = "Certified Sales Professional",
    validity_days: int | None = 365,
    **fields: Any,
) -> int:
    """A path of the main program over ``course_ids`` (in order). Returns its id."""
    from portalis_lms import paths

    with api.tenant_scope(world.tenant.id):
        path = paths.create_path(
            world.program.id, title, certification, validity_days, list(course_ids), **fields
        )
        path_id = path.id
        api.session.commit()
    return path_id


def lesson_ids(world: Any, course_id: int) -> list[int]:
    """The course's lessons in order (module, then lesson)."""
    from portalis_lms import progress
    from portalis_lms.models import Course

    with api.tenant_scope(world.tenant.id):
        course = api.session.get(Course, course_id)
        assert course is not None
        return [lesson.id for lesson in progress.lessons_for(course_id, course.default_language)]
