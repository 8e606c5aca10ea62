""" "Become a partner": the public application form.

``/apply`` offers the programs that accept applications (or goes straight to the form when
there is one); ``/apply/<slug>`` is one program's form — the link a vendor puts on their
website to recruit into that program. The form asks the fixed questions plus the
program's own (:mod:`portalis.recruiting.questions`) and hands the answers to
:func:`portalis.recruiting.submission.submit`.

Floods meet three walls: a hidden honeypot field (a bot that fills it is thanked and
nothing is stored), the per-address rate limit shared by both URLs, and a daily cap per
(hashed) address kept in the database. A form sent twice from the same browser is
recognised by its one-time token and answered "already received".
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from sqlalchemy import select
from wtforms import EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..db import db
from ..i18n import current_locale
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..models import Program
from ..recruiting import questions, submission
from .fields import CountryField, WebsiteField
from .forms import PortalForm
from .ratelimit import client_address, limiter
from .rendering import page

bp = Blueprint("apply", __name__)
log = logging.getLogger("portalis.apply")

#: The session remembers the last few forms this browser sent (their one-time tokens).
_SENT = "applications_sent"
_KEEP_SENT = 10
#: The field's name: something a form-filling bot wants to fill in.
HONEYPOT = "fax"


def _apply_limit() -> str:
    return str(current_app.config.get("APPLY_RATE_LIMIT") or current_app.config["LOGIN_RATE_LIMIT"])


_limit = limiter.shared_limit(_apply_limit, scope="apply", methods=["POST"])


class ApplyForm(PortalForm):
    """The questions every program asks; a program's own are added per request."""

    company = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    country = CountryField(_l("Country"), validators=[DataRequired()], blank=_l("Choose a country"))
    website = WebsiteField(_l("Website"), validators=[Optional()])
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Your work e-mail"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    message = TextAreaField(
        _l("What do you sell, and to whom?"), validators=[Optional(), Length(max=2000)]
    )
    #: One-time token of this form: the same form sent twice is recognised.
    submission = HiddenField(validators=[Optional(), Length(max=64)])
    #: The honeypot: hidden from people (and screen readers); bots fill it.
    fax = StringField(_l("Fax number"), validators=[Optional(), Length(max=200)])


def open_programs() -> list[Program]:
    return list(
        db.session.scalars(
            select(Program)
            .where(Program.accepts_applications.is_(True))
            .order_by(Program.name, Program.id)
        )
    )


@bp.route("/apply", methods=["GET", "POST"])
@_limit
def start() -> Any:
    """The form of the one program that recruits, or the list of those that do."""
    programs = open_programs()
    if len(programs) == 1:
        return _form(programs[0], fixed=False)
    if not programs:
        return page(
            "auth/message.html",
            title=_("Applications are closed"),
            text=_(
                "We are not accepting partner applications at the moment. Please check back later."
            ),
        )
    if request.method == "POST":
        abort(404)
    return page("auth/apply_programs.html", programs=programs)


@bp.route("/apply/<slug:slug>", methods=["GET", "POST"])
@_limit
def program(slug: str) -> Any:
    """One program's form (the link a vendor shares to recruit into that program)."""
    found = db.session.scalars(
        select(Program).where(Program.slug == slug, Program.accepts_applications.is_(True))
    ).first()
    if found is None:
        abort(404)
    return _form(found, fixed=True)


@bp.route("/apply/thanks")
def thanks() -> Any:
    return page(
        "auth/message.html",
        title=_("Thank you for applying"),
        text=_(
            "We have sent you an e-mail confirming what happens next. We review every "
            "application and e-mail you an invitation once it is approved."
        ),
    )


def _form(program: Program, *, fixed: bool) -> Any:
    fields = questions.active_fields(program.id)
    form = questions.form_class(ApplyForm, fields)(submission=secrets.token_urlsafe(16))
    if request.method == "POST" and form.submission.data in session.get(_SENT, []):
        return _already_received()
    status = 200
    if form.validate_on_submit():
        if form.fax.data:
            log.info("application honeypot filled; nothing stored (program %s)", program.id)
            return redirect(url_for("apply.thanks"))
        try:
            outcome = submission.submit(
                program,
                company=form.company.data,
                country=form.country.data,
                website=form.website.data,
                contact_name=form.name.data,
                email=form.email.data,
                locale=current_locale(),
                answers={
                    **questions.answers_from(form, fields),
                    **_message(form),
                },
                uploads=questions.uploads_from(form, fields),
                ip_hash=submission.address_hash(client_address()),
            )
        except submission.FileRefused as exc:
            form[questions.PREFIX + exc.key].errors = [exc.message]
            status = 422
        else:
            if outcome.result == "flood":
                return page(
                    "auth/message.html",
                    status=429,
                    title=_("Too many applications"),
                    text=_(
                        "We received many applications from your network today. Please try again tomorrow."
                    ),
                )
            sent = [*session.get(_SENT, []), form.submission.data][-_KEEP_SENT:]
            session[_SENT] = sent
            return redirect(url_for("apply.thanks"))
    elif request.method == "POST":
        status = 422
    return page(
        "auth/apply.html",
        form=form,
        program=program,
        fixed=fixed,
        questions=questions.question_fields(form, fields),
        several=len(open_programs()) > 1,
        status=status,
    )


def _message(form: ApplyForm) -> dict[str, dict[str, Any]]:
    text = (form.message.data or "").strip()
    if not text:
        return {}
    return {"_about": {"label": str(form.message.label.text), "kind": "text", "value": text}}


def _already_received() -> Any:
    return page(
        "auth/message.html",
        title=_("Your application was already received"),
        text=_(
            "You sent this form before, and we have it. Nothing else is needed: we will reply by e-mail."
        ),
    )
