"""Pytest fixtures for Portalis and its plugins (installed as the ``portalis`` pytest plugin,
entry point ``pytest11``), so a plugin's tests need no conftest of their own.

Fixtures
--------
* ``portalis_app`` — an app with every installed plugin, or only those named by
  ``@pytest.mark.plugins("deals")``; mail is kept in memory, jobs run at once, no
  scheduler. Built once per plugin set; the database is migrated once per run.
* ``portalis_database_url`` (session) — the run's throwaway database:
  ``PORTALIS_TEST_DB=sqlite`` (default, a file) or ``postgresql`` (a new database on
  ``PORTALIS_TEST_PG_URL``, dropped at the end).
* ``db_session`` — each test runs inside a transaction rolled back afterwards (a
  ``SAVEPOINT`` per application commit), so tests never see each other's rows.
* ``world`` — two tenants (``world.tenant`` and ``world.other_tenant``), each with a
  program (``world.program``), tiers ``registered < silver < gold < platinum``
  (``world.tiers``), every plugin enabled, partners ``gold`` and ``silver``
  (``world.partners``) and users ``vendor_admin``, ``channel_manager``, ``gold_admin``,
  ``gold_user``, ``silver_admin``, ``silver_user`` (``world.users``; password
  ``TEST_PASSWORD``). ``world.other`` holds the same keys for the second tenant.
* ``client_as(user, tenant=None, app=None)`` — a test client signed in as ``user`` on its
  tenant's host (``None`` = anonymous, on ``tenant``'s host). ``client.post_form(path,
  data)`` posts like a browser (with the CSRF token); ``client.csrf_token`` is a valid
  token for the client's session; ``app=`` targets another app built with
  :func:`build_app` (for instance with a throwaway plugin in ``extra_plugins``).
* ``enable_plugin(program, name, enabled=True, allowed_tiers=None)`` — switch a plugin on
  or off for a program, for every tier or only ``allowed_tiers`` (Tier objects, ids or
  names); committed. Also a plain function in :mod:`portalis.testing.kit`.
* ``fresh_database`` — the URL of a brand-new, EMPTY database of the run's kind, dropped
  after the test (migration tests, anything needing a database of its own). For one of
  a fixed kind: :func:`portalis.testing.databases.throwaway_database`.
* ``mailbox`` — the mails sent during the test (``email.message.EmailMessage``).
* ``clock`` — the portal's clock: ``clock.advance(days=400)`` moves ``api.utcnow()`` forward
  for the test (pages, jobs, model defaults; a ``live_portal`` too), then puts it back.
* ``live_portal`` — the seeded demo on a committed SQLite database served in a thread;
  ``live_portal.url("acme", "/login")``, ``live_portal.sign_in(page, "carl@contoso.example")``.
* ``chromium`` — Debian's Chromium driven by Playwright (mark ``@pytest.mark.browser``).
* ``tenant_scope`` / ``unscoped`` — re-exported to run code as a tenant.

Plain functions (for fixtures of other scopes, or apps of your own)
-------------------------------------------------------------------
:func:`build_app` (an app configured for tests, ``extra_plugins=[obj]`` registers plugin
objects that aren't installed), :func:`app_for`, :func:`rolled_back` (the ``db_session``
transaction around any block), :func:`make_world`, :func:`sign_in` and
:func:`client_maker` (the ``client_as`` function for a world).

The contract kit
----------------
Every plugin runs the plugin contract on itself with a two-line class — see
:mod:`portalis.testing.contract`. A file named ``tests/test_contract.py`` is imported
under a module name of its own (pytest's ``importlib`` mode), so several plugins' contract
files can run in one pytest session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..tenancy import tenant_scope, unscoped
from .databases import test_database_kind, throwaway_database

__all__ = ["HostClient", "World", "tenant_scope", "unscoped"]


class HostClient(FlaskClient):
    """A test client that talks to one tenant host (the tenant comes from the host)."""

    host = "localhost"
    #: a CSRF token valid for this client's session (set by ``sign_in``), or None
    csrf_token: str | None = None

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("base_url", f"http://{self.host}")
        return super().open(*args, **kwargs)

    def csrf(self, path: str = "/login") -> str:
        """A CSRF token for this client's session (as a form on ``path`` would carry)."""
        import re

        page = self.get(path, follow_redirects=True).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'"X-CSRFToken": "([^"]+)"', page
        )
        if not match:
            raise AssertionError(f"no CSRF token on {path}")
        return match.group(1)

    def post_form(
        self,
        path: str,
        data: dict[str, Any] | None = None,
        *,
        form_page: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """POST like a browser form: with the CSRF token the page would have carried."""
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf(form_page or path))
        return self.post(path, data=payload, **kwargs)


