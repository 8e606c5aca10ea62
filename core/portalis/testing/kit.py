"""The shared parts of the contract-test kit: seeding, distinctive strings, route walking,
"the same 404 as an unknown page", switching plugins per program.

The plugin contract (:mod:`portalis.testing.contract`) and the core's own isolation and
pseudo-locale suites are built from these functions, so a plugin is held to exactly the
rules the core holds itself to. Plugin tests may call them directly too.

Switching plugins
    :func:`enable_plugin` ``(program, name, enabled=True, allowed_tiers=None)`` — switch a
    plugin on or off for a program, for every tier (``None``) or only the tiers given
    (Tier objects, ids or names). Committed. Also the ``enable_plugin`` fixture.

Data
    :func:`seed_plugin_data` ``(world, plugins=None)`` — run the ``portalis_demo_data`` hook
    of the named plugins (default: all) for BOTH tenants of the ``world`` fixture, with the
    same random seed, so the two tenants get the same texts and only what really differs
    between them counts as foreign data.

    :func:`distinctive_strings` ``(tenant_id, partner_id=None)`` — texts stored for a tenant
    (or for one partner of it): every string column of every tenant table, kept if at least
    8 characters long with a space or an ``@`` (names, titles, e-mails, sentences).

    :func:`fingerprint` ``(tenant_id, except_partner_ids=())`` — a digest per table of a
    tenant's rows (leaving out those of the given partners and bookkeeping tables), to
    prove that requests changed nothing of the victim's.

    :func:`victim_values` ``(world, partner="gold", plugin=None)`` — values for URL
    arguments pointing at one partner's records: ``partner_id``, ``user_id``,
    ``program_id``, ``tier_id``, and for every table holding that partner's rows
    ``<singular>_id`` (``deals_registrations`` → ``registration_id``), ids those rows refer
    to (an access table's ``item_id``), then any row of the tenant by table name
    (``content_folders`` → ``folder_id``).

Routes
    :func:`rules_of` ``(app, plugin=None)`` — the URL rules to walk: those of the plugin's
    blueprints (``app.extensions["portalis_blueprint_plugins"]`` maps blueprint → plugin),
    or every rule of the app but static files and logout.

    :func:`route_url` ``(rule, values)`` — a URL for the rule with argument values from
    ``values`` (integers fall back to ``values["any_id"]``).

    :func:`send` ``(client, method, url)`` — a GET, or a POST carrying a valid CSRF token
    and plausible form fields (so the request gets past CSRF to the view).

    :class:`Actor` and :func:`walk` — request every rule with every method as each actor
    (a fresh signed-in client per request) and report: any 5xx, any page showing one of
    the actor's forbidden strings, any rule of ``Actor.not_entitled`` blueprints that
    answers other than the unknown page's 404.

    :func:`unknown_page` ``(client)`` and :func:`differs_from_unknown` ``(resp, unknown)``
    — "the same 404 as an unknown page": same status and the same body once per-request
    tokens (CSRF, nonces) are blanked, so a page never reveals that something exists.
"""

from __future__ import annotations

import hashlib
import html
import random
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, Text, select
from werkzeug.routing import IntegerConverter, Rule

from ..db import Base, TenantScoped, db
from ..models import Program, ProgramPlugin, Tier
from ..plugins.contract import DemoSeed
from ..tenancy import tenant_scope, unscoped

__all__ = [
    "SKIP_ENDPOINTS",
    "Actor",
    "differs_from_unknown",
    "distinctive_strings",
    "enable_plugin",
    "fingerprint",
    "hrefs",
    "rules_of",
    "route_url",
    "seed_plugin_data",
    "send",
    "unknown_page",
    "victim_values",
    "walk",
]

#: Endpoints no walk requests: static files and signing out (which would end the actor).
SKIP_ENDPOINTS = frozenset({"static", "theme_static", "auth.logout"})

#: Columns holding codes, not texts: never counted as distinctive data.
CODE_COLUMNS = frozenset(
    {
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
    }
)

#: Tables a request may legitimately write to whoever sends it.
BOOKKEEPING_TABLES = frozenset({"user_sessions", "audit_entries", "outbox_messages"})


# --- switching plugins ---------------------------------------------------------------------


