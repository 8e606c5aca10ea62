"""Forms. Labels are lazy (translated at render time, in the viewer's language). Every form
is an ``api.PortalForm``: WTForms' own messages ("Not a valid date value.") come from its
catalogs in the same language, and text fields lose control characters before the filters
here see them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from markupsafe import Markup
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from portalis import api

from . import sla
from .i18n import _, _l, ngettext

MAX_AMOUNT = Decimal("9999999999999999.99")  # Numeric(18, 2)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^[0-9+()./\s-]*(?:\s*(?:ext|x|#)\.?\s*[0-9]+)?$", re.IGNORECASE)


def clean_text(value: Any) -> Any:
    """Strip and drop control characters (PostgreSQL rejects NUL in text): the form base
    drops them from text fields already; this also serves the amount, which isn't one."""
    if isinstance(value, str):
        return _CONTROL.sub("", value).strip()
    return value


def clean_line(value: Any) -> Any:
    value = clean_text(value)
    return re.sub(r"\s+", " ", value) if isinstance(value, str) else value


def babel_locale() -> Locale:
    """The viewer's language as a Babel locale (English if unknown)."""
    try:
        return Locale.parse(api.current_locale())
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


def country_name(code: str | None) -> Markup:
    """The country's name from CLDR, marked with the language CLDR wrote it in."""
    if not code:
        return Markup("")
    loc = babel_locale()
    name = loc.territories.get(code.upper(), code)
    return Markup('<span lang="{}">{}</span>').format(str(loc).replace("_", "-"), name)


def local_today() -> dt.date:
    """Today in the signed-in user's time zone (else the tenant's): the day a user means
    when they pick an expected close date."""
    user = api.current_user()
    tenant = api.current_tenant()
    tz = sla.zone((user.timezone if user else None) or (tenant.timezone if tenant else None))
    return dt.datetime.now(tz).date()


class AmountField(Field):
    """A money amount typed the way the viewer's language writes numbers ("1.250,50" in
    German, "1,250.50" in English); a plain "1250.50" is accepted everywhere."""

    widget = TextInput()

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        return str(format_decimal(self.data, format="0.00", locale=babel_locale()))

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if not valuelist:
            return
        raw = clean_text(str(valuelist[0]))[:64]
        raw = raw.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        if not raw:
            return
        value: Decimal | None = None
        try:
            value = parse_decimal(raw, locale=babel_locale(), strict=True)
        except (NumberFormatError, ValueError, InvalidOperation):
            if re.fullmatch(r"\d+(\.\d{1,2})?", raw):
                value = Decimal(raw)
        if value is None or not value.is_finite():
            raise ValueError(
                _(
                    "Enter an amount such as %(example)s.",
                    example=format_decimal(
                        Decimal("12500.00"), format="#,##0.00", locale=babel_locale()
                    ),
                )
            )
        self.data = value

    def pre_validate(self, form: Any) -> None:
        if self.data is None:
            return
        if self.data <= 0:
            raise ValidationError(_("The amount must be more than zero."))
        if self.data > MAX_AMOUNT:
            raise ValidationError(_("That amount is too large."))
        if self.data != self.data.quantize(Decimal("0.01")):
            raise ValidationError(_("Use at most two decimal places."))


_EMAIL = re.compile(r"^[^@/:\s]+@([^@/:\s]+)$")


def email_to_domain(value: Any) -> Any:
    """ "jo@acme.com" typed where the customer's web site goes means acme.com."""
    if isinstance(value, str) and (m := _EMAIL.match(value)):
        return m.group(1)
    return value


def _website(form: Any, field: Field) -> None:
    if not field.data:
        return
    domain = api.registrable_domain(field.data)
    if domain is None:
        raise ValidationError(
            _("Enter the customer's web site or e-mail domain, for example acme.com.")
        )
    if api.is_free_mail_domain(domain):
        raise ValidationError(
            _(
                "%(domain)s is a free e-mail service; enter the customer's own domain.",
                domain=domain,
            )
        )


def _phone(form: Any, field: Field) -> None:
    if field.data and not _PHONE.match(field.data):
        raise ValidationError(_("Use digits, spaces and + ( ) - only."))


