"""``portalis plugins list`` and ``portalis plugins enable``: what an operator sees per
tenant and program, and that switching a plugin from the command line goes the same way
as the admin page (toggle hook, audit entry, ``plugin.toggled`` event)."""

import pytest
from sqlalchemy import select

from portalis.api import PluginInfo, hookimpl
from portalis.db import db
from portalis.models import AuditEntry, ProgramPlugin
from portalis.tenancy import tenant_scope
from portalis.testing.fixtures import build_app


class TogglePlugin:
    """Records its toggle hook calls and the events it receives; can refuse a toggle."""

    def __init__(self, name="toggly", requires=()):
        self.PLUGIN = PluginInfo(
            name=name,
            title=name.title(),
            version="1.0",
            requires_plugins=requires,
            settings_defaults={"greeting": "hi"},
        )
        self.toggles = []
        self.events = []
        self.refuse = False

    @hookimpl
    def portalis_plugin_toggled(self, program_id, enabled):
        if self.refuse:
            raise RuntimeError("not today")
        self.toggles.append((program_id, enabled))

    @hookimpl
    def portalis_event(self, event):
        self.events.append((event.name, dict(event.payload)))


@pytest.fixture
def toggly():
    return TogglePlugin()


@pytest.fixture
def needy():
    return TogglePlugin("needy", requires=("toggly",))


@pytest.fixture
def toggle_app(portalis_app, portalis_database_url, tmp_path, toggly, needy):
    return build_app(portalis_database_url, tmp_path, plugins=[], extra_plugins=[toggly, needy])


def _row(world, name):
    """The stored row, fresh from the database (not what a session remembers)."""
    with tenant_scope(world.tenant.id):
        row = db.session.scalars(
            select(ProgramPlugin)
            .where(ProgramPlugin.program_id == world.program.id, ProgramPlugin.plugin == name)
            .execution_options(populate_existing=True)
        ).first()
    return row


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def _lines(output, tenant):
    return [line.split() for line in output.splitlines() if line.startswith(tenant + " ")]


def test_list_shows_installed_plugins_and_per_program_state(world):
    installed = world.app.extensions["portalis"].installed_names()
    with tenant_scope(world.tenant.id):
        row = db.session.scalars(
            select(ProgramPlugin).where(ProgramPlugin.plugin == installed[0])
        ).one()
        row.tier_ids = [world.tiers["gold"].id, world.tiers["platinum"].id]
        if len(installed) > 1:
            other = db.session.scalars(
                select(ProgramPlugin).where(ProgramPlugin.plugin == installed[1])
            ).one()
            other.enabled = False
        db.session.commit()

    result = _cli(world.app, "plugins", "list")
    assert result.exit_code == 0, result.output
    out = result.output
    # the installed listing: name, version, distribution
    dist = world.app.extensions["portalis"].registry.plugins[installed[0]].distribution
    assert any(line.split()[:1] == [installed[0]] and dist in line for line in out.splitlines())
    ours = _lines(out, world.tenant.slug)
    assert {r[2] for r in ours} == set(installed)
    first = next(r for r in ours if r[2] == installed[0])
    assert first[:4] == [world.tenant.slug, "partners", installed[0], "on"]
    assert " ".join(first[4:]) == "Gold, Platinum"
    if len(installed) > 1:
        second = next(r for r in ours if r[2] == installed[1])
        assert second[3] == "off"
    # the other tenant is listed too, with every plugin on for all tiers
    theirs = _lines(out, world.other_tenant.slug)
    assert theirs and all(r[3:] == ["on", "all"] for r in theirs)


def test_list_filters_by_tenant(world):
    result = _cli(world.app, "plugins", "list", "--tenant", world.other_tenant.slug)
    assert result.exit_code == 0
    assert _lines(result.output, world.other_tenant.slug)
    assert not _lines(result.output, world.tenant.slug)
    missing = world.app.test_cli_runner().invoke(args=["plugins", "list", "--tenant", "nope"])
    assert missing.exit_code != 0 and "no tenant 'nope'" in missing.output