def enable_plugin(
    program: Any,
    name: str,
    enabled: bool = True,
    allowed_tiers: Iterable[Any] | None = None,
) -> ProgramPlugin:
    """Switch plugin ``name`` on (or off) for ``program`` (a Program or its id) and commit.

    ``allowed_tiers``: ``None`` = every tier of the program; otherwise Tier objects, tier
    ids or tier names (case-insensitive) — partners of other tiers get 404 on the plugin's
    pages and never see its nav items, widgets or search hits.
    """
    program_id = getattr(program, "id", program)
    tenant_id = getattr(program, "tenant_id", None)
    if tenant_id is None:
        with unscoped("test helper finds the program's tenant"):
            tenant_id = db.session.scalars(
                select(Program.tenant_id).where(Program.id == program_id)
            ).one()
    with tenant_scope(tenant_id):
        tier_ids: list[int] | None = None
        if allowed_tiers is not None:
            by_name = {
                t.name.lower(): t.id
                for t in db.session.scalars(select(Tier).where(Tier.program_id == program_id))
            }
            tier_ids = []
            for tier in allowed_tiers:
                if isinstance(tier, str):
                    if tier.lower() not in by_name:
                        raise ValueError(f"program {program_id} has no tier {tier!r}")
                    tier_ids.append(by_name[tier.lower()])
                else:
                    tier_ids.append(getattr(tier, "id", tier))
        row = db.session.scalars(
            select(ProgramPlugin).where(
                ProgramPlugin.program_id == program_id, ProgramPlugin.plugin == name
            )
        ).first()
        if row is None:
            row = ProgramPlugin(program_id=program_id, plugin=name, settings={})
            db.session.add(row)
        row.enabled = enabled
        row.tier_ids = tier_ids
        db.session.commit()
        return row


# --- data ---------------------------------------------------------------------------------


def with_requirements(app: Any, plugins: Iterable[str]) -> set[str]:
    """The plugins named and, transitively, the plugins they require."""
    registry = app.extensions["portalis"].registry
    out: set[str] = set()
    todo = list(plugins)
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out.add(name)
        todo += list(registry.plugins[name].info.requires_plugins)
    return out


def seed_plugin_data(world: Any, plugins: Iterable[str] | None = None) -> None:
    """Run ``portalis_demo_data`` of ``plugins`` (default: every installed plugin; the
    plugins they require are included) for both tenants of ``world``, committed."""
    app = world.app
    registry = app.extensions["portalis"].registry
    if plugins is None:
        caller = registry.pm.hook.portalis_demo_data
    else:
        wanted = with_requirements(app, plugins)
        others = [p.module for n, p in registry.plugins.items() if n not in wanted]
        caller = registry.pm.subset_hook_caller("portalis_demo_data", remove_plugins=others)
    for tenant, src in (
        (
            world.tenant,
            {
                "program": world.program,
                "tiers": world.tiers,
                "partners": world.partners,
                "users": world.users,
            },
        ),
        (world.other_tenant, world.other),
    ):
        seed = DemoSeed(
            tenant_id=tenant.id,
            tenant_slug=tenant.slug,
            program_id=src["program"].id,
            tiers={k.title(): v.id for k, v in src["tiers"].items()},
            partners={p.name: p.id for p in src["partners"].values()},
            users={u.email: u.id for u in src["users"].values()},
            # the same seed in both tenants → the same texts; only real differences count
            rng=random.Random("portalis-contract"),
        )
        with (
            app.test_request_context(base_url=f"http://{tenant.slug}.localhost"),
            tenant_scope(tenant.id),
        ):
            caller(seed=seed)
            db.session.commit()


def _tenant_tables() -> list[Any]:
    return [m for m in Base.registry.mappers if issubclass(m.class_, TenantScoped)]


