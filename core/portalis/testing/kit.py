"""The shared parts of the contract-test kit: seeding, distinctive strings, route walking,
"the same 404 as an unknown page", switching plugins per program.

The plugin contract (:mod:`portalis.testing.contract`) and the core's own isolation and
pseudo-locale suites are built from these functions, so a plugin is held to exactly the
rules the core holds itself to. Plugin tests may call them directly too.

Switching plugins
    :func:`enable_plugin` ``(program, name, enabled=True, allowed_tiers=None)`` — switch a
    plugin on or off for a program, for every tier (``None``) or only the tiers given
    (Tier objects, ids or names). Committed. Also the ``enable_plugin`` fixture.

    :func:`set_permission` ``(tenant, permission, role, granted)`` — grant or revoke a
    plugin permission for a role in one tenant (what **Roles & permissions** stores).

Audit
    :func:`audit_entries` ``(tenant, action=None)`` — a tenant's audit entries, oldest first.

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

    :func:`is_public` ``(app, rule)`` — whether the rule's view is a plugin's public page
    (``api.public_page``): open to anonymous visitors and every tier wherever the plugin
    is on in the tenant, so :func:`walk` neither holds it to ``not_entitled`` nor lets it
    send an anonymous visitor to sign in; an anonymous actor's ``on_public_pages``
    (:func:`public_page_strings`: a partner's texts and e-mails) is what such a page must
    not show them, since it is there to show strangers some of the tenant's own texts.

    :func:`route_url` ``(rule, values)`` — a URL for the rule with argument values from
    ``values`` (integers fall back to ``values["any_id"]``).

    :func:`send` ``(client, method, url)`` — a GET, or a POST carrying a valid CSRF token
    and plausible form fields (so the request gets past CSRF to the view).

    :class:`Actor` and :func:`walk` — request every rule with every method as each actor
    (a fresh signed-in client per request) and report: any 5xx, any page showing one of
    the actor's forbidden strings, any rule of ``Actor.not_entitled`` blueprints that
    answers other than the unknown page's 404 (public pages aside), and any public page
    that sends an anonymous actor to sign in.

    :func:`unknown_page` ``(client)`` and :func:`differs_from_unknown` ``(resp, unknown)``
    — "the same 404 as an unknown page": same status and the same body once per-request
    tokens (CSRF, nonces) are blanked, so a page never reveals that something exists.

Bad input
    :func:`sweep` ``(app, actors, client_as, values, rules=None, thorough=True,
    more_values=None)`` — hostile values (:data:`HOSTILE`, :data:`HOSTILE_PATH`) in every
    path argument, query parameter and field of every form found on the pages, as each
    ``(label, user)`` actor; returns a :class:`SweepReport` whose ``problems`` list every
    5xx and every 4xx that isn't the portal's own page. :func:`sample_values`
    ``(world)`` — record ids in every status, so the sweep meets every form.
"""

from __future__ import annotations

import hashlib
import html
import io
import random
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

from sqlalchemy import String, Text, func, select
from werkzeug.routing import IntegerConverter, Rule

from ..db import Base, TenantScoped, db
from ..models import AuditEntry, Program, ProgramPlugin, RolePermission, Tier
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
    "is_public",
    "public_page_strings",
    "rules_of",
    "route_url",
    "sample_values",
    "seed_plugin_data",
    "send",
    "sweep",
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

#: Rows any visitor may add by design, per table: the public join page files a request for
#: whoever asks. While such a row waits it is left out of :func:`fingerprint`, so a visitor's
#: own request isn't counted as a change to the victim's data; deciding one still is.
PUBLIC_INTAKE: dict[str, Callable[[Any], Any]] = {
    "join_requests": lambda t: (t.c.source == "self") & (t.c.status == "pending"),
}


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


