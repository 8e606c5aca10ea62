"""Navigation icons: every name a NavItem uses is a known icon drawn from the vendored
sprite, pages carry the icon markup for their nav items, and an unknown name shows the
link without an icon instead of breaking the page."""

import logging
import re
import secrets
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portalis import api
from portalis.demo import DEMO_PASSWORD
from portalis.icons import ICONS, MIRRORED_IN_RTL
from portalis.testing.fixtures import build_app
from portalis.testing.kit import enable_plugin

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "core" / "portalis"
SPRITE = CORE / "static" / "vendor" / "icons.svg"
SPRITE_URL = "/static/vendor/icons.svg"
SVG = "{http://www.w3.org/2000/svg}"


def sprite_symbols(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)  # noqa: S314 - files of this repository, not untrusted input
    return {s.get("id"): s for s in root.iter(f"{SVG}symbol")}


def icon_names_in_source() -> dict[str, set[str]]:
    """``icon="..."`` in the core, the bundled plugins and the scaffold's template."""
    files = [
        *CORE.rglob("*.py"),
        *CORE.rglob("*.py.tmpl"),
        *(p for p in ROOT.glob("plugins/*/portalis_*/**/*.py")),
    ]
    found: dict[str, set[str]] = {}
    for path in files:
        for name in re.findall(r"""\bicon=["']([^"']*)["']""", path.read_text()):
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def drawings(symbols: dict[str, ET.Element]) -> dict[str, bytes]:
    for symbol in symbols.values():
        symbol.tail = None  # the whitespace after it is layout, not drawing
    return {sid: ET.tostring(symbol) for sid, symbol in symbols.items()}


