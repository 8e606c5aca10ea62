"""Pages for the vendor's staff (``lms.manage``): courses (settings, audience with a live
reach count, language variants, modules and lessons), a preview as partners see a course,
learning paths and their certifications, and assignments to tiers and partner companies.

Every page is behind :func:`portalis_lms.access.manager_required` (anyone else: 404), looks
records up with :func:`access.get_or_404`, and changes them only through :mod:`service`,
whose :class:`service.Invalid` becomes a message on the form and a 422 (which rolls the
request back: nothing half-written).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import flash, redirect, request, url_for
from flask_babel import get_timezone
from sqlalchemy import func, select

from portalis import api

from .. import access, progress, service
from ..forms import (
    AssignmentForm,
    CourseSettingsForm,
    LessonForm,
    ModuleForm,
    NewCourseForm,
    PathForm,
    TranslationForm,
    kind_labels,
    visibility_choices,
)
from ..i18n import _
from ..models import (
    FILE_KIND,
    LESSON_KINDS,
    VISIBILITIES,
    Assignment,
    Course,
    CoursePartner,
    CourseTier,
    CourseTranslation,
    Lesson,
    Module,
    Path,
    PathCourse,
    Quiz,
    ScormPackage,
)
from .blueprint import bp

#: The largest video a lesson takes (the portal's own request limit may be lower).
VIDEO_MAX_BYTES = 200 * 1024 * 1024


# --- helpers -----------------------------------------------------------------------------


def _user_id() -> int | None:
    return api.current_viewer().user_id


def autonym(code: str) -> str:
    """A language named in itself ("Deutsch")."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def _language_choices(blank: str | None = None) -> list[Any]:
    pairs: list[tuple[str, str]] = [("", blank)] if blank else []
    pairs += [(code, autonym(code)) for code in service.tenant_languages()]
    return api.select_choices(pairs)


def _programs() -> list[api.Program]:
    return list(api.session.scalars(select(api.Program).order_by(api.Program.name)))


def _program_name(program: api.Program | None) -> str:
    return api.localized(program.name, program.name_i18n) if program else ""


def _setup_audience(form: Any, program_id: int | None) -> None:
    tiers = (
        api.session.scalars(
            select(api.Tier).where(api.Tier.program_id == program_id).order_by(api.Tier.rank)
        ).all()
        if program_id
        else []
    )
    form.tier_ids.choices = api.select_choices(
        (t.id, api.localized(t.name, t.name_i18n)) for t in tiers
    )
    partners = (
        api.session.scalars(
            select(api.Partner)
            .where(api.Partner.program_id == program_id, api.Partner.status != "suspended")
            .order_by(api.Partner.name)
            .limit(2000)
        ).all()
        if program_id
        else []
    )
    form.partner_ids.choices = api.select_choices((p.id, p.name) for p in partners)
    form.visibility.choices = visibility_choices()


def _setup_program(form: Any) -> int | None:
    programs = _programs()
    form.program_id.choices = api.select_choices((p.id, _program_name(p)) for p in programs)
    ids = [p.id for p in programs]
    pid = form.program_id.data if form.program_id.data in ids else (ids[0] if ids else None)
    return pid


def _start_of(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time.min, get_timezone()).astimezone(dt.UTC)


def _end_of(day: dt.date | None) -> dt.datetime | None:
    """ "Retire after 31 May" = at the end of that day in the viewer's time zone."""
    if day is None:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, get_timezone()).astimezone(
        dt.UTC
    )


def _local_date(value: dt.datetime | None, *, end: bool = False) -> dt.date | None:
    if value is None:
        return None
    local = value.astimezone(get_timezone())
    if end:
        local -= dt.timedelta(microseconds=1)
    return local.date()


def _refuse(form: Any, exc: service.Invalid, fallback: str = "") -> None:
    """Put the service's message on the field it names (or on ``fallback``, or the form)."""
    name = exc.field if exc.field and hasattr(form, exc.field) else fallback
    if name and hasattr(form, name):
        field = getattr(form, name)
        field.errors = [*list(field.errors or []), str(exc)]
    else:
        form.form_errors = [*list(getattr(form, "form_errors", []) or []), str(exc)]


def _done(message: str, endpoint: str, **values: Any) -> Any:
    api.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def course_status(course: Course | Path, now: dt.datetime) -> str:
    """draft (hidden), scheduled, live or retired — the badge on the vendor's pages."""
    if course.retire_at is not None and course.retire_at <= now:
        return "retired"
    if course.visibility == "hidden":
        return "draft"
    if course.publish_at is not None and course.publish_at > now:
        return "scheduled"
    return "live"