@pytest.fixture(scope="session")
def portalis_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway database for the whole run (SQLite file, or a new PostgreSQL database)."""
    try:
        kind = test_database_kind()
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from exc
    with throwaway_database(
        kind, directory=tmp_path_factory.mktemp("db"), prefix="portalis"
    ) as url:
        try:
            yield url
        finally:
            from ..db import db

            if db.engine is not None:
                db.engine.dispose()


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a brand-new, EMPTY database of the same kind as the run's (SQLite file
    or PostgreSQL database), dropped after the test — for migration tests and anything
    that needs a database nobody else touches. No tables: run ``upgrade()`` or
    ``create_all`` yourself. See :func:`portalis.testing.databases.throwaway_database`
    for one of a fixed kind or outside a fixture."""
    with throwaway_database(directory=tmp_path, prefix="portalis_fresh") as url:
        yield url


_APPS: dict[tuple[str, ...] | None, Flask] = {}
_MIGRATED: set[str] = set()


def build_app(
    database_url: str,
    instance: Path,
    plugins: list[str] | None = None,
    extra_plugins: list[Any] | None = None,
    **config: Any,
) -> Flask:
    """An app for tests: eager jobs, in-memory mail, no scheduler thread."""
    from ..app import create_app

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "JOBS_BACKEND": "eager",
            "MAIL_BACKEND": "memory",
            "SCHEDULER": False,
            "SECRET_KEY": "test-secret-key",
            "TESTING": True,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "SERVER_NAME": None,
            "COUNT_SQL": True,
            **config,
        },
        instance_path=instance,
        plugins=plugins,
        extra_plugins=extra_plugins,
    )
    app.test_client_class = HostClient
    return app


