"""The company profile form: the core's fields (country, website) and vocabularies labelled
in the reader's language, every value checked by ``companies.profile_fields.clean_value``
so the form and the API refuse the same things with the same messages."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import Optional, StopValidation

from ..companies.profile_fields import (
    ADDRESS_PART_LABELS,
    ADDRESS_PART_MAX,
    ADDRESSES_MAX,
    DESCRIPTION_MAX,
    EXPERTISE_MAX_TAGS,
    EXPERTISE_TAG_MAX,
    INDUSTRIES,
    LANGUAGE_CODES,
    PARTNER_TYPES,
    PHONE_MAX,
    ProfileValueError,
    cldr_text,
    clean_value,
    field_label,
    language_label,
    split_tags,
)
from ..i18n import current_locale, gettext
from ..i18n import lazy_gettext as _l
from .fields import (
    COUNTRY_CODES,
    CountryField,
    WebsiteField,
    collation_key,
    country_name,
    select_choices,
)
from .forms import PortalForm, drop_controls


def _checked(name: str) -> Any:
    """A validator running the profile's own checker; the cleaned value replaces the data."""

    def check(form: Any, field: Any) -> None:
        raw = field.data
        if name == "expertise":
            raw = split_tags(raw or "")
        try:
            form.cleaned[name] = clean_value(name, raw)
        except ProfileValueError as exc:
            raise StopValidation(str(exc)) from exc

    return check


class AddressForm(Form):
    """One office. A plain sub-form (no CSRF of its own); limits shown to the browser and
    enforced by ``clean_value``."""

    label = StringField(
        ADDRESS_PART_LABELS["label"],
        filters=[drop_controls],
        render_kw={"maxlength": ADDRESS_PART_MAX["label"], "dir": "auto"},
    )
    street = StringField(
        ADDRESS_PART_LABELS["street"],
        filters=[drop_controls],
        render_kw={"maxlength": ADDRESS_PART_MAX["street"], "dir": "auto"},
    )
    postcode = StringField(
        ADDRESS_PART_LABELS["postcode"],
        filters=[drop_controls],
        render_kw={"maxlength": ADDRESS_PART_MAX["postcode"], "dir": "auto"},
    )
    city = StringField(
        ADDRESS_PART_LABELS["city"],
        filters=[drop_controls],
        render_kw={"maxlength": ADDRESS_PART_MAX["city"], "dir": "auto"},
    )
    region = StringField(
        ADDRESS_PART_LABELS["region"],
        filters=[drop_controls],
        render_kw={"maxlength": ADDRESS_PART_MAX["region"], "dir": "auto"},
    )
    country = CountryField(
        ADDRESS_PART_LABELS["country"], validators=[Optional()], blank=_l("Choose a country")
    )


