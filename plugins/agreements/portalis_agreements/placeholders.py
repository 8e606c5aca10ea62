"""Placeholders in agreement texts: a fixed, documented list, filled from the partner, the
program and the signer, never half-filled.

A text names them as ``{{partner.name}}``. Unknown names are refused when the vendor saves
the text (a typo would otherwise print literally into a contract). When a partner lacks a
value a text needs (no country, no website …) the document is not made at all: the vendor
is told which partner lacks what when publishing, and the partner sees "being prepared".

Values are escaped for Markdown before they are put into the text, so a partner named
``*ACME*`` or ``<b>Acme</b>`` is printed as typed, never as formatting or markup.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date

from .i18n import _l

PATTERN = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")


@dataclass(frozen=True)
class Filling:
    """Everything a document's placeholders are filled from."""

    language: str
    partner_name: str
    partner_country: str | None
    partner_website: str | None
    partner_email: str | None
    partner_phone: str | None
    program_name: str
    vendor_name: str
    signer_name: str | None
    signer_email: str | None
    date: dt.date


def _country(f: Filling) -> str | None:
    if not f.partner_country:
        return None
    try:
        return Locale.parse(f.language).territories.get(f.partner_country) or f.partner_country
    except (UnknownLocaleError, ValueError):
        return f.partner_country


def _date(f: Filling) -> str:
    try:
        return format_date(f.date, format="long", locale=f.language)
    except (UnknownLocaleError, ValueError):
        return f.date.isoformat()


def _website(f: Filling) -> str | None:
    site = (f.partner_website or "").strip()
    return site.removeprefix("https://").removeprefix("http://").rstrip("/") or None


#: name -> (what it is, for the vendor; how to get the value). The README lists the same.
PLACEHOLDERS: dict[str, tuple[Any, Callable[[Filling], str | None]]] = {
    "partner.name": (_l("The partner company's name"), lambda f: f.partner_name),
    "partner.country": (_l("The partner's country, in the document's language"), _country),
    "partner.website": (_l("The partner's website"), _website),
    "partner.email": (_l("The partner's contact e-mail address"), lambda f: f.partner_email),
    "partner.phone": (_l("The partner's phone number"), lambda f: f.partner_phone),
    "program.name": (_l("The partner program's name"), lambda f: f.program_name),
    "vendor.name": (_l("Your company's name"), lambda f: f.vendor_name),
    "signer.name": (_l("The name of the person who signs"), lambda f: f.signer_name),
    "signer.email": (_l("The e-mail address of the person who signs"), lambda f: f.signer_email),
    "date": (_l("Today's date, in the document's language"), _date),
}

#: Placeholders whose value comes from the partner's record (the ones a partner can lack).
PARTNER_FIELDS = {
    "partner.country": "country",
    "partner.website": "website",
    "partner.email": "contact_email",
    "partner.phone": "phone",
}
#: The partner placeholders whose values the partner's admins edit themselves on the core's
#: company profile (``website``, ``phone``); the others (name, country, contact e-mail) only
#: the vendor sets.
PROFILE_FIELDS = frozenset({"partner.website", "partner.phone"})


def used(texts: Iterable[str]) -> list[str]:
    """The placeholder names the texts use, sorted, each once."""
    found: set[str] = set()
    for text in texts:
        found.update(m.group(1) for m in PATTERN.finditer(text or ""))
    return sorted(found)


def unknown(texts: Iterable[str]) -> list[str]:
    """Names in ``{{…}}`` that are not placeholders (typos)."""
    return [name for name in used(texts) if name not in PLACEHOLDERS]


def missing_partner_fields(placeholders: Iterable[str], partner: Any) -> list[str]:
    """The placeholders (of ``placeholders``) this partner has no value for."""
    out = []
    for name in placeholders:
        attr = PARTNER_FIELDS.get(name)
        if attr is not None and not (getattr(partner, attr, None) or "").strip():
            out.append(name)
    return out


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")


def escape_markdown(value: str) -> str:
    """A value as literal text in Markdown (no emphasis, links, HTML or line breaks)."""
    flat = " ".join(value.split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


class MissingValues(ValueError):
    """A placeholder has no value for this partner; ``names`` says which."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


def fill(text: str, filling: Filling, *, markdown: bool = True) -> str:
    """``text`` with every placeholder replaced; raises :class:`MissingValues` rather than
    leave one empty."""
    missing: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        spec = PLACEHOLDERS.get(name)
        got = spec[1](filling) if spec else None
        if not got:
            missing.append(name)
            return ""
        return escape_markdown(got) if markdown else " ".join(got.split())

    out = PATTERN.sub(value, text or "")
    if missing:
        raise MissingValues(sorted(set(missing)))
    return out


def token(name: str) -> str:
    """How a placeholder is written in a text."""
    return "{{" + name + "}}"
