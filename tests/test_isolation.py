"""The isolation suite: walk EVERY URL rule of the app (core and installed plugins) as
users of another tenant, another partner, a lower tier, and anonymous.

Fails on any 500, on any page that shows data of another tenant or another partner, on
any plugin page a tier isn't entitled to that answers other than 404, and on any POST
that changes the victim's data. Plugins get this for free by being installed.
"""

import hashlib
import re

import pytest
from sqlalchemy import String, Text, select

from portalis.db import Base, TenantScoped, db
from portalis.demo import DemoSeed
from portalis.models import ProgramPlugin
from portalis.tenancy import tenant_scope, unscoped

SKIP_ENDPOINTS = {"static", "theme_static", "auth.logout"}


def _seed_plugin_data(world):
    """Let every plugin add realistic records for both tenants (its demo-data hook)."""
    import random

    portal = world.app.extensions["portalis"]
    for bundle, tenant in ((world, world.tenant), (None, world.other_tenant)):
        src = (
            world.other
            if bundle is None
            else {
                "program": world.program,
                "tiers": world.tiers,
                "partners": world.partners,
                "users": world.users,
            }
        )
        seed = DemoSeed(
            tenant_id=tenant.id,
            tenant_slug=tenant.slug,
            program_id=src["program"].id,
            tiers={k.title(): v.id for k, v in src["tiers"].items()},
            partners={p.name: p.id for p in src["partners"].values()},
            users={u.email: u.id for u in src["users"].values()},
            rng=random.Random(f"isolation-{tenant.slug}"),  # same seed → same texts in both tenants
        )
        with (
            world.app.test_request_context(base_url=f"http://{tenant.slug}.localhost"),
            tenant_scope(tenant.id),
        ):
            portal.registry.call_all("portalis_demo_data", seed=seed)
            db.session.commit()


def _strings(tenant_id, partner_id=None):
    """Distinctive texts stored for a tenant (or for one partner of it)."""
    out = set()
    with unscoped("isolation suite reads raw rows"):
        for mapper in Base.registry.mappers:
            cls = mapper.class_
            if not issubclass(cls, TenantScoped):
                continue
            table = mapper.local_table
            cols = [
                c
                for c in table.columns
                if isinstance(c.type, String | Text)
                and c.name
                not in (
                    "password_hash",
                    "token_nonce",
                    "id",
                    "criteria",
                    "role",
                    "status",
                    "currency",
                    "country",
                    "locale",
                    "timezone",
                    "slug",
                    "color",
                    "source",
                    "action",
                    "object_type",
                    "plugin",
                )
            ]
            if not cols:
                continue
            stmt = select(*cols).where(table.c.tenant_id == tenant_id)
            if partner_id is not None:
                if "partner_id" not in table.c:
                    continue
                stmt = stmt.where(table.c.partner_id == partner_id)
            for row in db.session.execute(stmt):
                for value in row:
                    if (
                        isinstance(value, str)
                        and len(value) >= 8
                        and (" " in value or "@" in value)
                    ):
                        out.add(value)
    return out


def _fingerprint(tenant_id, except_partner_id):
    """Per table, a digest of the victim tenant's rows — except those of the attacking
    partner of the same tenant, who may of course change their own data."""
    out = {}
    with unscoped("isolation suite fingerprints a tenant"):
        for mapper in sorted(Base.registry.mappers, key=lambda m: m.local_table.name):
            t = mapper.local_table
            if not issubclass(mapper.class_, TenantScoped) or t.name in (
                "user_sessions",
                "audit_entries",
                "outbox_messages",
            ):
                continue
            stmt = select(t).where(t.c.tenant_id == tenant_id).order_by(*t.primary_key.columns)
            if t.name == "partners":
                stmt = stmt.where(t.c.id != except_partner_id)
            elif "partner_id" in t.c:
                stmt = stmt.where((t.c.partner_id != except_partner_id) | t.c.partner_id.is_(None))
            digest = hashlib.sha256()
            for row in db.session.execute(stmt):
                digest.update(repr(tuple(row)).encode())
            out[t.name] = digest.hexdigest()
    return out


def _values(rule, victim):
    """Argument values pointing at the victim's records."""
    out = {}
    for arg in rule.arguments:
        conv = rule._converters[arg].__class__.__name__  # noqa: SLF001
        if arg in victim:
            out[arg] = victim[arg]
        elif conv == "IntegerConverter":
            out[arg] = victim["any_id"]
        elif arg == "name":
            out[arg] = victim["plugin"]
        elif arg == "token":
            out[arg] = "not-a-real-token"
        else:
            out[arg] = "x"
    return out


def _plugin_endpoints(app):
    return app.extensions.get("portalis_blueprint_plugins", {})


@pytest.fixture
def scene(world):
    _seed_plugin_data(world)
    # plugins entitled to Gold and Platinum only, so Silver is the "lower tier"
    with tenant_scope(world.tenant.id):
        for row in db.session.scalars(select(ProgramPlugin)):
            row.tier_ids = [world.tiers["gold"].id, world.tiers["platinum"].id]
        db.session.commit()
    return world


