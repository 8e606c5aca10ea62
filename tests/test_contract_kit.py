"""The contract-test kit catches faults: a throwaway plugin with one deliberate mistake
fails the matching check (with the mistake named in the report), and the same plugin
without the mistake passes every check."""

from __future__ import annotations

import pytest
from flask import Blueprint, url_for
from sqlalchemy import select

from portalis import api
from portalis.testing.contract import (
    ContractViolation,
    check_disabled,
    check_isolation,
    check_pseudo_locale,
    prepare_scene,
)
from portalis.testing.fixtures import build_app, make_world
from portalis.testing.kit import enable_plugin

_ = api.Translator("roster").gettext


class RosterPlugin:
    """Partners see the people of their own company; vendor staff see everyone. Feeds the
    search with one "roster" document per partner company.

    Faults to switch on: ``leak`` (a member page doesn't check the partner),
    ``untranslated`` (a heading not passed through gettext), ``search_owner`` (documents
    filed under another plugin's name, so the search can't hide them with the plugin)."""

    def __init__(self, leak=False, untranslated=False, search_owner="roster"):
        self.PLUGIN = api.PluginInfo(name="roster", title="Roster", version="1.0")
        self.leak = leak
        self.untranslated = untranslated
        self.search_owner = search_owner
        self.bp = bp = Blueprint("roster", __name__, url_prefix="/roster")
        bp.add_url_rule("/", "index", api.login_required(self.index))
        bp.add_url_rule("/members/<id:user_id>", "member", api.login_required(self.member))

    def _heading(self):
        return "Team member" if self.untranslated else _("Team member")

    def index(self):
        viewer = api.current_viewer()
        stmt = select(api.User).order_by(api.User.id)
        if viewer.is_partner:
            stmt = stmt.where(api.User.partner_id == viewer.partner_id)
        rows = "".join(
            f'<li><a href="{url_for("roster.member", user_id=u.id)}">{u.name}</a></li>'
            for u in api.session.scalars(stmt)
        )
        return f"<h1>{_('Your team')}</h1><ul>{rows}</ul>"

    def member(self, user_id):
        viewer = api.current_viewer()
        user = api.session.scalars(select(api.User).where(api.User.id == user_id)).first()
        if user is None:
            api.not_found()
        if viewer.is_partner and user.partner_id != viewer.partner_id and not self.leak:
            api.not_found()
        return f"<h1>{self._heading()}</h1><p>{user.name}, {user.email}</p>"

    @api.hookimpl
    def portalis_blueprints(self):
        return [self.bp]

    @api.hookimpl
    def portalis_nav_items(self, viewer):
        return [api.NavItem(_("Roster"), "roster.index")]

    @api.hookimpl
    def portalis_dashboard_widgets(self, viewer):
        return [api.Widget(title=_("Your roster"), html=f"<p>{_('People in your team')}</p>")]

    def _documents(self, tenant_id):
        for partner in api.session.scalars(select(api.Partner).order_by(api.Partner.id)):
            yield api.SearchDocument(
                tenant_id=tenant_id,
                doc_id=f"roster:{partner.id}",
                plugin=self.search_owner,
                program_id=partner.program_id,
                tier_ids=None,
                partner_ids=(partner.id,),
                audience="all",
                language="en",
                title=f"Roster Quorvandel {partner.name}",
                body="The people of a partner company.",
                tags=(),
                facets={},
                url=url_for("roster.index", p=partner.id),
                updated_at=api.utcnow(),
            )

    @api.hookimpl
    def portalis_search_documents(self, tenant_id):
        return list(self._documents(tenant_id))

    @api.hookimpl
    def portalis_demo_data(self, seed):
        api.search_index(list(self._documents(seed.tenant_id)))


@pytest.fixture
def roster_scene(portalis_app, db_session, tmp_path):
    """``roster_scene(**faults)`` → a contract scene for a RosterPlugin app."""

    def make(**faults):
        app = build_app(
            portalis_app.config["DATABASE_URL"],
            tmp_path,
            plugins=[],
            extra_plugins=[RosterPlugin(**faults)],
        )
        return prepare_scene(make_world(app), "roster")

    return make


def test_a_well_behaved_plugin_passes_every_check(roster_scene):
    scene = roster_scene()
    assert check_isolation(scene) == 2 * 5  # two GET rules, five actors
    check_disabled(scene)
    enable_plugin(scene.world.program, "roster")
    assert check_pseudo_locale(scene) >= 2


def test_a_page_showing_another_partners_record_fails_isolation(roster_scene):
    scene = roster_scene(leak=True)
    with pytest.raises(ContractViolation) as caught:
        check_isolation(scene)
    gold_user = scene.world.users["gold_user"]
    leaks = [p for p in caught.value.problems if "another partner (silver)" in p]
    assert leaks and all(f"/roster/members/{gold_user.id}" in p for p in leaks)
    assert any(gold_user.email in p for p in leaks)


def test_search_documents_filed_under_another_name_fail_the_disabled_check(roster_scene):
    scene = roster_scene(search_owner="core")
    with pytest.raises(ContractViolation) as caught:
        check_disabled(scene)
    gold = scene.world.partners["gold"]
    assert caught.value.problems == [
        f"searching 'Quorvandel' as a partner still finds ['/roster/?p={gold.id}']"
    ]


def test_an_untranslated_heading_fails_the_pseudo_locale_check(roster_scene):
    scene = roster_scene(untranslated=True)
    with pytest.raises(ContractViolation) as caught:
        check_pseudo_locale(scene)
    assert caught.value.problems
    assert all("['Team member']" in p and "roster.member" in p for p in caught.value.problems)


def test_a_plugin_that_is_still_reachable_when_disabled_fails(roster_scene, monkeypatch):
    """If the core's gate let a disabled plugin's page through, the kit would say so."""
    scene = roster_scene()
    app = scene.app
    # the blueprint's owner forgotten: the gate no longer guards it
    monkeypatch.delitem(app.extensions["portalis_blueprint_plugins"], "roster")
    monkeypatch.setattr("portalis.testing.contract.rules_of", lambda a, p: _rules(a))
    with pytest.raises(ContractViolation) as caught:
        check_disabled(scene)
    assert any("GET /roster/ answered 200" in p for p in caught.value.problems)


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("roster.")]