def app_for(
    request: pytest.FixtureRequest,
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Flask:
    """The app for a test (or a class: any fixture scope): every installed plugin, or only
    those of the closest ``@pytest.mark.plugins(...)``; built once per plugin set, and the
    database migrated once per run with every installed plugin."""
    marker = request.node.get_closest_marker("plugins")
    key = tuple(sorted(marker.args)) if marker else None
    app = _APPS.get(key)
    if app is None:
        instance = tmp_path_factory.mktemp("instance")
        app = build_app(database_url, instance, list(key) if key is not None else None)
        _APPS[key] = app
    if database_url not in _MIGRATED:
        # migrate with every installed plugin so all tables exist whatever the plugin set
        full = _APPS.get(None) or build_app(database_url, tmp_path_factory.mktemp("instance"))
        _APPS[None] = full
        with full.app_context():
            from ..migrate import upgrade

            upgrade()
        _MIGRATED.add(database_url)
    from ..db import db

    if db.engine is None or str(db.engine.url) != database_url:
        db.configure(database_url)
    return app


@pytest.fixture
def portalis_app(
    request: pytest.FixtureRequest,
    portalis_database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Flask:
    """The app under test, built once per plugin set and reused."""
    return app_for(request, portalis_database_url, tmp_path_factory)


@contextmanager
def rolled_back(app: Flask) -> Iterator[Any]:
    """Run a block inside one outer transaction that is rolled back at the end (every
    application commit becomes a SAVEPOINT); yields the session. ``db_session`` is this
    around one test; the contract kit wraps a whole test class in it."""
    from ..db import db

    assert db.engine is not None
    connection = db.engine.connect()
    outer = connection.begin()
    db._factory.configure(bind=connection, join_transaction_mode="create_savepoint")  # noqa: SLF001
    mail = app.extensions["portalis_mail_sender"]
    if hasattr(mail, "sent"):
        mail.sent.clear()
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()
            outer.rollback()
            connection.close()
            db._factory.configure(bind=db.engine, join_transaction_mode="conditional_savepoint")  # noqa: SLF001


@pytest.fixture
def db_session(portalis_app: Flask) -> Iterator[Any]:
    """Everything the test (and the app during it) commits is rolled back afterwards."""
    with rolled_back(portalis_app) as session:
        yield session


@dataclass
class World:
    """The fixture world: ids and objects a test needs, for two tenants."""

    app: Flask
    tenant: Any
    other_tenant: Any
    program: Any
    tiers: dict[str, Any]
    partners: dict[str, Any]
    users: dict[str, Any]
    other: dict[str, Any] = field(default_factory=dict)

    def host(self, tenant: Any | None = None) -> str:
        return f"{(tenant or self.tenant).slug}.localhost"


def _make_tenant(slug: str, plugins: list[str]) -> dict[str, Any]:
    from ..db import db
    from ..identity.passwords import hash_password
    from ..models import Partner, Program, ProgramPlugin, Tenant, Tier, User

    with unscoped("test fixture creates a tenant"):
        tenant = Tenant(
            slug=slug,
            name=slug.title(),
            allowed_locales=["en", "de", "fr", "es", "ja", "ar"],
            branding={"portal_name": f"{slug.title()} Partners"},
        )
        db.session.add(tenant)
        db.session.flush()
    pw = _PASSWORD_HASH.get("h") or _PASSWORD_HASH.setdefault("h", hash_password(TEST_PASSWORD))
    with tenant_scope(tenant.id):
        program = Program(slug="partners", name=f"{slug.title()} Program", currency="USD")
        db.session.add(program)
        db.session.flush()
        tiers = {}
        for rank, (name, crit, benefits) in enumerate(
            (
                ("Registered", "", {"deal_discount_pct": 0}),
                ("Silver", "approved_deals_12m >= 3", {"deal_discount_pct": 5}),
                (
                    "Gold",
                    "won_revenue_12m >= 250000 and approved_deals_12m >= 5",
                    {"deal_discount_pct": 10},
                ),
                (
                    "Platinum",
                    "won_revenue_12m >= 1000000 and partner_users >= 3",
                    {"deal_discount_pct": 15},
                ),
            )
        ):
            t = Tier(program_id=program.id, rank=rank, name=name, criteria=crit, benefits=benefits)
            db.session.add(t)
            tiers[name.lower()] = t
        db.session.flush()
        for name in plugins:
            db.session.add(
                ProgramPlugin(program_id=program.id, plugin=name, enabled=True, settings={})
            )
        partners = {
            "gold": Partner(
                name=f"{slug.title()} Gold Reseller",
                program_id=program.id,
                tier_id=tiers["gold"].id,
                country="US",
            ),
            "silver": Partner(
                name=f"{slug.title()} Silver Reseller",
                program_id=program.id,
                tier_id=tiers["silver"].id,
                country="DE",
            ),
        }
        db.session.add_all(partners.values())
        db.session.flush()
        users = {
            "vendor_admin": User(
                email=f"admin@{slug}.test", name="Vera Admin", role="vendor_admin", password_hash=pw
            ),
            "channel_manager": User(
                email=f"manager@{slug}.test",
                name="Max Manager",
                role="channel_manager",
                password_hash=pw,
            ),
            "gold_admin": User(
                email=f"admin@gold.{slug}.test",
                name="Gina Gold",
                role="partner_admin",
                partner_id=partners["gold"].id,
                password_hash=pw,
            ),
            "gold_user": User(
                email=f"user@gold.{slug}.test",
                name="Gus Gold",
                role="partner_user",
                partner_id=partners["gold"].id,
                password_hash=pw,
            ),
            "silver_admin": User(
                email=f"admin@silver.{slug}.test",
                name="Sara Silver",
                role="partner_admin",
                partner_id=partners["silver"].id,
                password_hash=pw,
            ),
            "silver_user": User(
                email=f"user@silver.{slug}.test",
                name="Sam Silver",
                role="partner_user",
                partner_id=partners["silver"].id,
                password_hash=pw,
            ),
        }
        db.session.add_all(users.values())
        db.session.flush()
    return {
        "tenant": tenant,
        "program": program,
        "tiers": tiers,
        "partners": partners,
        "users": users,
    }


TEST_PASSWORD = "correct horse battery"  # noqa: S105 - fixture users only
_PASSWORD_HASH: dict[str, str] = {}


def make_world(app: Flask) -> World:
    """Create (and commit) the two tenants of the ``world`` fixture with ``app``'s plugins
    enabled for their programs; call inside :func:`rolled_back` (or ``db_session``)."""
    from ..db import db

    plugins = list(app.extensions["portalis"].installed_names())
    suffix = secrets.token_hex(3)
    main = _make_tenant(f"acme{suffix}", plugins)
    other = _make_tenant(f"globex{suffix}", plugins)
    db.session.commit()
    return World(
        app=app,
        tenant=main["tenant"],
        other_tenant=other["tenant"],
        program=main["program"],
        tiers=main["tiers"],
        partners=main["partners"],
        users=main["users"],
        other=other,
    )


@pytest.fixture
def world(portalis_app: Flask, db_session: Any) -> World:
    """Two tenants; the first with partners in two tiers and users in every role."""
    return make_world(portalis_app)


def sign_in(app: Flask, user: Any | None, host: str) -> HostClient:
    """A test client of ``app`` on ``host``, signed in as ``user`` (anonymous with None):
    a server-side session row is committed and its token put in the cookie. The client's
    session also holds a CSRF secret, so ``client.csrf_token`` is valid for its POSTs
    without loading a form first."""
    from itsdangerous import URLSafeTimedSerializer

    from ..db import db

    app.test_client_class = HostClient
    client: HostClient = app.test_client()  # type: ignore[assignment]
    client.host = host
    raw = secrets.token_hex(20)
    secret: str | bytes = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key or ""
    client.csrf_token = URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)
    token = secrets.token_urlsafe(16)
    if user is not None:
        with unscoped("test fixture reads the user (it may have been expired)"):
            user_id, tenant_id = user.id, user.tenant_id
        with tenant_scope(tenant_id):
            from ..models import UserSession

            db.session.add(
                UserSession(
                    id=hashlib.sha256(token.encode()).hexdigest(),
                    user_id=user_id,
                    tenant_id=tenant_id,
                )
            )
            db.session.commit()
    with client.session_transaction(base_url=f"http://{host}") as sess:
        sess["csrf_token"] = raw
        if user is not None:
            sess["sid"] = token
            sess["_user_id"] = str(user_id)
            sess["_fresh"] = True
    return client


def client_maker(world: World) -> Any:
    """The ``client_as`` function for ``world`` (usable outside the fixture)."""
    from ..db import db
    from ..models import Tenant

    hosts: dict[int, str] = {
        world.tenant.id: world.host(),
        world.other_tenant.id: world.host(world.other_tenant),
    }

    def make(user: Any | None, tenant: Any | None = None, app: Flask | None = None) -> HostClient:
        target = app or world.app
        if user is None:
            return sign_in(target, None, world.host(tenant))
        with unscoped("test fixture reads the user (it may have been expired)"):
            tenant_id = user.tenant_id
        host = hosts.get(tenant_id)
        if host is None:
            with unscoped("test fixture finds the user's tenant"):
                tenant_row = db.session.get(Tenant, tenant_id)
                assert tenant_row is not None
                host = f"{tenant_row.slug}.localhost"
        return sign_in(target, user, host)

    return make


@pytest.fixture
def client_as(world: World) -> Any:
    """``client_as(user)`` → a client signed in as ``user`` (or anonymous with None);
    ``tenant=`` picks the host for an anonymous client (default: the main tenant);
    ``app=`` targets another app built with :func:`build_app` (e.g. with a test plugin)."""
    return client_maker(world)


@pytest.fixture(name="enable_plugin")
def enable_plugin_fixture(db_session: Any) -> Any:
    """``enable_plugin(program, name, enabled=True, allowed_tiers=None)``: switch a plugin
    on (or off) for a program, optionally only for some tiers (Tier objects, ids or names
    of the program's tiers); committed. See :func:`portalis.testing.kit.enable_plugin`."""
    from .kit import enable_plugin

    return enable_plugin


class Clock:
    """The portal's clock in a test: ``clock.advance(days=400)`` moves ``api.utcnow()``
    (pages, jobs, model defaults) forward for the rest of the test; it is put back after."""

    def advance(self, **delta: float) -> dt.datetime:
        from ..db import shift_clock, utcnow

        shift_clock(dt.timedelta(**delta))
        return utcnow()

    def now(self) -> dt.datetime:
        from ..db import utcnow

        return utcnow()


@pytest.fixture
def clock() -> Iterator[Clock]:
    """The injected clock (:class:`Clock`): ``clock.advance(days=366)`` then look at what
    expired — also in a ``live_portal``, which serves from this process."""
    from ..db import reset_clock

    reset_clock()
    try:
        yield Clock()
    finally:
        reset_clock()


@pytest.fixture
def mailbox(portalis_app: Flask) -> list[Any]:
    """Mails delivered during the test (``email.message.EmailMessage`` objects)."""
    return portalis_app.extensions["portalis_mail_sender"].sent


class _ContractModule(pytest.Module):
    """A plugin's ``tests/test_contract.py``, imported under a name of its own: every plugin
    has a file of that name, and several plugins' tests in one run must not clash."""

    def _getobj(self) -> Any:
        option = self.config.option
        mode = getattr(option, "importmode", None)
        option.importmode = "importlib"
        try:
            return super()._getobj()
        finally:
            option.importmode = mode


def pytest_pycollect_makemodule(module_path: Path, parent: Any) -> Any:
    if module_path.name == "test_contract.py":
        return _ContractModule.from_parent(parent, path=module_path)
    return None


def pytest_configure(config: pytest.Config) -> None:
    import email_validator

    # fixture users live under the reserved ".test" TLD, which email-validator refuses
    email_validator.TEST_ENVIRONMENT = True
    config.addinivalue_line("markers", "plugins(*names): load only these plugins into portalis_app")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LivePortal:
    """A served demo portal: ``url("acme", "/login")`` → ``http://acme.localhost:<port>/login``."""

    app: Flask
    port: int

    def url(self, tenant: str, path: str = "/") -> str:
        return f"http://{tenant}.localhost:{self.port}{path}"

    def sign_in(self, page: Any, email: str, tenant: str = "acme", password: str = "") -> None:
        """Sign ``page`` (a Playwright page) in as ``email`` through the login form, as a
        person would, and wait until the portal has let them in. ``password`` defaults to
        the demo's (``portalis-demo``)."""
        from ..demo import DEMO_PASSWORD

        page.goto(self.url(tenant, "/login"))
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password or DEMO_PASSWORD)
        page.click("button[type=submit].btn-primary")
        page.wait_for_url(lambda url: "/login" not in url)


