"""The SCORM player: the page with the package in a sandboxed frame, the package's files,
and the commits its runtime sends.

Security model (README "SCORM", docs/security.md):

* The package's files are served only by :func:`scorm_file`, from a path that cannot leave
  the package (``api.send_package_file``), with a ``sandbox`` Content-Security-Policy,
  and the player's ``<iframe>`` carries ``sandbox="allow-scripts allow-forms
  allow-popups"`` too: the package runs in an opaque origin, so its scripts cannot read
  the portal's cookies or pages, nor make credentialed requests to the portal.
* Because that frame is cookie-less, its URLs carry a signed capability
  (``api.package_token``) naming the person and the lesson, issued by the player page
  after the access check (the course is one the person may take now) and valid for
  :data:`TOKEN_AGE` seconds; it is checked on every file, and a signed-in visitor who is
  someone else gets 404.
* HTML files get the runtime (``static/scorm_runtime.js``) at the top of ``<head>``, with
  the person's stored values; it talks to the player page only by ``postMessage``; the
  player page accepts messages only from its own frame and posts them, with the CSRF
  token, to :func:`scorm_commit`, which checks every value again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import jsonify, request, send_file, url_for

from portalis import api

from .. import access, learner, progress, scorm
from ..i18n import _
from ..models import SCORM_KIND, Course, Lesson, ScormPackage
from .blueprint import bp

#: How long a player page's file URLs work (seconds).
TOKEN_AGE = 4 * 3600
#: The package's documents: sandboxed (an opaque origin), loading only the package's own
#: files (and inline code, as authoring tools write it), framed by the portal only.
PACKAGE_CSP = (
    "sandbox allow-scripts allow-forms allow-popups; "
    "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; "
    "frame-ancestors 'self'; base-uri 'self'"
)
#: The attribute of the player's frame (the same sandbox, from the embedding side).
FRAME_SANDBOX = "allow-scripts allow-forms allow-popups"
_STATIC = Path(__file__).resolve().parent.parent / "static"
_MAX_COMMIT = 256 * 1024
#: The third element of a file token: staff preview, or a vendor acting as the learner
#: (both run the package in browse mode and record nothing).
PREVIEW, BROWSE = 0, 1
_runtime_js: str | None = None


def _runtime() -> str:
    global _runtime_js
    if _runtime_js is None:
        _runtime_js = (_STATIC / "scorm_runtime.js").read_text("utf-8")
    return _runtime_js


def _json_for_script(value: Any) -> str:
    """JSON that is safe inside ``<script>`` and ASCII only."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _lesson_for_viewer(lesson_id: int) -> tuple[Course, Lesson, ScormPackage, Any]:
    """The SCORM lesson, its course (one the viewer may take now), its package and the
    viewer's run — or 404."""
    lesson = api.session.get(Lesson, lesson_id)
    if lesson is None or lesson.kind != "scorm" or lesson.package_id is None:
        api.not_found()
    course = access.course_or_404(lesson.course_id)
    viewer = api.current_viewer()
    if not viewer.is_partner:
        api.not_found()
    run = progress.enrol(course, viewer)
    if lesson.language and lesson.language != run.language:
        api.not_found()
    package = api.session.get(ScormPackage, lesson.package_id)
    if package is None:
        api.not_found()
    return course, lesson, package, run


@bp.route("/scorm/lesson/<id:lesson_id>")
@api.login_required
def scorm_player(lesson_id: int) -> Any:
    """The package in its sandboxed frame: for a partner who may take the course (their
    run records it), or — as a preview that records nothing — for staff who manage
    training."""
    viewer = api.current_viewer()
    if access.manages(viewer):
        return _preview(lesson_id)
    if not viewer.is_partner:
        api.not_found()
    course, lesson, package, run = _lesson_for_viewer(lesson_id)
    progress.touch(run, lesson)
    attempt = scorm.attempt_for(run, lesson)
    # a vendor acting as the learner: browse mode (no credit), nothing sent to the server
    browse = not access.acts_as_learner(viewer)
    subject = [viewer.user_id, lesson.id, BROWSE] if browse else [viewer.user_id, lesson.id]
    token = api.package_token(SCORM_KIND, package.folder, subject)
    return api.page(
        "lms/partner/scorm_player.html",
        course=course,
        course_title=learner.course_title(course.id, run.language),
        lesson=lesson,
        intro=api.render_markdown(lesson.body) if lesson.body else None,
        package=package,
        attempt=attempt,
        frame_src=_frame_src(package, token),
        frame_sandbox=FRAME_SANDBOX,
        done=lesson.id in progress.completed_lesson_ids(run.id),
        status_label=status_label(attempt.lesson_status) if attempt else None,
        preview=False,
        browse=browse,
    )


def _frame_src(package: ScormPackage, token: str) -> str:
    launch, _sep, query = package.launch_path.partition("?")
    src = url_for("lms.scorm_file", package_id=package.id, token=token, path=launch)
    return f"{src}?{query}" if query else src