def set_permission(tenant: Any, permission: str, role: str, granted: bool) -> None:
    """Grant or revoke a plugin permission for a role in one tenant, as a vendor admin would
    on **Roles & permissions** (an override of the permission's ``default_roles``).
    Committed; takes effect on the client's next request."""
    tenant_id = getattr(tenant, "id", tenant)
    with tenant_scope(tenant_id):
        row = db.session.scalars(
            select(RolePermission).where(
                RolePermission.permission == permission, RolePermission.role == role
            )
        ).first()
        if row is None:
            row = RolePermission(permission=permission, role=role, granted=granted)
            db.session.add(row)
        row.granted = granted
        db.session.commit()


def audit_entries(tenant: Any, action: str | None = None) -> list[AuditEntry]:
    """A tenant's audit entries, oldest first (only ``action``'s if given) — to assert that
    a plugin recorded what it did (``.action``, ``.actor_user_id``, ``.before``, ``.after``)."""
    tenant_id = getattr(tenant, "id", tenant)
    with tenant_scope(tenant_id):
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        return list(db.session.scalars(stmt))


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


def public_page_strings(tenant_texts: set[str], partner_texts: set[str]) -> set[str]:
    """What a public page of the tenant must not show an anonymous visitor even so: a
    partner's texts (rows with a ``partner_id`` — a page that shows one, like a
    certificate check, needs a secret code the walk doesn't know) and e-mail addresses.
    For ``Actor(..., on_public_pages=...)``."""
    return set(partner_texts) | {t for t in tenant_texts if "@" in t}


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
            if t.name in PUBLIC_INTAKE:
                stmt = stmt.where(~PUBLIC_INTAKE[t.name](t))
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


def sample_values(world: Any, per_table: int = 6) -> dict[str, list[Any]]:
    """More URL argument values per ``<singular>_id`` than :func:`victim_values` gives:
    rows of the main tenant in different states (one per distinct ``status``, else the
    first few), so a walk also meets the pages — and forms — of a draft, a submitted and
    an approved record."""
    out: dict[str, list[Any]] = {}
    with unscoped("contract kit samples record ids"):
        for mapper in _tenant_tables():
            t = mapper.local_table
            if "id" not in t.c:
                continue
            stmt = select(t.c.id).where(t.c.tenant_id == world.tenant.id).order_by(t.c.id)
            if "status" in t.c:
                firsts = (
                    select(func.min(t.c.id))
                    .where(t.c.tenant_id == world.tenant.id)
                    .group_by(t.c.status)
                )
                stmt = stmt.where(t.c.id.in_(firsts))
            ids = list(db.session.scalars(stmt.limit(per_table)))
            if ids:
                out.setdefault(f"{_singular(t.name)}_id", ids)
    return out


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


def is_public(app: Any, rule: Rule) -> bool:
    """Whether ``rule`` leads to a plugin's public page (``api.public_page``)."""
    from ..web.access import is_public_page

    return is_public_page(app.view_functions.get(rule.endpoint))


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
    must answer them the unknown page's 404. ``on_public_pages``: the texts that must not
    show on a public page (:func:`is_public`) — which exists to show strangers some of
    the tenant's own texts (a certification's name, a campaign's title) — default
    ``forbidden``; see :func:`public_page_strings`."""

    label: str
    user: Any | None
    forbidden: set[str]
    not_entitled: frozenset[str] = frozenset()
    tenant: Any | None = None  # host for an anonymous actor
    on_public_pages: set[str] | None = None


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
    change their session for the rest). A public page (:func:`is_public`) is open to
    every tier, so ``not_entitled`` doesn't hold for it; but it must not send an anonymous
    actor to sign in."""
    report = WalkReport()
    rules = list(rules)
    for actor in actors:
        unknown = None
        reader = client_as(actor.user, tenant=actor.tenant)
        for rule in rules:
            url = route_url(rule, values)
            blueprint = rule.endpoint.split(".", 1)[0]
            public = is_public(reader.application, rule)
            for method in sorted((rule.methods or set()) & set(methods)):
                client = reader if method == "GET" else client_as(actor.user, tenant=actor.tenant)
                resp = send(client, method, url)
                report.requests += 1
                if resp.status_code >= 500:
                    report.problems.append(f"{actor.label}: {method} {url} → {resp.status_code}")
                    continue
                body = resp.get_data().decode("utf-8", "replace")
                forbidden = actor.forbidden
                if public and actor.on_public_pages is not None:
                    forbidden = actor.on_public_pages
                leaked = sorted(t for t in forbidden if t in body)
                if resp.status_code == 200 and leaked:
                    report.problems.append(f"{actor.label}: {method} {url} shows {leaked[:3]}")
                if public and actor.user is None and _to_sign_in(resp):
                    report.problems.append(
                        f"{actor.label}: {method} {url} is a public page but sends "
                        "anonymous visitors to sign in"
                    )
                if blueprint in actor.not_entitled and not public:
                    if unknown is None:
                        unknown = unknown_page(reader)
                    why = differs_from_unknown(resp, unknown)
                    if why:
                        report.problems.append(
                            f"{actor.label}: {method} {url} {why} (not entitled: must look unknown)"
                        )
    return report


