"""The plugin contract: the checks every Portalis plugin must pass, in one base class.

Summary
-------
Put this in your plugin's ``tests/test_contract.py`` — it is the whole file::

    from portalis.testing.contract import PluginContract

    class TestContract(PluginContract):
        plugin = "hello"          # your PluginInfo.name

and run ``pytest``. The fixtures come from the ``portalis`` pytest plugin (installed with
Portalis); no conftest is needed. ``PluginContract`` itself is not collected (its name
doesn't start with ``Test``); your subclass runs four tests, each on the URL rules of
YOUR plugin only (the rules of the blueprints your ``portalis_blueprints`` returned):

``test_isolation`` → :func:`check_isolation`
    Your demo data (your ``portalis_demo_data`` hook) is seeded into two tenants. Your
    plugin is allowed for the Silver, Gold and Platinum tiers only. Then every GET and
    POST of every rule, with URL values pointing at the Gold partner's records, is sent as

    * the other tenant's partner admin and vendor admin — must see none of this tenant's
      distinctive texts (names, titles, e-mails stored in its rows);
    * the Silver partner's admin (another partner, entitled) — must see none of the Gold
      partner's texts (rows of tables with a ``partner_id``): records of another partner
      answer 404;
    * an admin of a Registered-tier partner (a lower tier, not entitled) — every route
      must answer exactly the 404 page of an unknown URL (same status, same page), except
      your public pages (``@api.public_page``), which every tier may open;
    * anonymous — none of either; on a public page (which is there to show strangers some
      of the tenant's texts) still none of the Gold partner's texts and no e-mail
      address; and a public page must not send them to sign in.

    No request may answer 5xx, and afterwards the main tenant's rows (except those of
    the attacking partners themselves) must be unchanged.

``test_disabled_plugin_disappears`` → :func:`check_disabled`
    With your plugin on for every tier, your nav items and dashboard widgets (what your
    hooks return for the Gold partner admin and the vendor admin) are on their pages, and
    — if your plugin feeds the portal search (``portalis_search_documents``) — searching
    for a word of one of your documents finds it. Then your plugin is switched off for the
    program: every route — public pages included — must answer the unknown page's 404 to
    partners, vendor staff and anonymous visitors, no link on their dashboards may lead to your routes, your widget titles are gone, and
    the search finds none of your documents.

``test_pages_fully_translatable`` → :func:`check_pseudo_locale`
    Every GET page of your plugin, as vendor admin, channel manager, partner admin,
    partner user and anonymous, in the pseudo-locale: every visible text must have gone
    through gettext (see :mod:`portalis.testing.pseudo`).

``test_bad_input`` → :func:`check_bad_input`
    The bad-input sweep (:func:`portalis.testing.kit.sweep`) on your routes, as your
    Gold partner's admin, a channel manager and a vendor admin (your plugin on for every
    tier): every URL argument, query parameter (of your GET forms and links, and common
    names like ``page``, ``sort``, ``q``) and field of every form on your pages gets
    numbers beyond BIGINT (2**63, 10**400), -1, impossible dates (9999-12-31, 0000-00-00,
    2024-02-30), 100 000 characters, NUL, invalid UTF-8, an unknown choice, a repeated
    field; uploads get a name full of control and bidi characters. No answer may be a
    5xx, and a refusal must be the portal's page, not a bare one. Use ``int_arg``,
    ``id_arg``, ``date_arg``, ``choice_arg``, ``text_arg``, ``coerce_id``,
    ``BoundedIntegerField`` and ``BoundedDateField`` from ``portalis.api`` and it passes.

Each check raises :class:`ContractViolation` (an ``AssertionError``) listing every
problem found, so one run shows them all. The world is built and seeded once per class
(inside one transaction rolled back at the end) and each test runs in a savepoint, so
the four tests cost about one seeding. Mark the class ``@pytest.mark.plugins("hello",
...)`` to load only some plugins.

What your plugin needs for the checks to be meaningful: a ``portalis_demo_data`` hook
that creates realistic records for the partners it is given (texts of at least 8
characters with a space — names, titles — in tables with a ``partner_id`` column where a
record belongs to a partner), and routes with ``<id:…_id>`` arguments named after their
table (``hello_surveys`` → ``survey_id``) so the kit points them at the victim's rows.

The checks as functions
-----------------------
``prepare_scene(world, plugin)`` seeds and returns a :class:`ContractScene`; pass it to
``check_isolation``, ``check_disabled``, ``check_pseudo_locale`` and ``check_bad_input`` — e.g. from your own
test with the ``world`` fixture, or against an app built with
``build_app(..., extra_plugins=[...])`` (see ``tests/test_contract_kit.py`` in Portalis).
The building blocks are in :mod:`portalis.testing.kit` and :mod:`portalis.testing.pseudo`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import g, url_for
from sqlalchemy import Connection
from werkzeug.exceptions import HTTPException

from ..db import db
from ..models import Partner, User
from ..tenancy import tenant_scope
from .fixtures import World, app_for, client_maker, make_world, rolled_back
from .kit import (
    Actor,
    differs_from_unknown,
    enable_plugin,
    fingerprint,
    foreign_partner_strings,
    foreign_tenant_strings,
    hrefs,
    public_page_strings,
    route_url,
    rules_of,
    seed_plugin_data,
    send,
    sweep,
    unknown_page,
    victim_values,
    walk,
)
from .pseudo import pseudo_locale, untranslated_on_pages

__all__ = [
    "ContractScene",
    "ContractViolation",
    "PluginContract",
    "check_bad_input",
    "check_disabled",
    "check_isolation",
    "check_pseudo_locale",
    "prepare_scene",
]


class ContractViolation(AssertionError):
    """A plugin broke the contract; ``.problems`` lists every finding."""

    def __init__(self, check: str, plugin: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            f"plugin {plugin!r} fails {check}:\n" + "\n".join(f"- {p}" for p in problems)
        )


@dataclass
class ContractScene:
    """What the checks run on: the two-tenant ``world`` with the plugin's demo data, a
    partner in the lowest tier with its admin (``lower_user``), and ``client_as``."""

    world: World
    plugin: str
    client_as: Callable[..., Any]
    lower_user: Any

    @property
    def app(self) -> Any:
        return self.world.app


def prepare_scene(
    world: World, plugin: str, client_as: Callable[..., Any] | None = None
) -> ContractScene:
    """Seed ``plugin``'s demo data in both tenants of ``world`` and add a partner in the
    program's lowest tier (Registered) with an admin user; committed."""
    registry = world.app.extensions["portalis"].registry
    if plugin not in registry.plugins:
        raise ValueError(
            f"plugin {plugin!r} is not loaded in this app (loaded: {sorted(registry.plugins)})"
        )
    seed_plugin_data(world, [plugin])
    with tenant_scope(world.tenant.id):
        partner = Partner(
            name=f"{world.tenant.name} Registered Reseller",
            program_id=world.program.id,
            tier_id=world.tiers["registered"].id,
            country="FR",
        )
        db.session.add(partner)
        db.session.flush()
        user = User(
            email=f"admin@registered.{world.tenant.slug}.test",
            name="Remy Registered",
            role="partner_admin",
            partner_id=partner.id,
            password_hash=world.users["gold_admin"].password_hash,
        )
        db.session.add(user)
        db.session.commit()
    return ContractScene(world, plugin, client_as or client_maker(world), user)


