"""Learning paths and certificates: a partner's path page (courses, progress, certificate,
recertification), their certificates (PDF, badge, verification link), and the vendor's
list of every certificate with revocation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask import Response, flash, redirect, request, url_for
from sqlalchemy import and_, func, or_, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portalis import api

from .. import access, certification, learner
from .. import certificate_pdf as pdf
from ..i18n import _, _l
from ..models import (
    Certificate,
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Path,
)
from .blueprint import bp

PAGE_SIZE = 50
STATUS_FILTERS = certification.STATUSES


def status_labels() -> dict[str, str]:
    return {
        "active": _("Active"),
        "expiring": _("Expiring soon"),
        "expired": _("Expired"),
        "revoked": _("Revoked"),
        "renewed": _("Renewed"),
        "in_progress": _("In progress"),
    }


STATUS_BADGES = {
    "active": "success",
    "expiring": "warning",
    "expired": "danger",
    "revoked": "danger",
    "renewed": "muted",
    "in_progress": "info",
}


def certification_title(cert: Certificate, path: Path | None) -> str:
    """The certification's name in the reader's language where the path has it and its
    name is still the one issued; else the name as issued."""
    if path is not None and path.certification == cert.certification:
        return api.localized(cert.certification, path.certification_i18n)
    return cert.certification


def course_titles(courses: Sequence[Course], locale: str) -> dict[int, str]:
    """Each course's title in ``locale`` where it has one, else in its default language."""
    return learner.course_titles([c.id for c in courses], locale)


# --- partner: a path ---------------------------------------------------------------------


def runs_done(runs: Sequence[Enrolment]) -> dict[int, float]:
    """How far each run is (0.0 … 1.0 over the required lessons of its language, as
    :func:`progress.share_done` says it), by run id — in two statements whatever the
    number of runs: the required lessons of all their courses, then their completed
    lessons."""
    if not runs:
        return {}
    languages = {run.language for run in runs}
    required: dict[tuple[int, str], set[int]] = {}
    for lesson_id, course_id, language in api.session.execute(
        select(Lesson.id, Lesson.course_id, Lesson.language).where(
            Lesson.course_id.in_({run.course_id for run in runs}),
            Lesson.required.is_(True),
            or_(Lesson.language == "", Lesson.language.in_(languages)),
        )
    ):
        for lang in [language] if language else languages:
            required.setdefault((course_id, lang), set()).add(lesson_id)
    done: dict[int, set[int]] = {}
    for enrolment_id, lesson_id in api.session.execute(
        select(LessonProgress.enrolment_id, LessonProgress.lesson_id).where(
            LessonProgress.enrolment_id.in_([run.id for run in runs])
        )
    ):
        done.setdefault(enrolment_id, set()).add(lesson_id)
    out: dict[int, float] = {}
    for run in runs:
        want = required.get((run.course_id, run.language), set())
        if not want:
            out[run.id] = 1.0 if run.completed_at else 0.0
        else:
            out[run.id] = len(want & done.get(run.id, set())) / len(want)
    return out


def _path_page(path: Path, status: int = 200, error: str = "") -> Any:
    viewer = api.current_viewer()
    now = api.utcnow()
    course_ids = certification.path_course_ids(path.id)
    courses_by_id = (
        {c.id: c for c in api.session.scalars(select(Course).where(Course.id.in_(course_ids)))}
        if course_ids
        else {}
    )
    courses = [courses_by_id[cid] for cid in course_ids if cid in courses_by_id]
    titles = course_titles(courses, viewer.locale)
    runs = certification.open_runs(viewer.user_id or 0, course_ids)
    # which of the path's courses the viewer may take now (a link only to those)
    takeable = (
        set(
            api.session.scalars(
                access.visible_courses(select(Course.id).where(Course.id.in_(course_ids)), viewer)
            )
        )
        if course_ids
        else set()
    )
    shares = runs_done(list(runs.values()))
    rows: list[dict[str, Any]] = []
    for course in courses:
        run = runs.get(course.id)
        share = shares.get(run.id, 0.0) if run else 0.0
        rows.append(
            {
                "course": course,
                "title": titles.get(course.id, ""),
                "run": run,
                "share": share,
                "takeable": course.id in takeable,
            }
        )
    done = sum(1 for r in rows if r["run"] is not None and r["run"].completed_at is not None)
    current = certification.current_certificate(path.id, viewer.user_id or 0)
    # a revocation the vendor has not released: completing the courses issues nothing
    revoked = (
        certification.revoked_unreleased(path.id, viewer.user_id or 0) if current is None else None
    )
    history = api.session.scalars(
        access.own(
            select(Certificate).where(
                Certificate.path_id == path.id, Certificate.user_id == viewer.user_id
            ),
            Certificate.user_id,
        ).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).all()
    return api.page(
        "lms/partner/path.html",
        path=path,
        rows=rows,
        done=done,
        current=current,
        revoked=revoked,
        current_status=certification.status(current, now) if current else None,
        history=[c for c in history if current is None or c.id != current.id],
        can_recertify=certification.can_recertify(current, now),
        status_of=lambda c: certification.status(c, now),
        labels=status_labels(),
        badges=STATUS_BADGES,
        title_of=lambda c: certification_title(c, path),
        error=error,
        leads_team=access.leads_team(viewer),
        status=status,
    )