def _to_sign_in(resp: Any) -> bool:
    """Whether ``resp`` redirects to the sign-in page."""
    if resp.status_code not in (301, 302, 303, 307, 308):
        return False
    return urlsplit(resp.headers.get("Location", "")).path.rstrip("/") == "/login"


# --- the bad-input sweep -------------------------------------------------------------------

#: Stand-ins for the two hostile values that are not a plain string.
INVALID_UTF8 = object()
ARRAY = object()
#: the field's plausible value with 400 zeros appended: "approved_deals_12m >= 1000…0"
APPEND_DIGITS = object()

#: One value per hostile CLASS. Every form field and query parameter gets each class once
#: (the other fields keep their plausible values, so the hostile one reaches the view).
HOSTILE: dict[str, Any] = {
    "2**63": str(2**63),
    "-1": "-1",
    "10**400": "1" + "0" * 400,
    "9999-12-31": "9999-12-31",
    "0000-00-00": "0000-00-00",
    "2024-02-30": "2024-02-30",
    "100 000 chars": "x" * 100_000,
    "NUL": "a\x00b",
    "invalid UTF-8": INVALID_UTF8,
    "unknown choice": "no-such-choice",
    "array": ARRAY,
    "400 more digits": APPEND_DIGITS,
}

#: Hostile values for URL path arguments (percent-encoded as a browser would send them).
HOSTILE_PATH = {
    "2**63": str(2**63),
    "-1": "-1",
    "10**400": "1" + "0" * 400,
    "long": "x" * 5000,
    "%FF": "%FF%FE",
    "NUL": "a%00b",
}

#: Query parameter names every GET rule is also sent (all at once, per hostile class).
COMMON_ARGS = (
    "page",
    "per_page",
    "limit",
    "q",
    "sort",
    "order",
    "status",
    "tier",
    "program",
    "program_id",
    "partner",
    "partner_id",
    "deal_id",
    "folder",
    "before",
    "after",
    "cursor",
    "next",
    "lang",
    "locale",
    "type",
    "kind",
    "visibility",
    "age",
    "days",
    "from",
    "to",
    "scope",
    "ids",
)

_WERKZEUG_BARE = re.compile(r"<!doctype html>\s*<html lang=en>\s*<title>\d{3} ", re.IGNORECASE)


