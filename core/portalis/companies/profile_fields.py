"""The company profile's fields: their names, fixed vocabularies, limits and how a value is
checked and normalised — one place, read by the partner's form, the vendor's review, the
public view and the tests.

Vocabularies are stored as stable keys ("msp", "healthcare") and labelled in the reader's
language when shown, so changing a label's wording or translation never rewrites data.
Countries (service regions, addresses) are ISO 3166-1 alpha-2 codes from the core's country
vocabulary (``web.fields.COUNTRY_CODES``); languages are ISO 639-1 codes named by Babel.

:func:`clean_value` is the one checker: the web form and :func:`portalis.api` callers get
the same refusals, with a translated message (:class:`ProfileValueError`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from ..i18n import gettext, lazy_gettext

#: Every profile field, in the order the profile shows them. ``name`` and ``country`` are
#: the partner's own columns set by the vendor; they are always public and not edited here.
PROFILE_FIELDS: tuple[str, ...] = (
    "logo",
    "description",
    "website",
    "phone",
    "addresses",
    "service_regions",
    "partner_type",
    "industries",
    "expertise",
    "languages",
)

#: Public unless a program says otherwise: what a partner directory usually shows.
DEFAULT_PUBLIC_FIELDS: tuple[str, ...] = (
    "logo",
    "description",
    "website",
    "service_regions",
    "partner_type",
    "industries",
    "expertise",
    "languages",
)

FIELD_LABELS: Mapping[str, Any] = {
    "logo": lazy_gettext("Logo"),
    "description": lazy_gettext("Description"),
    "website": lazy_gettext("Website"),
    "phone": lazy_gettext("Phone"),
    "addresses": lazy_gettext("Addresses"),
    "service_regions": lazy_gettext("Countries served"),
    "partner_type": lazy_gettext("Partner type"),
    "industries": lazy_gettext("Industries"),
    "expertise": lazy_gettext("Expertise"),
    "languages": lazy_gettext("Languages spoken"),
}

PARTNER_TYPES: Mapping[str, Any] = {
    "reseller": lazy_gettext("Reseller"),
    "var": lazy_gettext("Value-added reseller"),
    "msp": lazy_gettext("Managed service provider"),
    "distributor": lazy_gettext("Distributor"),
    "system_integrator": lazy_gettext("System integrator"),
    "isv": lazy_gettext("Software vendor (ISV)"),
    "consultant": lazy_gettext("Consultant"),
    "referral": lazy_gettext("Referral partner"),
}

INDUSTRIES: Mapping[str, Any] = {
    "agriculture": lazy_gettext("Agriculture"),
    "automotive": lazy_gettext("Automotive"),
    "construction": lazy_gettext("Construction and real estate"),
    "education": lazy_gettext("Education"),
    "energy": lazy_gettext("Energy and utilities"),
    "financial_services": lazy_gettext("Financial services"),
    "healthcare": lazy_gettext("Healthcare"),
    "hospitality": lazy_gettext("Hospitality and travel"),
    "life_sciences": lazy_gettext("Life sciences"),
    "logistics": lazy_gettext("Transport and logistics"),
    "manufacturing": lazy_gettext("Manufacturing"),
    "media": lazy_gettext("Media and entertainment"),
    "nonprofit": lazy_gettext("Non-profit"),
    "professional_services": lazy_gettext("Professional services"),
    "public_sector": lazy_gettext("Public sector"),
    "retail": lazy_gettext("Retail and consumer goods"),
    "technology": lazy_gettext("Technology"),
    "telecommunications": lazy_gettext("Telecommunications"),
}

#: Languages a company may say it works in: ISO 639-1 codes of the languages most used in
#: business, named in the reader's language by Babel (CLDR).
LANGUAGE_CODES: tuple[str, ...] = (
    "ar", "bg", "bn", "cs", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "he",
    "hi", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "nl", "no", "pl", "pt",
    "ro", "ru", "sk", "sl", "sr", "sv", "sw", "th", "tl", "tr", "uk", "ur", "vi", "zh",
)  # fmt: skip

DESCRIPTION_MAX = 2000
PHONE_MAX = 40
ADDRESSES_MAX = 5
ADDRESS_PART_MAX = {"label": 60, "street": 200, "city": 100, "postcode": 20, "region": 100}
EXPERTISE_MAX_TAGS = 12
EXPERTISE_TAG_MAX = 40
#: The phone number: digits, spaces and the usual punctuation, an optional leading "+"
#: and an extension ("x 12", "ext. 12").
_PHONE = re.compile(r"^\+?[0-9 ()./-]{4,}(?:\s*(?:x|ext\.?)\s*[0-9]{1,6})?$", re.IGNORECASE)
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ProfileValueError(ValueError):
    """A profile value was refused; ``str(exc)`` is a translated sentence for the person."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _text(value: Any, *, keep_newlines: bool = False) -> str:
    text = unicodedata.normalize("NFC", str(value or ""))
    text = _CONTROLS.sub("", text)
    if not keep_newlines:
        text = re.sub(r"\s+", " ", text)
    else:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _description(value: Any) -> str:
    text = _text(value, keep_newlines=True)
    if len(text) > DESCRIPTION_MAX:
        raise ProfileValueError(
            "description",
            gettext(
                "Keep the description to %(max)s characters (it has %(count)s).",
                max=DESCRIPTION_MAX,
                count=len(text),
            ),
        )
    return text


