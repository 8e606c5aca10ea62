"""Core forms. Labels are lazy so they translate in the viewer's language."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..i18n import current_locale, gettext
from ..i18n import lazy_gettext as _l
from ..identity.passwords import password_problem
from .converters import MAX_INT, MAX_YEAR, MIN_INT, MIN_YEAR, coerce_id, parse_date, parse_int
from .fields import CountryField, CurrencyField, TimeZoneField, WebsiteField


def drop_controls(value: Any) -> Any:
    """A text field's value without control characters (NUL among them, which PostgreSQL
    refuses in text; tabs and line breaks stay)."""
    if isinstance(value, str):
        return _CONTROLS.sub("", value)
    return value


_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class PortalForm(FlaskForm):
    """Built-in validator messages ("This field is required.") in the viewer's language,
    from WTForms' own catalogs; every text field (not passwords) drops control characters
    before anything else sees its value, so a NUL byte never reaches PostgreSQL (which
    refuses it in text). The base of every form in the core and, as ``api.PortalForm``, in
    the plugins — one copy of these rules instead of one per plugin. A form rendered inside
    another one (a plugin's settings form) turns its own CSRF field off with
    ``class Meta: csrf = False``."""

    class Meta:
        def get_translations(self, form: object) -> object:
            from wtforms.i18n import get_translations

            return get_translations([current_locale().split("_")[0], "en"])

        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            kind = unbound_field.field_class
            if issubclass(kind, StringField) and not issubclass(kind, PasswordField):
                options = {
                    **options,
                    "filters": [drop_controls, *unbound_field.kwargs.get("filters", ())],
                }
            return unbound_field.bind(form=form, **options)


class BoundedIntegerField(IntegerField):
    """A whole number within ``min`` … ``max`` (default: what a BIGINT column holds).

    ASCII digits with an optional sign only; anything else — ``10**400``, ``1e3``, digits
    of another script, a number out of range — is refused with a translated message
    instead of reaching the database (or WTForms' ``NumberRange``, which turns a 400-digit
    number into a float and fails with ``OverflowError``). Empty is allowed with
    ``Optional()`` in the validators, as usual."""

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        *,
        min: int = 0,  # noqa: A002
        max: int = MAX_INT,  # noqa: A002
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.min, self.max = _clip_to_bigint(min, max)

    def _message(self) -> str:
        if self.max >= MAX_INT:
            return gettext("Enter a whole number of at least %(min)s.", min=self.min)
        return gettext("Enter a whole number from %(min)s to %(max)s.", min=self.min, max=self.max)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = parse_int(valuelist[0], self.min, self.max)
        if self.data is None:
            raise ValueError(self._message())

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and not self.min <= self.data <= self.max:
            raise ValidationError(self._message())


def _clip_to_bigint(low: int, high: int) -> tuple[int, int]:
    """``(low, high)`` clipped to the BIGINT range."""
    return max(low, MIN_INT), min(high, MAX_INT)


class BoundedDateField(DateField):
    """A date (YYYY-MM-DD) from 1900 to 2200: an impossible date (2024-02-30, 0000-00-00)
    and one out of that range (9999-12-31, where "the day after" would overflow) are
    refused with a translated message."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not " ".join(str(v) for v in valuelist).strip():
            self.data = None
            return
        self.data = parse_date(" ".join(str(v) for v in valuelist))
        if self.data is None:
            raise ValueError(
                gettext(
                    "Enter a date between %(first)s and %(last)s.",
                    first=MIN_YEAR,
                    last=MAX_YEAR,
                )
            )


class LoginForm(PortalForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class ForgotForm(PortalForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class NewPasswordForm(PortalForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[DataRequired(), Length(max=1024)]
    )

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(gettext(problem))

    def validate_confirm(self, field: PasswordField) -> None:
        if field.data != self.password.data:
            raise ValidationError(gettext("The two passwords differ."))


class ChangePasswordForm(NewPasswordForm):
    """The signed-in person's own password: the current one, then the new one twice (the
    same rules as the reset page, plus: not the e-mail address). The view checks the
    current password; ``sign_out_others`` starts ticked."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
    sign_out_others = BooleanField(_l("Sign out my other sessions"), default=True)

    def __init__(self, *args: object, email: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.account_email = email

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "", self.account_email)
        if problem:
            raise ValidationError(gettext(problem))


class AcceptInviteForm(NewPasswordForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])


class ProfileForm(PortalForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    locale = SelectField(_l("Language"), choices=[])
    timezone = TimeZoneField(_l("Time zone"), blank=_l("The portal's time zone"))


class PartnerForm(PortalForm):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    country = CountryField(_l("Country"), validators=[Optional()], blank=_l("Choose a country"))
    website = WebsiteField(_l("Website"), validators=[Optional()])
    contact_email = EmailField(
        _l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)]
    )
    program_id = SelectField(_l("Program"), coerce=coerce_id, choices=[])
    tier_id = SelectField(_l("Tier"), coerce=coerce_id, choices=[])


class InviteForm(PortalForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[])


class TierOverrideForm(PortalForm):
    tier_id = SelectField(_l("Tier"), coerce=coerce_id, choices=[])
    locked = BooleanField(_l("Keep this tier (manual override): evaluation will not change it"))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class ProgramForm(PortalForm):
    name = StringField(_l("Program name"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Short name (for URLs)"), validators=[DataRequired(), Length(max=63)])
    currency = CurrencyField(_l("Currency"), validators=[DataRequired()])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])


class TierForm(PortalForm):
    name = StringField(_l("Tier name"), validators=[DataRequired(), Length(max=100)])
    rank = BoundedIntegerField(_l("Rank (0 = entry tier)"), validators=[Optional()], max=100)
    criteria = TextAreaField(_l("Criteria"), validators=[Optional(), Length(max=2000)])
    deal_discount_pct = BoundedIntegerField(
        _l("Deal discount (%)"), validators=[Optional()], max=100
    )
    mdf_allowance = BoundedIntegerField(
        _l("MDF allowance"), validators=[Optional()], max=1_000_000_000_000
    )
    color = StringField(_l("Colour"), validators=[Optional(), Length(max=7)])


class PluginSettingsForm(PortalForm):
    enabled = BooleanField(_l("Enabled for this program"))
    tier_ids = SelectMultipleField(
        _l("Tiers that may use it (none selected = every tier)"), coerce=coerce_id, choices=[]
    )


FONT_STACKS = {
    "system": "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, Helvetica Neue, Arial, sans-serif",
    "humanist": "Seravek, Gill Sans Nova, Ubuntu, Calibri, DejaVu Sans, source-sans-pro, sans-serif",
    "geometric": "Avenir, Montserrat, Corbel, URW Gothic, source-sans-pro, sans-serif",
    "grotesque": "IBM Plex Sans, Helvetica Neue, Helvetica, Arial, Liberation Sans, Nimbus Sans, sans-serif",
    "serif": "Charter, Bitstream Charter, Sitka Text, Cambria, Georgia, serif",
}


class TenantSettingsForm(PortalForm):
    portal_name = StringField(_l("Portal name"), validators=[DataRequired(), Length(max=100)])
    theme = SelectField(_l("Theme"), choices=[])
    brand_primary = StringField(_l("Primary colour"), validators=[DataRequired(), Length(max=7)])
    brand_accent = StringField(_l("Accent colour"), validators=[DataRequired(), Length(max=7)])
    default_locale = SelectField(_l("Default language"), choices=[])
    allowed_locales = SelectMultipleField(_l("Languages offered"), choices=[])
    timezone = TimeZoneField(_l("Time zone"), validators=[DataRequired()])
    currency = CurrencyField(_l("Currency"), validators=[DataRequired()])
    font = SelectField(_l("Font"), choices=[])
    logo_light = FileField(_l("Logo for light backgrounds"))
    logo_dark = FileField(_l("Logo for dark backgrounds"))
    favicon = FileField(_l("Favicon"))
    remove_logos = BooleanField(_l("Remove the logos and favicon"))
    signin_text = TextAreaField(_l("Sign-in page text"), validators=[Optional(), Length(max=500)])
    footer_links = TextAreaField(
        _l("Footer links (one per line: label | https://address)"),
        validators=[Optional(), Length(max=2000)],
    )
    email_header = StringField(_l("E-mail header"), validators=[Optional(), Length(max=200)])
    email_footer = TextAreaField(_l("E-mail footer"), validators=[Optional(), Length(max=500)])


class ProgramBrandingForm(PortalForm):
    brand_accent = StringField(
        _l("Accent colour for this program"), validators=[Optional(), Length(max=7)]
    )
    logo = FileField(_l("Logo for this program"))
    remove_logo = BooleanField(_l("Remove the program logo"))