@dataclass
class FormSpec:
    """A form found on a page: where it goes and its fields with plausible values."""

    method: str
    action: str  # a path with its query string
    endpoint: str
    fields: dict[str, list[str]]  # name → plausible values (several for multi-selects)
    types: dict[str, str]  # name → input type (text, date, select, textarea, file …)
    multipart: bool
    page: str
    actor: str


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self.links: list[str] = []
        self._form: dict[str, Any] | None = None
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("href", "hx-get"):
            if a.get(key):
                self.links.append(a[key])
        if tag == "form":
            self._form = {
                "method": (a.get("method") or "get").upper(),
                "action": a.get("action") or "",
                "multipart": "multipart" in a.get("enctype", ""),
                "fields": {},
                "types": {},
                "formactions": [],
            }
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag in ("input", "button") and a.get("formaction"):
            form["formactions"].append(a["formaction"])  # "Reject" posts the form elsewhere
        if tag in ("input", "button") and name:
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                form["types"].setdefault(name, kind)
                form["fields"].setdefault(name, [])
                return
            if kind == "submit" and tag == "button" and name in form["fields"]:
                return  # the first button's value is the plausible one
            form["types"].setdefault(name, kind)
            form["fields"].setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self._select = (name, "multiple" in a)
            self._options = []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea = name
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        form = self._form
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and form is not None:
            name, multiple = self._select
            chosen = [v for v, sel in self._options if sel]
            if not chosen and not multiple:
                chosen = [v for v, _sel in self._options if v][:1] or [
                    v for v, _sel in self._options
                ][:1]
            form["types"][name] = "select"
            form["fields"].setdefault(name, []).extend(chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and form is not None:
            form["types"][self._textarea] = "textarea"
            form["fields"].setdefault(self._textarea, []).append("".join(self._text))
            self._textarea = None


#: Plausible values for empty fields, by input type, then by name.
_PLAUSIBLE_BY_TYPE = {
    "email": "sweep@example.test",
    "number": "3",
    "date": "2031-01-15",
    "datetime-local": "2031-01-15T10:30",
    "url": "https://example.test",
    "color": "#336699",
    "tel": "+1 555 0100",
}
_PLAUSIBLE_BY_NAME = (
    ("country", "DE"),
    ("currency", "EUR"),
    ("timezone", "Europe/Berlin"),
    ("email", "sweep@example.test"),
    ("website", "https://example.test"),
    ("url", "https://example.test"),
    ("color", "#336699"),
    ("brand_", "#336699"),
    ("date", "2031-01-15"),
    ("expires", "2031-01-15"),
    ("amount", "1000"),
    ("value", "1000"),
    ("rank", "7"),
    ("pct", "5"),
    ("criteria", "approved_deals_12m >= 1"),
    ("slug", "sweep"),
    ("locale", "en"),
    ("language", "en"),
    ("password", "Sweep-value-2031!"),
    ("confirm", "Sweep-value-2031!"),
)


def _plausible(name: str, kind: str) -> str:
    if kind in _PLAUSIBLE_BY_TYPE:
        return _PLAUSIBLE_BY_TYPE[kind]
    for part, value in _PLAUSIBLE_BY_NAME:
        if part in name:
            return value
    return "Sweep value"


def _tiny_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (51, 102, 153)).save(out, "PNG")
    return out.getvalue()


def _endpoint(app: Any, host: str, path: str, method: str) -> str | None:
    parts = urlsplit(path)
    adapter = app.url_map.bind(host, url_scheme="http")
    try:
        endpoint, _args = adapter.match(parts.path, method=method)
    except Exception:  # noqa: BLE001 - not a route of this app (or a redirect)
        return None
    return str(endpoint)


def _forms_on(
    app: Any, host: str, url: str, body: str, actor: str
) -> tuple[list[FormSpec], list[str]]:
    parser = _FormParser()
    parser.feed(body)
    out = []
    for raw in parser.forms:
        for other in raw["formactions"]:
            parser.forms.append({**raw, "action": other, "formactions": []})
        action = html.unescape(raw["action"]) or url
        action = urljoin(f"http://{host}{url}", action)
        parts = urlsplit(action)
        if parts.netloc and parts.netloc != host:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        endpoint = _endpoint(app, host, path, raw["method"])
        if endpoint is None or endpoint in SKIP_ENDPOINTS:
            continue
        fields = {k: v for k, v in raw["fields"].items() if k != "csrf_token"}
        types = raw["types"]
        for name, vals in fields.items():
            if types.get(name) in ("checkbox", "radio", "select") or types.get(name) == "file":
                continue
            if not vals or not any(vals):
                fields[name] = [_plausible(name, types.get(name, "text"))]
        out.append(
            FormSpec(raw["method"], path, endpoint, fields, types, raw["multipart"], url, actor)
        )
    return out, [html.unescape(h) for h in parser.links]


