"""Pseudo-locale checks: every visible string of a page went through gettext.

In the pseudo-locale (``portalis.i18n.PSEUDO_LOCALE``, enabled by the app setting
``PSEUDO_LOCALE_ENABLED``) every translated text comes back accented and bracketed
``⟦…⟧``. Any visible text left outside brackets that isn't data (stored names, e-mails,
numbers, dates, codes) was not marked for translation.

* :func:`pseudo_locale` ``(world)`` — a context manager: pseudo-locale on for the app,
  every user of the main tenant set to it; undone on exit.
* :func:`data_strings` — every string stored in the database (data, not UI text).
* :func:`visible_texts` ``(html)`` — the texts a user sees: text nodes and the
  ``placeholder``/``title``/``aria-label``/``alt``/``data-confirm`` attributes, without
  scripts, styles, code samples, ``<option>`` values and text in another ``lang``.
* :func:`untranslated` ``(text, data)`` — what is left of ``text`` once translated
  parts, data and noise are removed (empty = fine).
* :func:`untranslated_on_pages` ``(world, client_as, rules, roles, values)`` — request
  every GET rule as each role (``None`` = anonymous, switched to the pseudo-locale) and
  return ``(pages_checked, {"role endpoint": {texts}})``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import JSON, String, Text, select

from ..db import Base, db
from ..i18n import PSEUDO_LOCALE
from ..models import Tenant, User
from ..tenancy import tenant_scope, unscoped
from .kit import route_url

__all__ = [
    "PSEUDO_LOCALE",
    "TextCollector",
    "data_strings",
    "pseudo_locale",
    "untranslated",
    "untranslated_on_pages",
    "visible_texts",
]

VISIBLE_ATTRS = ("placeholder", "title", "aria-label", "alt", "data-confirm")
SKIP_TAGS = {"script", "style", "code", "option", "noscript"}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class TextCollector(HTMLParser):
    """Collects the visible texts of an HTML page into ``.texts``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.stack: list[bool] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in VISIBLE_ATTRS and value and not self.skip:
                self.texts.append(value)
        if tag in VOID:
            return

        # code samples and text explicitly in another language (autonyms) are not UI text
        skipped = tag in SKIP_TAGS or (tag != "html" and any(n == "lang" for n, _v in attrs))
        if skipped:
            self.skip += 1
        self.stack.append(skipped)

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack.pop() and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.texts.append(data)


def visible_texts(page: str) -> list[str]:
    parser = TextCollector()
    parser.feed(page)
    return parser.texts


def _strings_in(value: Any) -> Iterator[str]:
    """The texts in a stored value, also inside JSON (answers, labels per language …)."""
    if isinstance(value, str):
        if value.strip():
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings_in(item)


def data_strings() -> list[str]:
    """Everything stored in the database is data, not UI text (longest first), JSON included."""
    out: set[str] = set()
    with unscoped("pseudo-locale check collects stored texts"):
        for mapper in Base.registry.mappers:
            t = mapper.local_table
            cols = [c for c in t.columns if isinstance(c.type, String | Text | JSON)]
            if not cols:
                continue
            for row in db.session.execute(select(*cols)):
                for value in row:
                    out.update(_strings_in(value))
        for tenant in db.session.scalars(select(Tenant)):
            out.update(str(v) for v in (tenant.branding or {}).values() if isinstance(v, str))
    return sorted(out, key=len, reverse=True)


NOISE = re.compile(
    r"#[0-9a-fA-F]{3,6}\b|[\w.+-]+@[\w.-]+|https?://\S*|\b\d[\d,.:/%\- ]*\b|[$€£¥]|\b(AM|PM|UTC|N/A)\b|[^\w]+",
)
ADDRESSES = re.compile(r"[\w.+-]+@[\w.-]+|https?://\S*")
MONTHS = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b")


def untranslated(text: str, data: Iterable[str]) -> str:
    """``text`` without its translated parts, data and noise: what's left wasn't translated."""
    while "⟦" in text and "⟧" in text:  # innermost first: translations nest via placeholders
        new = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
        if new == text:
            break
        text = new
    # addresses first: a stored word inside one (a tenant's slug in its URL) must not split it
    text = ADDRESSES.sub(" ", text)
    for d in data:
        if len(d) >= 2 and d in text:
            text = text.replace(d, " ")
    text = MONTHS.sub(" ", text)
    text = NOISE.sub(" ", text)
    return text.strip()


@contextmanager
def pseudo_locale(world: Any) -> Iterator[Any]:
    """The pseudo-locale enabled for ``world.app`` and chosen by every user of the main
    tenant, for the duration of the block."""
    app = world.app
    before = app.config.get("PSEUDO_LOCALE_ENABLED", False)
    app.config["PSEUDO_LOCALE_ENABLED"] = True
    try:
        with tenant_scope(world.tenant.id):
            for u in db.session.scalars(select(User)):
                u.locale = PSEUDO_LOCALE
            db.session.commit()
        yield world
    finally:
        app.config["PSEUDO_LOCALE_ENABLED"] = before


def untranslated_on_pages(
    world: Any,
    client_as: Callable[..., Any],
    rules: Iterable[Any],
    roles: Iterable[str | None],
    values: dict[str, Any],
) -> tuple[int, dict[str, set[str]]]:
    """GET every rule as each role of ``world.users`` (None = anonymous, who picks the
    pseudo-locale first); call inside :func:`pseudo_locale`. Returns the number of HTML
    pages checked and the untranslated texts found, by ``"role endpoint"``."""
    data = data_strings()
    rules = [r for r in rules if "GET" in (r.methods or ())]
    problems: dict[str, set[str]] = {}
    pages = 0
    for role in roles:
        client = client_as(world.users[role] if role else None, tenant=world.tenant)
        if role is None:
            client.post_form("/locale", {"locale": PSEUDO_LOCALE}, form_page="/login")
        for rule in rules:
            resp = client.get(route_url(rule, values))
            if resp.status_code != 200 or not resp.content_type.startswith("text/html"):
                continue
            pages += 1
            for text in visible_texts(resp.get_data(as_text=True)):
                left = untranslated(text, data)
                if re.search(r"[A-Za-z]{2,}", left):
                    problems.setdefault(f"{role or 'anonymous'} {rule.endpoint}", set()).add(
                        text.strip()[:80]
                    )
    return pages, problems
