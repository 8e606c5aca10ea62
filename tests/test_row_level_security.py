"""PostgreSQL row-level security: the database's own tenant check behind the ORM guard.

The suite connects as ``postgres``, a superuser, and superusers bypass every policy. So these
tests migrate a PostgreSQL database of their own (whatever database the run uses) and talk to
it as an application role like production's: no superuser, no BYPASSRLS, owner of nothing.
Raw ``text()`` SQL without any tenant filter is the probe: what it sees is what a forgotten
filter, a bug in the ORM guard or injected SQL would see.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from portalis.db import Base, db, scope_token, tenant_table_names
from portalis.migrate import (
    CORE_MIGRATIONS,
    RLS_POLICY,
    alembic_config,
    install_row_level_security,
    upgrade,
)
from portalis.models import Partner
from portalis.tenancy import tenant_scope, unscoped
from portalis.testing.databases import application_role, throwaway_database
from portalis.testing.fixtures import app_for, sign_in

SECRET = "test-secret-key"  # build_app's SECRET_KEY


@dataclass
class RlsWorld:
    app: object
    owner_url: str
    owner: Engine
    app_engine: Engine
    role: str
    a: int  # tenant ids
    b: int
    partners: dict[int, list[str]]
    deals: dict[int, list[str]]
    admin_a: int
    slug_a: str


def _seed(owner: Engine) -> dict:
    """Two tenants, as the owner (a superuser, so no policy is in the way)."""
    t = Base.metadata.tables
    out: dict = {"partners": {}, "deals": {}}
    with owner.begin() as conn:

        def insert(table: str, **values: object) -> int:
            tb = t[table]
            return conn.execute(tb.insert().values(**values).returning(tb.c.id)).scalar_one()

        for slug in ("rlsa", "rlsb"):
            tid = insert("tenants", slug=slug, name=slug.upper(), branding={})
            program = insert("programs", tenant_id=tid, slug="partners", name="Program")
            tier = insert("tiers", tenant_id=tid, program_id=program, rank=0, name="Registered")
            names = [f"{slug} partner {i}" for i in (1, 2)] if slug == "rlsa" else ["rlsb only"]
            partner_ids = [
                insert("partners", tenant_id=tid, name=n, program_id=program, tier_id=tier)
                for n in names
            ]
            admin = insert(
                "users",
                tenant_id=tid,
                email=f"admin@{slug}.test",
                name="Admin",
                role="vendor_admin",
            )
            customer = f"{slug} customer"
            insert(
                "deals_registrations",
                tenant_id=tid,
                program_id=program,
                partner_id=partner_ids[0],
                created_by_id=admin,
                customer_name=customer,
                currency="USD",
            )
            out[slug] = (tid, admin)
            out["partners"][tid] = names
            out["deals"][tid] = [customer]
    return out


@pytest.fixture(scope="module")
def rls(request, portalis_database_url, tmp_path_factory) -> Iterator[RlsWorld]:
    app = app_for(request, portalis_database_url, tmp_path_factory)
    with (
        throwaway_database("postgresql", prefix="portalis_rls") as owner_url,
        application_role(owner_url) as app_url,
    ):
        role = make_url(app_url).username
        assert role is not None
        setup = create_engine(owner_url, isolation_level="AUTOCOMMIT")
        with setup.connect() as conn:  # a test that leaves a lock behind fails, never hangs
            name = make_url(owner_url).database
            conn.execute(text(f"ALTER DATABASE \"{name}\" SET lock_timeout = '20s'"))
        setup.dispose()
        with app.app_context():
            saved = {k: app.config[k] for k in ("DATABASE_URL", "DATABASE_APP_ROLE")}
            app.config.update(DATABASE_URL=owner_url, DATABASE_APP_ROLE=role)
            try:
                upgrade()  # as `portalis db upgrade` does in production: policies + grants
            finally:
                app.config.update(saved)
        owner = create_engine(owner_url)
        app_engine = create_engine(app_url)
        try:
            seeded = _seed(owner)
            (a, admin_a), (b, _admin_b) = seeded["rlsa"], seeded["rlsb"]
            yield RlsWorld(
                app, owner_url, owner, app_engine, role, a, b,
                seeded["partners"], seeded["deals"], admin_a, "rlsa",
            )  # fmt: skip
        finally:
            app_engine.dispose()
            owner.dispose()


@contextmanager
def as_app_role(world: RlsWorld) -> Iterator[None]:
    """``db.session`` (and so every request and job of the app) connects as the app role."""
    with world.app.app_context():
        db.session.remove()
        db._factory.configure(bind=world.app_engine)  # noqa: SLF001
        try:
            yield
        finally:
            db.session.remove()
            db._factory.configure(bind=db.engine)  # noqa: SLF001


def _names(sql: str) -> list[str]:
    return sorted(db.session.execute(text(sql)).scalars())


def test_the_application_role_is_subject_to_the_policies(rls):
    with rls.app_engine.connect() as conn:
        superuser, bypass = conn.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        owner = conn.execute(
            text("SELECT tableowner FROM pg_tables WHERE tablename = 'partners'")
        ).scalar_one()
    assert (superuser, bypass) == (False, False)
    assert owner != rls.role


def test_every_tenant_table_of_core_and_plugins_has_the_forced_policy(rls):
    tables = tenant_table_names()
    assert {"partners", "users", "user_sessions", "audit_entries"} <= tables
    assert any(t.startswith("deals_") for t in tables)
    assert any(t.startswith("content_") for t in tables)
    with rls.owner.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "array(SELECT polname FROM pg_policy WHERE polrelid = c.oid) "
                "FROM pg_class c WHERE c.relname = ANY(:names) AND c.relkind = 'r'"
            ),
            {"names": sorted(tables)},
        ).all()
    state = {r[0]: (r[1], r[2], r[3]) for r in rows}
    assert set(state) == set(tables), "a tenant table is missing from the database"
    uncovered = {n: s for n, s in state.items() if s != (True, True, [RLS_POLICY])}
    assert uncovered == {}


def test_a_raw_select_without_a_filter_sees_only_the_current_tenant(rls):
    with as_app_role(rls):
        for tid in (rls.a, rls.b):
            with tenant_scope(tid):
                assert _names("SELECT name FROM partners") == sorted(rls.partners[tid])
                # a plugin's table, covered without the plugin writing a policy
                assert _names("SELECT customer_name FROM deals_registrations") == rls.deals[tid]
            db.session.rollback()


def test_the_scope_follows_changes_inside_one_transaction(rls):
    """A request resolves its tenant before entering the scope, a job may switch tenants: the
    setting follows the scope statement by statement, in the same transaction."""
    with as_app_role(rls):
        started = db.session.execute(text("SELECT now()")).scalar()  # the transaction's start
        assert _names("SELECT name FROM partners") == []  # before any scope
        with tenant_scope(rls.a):
            assert _names("SELECT name FROM partners") == sorted(rls.partners[rls.a])
            with tenant_scope(rls.b):
                assert _names("SELECT name FROM partners") == rls.partners[rls.b]
            assert _names("SELECT name FROM partners") == sorted(rls.partners[rls.a])
            with unscoped("test reads every tenant"):
                everyone = sorted(rls.partners[rls.a] + rls.partners[rls.b])
                assert _names("SELECT name FROM partners") == everyone
        assert _names("SELECT name FROM partners") == []  # after the scope: closed again
        assert db.session.execute(text("SELECT now()")).scalar() == started  # one transaction
        db.session.rollback()


def test_outside_any_scope_a_raw_select_sees_nothing(rls):
    with as_app_role(rls):
        assert db.session.execute(text("SELECT count(*) FROM partners")).scalar() == 0
        assert db.session.execute(text("SELECT count(*) FROM users")).scalar() == 0
        db.session.rollback()
    with rls.app_engine.connect() as conn:  # no session, no scope: a bare connection
        assert conn.execute(text("SELECT count(*) FROM deals_registrations")).scalar() == 0


def test_rows_of_another_tenant_can_not_be_written(rls):
    with rls.owner.connect() as conn:
        program_b_id = conn.execute(
            text("SELECT id FROM programs WHERE tenant_id = :b"), {"b": rls.b}
        ).scalar_one()
    with as_app_role(rls), tenant_scope(rls.a):
        with pytest.raises(DBAPIError, match="row-level security"):
            db.session.execute(
                text("INSERT INTO partners (tenant_id, name, program_id, status, tier_locked, "
                     "created_at) VALUES (:b, 'planted', :p, 'active', false, now())"),
                {"b": rls.b, "p": program_b_id},
            )  # fmt: skip
        db.session.rollback()
        with pytest.raises(DBAPIError, match="row-level security"):
            db.session.execute(text("UPDATE partners SET tenant_id = :b"), {"b": rls.b})
        db.session.rollback()
        # the other tenant's rows are out of reach of UPDATE and DELETE alike
        renamed = db.session.execute(text("UPDATE partners SET name = name || ' (x)'"))
        assert renamed.rowcount == len(rls.partners[rls.a])
        deleted = db.session.execute(text("DELETE FROM deals_registrations"))
        assert deleted.rowcount == 1
        db.session.rollback()
    with rls.owner.connect() as conn:
        assert conn.execute(
            text("SELECT count(*) FROM deals_registrations WHERE tenant_id = :b"), {"b": rls.b}
        ).scalar() == 1  # fmt: skip


def test_unscoped_platform_work_still_works(rls):
    with as_app_role(rls), unscoped("test: platform work across tenants"):
        names = sorted(db.session.scalars(select(Partner.name)))
        assert names == sorted(rls.partners[rls.a] + rls.partners[rls.b])
        program_b = db.session.execute(
            text("SELECT id FROM programs WHERE tenant_id = :b"), {"b": rls.b}
        ).scalar_one()
        db.session.add(Partner(tenant_id=rls.b, name="made by the platform", program_id=program_b))
        db.session.flush()
        assert "made by the platform" in _names("SELECT name FROM partners")
        db.session.rollback()


def test_injected_sql_can_not_widen_its_scope(rls):
    """What SQL injected into a tenant A request could try, as the app role."""
    with rls.app_engine.connect() as conn:

        def partners_with(value: str) -> list[str]:
            conn.execute(text("SELECT set_config('portalis.scope', :v, true)"), {"v": value})
            return sorted(conn.execute(text("SELECT name FROM partners")).scalars())

        mine = scope_token(SECRET, str(rls.a))
        assert partners_with(mine) == sorted(rls.partners[rls.a])
        mac = mine.split(".", 1)[1]
        assert partners_with(f"{rls.b}.{mac}") == []  # another tenant, own mac
        assert partners_with(f"*.{mac}") == []  # unscoped, own mac
        assert partners_with(str(rls.b)) == []
        assert partners_with("*") == []
        assert partners_with(scope_token("some other secret", str(rls.b))) == []
        assert partners_with(scope_token("some other secret", "*")) == []
        conn.rollback()
        for attempt in (
            "SELECT * FROM portalis_rls.hmac_key",
            "ALTER TABLE partners DISABLE ROW LEVEL SECURITY",
            "ALTER TABLE partners NO FORCE ROW LEVEL SECURITY",
            f"DROP POLICY {RLS_POLICY} ON partners",
            "SET ROLE postgres",
        ):
            with pytest.raises(DBAPIError):
                conn.execute(text(attempt))
            conn.rollback()


def test_requests_run_as_the_app_role_with_one_setting_per_transaction(rls, monkeypatch):
    """A whole request through the pipeline (tenant from the host, then the scope) as the
    app role: the page shows tenant A's partners only; the policies cost one set_config per
    transaction, sent below the statement counter (so page budgets stay comparable)."""
    import portalis.db as portalis_db

    counts = {"statements": 0, "set_config": 0, "transactions": 0}
    set_scope = portalis_db._set_scope  # noqa: SLF001

    def counted_set_scope(*args):
        counts["set_config"] += 1
        set_scope(*args)

    def on_execute(conn, cursor, statement, params, context, executemany):
        counts["statements"] += 1
        assert "set_config" not in statement

    def on_begin(conn):
        counts["transactions"] += 1

    with as_app_role(rls):
        client = sign_in(
            rls.app, SimpleNamespace(id=rls.admin_a, tenant_id=rls.a), f"{rls.slug_a}.localhost"
        )
        monkeypatch.setattr(portalis_db, "_set_scope", counted_set_scope)
        event.listen(rls.app_engine, "before_cursor_execute", on_execute)
        event.listen(rls.app_engine, "begin", on_begin)
        try:
            resp = client.get("/admin/partners")
        finally:
            event.remove(rls.app_engine, "before_cursor_execute", on_execute)
            event.remove(rls.app_engine, "begin", on_begin)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    for name in rls.partners[rls.a]:
        assert name in page
    assert rls.partners[rls.b][0] not in page
    assert counts["statements"] > 1
    assert 1 <= counts["set_config"] <= counts["transactions"], counts


def test_downgrade_removes_the_policies_and_upgrade_restores_them(rls):
    def covered() -> int:
        with rls.owner.connect() as conn:
            return conn.execute(
                text("SELECT count(*) FROM pg_policy WHERE polname = :p"), {"p": RLS_POLICY}
            ).scalar_one()

    before = covered()
    assert before == len(tenant_table_names())
    rls.app_engine.dispose()  # no pooled connection of ours in the way of the DDL
    with rls.app.app_context():
        saved = rls.app.config["DATABASE_URL"]
        rls.app.config["DATABASE_URL"] = rls.owner_url
        try:
            command.downgrade(alembic_config("core", CORE_MIGRATIONS), "core_0004")
            assert covered() == 0
            upgrade()  # core back to head, then every plugin's tables covered again
        finally:
            rls.app.config["DATABASE_URL"] = saved
    assert covered() == before


def test_sqlite_is_left_alone(tmp_path):
    """SQLite has no row-level security: nothing is installed and no statement is added;
    the ORM guard (tests/test_tenancy.py) is its only line of defence."""
    engine = create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda c, cur, s, *a: statements.append(s))
    try:
        with engine.begin() as conn:
            assert install_row_level_security(conn, {"partners"}, secret_key=SECRET) == []
        assert statements == []
        from sqlalchemy.orm import Session

        with Session(engine) as session, tenant_scope(1):
            session.execute(text("SELECT 1"))
        assert statements == ["SELECT 1"]
    finally:
        engine.dispose()
