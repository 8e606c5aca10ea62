"""Text a person typed keeps its own direction on a right-to-left page (#11, finding 12).

On an Arabic page "+1 555 0150" rendered as "0150 555 1+", "Litware, Inc." as
".Litware, Inc", a URL placeholder reversed. Every place that shows a name, company,
e-mail address, phone number, web address, title or description now isolates it
(``|bdi``, ``|ltr``, ``|isolate``, ``dir="auto"``); inputs for e-mail, URL and phone read
left to right. Checked on every page of every role, and measured in Chromium.
"""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from portalis.db import db
from portalis.models import Partner, Tenant, User
from portalis.tenancy import tenant_scope, unscoped
from portalis.testing.kit import route_url, rules_of, seed_plugin_data, victim_values
from portalis.web.templating import bdi, isolate, ltr, web_link

FSI, LRI, PDI = "\u2068", "\u2066", "\u2069"
COMPANY = "Litware, Inc."
PERSON = "Jo Ann Lee Jr."


# --- the filters -------------------------------------------------------------------------------


def test_the_filters_isolate_and_escape():
    assert bdi("Litware, Inc.") == Markup("<bdi>Litware, Inc.</bdi>")
    assert ltr("+1 555 0150") == Markup('<bdi dir="ltr">+1 555 0150</bdi>')
    assert bdi("<b>x</b>") == Markup("<bdi>&lt;b&gt;x&lt;/b&gt;</bdi>")
    assert ltr('"><script>') == Markup('<bdi dir="ltr">&#34;&gt;&lt;script&gt;</bdi>')
    assert bdi(None) == "" and ltr("") == "" and isolate(None) == ""
    assert isolate("Litware, Inc.") == f"{FSI}Litware, Inc.{PDI}"


def test_web_links_are_only_made_of_web_addresses():
    link = web_link("https://www.litware.example/partners/")
    assert link == Markup(
        '<a href="https://www.litware.example/partners/" dir="ltr" '
        'rel="noopener noreferrer nofollow" target="_blank">litware.example/partners</a>'
    )
    # stored before addresses were checked: shown as text, never as a link
    assert web_link("javascript:alert(1)") == Markup('<bdi dir="ltr">javascript:alert(1)</bdi>')
    assert web_link("litware.example") == Markup('<bdi dir="ltr">litware.example</bdi>')
    hostile = web_link('https://x.example/"onmouseover="alert(1)')
    assert '"onmouseover' not in hostile and "&#34;onmouseover" in hostile
    assert web_link(None, "—") == "—"


# --- every page of every role ------------------------------------------------------------------

_OPENING_WITH_DIR = re.compile(r'<[a-z0-9]+\b[^<>]*\bdir="(?:auto|ltr)"[^<>]*>\s*$')
_IN_VALUE = re.compile(r'<(?:input|option)\b[^<>]*\bvalue="[^"]*$')
_IN_TEXTAREA = re.compile(r"<textarea\b[^<>]*>[^<]*$")


def _not_isolated(html: str, text: str) -> list[str]:
    """Occurrences of ``text`` that nothing isolates from the text around them."""
    bad = []
    for m in re.finditer(re.escape(text), html):
        before = html[: m.start()]
        if before.endswith(("<bdi>", '<bdi dir="ltr">', FSI, LRI)):
            continue
        if _OPENING_WITH_DIR.search(before[-400:]) or _IN_VALUE.search(before[-400:]):
            continue
        if _IN_TEXTAREA.search(before[-2000:]):
            continue
        bad.append(html[max(0, m.start() - 80) : m.end() + 20].replace("\n", " "))
    return bad


@pytest.fixture
def arabic_world(world):
    """The fixture world with a company name and a person's name that an RTL page used to
    scramble, every signed-in user reading Arabic."""
    seed_plugin_data(world)
    with unscoped("test renames records and switches languages"):
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.allowed_locales = sorted({*tenant.allowed_locales, "ar"})
        db.session.get(Partner, world.partners["gold"].id).name = COMPANY
        for key, user in world.users.items():
            row = db.session.get(User, user.id)
            row.locale = "ar"
            if key == "gold_user":
                row.name = PERSON
        db.session.commit()
    return world


