"""Plugins: discovery checks, per-program and per-tier gating enforced by the core,
robust display hooks, and the documented hook contract."""

import logging
import re
from pathlib import Path

import pytest
from flask import Blueprint

from portalis.api import NavItem, Permission, PluginInfo, Widget, hookimpl, permission_required
from portalis.db import db
from portalis.models import ProgramPlugin
from portalis.plugins.registry import PluginError, PluginRegistry
from portalis.tenancy import tenant_scope
from portalis.testing.fixtures import build_app
from portalis.testing.kit import differs_from_unknown, enable_plugin, unknown_page


class SamplePlugin:
    """A plugin with a page, a nav item and a widget, installed only in tests."""

    PLUGIN = PluginInfo(
        name="sample",
        title="Sample",
        version="1.0",
        permissions=(
            Permission("sample.manage", "Manage samples", default_roles=("vendor_admin",)),
        ),
    )

    def __init__(self):
        self.bp = Blueprint("sample", __name__, url_prefix="/sample")
        self.bp.add_url_rule("/", "index", lambda: "sample page for the partner")
        self.bp.add_url_rule(
            "/manage", "manage", permission_required("sample.manage")(lambda: "managing samples")
        )
        self.events = []

    @hookimpl
    def portalis_blueprints(self):
        return [self.bp]

    @hookimpl
    def portalis_nav_items(self, viewer):
        return [NavItem("Sample nav", "sample.index")]

    @hookimpl
    def portalis_dashboard_widgets(self, viewer):
        return [Widget(title="Sample widget", html="<p>sample widget body</p>")]

    @hookimpl
    def portalis_event(self, event):
        self.events.append(event.name)


class BrokenWidgetPlugin:
    PLUGIN = PluginInfo(name="broken", title="Broken", version="1.0")

    @hookimpl
    def portalis_dashboard_widgets(self, viewer):
        raise RuntimeError("widget exploded")


@pytest.fixture
def sample():
    return SamplePlugin()


@pytest.fixture
def sample_app(portalis_app, portalis_database_url, tmp_path, sample):
    return build_app(
        portalis_database_url, tmp_path, plugins=[], extra_plugins=[sample, BrokenWidgetPlugin()]
    )


def _enable(world, name, enabled=True, tier_ids=None):
    enable_plugin(world.program, name, enabled, tier_ids)


def _client(app, world, client_as, user):
    return client_as(user, app=app)


def test_disabled_plugin_pages_nav_and_widgets_vanish_and_come_back(world, client_as, sample_app):
    user = world.users["gold_user"]
    _enable(world, "sample", True)
    c = _client(sample_app, world, client_as, user)
    dash = c.get("/dashboard").get_data(as_text=True)
    assert "Sample nav" in dash and "sample widget body" in dash
    assert c.get("/sample/").status_code == 200

    _enable(world, "sample", False)
    resp = c.get("/sample/")
    assert resp.status_code == 404
    assert differs_from_unknown(resp, unknown_page(c)) is None
    dash = c.get("/dashboard").get_data(as_text=True)
    assert "Sample nav" not in dash and "sample widget body" not in dash

    _enable(world, "sample", True)
    assert c.get("/sample/").status_code == 200


def test_plugin_limited_to_gold_is_404_for_silver(world, client_as, sample_app):
    _enable(world, "sample", True, tier_ids=[world.tiers["gold"].id])
    gold = _client(sample_app, world, client_as, world.users["gold_user"])
    silver = _client(sample_app, world, client_as, world.users["silver_user"])
    assert gold.get("/sample/").status_code == 200
    assert silver.get("/sample/").status_code == 404
    assert "Sample nav" not in silver.get("/dashboard").get_data(as_text=True)


