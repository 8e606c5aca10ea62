"""Hook API 1.2: what a partner must do first (access blockers), what plugins say about
partners to vendor staff (partner summaries), milestones, ``change_tier`` and the partner's
``email_domain`` — checked with a small plugin, the way a third-party author would use them."""

from __future__ import annotations

import pytest
from flask import Blueprint
from sqlalchemy import select

from portalis import api
from portalis.db import db
from portalis.models import Partner, ProgramPlugin, TierChange
from portalis.plugins.contract import PluginInfo
from portalis.plugins.hookspecs import hookimpl
from portalis.tenancy import tenant_scope
from portalis.testing.fixtures import build_app


class GatePlugin:
    """Blocks partners in ``blocked`` until they visit the sign page; says a line per partner."""

    PLUGIN = PluginInfo(name="gate", title="Gate", version="1.0")

    def __init__(self) -> None:
        self.blocked: set[int] = set()
        self.only_plugins: frozenset[str] | None = None
        self.sign = Blueprint("gatesign", __name__, url_prefix="/gate-sign")
        self.sign.add_url_rule("/", "page", lambda: "sign here")
        self.pages = Blueprint("gate", __name__, url_prefix="/gate")
        self.pages.add_url_rule("/other", "other", lambda: "gate page")

    @hookimpl
    def portalis_blueprints(self):
        return [self.sign, self.pages]

    @hookimpl
    def portalis_access_blockers(self, viewer):
        if viewer.partner_id not in self.blocked:
            return []
        return [
            api.AccessBlocker(
                key="gate.sign",
                message="Sign the partner agreement to continue.",
                endpoint="gatesign.page",
                plugins=self.only_plugins,
            )
        ]

    @hookimpl
    def portalis_partner_summaries(self, partner_ids):
        lines = [
            api.PartnerSummary(pid, "Agreements", f"{pid}: 1 of 2 signed", progress=0.5)
            for pid in partner_ids
        ]
        # a faulty plugin answering about a partner it was not asked about
        return [*lines, api.PartnerSummary(10**12, "Agreements", "someone else's line")]

    @hookimpl
    def portalis_milestones(self):
        return [api.Milestone("gate.passed", "Gate passed")]


@pytest.fixture(scope="module")
def gate_plugin():
    return GatePlugin()


@pytest.fixture(scope="module")
def gate_app(portalis_database_url, tmp_path_factory, gate_plugin):
    return build_app(
        portalis_database_url,
        tmp_path_factory.mktemp("gate"),
        plugins=[],
        extra_plugins=[gate_plugin],
    )


@pytest.fixture
def gate(world, gate_app, gate_plugin):
    with tenant_scope(world.tenant.id):
        db.session.add(
            ProgramPlugin(program_id=world.program.id, plugin="gate", enabled=True, settings={})
        )
        db.session.commit()
    gate_plugin.blocked = set()
    gate_plugin.only_plugins = None
    yield gate_plugin
    gate_plugin.blocked = set()