@dataclass
class SweepReport:
    """What :func:`sweep` found: ``problems`` (5xx answers, bare 4xx pages), the number of
    ``requests`` sent, and the forms and query parameters it covered."""

    problems: list[str] = field(default_factory=list)
    requests: int = 0
    forms: int = 0
    fields: int = 0
    params: int = 0
    #: the endpoints whose forms were swept, with the actor that swept each
    form_endpoints: dict[str, str] = field(default_factory=dict)

    def check(self, label: str, method: str, url: str, resp: Any) -> None:
        self.requests += 1
        short = url if len(url) < 160 else url[:150] + "…"
        if resp.status_code >= 500:
            self.problems.append(f"{label}: {method} {short} → {resp.status_code}")
        elif resp.status_code >= 400:
            body = resp.get_data()
            text = body.decode("utf-8", "replace")
            if _WERKZEUG_BARE.match(text) or not text.strip():
                self.problems.append(
                    f"{label}: {method} {short} → {resp.status_code} without the portal's message"
                )


def _encode(fields: dict[str, list[str]], raw: tuple[str, bytes] | None = None) -> bytes:
    from urllib.parse import quote_plus

    pairs = [
        f"{quote_plus(k)}={quote_plus(v)}".encode() for k, vals in fields.items() for v in vals
    ]
    if raw is not None:
        pairs.append(quote_plus(raw[0]).encode() + b"=" + raw[1])
    return b"&".join(pairs)


def _hostile_for(kind: str, cls: str, value: Any) -> Any:
    """A date class becomes a datetime in datetime-local fields (so it parses, and what
    the code does with it is tested); everything else as is."""
    if kind == "datetime-local" and cls in ("9999-12-31", "0000-00-00", "2024-02-30"):
        return f"{value}T23:59"
    return value


def _post(
    client_for: Callable[[], Any],
    spec: FormSpec,
    fields: dict[str, list[str]],
    files: dict[str, Any],
    raw: tuple[str, bytes] | None = None,
) -> Any:
    client = client_for()
    token = client.csrf_token
    headers = {"X-CSRFToken": token}
    if raw is not None:
        return client.post(
            spec.action,
            data=_encode({**fields, "csrf_token": [token]}, raw),
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        )
    data: dict[str, Any] = {k: list(v) for k, v in fields.items()}
    data["csrf_token"] = token
    if spec.multipart:
        for name, (content, filename) in files.items():
            data[name] = (io.BytesIO(content), filename)
        return client.post(
            spec.action, data=data, content_type="multipart/form-data", headers=headers
        )
    return client.post(spec.action, data=data, headers=headers)


def _plan(names: list[str], thorough: bool) -> list[list[tuple[str, str, Any]]]:
    """The requests for a form, each a list of (field, class, value) to make hostile:
    thorough — one field at a time, so every hostile value reaches the view behind the
    form's validation; quick — one request per class, the fields taking the classes in
    rotation (field i gets class i + k in request k), so every field still gets every
    class once."""
    classes = list(HOSTILE.items())
    if thorough:
        return [[(name, cls, value)] for name in names for cls, value in classes]
    return [
        [(name, *classes[(i + k) % len(classes)]) for i, name in enumerate(names)]
        for k in range(len(classes) if names else 0)
    ]