def _blueprints_of(app: Any, plugin: str) -> frozenset[str]:
    owners: dict[str, str] = app.extensions.get("portalis_blueprint_plugins", {})
    return frozenset(bp for bp, owner in owners.items() if owner == plugin)


def check_isolation(scene: ContractScene) -> int:
    """Walk the plugin's routes as other tenants, another partner, a lower tier and
    anonymous (see the module docstring). Returns the number of requests sent."""
    world, plugin, app = scene.world, scene.plugin, scene.app
    enable_plugin(world.program, plugin, allowed_tiers=["silver", "gold", "platinum"])
    tenant_texts = foreign_tenant_strings(world)
    partner_texts = foreign_partner_strings(world, "gold", "silver")
    problems = []
    if not tenant_texts or not partner_texts:
        problems.append("the scene holds no distinctive data to look for")
    attackers = [world.partners["silver"].id, scene.lower_user.partner_id]
    before = fingerprint(world.tenant.id, attackers)
    actors = [
        Actor("other tenant's partner admin", world.other["users"]["gold_admin"], tenant_texts),
        Actor("other tenant's vendor admin", world.other["users"]["vendor_admin"], tenant_texts),
        Actor("another partner (silver)", world.users["silver_admin"], partner_texts),
        Actor(
            "a partner of a lower tier (registered)",
            scene.lower_user,
            partner_texts,
            not_entitled=_blueprints_of(app, plugin),
        ),
        Actor(
            "anonymous",
            None,
            tenant_texts | partner_texts,
            on_public_pages=public_page_strings(tenant_texts, partner_texts),
        ),
    ]
    report = walk(
        rules_of(app, plugin), actors, scene.client_as, victim_values(world, "gold", plugin)
    )
    problems += report.problems
    after = fingerprint(world.tenant.id, attackers)
    changed = sorted(name for name in before if before[name] != after.get(name))
    if changed:
        problems.append(f"requests of other tenants/partners changed the victim's {changed}")
    if problems:
        raise ContractViolation("the isolation check", plugin, problems)
    return report.requests