def test_a_blocked_partner_is_sent_to_where_they_resolve_it(world, client_as, gate_app, gate):
    gate.blocked = {world.partners["gold"].id}
    c = client_as(world.users["gold_admin"], app=gate_app)
    resp = c.get("/dashboard")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/gate-sign/")
    page = c.get("/gate-sign/")
    assert page.status_code == 200 and page.get_data(as_text=True) == "sign here"
    # the message is waiting on the next full page
    assert "Sign the partner agreement to continue." in c.get("/account/password").get_data(
        as_text=True
    )
    # htmx requests are told where to go instead of swapping a page into a fragment
    htmx = c.get("/team", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"].endswith("/gate-sign/")
    # another partner of the same program is not blocked
    other = client_as(world.users["silver_admin"], app=gate_app)
    assert other.get("/dashboard").status_code == 200


def test_a_blocked_partner_cannot_write_behind_the_blocker(world, client_as, gate_app, gate):
    gate.blocked = {world.partners["gold"].id}
    user = world.users["gold_admin"]
    c = client_as(user, app=gate_app)
    token = c.csrf("/account/password")
    resp = c.post("/profile", data={"csrf_token": token, "name": "Changed Name", "locale": ""})
    assert resp.status_code == 303
    with tenant_scope(world.tenant.id):
        assert db.session.get(type(user), user.id).name == user.name


def test_a_blocker_for_some_plugins_leaves_the_rest_of_the_portal_open(
    world, client_as, gate_app, gate
):
    gate.blocked = {world.partners["gold"].id}
    gate.only_plugins = frozenset({"gate"})
    c = client_as(world.users["gold_user"], app=gate_app)
    assert c.get("/dashboard").status_code == 200
    blocked = c.get("/gate/other")
    assert blocked.status_code == 303 and blocked.headers["Location"].endswith("/gate-sign/")


def test_vendor_staff_are_never_blocked(world, client_as, gate_app, gate):
    gate.blocked = {world.partners["gold"].id, None}
    c = client_as(world.users["vendor_admin"], app=gate_app)
    assert c.get("/admin/").status_code in (200, 302)
    assert c.get("/admin/partners").status_code == 200


def test_vendor_staff_see_what_plugins_say_about_each_partner(world, client_as, gate_app, gate):
    c = client_as(world.users["vendor_admin"], app=gate_app)
    listing = c.get("/admin/partners").get_data(as_text=True)
    gold, silver = world.partners["gold"].id, world.partners["silver"].id
    assert '<th scope="col">Agreements</th>' in listing
    assert f"{gold}: 1 of 2 signed" in listing and f"{silver}: 1 of 2 signed" in listing
    assert "someone else&#39;s line" not in listing and "someone else's line" not in listing
    detail = c.get(f"/admin/partners/{gold}").get_data(as_text=True)
    assert f"{gold}: 1 of 2 signed" in detail
    assert f"{silver}: 1 of 2 signed" not in detail


def test_milestones_are_collected_from_the_core_and_plugins(gate_app, gate):
    with gate_app.app_context(), gate_app.test_request_context():
        found = {m.event: api.resolve_text(m.label) for m in api.milestones()}
    assert found["gate.passed"] == "Gate passed"
    assert {"partner.approved", "partner.profile_completed"} <= set(found)


def test_change_tier_moves_within_the_program_and_respects_a_pinned_tier(world, db_session):
    with tenant_scope(world.tenant.id):
        partner = db.session.get(Partner, world.partners["silver"].id)
        gold = world.tiers["gold"]
        assert api.change_tier(partner, gold.id, reason="Onboarding complete") is True
        assert partner.tier_id == gold.id
        assert api.change_tier(partner, gold.id, reason="again") is False  # already there
        change = db.session.scalars(
            select(TierChange).where(TierChange.partner_id == partner.id)
        ).all()[-1]
        assert (change.source, change.reason) == ("plugin", "Onboarding complete")
        partner.tier_locked = True
        assert api.change_tier(partner, world.tiers["silver"].id, reason="x") is False
        assert partner.tier_id == gold.id
        partner.tier_locked = False
        other_program_tier = world.other["tiers"]["gold"]
        assert api.change_tier(partner, other_program_tier.id, reason="x") is False
        db.session.rollback()


def test_email_domain_follows_the_website_and_contact_e_mail(world, db_session):
    with tenant_scope(world.tenant.id):
        partner = db.session.get(Partner, world.partners["gold"].id)
        partner.website = "https://www.eu.wayne.co.uk/about"
        partner.contact_email = "bruce@wayne-enterprises.com"
        db.session.flush()
        assert partner.email_domain == "wayne.co.uk"
        partner.website = None
        db.session.flush()
        assert partner.email_domain == "wayne-enterprises.com"
        partner.contact_email = "bruce@gmail.com"  # a free-mail box names no company
        db.session.flush()
        assert partner.email_domain is None
        db.session.rollback()