def test_names_and_addresses_are_isolated_on_every_page(arabic_world, client_as):
    world = arabic_world
    with tenant_scope(world.tenant.id):
        email = db.session.get(User, world.users["gold_user"].id).email
    values = {**victim_values(world, "gold"), "any_id": 1}
    rules = [
        r
        for r in rules_of(world.app)
        if "GET" in (r.methods or ()) and not r.endpoint.startswith("platform.")
    ]
    problems: dict[str, list[str]] = {}
    seen = {COMPANY: 0, PERSON: 0, email: 0, "US$": 0}  # US$ would read "$US"
    pages = 0
    for role in ("vendor_admin", "channel_manager", "gold_admin", "gold_user"):
        client = client_as(world.users[role])
        for rule in rules:
            resp = client.get(route_url(rule, values))
            if resp.status_code != 200 or not resp.content_type.startswith("text/html"):
                continue
            pages += 1
            html = resp.get_data(as_text=True)
            assert 'dir="rtl"' in html[:300] or "<html" not in html[:300], rule.endpoint
            for text in seen:
                seen[text] += html.count(text)
                for snippet in _not_isolated(html, text):
                    problems.setdefault(f"{role} {rule.endpoint}", []).append(snippet)
    assert pages >= 20
    assert all(seen.values()), seen  # the values were on the pages, so the check checked
    assert not problems, "\n".join(f"{k}: {v}" for k, v in sorted(problems.items()))


def test_the_checker_catches_a_bare_name():
    assert _not_isolated(f"<td>{COMPANY}</td>", COMPANY)
    assert _not_isolated(f'<td title="{COMPANY}">x</td>', COMPANY)
    assert not _not_isolated(f"<td><bdi>{COMPANY}</bdi></td>", COMPANY)
    assert not _not_isolated(f'<p dir="auto">{COMPANY}</p>', COMPANY)


def test_inputs_for_addresses_and_phones_read_left_to_right(world, client_as):
    html = client_as(None).get("/apply", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    for name in ("email", "website"):
        box = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'dir="ltr"' in box, box
    for name in ("company", "name", "message"):  # a name takes the direction typed into it
        box = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'dir="auto"' in box, box
    css = world.app.test_client().get("/static/css/portalis.css").get_data(as_text=True)
    assert re.search(r'input:is\(\[type="email"\], \[type="url"\], \[type="tel"\]', css)
    assert "direction: ltr" in css


# --- in Chromium ----------------------------------------------------------------------------------

PASSWORD = "portalis-demo"  # noqa: S105 - the demo seed's password

#: The screen positions of the first and the last character of ``text`` inside ``el``
#: (null if the text isn't there): in logical order the first is left of the last.
_ENDS = """(el, text) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const at = node.data.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange();
    const left = (i) => { range.setStart(node, at + i); range.setEnd(node, at + i + 1);
                          return range.getBoundingClientRect().left; };
    return [left(0), left(text.length - 1)];
  }
  return null;
}"""


def _reads_left_to_right(page, locator, text: str) -> bool:
    ends = locator.evaluate(_ENDS, text)
    assert ends is not None, f"{text!r} is not in {locator}"
    return ends[0] < ends[1]


@pytest.mark.browser
def test_an_arabic_page_shows_phone_numbers_and_company_names_in_logical_order(
    live_portal, chromium
):
    live = live_portal
    context = chromium.new_context(locale="ar", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live.url("acme", "/login"))
    assert page.locator("html").get_attribute("dir") == "rtl"
    email_box = page.locator("input[name=email]")
    assert email_box.evaluate("e => getComputedStyle(e).direction") == "ltr"
    page.fill("input[name=email]", "manager@acme.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(live.url("acme", f"/deals/review?status=all&q={COMPANY.split(',')[0]}"))
    page.locator("a.cell-primary", has_text=COMPANY).first.click()
    page.wait_for_load_state("networkidle")
    heading = page.locator("h1")
    assert heading.inner_text().strip() == COMPANY
    assert _reads_left_to_right(page, heading, COMPANY)  # not ".Litware, Inc"
    phone = page.locator("dd bdi[dir=ltr]", has_text=re.compile(r"^\+1 555 01\d\d$")).first
    number = phone.inner_text()
    assert _reads_left_to_right(page, phone, number)  # not "0150 555 1+"
    assert phone.evaluate("e => getComputedStyle(e).unicodeBidi") == "isolate"

    # the control: the same text without isolation is scrambled on this page, so the
    # measurement above can tell the difference
    page.evaluate(
        """([a, b]) => { for (const t of [a, b]) { const p = document.createElement('p');
             p.className = 'bidi-control'; p.textContent = t; document.querySelector('main').prepend(p); } }""",
        [COMPANY, number],
    )
    controls = page.locator("p.bidi-control")
    assert not _reads_left_to_right(page, controls.nth(1), COMPANY)
    assert not _reads_left_to_right(page, controls.nth(0), number)
    context.close()


def test_names_in_html_mail_are_isolated(world, client_as, mailbox):
    user = world.users["silver_user"]
    with tenant_scope(world.tenant.id):
        row = db.session.get(User, user.id)
        row.locale, row.name = "ar", PERSON
        db.session.commit()
    client_as(None).post_form("/forgot", {"email": user.email})
    html = mailbox[-1].get_body(preferencelist=("html",)).get_content()
    assert f"{FSI}{PERSON}{PDI}" in html and not _not_isolated(html, PERSON)
