"""The public "ask to join your company's team" page, and the forms deciding such requests.

The page never says whom an address matched (or whether it matched at all): the lookup
runs in a job after the response (:func:`portalis.identity.join_requests.file_self_request`),
so every answer is the same page, in the same time. A filled-in honeypot field gets that
same page and files nothing; floods hit the per-address rate limit of the sign-in forms.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, redirect, url_for
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..i18n import current_locale
from ..i18n import gettext as _
from ..i18n import lazy_gettext as _l
from ..identity.join_requests import JOIN_ROLES, file_self_request
from ..jobs import enqueue_after_commit
from ..roles import role_choices
from .converters import coerce_id
from .fields import select_choices
from .forms import PortalForm
from .ratelimit import limiter
from .rendering import page

bp = Blueprint("join", __name__)


class JoinForm(PortalForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("Your work e-mail"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    #: the honeypot: hidden from people (and from screen readers), filled in by bots
    homepage = StringField(_l("Leave this empty"), validators=[Optional(), Length(max=200)])


class ApproveForm(PortalForm):
    """Approving a join request: the role, and for the vendor, the company."""

    role = SelectField(_l("Role"), choices=[])
    partner_id = SelectField(_l("Company"), coerce=coerce_id, choices=[], validate_choice=True)

    def __init__(self, *args: Any, partners: list[tuple[int, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.role.choices = select_choices(role_choices(*JOIN_ROLES))
        if partners is None:
            del self.partner_id
        else:
            self.partner_id.choices = select_choices([(0, _("Choose a company")), *partners])

    def validate_partner_id(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError(_("Choose the company this person joins."))


class DeclineForm(PortalForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=2000)])
    notify = BooleanField(_l("Tell them by e-mail"))


def _limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])
def join() -> Any:
    """Ask to join a partner company that already takes part in the program."""
    if g.user is not None:
        return redirect(url_for("portal.home"))
    form = JoinForm()
    if form.validate_on_submit():
        if not form.homepage.data:
            enqueue_after_commit(
                file_self_request,
                email=form.email.data.strip().lower(),
                name=form.name.data.strip(),
                locale=current_locale(),
            )
        # the same answer whatever the address matched, and for the honeypot
        return page(
            "auth/join_sent.html",
            email=form.email.data.strip().lower(),
        )
    return page("auth/join.html", form=form, status=422 if form.errors else 200)