def distinctive_strings(tenant_id: int, partner_id: int | None = None) -> set[str]:
    """Distinctive texts stored for a tenant (or, with ``partner_id``, in the rows of
    tables with a ``partner_id`` column that belong to that partner)."""
    out: set[str] = set()
    with unscoped("contract kit reads raw rows"):
        for mapper in _tenant_tables():
            table = mapper.local_table
            cols = [
                c
                for c in table.columns
                if isinstance(c.type, String | Text) and c.name not in CODE_COLUMNS
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


def foreign_tenant_strings(world: Any) -> set[str]:
    """Texts of the main tenant that the other tenant doesn't have and that no page of
    every tenant legitimately shows (they name the tenant, are e-mails, or are long)."""
    texts = distinctive_strings(world.tenant.id) - distinctive_strings(world.other_tenant.id)
    slug = world.tenant.slug.lower()
    return {t for t in texts if slug in t.lower() or "@" in t or len(t) > 12}


def foreign_partner_strings(world: Any, victim: str = "gold", viewer: str = "silver") -> set[str]:
    """Texts of the ``victim`` partner's rows that the ``viewer`` partner doesn't have."""
    return distinctive_strings(world.tenant.id, world.partners[victim].id) - (
        distinctive_strings(world.tenant.id, world.partners[viewer].id)
    )


def fingerprint(tenant_id: int, except_partner_ids: Iterable[int] = ()) -> dict[str, str]:
    """Per table, a digest of a tenant's rows — except those of ``except_partner_ids``
    (attackers may change their own data) and the bookkeeping tables."""
    skip = list(except_partner_ids)
    out = {}
    with unscoped("contract kit fingerprints a tenant"):
        for mapper in sorted(_tenant_tables(), key=lambda m: m.local_table.name):
            t = mapper.local_table
            if t.name in BOOKKEEPING_TABLES:
                continue
            stmt = select(t).where(t.c.tenant_id == tenant_id).order_by(*t.primary_key.columns)
            if skip and t.name == "partners":
                stmt = stmt.where(t.c.id.not_in(skip))
            elif skip and "partner_id" in t.c:
                stmt = stmt.where(t.c.partner_id.not_in(skip) | t.c.partner_id.is_(None))
            digest = hashlib.sha256()
            for row in db.session.execute(stmt):
                digest.update(repr(tuple(row)).encode())
            out[t.name] = digest.hexdigest()
    return out


def _singular(table_name: str) -> str:
    return table_name.split("_", 1)[-1].rstrip("s")


def victim_values(world: Any, partner: str = "gold", plugin: str | None = None) -> dict[str, Any]:
    """URL argument values that point at ``partner``'s records in the main tenant."""
    p = world.partners[partner]
    values: dict[str, Any] = {
        "partner_id": p.id,
        "user_id": world.users[f"{partner}_user"].id,
        "program_id": world.program.id,
        "tier_id": p.tier_id,
        "plugin": plugin or next(iter(world.app.extensions["portalis"].installed_names()), "none"),
        "any_id": p.id,
    }
    tables = [m.local_table for m in _tenant_tables()]
    with unscoped("contract kit finds record ids"):
        referenced: dict[str, Any] = {}
        for t in tables:
            if "partner_id" not in t.c or "id" not in t.c or t.name in ("users", "tier_changes"):
                continue
            row = db.session.execute(
                select(t).where(t.c.partner_id == p.id).order_by(t.c.id).limit(1)
            ).first()
            if row is None:
                continue
            values.setdefault(f"{_singular(t.name)}_id", row.id)
            for col in t.c:
                if col.name.endswith("_id") and col.name not in ("tenant_id", "partner_id"):
                    value = getattr(row, col.name)
                    if value is not None:
                        referenced.setdefault(col.name, value)
        for t in tables:  # access tables without their own id (item_id, partner_id)
            if "partner_id" in t.c and "id" not in t.c:
                row = db.session.execute(select(t).where(t.c.partner_id == p.id).limit(1)).first()
                for col in t.c if row is not None else ():
                    if col.name.endswith("_id") and col.name not in ("tenant_id", "partner_id"):
                        referenced.setdefault(col.name, getattr(row, col.name))
        for name, value in referenced.items():
            values.setdefault(name, value)
        for t in tables:
            if "id" in t.c and f"{_singular(t.name)}_id" not in values:
                rid = db.session.execute(
                    select(t.c.id).where(t.c.tenant_id == world.tenant.id).order_by(t.c.id).limit(1)
                ).scalar()
                if rid is not None:
                    values[f"{_singular(t.name)}_id"] = rid
    return values


# --- routes -------------------------------------------------------------------------------


def rules_of(app: Any, plugin: str | None = None) -> list[Rule]:
    """The plugin's URL rules (of blueprints it owns), or every rule of the app; static
    files and logout left out either way."""
    owners: dict[str, str] = app.extensions.get("portalis_blueprint_plugins", {})
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        if plugin is not None and owners.get(rule.endpoint.split(".", 1)[0]) != plugin:
            continue
        out.append(rule)
    return sorted(out, key=lambda r: (r.rule, r.endpoint))


def plugin_of(app: Any, rule: Rule) -> str | None:
    """The plugin owning the rule's blueprint (None for the core)."""
    owners: dict[str, str] = app.extensions.get("portalis_blueprint_plugins", {})
    return owners.get(rule.endpoint.split(".", 1)[0])


def route_url(rule: Rule, values: dict[str, Any]) -> str:
    """A URL for ``rule`` with arguments taken from ``values``."""
    args = {}
    for arg in rule.arguments:
        if arg in values:
            args[arg] = values[arg]
        elif isinstance(rule._converters[arg], IntegerConverter):  # noqa: SLF001
            args[arg] = values["any_id"]
        elif arg == "name":
            args[arg] = values["plugin"]
        elif arg == "token":
            args[arg] = "not-a-real-token"
        else:
            args[arg] = "x"
    return rule.build(args)[1]  # type: ignore[index]


#: Form fields sent with every POST: enough to get past "field required" to the view.
POST_FIELDS = {
    "reason": "x",
    "status": "active",
    "name": "X",
    "email": "x@x.test",
    "role": "partner_user",
}


def send(client: Any, method: str, url: str) -> Any:
    """GET ``url``, or POST it like a browser form (valid CSRF token, plausible fields)."""
    if method == "GET":
        return client.get(url)
    token = getattr(client, "csrf_token", None) or client.csrf("/login")
    return client.post(url, data={"csrf_token": token, **POST_FIELDS})


_TOKENS = re.compile(
    r'(name="csrf_token"[^>]*value=")[^"]*|("X-CSRFToken": ")[^"]*|(nonce=")[^"]*'
    r'|(value=")[^"]*("[^>]*name="csrf_token")'
)


def _normalized(body: str) -> str:
    return _TOKENS.sub(lambda m: "".join(g for g in m.groups() if g), body)


def unknown_page(client: Any) -> Any:
    """The client's answer for a URL that exists nowhere (the reference 404)."""
    return client.get(f"/no-such-page-{secrets.token_hex(4)}")


def _page_of(resp: Any) -> str:
    """The body with per-request tokens blanked and the requested path (which pages echo,
    e.g. in the language switcher's ``next``) replaced by a placeholder."""
    body = _normalized(resp.get_data(as_text=True))
    request = getattr(resp, "request", None)
    if request is not None:
        for path in (request.full_path.rstrip("?"), request.path):
            body = body.replace(html.escape(path), "{path}").replace(path, "{path}")
    return body


def differs_from_unknown(resp: Any, unknown: Any) -> str | None:
    """Why ``resp`` is not the same 404 as ``unknown`` (None if it is)."""
    if resp.status_code != unknown.status_code:
        return f"answered {resp.status_code}, an unknown page answers {unknown.status_code}"
    if _page_of(resp) != _page_of(unknown):
        return "answered 404 with another page than an unknown URL's 404"
    return None


def hrefs(body: str) -> list[str]:
    """Every link target on a page (``href`` and ``hx-get``), HTML-unescaped."""
    return [html.unescape(h) for h in re.findall(r'(?:href|hx-get)="([^"]*)"', body)]


@dataclass
class Actor:
    """Someone walking the routes: ``user`` None = anonymous. ``forbidden``: texts that
    must never show on a page they get; ``not_entitled``: blueprints whose every route
    must answer them the unknown page's 404."""

    label: str
    user: Any | None
    forbidden: set[str]
    not_entitled: frozenset[str] = frozenset()
    tenant: Any | None = None  # host for an anonymous actor


@dataclass
class WalkReport:
    problems: list[str] = field(default_factory=list)
    requests: int = 0


def walk(
    rules: Iterable[Rule],
    actors: Iterable[Actor],
    client_as: Callable[..., Any],
    values: dict[str, Any],
    methods: Iterable[str] = ("GET", "POST"),
) -> WalkReport:
    """Request every rule with each of ``methods`` it allows, as each actor: the GETs with
    one client per actor, each POST with a fresh one (a POST can't sign the actor out or
    change their session for the rest)."""
    report = WalkReport()
    rules = list(rules)
    for actor in actors:
        unknown = None
        reader = client_as(actor.user, tenant=actor.tenant)
        for rule in rules:
            url = route_url(rule, values)
            blueprint = rule.endpoint.split(".", 1)[0]
            for method in sorted((rule.methods or set()) & set(methods)):
                client = reader if method == "GET" else client_as(actor.user, tenant=actor.tenant)
                resp = send(client, method, url)
                report.requests += 1
                if resp.status_code >= 500:
                    report.problems.append(f"{actor.label}: {method} {url} → {resp.status_code}")
                    continue
                body = resp.get_data().decode("utf-8", "replace")
                leaked = sorted(t for t in actor.forbidden if t in body)
                if resp.status_code == 200 and leaked:
                    report.problems.append(f"{actor.label}: {method} {url} shows {leaked[:3]}")
                if blueprint in actor.not_entitled:
                    if unknown is None:
                        unknown = unknown_page(reader)
                    why = differs_from_unknown(resp, unknown)
                    if why:
                        report.problems.append(
                            f"{actor.label}: {method} {url} {why} (not entitled: must look unknown)"
                        )
    return report