@bp.route("/paths/<id:path_id>")
@api.partner_member
def path(path_id: int) -> Any:
    return _path_page(access.path_or_404(path_id))


@bp.route("/paths/<id:path_id>/recertify", methods=["POST"])
@api.partner_member
@access.learner_only
def recertify(path_id: int) -> Any:
    found = access.path_or_404(path_id)
    user = api.current_user()
    if user is None:
        api.not_found()
    try:
        certification.start_recertification(found, user)
    except certification.RecertificationRefused:
        return _path_page(
            found,
            status=422,
            error=_(
                "Recertification opens 30 days before your certificate expires; "
                "your certificate is not due yet."
            ),
        )
    flash(
        _(
            "Your recertification has started: take the courses again. Your current "
            "certificate stays valid until the new one is issued."
        ),
        "success",
    )
    return redirect(url_for("lms.path", path_id=found.id))


# --- partner: my certificates ------------------------------------------------------------


@bp.route("/certificates")
@api.partner_member
def my_certificates() -> Any:
    viewer = api.current_viewer()
    now = api.utcnow()
    mine: Any = (
        select(Certificate, Path)
        .outerjoin(Path, Path.id == Certificate.path_id)
        .where(Certificate.user_id == viewer.user_id)
    )
    rows = api.session.execute(
        access.own(mine, Certificate.user_id).order_by(
            Certificate.issued_at.desc(), Certificate.id.desc()
        )
    ).all()
    items = [
        {
            "cert": cert,
            "path": p,
            "title": certification_title(cert, p),
            "status": certification.status(cert, now),
        }
        for cert, p in rows
    ]
    return api.page(
        "lms/partner/certificates.html",
        current=[i for i in items if i["status"] not in ("renewed", "revoked")],
        past=[i for i in items if i["status"] in ("renewed", "revoked")],
        labels=status_labels(),
        badges=STATUS_BADGES,
        leads_team=access.leads_team(viewer),
    )


def _certificate_or_404(certificate_id: int) -> Certificate:
    """The viewer's own certificate (vendor staff holding ``lms.manage``: anyone's)."""
    cert = api.session.scalars(
        access.own(select(Certificate).where(Certificate.id == certificate_id), Certificate.user_id)
    ).first()
    if cert is None:
        api.not_found()
    return cert


@bp.route("/certificates/<id:certificate_id>.pdf")
@api.login_required
def certificate_pdf(certificate_id: int) -> Any:
    cert = _certificate_or_404(certificate_id)
    data = pdf.render(cert)
    filename = api.clean_filename(f"{cert.certification} {cert.holder_name}.pdf", "certificate")
    if not filename.lower().endswith(".pdf"):
        filename += ".pdf"
    resp = Response(data, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'attachment; filename="{_ascii(filename)}"'
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _ascii(name: str) -> str:
    cleaned = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name)
    return cleaned or "certificate.pdf"


# --- vendor: every certificate -----------------------------------------------------------


class RevokeForm(api.PortalForm):
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=500)],
    )