def _titles(course_ids: Iterable[int]) -> dict[int, str]:
    """Course titles in the viewer's language where the course has it, else its default's."""
    ids = list(course_ids)
    if not ids:
        return {}
    locale = api.current_locale() or ""
    base = locale.split("_")[0]
    defaults = dict(
        api.session.execute(
            select(Course.id, Course.default_language).where(Course.id.in_(ids))
        ).all()
    )
    out: dict[int, str] = {}
    rank: dict[int, int] = {}
    for tr in api.session.scalars(
        select(CourseTranslation).where(CourseTranslation.course_id.in_(ids))
    ):
        r = (
            0
            if tr.language == locale
            else 1
            if tr.language == base
            else 2
            if tr.language == defaults.get(tr.course_id)
            else 3
        )
        if tr.course_id not in rank or r < rank[tr.course_id]:
            rank[tr.course_id], out[tr.course_id] = r, tr.title
    return out


def _reach(
    program_id: int | None, visibility: str, tiers: Iterable[int], partners: Iterable[int]
) -> tuple[int, int]:
    return api.audience_reach(program_id, visibility, list(tiers), list(partners))


def _size(fh: Any) -> int:
    fh.seek(0, os.SEEK_END)
    size = int(fh.tell())
    fh.seek(0)
    return size


# --- the course list ---------------------------------------------------------------------


@bp.route("/manage/")
@access.manager_required
def manage_courses() -> Any:
    now = api.utcnow()
    courses = list(
        api.session.scalars(
            select(Course).order_by(Course.program_id, Course.position, Course.id).limit(1000)
        )
    )
    ids = [c.id for c in courses]
    lesson_counts = (
        dict(
            api.session.execute(
                select(Lesson.course_id, func.count(Lesson.id))
                .where(Lesson.course_id.in_(ids))
                .group_by(Lesson.course_id)
            ).all()
        )
        if ids
        else {}
    )
    languages: dict[int, list[str]] = {}
    if ids:
        for cid, lang in api.session.execute(
            select(CourseTranslation.course_id, CourseTranslation.language).where(
                CourseTranslation.course_id.in_(ids)
            )
        ):
            languages.setdefault(cid, []).append(lang)
    audiences: dict[int, tuple[list[int], list[int]]] = {cid: ([], []) for cid in ids}
    if ids:  # two queries for the whole list, not two per course
        for cid, tid in api.session.execute(
            select(CourseTier.course_id, CourseTier.tier_id).where(CourseTier.course_id.in_(ids))
        ):
            audiences[cid][0].append(tid)
        for cid, pid in api.session.execute(
            select(CoursePartner.course_id, CoursePartner.partner_id).where(
                CoursePartner.course_id.in_(ids)
            )
        ):
            audiences[cid][1].append(pid)
    tier_names = {
        t.id: api.localized(t.name, t.name_i18n) for t in api.session.scalars(select(api.Tier))
    }
    programs = {p.id: _program_name(p) for p in _programs()}
    return api.page(
        "lms/vendor/courses.html",
        courses=courses,
        titles=_titles(ids),
        lesson_counts=lesson_counts,
        languages=languages,
        audiences=audiences,
        tier_names=tier_names,
        programs=programs,
        statuses={c.id: course_status(c, now) for c in courses},
    )


# --- the reach count (htmx) --------------------------------------------------------------


@bp.route("/manage/audience")
@access.manager_required
def audience() -> Any:
    """How many partner users a course or path would reach with the settings in the form —
    the number shown live while the vendor chooses."""
    programs = [p.id for p in _programs()]
    pid = api.id_arg("program_id")
    if pid not in programs:
        pid = programs[0] if programs else None
    unknown = "hidden" if "visibility" in request.args else "everyone"
    visibility = api.choice_arg("visibility", VISIBILITIES, unknown)
    users, companies = _reach(
        pid, visibility, api.ids_arg("tier_ids", limit=5000), api.ids_arg("partner_ids", limit=5000)
    )
    return api.render_block(
        "lms/vendor/_reach.html", "reach", users=users, companies=companies, visibility=visibility
    )


# --- a new course ------------------------------------------------------------------------


