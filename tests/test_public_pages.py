"""Hook API 1.3: a plugin's public pages (``api.public_page``) — a certificate check, a
campaign's landing page — open to anonymous visitors and to every signed-in viewer wherever
the plugin is on in any of the tenant's programs, and the unknown page's 404 where it is on
nowhere. Checked with a small plugin, the way a third-party author would use it."""

from __future__ import annotations

import pytest
from flask import Blueprint

from portalis import api
from portalis.db import db
from portalis.models import Program
from portalis.tenancy import tenant_scope
from portalis.testing.contract import (
    ContractViolation,
    check_disabled,
    check_isolation,
    prepare_scene,
)
from portalis.testing.fixtures import build_app, make_world
from portalis.testing.kit import differs_from_unknown, enable_plugin, unknown_page

_ = api.Translator("notice").gettext


class NoticePlugin:
    """A members' page and a public "check a notice" page (a stand-in for certificate
    verification) and a public "about" page naming the tenant's programs. Faults:
    ``guarded`` puts a sign-in guard inside the public view by mistake, ``leak_email``
    shows the vendor's e-mail addresses on the about page."""

    def __init__(self, guarded: bool = False, leak_email: bool = False) -> None:
        self.PLUGIN = api.PluginInfo(name="notice", title="Notice", version="1.0")
        self.leak_email = leak_email
        self.bp = bp = Blueprint("notice", __name__, url_prefix="/notice")
        bp.add_url_rule("/", "index", api.login_required(self.index))
        check = api.login_required(self.check) if guarded else self.check
        bp.add_url_rule("/check/<code>", "check", api.public_page(check))
        bp.add_url_rule("/about", "about", api.public_page(self.about))

    def about(self):
        from sqlalchemy import select

        programs = api.session.scalars(select(api.Program.name).order_by(api.Program.id))
        rows = "".join(f"<li>{name}</li>" for name in programs)
        if self.leak_email:
            emails = api.session.scalars(
                select(api.User.email).where(api.User.partner_id.is_(None))
            )
            rows += "".join(f"<li>{e}</li>" for e in emails)
        return f"<h1>{_('Notices of our programs')}</h1><ul>{rows}</ul>"

    def index(self):
        return f"<h1>{_('Notices for members')}</h1>"

    def check(self, code):
        if code != "N-1234":
            api.not_found()
        viewer = api.current_viewer()
        who = _("a visitor") if viewer.is_anonymous else _("a signed-in user")
        return f"<h1>{_('Notice N-1234 is valid')}</h1><p>{who}</p>"

    @api.hookimpl
    def portalis_blueprints(self):
        return [self.bp]


class BlockerPlugin:
    """Blocks every page of the partners in ``blocked`` until they sign (another plugin)."""

    PLUGIN = api.PluginInfo(name="blocker", title="Blocker", version="1.0")

    def __init__(self) -> None:
        self.blocked: set[int] = set()
        self.bp = Blueprint("blocker", __name__, url_prefix="/blocker")
        self.bp.add_url_rule("/", "sign", lambda: "sign the agreement")

    @api.hookimpl
    def portalis_blueprints(self):
        return [self.bp]

    @api.hookimpl
    def portalis_access_blockers(self, viewer):
        if viewer.partner_id not in self.blocked:
            return []
        return [api.AccessBlocker("blocker.sign", "Sign first.", "blocker.sign")]


@pytest.fixture(scope="module")
def blocker():
    return BlockerPlugin()


@pytest.fixture(scope="module")
def notice_app(portalis_database_url, tmp_path_factory, blocker):
    return build_app(
        portalis_database_url,
        tmp_path_factory.mktemp("notice"),
        plugins=[],
        extra_plugins=[NoticePlugin(), blocker],
    )


@pytest.fixture
def as_(world, client_as, notice_app):
    """A client of the notice app: ``as_("gold_user")``, ``as_(None)`` for anonymous."""
    return lambda key: client_as(world.users[key] if key else None, app=notice_app)


def _valid(resp) -> bool:
    return resp.status_code == 200 and "Notice N-1234 is valid" in resp.get_data(as_text=True)


def test_anonymous_visitors_open_a_public_page_but_sign_in_for_the_others(world, as_):
    enable_plugin(world.program, "notice")
    anonymous = as_(None)
    resp = anonymous.get("/notice/check/N-1234")
    assert _valid(resp) and "a visitor" in resp.get_data(as_text=True)
    members = anonymous.get("/notice/")
    assert members.status_code == 302 and "/login" in members.headers["Location"]
    # the view still decides: an unknown code is the unknown page's 404
    assert differs_from_unknown(anonymous.get("/notice/check/N-9"), unknown_page(anonymous)) is None


def test_a_partner_whose_tier_lacks_the_plugin_still_opens_its_public_page(world, as_):
    enable_plugin(world.program, "notice", allowed_tiers=["gold"])
    silver = as_("silver_user")
    resp = silver.get("/notice/check/N-1234")
    assert _valid(resp) and "a signed-in user" in resp.get_data(as_text=True)
    assert differs_from_unknown(silver.get("/notice/"), unknown_page(silver)) is None
    assert as_("gold_user").get("/notice/").status_code == 200


def test_a_public_page_opens_where_the_plugin_is_on_in_another_program_only(world, as_):
    with tenant_scope(world.tenant.id):
        other = Program(slug="resellers", name="Resellers", currency="EUR")
        db.session.add(other)
        db.session.commit()
    enable_plugin(other, "notice")
    for key in (None, "gold_user", "vendor_admin"):
        assert _valid(as_(key).get("/notice/check/N-1234")), key
    # the members' page stays off for a partner of the program without it
    gold = as_("gold_user")
    assert differs_from_unknown(gold.get("/notice/"), unknown_page(gold)) is None


