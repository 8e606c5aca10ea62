"""Authoring: courses, their languages and audience, modules and lessons (learning paths
are in :mod:`paths`, assigning courses in :mod:`assignments`). No request objects; the
caller commits.

Every function checks its own input and raises :class:`Invalid` (a ``ValueError`` whose
``str()`` is the translated message and whose ``field`` names the form field it belongs
to) *before* it writes anything, so a refused change leaves nothing behind. Every change
is audited.

Deleting a lesson (or a module) that people already completed is refused: their
completions, quiz attempts and SCORM data would go with it, and with them the history a
certificate was issued on. Make such a lesson optional (``required=False``) or retire the
course instead. When a deleted lesson (or module), one made optional or one moved to
another language was the last required lesson someone had left, their run completes then
(:func:`progress.complete_finished_runs`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import IO, Any
from urllib.parse import urlsplit

from flask import has_request_context
from sqlalchemy import delete, func, select

from portalis import api

from . import progress, search
from .i18n import _
from .models import (
    FILE_KIND,
    LESSON_KINDS,
    VISIBILITIES,
    Course,
    CoursePartner,
    CourseTier,
    CourseTranslation,
    Lesson,
    LessonProgress,
    Module,
    QuizAttempt,
    ScormAttempt,
    ScormPackage,
)

#: Video files a lesson may carry.
VIDEO_TYPES = frozenset({"mp4", "webm"})
#: Limits that match the columns (and keep pages readable).
MAX_TITLE = 200
MAX_URL = 2000
MAX_MINUTES = 100_000


class Invalid(ValueError):
    """A change refused with a message for the person making it; nothing was written."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


# --- small shared rules ------------------------------------------------------------------


def tenant_languages() -> list[str]:
    """The current tenant's languages (course variants and lesson languages choose from
    these), its default language first."""
    tenant = api.current_tenant()
    if tenant is None:
        tenant = api.session.get(api.Tenant, api.current_tenant_id())
    if tenant is None:
        return ["en"]
    codes = [tenant.default_locale or "en", *(tenant.allowed_locales or [])]
    return list(dict.fromkeys(c for c in codes if c))


def _title(value: str | None, field: str = "title") -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(_("Enter a title."), field)
    if len(text) > MAX_TITLE:
        raise Invalid(_("Keep the title to %(max)s characters.", max=MAX_TITLE), field)
    return text


def _language(value: str | None, field: str = "language") -> str:
    if value not in tenant_languages():
        raise Invalid(_("Choose one of the portal's languages."), field)
    return str(value)


def _visibility(value: str | None) -> str:
    if value not in VISIBILITIES:
        raise Invalid(_("Choose who may see it."), "visibility")
    return str(value)


def _dates(publish_at: dt.datetime | None, retire_at: dt.datetime | None) -> None:
    if publish_at and retire_at and retire_at <= publish_at:
        raise Invalid(_("The course can't retire before it is published."), "retire_at")


def _minutes(value: int | None, field: str = "estimated_minutes") -> int:
    n = int(value or 0)
    if not 0 <= n <= MAX_MINUTES:
        raise Invalid(_("Enter a number of minutes from 0 to %(max)s.", max=MAX_MINUTES), field)
    return n


def check_url(value: str | None, *, https_only: bool, field: str = "url") -> str:
    """A web address a lesson opens: http(s) (https only for videos), with a host name."""
    text = (value or "").strip()
    if not text:
        raise Invalid(_("Enter the web address."), field)
    if len(text) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in text):
        raise Invalid(_("Enter a web address such as https://example.com."), field)
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError as exc:
        raise Invalid(_("Enter a web address such as https://example.com."), field) from exc
    scheme = parts.scheme.lower()
    if https_only and scheme != "https":
        raise Invalid(_("Videos are linked with a secure address (https://)."), field)
    if scheme not in ("http", "https"):
        raise Invalid(_("Only web addresses (http or https) are accepted."), field)
    if not host or "." not in host or "@" in parts.netloc:
        raise Invalid(_("Enter a web address such as https://example.com."), field)
    return text