@bp.route("/manage/courses/new", methods=["GET", "POST"])
@access.manager_required
def new_course() -> Any:
    form = NewCourseForm()
    form.default_language.choices = _language_choices()
    pid = _setup_program(form)
    _setup_audience(form, pid)
    if request.method == "GET":
        form.program_id.data = pid
        form.default_language.data = (api.current_locale() or "en").split("_")[0]
        if form.default_language.data not in service.tenant_languages():
            form.default_language.data = service.tenant_languages()[0]
        form.visibility.data = "hidden"
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit() and pid is not None:
            try:
                course = service.create_course(
                    pid,
                    form.title.data,
                    form.default_language.data,
                    _user_id(),
                    summary=form.summary.data or "",
                    visibility=form.visibility.data,
                    publish_at=_start_of(form.publish_at.data),
                    retire_at=_end_of(form.retire_at.data),
                    estimated_minutes=form.estimated_minutes.data or 0,
                    tier_ids=form.tier_ids.data or [],
                    partner_ids=form.partner_ids.data or [],
                )
            except service.Invalid as exc:
                _refuse(form, exc, "title")
            else:
                return _done(
                    _(
                        "The course “%(title)s” was created. Add its modules and lessons next.",
                        title=form.title.data,
                    ),
                    "lms.manage_course",
                    course_id=course.id,
                )
    return api.page(
        "lms/vendor/new_course.html",
        form=form,
        status=status,
        reach=_reach(
            pid,
            form.visibility.data or "everyone",
            form.tier_ids.data or [],
            form.partner_ids.data or [],
        ),
        program_id=pid,
        several_programs=len(form.program_id.choices) > 1,
    )


# --- one course --------------------------------------------------------------------------


def _settings_form(course: Course, formdata: bool) -> CourseSettingsForm:
    form = CourseSettingsForm() if formdata else CourseSettingsForm(formdata=None)
    langs = service.translations_of(course.id)
    form.default_language.choices = api.select_choices(
        (code, autonym(code)) for code in service.tenant_languages() if code in langs
    )
    _setup_audience(form, course.program_id)
    if not formdata:
        tiers, partners = service.course_audience(course.id)
        form.default_language.data = course.default_language
        form.visibility.data = course.visibility
        form.tier_ids.data = tiers
        form.partner_ids.data = partners
        form.publish_at.data = _local_date(course.publish_at)
        form.retire_at.data = _local_date(course.retire_at, end=True)
        form.estimated_minutes.data = course.estimated_minutes
    return form


def _translation_form(course: Course, formdata: bool) -> TranslationForm:
    form = TranslationForm() if formdata else TranslationForm(formdata=None)
    form.language.choices = _language_choices()
    if not formdata:
        missing = [
            c for c in service.tenant_languages() if c not in service.translations_of(course.id)
        ]
        form.language.data = missing[0] if missing else course.default_language
    return form


def _course_page(
    course: Course,
    *,
    status: int = 200,
    settings: CourseSettingsForm | None = None,
    translation: TranslationForm | None = None,
    module_form: ModuleForm | None = None,
    errors: list[str] | None = None,
) -> Any:
    now = api.utcnow()
    settings = settings or _settings_form(course, formdata=False)
    translation = translation or _translation_form(course, formdata=False)
    module_form = module_form or ModuleForm(formdata=None)
    translations = service.translations_of(course.id)
    languages = service.tenant_languages()
    modules = service.modules_of(course.id)
    lessons: dict[int, list[Lesson]] = {m.id: [] for m in modules}
    for lesson in api.session.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position, Lesson.id)
    ):
        lessons.setdefault(lesson.module_id, []).append(lesson)
    program = api.session.get(api.Program, course.program_id)
    assignments = api.session.scalar(
        select(func.count(Assignment.id)).where(Assignment.course_id == course.id)
    )
    return api.page(
        "lms/vendor/course.html",
        status=status,
        course=course,
        title=service.course_title(course, api.current_locale()),
        course_state=course_status(course, now),
        program=program,
        settings=settings,
        translation=translation,
        module_form=module_form,
        translations=[translations[c] for c in languages if c in translations]
        + [t for c, t in sorted(translations.items()) if c not in languages],
        missing=[autonym(c) for c in languages if c not in translations],
        autonym=autonym,
        render_markdown=api.render_markdown,
        modules=modules,
        lessons=lessons,
        kinds=kind_labels(),
        lesson_kinds=_lesson_kinds(),
        reach=_reach(
            course.program_id,
            settings.visibility.data or "everyone",
            settings.tier_ids.data or [],
            settings.partner_ids.data or [],
        ),
        assignment_count=int(assignments or 0),
        errors=errors or [],
    )


def _lesson_kinds() -> list[str]:
    """The kinds a vendor may add (library files once the core can link them)."""
    return [k for k in LESSON_KINDS if k != "file" or _linkables_ready()]


def _linkables_ready() -> bool:
    return hasattr(api, "find_linkables") and hasattr(api, "resolve_linkables")


