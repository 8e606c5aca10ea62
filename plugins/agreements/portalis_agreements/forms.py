"""Forms: the vendor's template form, the partner's signature form, the counter-signature.

Labels are lazy (``_l``) so they are translated when rendered, in the viewer's language.
Every form is an ``api.PortalForm``: WTForms' own messages in the same language, and no
control characters in a text field (PostgreSQL refuses a NUL byte in text, so a name
pasted with one was a server error); choices are ``api.select_choices``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from babel.core import Locale
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Regexp, ValidationError

from portalis import api

from .i18n import _, _l
from .models import KINDS, LOCK_NONE, LOCK_PLUGINS, LOCK_PORTAL, LOCKS

#: Longest text per language (a contract is long, but not a book).
BODY_MAX = 60_000
TITLE_MAX = 200


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def kind_label(kind: str) -> str:
    return {
        "nda": _("Non-disclosure agreement"),
        "reseller": _("Reseller terms"),
        "data_processing": _("Data processing agreement"),
        "other": _("Other agreement"),
    }.get(kind, kind)


def lock_label(lock: str) -> str:
    return {
        LOCK_PORTAL: _("The whole portal until signed"),
        LOCK_PLUGINS: _("Only the features chosen below until signed"),
        LOCK_NONE: _("Nothing: signing is requested, not required"),
    }.get(lock, lock)


@cache
def _country_codes() -> tuple[str, ...]:
    skip = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB", "XK"}
    codes = [str(c) for c in Locale.parse("en").territories]
    return tuple(sorted(c for c in codes if len(c) == 2 and c.isalpha() and c not in skip))


def country_choices(locale: str) -> list[tuple[str, str]]:
    try:
        names = Locale.parse(locale).territories
    except (ValueError, TypeError):
        names = Locale.parse("en").territories
    return sorted(((c, names.get(c, c)) for c in _country_codes()), key=lambda kv: kv[1])


def partner_type_choices() -> list[tuple[str, str]]:
    """The partner types a company profile chooses from (``api.COMPANY_PARTNER_TYPES``),
    named in the viewer's language: a template's rule names the same keys a profile stores."""
    return [(key, str(label)) for key, label in api.COMPANY_PARTNER_TYPES.items()]


class TemplateForm(api.PortalForm):
    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=TITLE_MAX)], filters=[_strip]
    )
    kind = SelectField(
        _l("Kind"), choices=api.select_choices((k, k) for k in KINDS), default="reseller"
    )
    program_id = SelectField(_l("Program"), coerce=api.coerce_id, validators=[InputRequired()])
    partner_types = SelectMultipleField(_l("Partner types"), choices=[])
    countries = SelectMultipleField(_l("Countries"), choices=[])
    requires_countersignature = BooleanField(_l("We counter-sign after the partner signs"))
    lock = SelectField(
        _l("While unsigned, lock"),
        choices=api.select_choices((k, k) for k in LOCKS),
        default=LOCK_NONE,
    )
    lock_plugins = SelectMultipleField(_l("Features locked"), choices=[])
    default_language = SelectField(_l("Default language"), choices=[])

    def setup(
        self, programs: list[Any], plugins: list[tuple[str, str]], languages: list[tuple[str, str]]
    ) -> None:
        locale = api.current_locale()
        self.kind.choices = api.select_choices((k, kind_label(k)) for k in KINDS)
        self.program_id.choices = api.select_choices(
            (p.id, api.localized(p.name, p.name_i18n)) for p in programs
        )
        self.partner_types.choices = api.select_choices(partner_type_choices())
        self.countries.choices = api.select_choices(country_choices(locale))
        self.lock.choices = api.select_choices((k, lock_label(k)) for k in LOCKS)
        self.lock_plugins.choices = api.select_choices(plugins)
        self.default_language.choices = api.select_choices(languages)

    def validate_lock_plugins(self, field: Any) -> None:
        if self.lock.data == LOCK_PLUGINS and not field.data:
            raise ValidationError(_("Choose the features that stay locked, or lock nothing."))


class SignForm(api.PortalForm):
    """The typed-name signature. ``document_sha256`` and ``language`` say which document
    the signer was shown; the server makes it again and refuses if it differs."""

    full_name = StringField(
        _l("Your full name"), validators=[DataRequired(), Length(max=200)], filters=[_strip]
    )
    confirm = BooleanField(
        _l("I have read this agreement and sign it on behalf of my company."),
        validators=[DataRequired(message=_l("Confirm that you sign on behalf of your company."))],
    )
    document_sha256 = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-fA-F]{64}$")])
    language = HiddenField(validators=[Length(max=16)])


class ConfirmForm(api.PortalForm):
    """A button that changes something (publish, archive, counter-sign): CSRF only."""


def template_form(languages: list[str], **kwargs: Any) -> TemplateForm:
    """The template form with a title and a text field per language of the tenant."""

    class _Form(TemplateForm):
        pass

    for lang in languages:
        setattr(
            _Form,
            f"title_{lang}",
            StringField(_l("Title"), validators=[Length(max=TITLE_MAX)], filters=[_strip]),
        )
        setattr(
            _Form,
            f"body_{lang}",
            TextAreaField(_l("Text (Markdown)"), validators=[Length(max=BODY_MAX)]),
        )
    return _Form(**kwargs)