@pytest.mark.parametrize("key", [None, "gold_user", "vendor_admin"])
def test_a_public_page_is_the_unknown_404_where_the_plugin_is_off(world, as_, key):
    client = as_(key)
    unknown = unknown_page(client)
    # never switched on here
    assert differs_from_unknown(client.get("/notice/check/N-1234"), unknown) is None
    # switched on, then off again
    enable_plugin(world.program, "notice")
    assert _valid(client.get("/notice/check/N-1234"))
    enable_plugin(world.program, "notice", enabled=False)
    assert differs_from_unknown(client.get("/notice/check/N-1234"), unknown) is None
    # a POST (which the page doesn't take) reveals nothing either
    resp = client.post("/notice/check/N-1234", data={"csrf_token": client.csrf_token})
    assert differs_from_unknown(resp, unknown) is None


def test_on_in_another_tenant_only_is_the_unknown_404_here(world, as_):
    enable_plugin(world.other["program"], "notice")
    client = as_(None)
    assert differs_from_unknown(client.get("/notice/check/N-1234"), unknown_page(client)) is None


def test_an_access_blocker_does_not_send_a_partner_away_from_a_public_page(world, as_, blocker):
    enable_plugin(world.program, "notice")
    enable_plugin(world.program, "blocker")
    blocker.blocked = {world.partners["gold"].id}
    try:
        gold = as_("gold_user")
        members = gold.get("/notice/")
        assert members.status_code == 303 and members.headers["Location"].endswith("/blocker/")
        assert _valid(gold.get("/notice/check/N-1234"))
    finally:
        blocker.blocked = set()


def test_a_wrong_method_on_a_public_page_is_not_a_sign_in_redirect(world, as_):
    enable_plugin(world.program, "notice")
    anonymous = as_(None)
    resp = anonymous.post("/notice/check/N-1234", data={"csrf_token": anonymous.csrf_token})
    assert resp.status_code == 405


def test_the_public_mark_survives_decorators_applied_above_it(world, client_as, tmp_path):
    """``functools.wraps`` carries the mark: a rate limit or guard above it keeps it public."""
    from functools import wraps

    def logged(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        return wrapper

    plugin = NoticePlugin()
    plugin.bp.add_url_rule("/wrapped/<code>", "wrapped", logged(api.public_page(plugin.check)))
    app = build_app(world.app.config["DATABASE_URL"], tmp_path, plugins=[], extra_plugins=[plugin])
    enable_plugin(world.program, "notice")
    assert _valid(client_as(None, app=app).get("/notice/wrapped/N-1234"))


# --- the contract kit ------------------------------------------------------------------------


@pytest.fixture
def notice_scene(portalis_app, db_session, tmp_path):
    """``notice_scene(guarded=False)`` → a contract scene for a NoticePlugin app."""

    def make(**faults):
        app = build_app(
            portalis_app.config["DATABASE_URL"],
            tmp_path,
            plugins=[],
            extra_plugins=[NoticePlugin(**faults)],
        )
        return prepare_scene(make_world(app), "notice")

    return make


def test_the_contract_kit_lets_every_tier_open_a_public_page_and_hides_it_when_off(
    notice_scene,
):
    scene = notice_scene()
    # the lower (Registered) tier isn't entitled to the plugin, yet may open its public
    # page: the kit holds only the members' page to the unknown 404 for them
    assert check_isolation(scene) == 3 * 5  # three GET rules, five actors
    # switched off, the public page is gone for anonymous visitors too
    check_disabled(scene)


def test_the_contract_kit_reports_a_public_page_that_sends_visitors_to_sign_in(notice_scene):
    scene = notice_scene(guarded=True)
    with pytest.raises(ContractViolation) as caught:
        check_isolation(scene)
    assert caught.value.problems == [
        "anonymous: GET /notice/check/x is a public page but sends anonymous visitors to sign in"
    ]


def test_a_public_page_may_show_the_tenants_texts_but_no_email_address(notice_scene):
    scene = notice_scene()
    world = scene.world
    resp = scene.client_as(None).get("/notice/about")
    # the program's name is one of the tenant's texts the walk looks for …
    assert world.program.name in resp.get_data(as_text=True)
    check_isolation(scene)  # … and fine on a public page
    leaky = notice_scene(leak_email=True)
    with pytest.raises(ContractViolation) as caught:
        check_isolation(leaky)
    vendor_email = leaky.world.users["vendor_admin"].email
    assert any(
        p.startswith("anonymous: GET /notice/about shows") and vendor_email in p
        for p in caught.value.problems
    ), caught.value.problems


def test_the_contract_kit_reports_a_public_page_still_open_when_the_plugin_is_off(
    notice_scene, monkeypatch
):
    """If the gate let a switched-off plugin's public page through, the kit would say so."""
    scene = notice_scene()
    monkeypatch.setattr(
        scene.app.extensions["portalis"],
        "enabled_plugins_anywhere",
        lambda: frozenset({"notice"}),
    )
    with pytest.raises(ContractViolation) as caught:
        check_disabled(scene)
    assert any(
        p.startswith("anonymous: GET /notice/about answered 200") and "plugin disabled" in p
        for p in caught.value.problems
    ), caught.value.problems