@bp.route("/manage/courses/<id:course_id>", methods=["GET", "POST"])
@access.manager_required
def manage_course(course_id: int) -> Any:
    course = access.get_or_404(Course, course_id)
    if request.method == "GET":
        return _course_page(course)
    form = _settings_form(course, formdata=True)
    if form.validate_on_submit():
        try:
            service.update_course(
                course,
                default_language=form.default_language.data,
                publish_at=_start_of(form.publish_at.data),
                retire_at=_end_of(form.retire_at.data),
                estimated_minutes=form.estimated_minutes.data or 0,
            )
            service.set_audience(
                course, form.visibility.data, form.tier_ids.data or [], form.partner_ids.data or []
            )
        except service.Invalid as exc:
            _refuse(form, exc, "visibility")
        else:
            return _done(
                _("The course's settings were saved."), "lms.manage_course", course_id=course.id
            )
    return _course_page(course, status=422, settings=form)


@bp.route("/manage/courses/<id:course_id>/language", methods=["POST"])
@access.manager_required
def course_translation(course_id: int) -> Any:
    """Add or change the course's title and summary in one language."""
    course = access.get_or_404(Course, course_id)
    form = _translation_form(course, formdata=True)
    if form.validate_on_submit():
        try:
            service.set_translation(
                course, form.language.data, form.title.data, form.summary.data or ""
            )
        except service.Invalid as exc:
            _refuse(form, exc, "title")
        else:
            return _done(
                _("The %(language)s version was saved.", language=autonym(form.language.data)),
                "lms.manage_course",
                course_id=course.id,
                _anchor="languages",
            )
    return _course_page(course, status=422, translation=form)


@bp.route("/manage/courses/<id:course_id>/language/remove", methods=["POST"])
@access.manager_required
def remove_course_translation(course_id: int) -> Any:
    course = access.get_or_404(Course, course_id)
    language = request.form.get("language", "")
    if not _csrf_ok() or language not in service.translations_of(course.id):
        return _course_page(course, status=422, errors=[_("That language variant doesn't exist.")])
    try:
        service.remove_translation(course, language)
    except service.Invalid as exc:
        return _course_page(course, status=422, errors=[str(exc)])
    return _done(
        _("The %(language)s version was removed.", language=autonym(language)),
        "lms.manage_course",
        course_id=course.id,
        _anchor="languages",
    )


@bp.route("/manage/courses/<id:course_id>/modules", methods=["POST"])
@access.manager_required
def add_module(course_id: int) -> Any:
    course = access.get_or_404(Course, course_id)
    form = ModuleForm()
    if form.validate_on_submit():
        try:
            module = service.add_module(course.id, form.title.data)
        except service.Invalid as exc:
            _refuse(form, exc, "title")
        else:
            return _done(
                _("The module “%(title)s” was added.", title=module.title),
                "lms.manage_course",
                course_id=course.id,
                _anchor=f"module-{module.id}",
            )
    return _course_page(course, status=422, module_form=form)


def _csrf_ok() -> bool:
    form = ModuleForm()
    form.validate()
    return not form.csrf_token.errors


@bp.route("/manage/modules/<id:module_id>", methods=["POST"])
@access.manager_required
def module_action(module_id: int) -> Any:
    """Rename, move up or down, or delete a module."""
    module = access.get_or_404(Module, module_id)
    course = access.get_or_404(Course, module.course_id)
    action = request.form.get("action", "")
    if action == "rename":
        form = ModuleForm()
        if form.validate_on_submit():
            try:
                service.rename_module(module, form.title.data)
            except service.Invalid as exc:
                return _course_page(course, status=422, errors=[str(exc)])
            return _done(
                _("The module was renamed."),
                "lms.manage_course",
                course_id=course.id,
                _anchor=f"module-{module.id}",
            )
        return _course_page(
            course, status=422, errors=[e for es in form.errors.values() for e in es]
        )
    if not _csrf_ok() or action not in ("up", "down", "delete"):
        return _course_page(
            course,
            status=422,
            errors=[_("Nothing was changed: the page was out of date. Please try again.")],
        )
    if action == "delete":
        try:
            service.delete_module(module)
        except service.Invalid as exc:
            return _course_page(course, status=422, errors=[str(exc)])
        return _done(
            _("The module “%(title)s” was deleted.", title=module.title),
            "lms.manage_course",
            course_id=course.id,
        )
    service.move_module(module, action)
    return _done(
        _("The module was moved."),
        "lms.manage_course",
        course_id=course.id,
        _anchor=f"module-{module.id}",
    )


# --- lessons -----------------------------------------------------------------------------