class DealForm(api.PortalForm):
    """Register or edit a deal. Saving a draft checks formats only; submitting also needs
    every field marked required (:meth:`validate_for_submit`)."""

    customer_name = StringField(
        _l("Customer company name"), filters=[clean_line], validators=[Optional(), Length(max=200)]
    )
    customer_website = api.WebsiteField(  # stored as https://…; conflicts use its domain
        _l("Customer web site or e-mail domain"),
        filters=[clean_line, email_to_domain],
        validators=[Optional(), _website],
    )
    country = api.CountryField(_l("Customer country"), blank=_l("Choose a country"))
    contact_name = StringField(
        _l("Customer contact"), filters=[clean_line], validators=[Optional(), Length(max=200)]
    )
    contact_email = EmailField(
        _l("Contact e-mail"),
        filters=[clean_line],
        validators=[Optional(), Length(max=254), Email()],
    )
    contact_phone = StringField(
        _l("Contact phone"), filters=[clean_line], validators=[Optional(), Length(max=64), _phone]
    )
    products = StringField(
        _l("Products"), filters=[clean_line], validators=[Optional(), Length(max=500)]
    )
    amount = AmountField(_l("Estimated value"))
    currency = api.CurrencyField(_l("Currency"))
    expected_close_date = api.BoundedDateField(_l("Expected close date"), validators=[Optional()])
    notes = TextAreaField(
        _l("Notes for the reviewer"),
        filters=[clean_text],
        validators=[Optional(), Length(max=5000)],
    )

    REQUIRED = (
        "customer_name",
        "customer_website",
        "country",
        "contact_name",
        "contact_email",
        "products",
        "amount",
        "currency",
        "expected_close_date",
    )

    def setup(self, default_currency: str, stored_currency: str | None = None) -> DealForm:
        """Countries and currencies come from the core's pickers (named in the viewer's
        language, checked against ISO lists); the program's currency and the one the deal
        was saved with are offered even if they were retired since."""
        self.currency.keep(default_currency).keep(stored_currency)
        if not self.currency.data:
            self.currency.data = default_currency
        return self

    def validate_expected_close_date(self, field: Field) -> None:
        if field.data is None:
            return
        if not dt.date(2000, 1, 1) <= field.data <= dt.date(2100, 12, 31):
            raise ValidationError(_("Enter a realistic date."))

    def validate_for_submit(self, today: dt.date) -> bool:
        """Full validation for submission: formats, then every required field."""
        ok = self.validate()
        for name in self.REQUIRED:
            f = self[name]
            if f.data in (None, "") and not f.errors:
                f.errors = [*f.errors, _("Required before you can submit.")]
                ok = False
        d = self.expected_close_date.data
        if d is not None and not self.expected_close_date.errors:
            if d < today:
                self.expected_close_date.errors = [_("The expected close date is in the past.")]
                ok = False
            elif d > today + dt.timedelta(days=3 * 366):
                self.expected_close_date.errors = [
                    _("Register deals that close within three years.")
                ]
                ok = False
        return ok

    def cleaned(self) -> dict[str, Any]:
        website = self.customer_website.data or ""
        email = self.contact_email.data or ""
        if not website and email and not api.is_free_mail_domain(email):
            # the contact's company e-mail names the customer's domain as well
            domain = api.registrable_domain(email)
            website = f"https://{domain}" if domain else ""
            self.customer_website.data = website
        return {
            "customer_name": self.customer_name.data or "",
            "customer_website": website or None,
            "country": self.country.data or None,
            "contact_name": self.contact_name.data or None,
            "contact_email": (self.contact_email.data or "").lower() or None,
            "contact_phone": self.contact_phone.data or None,
            "products": self.products.data or None,
            "amount": self.amount.data,
            "currency": self.currency.data or None,
            "expected_close_date": self.expected_close_date.data,
            "notes": self.notes.data or None,
        }


class OnBehalfForm(DealForm):
    partner_id = SelectField(_l("Partner"), coerce=api.coerce_id, choices=[], validate_choice=True)
    owner_id = SelectField(
        _l("Partner contact responsible"), coerce=api.coerce_id, choices=[], validate_choice=True
    )


class ReasonForm(api.PortalForm):
    reason = TextAreaField(
        _l("Reason"), filters=[clean_text], validators=[Optional(), Length(max=2000)]
    )


class ApproveForm(ReasonForm):
    distinct_customer = BooleanField(
        _l("This is a different company that happens to share the name")
    )


class OutcomeForm(ReasonForm):
    outcome = SelectField(
        _l("Outcome"),
        choices=api.select_choices(
            [("", _l("Choose won or lost")), ("won", _l("Won")), ("lost", _l("Lost"))]
        ),
        validate_choice=True,
    )

    def validate_outcome(self, field: Field) -> None:
        if field.data not in ("won", "lost"):
            raise ValidationError(_("Choose won or lost."))


class ExtensionForm(api.PortalForm):
    until = api.BoundedDateField(_l("Protect until"), validators=[Optional()])
    reason = TextAreaField(
        _l("Why does the deal need more time?"),
        filters=[clean_text],
        validators=[Optional(), Length(max=2000)],
    )


class BulkForm(api.PortalForm):
    """A bulk decision in the review queue. The action has no default: the reviewer picks
    one, and the view refuses a missing, repeated or unknown one (``bulk.parse_action``)."""

    action = SelectField(
        _l("With the selected"),
        choices=api.select_choices(
            [("", _l("Choose an action")), ("approve", _l("Approve")), ("reject", _l("Reject"))]
        ),
        validate_choice=True,
    )
    reason = TextAreaField(
        _l("Reason (required to reject)"),
        filters=[clean_text],
        validators=[Optional(), Length(max=2000)],
    )


# --- plugin settings (edited per program by vendor admins in the core's admin) ------------


def _protection_choices() -> list[Any]:
    out = [(d, ngettext("%(num)s day", "%(num)s days", d)) for d in (30, 60, 90, 120, 180, 365)]
    return api.select_choices([*out, (0, _("No end date"))])


class DealsSettingsForm(api.PortalForm):
    """Program settings of the deals plugin (stored as JSON by the core)."""

    class Meta:
        csrf = False  # the core's admin page around it carries the token

    protection_days = SelectField(
        _l("Protection after approval"),
        coerce=api.coerce_id,
        choices=[],
        default=90,
        description=_l("How long an approved registration protects the partner's deal."),
    )
    review_sla_hours = api.BoundedIntegerField(
        _l("Review time limit (business hours)"),
        default=48,
        min=1,
        max=2000,
        description=_l(
            "Monday to Friday in the portal's time zone; after that, channel managers are reminded."
        ),
    )
    max_extensions = api.BoundedIntegerField(
        _l("Extensions allowed per registration"), default=2, min=0, max=10
    )
    reminder_days_before = api.BoundedIntegerField(
        _l("Remind partners this many days before protection ends"), default=14, min=0, max=90
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.protection_days.choices = _protection_choices()  # labels in the viewer's language
