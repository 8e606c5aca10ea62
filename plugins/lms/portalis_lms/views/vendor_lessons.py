"""The vendor's pages for a course's modules and lessons (add, rename, move, delete; a
lesson of every kind, with its upload), a lesson's uploaded video, and the preview of a
course as partners see it. A refused change re-shows the course page
(:func:`.vendor.course_page`) or the lesson form with a 422.
"""

from __future__ import annotations

import os
from typing import Any

from flask import flash, redirect, request, url_for
from sqlalchemy import select

from portalis import api

from .. import access, progress, service
from ..forms import LessonForm, ModuleForm, kind_labels
from ..i18n import _
from ..models import FILE_KIND, LESSON_KINDS, Course, Lesson, Module, Quiz, ScormPackage
from ._vendor_common import (
    _csrf_ok,
    _done,
    _language_choices,
    _lesson_kinds,
    _linkables_ready,
    _refuse,
    _user_id,
    course_status,
)
from .blueprint import bp
from .vendor import course_page

#: The largest video a lesson takes (the portal's own request limit may be lower).
VIDEO_MAX_BYTES = 200 * 1024 * 1024


# --- modules -----------------------------------------------------------------------------


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
    return course_page(course, status=422, module_form=form)


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
                return course_page(course, status=422, errors=[str(exc)])
            return _done(
                _("The module was renamed."),
                "lms.manage_course",
                course_id=course.id,
                _anchor=f"module-{module.id}",
            )
        return course_page(
            course, status=422, errors=[e for es in form.errors.values() for e in es]
        )
    if not _csrf_ok() or action not in ("up", "down", "delete"):
        return course_page(
            course,
            status=422,
            errors=[_("Nothing was changed: the page was out of date. Please try again.")],
        )
    if action == "delete":
        try:
            service.delete_module(module)
        except service.Invalid as exc:
            return course_page(course, status=422, errors=[str(exc)])
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


def _size(fh: Any) -> int:
    fh.seek(0, os.SEEK_END)
    size = int(fh.tell())
    fh.seek(0)
    return size


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
        return course_page(
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
            return course_page(course, status=422, errors=[str(exc)])
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
