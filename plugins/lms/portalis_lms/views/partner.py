"""Pages for partner users: the catalogue, my learning, a course and its lessons.

What a person may open is decided in :mod:`portalis_lms.access` (a course they may take
now); within a course they get the lessons of the language they take it in — lessons of
another language answer 404. Opening a lesson starts their run (``progress.enrol``) and
remembers it for "Resume"; "Mark as done" completes text, video, file and link lessons
(SCORM packages and quizzes complete themselves in their players).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, url_for
from sqlalchemy import and_, case, exists, func, or_, select

from portalis import api

from .. import access, learner, progress
from ..assignments import assigned_course_ids
from ..i18n import _
from ..models import (
    FILE_KIND,
    Certificate,
    Course,
    CourseTranslation,
    Enrolment,
    Lesson,
    Module,
    Path,
    PathCourse,
)
from .blueprint import bp

#: Catalogue filters: "" (all), assigned to me and not done, or a state.
FILTERS = ("assigned", "in_progress", "not_started", "completed")
PAGE_SIZE = 24
#: Lessons a person marks done themselves; SCORM and quizzes complete in their players.
MARKABLE = ("text", "video", "file", "link")
#: Lessons that open in another page of the plugin.
PLAYERS = {"scorm": "lms.scorm_player", "quiz": "lms.quiz"}


@bp.context_processor
def learner_predicates() -> dict[str, Any]:
    """``acts_as_learner()`` for the templates: off while a vendor acts as the user."""
    return {"acts_as_learner": access.acts_as_learner}


def _has(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def _web_url(url: str | None, *, https_only: bool) -> str | None:
    """``url`` if it is a web address with a host that the lesson may link to — what
    authoring accepts (``service.check_url``): http or https for a link lesson (it opens
    in a new tab, ``rel="noopener noreferrer"``), https only for a video."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    schemes = ("https",) if https_only else ("http", "https")
    if parts.scheme.lower() not in schemes or not parts.hostname or parts.username:
        return None
    return url.strip()


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


# --- the catalogue -----------------------------------------------------------------------


@dataclasses.dataclass
class PathView:
    path: Path
    courses: int = 0
    done: int = 0
    certified_until: dt.datetime | None = None
    certified: bool = False

    @property
    def share(self) -> float:
        return self.done / self.courses if self.courses else 0.0


def _paths(viewer: api.Viewer, q: str) -> list[PathView]:
    """The learning paths the viewer may follow, with how many of their courses they
    completed and whether they hold the certification (three statements)."""
    stmt = access.visible_paths(select(Path), viewer)
    if q:
        stmt = stmt.where(
            or_(
                Path.title.icontains(q, autoescape=True),
                Path.certification.icontains(q, autoescape=True),
            )
        )
    paths = list(api.session.scalars(stmt.order_by(Path.position, Path.id).limit(24)))
    if not paths:
        return []
    out = {p.id: PathView(p) for p in paths}
    for path_id, n, done in api.session.execute(
        select(PathCourse.path_id, func.count(PathCourse.id), func.count(Enrolment.completed_at))
        .outerjoin(
            Enrolment,
            and_(
                Enrolment.course_id == PathCourse.course_id,
                Enrolment.user_id == (viewer.user_id or 0),
                Enrolment.archived_at.is_(None),
            ),
        )
        .where(PathCourse.path_id.in_(out))
        .group_by(PathCourse.path_id)
    ):
        out[path_id].courses, out[path_id].done = n, done
    now = api.utcnow()
    for path_id, expires_at in api.session.execute(
        select(Certificate.path_id, Certificate.expires_at).where(
            Certificate.user_id == (viewer.user_id or 0),
            Certificate.path_id.in_(out),
            Certificate.revoked_at.is_(None),
            Certificate.superseded_at.is_(None),
        )
    ):
        if expires_at is None or expires_at > now:
            out[path_id].certified = True
            out[path_id].certified_until = expires_at
    return list(out.values())