def _program_tiers(program_id: int) -> set[int]:
    return set(api.session.scalars(select(api.Tier.id).where(api.Tier.program_id == program_id)))


def _program_partners(program_id: int, ids: Iterable[int]) -> set[int]:
    wanted = {int(i) for i in ids}
    if not wanted:
        return set()
    return set(
        api.session.scalars(
            select(api.Partner.id).where(
                api.Partner.program_id == program_id, api.Partner.id.in_(wanted)
            )
        )
    )


def _audience_ids(
    program_id: int, visibility: str, tier_ids: Iterable[int], partner_ids: Iterable[int]
) -> tuple[list[int], list[int]]:
    """The chosen tiers and companies, checked to be the program's (else :class:`Invalid`).
    Both lists are kept whatever the visibility, so switching back restores the choice."""
    tiers = sorted({int(t) for t in tier_ids})
    partners = sorted({int(p) for p in partner_ids})
    if set(tiers) - _program_tiers(program_id):
        raise Invalid(_("Choose tiers of this course's program."), "tier_ids")
    if set(partners) - _program_partners(program_id, partners):
        raise Invalid(_("Choose partner companies of this course's program."), "partner_ids")
    if visibility == "tiers" and not tiers:
        raise Invalid(_("Choose at least one tier."), "tier_ids")
    if visibility == "partners" and not partners:
        raise Invalid(_("Choose at least one partner company."), "partner_ids")
    return tiers, partners


def _program(program_id: int) -> api.Program:
    program = api.session.get(api.Program, program_id)
    if program is None:
        raise Invalid(_("Choose a program."), "program_id")
    return program


def _reindex(course: Course) -> None:
    """Keep the portal search in step (search.py feeds it; it may not be there yet)."""
    search.index_course(course)


def _touch(course: Course) -> None:
    course.updated_at = api.utcnow()


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- courses -----------------------------------------------------------------------------


def course_snapshot(course: Course) -> dict[str, Any]:
    tiers, partners = course_audience(course.id)
    return {
        "program_id": course.program_id,
        "default_language": course.default_language,
        "visibility": course.visibility,
        "tier_ids": tiers,
        "partner_ids": partners,
        "publish_at": _iso(course.publish_at),
        "retire_at": _iso(course.retire_at),
        "estimated_minutes": course.estimated_minutes,
    }


def course_audience(course_id: int) -> tuple[list[int], list[int]]:
    tiers = sorted(
        api.session.scalars(select(CourseTier.tier_id).where(CourseTier.course_id == course_id))
    )
    partners = sorted(
        api.session.scalars(
            select(CoursePartner.partner_id).where(CoursePartner.course_id == course_id)
        )
    )
    return tiers, partners


def create_course(
    program_id: int,
    title: str,
    language: str,
    created_by_id: int | None,
    summary: str = "",
    visibility: str = "everyone",
    publish_at: dt.datetime | None = None,
    retire_at: dt.datetime | None = None,
    estimated_minutes: int = 0,
    tier_ids: Sequence[int] = (),
    partner_ids: Sequence[int] = (),
) -> Course:
    """A course of ``program_id`` with its first language variant (``language``, which
    becomes its default language)."""
    _program(program_id)
    title = _title(title)
    language = _language(language)
    visibility = _visibility(visibility)
    _dates(publish_at, retire_at)
    minutes = _minutes(estimated_minutes)
    tiers, partners = _audience_ids(program_id, visibility, tier_ids, partner_ids)
    position = api.session.scalar(
        select(func.coalesce(func.max(Course.position), -1) + 1).where(
            Course.program_id == program_id
        )
    )
    now = api.utcnow()
    course = Course(
        program_id=program_id,
        default_language=language,
        visibility=visibility,
        publish_at=publish_at,
        retire_at=retire_at,
        estimated_minutes=minutes,
        position=int(position or 0),
        created_by_id=created_by_id,
        created_at=now,
        updated_at=now,
    )
    api.session.add(course)
    api.session.flush()
    api.session.add(
        CourseTranslation(
            course_id=course.id, language=language, title=title, summary=(summary or "").strip()
        )
    )
    _store_audience(CourseTier, CoursePartner, "course_id", course.id, tiers, partners)
    api.session.flush()
    api.audit(
        "lms.course_created",
        "lms_course",
        course.id,
        after={"title": title, **course_snapshot(course)},
    )
    _reindex(course)
    return course