def _status_clause(status: str, now: dt.datetime) -> Any:
    current = and_(Certificate.revoked_at.is_(None), Certificate.superseded_at.is_(None))
    soon = now + certification.EXPIRING_WITHIN
    if status == "revoked":
        return Certificate.revoked_at.is_not(None)
    if status == "renewed":
        return and_(Certificate.revoked_at.is_(None), Certificate.superseded_at.is_not(None))
    if status == "expired":
        return and_(current, Certificate.expires_at <= now)
    if status == "expiring":
        return and_(current, Certificate.expires_at > now, Certificate.expires_at <= soon)
    if status == "active":
        return and_(current, or_(Certificate.expires_at.is_(None), Certificate.expires_at > soon))
    return None


def _manage_page(
    form: RevokeForm | None = None, failed_id: int | None = None, status: int = 200
) -> Any:
    now = api.utcnow()
    want_status = api.choice_arg("status", STATUS_FILTERS)
    want_path = api.id_arg("path")
    want_partner = api.id_arg("partner")
    page_no = api.int_arg("page", 1, min=1, max=100_000) or 1
    stmt: Any = (
        select(Certificate, Path, api.Partner)
        .outerjoin(Path, Path.id == Certificate.path_id)
        .outerjoin(api.Partner, api.Partner.id == Certificate.partner_id)
    )
    stmt = access.team(stmt, Certificate.partner_id)
    if want_status:
        stmt = stmt.where(_status_clause(want_status, now))
    if want_path:
        stmt = stmt.where(Certificate.path_id == want_path)
    if want_partner:
        stmt = stmt.where(Certificate.partner_id == want_partner)
    total = api.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    page_no = min(page_no, pages)
    rows = api.session.execute(
        stmt.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(PAGE_SIZE)
        .offset((page_no - 1) * PAGE_SIZE)
    ).all()
    paths = api.session.scalars(select(Path).order_by(Path.position, Path.title)).all()
    partner_rows = api.session.execute(
        select(api.Partner.id, api.Partner.name)
        .where(api.Partner.id.in_(select(Certificate.partner_id).distinct()))
        .order_by(api.Partner.name)
    ).all()
    args: dict[str, Any] = {
        k: v
        for k, v in (("status", want_status), ("path", want_path), ("partner", want_partner))
        if v
    }

    def page_url(n: int) -> str:
        return url_for("lms.manage_certificates", page=n, **args)

    return api.page(
        "lms/vendor/certificates.html",
        items=[
            {
                "cert": cert,
                "path": p,
                "partner": partner,
                "title": certification_title(cert, p),
                "status": certification.status(cert, now),
            }
            for cert, p, partner in rows
        ],
        paths=paths,
        partners=partner_rows,
        want_status=want_status,
        want_path=want_path,
        want_partner=want_partner,
        statuses=STATUS_FILTERS,
        labels=status_labels(),
        badges=STATUS_BADGES,
        total=total,
        page_no=page_no,
        pages=pages,
        page_url=page_url,
        form=form or RevokeForm(formdata=None),
        failed_id=failed_id,
        status=status,
    )


@bp.route("/manage/certificates")
@access.manager_required
def manage_certificates() -> Any:
    return _manage_page()


@bp.route("/manage/certificates/<id:certificate_id>/revoke", methods=["POST"])
@access.manager_required
def revoke_certificate(certificate_id: int) -> Any:
    cert = access.get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _manage_page(form=form, failed_id=cert.id, status=422)
    if cert.revoked_at is not None:
        flash(_("This certificate was already revoked."), "info")
    else:
        certification.revoke(cert, form.reason.data or "")
        flash(_("The certificate is revoked. Its verification page now says so."), "success")
    return redirect(api.safe_next(request.form.get("next"), url_for("lms.manage_certificates")))


@bp.route("/manage/certificates/<id:certificate_id>/release", methods=["POST"])
@access.manager_required
def release_certificate(certificate_id: int) -> Any:
    """Let them earn it again: a revoked certificate stops blocking its path; the person
    takes the path's courses again and completing them issues a new certificate."""
    cert = access.get_or_404(Certificate, certificate_id)  # the CSRF token: app-wide
    if certification.release(cert):
        flash(
            _(
                "They may earn the certification again: their courses of the path start over, "
                "and completing them issues a new certificate. This one stays revoked."
            ),
            "success",
        )
    else:
        flash(_("Only a revoked certificate can be earned again, and only once."), "info")
    return redirect(api.safe_next(request.form.get("next"), url_for("lms.manage_certificates")))