@dataclass
class _Shown:
    nav_urls: list[str]
    widget_titles: list[str]


def displayed_by(app: Any, client: Any, plugin: str) -> _Shown:
    """What ``plugin``'s display hooks return for the client's viewer right now: the URLs
    of its nav items and the titles of its dashboard widgets (called through the app's
    real request pipeline, with the client's session cookie)."""
    cookie_name = app.config.get("SESSION_COOKIE_NAME", "session")
    cookie = client.get_cookie(cookie_name, domain=client.host)
    headers = {"Cookie": f"{cookie_name}={cookie.value}"} if cookie else {}
    with app.test_request_context("/", base_url=f"http://{client.host}", headers=headers):
        app.preprocess_request()
        portal = app.extensions["portalis"]
        nav: list[str] = []
        titles: list[str] = []
        for name, items in portal.registry.call_robust(
            "portalis_nav_items", {plugin}, None, viewer=g.viewer
        ):
            if name == plugin:
                nav += [url_for(i.endpoint, **dict(i.url_values)) for i in items]
        for name, widgets in portal.registry.call_robust(
            "portalis_dashboard_widgets", {plugin}, None, viewer=g.viewer
        ):
            if name == plugin:
                titles += [str(w.title) for w in widgets]
        return _Shown(nav, titles)


def _widget_titles(page: str) -> list[str]:
    import html

    return [
        html.unescape(t).strip()
        for t in re.findall(
            r'<section class="card widget[^"]*"[^>]*>\s*<div class="card-header">\s*<h2[^>]*>(.*?)</h2>',
            page,
            flags=re.S,
        )
    ]


def _plugin_links(app: Any, page: str, host: str, plugin: str) -> list[str]:
    """Links on ``page`` that lead to one of ``plugin``'s routes."""
    adapter = app.url_map.bind(host)
    out = []
    for href in hrefs(page):
        path = href.split("#", 1)[0]
        if not path.startswith("/") or path.startswith("//"):
            continue
        try:
            endpoint, _args = adapter.match(path.split("?", 1)[0], method="GET")
        except HTTPException:  # not a route (or not a GET one): not the plugin's
            continue
        owner = app.extensions.get("portalis_blueprint_plugins", {}).get(
            str(endpoint).split(".", 1)[0]
        )
        if owner == plugin:
            out.append(href)
    return out


def _search_hits(client: Any, word: str) -> list[str]:
    page = client.get(f"/search/?q={word}").get_data(as_text=True)
    import html

    return [html.unescape(h) for h in re.findall(r'class="search-hit-title" href="([^"]*)"', page)]