def update_course(
    course: Course,
    *,
    default_language: str | None = None,
    publish_at: dt.datetime | None = None,
    retire_at: dt.datetime | None = None,
    estimated_minutes: int | None = None,
) -> Course:
    """Change a course's settings: its default language (one it has a variant in), its
    dates (``None`` = none: published at once, never retired) and its duration."""
    before = course_snapshot(course)
    if default_language is not None and default_language != course.default_language:
        if default_language not in translations_of(course.id):
            raise Invalid(
                _("Add the course in this language before making it the default."),
                "default_language",
            )
        course.default_language = default_language
    _dates(publish_at, retire_at)
    course.publish_at = publish_at
    course.retire_at = retire_at
    if estimated_minutes is not None:
        course.estimated_minutes = _minutes(estimated_minutes)
    _touch(course)
    api.session.flush()
    api.audit(
        "lms.course_updated", "lms_course", course.id, before=before, after=course_snapshot(course)
    )
    _reindex(course)
    return course


def translations_of(course_id: int) -> dict[str, CourseTranslation]:
    return {
        t.language: t
        for t in api.session.scalars(
            select(CourseTranslation).where(CourseTranslation.course_id == course_id)
        )
    }


def set_translation(
    course: Course, language: str, title: str, summary: str = ""
) -> CourseTranslation:
    """Add or change the course's title and summary in ``language``."""
    language = _language(language)
    title = _title(title)
    summary = (summary or "").strip()
    existing = translations_of(course.id).get(language)
    before = {"title": existing.title, "summary": existing.summary} if existing else None
    if existing is None:
        existing = CourseTranslation(
            course_id=course.id, language=language, title=title, summary=summary
        )
        api.session.add(existing)
    else:
        existing.title, existing.summary = title, summary
    _touch(course)
    api.session.flush()
    api.audit(
        "lms.course_translated",
        "lms_course",
        course.id,
        before=before and {"language": language, **before},
        after={"language": language, "title": title, "summary": summary},
    )
    _reindex(course)
    return existing


def remove_translation(course: Course, language: str) -> None:
    """Remove a language variant (never the default one; lessons only for that language
    stay, and show again if the language comes back)."""
    if language == course.default_language:
        raise Invalid(
            _("The default language can't be removed; choose another default first."), "language"
        )
    existing = translations_of(course.id).get(language)
    if existing is None:
        return
    api.session.delete(existing)
    _touch(course)
    api.session.flush()
    api.audit(
        "lms.course_translation_removed",
        "lms_course",
        course.id,
        before={"language": language, "title": existing.title},
    )
    _reindex(course)


def _store_audience(
    tier_model: Any,
    partner_model: Any,
    owner: str,
    owner_id: int,
    tiers: list[int],
    partners: list[int],
) -> None:
    owner_col = getattr(tier_model, owner)
    api.session.execute(delete(tier_model).where(owner_col == owner_id))
    api.session.execute(delete(partner_model).where(getattr(partner_model, owner) == owner_id))
    for tid in tiers:
        api.session.add(tier_model(**{owner: owner_id, "tier_id": tid}))
    for pid in partners:
        api.session.add(partner_model(**{owner: owner_id, "partner_id": pid}))