class CompanyProfileForm(PortalForm):
    logo = FileField(
        _l("Logo"),
        render_kw={
            "accept": "image/png,image/jpeg,image/gif,image/webp,image/svg+xml",
            "data-preview": "logo-preview",
        },
    )
    remove_logo = BooleanField(_l("Remove the logo"))
    description = TextAreaField(
        _l("Description"),
        validators=[_checked("description")],
        render_kw={"maxlength": DESCRIPTION_MAX, "rows": 6},
    )
    partner_type = SelectField(
        _l("Partner type"), validators=[_checked("partner_type")], validate_choice=False
    )
    website = WebsiteField(_l("Website"), validators=[_checked("website")])
    phone = TelField(
        _l("Phone"),
        validators=[_checked("phone")],
        render_kw={"maxlength": PHONE_MAX, "autocomplete": "tel"},
    )
    addresses = FieldList(FormField(AddressForm), min_entries=1, max_entries=ADDRESSES_MAX)
    service_regions = SelectMultipleField(
        _l("Countries served"),
        validators=[_checked("service_regions")],
        choices=[],
        validate_choice=False,
    )
    industries = SelectMultipleField(
        _l("Industries"), validators=[_checked("industries")], choices=[], validate_choice=False
    )
    expertise = StringField(
        _l("Expertise"),
        validators=[_checked("expertise")],
        render_kw={"maxlength": EXPERTISE_MAX_TAGS * (EXPERTISE_TAG_MAX + 2)},
    )
    languages = SelectMultipleField(
        _l("Languages spoken"),
        validators=[_checked("languages")],
        choices=[],
        validate_choice=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cleaned: dict[str, Any] = {}
        self.address_errors: dict[int, str] = {}
        locale = current_locale()
        self.partner_type.choices = select_choices(
            [
                ("", gettext("Choose a partner type")),
                *((k, str(v)) for k, v in PARTNER_TYPES.items()),
            ]
        )
        self.industries.choices = _sorted(
            [(k, str(v)) for k, v in INDUSTRIES.items()], self.industries.data
        )
        self.languages.choices = _sorted(
            [(c, language_label(c, locale)) for c in LANGUAGE_CODES], self.languages.data
        )
        self.service_regions.choices = _sorted(
            [(c, cldr_text(country_name(c, locale))) for c in COUNTRY_CODES],
            self.service_regions.data,
        )

    def mark(self, public: frozenset[str], pending: frozenset[str]) -> None:
        """Labels carry a "Public" / "Awaiting approval" badge for the person editing."""
        for name in ("description", "partner_type", "website", "phone", "logo"):
            getattr(self, name).label.text = _badged(field_label(name), name, public, pending)
        for name in ("service_regions", "industries", "expertise", "languages"):
            getattr(self, name).label.text = _badged(field_label(name), name, public, pending)

    def validate_addresses(self, field: Any) -> None:
        rows = []
        for index, entry in enumerate(field.entries):
            if entry.errors:
                self.address_errors[index] = ""
                continue
            row = {k: entry.form[k].data for k in (*ADDRESS_PART_MAX, "country")}
            try:
                cleaned = clean_value("addresses", [row])
            except ProfileValueError as exc:
                self.address_errors[index] = str(exc)
                continue
            rows.extend(cleaned)
        if self.address_errors or any(e.errors for e in field.entries):
            raise StopValidation(gettext("Check the highlighted address."))
        try:
            self.cleaned["addresses"] = clean_value("addresses", rows)
        except ProfileValueError as exc:
            raise StopValidation(str(exc)) from exc


def _sorted(pairs: list[tuple[str, str]], selected: Any) -> list[Any]:
    """Chosen values first (so a long list shows what is ticked), then by name."""
    chosen = set(selected or ())
    return select_choices(sorted(pairs, key=lambda p: (p[0] not in chosen, collation_key(p[1]))))


def _badged(label: str, name: str, public: frozenset[str], pending: frozenset[str]) -> Markup:
    out: Markup = escape(label)
    if name in public:
        out += Markup(' <span class="badge badge-info">{}</span>').format(gettext("Public"))
    if name in pending:
        out += Markup(' <span class="badge badge-warning">{}</span>').format(
            gettext("Awaiting approval")
        )
    return out


def form_data(values: dict[str, Any]) -> dict[str, Any]:
    """Stored profile values as the form's initial data."""
    addresses = [dict(a) for a in values.get("addresses") or []]
    if len(addresses) < ADDRESSES_MAX:
        addresses.append({})  # one empty block to add an office
    return {
        "description": values.get("description") or "",
        "partner_type": values.get("partner_type") or "",
        "website": values.get("website") or "",
        "phone": values.get("phone") or "",
        "addresses": addresses,
        "service_regions": list(values.get("service_regions") or []),
        "industries": list(values.get("industries") or []),
        "expertise": ", ".join(values.get("expertise") or []),
        "languages": list(values.get("languages") or []),
    }


class ProfileSettingsForm(PortalForm):
    """A program's profile settings (vendor admins)."""

    public_fields = SelectMultipleField(
        _l("Fields other partners and visitors may see"), choices=[]
    )
    approval_required = BooleanField(
        _l("Changes to public fields wait for a channel manager's approval")
    )


class ProfileDecisionForm(PortalForm):
    reason = TextAreaField(
        _l("Reason (sent to the partner)"), render_kw={"maxlength": 1000, "rows": 2}
    )