#: The seeded demo instance of this run (see :func:`_live_portal_template`), by base temp dir.
_LIVE_TEMPLATES: dict[Path, Path] = {}


def _live_portal_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo, migrated and seeded once per run into an instance folder (database,
    uploads, search index) that each ``live_portal`` copies: seeding every plugin's demo
    takes many seconds, copying a folder a fraction of one."""
    from ..db import db
    from ..demo import seed
    from ..migrate import upgrade

    base = tmp_path_factory.getbasetemp()
    if base in _LIVE_TEMPLATES:
        return _LIVE_TEMPLATES[base]
    folder = tmp_path_factory.mktemp("live-portal-template")
    app = build_app(f"sqlite:///{folder}/live.db", folder, JOBS_BACKEND="eager")
    with app.app_context():
        upgrade()
        seed()
        db.session.remove()
        if db.engine is not None:  # no connection left that could still write while we copy
            db.engine.dispose()
    _LIVE_TEMPLATES[base] = folder
    return folder


@pytest.fixture
def live_portal(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    """The seeded demo on a real, committed SQLite database, served on 127.0.0.1 in a
    thread — for end-to-end tests in Chromium (``*.localhost`` resolves to loopback). Each
    test gets its own copy of the run's seeded instance, so what one test changes no other
    sees."""
    import shutil
    import threading

    from werkzeug.serving import make_server

    instance = tmp_path / "live"
    shutil.copytree(_live_portal_template(tmp_path_factory), instance)
    app = build_app(f"sqlite:///{instance}/live.db", instance, JOBS_BACKEND="eager")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LivePortal(app, server.server_port)
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (its own browser download doesn't work here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
