"""The isolation suite: walk EVERY URL rule of the app (core and installed plugins) as
users of another tenant, another partner, a lower tier, and anonymous.

Fails on any 500, on any page that shows data of another tenant or another partner, on
any plugin page a tier isn't entitled to that answers other than the unknown page's 404,
and on any POST that changes the victim's data. Built from the contract kit's functions
(portalis.testing.kit); each plugin also runs the kit's contract on its own routes
(portalis.testing.contract).
"""

import re

import pytest

from portalis.testing.kit import (
    Actor,
    enable_plugin,
    fingerprint,
    foreign_partner_strings,
    foreign_tenant_strings,
    public_page_strings,
    route_url,
    rules_of,
    seed_plugin_data,
    victim_values,
    walk,
)


@pytest.fixture
def scene(world):
    seed_plugin_data(world)
    # plugins entitled to Gold and Platinum only, so Silver is the "lower tier"
    for name in world.app.extensions["portalis"].installed_names():
        enable_plugin(world.program, name, allowed_tiers=["gold", "platinum"])
    return world


def test_no_route_leaks_another_tenants_or_partners_data(scene, client_as):
    world = scene
    app = world.app
    foreign_tenant_texts = foreign_tenant_strings(world)
    foreign_partner_texts = foreign_partner_strings(world, "gold", "silver")
    assert foreign_tenant_texts and foreign_partner_texts, "the scene must hold distinctive data"
    victim = victim_values(world, "gold")
    # the core's demo data gives the walk applications and their questions to aim at
    assert {"application_id", "field_id"} <= set(victim)
    before = fingerprint(world.tenant.id, [world.partners["silver"].id])
    plugin_bps = frozenset(app.extensions.get("portalis_blueprint_plugins", {}))
    actors = [
        Actor(
            "other tenant's partner admin",
            world.other["users"]["gold_admin"],
            foreign_tenant_texts,
        ),
        Actor(
            "other tenant's vendor admin",
            world.other["users"]["vendor_admin"],
            foreign_tenant_texts,
        ),
        Actor(
            "another partner (silver, lower tier)",
            world.users["silver_admin"],
            foreign_partner_texts,
            not_entitled=plugin_bps,
        ),
        Actor(
            "anonymous",
            None,
            foreign_tenant_texts | foreign_partner_texts,
            # public pages (api.public_page) show strangers some of the tenant's texts
            on_public_pages=public_page_strings(foreign_tenant_texts, foreign_partner_texts),
        ),
    ]
    rules = rules_of(app)
    assert len(rules) >= 30
    report = walk(rules, actors, client_as, victim)
    assert not report.problems, "\n".join(report.problems)
    after = fingerprint(world.tenant.id, [world.partners["silver"].id])
    changed = [name for name in before if before[name] != after.get(name)]
    assert not changed, f"requests of another tenant/partner changed the victim's {changed}"
    assert report.requests > 100


def test_every_route_answers_without_error_for_its_own_users(scene, client_as):
    """Each GET route, filled with the viewer's own records, renders (200/302/404, never 500)."""
    world = scene
    own = victim_values(world, "gold")
    problems = []
    for user_key in ("vendor_admin", "channel_manager", "gold_admin", "gold_user"):
        client = client_as(world.users[user_key])
        for rule in rules_of(world.app):
            if "GET" not in (rule.methods or ()):
                continue
            url = route_url(rule, own)
            resp = client.get(url)
            if resp.status_code >= 500:
                problems.append(f"{user_key}: GET {url} → {resp.status_code}")
            if re.search(
                r"Traceback|jinja2\.exceptions", resp.get_data().decode("utf-8", "replace")
            ):
                problems.append(f"{user_key}: GET {url} shows a stack trace")
    assert not problems, "\n".join(problems)
