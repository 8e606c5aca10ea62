"""Form fields for values from a fixed vocabulary — countries, currencies, time zones — and
for web addresses.

A free-text field for such a value corrupts data quietly: "Germany" typed into a two-letter
box became GE (Georgia), "United States" became UN, "acme.com" was stored without a scheme.
These fields offer the vocabulary instead, named in the viewer's language from CLDR (Babel),
and refuse anything outside it with a translated message; nothing is ever cut to fit.

- :class:`CountryField` — ISO 3166-1 alpha-2 codes of countries and territories (no
  regions such as ``001`` or ``150``, no EU/UN/"unknown"), plus XK (Kosovo), as CLDR does.
- :class:`CurrencyField` — ISO 4217 codes of currencies legal tender somewhere today.
- :class:`TimeZoneField` — IANA zones; the list offers one entry per CLDR zone, named
  "country — city"; any IANA name is accepted (also the old aliases a user may have saved).
- :class:`WebsiteField` — an http(s) address: ``acme.com`` is stored as
  ``https://acme.com``; other schemes (``javascript:``, ``mailto:``) and addresses with a
  user name are refused; international host names are kept readable (``bücher.de``).
- :func:`select_choices` — ``(value, label)`` pairs as the choice objects every select
  field here and in the plugins is given (WTForms 3.3+ deprecates tuples).

A value stored before these fields existed (a code that isn't in the list any more, a
retired currency) is shown as it is and kept when the form is saved unchanged, but never
rewritten: the field does this for the value it was given (``obj=`` or ``data``); call
``field.keep(value)`` for one set later. Plugins use them through
``portalis.api``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import available_timezones

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import get_timezone_location
from babel.numbers import get_currency_name, get_territory_currencies
from wtforms import SelectField, StringField
from wtforms.validators import StopValidation

from ..i18n import current_locale, gettext

try:  # WTForms >= 3.3 wants SelectChoice objects instead of tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms

    def SelectChoice(value: Any, label: Any) -> Any:  # noqa: N802
        return (value, label)


def select_choices(pairs: Iterable[tuple[Any, Any]]) -> list[Any]:
    """``(value, label)`` pairs as the choices of a select field: the ``SelectChoice``
    objects WTForms 3.3+ wants (tuples are deprecated there and go in 3.4), so the one
    compatibility shim above serves the core and, through ``portalis.api``, every plugin."""
    return [SelectChoice(value, label) for value, label in pairs]


# --- the vocabularies ------------------------------------------------------------------------

#: CLDR territories with two-letter codes that are not countries in ISO 3166-1: the EU and
#: euro area, the UN, "unknown"/"outlying Oceania", pseudo-locales, and the exceptionally
#: reserved codes of islands that are part of another country's entry.
_NOT_COUNTRIES = frozenset(
    {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
)


def _english() -> Locale:
    return Locale.parse("en")


COUNTRY_CODES: frozenset[str] = frozenset(
    code
    for code in _english().territories
    if isinstance(code, str)
    and len(code) == 2
    and code.isalpha()
    and code.isupper()
    and code not in _NOT_COUNTRIES
)


def _active_currencies() -> frozenset[str]:
    today = dt.date.today()
    codes: set[str] = set()
    for territory in COUNTRY_CODES:
        codes.update(get_territory_currencies(territory, today, tender=True, non_tender=False))
    return frozenset(codes)


#: ISO 4217 codes of the currencies legal tender somewhere today (CLDR).
CURRENCY_CODES: frozenset[str] = _active_currencies()

#: Names in the zoneinfo database that are not time zones.
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})


@functools.cache
def time_zone_names() -> frozenset[str]:
    """Every IANA time zone name this system knows (aliases included)."""
    return frozenset(
        z
        for z in available_timezones()
        if z not in _NOT_ZONES and not z.startswith(("posix/", "right/"))
    )


def _listed_zones() -> dict[str, str]:
    """The zones the picker offers: CLDR's canonical zones of real countries → country."""
    known = time_zone_names()
    territories: dict[str, str] = dict(get_global("zone_territories"))
    return {z: t for z, t in territories.items() if t in COUNTRY_CODES and z in known}


# --- names in the viewer's language -----------------------------------------------------------