def set_audience(
    course: Course, visibility: str, tier_ids: Iterable[int] = (), partner_ids: Iterable[int] = ()
) -> None:
    """Who may take the course: everyone in its program, chosen tiers (of its program),
    chosen partner companies (of its program), or nobody but the vendor ("hidden")."""
    visibility = _visibility(visibility)
    tiers, partners = _audience_ids(course.program_id, visibility, tier_ids, partner_ids)
    before = course_snapshot(course)
    course.visibility = visibility
    _store_audience(CourseTier, CoursePartner, "course_id", course.id, tiers, partners)
    _touch(course)
    api.session.flush()
    api.audit(
        "lms.course_audience", "lms_course", course.id, before=before, after=course_snapshot(course)
    )
    _reindex(course)


def course_title(course: Course, locale: str | None = None) -> str:
    """The course's title in ``locale`` if it has that variant, else its default's
    (:func:`learner.course_title`, the one rule)."""
    from . import learner  # learner → assignments → service: imported when called

    return learner.course_title(course.id, locale)


# --- modules -----------------------------------------------------------------------------


def _clean_i18n(values: dict[str, str] | None) -> dict[str, str]:
    langs = set(tenant_languages())
    out = {}
    for code, text in (values or {}).items():
        text = (text or "").strip()
        if code in langs and text:
            if len(text) > MAX_TITLE:
                raise Invalid(
                    _("Keep the title to %(max)s characters.", max=MAX_TITLE), "title_i18n"
                )
            out[code] = text
    return out


def add_module(course_id: int, title: str, title_i18n: dict[str, str] | None = None) -> Module:
    course = api.session.get(Course, course_id)
    if course is None:
        raise Invalid(_("This course no longer exists."))
    title = _title(title)
    i18n = _clean_i18n(title_i18n)
    position = api.session.scalar(
        select(func.coalesce(func.max(Module.position), -1) + 1).where(
            Module.course_id == course_id
        )
    )
    module = Module(course_id=course_id, title=title, title_i18n=i18n, position=int(position or 0))
    api.session.add(module)
    _touch(course)
    api.session.flush()
    api.audit(
        "lms.module_added", "lms_module", module.id, after={"course_id": course_id, "title": title}
    )
    _reindex(course)
    return module


def rename_module(module: Module, title: str, title_i18n: dict[str, str] | None = None) -> None:
    before = {"title": module.title, "title_i18n": dict(module.title_i18n or {})}
    module.title = _title(title)
    if title_i18n is not None:
        module.title_i18n = _clean_i18n(title_i18n)
    api.session.flush()
    api.audit(
        "lms.module_renamed",
        "lms_module",
        module.id,
        before=before,
        after={"title": module.title, "title_i18n": module.title_i18n},
    )
    course = api.session.get(Course, module.course_id)
    if course is not None:
        _touch(course)
        _reindex(course)


def modules_of(course_id: int) -> list[Module]:
    return list(
        api.session.scalars(
            select(Module).where(Module.course_id == course_id).order_by(Module.position, Module.id)
        )
    )


def lessons_of_module(module_id: int) -> list[Lesson]:
    return list(
        api.session.scalars(
            select(Lesson).where(Lesson.module_id == module_id).order_by(Lesson.position, Lesson.id)
        )
    )


def _swap(rows: list[Any], row: Any, direction: str) -> bool:
    """Renumber ``rows`` 0…n-1 with ``row`` moved one place "up" or "down"."""
    ids = [r.id for r in rows]
    if row.id not in ids or direction not in ("up", "down"):
        return False
    i = ids.index(row.id)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(rows):
        return False
    rows[i], rows[j] = rows[j], rows[i]
    for n, r in enumerate(rows):
        r.position = n
    return True


def move_module(module: Module, direction: str) -> bool:
    moved = _swap(modules_of(module.course_id), module, direction)
    if moved:
        api.session.flush()
        api.audit("lms.module_moved", "lms_module", module.id, after={"direction": direction})
    return moved


