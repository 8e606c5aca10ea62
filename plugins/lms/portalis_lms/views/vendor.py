"""Pages for the vendor's staff (``lms.manage``): the course list, a new course, and one
course's page — settings, audience with a live reach count, language variants. Its modules
and lessons and the preview are in :mod:`.vendor_lessons`, learning paths in
:mod:`.vendor_paths`, assignments in :mod:`.vendor_assignments`; what they share in
:mod:`._vendor_common`.

Every page is behind :func:`portalis_lms.access.manager_required` (anyone else: 404), looks
records up with :func:`access.get_or_404`, and changes them only through :mod:`service`,
whose :class:`service.Invalid` becomes a message on the form and a 422 (which rolls the
request back: nothing half-written).
"""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import func, select

from portalis import api

from .. import access, service
from ..forms import CourseSettingsForm, ModuleForm, NewCourseForm, TranslationForm, kind_labels
from ..i18n import _
from ..models import (
    VISIBILITIES,
    Assignment,
    Course,
    CoursePartner,
    CourseTier,
    CourseTranslation,
    Lesson,
)
from ._vendor_common import (
    _csrf_ok,
    _done,
    _end_of,
    _language_choices,
    _lesson_kinds,
    _local_date,
    _program_name,
    _programs,
    _reach,
    _refuse,
    _setup_audience,
    _setup_program,
    _start_of,
    _titles,
    _user_id,
    autonym,
    course_status,
)
from .blueprint import bp

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


def course_page(
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


@bp.route("/manage/courses/<id:course_id>", methods=["GET", "POST"])
@access.manager_required
def manage_course(course_id: int) -> Any:
    course = access.get_or_404(Course, course_id)
    if request.method == "GET":
        return course_page(course)
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
    return course_page(course, status=422, settings=form)


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
    return course_page(course, status=422, translation=form)


@bp.route("/manage/courses/<id:course_id>/language/remove", methods=["POST"])
@access.manager_required
def remove_course_translation(course_id: int) -> Any:
    course = access.get_or_404(Course, course_id)
    language = request.form.get("language", "")
    if not _csrf_ok() or language not in service.translations_of(course.id):
        return course_page(course, status=422, errors=[_("That language variant doesn't exist.")])
    try:
        service.remove_translation(course, language)
    except service.Invalid as exc:
        return course_page(course, status=422, errors=[str(exc)])
    return _done(
        _("The %(language)s version was removed.", language=autonym(language)),
        "lms.manage_course",
        course_id=course.id,
        _anchor="languages",
    )
