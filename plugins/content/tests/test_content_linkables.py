"""Linkable items (hook API 1.3): other plugins — a course lesson of the training plugin —
offer and link library items through ``api.find_linkables`` / ``api.resolve_linkables``
without importing the library; they get exactly what the viewer may open, now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from portalis import api
from portalis.testing.kit import enable_plugin


@contextmanager
def viewing_as(world, client_as, who) -> Iterator[None]:
    """A request of ``world.users[who]`` (or of the user ``who``) through the app's real
    pipeline, for calling the API the way another plugin's view would."""
    app = world.app
    client = client_as(world.users[who] if isinstance(who, str) else who)
    name = app.config.get("SESSION_COOKIE_NAME", "session")
    cookie = client.get_cookie(name, domain=client.host)
    headers = {"Cookie": f"{name}={cookie.value}"} if cookie else {}
    with app.test_request_context("/", base_url=f"http://{client.host}", headers=headers):
        app.preprocess_request()
        yield


def _found(world, client_as, key, query="", limit=20):
    with viewing_as(world, client_as, key):
        return api.find_linkables(query, limit)


def _resolved(world, client_as, key, refs):
    with viewing_as(world, client_as, key):
        return api.resolve_linkables(refs)


def test_a_partner_is_offered_what_they_may_open(world, client_as, library):
    now = api.utcnow()
    everyone = library("Cloud Backup datasheet")
    gold_only = library("Gold price list", visibility="tiers", tiers=("gold",))
    library("Silver price list", visibility="tiers", tiers=("silver",))
    library("Joint plan with Silver", visibility="partners", partners=("silver",))
    library("Draft whitepaper", visibility="hidden")
    library("Old promotion", expires_at=now - dt.timedelta(minutes=1))
    library("Launch kit", publish_at=now + dt.timedelta(days=3))
    link = library("Partner webinar", kind="link", url="https://example.com/webinar")
    page = library("How to register a deal", kind="page")

    found = _found(world, client_as, "gold_user")
    assert {f.title for f in found} == {
        "Cloud Backup datasheet",
        "Gold price list",
        "Partner webinar",
        "How to register a deal",
    }
    by_ref = {f.ref: f for f in found}
    datasheet = by_ref[f"content:{everyone}"]
    assert datasheet.url == f"/content/items/{everyone}"
    assert datasheet.kind_label == "PDF" and datasheet.plugin == "content"
    assert by_ref[f"content:{link}"].kind_label == "Link"
    assert by_ref[f"content:{page}"].kind_label == "Page"
    assert f"content:{gold_only}" in by_ref
    # what the page behind the URL says agrees
    gold = client_as(world.users["gold_user"])
    assert all(gold.get(f.url).status_code == 200 for f in found)

    silver_titles = {f.title for f in _found(world, client_as, "silver_user")}
    assert "Gold price list" not in silver_titles
    assert {"Silver price list", "Joint plan with Silver"} <= silver_titles


def test_the_picker_searches_titles_in_every_language(world, client_as, library, set_locale):
    item = library(
        "Security whitepaper",
        translations={"de": ("Sicherheits-Whitepaper", None)},
    )
    library("Pricing 100% guide")
    library("Pricing 1000 guide")
    # in German, a German title; found by a word of the English one too
    set_locale("gold_user", "de")
    found = _found(world, client_as, "gold_user", "security")
    assert [(f.ref, f.title) for f in found] == [(f"content:{item}", "Sicherheits-Whitepaper")]
    assert [f.ref for f in _found(world, client_as, "gold_user", "SICHERHEITS")] == [
        f"content:{item}"
    ]
    # a % in the query is a percent sign, not a wildcard
    assert [f.title for f in _found(world, client_as, "gold_user", "100%")] == [
        "Pricing 100% guide"
    ]
    assert _found(world, client_as, "gold_user", "no such title") == []


def test_the_limit_holds_and_the_newest_come_first(world, client_as, library):
    ids = [library(f"Brochure number {n}", kind="page") for n in range(5)]
    found = _found(world, client_as, "gold_user", "brochure", limit=3)
    assert [f.ref for f in found] == [f"content:{i}" for i in reversed(ids[-3:])]


def test_staff_who_manage_the_library_link_to_its_manage_pages(world, client_as, library):
    hidden = library("Draft whitepaper", visibility="hidden")
    found = {f.ref: f for f in _found(world, client_as, "channel_manager")}
    assert found[f"content:{hidden}"].url == f"/content/manage/items/{hidden}"


def test_resolving_keeps_only_what_the_partner_may_open_now(world, client_as, library, set_tier):
    everyone = library("Cloud Backup datasheet")
    gold_only = library("Gold price list", visibility="tiers", tiers=("gold",))
    ending = library("Spring promotion")
    other = world.other
    refs = [
        f"content:{everyone}",
        f"content:{gold_only}",
        f"content:{ending}",
        "content:abc",
        "content:-1",
        f"content:{10**30}",
    ]
    resolved = _resolved(world, client_as, "gold_user", refs)
    assert set(resolved) == {f"content:{everyone}", f"content:{gold_only}", f"content:{ending}"}
    assert resolved[f"content:{gold_only}"].title == "Gold price list"

    # the partner moves down a tier, an item expires: they drop out on the next look
    set_tier("gold", "silver")
    with api.tenant_scope(world.tenant.id):
        from portalis_content.models import Item

        api.session.get(Item, ending).expires_at = api.utcnow() - dt.timedelta(seconds=1)
        api.session.commit()
    assert set(_resolved(world, client_as, "gold_user", refs)) == {f"content:{everyone}"}
    # another tenant's people resolve none of this tenant's items
    for user in (other["users"]["gold_admin"], other["users"]["vendor_admin"]):
        assert _resolved(world, client_as, user, refs) == {}


def test_nothing_is_offered_or_resolved_where_the_library_is_off(world, client_as, library):
    item = library("Cloud Backup datasheet")
    assert _found(world, client_as, "gold_user")
    enable_plugin(world.program, "content", enabled=False)
    assert _found(world, client_as, "gold_user") == []
    assert _resolved(world, client_as, "gold_user", [f"content:{item}"]) == {}
    assert _resolved(world, client_as, "vendor_admin", [f"content:{item}"]) == {}