def _search_probe(scene: ContractScene) -> tuple[str, str, set[str]] | None:
    """A word of one of the plugin's search documents the Gold partner may see, that
    document's URL, and the URLs of all the plugin's documents; None if the plugin
    doesn't feed the search."""
    world, app, plugin = scene.world, scene.app, scene.plugin
    registry = app.extensions["portalis"].registry
    impls = [
        i
        for i in registry.pm.hook.portalis_search_documents.get_hookimpls()
        if i.plugin_name == plugin
    ]
    if not impls:
        return None
    gold = world.partners["gold"]
    with app.test_request_context(base_url=f"http://{world.host()}"), tenant_scope(world.tenant.id):
        docs = [d for impl in impls for d in (impl.function(tenant_id=world.tenant.id) or [])]
    urls = {d.url for d in docs}
    visible = [
        d
        for d in docs
        if d.audience == "all"
        and d.program_id in (None, world.program.id)
        and (d.tier_ids is None or gold.tier_id in d.tier_ids)
        and (d.partner_ids is None or gold.id in d.partner_ids)
    ]
    visible.sort(key=lambda d: (d.language != "en", d.doc_id))
    texts = [f"{d.title} {d.body}".lower() for d in docs]
    best: tuple[int, int, str, str] | None = None
    for d in visible:
        for word in set(re.findall(r"\b[^\W\d_]{5,}\b", d.title)):
            # the rarest word among the plugin's documents (then the longest)
            key = (sum(word.lower() in t for t in texts), -len(word), word, d.url)
            if best is None or key < best:
                best = key
    if best is None:
        return ("", "", urls)
    return best[2], best[3], urls


def check_disabled(scene: ContractScene) -> None:
    """Switch the plugin off for the program and prove it is gone everywhere (see the
    module docstring)."""
    world, app, plugin = scene.world, scene.app, scene.plugin
    enable_plugin(world.program, plugin)
    viewers = {
        "partner admin": world.users["gold_admin"],
        "vendor admin": world.users["vendor_admin"],
        "channel manager": world.users["channel_manager"],
    }
    problems: list[str] = []
    shown: dict[str, _Shown] = {}
    for label, user in viewers.items():
        client = scene.client_as(user)
        dashboard = client.get("/", follow_redirects=True).get_data(as_text=True)
        shown[label] = displayed_by(app, client, plugin)
        for url in shown[label].nav_urls:
            if url not in hrefs(dashboard):
                problems.append(f"{label}: nav item {url} is not on the dashboard while enabled")
        for title in shown[label].widget_titles:
            if title not in _widget_titles(dashboard):
                problems.append(f"{label}: widget {title!r} is not on the dashboard while enabled")
    probe = _search_probe(scene)
    searcher = scene.client_as(world.users["gold_admin"])
    if probe is not None:
        word, url, _urls = probe
        if not word:
            problems.append("the plugin feeds the search but no document is visible to a partner")
        elif url not in _search_hits(searcher, word):
            problems.append(f"searching {word!r} as a partner doesn't find {url} while enabled")
    if problems:
        raise ContractViolation("the disabled-plugin check (before disabling)", plugin, problems)

    enable_plugin(world.program, plugin, enabled=False)
    rules = rules_of(app, plugin)
    values = victim_values(world, "gold", plugin)
    # anonymous too: a public page (api.public_page) is gone like every other route
    for label, user in [*viewers.items(), ("anonymous", None)]:
        unknown = unknown_page(scene.client_as(user))
        for rule in rules:
            url = route_url(rule, values)
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                why = differs_from_unknown(send(scene.client_as(user), method, url), unknown)
                if why:
                    problems.append(f"{label}: {method} {url} {why} (plugin disabled)")
        if user is None:
            continue
        client = scene.client_as(user)
        resp = client.get("/", follow_redirects=True)
        dashboard = resp.get_data(as_text=True)
        links = _plugin_links(app, dashboard, client.host, plugin)
        if links:
            problems.append(f"{label}: the dashboard still links to the plugin: {links[:3]}")
        left = [t for t in shown[label].widget_titles if t in _widget_titles(dashboard)]
        if left:
            problems.append(f"{label}: the dashboard still shows the widgets {left}")
    if probe is not None and probe[0]:
        word, _url, urls = probe
        hits = [h for h in _search_hits(searcher, word) if h in urls]
        if hits:
            problems.append(f"searching {word!r} as a partner still finds {hits[:3]}")
    if problems:
        raise ContractViolation("the disabled-plugin check", plugin, problems)