def _sweep_form(
    report: SweepReport, spec: FormSpec, client_for: Callable[..., Any], thorough: bool = True
) -> None:
    png = _tiny_png()
    files = {n: (png, "sweep.png") for n, t in spec.types.items() if t == "file"}
    base = {k: v for k, v in spec.fields.items() if v}
    names = [n for n in spec.types if spec.types[n] != "file" and n != "csrf_token"]
    report.forms += 1
    report.fields += len(names) + len(files)
    report.form_endpoints.setdefault(f"{spec.method} {spec.endpoint}", spec.actor)
    label = f"{spec.actor} (form on {spec.page})"
    for hostile in _plan(names, thorough):
        fields = {k: list(v) for k, v in base.items()}
        raw: tuple[str, bytes] | None = None
        what = ", ".join(f"{name}={cls}" for name, cls, _v in hostile[:3])
        for name, cls, value in hostile:
            value = _hostile_for(spec.types.get(name, "text"), cls, value)
            if value is APPEND_DIGITS:
                value = (base.get(name) or [""])[0] + "0" * 400
            fields.pop(name, None)
            if value is INVALID_UTF8:
                raw = (name, b"\xff\xfe\xc3(")  # one raw field per request (the first)
            elif value is ARRAY:
                fields[name] = ["1", "2"]
            else:
                fields[name] = [value]
        if spec.method == "GET":
            query = _encode(fields, (raw[0], b"%FF%FE") if raw else None)
            url = f"{urlsplit(spec.action).path}?{query.decode()}"
            report.check(f"{label} {what}", "GET", url, client_for(reuse=True).get(url))
            continue
        resp = _post(client_for, spec, fields, files, raw=raw)
        report.check(f"{label} {what}", "POST", spec.action, resp)
    for name in files:  # an upload named with controls and bidi overrides, and an empty one
        for filename, content in (("a\u202egpj.png\x00\n", png), ("empty.png", b"")):
            resp = _post(client_for, spec, base, {**files, name: (content, filename)})
            report.check(f"{label} {name}=hostile file", "POST", spec.action, resp)


def _hostile_paths(rule: Rule, values: dict[str, Any]) -> list[tuple[str, str]]:
    """(class, URL) for the rule with every argument replaced by a hostile value."""
    if not rule.arguments:
        return []
    out = []
    for cls, value in HOSTILE_PATH.items():
        url = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", value, rule.rule)
        out.append((cls, url))
    return out


def _sweep_path(
    report: SweepReport,
    label: str,
    rule: Rule,
    values: dict[str, Any],
    reader: Any,
    client_for: Callable[..., Any],
) -> None:
    for cls, bad in _hostile_paths(rule, values):
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            if method == "GET":
                resp = reader.get(bad)
            else:
                client = client_for()
                resp = client.post(bad, data={"csrf_token": client.csrf_token, **POST_FIELDS})
            report.check(f"{label} path={cls}", method, bad, resp)