def _website(value: Any) -> str | None:
    from ..web.fields import WebsiteError, normalize_website

    try:
        return normalize_website(str(value or "")) or None
    except WebsiteError as exc:
        raise ProfileValueError("website", str(exc)) from exc


def _phone(value: Any) -> str | None:
    text = _text(value)
    if not text:
        return None
    if len(text) > PHONE_MAX or not _PHONE.match(text) or sum(c.isdigit() for c in text) < 4:
        raise ProfileValueError(
            "phone", gettext("Enter a phone number such as +49 30 1234567 (digits, spaces, +).")
        )
    return text


def _country(field: str, code: Any) -> str:
    from ..web.fields import COUNTRY_CODES

    text = str(code or "").strip().upper()
    if text not in COUNTRY_CODES:
        raise ProfileValueError(field, gettext("Choose a country from the list."))
    return text


def _addresses(value: Any) -> list[dict[str, str]]:
    rows = list(value or [])
    out: list[dict[str, str]] = []
    for row in rows:
        if not isinstance(row, Mapping):
            raise ProfileValueError("addresses", gettext("An address could not be read."))
        address = {k: _text(row.get(k)) for k in ADDRESS_PART_MAX}
        if not any(address.values()) and not row.get("country"):
            continue  # an empty block of the form
        for part, limit in ADDRESS_PART_MAX.items():
            if len(address[part]) > limit:
                raise ProfileValueError(
                    "addresses",
                    gettext(
                        "%(part)s: at most %(max)s characters.",
                        part=ADDRESS_PART_LABELS[part],
                        max=limit,
                    ),
                )
        if not address["city"]:
            raise ProfileValueError("addresses", gettext("Give each address a city."))
        address["country"] = _country("addresses", row.get("country"))
        out.append(address)
    if len(out) > ADDRESSES_MAX:
        raise ProfileValueError(
            "addresses", gettext("List at most %(max)s addresses.", max=ADDRESSES_MAX)
        )
    return out


def _countries(value: Any) -> list[str]:
    codes = []
    for code in value or []:
        checked = _country("service_regions", code)
        if checked not in codes:
            codes.append(checked)
    return sorted(codes)


def _choice(field: str, vocabulary: Mapping[str, Any] | tuple[str, ...]) -> Callable[[Any], Any]:
    def check_many(value: Any) -> list[str]:
        keys = []
        for key in value or []:
            text = str(key or "").strip()
            if text not in vocabulary:
                raise ProfileValueError(field, gettext("Choose from the list."))
            if text not in keys:
                keys.append(text)
        return sorted(keys)

    return check_many


def _partner_type(value: Any) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    if text not in PARTNER_TYPES:
        raise ProfileValueError("partner_type", gettext("Choose a partner type from the list."))
    return text


