"""A program's application form: whether it recruits, its public link, and the extra
questions it asks (add, re-order, archive). Questions are never deleted, so the answers
given to them keep their meaning; an archived one is no longer asked and can be restored.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ... import audit
from ...db import db
from ...i18n import gettext as _
from ...i18n import lazy_gettext as _l
from ...models import ApplicationField, Program
from ...recruiting import questions
from ..access import vendor_admin
from ..forms import PortalForm
from ..rendering import page
from .blueprint import bp
from .programs import get_program

MAX_FIELDS = 30


class QuestionForm(PortalForm):
    label = StringField(_l("Question"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Answer"),
        choices=[
            SelectChoice("text", _l("Text")),
            SelectChoice("choice", _l("One of several options")),
            SelectChoice("country", _l("A country")),
            SelectChoice("file", _l("A file (PDF, PNG or JPEG)")),
        ],
        default="text",
    )
    choices = TextAreaField(_l("Options (one per line)"), validators=[Optional(), Length(max=5000)])
    help = StringField(_l("Help text"), validators=[Optional(), Length(max=500)])
    required = BooleanField(_l("An answer is required"))


class RecruitingForm(PortalForm):
    accepts_applications = BooleanField(_l("Offer this program on the “Become a partner” form"))


def _field_of(program: Program, field_id: int) -> ApplicationField:
    found = db.session.get(ApplicationField, field_id)
    if found is None or found.program_id != program.id:
        abort(404)
    return found


def _back(program: Program) -> Any:
    return redirect(url_for("admin.application_form", program_id=program.id))


@bp.route("/programs/<id:program_id>/application-form")
@vendor_admin
def application_form(program_id: int) -> Any:
    program = get_program(program_id)
    return _page(program, QuestionForm())


def _page(program: Program, form: QuestionForm, status: int = 200) -> Any:
    return page(
        "admin/application_fields.html",
        status=status,
        program=program,
        fields=questions.all_fields(program.id),
        form=form,
        recruiting=RecruitingForm(accepts_applications=program.accepts_applications),
        public_link=url_for("apply.program", slug=program.slug, _external=True),
        label_of=questions.label_of,
    )


@bp.route("/programs/<id:program_id>/application-form/settings", methods=["POST"])
@vendor_admin
def application_form_settings(program_id: int) -> Any:
    program = get_program(program_id)
    form = RecruitingForm()
    if form.validate_on_submit():
        before = program.accepts_applications
        program.accepts_applications = bool(form.accepts_applications.data)
        audit.record(
            "program.recruiting_updated",
            "program",
            program.id,
            before={"accepts_applications": before},
            after={"accepts_applications": program.accepts_applications},
        )
        flash(
            _("The program is offered on the application form.")
            if program.accepts_applications
            else _("The program is no longer offered on the application form."),
            "success",
        )
    return _back(program)


@bp.route("/programs/<id:program_id>/application-form/fields", methods=["POST"])
@vendor_admin
def application_field_add(program_id: int) -> Any:
    program = get_program(program_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        return _page(program, form, status=422)
    options = _options(form.choices.data or "")
    if form.kind.data == "choice" and len(options) < 2:
        form.choices.errors = [_("Give at least two options, one per line.")]
        return _page(program, form, status=422)
    if len(options) > questions.MAX_CHOICES:
        form.choices.errors = [_("At most %(num)s options.", num=questions.MAX_CHOICES)]
        return _page(program, form, status=422)
    if len(questions.all_fields(program.id)) >= MAX_FIELDS:
        flash(_("A program asks at most %(num)s questions.", num=MAX_FIELDS), "error")
        return _back(program)
    label = form.label.data.strip()
    question = ApplicationField(
        program_id=program.id,
        key=questions.key_for(label, program.id),
        label=label,
        label_i18n={},
        help=(form.help.data or "").strip(),
        kind=form.kind.data,
        required=bool(form.required.data),
        choices=options if form.kind.data == "choice" else [],
        position=questions.next_position(program.id),
    )
    db.session.add(question)
    db.session.flush()
    audit.record(
        "application_field.added",
        "application_field",
        question.id,
        after={
            "program_id": program.id,
            "key": question.key,
            "label": label,
            "kind": question.kind,
        },
    )
    flash(_("Question added. Applicants see it from now on."), "success")
    return _back(program)


def _options(text: str) -> list[str]:
    seen: list[str] = []
    for line in text.splitlines():
        value = line.strip()[:200]
        if value and value not in seen:
            seen.append(value)
    return seen


@bp.route("/programs/<id:program_id>/application-form/fields/<id:field_id>/move", methods=["POST"])
@vendor_admin
def application_field_move(program_id: int, field_id: int) -> Any:
    """Swap a question with its neighbour above or below (among the active ones)."""
    program = get_program(program_id)
    question = _field_of(program, field_id)
    active = questions.active_fields(program.id)
    if question not in active:
        return _back(program)
    step = -1 if request.form.get("direction") == "up" else 1
    at = active.index(question)
    if 0 <= at + step < len(active):
        active[at], active[at + step] = active[at + step], active[at]
        for position, f in enumerate(active, start=1):
            f.position = position
        audit.record(
            "application_field.moved",
            "application_field",
            question.id,
            after={"order": [f.key for f in active]},
        )
    return _back(program)


@bp.route(
    "/programs/<id:program_id>/application-form/fields/<id:field_id>/archive", methods=["POST"]
)
@vendor_admin
def application_field_archive(program_id: int, field_id: int) -> Any:
    """Archive a question (no longer asked; its answers stay) or restore it."""
    program = get_program(program_id)
    question = _field_of(program, field_id)
    question.archived = not question.archived
    if not question.archived:
        question.position = questions.next_position(program.id)
    audit.record(
        "application_field.archived" if question.archived else "application_field.restored",
        "application_field",
        question.id,
        after={"archived": question.archived},
    )
    flash(
        _("“%(q)s” is no longer asked. The answers given to it are kept.", q=question.label)
        if question.archived
        else _("“%(q)s” is asked again.", q=question.label),
        "success",
    )
    return _back(program)