def babel_locale(locale: str | None = None) -> Locale:
    """The viewer's language (or ``locale``) as a Babel locale; English if unknown."""
    try:
        return Locale.parse((locale or current_locale()).replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return _english()


def collation_key(text: str) -> tuple[str, str]:
    """A cheap, locale-tolerant sort key: accents and case don't decide the order, so
    "Österreich" sorts with the O's and "Ägypten" with the A's (what German readers expect),
    then the exact text breaks ties."""
    base = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return (base.casefold(), text)


def country_name(code: str | None, locale: str | None = None) -> str:
    """A country's name in the viewer's language; an unknown code is returned as it is."""
    if not code:
        return ""
    return str(babel_locale(locale).territories.get(code.upper(), code))


def currency_label(code: str, locale: str | None = None) -> str:
    """ "EUR — Euro" in the viewer's language."""
    try:
        name = get_currency_name(code, locale=babel_locale(locale))
    except (ValueError, TypeError):
        name = code
    return code if name == code else f"{code} — {name}"


def time_zone_label(zone: str, locale: str | None = None) -> str:
    """ "Germany — Berlin" in the viewer's language (UTC and aliases: the IANA name)."""
    territory = _listed_zones().get(zone)
    if territory is None:
        return zone
    loc = babel_locale(locale)
    try:
        city = get_timezone_location(zone, locale=loc, return_city=True)
    except (LookupError, ValueError):
        city = zone.rsplit("/", 1)[-1].replace("_", " ")
    return f"{loc.territories.get(territory, territory)} — {city}"


@functools.lru_cache(maxsize=32)
def _country_options(locale: str) -> tuple[tuple[str, str], ...]:
    names = babel_locale(locale).territories
    pairs = [(code, str(names.get(code, code))) for code in COUNTRY_CODES]
    return tuple(sorted(pairs, key=lambda p: collation_key(p[1])))


@functools.lru_cache(maxsize=32)
def _currency_options(locale: str) -> tuple[tuple[str, str], ...]:
    return tuple((code, currency_label(code, locale)) for code in sorted(CURRENCY_CODES))


@functools.lru_cache(maxsize=32)
def _zone_options(locale: str) -> tuple[tuple[str, str], ...]:
    pairs = [(zone, time_zone_label(zone, locale)) for zone in _listed_zones()]
    return (("UTC", "UTC"), *sorted(pairs, key=lambda p: collation_key(p[1])))


# --- the fields --------------------------------------------------------------------------------


def _code(value: Any) -> str:
    return value.strip().upper() if isinstance(value, str) else ""


class _PickerField(SelectField):
    """A select over a vocabulary, labelled in the viewer's language. ``blank`` is the label
    of an empty first option (for an optional field, or to make the person choose); the
    allow-list decides what is accepted, not the list shown."""

    allowed: frozenset[str] = frozenset()
    message = ""

    def __init__(self, label: Any = None, validators: Any = None, blank: Any = None, **kw: Any):
        kw.setdefault("coerce", self._coerce)
        super().__init__(label, validators, choices=[], **kw)
        self.blank = blank
        self.kept: set[str] = set()

    @staticmethod
    def _coerce(value: Any) -> str:
        return value.strip() if isinstance(value, str) else ("" if value is None else str(value))

    def options(self, locale: str) -> tuple[tuple[str, str], ...]:
        raise NotImplementedError

    def _label(self, value: str, locale: str) -> str:
        return value

    def _refresh(self) -> None:
        locale = current_locale()
        pairs: list[tuple[str, str]] = []
        if self.blank is not None:
            pairs.append(("", str(self.blank)))
        listed = self.options(locale)
        values = {v for v, _ in listed}
        pairs.extend((v, self._label(v, locale)) for v in sorted(self.kept - values) if v)
        pairs.extend(listed)
        self.choices = select_choices(pairs)

    def keep(self, value: str | None) -> _PickerField:
        """Show ``value`` (a stored value) even if the list doesn't offer it, and accept it
        unchanged when the form is saved: old data is displayed, never rewritten."""
        if value:
            self.kept.add(self._coerce(value))
            self._refresh()
        return self

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        stored = self._coerce(self.object_data) if self.object_data else ""
        if stored:
            self.kept.add(stored)  # the record's own value: shown, and kept if unchanged
        self._refresh()

    def pre_validate(self, form: Any) -> None:
        if not self.data:
            return  # Optional / DataRequired decide about an empty value
        if self.data not in self.allowed and self.data not in self.kept:
            raise StopValidation(self.message_text())  # one message, not one per validator

    def message_text(self) -> str:
        raise NotImplementedError


class CountryField(_PickerField):
    """A country, stored as its ISO 3166-1 alpha-2 code ("DE"), chosen by its name in the
    viewer's language ("Deutschland", "ألمانيا"). Lower-case codes are accepted."""

    allowed = COUNTRY_CODES

    @staticmethod
    def _coerce(value: Any) -> str:
        return _code(value)

    def options(self, locale: str) -> tuple[tuple[str, str], ...]:
        return _country_options(locale)

    def _label(self, value: str, locale: str) -> str:
        return country_name(value, locale)

    def message_text(self) -> str:
        return gettext("Choose a country from the list.")


class CurrencyField(_PickerField):
    """A currency, stored as its ISO 4217 code ("EUR"), shown as "EUR — Euro"."""

    allowed = CURRENCY_CODES

    @staticmethod
    def _coerce(value: Any) -> str:
        return _code(value)

    def options(self, locale: str) -> tuple[tuple[str, str], ...]:
        return _currency_options(locale)

    def _label(self, value: str, locale: str) -> str:
        return currency_label(value, locale)

    def message_text(self) -> str:
        return gettext("Choose a currency from the list.")


class TimeZoneField(_PickerField):
    """An IANA time zone ("Europe/Berlin"), shown as "Germany — Berlin"."""

    @property
    def allowed(self) -> frozenset[str]:  # type: ignore[override]
        return time_zone_names()

    def options(self, locale: str) -> tuple[tuple[str, str], ...]:
        return _zone_options(locale)

    def _label(self, value: str, locale: str) -> str:
        return time_zone_label(value, locale)

    def message_text(self) -> str:
        return gettext("Choose a time zone from the list.")


# --- web addresses -------------------------------------------------------------------------

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_HOST_AND_PORT = re.compile(r"^[^:/?#@]+:\d+(?:[/?#]|$)")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
MAX_WEBSITE = 255


class WebsiteError(ValueError):
    """Why a web address was refused (a translated sentence)."""


def normalize_website(value: str) -> str:
    """``value`` as an http(s) address, or ``""`` for an empty value.

    "acme.com" → "https://acme.com"; "HTTP://WWW.Acme.com/Partners" →
    "http://www.acme.com/Partners"; "xn--bcher-kva.de" → "https://bücher.de". Raises
    :class:`WebsiteError` for other schemes, user names in the address, hosts that are not
    domain names, spaces and control characters, and addresses over 255 characters.
    """
    text = (value or "").strip()
    if not text:
        return ""
    example = gettext("Enter a web address such as https://example.com.")
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf") for c in text):
        raise WebsiteError(example)
    scheme = _SCHEME.match(text)
    if "://" in text or (scheme and not _HOST_AND_PORT.match(text)):
        name = (scheme.group(1) if scheme else "").lower()
        if name not in ("http", "https") or "://" not in text:
            raise WebsiteError(gettext("Only web addresses (http or https) are accepted."))
    else:
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise WebsiteError(example) from exc
    if "@" in parts.netloc:
        raise WebsiteError(gettext("Leave the user name and password out of the address."))
    host = (parts.hostname or "").rstrip(".")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise WebsiteError(example) from exc
    labels = ascii_host.split(".")
    if (
        len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or not (labels[-1].isalpha() or labels[-1].startswith("xn--"))
    ):
        raise WebsiteError(example)
    try:  # readable: bücher.de rather than xn--bcher-kva.de
        readable = ascii_host.encode("ascii").decode("idna")
    except UnicodeError:
        readable = ascii_host
    netloc = readable if port is None else f"{readable}:{port}"
    result = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))
    if len(result) > MAX_WEBSITE:
        raise WebsiteError(gettext("That address is too long."))
    return result