def test_plugin_enabled_in_other_tenant_only_is_404(world, client_as, sample_app):
    with tenant_scope(world.other_tenant.id):
        db.session.add(
            ProgramPlugin(
                program_id=world.other["program"].id, plugin="sample", enabled=True, settings={}
            )
        )
        db.session.commit()
    c = _client(sample_app, world, client_as, world.users["gold_user"])
    assert c.get("/sample/").status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_only_when_the_plugin_exists_here(
    world, client_as, sample_app
):
    c = _client(sample_app, world, client_as, None)
    assert c.get("/sample/").status_code == 404
    _enable(world, "sample", True)
    resp = c.get("/sample/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_failing_widget_is_left_out_and_logged(world, client_as, sample_app, caplog):
    _enable(world, "sample", True)
    _enable(world, "broken", True)
    c = _client(sample_app, world, client_as, world.users["gold_user"])
    with caplog.at_level(logging.ERROR, logger="portalis.plugins"):
        resp = c.get("/dashboard")
    assert resp.status_code == 200
    assert "sample widget body" in resp.get_data(as_text=True)
    assert any(
        "broken" in r.getMessage() and str(world.tenant.id) in r.getMessage()
        for r in caplog.records
    )


def test_events_reach_only_plugins_enabled_for_the_program(world, sample_app, sample):
    from portalis import events

    with sample_app.app_context(), tenant_scope(world.tenant.id):
        events.emit("thing.happened", {"x": 1}, program_id=world.program.id)
        db.session.commit()
    assert sample.events == []
    _enable(world, "sample", True)
    with sample_app.app_context(), tenant_scope(world.tenant.id):
        events.emit("thing.happened", {"x": 1}, program_id=world.program.id)
        db.session.commit()
    assert sample.events == ["thing.happened"]


def test_events_of_a_rolled_back_transaction_are_never_delivered(world, sample_app, sample):
    from portalis import events

    _enable(world, "sample", True)
    with sample_app.app_context(), tenant_scope(world.tenant.id):
        events.emit("never.happened", program_id=world.program.id)
        db.session.rollback()
        db.session.commit()
    assert sample.events == []


def test_misspelt_hook_is_refused_at_start_up():
    class Typo:
        PLUGIN = PluginInfo(name="typo", title="Typo", version="1.0")

        @hookimpl
        def portalis_nav_itemz(self, viewer):
            return []

    with pytest.raises(PluginError, match="portalis_nav_itemz"):
        PluginRegistry().load(only=[], extra=[Typo()])


def test_incompatible_plugin_is_refused_with_a_clear_message():
    class Future:
        PLUGIN = PluginInfo(name="future", title="Future", version="9.0", requires_core=">=2.0")

    with pytest.raises(PluginError, match="needs hook API >=2.0"):
        PluginRegistry().load(only=[], extra=[Future()])


def test_missing_required_plugin_is_refused():
    class Needy:
        PLUGIN = PluginInfo(
            name="needy", title="Needy", version="1.0", requires_plugins=("nonexistent",)
        )

    with pytest.raises(PluginError, match="requires plugin 'nonexistent'"):
        PluginRegistry().load(only=[], extra=[Needy()])


def test_every_hookspec_is_documented_with_its_signature():
    import inspect

    from portalis.plugins import hookspecs

    doc = (Path(__file__).resolve().parents[1] / "docs" / "plugins.md").read_text()
    specs = [n for n in dir(hookspecs) if n.startswith("portalis_")]
    assert len(specs) >= 10
    for name in specs:
        sig = inspect.signature(getattr(hookspecs, name))
        params = ", ".join(sig.parameters)
        assert re.search(rf"`{name}\({re.escape(params)}\)`", doc), (
            f"{name}({params}) is not documented in docs/plugins.md"
        )


def test_plugin_permission_is_granted_to_its_roles_only(world, client_as, sample_app):
    _enable(world, "sample", True)
    assert (
        client_as(world.users["vendor_admin"], app=sample_app).get("/sample/manage").status_code
        == 200
    )
    assert (
        client_as(world.users["channel_manager"], app=sample_app).get("/sample/manage").status_code
        == 404
    )
    assert (
        client_as(world.users["gold_admin"], app=sample_app).get("/sample/manage").status_code
        == 404
    )


def test_post_to_a_plugin_the_viewer_cant_use_is_404_not_a_csrf_error(world, client_as, sample_app):
    c = client_as(world.users["gold_user"], app=sample_app)
    assert c.post("/sample/").status_code == 404
    assert c.post("/no-such-route").status_code == 404


def test_every_public_api_name_is_documented():
    import portalis.api as api

    doc = (Path(__file__).resolve().parents[1] / "docs" / "plugins.md").read_text()
    undocumented = [
        n
        for n in api.__all__
        if not n.startswith("__") and n != "HOOK_API_VERSION" and f"`{n}" not in doc
    ]
    assert undocumented == [], f"add these to docs/plugins.md: {undocumented}"