def _people_did(lesson_ids: Sequence[int]) -> bool:
    """Whether anyone has a record of these lessons (a completion, an attempt)."""
    if not lesson_ids:
        return False
    for model in (LessonProgress, QuizAttempt, ScormAttempt):
        if api.session.scalar(select(model.id).where(model.lesson_id.in_(lesson_ids)).limit(1)):
            return True
    return False


def delete_module(module: Module) -> None:
    """Delete a module and its lessons — refused when people have records of any of them."""
    lessons = lessons_of_module(module.id)
    if _people_did([lesson.id for lesson in lessons]):
        raise Invalid(
            _(
                "People have already worked on lessons of this module, so it can't be deleted. Make its lessons optional instead, or retire the course."
            )
        )
    for lesson in lessons:
        _forget_video(lesson)
    api.audit(
        "lms.module_deleted",
        "lms_module",
        module.id,
        before={"course_id": module.course_id, "title": module.title, "lessons": len(lessons)},
    )
    course = api.session.get(Course, module.course_id)
    api.session.execute(delete(Lesson).where(Lesson.module_id == module.id))
    api.session.delete(module)
    api.session.flush()
    progress.complete_finished_runs(module.course_id)  # its lessons may have been the last
    if course is not None:
        _touch(course)
        _reindex(course)


# --- lessons -----------------------------------------------------------------------------


def lesson_snapshot(lesson: Lesson) -> dict[str, Any]:
    return {
        "course_id": lesson.course_id,
        "module_id": lesson.module_id,
        "kind": lesson.kind,
        "title": lesson.title,
        "language": lesson.language,
        "required": lesson.required,
        "minutes": lesson.minutes,
        "url": lesson.url,
        "stored_name": lesson.stored_name,
        "link_ref": lesson.link_ref,
        "package_id": lesson.package_id,
        "quiz_id": lesson.quiz_id,
        "body_length": len(lesson.body or ""),
    }


def _lesson_language(value: str | None) -> str:
    if not value:
        return ""
    return _language(value)


def _check_link_ref(ref: str | None) -> str:
    ref = (ref or "").strip()
    if not ref:
        raise Invalid(_("Choose a file from the library."), "link_ref")
    if not has_request_context():
        # a job or the demo: nobody to ask on behalf of; partners' pages resolve the ref
        # again for each viewer anyway
        plugin, sep, rest = ref.partition(":")
        if not (sep and plugin and rest and len(ref) <= 100):
            raise Invalid(_("That file isn't in the library (any more)."), "link_ref")
        return ref
    if ref not in api.resolve_linkables([ref]):
        raise Invalid(_("That file isn't in the library (any more)."), "link_ref")
    return ref


def _check_package(course_id: int, package_id: int | None) -> int:
    package = api.session.get(ScormPackage, package_id) if package_id else None
    if package is None or package.course_id != course_id:
        raise Invalid(_("Upload a SCORM package (a zip file)."), "upload")
    return package.id


def _store_video(upload: IO[bytes]) -> api.StoredFile:
    try:
        stored = api.store_upload(upload, kind=FILE_KIND, allowed=VIDEO_TYPES)
    except api.UploadRefused as exc:
        raise Invalid(str(exc), "upload") from exc
    api.on_rollback(lambda: api.remove_stored_file(FILE_KIND, stored.name))
    return stored


def _forget_video(lesson: Lesson) -> None:
    """Remove the lesson's uploaded video once the change that drops it commits."""
    name = lesson.stored_name
    if name:
        api.on_commit(lambda: api.remove_stored_file(FILE_KIND, name))


def _import_package(
    course_id: int, upload: IO[bytes], filename: str, uploaded_by_id: int | None
) -> int:
    from . import scorm  # H2's module

    try:
        package = scorm.import_package(course_id, upload, filename, uploaded_by_id)
    except scorm.PackageRefused as exc:
        raise Invalid(str(exc), "upload") from exc
    return int(package.id)