def _lesson_form(kind: str, lesson: Lesson | None = None) -> LessonForm:
    form = LessonForm() if request.method == "POST" else LessonForm(obj=lesson)
    form.language.choices = _language_choices(blank=_("Everyone, whatever their language"))
    refs: list[tuple[str, str]] = [("", _("Choose a file"))]
    if kind == "file" and _linkables_ready():
        found = api.find_linkables("", limit=100)
        refs += [(item.ref, f"{item.title} ({item.kind_label})") for item in found]
        if lesson is not None and lesson.link_ref and lesson.link_ref not in {r for r, _l in refs}:
            refs.append((lesson.link_ref, lesson.link_ref))
    form.link_ref.choices = api.select_choices(refs)
    if kind == "video":
        form.upload.label.text = _("Video file")
    elif kind == "scorm":
        form.upload.label.text = _("SCORM package (zip)")
    if request.method == "GET" and lesson is not None:
        form.link_ref.data = lesson.link_ref or ""
    return form


def _upload(form: LessonForm, kind: str) -> tuple[Any, str, int | None]:
    """The uploaded file (stream, name) if one was sent; a size over the limit is refused
    before anything reads it (413)."""
    upload = request.files.get(form.upload.name)
    if upload is None or not upload.filename or kind not in ("video", "scorm"):
        return None, "", None
    if kind == "video" and _size(upload.stream) > VIDEO_MAX_BYTES:
        form.upload.errors = [
            _(
                "The video is %(size)s MB; lessons take videos up to %(max)s MB. Nothing was saved.",
                size=f"{_size(upload.stream) / 1048576:.1f}",
                max=VIDEO_MAX_BYTES // 1048576,
            )
        ]
        return None, "", 413
    return upload.stream, api.clean_filename(upload.filename, "package.zip"), None


@bp.route("/manage/modules/<id:module_id>/lessons/new", methods=["GET", "POST"])
@access.manager_required
def new_lesson(module_id: int) -> Any:
    module = access.get_or_404(Module, module_id)
    course = access.get_or_404(Course, module.course_id)
    kind = request.values.get("kind", "text")
    if kind not in LESSON_KINDS or (kind == "file" and not _linkables_ready()):
        kind = "text"
    form = _lesson_form(kind)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            stream, filename, err = _upload(form, kind)
            if err is not None:
                status = err
            else:
                try:
                    lesson = service.add_lesson(
                        module.id,
                        kind,
                        form.title.data,
                        body=form.body.data or "",
                        url=form.url.data or "",
                        upload=stream,
                        filename=filename,
                        uploaded_by_id=_user_id(),
                        link_ref=form.link_ref.data or None,
                        language=form.language.data or "",
                        required=bool(form.required.data),
                        minutes=form.minutes.data or 0,
                    )
                except service.Invalid as exc:
                    _refuse(form, exc, "title")
                else:
                    if kind == "quiz" and lesson.quiz_id:
                        api.session.commit()
                        flash(
                            _(
                                "The quiz “%(title)s” was added. Now write its questions.",
                                title=lesson.title,
                            ),
                            "success",
                        )
                        if bp.name + ".quiz_edit" in _endpoints():
                            return redirect(url_for("lms.quiz_edit", quiz_id=lesson.quiz_id))
                        return redirect(url_for("lms.manage_lesson", lesson_id=lesson.id))
                    return _done(
                        _("The lesson “%(title)s” was added.", title=lesson.title),
                        "lms.manage_course",
                        course_id=course.id,
                        _anchor=f"module-{module.id}",
                    )
    elif request.method == "GET":
        form.required.data = True
    return api.page(
        "lms/vendor/lesson.html",
        status=status,
        too_large=status == 413,
        form=form,
        kind=kind,
        kinds=kind_labels(),
        course=course,
        course_title=service.course_title(course, api.current_locale()),
        module=module,
        lesson=None,
        video_max_mb=VIDEO_MAX_BYTES // 1048576,
        lesson_kinds=_lesson_kinds(),
        package=None,
        quiz=None,
    )


def _endpoints() -> set[str]:
    from flask import current_app

    return set(current_app.view_functions)