def _preview(lesson_id: int) -> Any:
    """Staff try the package in browse mode (``cmi.core.lesson_mode`` "browse", no credit);
    what it reports is shown, never sent to the server."""
    viewer = api.current_viewer()
    lesson = access.get_or_404(Lesson, lesson_id)
    if lesson.kind != "scorm" or lesson.package_id is None:
        api.not_found()
    course = access.get_or_404(Course, lesson.course_id)
    package = access.get_or_404(ScormPackage, lesson.package_id)
    token = api.package_token(SCORM_KIND, package.folder, [viewer.user_id, lesson.id, PREVIEW])
    return api.page(
        "lms/partner/scorm_player.html",
        course=course,
        course_title=learner.course_title(course.id, course.default_language),
        lesson=lesson,
        intro=api.render_markdown(lesson.body) if lesson.body else None,
        package=package,
        attempt=None,
        frame_src=_frame_src(package, token),
        frame_sandbox=FRAME_SANDBOX,
        done=False,
        status_label=None,
        preview=True,
        browse=True,
    )


def status_label(status: str) -> str:
    labels = {
        "passed": _("Passed"),
        "completed": _("Completed"),
        "failed": _("Failed"),
        "incomplete": _("In progress"),
        "browsed": _("Browsed"),
        "not attempted": _("Not started"),
    }
    return labels.get(status, status)


@bp.route("/scorm/<id:package_id>/<token:token>/<path:path>")
@api.public_page
def scorm_file(package_id: int, token: str, path: str) -> Any:
    """One file of a package, for the person named by the player's token."""
    package = api.session.get(ScormPackage, package_id)
    if package is None:
        api.not_found()
    subject = api.package_token_subject(SCORM_KIND, package.folder, token, TOKEN_AGE)
    if (
        not isinstance(subject, list)
        or len(subject) not in (2, 3)
        or not all(isinstance(x, int) and not isinstance(x, bool) for x in subject)
    ):
        api.not_found()
    user_id, lesson_id = subject[0], subject[1]
    preview = len(subject) == 3 and subject[2] == PREVIEW
    browse = len(subject) == 3 and subject[2] == BROWSE
    if len(subject) == 3 and not (preview or browse):
        api.not_found()
    viewer = api.current_viewer()
    if not viewer.is_anonymous and viewer.user_id != user_id:
        api.not_found()
    user = api.session.get(api.User, user_id)
    lesson = api.session.get(Lesson, lesson_id)
    if user is None or not user.active or lesson is None or lesson.package_id != package.id:
        api.not_found()
    if preview:
        if not user.is_vendor_staff:
            api.not_found()
        run = None
    else:
        if user.partner_id is None or (
            user.partner is not None and user.partner.status != "active"
        ):
            api.not_found()
        run = progress.open_enrolment(lesson.course_id, user_id)
        if run is None:
            api.not_found()
    head = None
    if path.rsplit(".", 1)[-1].lower() in ("html", "htm", "xhtml"):
        attempt = scorm.attempt_for(run, lesson) if run is not None else None
        config = {
            "values": scorm.initial_values(
                attempt, package, user, mode="browse" if preview or browse else "normal"
            ),
            "origin": request.host_url.rstrip("/"),
        }
        head = (
            f"<script>window.__PORTALIS_SCORM__={_json_for_script(config)};</script>"
            f"<script>{_runtime()}</script>"
        )
    return api.send_package_file(SCORM_KIND, package.folder, path, csp=PACKAGE_CSP, head_html=head)


@bp.route("/scorm/lesson/<id:lesson_id>/commit", methods=["POST"])
@api.partner_member
@access.learner_only  # a JSON 403 the player shows
def scorm_commit(lesson_id: int) -> Any:
    """What the package's runtime reported (JSON from the player page): stored, or 422."""
    course, lesson, package, run = _lesson_for_viewer(lesson_id)
    unreadable = _("The course package sent data the portal cannot read. Nothing was saved.")
    if (request.content_length or 0) > _MAX_COMMIT:
        return jsonify(error=unreadable), 422
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return jsonify(error=unreadable), 422
    values = payload.get("values", {})
    session = payload.get("session")
    if not isinstance(session, str) or not 1 <= len(session) <= 64:
        return jsonify(error=unreadable), 422
    try:
        result = scorm.commit(
            run, lesson, package, values, session=session, finish=payload.get("finish") is True
        )
    except scorm.ScormValueError as exc:
        return jsonify(error=str(exc), code=exc.code, element=exc.element), 422
    label = status_label(result.status)
    if result.score is not None:
        message = _("%(status)s — %(score)s %%", status=label, score=scorm._fmt(result.score))
    else:
        message = label
    if result.course_completed:
        message = _("%(result)s. You completed the course.", result=message)
    elif result.status in scorm.DONE:
        message = _("%(result)s. Lesson complete.", result=message)
    else:
        message = _("%(result)s. Saved.", result=message)
    return jsonify(
        status=result.status,
        score=None if result.score is None else scorm._fmt(result.score),
        message=message,
        done=result.status in scorm.DONE,
        lesson_completed=result.lesson_completed,
        course_completed=result.course_completed,
    )


@bp.route("/scorm/player.js")
@api.login_required  # partners and staff previewing
def scorm_player_js() -> Any:
    resp = send_file(_STATIC / "scorm_player.js", mimetype="text/javascript", max_age=300)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
