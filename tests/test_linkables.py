"""Hook API 1.3: linkable items — a plugin (the training plugin) links to items of another
(files of the content library) without importing it: ``api.find_linkables`` offers what
the viewer may open, ``api.resolve_linkables`` says which stored refs they may open now.
Checked with small plugins, the way third-party authors would use them."""

from __future__ import annotations

import logging

import pytest
from flask import Blueprint, jsonify, request

from portalis import api
from portalis.testing.fixtures import build_app
from portalis.testing.kit import enable_plugin


class ShelfPlugin:
    """A source: shelves of the viewer's own tier. "shelf:<tier id>-<n>"; records every
    resolve call so a test can see who was asked about what."""

    PLUGIN = api.PluginInfo(name="shelf", title="Shelf", version="1.0")

    def __init__(self) -> None:
        self.resolve_calls: list[list[str]] = []
        self.retired: set[str] = set()

    def _all(self, viewer):
        if viewer.is_anonymous:
            return []
        owner = viewer.tier_id if viewer.is_partner else "staff"
        return [
            api.LinkableItem(
                ref=f"shelf:{owner}-{n}",
                title=f"Shelf item {n}",
                url=f"/shelf/{owner}/{n}",
                kind_label="PDF",
            )
            for n in range(1, 6)
        ]

    @api.hookimpl
    def portalis_linkable_items(self, viewer, query, limit):
        return [i for i in self._all(viewer) if query.lower() in i.title.lower()][:limit]

    @api.hookimpl
    def portalis_resolve_linkables(self, viewer, refs):
        self.resolve_calls.append(list(refs))
        mine = {i.ref: i for i in self._all(viewer) if i.ref not in self.retired}
        return [mine[r] for r in refs if r in mine]


class RoguePlugin:
    """Answers with a ref of another plugin (and one of its own)."""

    PLUGIN = api.PluginInfo(name="rogue", title="Rogue", version="1.0")

    @api.hookimpl
    def portalis_linkable_items(self, viewer):
        return [
            api.LinkableItem("shelf:forged", "Forged shelf item", "/evil"),
            api.LinkableItem("rogue:1", "Rogue item 1", "/rogue/1", plugin="shelf"),
        ]

    @api.hookimpl
    def portalis_resolve_linkables(self, refs):
        return [api.LinkableItem("shelf:forged", "Forged shelf item", "/evil")] + [
            api.LinkableItem(r, "Rogue item", "/rogue") for r in refs
        ]


class BrokenPlugin:
    PLUGIN = api.PluginInfo(name="brokenshelf", title="Broken shelf", version="1.0")

    @api.hookimpl
    def portalis_linkable_items(self, viewer, query, limit):
        raise RuntimeError("the shelf fell over")

    @api.hookimpl
    def portalis_resolve_linkables(self, refs):
        raise RuntimeError("the shelf fell over again")


class PickerPlugin:
    """The consumer (like the training plugin): a picker and a resolver as JSON."""

    PLUGIN = api.PluginInfo(name="picker", title="Picker", version="1.0")

    def __init__(self) -> None:
        self.bp = Blueprint("picker", __name__, url_prefix="/picker")
        self.bp.add_url_rule("/find", "find", api.login_required(self.find))
        self.bp.add_url_rule("/resolve", "resolve", api.login_required(self.resolve))

    def find(self):
        limit = api.int_arg("limit", 20, min=1, max=1000)
        found = api.find_linkables(api.text_arg("q", 200), limit=limit)
        return jsonify([[i.ref, i.title, i.url, i.kind_label, i.plugin] for i in found])

    def resolve(self):
        found = api.resolve_linkables(request.args.getlist("ref"))
        return jsonify({ref: [i.title, i.url, i.plugin] for ref, i in found.items()})

    @api.hookimpl
    def portalis_blueprints(self):
        return [self.bp]


@pytest.fixture(scope="module")
def shelf():
    return ShelfPlugin()


@pytest.fixture(scope="module")
def link_app(portalis_database_url, tmp_path_factory, shelf):
    return build_app(
        portalis_database_url,
        tmp_path_factory.mktemp("linkables"),
        plugins=[],
        extra_plugins=[PickerPlugin(), shelf, RoguePlugin(), BrokenPlugin()],
    )


@pytest.fixture
def on(world, shelf):
    """Picker and shelf on for the program (the others off unless a test says so)."""
    enable_plugin(world.program, "picker")
    enable_plugin(world.program, "shelf")
    shelf.resolve_calls.clear()
    shelf.retired.clear()
    return world


def _client(world, client_as, link_app, key):
    return client_as(world.users[key] if key else None, app=link_app)