def _request(client, method, url):
    if method == "GET":
        return client.get(url)
    token = client.csrf("/login") if client.host else None
    return client.post(
        url,
        data={
            "csrf_token": token,
            "reason": "x",
            "status": "active",
            "name": "X",
            "email": "x@x.test",
            "role": "partner_user",
        },
    )


def test_no_route_leaks_another_tenants_or_partners_data(scene, client_as):
    world = scene
    app = world.app
    gold = world.partners["gold"]
    foreign_tenant_texts = _strings(world.tenant.id) - _strings(world.other_tenant.id)
    foreign_partner_texts = _strings(world.tenant.id, gold.id) - _strings(
        world.tenant.id, world.partners["silver"].id
    )
    # texts of the victim tenant that every tenant's pages legitimately show
    foreign_tenant_texts = {
        t
        for t in foreign_tenant_texts
        if world.tenant.slug.lower() in t.lower() or "@" in t or len(t) > 12
    }
    assert foreign_tenant_texts and foreign_partner_texts, "the scene must hold distinctive data"
    victim = {
        "partner_id": gold.id,
        "user_id": world.users["gold_user"].id,
        "program_id": world.program.id,
        "tier_id": world.tiers["gold"].id,
        "plugin": next(iter(app.extensions["portalis"].installed_names()), "none"),
        "any_id": gold.id,
    }
    # ids of the victim partner's plugin records, by route argument name (deal_id, item_id…)
    with unscoped("isolation suite finds plugin record ids"):
        for mapper in Base.registry.mappers:
            t = mapper.local_table
            if (
                issubclass(mapper.class_, TenantScoped)
                and "partner_id" in t.c
                and "id" in t.c
                and t.name not in ("users", "tier_changes")
            ):
                rid = db.session.execute(
                    select(t.c.id).where(t.c.partner_id == gold.id).limit(1)
                ).scalar()
                if rid is not None:
                    singular = t.name.split("_", 1)[-1].rstrip("s")
                    victim.setdefault(f"{singular}_id", rid)
    before = _fingerprint(world.tenant.id, world.partners["silver"].id)
    plugin_bps = _plugin_endpoints(app)
    actors = {
        "other tenant's partner admin": (world.other["users"]["gold_admin"], foreign_tenant_texts),
        "other tenant's vendor admin": (world.other["users"]["vendor_admin"], foreign_tenant_texts),
        "another partner (silver, lower tier)": (
            world.users["silver_admin"],
            foreign_partner_texts,
        ),
        "anonymous": (None, foreign_tenant_texts | foreign_partner_texts),
    }
    problems = []
    checked = 0
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIP_ENDPOINTS]
    assert len(rules) >= 30
    for label, (user, forbidden) in actors.items():
        for rule in rules:
            url = rule.build(_values(rule, victim))[1]
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                client = client_as(
                    user
                )  # fresh client: a POST can't sign the actor out for the rest
                resp = _request(client, method, url)
                checked += 1
                body = resp.get_data().decode("utf-8", "replace")
                if resp.status_code >= 500:
                    problems.append(f"{label}: {method} {url} → {resp.status_code}")
                    continue
                leaked = [t for t in forbidden if t in body]
                if resp.status_code == 200 and leaked:
                    problems.append(f"{label}: {method} {url} shows {leaked[:3]}")
                blueprint = rule.endpoint.split(".", 1)[0]
                if (
                    label.startswith("another partner")
                    and blueprint in plugin_bps
                    and method == "GET"
                    and resp.status_code != 404
                ):
                    problems.append(
                        f"{label}: plugin page {url} answered {resp.status_code}, expected 404 (not entitled)"
                    )
    assert not problems, "\n".join(problems)
    after = _fingerprint(world.tenant.id, world.partners["silver"].id)
    changed = [name for name in before if before[name] != after.get(name)]
    assert not changed, f"requests of another tenant/partner changed the victim's {changed}"
    assert checked > 100


def test_every_route_answers_without_error_for_its_own_users(scene, client_as):
    """Each GET route, filled with the viewer's own records, renders (200/302/404, never 500)."""
    world = scene
    app = world.app
    own = {
        "partner_id": world.partners["gold"].id,
        "user_id": world.users["gold_user"].id,
        "program_id": world.program.id,
        "tier_id": world.tiers["gold"].id,
        "plugin": next(iter(app.extensions["portalis"].installed_names()), "none"),
        "any_id": world.partners["gold"].id,
    }
    problems = []
    for user_key in ("vendor_admin", "channel_manager", "gold_admin", "gold_user"):
        client = client_as(world.users[user_key])
        for rule in app.url_map.iter_rules():
            if rule.endpoint in SKIP_ENDPOINTS or "GET" not in (rule.methods or ()):
                continue
            url = rule.build(_values(rule, own))[1]
            resp = client.get(url)
            if resp.status_code >= 500:
                problems.append(f"{user_key}: GET {url} → {resp.status_code}")
            if re.search(
                r"Traceback|jinja2\.exceptions", resp.get_data().decode("utf-8", "replace")
            ):
                problems.append(f"{user_key}: GET {url} shows a stack trace")
    assert not problems, "\n".join(problems)