def add_lesson(
    module_id: int,
    kind: str,
    title: str,
    *,
    body: str = "",
    url: str = "",
    upload: IO[bytes] | None = None,
    filename: str = "",
    uploaded_by_id: int | None = None,
    link_ref: str | None = None,
    package_id: int | None = None,
    quiz_id: int | None = None,
    language: str = "",
    required: bool = True,
    minutes: int = 0,
) -> Lesson:
    """A lesson at the end of a module, checked for its kind:

    * ``text`` — ``body`` (Markdown) is needed;
    * ``video`` — an https ``url``, or ``upload`` (an MP4 or WebM file, checked by content;
      removed again if the transaction rolls back);
    * ``link`` — an http(s) ``url``;
    * ``file`` — a ``link_ref`` the library knows (``api.resolve_linkables``);
    * ``scorm`` — ``upload`` (a zip, imported by :func:`scorm.import_package`) or an
      existing ``package_id`` of the course;
    * ``quiz`` — ``quiz_id`` of the course, or a new quiz titled like the lesson.

    ``language`` "" is for everyone, else one of the tenant's languages."""
    module = api.session.get(Module, module_id)
    if module is None:
        raise Invalid(_("This module no longer exists."))
    if kind not in LESSON_KINDS:
        raise Invalid(_("Choose what kind of lesson it is."), "kind")
    lesson = Lesson(
        course_id=module.course_id,
        module_id=module.id,
        kind=kind,
        title=_title(title),
        language=_lesson_language(language),
        required=bool(required),
        minutes=_minutes(minutes, "minutes"),
        body=(body or "").strip(),
    )
    # every cheap check first, the file last: a refusal writes nothing
    if kind == "text" and not lesson.body:
        raise Invalid(_("Write the lesson's text."), "body")
    if kind == "link":
        lesson.url = check_url(url, https_only=False)
    if kind == "video":
        if upload is None and not (url or "").strip():
            raise Invalid(_("Upload a video or enter its web address."), "url")
        if upload is None:
            lesson.url = check_url(url, https_only=True)
    if kind == "file":
        lesson.link_ref = _check_link_ref(link_ref)
    if kind == "scorm" and upload is None:
        lesson.package_id = _check_package(module.course_id, package_id)
    if kind == "quiz" and quiz_id is not None:
        lesson.quiz_id = _check_quiz(module.course_id, quiz_id)
    if kind == "video" and upload is not None:
        stored = _store_video(upload)
        lesson.stored_name, lesson.file_type = stored.name, stored.file_type
    if kind == "scorm" and upload is not None:
        lesson.package_id = _import_package(module.course_id, upload, filename, uploaded_by_id)
    if kind == "quiz" and lesson.quiz_id is None:
        from . import quizzes  # H3's module

        lesson.quiz_id = quizzes.create_quiz(module.course_id, lesson.title).id
    lesson.position = int(
        api.session.scalar(
            select(func.coalesce(func.max(Lesson.position), -1) + 1).where(
                Lesson.module_id == module.id
            )
        )
        or 0
    )
    api.session.add(lesson)
    api.session.flush()
    api.audit("lms.lesson_added", "lms_lesson", lesson.id, after=lesson_snapshot(lesson))
    course = api.session.get(Course, module.course_id)
    if course is not None:
        _touch(course)
        _reindex(course)
    return lesson


def _check_quiz(course_id: int, quiz_id: int) -> int:
    from .models import Quiz

    quiz = api.session.get(Quiz, quiz_id)
    if quiz is None or quiz.course_id != course_id:
        raise Invalid(_("Choose a quiz of this course."), "quiz_id")
    return quiz.id