class NavLinks(HTMLParser):
    """Each ``a.nav-link`` of a page: its text and the icons (class, aria-hidden, use href)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "nav-link" in (a.get("class") or "").split():
            self._open = {"href": a["href"], "text": "", "svgs": []}
            self.links.append(self._open)
        elif self._open is not None and tag == "svg":
            self._open["svgs"].append(
                {"class": a.get("class"), "aria-hidden": a.get("aria-hidden")}
            )
        elif self._open is not None and tag == "use":
            self._open["svgs"][-1]["href"] = a.get("href")

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data.strip()


def nav_links(html: str) -> dict[str, dict]:
    parser = NavLinks()
    parser.feed(html)
    return {link["text"]: link for link in parser.links}


def drawn_icon(link: dict) -> str:
    """The one icon name a nav link draws, checked to be decoration from the sprite."""
    assert len(link["svgs"]) == 1, link
    svg = link["svgs"][0]
    assert svg["aria-hidden"] == "true", link
    classes = svg["class"].split()
    assert classes[0] == "icon", link
    href = svg["href"]
    assert href.startswith(SPRITE_URL + "#i-"), link  # same-origin file: fine under CSP 'self'
    name = href.split("#i-", 1)[1]
    assert f"icon-{name}" in classes, link
    return name


def test_every_icon_a_nav_item_names_is_known():
    used = icon_names_in_source()
    # the core's items, both bundled plugins' and the scaffold's are all found
    assert {"home", "users", "settings", "briefcase", "file", "list"} <= set(used)
    unknown = {name: sorted(where) for name, where in used.items() if name not in ICONS}
    assert not unknown, f"icon names that are not in portalis.icons.ICONS: {unknown}"


def test_the_sprite_draws_exactly_the_known_icons():
    symbols = sprite_symbols(SPRITE.read_text())
    assert set(symbols) == {f"i-{name}" for name in ICONS}
    assert len(ICONS) >= 30
    for sid, symbol in symbols.items():
        assert symbol.get("viewBox") == "0 0 24 24", sid
        assert symbol.get("stroke") == "currentColor", sid  # takes the text's colour
        assert symbol.get("fill") == "none", sid
        assert len(symbol) >= 1, f"{sid} draws nothing"


def test_direction_sensitive_icons_are_mirrored_in_rtl():
    css = (CORE / "static" / "css" / "portalis.css").read_text()
    assert MIRRORED_IN_RTL <= ICONS
    rule = re.search(r"((?:svg\.icon-[\w-]+:dir\(rtl\),?\s*)+)\{\s*transform:\s*scaleX\(-1\)", css)
    assert rule, "no :dir(rtl) mirroring rule for icons in portalis.css"
    assert set(re.findall(r"svg\.icon-([\w-]+):dir\(rtl\)", rule.group(1))) == MIRRORED_IN_RTL
    # no navigation item uses an arrow, which would need its own RTL decision
    assert not {name for name in icon_names_in_source() if "arrow" in name or "chevron" in name}


def test_the_style_guide_lists_every_icon_with_the_same_drawing():
    html = (ROOT / "docs" / "design" / "styleguide.html").read_text()
    section = html[html.index('id="icons"') : html.index("</section>", html.index('id="icons"'))]
    listed = set(re.findall(r'<li><svg class="icon icon-([\w-]+)"', section))
    assert listed == ICONS
    embedded = section[section.index('<svg class="sg-sprite"') :]
    copy = sprite_symbols(embedded[: embedded.index("</svg>\n    ") + 6])
    vendored = sprite_symbols(SPRITE.read_text())
    assert drawings(copy) == drawings(vendored)


def test_the_sprite_is_served_as_a_same_origin_svg(world, client_as):
    client = client_as(world.users["gold_user"])
    resp = client.get(SPRITE_URL)
    assert resp.status_code == 200
    assert resp.mimetype == "image/svg+xml"
    assert "i-home" in resp.get_data(as_text=True)
    page = client.get("/dashboard")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_a_partner_sees_an_icon_before_each_nav_label(world, client_as):
    html = client_as(world.users["gold_admin"]).get("/dashboard").get_data(as_text=True)
    links = nav_links(html)
    icons = {text: drawn_icon(link) for text, link in links.items()}
    assert icons["Dashboard"] == "home"
    assert icons["My tier"] == "award"
    assert icons["Team"] == "users"
    assert icons["Profile"] == "user"
    assert icons["Content library"] == "file"
    assert any(text.startswith("Deals") and name == "briefcase" for text, name in icons.items())
    assert set(icons.values()) <= ICONS
    # the icon comes first (inline-start, mirrored by the layout), then the label
    dashboard = html[html.index('href="/dashboard"') :]
    assert dashboard.index("<svg") < dashboard.index("<span>Dashboard</span>")


def test_a_vendor_admin_sees_an_icon_before_each_nav_label(world, client_as):
    html = client_as(world.users["vendor_admin"]).get("/admin/partners").get_data(as_text=True)
    icons = {text: drawn_icon(link) for text, link in nav_links(html).items()}
    expected = {
        "Overview": "home",
        "Partners": "building",
        "Content": "file",
        "Programs & tiers": "layers",
        "Users": "users",
        "Roles & permissions": "key",
        "Settings": "settings",
        "Audit log": "list",
        "Profile": "user",
    }
    assert {k: icons.get(k) for k in expected} == expected
    assert any(
        text.startswith("Deal review") and name == "briefcase" for text, name in icons.items()
    )


def test_an_unknown_name_is_a_navitem_without_an_icon():
    item = api.NavItem("Odd", "portal.profile", icon="no-such-icon-" + secrets.token_hex(3))
    assert item.icon == ""
    assert api.NavItem("Home", "portal.dashboard", icon="home").icon == "home"
    assert api.NavItem("Plain", "portal.dashboard").icon == ""


@pytest.fixture
def typo_icon():
    return "hoem-" + secrets.token_hex(3)  # a name never warned about before in this run


def test_an_unknown_icon_shows_the_link_without_an_icon_and_warns_once(
    world, client_as, portalis_database_url, tmp_path, caplog, typo_icon
):
    class TypoPlugin:
        PLUGIN = api.PluginInfo(name="typoicon", title="Typo icon", version="1.0")

        @api.hookimpl
        def portalis_nav_items(self, viewer):
            return [api.NavItem("Odd link", "portal.profile", icon=typo_icon, order=70)]

    app = build_app(portalis_database_url, tmp_path, extra_plugins=[TypoPlugin()])
    enable_plugin(world.program, "typoicon")
    client = client_as(world.users["gold_user"], app=app)
    with caplog.at_level(logging.WARNING, logger="portalis.icons"):
        pages = [client.get("/dashboard"), client.get("/tier")]
    for resp in pages:
        assert resp.status_code == 200
        links = nav_links(resp.get_data(as_text=True))
        assert links["Odd link"]["svgs"] == []  # shown, without an icon
        assert links["Odd link"]["href"] == "/profile"
        assert drawn_icon(links["Dashboard"]) == "home"  # the others keep theirs
    warnings = [r for r in caplog.records if typo_icon in r.getMessage()]
    assert len(warnings) == 1
    assert "without an icon" in warnings[0].getMessage()


@pytest.mark.browser
def test_icons_draw_in_chromium_under_the_csp(live_portal, chromium):
    """The sprite reference resolves in a real browser with the app's CSP, in colour."""
    page = chromium.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security" in m.text else None)
    page.on("requestfailed", lambda r: problems.append(r.url))
    page.goto(live_portal.url("acme", "/login"))
    page.fill("input[name=email]", "anna@northwind.example")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url("**/dashboard")
    page.wait_for_load_state("networkidle")
    drawn = page.evaluate(
        """() => [...document.querySelectorAll('.nav-link')].map(a => {
            const svg = a.querySelector('svg.icon');
            const box = svg.querySelector('use').getBBox();
            return {label: a.textContent.trim(), width: box.width,
                    size: svg.getBoundingClientRect().width,
                    same: getComputedStyle(svg).color === getComputedStyle(a).color};
        })"""
    )
    assert len(drawn) >= 5
    for icon in drawn:
        assert icon["width"] > 0, f"{icon['label']}: the icon did not draw"
        assert 14 <= icon["size"] <= 24, icon
        assert icon["same"], f"{icon['label']}: the icon is not in the text's colour"
    assert not problems