def sweep(
    app: Any,
    actors: Iterable[tuple[str, Any]],
    client_as: Callable[..., Any],
    values: dict[str, Any],
    rules: Iterable[Rule] | None = None,
    thorough: bool = True,
    more_values: dict[str, list[Any]] | None = None,
) -> SweepReport:
    """Send hostile values to every URL rule and every form field (see :data:`HOSTILE`).

    ``actors``: (label, user) pairs — e.g. a partner admin, a channel manager, a vendor
    admin — in that order: each form (endpoint and field names) is swept once, as the
    first actor whose pages show it. ``rules``: default every rule of the app (use
    ``rules_of(app, plugin)`` for one plugin). What is checked, per request: no answer
    ≥ 500, and no 4xx without the portal's own page (a bare Werkzeug page or an empty
    body). Path arguments get :data:`HOSTILE_PATH`; query parameters (those of the GET
    forms and links on the pages, and :data:`COMMON_ARGS`) and POST fields get each
    :data:`HOSTILE` class once — ``thorough``: one field at a time (the others keep
    plausible values, so the hostile one gets past the form to the view); otherwise one
    request per class with the classes rotated over the fields (fast: what the plugin
    contract runs). Uploads get a name full of controls and an empty file.
    ``more_values`` (see :func:`sample_values`): other values per URL argument, to find
    the forms that only records in other states show.
    """
    report = SweepReport()
    rules = list(rules if rules is not None else rules_of(app))
    wanted = {r.endpoint for r in rules}
    seen_forms: set[tuple[str, str, tuple[str, ...]]] = set()
    seen_params: set[tuple[str, str]] = set()
    swept_paths: set[str] = set()
    actors = list(actors)
    last_label = actors[-1][0] if actors else ""
    for label, user in actors:
        reader = client_as(user)
        host = reader.host

        def client_for(reuse: bool = False, _user: Any = user, _reader: Any = reader) -> Any:
            return _reader if reuse else client_as(_user)

        forms: list[FormSpec] = []
        links: dict[str, set[str]] = {}
        get_rules = []
        for rule in rules:
            url = route_url(rule, values)
            if "GET" in (rule.methods or ()):
                resp = reader.get(url)
                report.check(label, "GET", url, resp)
                if resp.status_code == 200:
                    get_rules.append((rule, url))
                extra = [
                    route_url(rule, {**values, arg: alt})
                    for arg in sorted(rule.arguments)
                    for alt in (more_values or {}).get(arg, [])
                    if alt != values.get(arg)
                ]
                for page_url, page in [(url, resp), *((u, None) for u in extra)]:
                    if page is None:
                        page = reader.get(page_url)
                        report.check(label, "GET", page_url, page)
                    if page.status_code != 200 or "html" not in (page.content_type or ""):
                        continue
                    found, hrefs_ = _forms_on(
                        app, host, page_url, page.get_data(as_text=True), label
                    )
                    forms += found
                    for href in hrefs_:
                        parts = urlsplit(href)
                        if parts.netloc and parts.netloc != host or not parts.query:
                            continue
                        ep = _endpoint(app, host, parts.path, "GET")
                        if ep in wanted:
                            names = {k for k, _v in parse_qsl(parts.query, keep_blank_values=True)}
                            links.setdefault(parts.path, set()).update(names)
            reached = bool(get_rules) and get_rules[-1][0] is rule
            if rule.rule not in swept_paths and (reached or label == last_label):
                swept_paths.add(rule.rule)
                _sweep_path(report, label, rule, values, reader, client_for)
        # forms, each once
        for spec in forms:
            if spec.endpoint not in wanted:
                continue
            key = (spec.method, spec.endpoint, tuple(sorted(spec.types)))
            if key in seen_forms:
                continue
            seen_forms.add(key)
            _sweep_form(report, spec, client_for, thorough)
            if spec.method == "GET":
                seen_params.update((spec.endpoint, n) for n in spec.types)
        # query parameters from links, each once per endpoint
        for path, names in links.items():
            ep = _endpoint(app, host, path, "GET") or path
            for name in sorted(names):
                if (ep, name) in seen_params:
                    continue
                seen_params.add((ep, name))
                report.params += 1
                for cls, value in HOSTILE.items():
                    if value is APPEND_DIGITS:
                        continue  # a link's parameter has no plausible value to extend
                    if value is INVALID_UTF8:
                        query = f"{quote(name)}=%FF%FE"
                    elif value is ARRAY:
                        query = f"{quote(name)}=1&{quote(name)}=2"
                    else:
                        query = f"{quote(name)}={quote(value)}"
                    url = f"{path}?{query}"
                    report.check(f"{label} {name}={cls}", "GET", url, reader.get(url))
        # every reachable GET page once per class with all the common parameters at once
        for rule, url in get_rules:
            if ("*", rule.endpoint) in seen_params:
                continue
            seen_params.add(("*", rule.endpoint))
            for cls, value in HOSTILE.items():
                if value is APPEND_DIGITS:
                    continue
                if value is INVALID_UTF8:
                    query = "&".join(f"{n}=%FF%FE" for n in COMMON_ARGS)
                elif value is ARRAY:
                    query = "&".join(f"{n}=1&{n}=2" for n in COMMON_ARGS)
                else:
                    query = "&".join(f"{n}={quote(value)}" for n in COMMON_ARGS)
                sep = "&" if "?" in url else "?"
                report.check(
                    f"{label} common args={cls}",
                    "GET",
                    f"{url}{sep}{query}",
                    reader.get(f"{url}{sep}{query}"),
                )
    return report