def test_enable_from_the_cli_calls_the_hook_audits_and_emits(world, toggle_app, toggly):
    gold, program_id = world.tiers["gold"].id, world.program.id
    result = _cli(
        toggle_app,
        "plugins", "enable", "--tenant", world.tenant.slug, "--program", "partners",
        "--tier", "Gold", "toggly",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    row = _row(world, "toggly")
    assert row.enabled and row.tier_ids == [gold]
    assert row.settings == {"greeting": "hi"}  # the plugin's defaults
    assert toggly.toggles == [(program_id, True)]
    assert ("plugin.toggled", {"plugin": "toggly", "enabled": True, "tier_ids": [gold]}) in (
        toggly.events
    )
    with tenant_scope(world.tenant.id):
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "program.plugin_updated")
        ).one()
    assert entry.object_id == f"{program_id}:toggly"
    assert entry.actor_label == "cli"
    assert entry.before["enabled"] is False and entry.after["enabled"] is True

    listing = _cli(toggle_app, "plugins", "list", "--tenant", world.tenant.slug).output
    assert [world.tenant.slug, "partners", "toggly", "on", "Gold"] in _lines(
        listing, world.tenant.slug
    )

    off = _cli(
        toggle_app, "plugins", "enable", "--tenant", world.tenant.slug, "--program", "partners",
        "--off", "toggly",
    )  # fmt: skip
    assert off.exit_code == 0 and "toggly disabled" in off.output
    assert _row(world, "toggly").enabled is False
    assert toggly.toggles[-1] == (program_id, False)
    with tenant_scope(world.tenant.id):
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.object_id == f"{program_id}:toggly")
        ).all()
    assert len(actions) == 2


def test_a_failing_toggle_hook_leaves_the_plugin_off(world, toggle_app, toggly):
    toggly.refuse = True
    with pytest.raises(RuntimeError, match="not today"):
        _cli(
            toggle_app, "plugins", "enable", "--tenant", world.tenant.slug,
            "--program", "partners", "toggly",
        )  # fmt: skip
    db.session.rollback()
    assert _row(world, "toggly") is None
    with tenant_scope(world.tenant.id):
        assert not db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_id == f"{world.program.id}:toggly")
        ).all()
    assert toggly.events == []


def test_a_plugin_needs_its_required_plugins_on(world, toggle_app, needy, toggly):
    args = ["plugins", "enable", "--tenant", world.tenant.slug, "--program", "partners"]
    refused = toggle_app.test_cli_runner().invoke(args=[*args, "needy"])
    assert refused.exit_code != 0 and "needs toggly" in refused.output
    assert _row(world, "needy") is None and needy.toggles == []

    assert _cli(toggle_app, *args, "toggly").exit_code == 0
    assert _cli(toggle_app, *args, "needy").exit_code == 0
    assert _row(world, "needy").enabled
    # and toggly can't go while needy is on
    refused = toggle_app.test_cli_runner().invoke(args=[*args, "--off", "toggly"])
    assert refused.exit_code != 0 and "needed by needy" in refused.output
    assert _row(world, "toggly").enabled


def test_unknown_plugin_and_tier_are_refused(world):
    args = ["plugins", "enable", "--tenant", world.tenant.slug, "--program", "partners"]
    unknown = world.app.test_cli_runner().invoke(args=[*args, "nosuch"])
    assert unknown.exit_code != 0 and "not installed" in unknown.output
    name = world.app.extensions["portalis"].installed_names()[0]
    bad_tier = world.app.test_cli_runner().invoke(args=[*args, "--tier", "Diamond", name])
    assert bad_tier.exit_code != 0 and "no tier Diamond" in bad_tier.output


def test_the_admin_page_goes_the_same_way(world, toggle_app, toggly, client_as):
    program_id, gold = world.program.id, world.tiers["gold"].id
    admin = client_as(world.users["vendor_admin"], app=toggle_app)
    url = f"/admin/programs/{program_id}/plugins/toggly"
    resp = admin.post_form(url, {"enabled": "y", "tier_ids": [str(gold)]})
    assert resp.status_code == 302
    assert toggly.toggles == [(program_id, True)]
    assert any(name == "plugin.toggled" for name, _payload in toggly.events)
    row = _row(world, "toggly")
    assert row.enabled and row.tier_ids == [gold]
    with tenant_scope(world.tenant.id):
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_id == f"{program_id}:toggly")
        ).one()
    assert entry.actor_user_id == world.users["vendor_admin"].id

    # with needy on (it requires toggly), the page refuses to switch toggly off and says why
    needy = admin.post_form(f"/admin/programs/{program_id}/plugins/needy", {"enabled": "y"})
    assert needy.status_code == 302 and _row(world, "needy").enabled
    refused = admin.post_form(url, {}, follow_redirects=True)
    assert "is needed by Needy" in refused.get_data(as_text=True)
    assert _row(world, "toggly").enabled