def test_a_picker_offers_only_what_the_viewer_may_open(on, client_as, link_app):
    world = on
    gold = _client(world, client_as, link_app, "gold_user")
    found = gold.get("/picker/find").get_json()
    tier = world.tiers["gold"].id
    assert [f[0] for f in found] == [f"shelf:{tier}-{n}" for n in range(1, 6)]
    assert found[0] == [f"shelf:{tier}-1", "Shelf item 1", f"/shelf/{tier}/1", "PDF", "shelf"]
    # the query reaches the plugin, the limit holds
    assert [f[0] for f in gold.get("/picker/find?q=item 3").get_json()] == [f"shelf:{tier}-3"]
    assert len(gold.get("/picker/find?limit=2").get_json()) == 2
    # a silly limit is capped, not an error
    assert len(gold.get("/picker/find?limit=1000").get_json()) == 5


def test_a_source_off_for_the_viewers_tier_offers_nothing(on, client_as, link_app, shelf):
    world = on
    enable_plugin(world.program, "shelf", allowed_tiers=["gold"])
    silver = _client(world, client_as, link_app, "silver_user")
    assert silver.get("/picker/find").get_json() == []
    silver_ref = f"shelf:{world.tiers['silver'].id}-1"
    assert silver.get(f"/picker/resolve?ref={silver_ref}").get_json() == {}
    assert shelf.resolve_calls == []  # not even asked
    gold = _client(world, client_as, link_app, "gold_user")
    assert len(gold.get("/picker/find").get_json()) == 5


def test_resolving_asks_only_the_plugin_named_once_and_keeps_what_is_open_now(
    on, client_as, link_app, shelf
):
    world = on
    enable_plugin(world.program, "rogue")
    tier = world.tiers["gold"].id
    gold = _client(world, client_as, link_app, "gold_user")
    refs = [f"shelf:{tier}-1", f"shelf:{tier}-2", f"shelf:{tier}-2", "shelf:999-1", "rogue:7"]
    shelf.retired = {f"shelf:{tier}-2"}  # deleted, expired or no longer for this viewer
    query = "&".join(f"ref={r}" for r in refs)
    resolved = gold.get(f"/picker/resolve?{query}").get_json()
    assert resolved == {
        f"shelf:{tier}-1": ["Shelf item 1", f"/shelf/{tier}/1", "shelf"],
        "rogue:7": ["Rogue item", "/rogue", "rogue"],
    }
    # the shelf was asked once, about its own refs only (duplicates dropped)
    assert shelf.resolve_calls == [[f"shelf:{tier}-1", f"shelf:{tier}-2", "shelf:999-1"]]


def test_malformed_refs_are_left_out_without_asking_anyone(on, client_as, link_app, shelf):
    world = on
    gold = _client(world, client_as, link_app, "gold_user")
    refs = ["", "shelf", "shelf:", ":1", "Shelf:1", "no such:1", "x" * 300, "core:1"]
    query = "&".join(f"ref={r}" for r in refs)
    assert gold.get(f"/picker/resolve?{query}").get_json() == {}
    assert shelf.resolve_calls == []


def test_a_plugin_cannot_offer_or_resolve_another_plugins_refs(on, client_as, link_app, shelf):
    world = on
    enable_plugin(world.program, "rogue")
    gold = _client(world, client_as, link_app, "gold_user")
    found = gold.get("/picker/find").get_json()
    assert "shelf:forged" not in [f[0] for f in found]
    # its own item is kept, filed under its own name whatever it claimed
    assert ["rogue:1", "Rogue item 1", "/rogue/1", "", "rogue"] in found
    assert gold.get("/picker/resolve?ref=shelf:forged").get_json() == {}
    assert shelf.resolve_calls == [["shelf:forged"]]


def test_a_failing_source_is_logged_and_left_out(on, client_as, link_app, caplog):
    world = on
    enable_plugin(world.program, "brokenshelf")
    tier = world.tiers["gold"].id
    gold = _client(world, client_as, link_app, "gold_user")
    with caplog.at_level(logging.ERROR, logger="portalis.plugins"):
        found = gold.get("/picker/find")
        resolved = gold.get(f"/picker/resolve?ref=brokenshelf:1&ref=shelf:{tier}-4")
    assert found.status_code == 200 and len(found.get_json()) == 5
    assert resolved.status_code == 200
    assert list(resolved.get_json()) == [f"shelf:{tier}-4"]
    failures = [r.getMessage() for r in caplog.records if "brokenshelf" in r.getMessage()]
    assert len(failures) == 2 and all(str(world.tenant.id) in m for m in failures)


def test_vendor_staff_get_the_sources_on_anywhere_in_the_tenant(on, client_as, link_app):
    world = on
    staff = _client(world, client_as, link_app, "channel_manager")
    assert [f[0] for f in staff.get("/picker/find").get_json()][:1] == ["shelf:staff-1"]
    enable_plugin(world.program, "shelf", enabled=False)
    assert staff.get("/picker/find").get_json() == []
    assert staff.get("/picker/resolve?ref=shelf:staff-1").get_json() == {}
