"""Every visible string passed through gettext.

Every GET page of the app — core and every installed plugin — is rendered for each role
in a pseudo-locale where translated text comes back accented and bracketed ⟦…⟧. Any
visible text left outside brackets that isn't data (names, e-mails, numbers, dates,
codes) was not marked for translation.
"""

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import String, Text, select

from portalis.db import Base, db
from portalis.i18n import PSEUDO_LOCALE
from portalis.models import Tenant, User
from portalis.tenancy import tenant_scope, unscoped

from .test_isolation import SKIP_ENDPOINTS, _seed_plugin_data, _values

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
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.stack: list[bool] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
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

    def handle_endtag(self, tag):
        if self.stack and self.stack.pop() and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.texts.append(data)


def _data_strings():
    """Everything stored in the database is data, not UI text."""
    out = set()
    with unscoped("pseudo-locale test collects stored texts"):
        for mapper in Base.registry.mappers:
            t = mapper.local_table
            cols = [c for c in t.columns if isinstance(c.type, String | Text)]
            if not cols:
                continue
            for row in db.session.execute(select(*cols)):
                out.update(v for v in row if isinstance(v, str) and v.strip())
        for t in db.session.scalars(select(Tenant)):
            out.update(str(v) for v in (t.branding or {}).values() if isinstance(v, str))
    return sorted(out, key=len, reverse=True)


NOISE = re.compile(
    r"#[0-9a-fA-F]{3,6}\b|[\w.+-]+@[\w.-]+|https?://\S*|\b\d[\d,.:/%\- ]*\b|[$€£¥]|\b(AM|PM|UTC|N/A)\b|[^\w]+",
)
MONTHS = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b")


def _untranslated(text, data):
    while "⟦" in text and "⟧" in text:  # innermost first: translations nest via placeholders
        new = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
        if new == text:
            break
        text = new
    for d in data:
        if len(d) >= 2 and d in text:
            text = text.replace(d, " ")
    text = MONTHS.sub(" ", text)
    text = NOISE.sub(" ", text)
    return text.strip()


@pytest.fixture
def pseudo(world, portalis_app):
    _seed_plugin_data(world)
    portalis_app.config["PSEUDO_LOCALE_ENABLED"] = True
    with tenant_scope(world.tenant.id):
        for u in db.session.scalars(select(User)):
            u.locale = PSEUDO_LOCALE
        db.session.commit()
    yield world
    portalis_app.config["PSEUDO_LOCALE_ENABLED"] = False


def test_every_page_is_fully_translatable(pseudo, client_as):
    world = pseudo
    app = world.app
    data = _data_strings()
    own = {
        "partner_id": world.partners["gold"].id,
        "user_id": world.users["gold_user"].id,
        "program_id": world.program.id,
        "tier_id": world.tiers["gold"].id,
        "plugin": next(iter(app.extensions["portalis"].installed_names()), "none"),
        "any_id": 1,
    }
    problems: dict[str, set[str]] = {}
    pages = 0
    for role in ("vendor_admin", "channel_manager", "gold_admin", "gold_user", None):
        client = client_as(world.users[role] if role else None, tenant=world.tenant)
        if role is None:
            client.post_form("/locale", {"locale": PSEUDO_LOCALE}, form_page="/login")
        for rule in app.url_map.iter_rules():
            if (
                rule.endpoint in SKIP_ENDPOINTS
                or "GET" not in (rule.methods or ())
                or rule.endpoint.startswith("platform.")
            ):
                continue
            url = rule.build(_values(rule, own))[1]
            resp = client.get(url)
            if resp.status_code != 200 or not resp.content_type.startswith("text/html"):
                continue
            pages += 1
            parser = TextCollector()
            parser.feed(resp.get_data(as_text=True))
            for text in parser.texts:
                left = _untranslated(text, data)
                if re.search(r"[A-Za-z]{2,}", left):
                    problems.setdefault(f"{role or 'anonymous'} {rule.endpoint}", set()).add(
                        text.strip()[:80]
                    )
    assert pages >= 20
    assert not problems, "\n".join(f"{k}: {sorted(v)}" for k, v in sorted(problems.items()))