def split_tags(text: str) -> list[str]:
    """Tags typed as one line: separated by commas (also the Arabic and CJK commas) or
    semicolons."""
    return [t for t in re.split(r"[,;،、，；\n]", text or "")]


def _expertise(value: Any) -> list[str]:
    tags: list[str] = []
    seen: set[str] = set()
    for raw in value or []:
        tag = _text(raw)
        if not tag:
            continue
        if len(tag) > EXPERTISE_TAG_MAX:
            raise ProfileValueError(
                "expertise",
                gettext(
                    "Keep each expertise tag to %(max)s characters: “%(tag)s…” is longer.",
                    max=EXPERTISE_TAG_MAX,
                    tag=tag[:20],
                ),
            )
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    if len(tags) > EXPERTISE_MAX_TAGS:
        raise ProfileValueError(
            "expertise",
            gettext(
                "List at most %(max)s expertise tags (there are %(count)s).",
                max=EXPERTISE_MAX_TAGS,
                count=len(tags),
            ),
        )
    return tags


def _logo(value: Any) -> str | None:
    text = str(value or "")
    if text and not re.fullmatch(r"[0-9a-f]{32}\.(png|svg)", text):
        raise ProfileValueError("logo", gettext("Upload a PNG, JPEG, GIF, WebP or SVG image."))
    return text or None


_CHECKERS: Mapping[str, Callable[[Any], Any]] = {
    "logo": _logo,
    "description": _description,
    "website": _website,
    "phone": _phone,
    "addresses": _addresses,
    "service_regions": _countries,
    "partner_type": _partner_type,
    "industries": _choice("industries", INDUSTRIES),
    "expertise": _expertise,
    "languages": _choice("languages", LANGUAGE_CODES),
}

ADDRESS_PART_LABELS: Mapping[str, Any] = {
    "label": lazy_gettext("Name of the office"),
    "street": lazy_gettext("Street and number"),
    "city": lazy_gettext("City"),
    "postcode": lazy_gettext("Postcode"),
    "region": lazy_gettext("State or region"),
    "country": lazy_gettext("Country"),
}


def clean_value(field: str, value: Any) -> Any:
    """``value`` for ``field`` as it is stored (normalised), or :class:`ProfileValueError`."""
    if field not in _CHECKERS:
        raise KeyError(field)
    return _CHECKERS[field](value)


def is_filled(field: str, value: Any) -> bool:
    """Whether a stored value counts as given (for completeness)."""
    if isinstance(value, list | tuple | dict):
        return len(value) > 0
    return bool(value and str(value).strip())


def field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


def partner_type_label(key: str | None) -> str:
    if key is None or key not in PARTNER_TYPES:
        return key or ""
    return str(PARTNER_TYPES[key])


def industry_label(key: str) -> str:
    return str(INDUSTRIES[key]) if key in INDUSTRIES else key


def language_label(code: str, locale: str | None = None) -> str:
    """A language named in the reader's language ("Deutsch" → "German" for an English
    reader), capitalised as a list item; an unknown code as it is."""
    from ..web.fields import babel_locale

    name = babel_locale(locale).languages.get(code) or code
    return cldr_text(name[:1].upper() + name[1:])


def cldr_text(text: str) -> str:
    """A name taken from CLDR (a country, a language): a translation like any other, so the
    pseudo-locale marks it (as ``templating.country_name`` does) and the check that every
    string of a page is translatable sees it as translated."""
    from ..i18n import PseudoTranslations, translations

    catalog = translations()
    return catalog.gettext(text) if text and isinstance(catalog, PseudoTranslations) else text


__all__ = [
    "ADDRESSES_MAX",
    "DEFAULT_PUBLIC_FIELDS",
    "DESCRIPTION_MAX",
    "EXPERTISE_MAX_TAGS",
    "EXPERTISE_TAG_MAX",
    "INDUSTRIES",
    "LANGUAGE_CODES",
    "PARTNER_TYPES",
    "PROFILE_FIELDS",
    "ProfileValueError",
    "clean_value",
    "field_label",
    "industry_label",
    "is_filled",
    "language_label",
    "partner_type_label",
    "split_tags",
]