PSEUDO_ROLES = ("vendor_admin", "channel_manager", "gold_admin", "gold_user", None)


def check_pseudo_locale(scene: ContractScene) -> int:
    """Render every GET page of the plugin in the pseudo-locale as each role; any visible
    text that didn't go through gettext is a violation. Returns the pages checked."""
    world, app, plugin = scene.world, scene.app, scene.plugin
    rules = rules_of(app, plugin)
    with pseudo_locale(world):
        pages, found = untranslated_on_pages(
            world, scene.client_as, rules, PSEUDO_ROLES, victim_values(world, "gold", plugin)
        )
    problems = [f"{k}: {sorted(v)}" for k, v in sorted(found.items())]
    if pages == 0 and any("GET" in (r.methods or ()) for r in rules):
        problems.append("none of the plugin's GET pages rendered for any role: nothing was checked")
    if problems:
        raise ContractViolation("the pseudo-locale check", plugin, problems)
    return pages


def check_bad_input(scene: ContractScene) -> int:
    """The bad-input sweep on the plugin's routes and forms (see the module docstring).
    Returns the number of requests sent."""
    world, app, plugin = scene.world, scene.app, scene.plugin
    enable_plugin(world.program, plugin)
    actors = [
        ("partner admin", world.users["gold_admin"]),
        ("channel manager", world.users["channel_manager"]),
        ("vendor admin", world.users["vendor_admin"]),
    ]
    report = sweep(
        app,
        actors,
        scene.client_as,
        victim_values(world, "gold", plugin),
        rules=rules_of(app, plugin),
        thorough=False,
    )
    if report.problems:
        raise ContractViolation("the bad-input check", plugin, report.problems)
    return report.requests


class PluginContract:
    """Subclass as ``TestContract`` and set ``plugin`` (see the module docstring)."""

    #: The plugin under test: its ``PluginInfo.name``.
    plugin: str = ""

    @pytest.fixture(scope="class")
    @classmethod
    def contract_scene(
        cls,
        request: pytest.FixtureRequest,
        portalis_database_url: str,
        tmp_path_factory: pytest.TempPathFactory,
    ) -> Iterator[ContractScene]:
        """The world with the plugin's demo data, built once for the class and rolled back
        after it."""
        plugin = cls.plugin
        if not plugin:
            raise pytest.UsageError(f"{cls.__name__}: set plugin = '<plugin name>'")
        app = app_for(request, portalis_database_url, tmp_path_factory)
        with rolled_back(app):
            yield prepare_scene(make_world(app), plugin)

    @pytest.fixture(autouse=True)
    def _contract_savepoint(self, contract_scene: ContractScene) -> Iterator[None]:
        """Each test's changes (tiers, switching off, locales) are undone after it."""
        db.session.remove()
        connection = db.session.get_bind()
        assert isinstance(connection, Connection), (
            "contract_scene binds the session to one connection"
        )
        savepoint = connection.begin_nested()
        try:
            yield
        finally:
            db.session.remove()
            if savepoint.is_active:
                savepoint.rollback()

    def test_isolation(self, contract_scene: ContractScene) -> None:
        """Other tenants, another partner, a lower tier and anonymous: no 500, no foreign
        data, the unknown page's 404 where not entitled, no change to the victim's rows."""
        check_isolation(contract_scene)

    def test_disabled_plugin_disappears(self, contract_scene: ContractScene) -> None:
        """Switched off for the program: routes 404, nav items, widgets and search hits gone."""
        check_disabled(contract_scene)

    def test_pages_fully_translatable(self, contract_scene: ContractScene) -> None:
        """Every visible text on the plugin's pages went through gettext."""
        check_pseudo_locale(contract_scene)

    def test_bad_input(self, contract_scene: ContractScene) -> None:
        """Hostile values in every URL argument, query parameter and form field: no 5xx,
        and refusals are the portal's own pages."""
        check_bad_input(contract_scene)