@bp.route("/manage/lessons/<id:lesson_id>", methods=["GET", "POST"])
@access.manager_required
def manage_lesson(lesson_id: int) -> Any:
    lesson = access.get_or_404(Lesson, lesson_id)
    module = access.get_or_404(Module, lesson.module_id)
    course = access.get_or_404(Course, lesson.course_id)
    kind = lesson.kind
    form = _lesson_form(kind, lesson)
    if request.method == "GET":
        form.language.data = lesson.language
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            stream, filename, err = _upload(form, kind)
            if err is not None:
                status = err
            else:
                try:
                    service.update_lesson(
                        lesson,
                        title=form.title.data,
                        body=form.body.data or "",
                        url=(form.url.data or "") if kind in ("video", "link") else None,
                        upload=stream,
                        filename=filename,
                        uploaded_by_id=_user_id(),
                        link_ref=(form.link_ref.data or "") if kind == "file" else None,
                        language=form.language.data or "",
                        required=bool(form.required.data),
                        minutes=form.minutes.data or 0,
                    )
                except service.Invalid as exc:
                    _refuse(form, exc, "title")
                else:
                    return _done(
                        _("The lesson “%(title)s” was saved.", title=lesson.title),
                        "lms.manage_course",
                        course_id=course.id,
                        _anchor=f"module-{module.id}",
                    )
    package = api.session.get(ScormPackage, lesson.package_id) if lesson.package_id else None
    quiz = api.session.get(Quiz, lesson.quiz_id) if lesson.quiz_id else None
    return api.page(
        "lms/vendor/lesson.html",
        status=status,
        too_large=status == 413,
        form=form,
        kind=kind,
        kinds=kind_labels(),
        course=course,
        course_title=service.course_title(course, api.current_locale()),
        module=module,
        lesson=lesson,
        video_max_mb=VIDEO_MAX_BYTES // 1048576,
        lesson_kinds=_lesson_kinds(),
        package=package,
        quiz=quiz,
        in_use=service.lesson_in_use(lesson),
    )


@bp.route("/manage/lessons/<id:lesson_id>/action", methods=["POST"])
@access.manager_required
def lesson_action(lesson_id: int) -> Any:
    """Move a lesson up or down within its module, or delete it."""
    lesson = access.get_or_404(Lesson, lesson_id)
    course = access.get_or_404(Course, lesson.course_id)
    action = request.form.get("action", "")
    if not _csrf_ok() or action not in ("up", "down", "delete"):
        return _course_page(
            course,
            status=422,
            errors=[_("Nothing was changed: the page was out of date. Please try again.")],
        )
    anchor = f"module-{lesson.module_id}"
    if action == "delete":
        title = lesson.title
        try:
            service.delete_lesson(lesson)
        except service.Invalid as exc:
            return _course_page(course, status=422, errors=[str(exc)])
        return _done(
            _("The lesson “%(title)s” was deleted.", title=title),
            "lms.manage_course",
            course_id=course.id,
            _anchor=anchor,
        )
    service.move_lesson(lesson, action)
    return _done(
        _("The lesson was moved."), "lms.manage_course", course_id=course.id, _anchor=anchor
    )


@bp.route("/manage/lessons/<id:lesson_id>/video")
@access.manager_required
def manage_lesson_video(lesson_id: int) -> Any:
    """The uploaded video of a lesson, for the vendor's preview."""
    lesson = access.get_or_404(Lesson, lesson_id)
    if not lesson.stored_name:
        api.not_found()
    return api.send_stored_file(
        FILE_KIND,
        lesson.stored_name,
        download_name=lesson.title,
        file_type=lesson.file_type or "mp4",
        inline=True,
    )


# --- preview -----------------------------------------------------------------------------


@bp.route("/manage/courses/<id:course_id>/preview")
@access.manager_required
def preview_course(course_id: int) -> Any:
    """The course as a partner taking it in one language sees it — read only: nothing is
    recorded (no run, no progress, no attempt)."""
    course = access.get_or_404(Course, course_id)
    translations = service.translations_of(course.id)
    wanted = api.choice_arg("lang", tuple(translations), "")
    language = wanted or progress.language_for(course, api.current_locale())
    lessons = progress.lessons_for(course.id, language)
    modules = service.modules_of(course.id)
    by_module: dict[int, list[Lesson]] = {}
    for lesson in lessons:
        by_module.setdefault(lesson.module_id, []).append(lesson)
    tr = translations.get(language) or translations.get(course.default_language)
    packages = {
        p.id: p
        for p in api.session.scalars(
            select(ScormPackage).where(ScormPackage.course_id == course.id)
        )
    }
    quizzes = {
        q.id: q for q in api.session.scalars(select(Quiz).where(Quiz.course_id == course.id))
    }
    linked: dict[str, Any] = {}
    refs = [lesson.link_ref for lesson in lessons if lesson.kind == "file" and lesson.link_ref]
    if refs and _linkables_ready():
        linked = dict(api.resolve_linkables(refs))
    return api.page(
        "lms/vendor/preview.html",
        course=course,
        translation=tr,
        language=language,
        languages=[c for c in service.tenant_languages() if c in translations],
        modules=[m for m in modules if by_module.get(m.id)],
        lessons=by_module,
        total_minutes=sum(lesson.minutes for lesson in lessons),
        required_count=sum(1 for lesson in lessons if lesson.required),
        packages=packages,
        quizzes=quizzes,
        linked=linked,
        kinds=kind_labels(),
        render_markdown=api.render_markdown,
        course_state=course_status(course, api.utcnow()),
    )


# --- paths -------------------------------------------------------------------------------