class WebsiteField(StringField):
    """A web address, stored normalised by :func:`normalize_website` ("acme.com" is saved as
    "https://acme.com"). Rendered as a left-to-right text box with the URL keyboard; the
    normalised value is what the form's ``data`` holds after ``validate()``."""

    data: Any  # WTForms' stubs leave the field's value untyped

    def __init__(self, label: Any = None, validators: Any = None, **kw: Any) -> None:
        render_kw = {
            "inputmode": "url",
            "dir": "ltr",
            "autocomplete": "url",
            "autocapitalize": "off",
            "spellcheck": "false",
            **(kw.pop("render_kw", None) or {}),
        }
        super().__init__(label, validators, render_kw=render_kw, **kw)

    def pre_validate(self, form: Any) -> None:
        if not isinstance(self.data, str):
            return
        try:
            self.data = normalize_website(self.data)
        except WebsiteError as exc:
            raise StopValidation(str(exc)) from exc


__all__ = [
    "COUNTRY_CODES",
    "CURRENCY_CODES",
    "CountryField",
    "CurrencyField",
    "TimeZoneField",
    "WebsiteError",
    "WebsiteField",
    "babel_locale",
    "collation_key",
    "country_name",
    "currency_label",
    "normalize_website",
    "select_choices",
    "time_zone_label",
    "time_zone_names",
]
