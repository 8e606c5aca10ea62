"""The vendor's review of partner applications: the list, one application with
everything the applicant wrote and its possible duplicates, and the steps — owner,
vetting, approve, decline.

Vendor staff (vendor admins and channel managers) review; partners never see these pages
(404). Not a plugin permission: those may be granted to any role, partner roles included,
and an application holds other companies' data.
"""

from __future__ import annotations

from typing import Any

from babel.units import format_unit
from flask import abort, flash, g, redirect, url_for
from sqlalchemy import func, select
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from ...companies.profile_fields import language_label
from ...db import db
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models import Application, ApplicationField, Program, User
from ...models.applications import OPEN_STAGES, STAGES
from ...recruiting import decisions, duplicates, kpi, storage
from ...recruiting.decisions import DecisionError
from ..access import vendor_staff
from ..converters import MAX_PAGE, choice_arg, coerce_id, id_arg, int_arg, text_arg, valid_id
from ..fields import babel_locale, select_choices
from ..forms import PortalForm
from ..rendering import page
from ..templating import isolate
from .blueprint import bp

PER_PAGE = 25
#: The list's stage filter: the two open stages together, or one stage, or all.
STAGE_FILTERS = ("open", *STAGES, "all")


class OwnerForm(PortalForm):
    owner_id = SelectField(_l("Owner"), coerce=coerce_id, choices=[])


class DeclineForm(PortalForm):
    reason = TextAreaField(
        _l("Reason for declining"), validators=[DataRequired(), Length(max=decisions.MAX_REASON)]
    )
    send = BooleanField(_l("E-mail the reason to the applicant (in the language they applied in)"))


def get_application(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None:
        abort(404)
    return application


@bp.route("/applications")
@vendor_staff
def applications() -> Any:
    stage = choice_arg("stage", STAGE_FILTERS, "open")
    program_id = id_arg("program")
    owner = text_arg("owner", 20)
    q = text_arg("q", 100)
    page_no = int_arg("page", 1, min=1, max=MAX_PAGE) or 1
    filters: list[Any] = []
    if stage == "open":
        filters.append(Application.stage.in_(OPEN_STAGES))
    elif stage in STAGES:
        filters.append(Application.stage == stage)
    if program_id:
        filters.append(Application.program_id == program_id)
    owner_id = g.user.id if owner == "me" else valid_id(owner)
    if owner == "none":
        filters.append(Application.owner_id.is_(None))
    elif owner_id:
        filters.append(Application.owner_id == owner_id)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        filters.append(Application.company_name.ilike(like) | Application.contact_email.ilike(like))
    stmt = select(Application).where(*filters)
    total = db.session.scalar(select(func.count(Application.id)).where(*filters)) or 0
    rows = db.session.scalars(
        stmt.order_by(Application.created_at.desc(), Application.id.desc())
        .limit(PER_PAGE)
        .offset((page_no - 1) * PER_PAGE)
    ).all()
    programs = db.session.scalars(select(Program).order_by(Program.name)).all()
    staff = decisions.staff()
    return page(
        "admin/applications.html",
        partial="results",
        rows=rows,
        total=total,
        pages=max(1, (total + PER_PAGE - 1) // PER_PAGE),
        page_no=page_no,
        stage=stage,
        program_id=program_id,
        owner=owner,
        q=q,
        programs=programs,
        program_names={p.id: p for p in programs},
        staff=staff,
        staff_names={u.id: u.name for u in staff},
        median_days=kpi.median_days_to_approval(),
    )


@bp.route("/applications/<id:application_id>")
@vendor_staff
def application_detail(application_id: int) -> Any:
    application = get_application(application_id)
    return _detail(application)


def _detail(application: Application, decline: DeclineForm | None = None, status: int = 200) -> Any:
    program = db.session.get(Program, application.program_id)
    staff = decisions.staff()
    owner_form = OwnerForm(owner_id=application.owner_id or 0)
    owner_form.owner_id.choices = select_choices(
        [(0, _("Nobody")), *((u.id, isolate(u.name)) for u in staff)]
    )
    people = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(
                User.id.in_([i for i in (application.owner_id, application.decided_by_id) if i])
            )
        )
    }
    fields = {
        f.key: f
        for f in db.session.scalars(
            select(ApplicationField).where(ApplicationField.program_id == application.program_id)
        )
    }
    return page(
        "admin/application_detail.html",
        status=status,
        application=application,
        program=program,
        answers=_answers(application, fields),
        duplicates=duplicates.find(application),
        owner_form=owner_form,
        decline=decline or DeclineForm(send=True),
        people=people,
        entry_tier=decisions.entry_tier(application.program_id),
        language=language_label(application.locale) if application.locale else "",
    )