def update_lesson(
    lesson: Lesson,
    *,
    title: str | None = None,
    body: str | None = None,
    url: str | None = None,
    upload: IO[bytes] | None = None,
    filename: str = "",
    uploaded_by_id: int | None = None,
    link_ref: str | None = None,
    language: str | None = None,
    required: bool | None = None,
    minutes: int | None = None,
) -> Lesson:
    """Change a lesson (its kind stays). A new video or package ``upload`` replaces the
    old one; giving a video ``url`` drops an uploaded video. ``None`` leaves a value."""
    before = lesson_snapshot(lesson)
    new_title = _title(title) if title is not None else lesson.title
    new_language = _lesson_language(language) if language is not None else lesson.language
    new_minutes = _minutes(minutes, "minutes") if minutes is not None else lesson.minutes
    new_body = (body or "").strip() if body is not None else lesson.body
    if lesson.kind == "text" and not new_body:
        raise Invalid(_("Write the lesson's text."), "body")
    new_url = lesson.url
    if lesson.kind == "link" and url is not None:
        new_url = check_url(url, https_only=False)
    drop_video = False
    if lesson.kind == "video" and upload is None and url is not None:
        if (url or "").strip():
            new_url = check_url(url, https_only=True)
            drop_video = bool(lesson.stored_name)
        elif not lesson.stored_name:
            raise Invalid(_("Upload a video or enter its web address."), "url")
    new_ref = lesson.link_ref
    if lesson.kind == "file" and link_ref is not None and link_ref != lesson.link_ref:
        new_ref = _check_link_ref(link_ref)
    # the file last
    if lesson.kind == "video" and upload is not None:
        stored = _store_video(upload)
        _forget_video(lesson)
        lesson.stored_name, lesson.file_type, new_url = stored.name, stored.file_type, ""
    elif drop_video:
        _forget_video(lesson)
        lesson.stored_name, lesson.file_type = None, None
    if lesson.kind == "scorm" and upload is not None:
        lesson.package_id = _import_package(lesson.course_id, upload, filename, uploaded_by_id)
    lesson.title, lesson.language, lesson.minutes = new_title, new_language, new_minutes
    lesson.body, lesson.url, lesson.link_ref = new_body, new_url, new_ref
    if required is not None:
        lesson.required = bool(required)
    api.session.flush()
    api.audit(
        "lms.lesson_updated", "lms_lesson", lesson.id, before=before, after=lesson_snapshot(lesson)
    )
    if (before["required"], before["language"]) != (lesson.required, lesson.language):
        # the last required lesson of someone's run may have gone optional or elsewhere
        progress.complete_finished_runs(lesson.course_id)
    course = api.session.get(Course, lesson.course_id)
    if course is not None:
        _touch(course)
        _reindex(course)
    return lesson


def move_lesson(lesson: Lesson, direction: str) -> bool:
    """One place up or down within its module."""
    moved = _swap(lessons_of_module(lesson.module_id), lesson, direction)
    if moved:
        api.session.flush()
        api.audit("lms.lesson_moved", "lms_lesson", lesson.id, after={"direction": direction})
    return moved


def lesson_in_use(lesson: Lesson) -> bool:
    return _people_did([lesson.id])


def delete_lesson(lesson: Lesson) -> None:
    """Delete a lesson nobody has worked on yet; refused otherwise (see the module's
    docstring). Its uploaded video goes once the deletion commits."""
    if lesson_in_use(lesson):
        raise Invalid(
            _(
                "People have already worked on this lesson, so it can't be deleted. Make it optional instead, or retire the course."
            )
        )
    _forget_video(lesson)
    api.audit("lms.lesson_deleted", "lms_lesson", lesson.id, before=lesson_snapshot(lesson))
    course = api.session.get(Course, lesson.course_id)
    api.session.delete(lesson)
    api.session.flush()
    progress.complete_finished_runs(lesson.course_id)  # it may have been the last required
    if course is not None:
        _touch(course)
        _reindex(course)