@bp.route("/")
@api.partner_member
def catalogue() -> Any:
    viewer = api.current_viewer()
    state = api.choice_arg("state", FILTERS)
    q = api.text_arg("q", max_length=100)
    conditions: list[Any] = []
    if q:
        conditions.append(
            exists().where(
                CourseTranslation.course_id == Course.id,
                or_(
                    CourseTranslation.title.icontains(q, autoescape=True),
                    CourseTranslation.summary.icontains(q, autoescape=True),
                ),
            )
        )
    counts = learner.state_counts(viewer, *conditions)
    total = counts[state]
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page_no = min(api.int_arg("page", 1, min=1, max=1_000_000) or 1, pages)
    stmt, run = learner.course_select(viewer, summary=True)
    stmt = stmt.where(*conditions)
    if state:
        stmt = stmt.where(learner.state_clause(state, run, viewer))
    rows = api.session.execute(
        stmt.order_by(Course.position, Course.id).offset((page_no - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    courses = learner.views(rows)
    paths = _paths(viewer, q) if not state and page_no == 1 else []

    def page_url(n: int) -> str:
        return url_for("lms.catalogue", state=state or None, q=q or None, page=n)

    return api.page(
        "lms/partner/catalogue.html",
        courses=courses,
        paths=paths,
        counts=counts,
        state=state,
        q=q,
        page_no=page_no,
        pages=pages,
        page_url=page_url,
        leads_team=access.leads_team(viewer),
    )


# --- my learning -------------------------------------------------------------------------


def _active_certificates(user_id: int | None) -> tuple[int, int]:
    """(active certificates, of which expiring within 30 days) of a person."""
    now = api.utcnow()
    soon = now + dt.timedelta(days=30)
    active = and_(
        Certificate.user_id == (user_id or 0),
        Certificate.revoked_at.is_(None),
        Certificate.superseded_at.is_(None),
        or_(Certificate.expires_at.is_(None), Certificate.expires_at > now),
    )
    row = api.session.execute(
        select(
            func.count(Certificate.id),
            func.count(case((Certificate.expires_at <= soon, 1))),
        ).where(active)
    ).one()
    return int(row[0]), int(row[1] or 0)


@bp.route("/my")
@api.partner_member
def my_learning() -> Any:
    viewer = api.current_viewer()
    now = api.utcnow()
    stmt, run = learner.course_select(viewer, visible_only=False)
    rows = api.session.execute(
        stmt.where(
            or_(
                run.id.is_not(None),
                and_(learner.assigned_clause(viewer), access.course_clause(viewer, now)),
            )
        )
    )
    items = learner.views(rows, now)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    action = sorted(
        (v for v in items if v.visible and v.needs_action),
        key=lambda v: (v.due_at is None, v.due_at or far, v.title.casefold()),
    )
    in_progress = sorted(
        (v for v in items if v.visible and v.state == "in_progress" and not v.needs_action),
        key=lambda v: v.run.last_seen_at or v.run.started_at if v.run else far,
        reverse=True,
    )
    completed = sorted(
        (v for v in items if v.completed),
        key=lambda v: v.run.completed_at if v.run and v.run.completed_at else far,
        reverse=True,
    )
    titles = learner.lesson_titles(
        v.run.last_lesson_id for v in items if v.run is not None and v.run.last_lesson_id
    )
    certificates, expiring = _active_certificates(viewer.user_id)
    return api.page(
        "lms/partner/my_learning.html",
        action=action,
        in_progress=in_progress,
        completed=completed,
        lesson_titles=titles,
        certificates=certificates,
        expiring=expiring,
        overdue=sum(1 for v in action if v.overdue),
        started=sum(1 for v in items if v.visible and v.state == "in_progress"),
        leads_team=access.leads_team(viewer),
    )


# --- a course ----------------------------------------------------------------------------


def _outline(course_id: int, lessons: Sequence[Lesson]) -> list[tuple[Module, list[Lesson]]]:
    """The course's modules with the person's lessons, empty modules left out."""
    modules = api.session.scalars(
        select(Module).where(Module.course_id == course_id).order_by(Module.position, Module.id)
    )
    by_module: dict[int, list[Lesson]] = {}
    for lesson in lessons:
        by_module.setdefault(lesson.module_id, []).append(lesson)
    return [(m, by_module[m.id]) for m in modules if m.id in by_module]


def _resume_target(
    run: Enrolment | None, lessons: Sequence[Lesson], done: set[int]
) -> Lesson | None:
    """Where "Resume" goes: the run's last lesson, else the first not done, else the first."""
    if not lessons:
        return None
    if run is not None and run.last_lesson_id:
        for lesson in lessons:
            if lesson.id == run.last_lesson_id:
                return lesson
    for lesson in lessons:
        if lesson.id not in done:
            return lesson
    return lessons[0]


def _share(run: Enrolment | None, lessons: Sequence[Lesson], done: set[int]) -> float:
    if run is not None and run.completed_at is not None:
        return 1.0
    required = [lesson.id for lesson in lessons if lesson.required]
    if run is None or not required:
        return 0.0
    return sum(1 for lid in required if lid in done) / len(required)


def _staff_preview(course_id: int | None) -> Any:
    """Vendor staff who follow a course or lesson link (a search hit, a shared URL) see the
    course's preview instead — they take no courses; anyone else but a partner gets 404."""
    viewer = api.current_viewer()
    if course_id is None or not access.manages(viewer):
        api.not_found()
    access.get_or_404(Course, course_id)
    return redirect(url_for("lms.preview_course", course_id=course_id))


@bp.route("/courses/<id:course_id>")
@api.login_required
def course(course_id: int) -> Any:
    viewer = api.current_viewer()
    if not viewer.is_partner:
        return _staff_preview(course_id)
    c = access.course_or_404(course_id, viewer)
    run = progress.open_enrolment(c.id, viewer.user_id or 0)
    language = run.language if run is not None else progress.language_for(c, viewer.locale)
    lessons = progress.lessons_for(c.id, language)
    done = progress.completed_lesson_ids(run.id) if run is not None else set()
    assigned = assigned_course_ids(viewer)
    due_at = assigned.get(c.id)
    paths = list(
        api.session.scalars(
            access.visible_paths(
                select(Path)
                .join(PathCourse, PathCourse.path_id == Path.id)
                .where(PathCourse.course_id == c.id),
                viewer,
            ).order_by(Path.position, Path.id)
        )
    )
    minutes = c.estimated_minutes or sum(lesson.minutes for lesson in lessons)
    tr = learner.course_translation(c, language)
    return api.page(
        "lms/partner/course.html",
        course=c,
        translation=tr,
        render_summary=api.render_markdown(tr.summary) if tr is not None and tr.summary else "",
        outline=_outline(c.id, lessons),
        lessons=lessons,
        run=run,
        done=done,
        share=_share(run, lessons, done),
        resume=_resume_target(run, lessons, done),
        assigned=c.id in assigned,
        due_at=due_at,
        overdue=due_at is not None and due_at < api.utcnow() and not (run and run.completed_at),
        paths=paths,
        path_titles=[api.localized(p.title, p.title_i18n) for p in paths],
        minutes=minutes,
        required_count=sum(1 for lesson in lessons if lesson.required),
        done_required=sum(1 for lesson in lessons if lesson.required and lesson.id in done),
    )


# --- a lesson ----------------------------------------------------------------------------


def _lesson_or_404(lesson_id: int, viewer: api.Viewer) -> tuple[Lesson, Course, str]:
    """The lesson, its course and the language the viewer takes the course in — if they
    may take the course now and the lesson is for that language; else 404."""
    lesson = api.session.scalars(select(Lesson).where(Lesson.id == lesson_id)).first()
    if lesson is None:
        api.not_found()
    c = access.course_or_404(lesson.course_id, viewer)
    run = progress.open_enrolment(c.id, viewer.user_id or 0)
    language = run.language if run is not None else progress.language_for(c, viewer.locale)
    if lesson.language not in ("", language):
        api.not_found()
    return lesson, c, language


def _neighbours(lessons: Sequence[Lesson], lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    ids = [item.id for item in lessons]
    if lesson.id not in ids:
        return None, None
    i = ids.index(lesson.id)
    return (lessons[i - 1] if i > 0 else None), (lessons[i + 1] if i + 1 < len(lessons) else None)


@bp.route("/lessons/<id:lesson_id>")
@api.login_required
def lesson(lesson_id: int) -> Any:
    viewer = api.current_viewer()
    if not viewer.is_partner:
        return _staff_preview(
            api.session.scalar(select(Lesson.course_id).where(Lesson.id == lesson_id))
        )
    item, c, _language = _lesson_or_404(lesson_id, viewer)
    run = progress.enrol(c, viewer)
    progress.touch(run, item)
    player = PLAYERS.get(item.kind)
    if player and _has(player):
        return redirect(url_for(player, lesson_id=item.id))
    lessons = progress.lessons_for(c.id, run.language)
    done = progress.completed_lesson_ids(run.id)
    previous, following = _neighbours(lessons, item)
    linked: Any = None
    link_gone = False
    if item.kind == "file" and item.link_ref:
        # a file of another plugin (the content library), if the viewer may open it now
        linked = api.resolve_linkables([item.link_ref]).get(item.link_ref)
        link_gone = linked is None
    elif item.kind == "file":
        link_gone = True
    url = _web_url(item.url, https_only=item.kind != "link")
    return api.page(
        "lms/partner/lesson.html",
        course=c,
        course_title=learner.course_title(c.id, run.language),
        lesson=item,
        run=run,
        outline=_outline(c.id, lessons),
        done=done,
        share=_share(run, lessons, done),
        previous=previous,
        following=following,
        body=api.render_markdown(item.body) if item.body else "",
        video_src=(
            url_for("lms.lesson_video", lesson_id=item.id)
            if item.kind == "video" and item.stored_name and item.file_type in api.MIME
            else None
        ),
        url=url,
        host=_host(url) if url else "",
        linked=linked,
        link_gone=link_gone,
        markable=item.kind in MARKABLE,
        player_missing=bool(player),
    )


@bp.route("/lessons/<id:lesson_id>/video")
@api.partner_member
def lesson_video(lesson_id: int) -> Any:
    """An uploaded video of a lesson, from the core's file store, shown in the page."""
    viewer = api.current_viewer()
    item, _c, _language = _lesson_or_404(lesson_id, viewer)
    if item.kind != "video" or not item.stored_name or item.file_type not in api.MIME:
        api.not_found()
    return api.send_stored_file(
        FILE_KIND,
        item.stored_name,
        download_name=item.title,
        file_type=item.file_type,
        inline=True,
    )


@bp.route("/lessons/<id:lesson_id>/done", methods=["POST"])
@api.partner_member
@access.learner_only  # a completion is the learner's own record (it may earn a certificate)
def complete_lesson(lesson_id: int) -> Any:
    viewer = api.current_viewer()
    item, c, _language = _lesson_or_404(lesson_id, viewer)
    if item.kind not in MARKABLE:
        api.not_found()
    run = progress.enrol(c, viewer)
    finished = progress.complete_lesson(run, item)
    if finished:
        flash(
            _(
                "Congratulations! You completed “%(course)s”.",
                course=learner.course_title(c.id, run.language),
            ),
            "success",
        )
        return redirect(url_for("lms.course", course_id=c.id))
    _previous, following = _neighbours(progress.lessons_for(c.id, run.language), item)
    if following is not None:
        return redirect(url_for("lms.lesson", lesson_id=following.id))
    flash(_("Lesson marked as done."), "success")
    return redirect(url_for("lms.course", course_id=c.id))
