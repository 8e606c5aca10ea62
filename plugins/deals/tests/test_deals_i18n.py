"""Every word on the deals pages goes through gettext, and errors speak the user's language."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from deals_helpers import form_data

from portalis import api


def _set_locale(world, key, locale):
    user = world.users[key]
    with api.tenant_scope(world.tenant.id):
        u = api.session.get(api.User, user.id)
        u.locale = locale
        api.session.commit()
    return user


def test_field_errors_in_the_users_language(world, client_as):
    user = _set_locale(world, "silver_user", "de")
    resp = client_as(user).post_form(
        "/deals/new", form_data(country="", contact_email="kein-email", amount="abc")
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Zum Einreichen erforderlich." in html  # our message
    assert "Ungültige E-Mail-Adresse." in html  # WTForms' own catalog
    assert "Geben Sie einen Betrag wie 12.500,00 ein." in html  # German number format
    assert (
        "Firmenname des Kunden" in html and "Bitte korrigieren Sie die markierten Felder." in html
    )
    assert "Required before you can submit." not in html


def test_mail_in_the_recipients_language(world, client_as, register, mailbox):
    _set_locale(world, "channel_manager", "de")
    register(world.users["gold_user"])
    to_manager = [m for m in mailbox if m["To"] == world.users["channel_manager"].email]
    assert to_manager[-1]["Subject"].startswith("Neue Deal-Registrierung: Woodgrove Bank")
    assert "125.000,00" in to_manager[-1].get_body(("plain",)).get_content()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.texts: list[str] = []
        self.attrs_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):
            self.skip += 1
        for name, value in attrs:
            if name in ("placeholder", "aria-label", "title", "data-confirm") and value:
                self.attrs_text.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.texts.append(data.strip())


def _untranslated(html: str, allowed: set[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    out = []
    for text in parser.texts + parser.attrs_text:
        stripped = re.sub(r"⟦[^⟧]*⟧", "", text)
        stripped = re.sub(r"\b[A-Z][a-z]{2} \d{1,2}, \d{4}\b", "", stripped)  # Babel dates
        stripped = re.sub(r"\b(AM|PM)\b", "", stripped)
        stripped = re.sub(r"\S+@\S+", "", stripped)  # e-mail addresses (audit log entries)
        for token in sorted(allowed, key=len, reverse=True):
            stripped = stripped.replace(token, "")
        if re.search(r"[A-Za-z]{2,}", stripped):
            out.append(text)
    return out


@pytest.fixture
def pseudo(world, portalis_app):
    portalis_app.config["PSEUDO_LOCALE_ENABLED"] = True
    yield lambda key: _set_locale(world, key, "en_XA")
    portalis_app.config["PSEUDO_LOCALE_ENABLED"] = False


def test_every_string_on_deal_pages_is_translatable(world, client_as, register, pseudo):
    deal_id = register(world.users["gold_user"])
    other = register(world.users["silver_user"], customer_website="woodgrovebank.com")
    client_as(world.users["channel_manager"]).post_form(
        f"/deals/review/{deal_id}/approve", {}, form_page=f"/deals/review/{deal_id}"
    )
    partner = client_as(pseudo("gold_user"))
    manager = client_as(pseudo("channel_manager"))
    data = {
        "Woodgrove Bank", "woodgrovebank.com", "https://www.woodgrovebank.com", "Jordan Lee",
        "jordan@woodgrovebank.com", "Cloud Platform Enterprise, 250 seats", "Gus Gold", "Sam Silver",
        "Max Manager", world.partners["gold"].name, world.partners["silver"].name, world.tenant.name, world.program.name,
        "Partners", "Portalis", "GOLD", "Gold", "Silver", "USD", "acme.com", "US", "Pseudo", "English",
        "Deutsch", "Français", "Español", "日本語", "العربية", "United States", "Registered", "Platinum",
    }  # fmt: skip
    pages = [
        (partner, "/deals/"),
        (partner, "/deals/new"),
        (partner, f"/deals/{deal_id}"),
        (partner, "/dashboard"),
        (manager, "/deals/review"),
        (manager, "/deals/review?status=all"),
        (manager, f"/deals/review/{other}"),
        (manager, "/deals/review/pipeline"),
        (manager, "/deals/review/new"),
        (manager, "/admin/"),
    ]
    problems = {}
    for client, path in pages:
        resp = client.get(path)
        assert resp.status_code == 200, path
        body = resp.get_data(as_text=True)
        body = body[body.index("<main") : body.index("</main>")] if "<main" in body else body
        # option lists of countries and currencies are Babel's names, not ours
        body = re.sub(r"<select[^>]*name=\"(country|currency)\".*?</select>", "", body, flags=re.S)
        found = _untranslated(body, data)
        if found:
            problems[path] = found
    assert not problems, problems