@bp.route("/manage/paths/")
@access.manager_required
def manage_paths() -> Any:
    now = api.utcnow()
    paths = list(
        api.session.scalars(select(Path).order_by(Path.program_id, Path.position, Path.id))
    )
    counts = dict(
        api.session.execute(
            select(PathCourse.path_id, func.count(PathCourse.id)).group_by(PathCourse.path_id)
        ).all()
    )
    return api.page(
        "lms/vendor/paths.html",
        paths=paths,
        counts=counts,
        statuses={p.id: course_status(p, now) for p in paths},
        programs={p.id: _program_name(p) for p in _programs()},
    )


def _course_choices(form: PathForm, program_id: int | None, order: list[int] | None = None) -> None:
    courses = (
        list(
            api.session.scalars(
                select(Course)
                .where(Course.program_id == program_id)
                .order_by(Course.position, Course.id)
            )
        )
        if program_id
        else []
    )
    titles = _titles(c.id for c in courses)
    if order:
        rank = {cid: n for n, cid in enumerate(order)}
        courses.sort(key=lambda c: (rank.get(c.id, len(rank)), c.position, c.id))
    form.course_ids.choices = api.select_choices((c.id, titles.get(c.id, "")) for c in courses)


def _chosen_course_order(form: PathForm) -> list[int]:
    """The chosen courses in the order they were ticked on the page (the list order)."""
    return [int(c) for c in (form.course_ids.data or [])]


@bp.route("/manage/paths/new", methods=["GET", "POST"])
@access.manager_required
def new_path() -> Any:
    form = PathForm()
    pid = _setup_program(form)
    _setup_audience(form, pid)
    _course_choices(form, pid)
    if request.method == "GET":
        form.program_id.data = pid
        form.visibility.data = "hidden"
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit() and pid is not None:
            try:
                path = service.create_path(
                    pid,
                    form.title.data,
                    form.certification.data,
                    form.validity_days.data or None,
                    _chosen_course_order(form),
                    description=form.description.data or "",
                    reminder_days=form.reminders(),
                    visibility=form.visibility.data,
                    publish_at=_start_of(form.publish_at.data),
                    retire_at=_end_of(form.retire_at.data),
                    tier_ids=form.tier_ids.data or [],
                    partner_ids=form.partner_ids.data or [],
                )
            except service.Invalid as exc:
                _refuse(form, exc, "title")
            else:
                return _done(
                    _("The path “%(title)s” was created.", title=path.title),
                    "lms.manage_path",
                    path_id=path.id,
                )
    return api.page(
        "lms/vendor/new_path.html",
        form=form,
        status=status,
        reach=_reach(
            pid,
            form.visibility.data or "everyone",
            form.tier_ids.data or [],
            form.partner_ids.data or [],
        ),
        program_id=pid,
        several_programs=len(form.program_id.choices) > 1,
    )


@bp.route("/manage/paths/<id:path_id>", methods=["GET", "POST"])
@access.manager_required
def manage_path(path_id: int) -> Any:
    path = access.get_or_404(Path, path_id)
    order = service.path_course_ids(path.id)
    if request.method == "POST":
        form = PathForm()
    else:
        tiers, partners = service.path_audience(path.id)
        form = PathForm(formdata=None, obj=path)
        form.reminder_days.data = ", ".join(str(d) for d in path.reminder_days or [])
        form.course_ids.data = order
        form.tier_ids.data, form.partner_ids.data = tiers, partners
        form.publish_at.data = _local_date(path.publish_at)
        form.retire_at.data = _local_date(path.retire_at, end=True)
    form.program_id.choices = api.select_choices([(path.program_id, "")])
    form.program_id.data = path.program_id
    _setup_audience(form, path.program_id)
    _course_choices(form, path.program_id, order)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            keep = [c for c in order if c in (form.course_ids.data or [])]
            added = [c for c in (form.course_ids.data or []) if c not in keep]
            try:
                service.update_path(
                    path,
                    title=form.title.data,
                    certification=form.certification.data,
                    validity_days=form.validity_days.data or None,
                    description=form.description.data or "",
                    reminder_days=form.reminders(),
                    publish_at=_start_of(form.publish_at.data),
                    retire_at=_end_of(form.retire_at.data),
                )
                service.set_path_courses(path, keep + added)
                service.set_path_audience(
                    path,
                    form.visibility.data,
                    form.tier_ids.data or [],
                    form.partner_ids.data or [],
                )
            except service.Invalid as exc:
                _refuse(form, exc, "title")
            else:
                return _done(_("The path was saved."), "lms.manage_path", path_id=path.id)
    titles = _titles(order)
    return api.page(
        "lms/vendor/path.html",
        status=status,
        path=path,
        form=form,
        ordered=[(cid, titles.get(cid, "")) for cid in order],
        reach=_reach(
            path.program_id,
            form.visibility.data or "everyone",
            form.tier_ids.data or [],
            form.partner_ids.data or [],
        ),
        path_state=course_status(path, api.utcnow()),
    )