def _answers(application: Application, fields: dict[str, ApplicationField]) -> list[dict[str, Any]]:
    """The answers in the order the program asks its questions now (answers to questions
    since archived or re-ordered keep the label they were asked with)."""
    order = {key: (f.archived, f.position, f.id) for key, f in fields.items()}
    items = []
    for key, answer in (application.answers or {}).items():
        if not isinstance(answer, dict):
            continue
        item = {"key": key, **answer, "archived": key in fields and fields[key].archived}
        if answer.get("kind") == "file" and isinstance(answer.get("value"), dict):
            item["size_text"] = file_size(answer["value"].get("size") or 0)
        items.append(item)
    return sorted(items, key=lambda a: (a["key"] != "_about", order.get(a["key"], (True, 0, 0))))


def file_size(size: int) -> str:
    """ "120 kB" / "2.4 MB" in the viewer's language (CLDR units)."""
    locale = babel_locale()
    if size < 1024 * 1024:
        return format_unit(max(1, round(size / 1024)), "digital-kilobyte", "short", locale=locale)
    return format_unit(round(size / 2**20, 1), "digital-megabyte", "short", locale=locale)


def _back(application: Application) -> Any:
    return redirect(url_for("admin.application_detail", application_id=application.id))


_MESSAGES = {
    "decided": _l("This application was already decided; nothing was changed."),
    "not_new": _l("Vetting has already started."),
    "unknown_owner": _l("Choose someone from the list."),
    "reason_missing": _l("Give a reason for declining."),
}


@bp.route("/applications/<id:application_id>/owner", methods=["POST"])
@vendor_staff
def application_owner(application_id: int) -> Any:
    application = get_application(application_id)
    form = OwnerForm()
    form.owner_id.choices = select_choices([(0, ""), *((u.id, u.name) for u in decisions.staff())])
    if not form.validate_on_submit():
        flash(str(_MESSAGES["unknown_owner"]), "error")
        return _back(application)
    try:
        decisions.assign_owner(application, form.owner_id.data or None)
    except DecisionError as exc:
        flash(str(_MESSAGES[exc.code]), "error")
        return _back(application)
    owner = db.session.get(User, form.owner_id.data) if form.owner_id.data else None
    flash(
        _("%(name)s now owns this application.", name=isolate(owner.name))
        if owner
        else _("Nobody owns this application now."),
        "success",
    )
    return _back(application)


@bp.route("/applications/<id:application_id>/vetting", methods=["POST"])
@vendor_staff
def application_vetting(application_id: int) -> Any:
    application = get_application(application_id)
    try:
        decisions.start_vetting(application)
    except DecisionError as exc:
        flash(str(_MESSAGES[exc.code]), "warning")
        return _back(application)
    flash(_("Vetting started."), "success")
    return _back(application)


@bp.route("/applications/<id:application_id>/approve", methods=["POST"])
@vendor_staff
def application_approve(application_id: int) -> Any:
    application = get_application(application_id)
    try:
        result = decisions.approve(application)
    except DecisionError as exc:
        if exc.code == "email_taken":
            flash(
                _(
                    "%(email)s already has an account in this portal, so the application "
                    "was not approved. Add the company by hand and invite another address, "
                    "or decline the application.",
                    email=isolate(application.contact_email),
                ),
                "error",
            )
        else:
            flash(str(_MESSAGES[exc.code]), "warning")
        return _back(application)
    if result.invited is not None:
        flash(
            _(
                "%(company)s approved; invitation sent to %(email)s.",
                company=isolate(result.partner.name),
                email=isolate(result.invited.email),
            ),
            "success",
        )
    else:
        flash(_("%(company)s approved.", company=isolate(result.partner.name)), "success")
    return redirect(url_for("admin.partner_detail", partner_id=result.partner.id))


@bp.route("/applications/<id:application_id>/decline", methods=["POST"])
@vendor_staff
def application_decline(application_id: int) -> Any:
    application = get_application(application_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _detail(application, decline=form, status=422)
    try:
        decisions.decline(application, form.reason.data, send=bool(form.send.data))
    except DecisionError as exc:
        flash(str(_MESSAGES[exc.code]), "warning")
        return _back(application)
    if application.reason_sent:
        flash(
            _(
                "%(company)s declined; the reason was e-mailed to %(email)s.",
                company=isolate(application.company_name),
                email=isolate(application.contact_email),
            ),
            "success",
        )
    else:
        flash(
            _(
                "%(company)s declined. The applicant was not e-mailed.",
                company=isolate(application.company_name),
            ),
            "success",
        )
    return _back(application)


@bp.route("/applications/<id:application_id>/files/<key>")
@vendor_staff
def application_file(application_id: int, key: str) -> Any:
    """An applicant's file, as a download, for vendor staff only."""
    application = get_application(application_id)
    answer = (application.answers or {}).get(key[:40])
    if not isinstance(answer, dict) or answer.get("kind") != "file":
        abort(404)
    value = answer.get("value")
    if not isinstance(value, dict):
        abort(404)
    return storage.send(value)