@bp.route("/manage/paths/<id:path_id>/order", methods=["POST"])
@access.manager_required
def path_course_move(path_id: int) -> Any:
    """Move one of the path's courses a place up or down."""
    path = access.get_or_404(Path, path_id)
    order = service.path_course_ids(path.id)
    course_id = api.valid_id(request.form.get("course_id"))
    direction = request.form.get("direction", "")
    if not _csrf_ok() or course_id not in order or direction not in ("up", "down"):
        flash(_("Nothing was changed: the page was out of date. Please try again."), "error")
        return redirect(url_for("lms.manage_path", path_id=path.id))
    i = order.index(course_id)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
        service.set_path_courses(path, order)
    return _done(
        _("The order of the courses was saved."),
        "lms.manage_path",
        path_id=path.id,
        _anchor="order",
    )


# --- assignments -------------------------------------------------------------------------


def _assignment_form(course: Course) -> AssignmentForm:
    form = AssignmentForm()
    form.target.choices = api.select_choices(
        [("tier", _("Everyone in a tier")), ("partner", _("A partner company"))]
    )
    tiers = api.session.scalars(
        select(api.Tier).where(api.Tier.program_id == course.program_id).order_by(api.Tier.rank)
    ).all()
    form.tier_id.choices = api.select_choices(
        [(0, _("Choose a tier")), *((t.id, api.localized(t.name, t.name_i18n)) for t in tiers)]
    )
    partners = api.session.scalars(
        select(api.Partner)
        .where(api.Partner.program_id == course.program_id, api.Partner.status != "suspended")
        .order_by(api.Partner.name)
        .limit(2000)
    ).all()
    form.partner_id.choices = api.select_choices(
        [(0, _("Choose a partner company")), *((p.id, p.name) for p in partners)]
    )
    return form


@bp.route("/manage/courses/<id:course_id>/assignments", methods=["GET", "POST"])
@access.manager_required
def manage_assignments(course_id: int) -> Any:
    course = access.get_or_404(Course, course_id)
    form = _assignment_form(course)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            target = form.target.data
            tier_id = form.tier_id.data or None if target == "tier" else None
            partner_id = form.partner_id.data or None if target == "partner" else None
            if target == "tier" and not tier_id:
                form.tier_id.errors = [_("Choose a tier.")]
            elif target == "partner" and not partner_id:
                form.partner_id.errors = [_("Choose a partner company.")]
            else:
                try:
                    service.assign(
                        course.id,
                        tier_id=tier_id,
                        partner_id=partner_id,
                        due_at=_end_of(form.due_on.data),
                        assigned_by_id=_user_id(),
                    )
                except service.Invalid as exc:
                    _refuse(form, exc, "target")
                else:
                    return _done(
                        _("The course was assigned."), "lms.manage_assignments", course_id=course.id
                    )
    rows = list(
        api.session.scalars(
            select(Assignment)
            .where(Assignment.course_id == course.id)
            .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id)
        )
    )
    tiers = {
        t.id: t
        for t in api.session.scalars(
            select(api.Tier).where(api.Tier.id.in_({r.tier_id for r in rows if r.tier_id}))
        )
    }
    partners = {
        p.id: p
        for p in api.session.scalars(
            select(api.Partner).where(
                api.Partner.id.in_({r.partner_id for r in rows if r.partner_id})
            )
        )
    }
    users = {
        u.id: u
        for u in api.session.scalars(
            select(api.User).where(api.User.id.in_({r.user_id for r in rows if r.user_id}))
        )
    }
    return api.page(
        "lms/vendor/assignments.html",
        status=status,
        course=course,
        title=service.course_title(course, api.current_locale()),
        form=form,
        rows=rows,
        tiers=tiers,
        partners=partners,
        users=users,
        now=api.utcnow(),
    )


@bp.route("/manage/assignments/<id:assignment_id>/remove", methods=["POST"])
@access.manager_required
def unassign(assignment_id: int) -> Any:
    assignment = access.get_or_404(Assignment, assignment_id)
    course_id = assignment.course_id
    if not _csrf_ok():
        flash(_("Nothing was changed: the page was out of date. Please try again."), "error")
        return redirect(url_for("lms.manage_assignments", course_id=course_id))
    service.unassign(assignment)
    return _done(_("The assignment was withdrawn."), "lms.manage_assignments", course_id=course_id)
