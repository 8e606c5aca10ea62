"""Alembic for the core and every plugin: one history (and version table) per distribution.

The core's tables live in ``portalis/migrations``; a plugin ships ``migrations/`` with a
two-line ``env.py`` that calls :func:`run_env`. ``portalis db upgrade`` upgrades the core
first, then each installed plugin, so a plugin may reference core tables.

On PostgreSQL, ``upgrade`` then (re)installs row-level security on every tenant table of
every installed distribution (:func:`install_row_level_security`, idempotent): a plugin's
tables are covered without the plugin writing a policy. With ``DATABASE_APP_ROLE`` set it
also grants that role what the application needs on every table (docs/operations.md).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from flask import current_app, has_app_context
from sqlalchemy import Connection, create_engine, pool, text

from .plugins.registry import CORE_PLUGIN_NAME

CORE_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def version_table(name: str) -> str:
    return "alembic_version" if name == CORE_PLUGIN_NAME else f"alembic_version_{name}"


def owned_tables(name: str) -> set[str]:
    """Tables a distribution owns: the core's models, or ``<plugin>_*`` tables."""
    from .db import Base

    if name == CORE_PLUGIN_NAME:
        from . import models  # noqa: F401

        core_modules = ("portalis.models",)
        return {
            str(getattr(m.local_table, "name", ""))
            for m in Base.registry.mappers
            if m.class_.__module__.startswith(core_modules)
        }
    return {t for t in Base.metadata.tables if t.startswith(f"{name}_")}


def distributions() -> list[tuple[str, Path]]:
    portal = current_app.extensions["portalis"]
    out = [(CORE_PLUGIN_NAME, CORE_MIGRATIONS)]
    for plugin in portal.registry.optional:
        if plugin.info.migrations_dir:
            out.append((plugin.info.name, Path(plugin.info.migrations_dir)))
    return out


def alembic_config(name: str, location: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(location))
    cfg.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"].replace("%", "%%"))
    cfg.attributes["portalis_name"] = name
    return cfg


def upgrade(target: str = "heads", only: str | None = None) -> list[str]:
    done = []
    for name, location in distributions():
        if only and name != only:
            continue
        command.upgrade(alembic_config(name, location), target)
        done.append(name)
    refresh_row_level_security()
    return done


# --- PostgreSQL row-level security ------------------------------------------------------------

#: Schema of the policy function and its key; the application's role may not read the key.
#: (Spelled out in the SQL below too.)
RLS_SCHEMA = "portalis_rls"
#: The one policy on every tenant table.
RLS_POLICY = "portalis_tenant"

_RLS_FUNCTION = """
CREATE OR REPLACE FUNCTION portalis_rls.scope() RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  token text := coalesce(current_setting('portalis.scope', true), '');
  claim text := split_part(token, '.', 1);
  mac text := split_part(token, '.', 2);
  k record;
BEGIN
  IF mac = '' THEN
    RETURN NULL;
  END IF;
  SELECT inner_pad, outer_pad INTO k FROM portalis_rls.hmac_key WHERE id = 1;
  IF NOT FOUND OR mac <> encode(
      sha256(k.outer_pad || sha256(k.inner_pad || convert_to(claim, 'UTF8'))), 'hex') THEN
    RETURN NULL;
  END IF;
  IF claim = '*' THEN
    RETURN 0;
  END IF;
  RETURN claim::bigint;
END
$fn$
"""
# The tenant id the transaction's scope token proves, 0 for unscoped() platform work, NULL
# for none or a forged one. Read once per statement (one InitPlan), not once per row.
_RLS_CONDITION = f"(SELECT {RLS_SCHEMA}.scope()) = ANY (ARRAY[tenant_id, 0])"


def _hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer padded keys (RFC 2104), so the database can check a
    mac with its built-in sha256() alone (no pgcrypto)."""
    block = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def install_row_level_security(
    connection: Connection,
    tables: set[str] | frozenset[str] | None = None,
    *,
    secret_key: str | bytes | None = None,
    app_role: str | None = None,
) -> list[str]:
    """Enable and FORCE row-level security with the tenant policy on ``tables`` (default:
    every tenant-scoped model's table) that exist; (re)write the function and its key.

    Idempotent: a table that already has the policy is left alone (no lock taken). Returns
    the tables that were newly covered. A no-op on SQLite (the ORM guard is its only line).
    ``secret_key`` defaults to the app's SECRET_KEY; ``app_role``, when given, is granted
    what the application needs (never ownership, so it can't switch the policies off).
    """
    if connection.dialect.name != "postgresql":
        return []
    from .db import rls_key, tenant_table_names

    if secret_key is None and has_app_context():
        secret_key = current_app.config.get("SECRET_KEY")
    wanted = set(tenant_table_names() if tables is None else tables)
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {RLS_SCHEMA}"))
    connection.execute(text(f"REVOKE ALL ON SCHEMA {RLS_SCHEMA} FROM PUBLIC"))
    connection.execute(
        text(
            f"CREATE TABLE IF NOT EXISTS {RLS_SCHEMA}.hmac_key ("
            "id integer PRIMARY KEY CHECK (id = 1), "
            "inner_pad bytea NOT NULL, outer_pad bytea NOT NULL)"
        )
    )
    connection.execute(text(f"REVOKE ALL ON {RLS_SCHEMA}.hmac_key FROM PUBLIC"))
    connection.execute(text(_RLS_FUNCTION))
    connection.execute(text(f"GRANT USAGE ON SCHEMA {RLS_SCHEMA} TO PUBLIC"))
    if secret_key:
        inner, outer = _hmac_pads(rls_key(secret_key))
        connection.execute(
            text(
                "INSERT INTO portalis_rls.hmac_key (id, inner_pad, outer_pad) "
                "VALUES (1, :i, :o) ON CONFLICT (id) DO UPDATE "
                "SET inner_pad = excluded.inner_pad, outer_pad = excluded.outer_pad"
            ),
            {"i": inner, "o": outer},
        )
    state = {
        row.relname: row
        for row in connection.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid "
                "        AND p.polname = :policy) AS has_policy "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
            ),
            {"policy": RLS_POLICY},
        )
    }
    quote = connection.dialect.identifier_preparer.quote
    covered = []
    for name in sorted(wanted & set(state)):
        row, table = state[name], quote(name)
        if not row.relrowsecurity:
            connection.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        if not row.relforcerowsecurity:
            connection.execute(text(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY"))
        if not row.has_policy:
            connection.execute(
                text(
                    f"CREATE POLICY {RLS_POLICY} ON {table} "
                    f"USING ({_RLS_CONDITION}) WITH CHECK ({_RLS_CONDITION})"
                )
            )
            covered.append(name)
    if app_role:
        _grant_app_role(connection, quote(app_role), set(state))
    return covered


def _grant_app_role(connection: Connection, role: str, tables: set[str]) -> None:
    """What the application's role needs: read and write rows (not the migrations' version
    tables, which it may only read), use the id sequences. Not ownership, not DDL."""
    quote = connection.dialect.identifier_preparer.quote
    schema = quote(connection.execute(text("SELECT current_schema()")).scalar_one())
    connection.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {role}"))
    for name in sorted(tables):
        if name.startswith("alembic_version"):
            privileges = "SELECT"
        else:
            privileges = "SELECT, INSERT, UPDATE, DELETE"
        connection.execute(text(f"GRANT {privileges} ON {quote(name)} TO {role}"))
    connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}"))


def remove_row_level_security(connection: Connection) -> None:
    """Undo :func:`install_row_level_security` (the core migration's downgrade)."""
    if connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer.quote
    names = connection.execute(
        text(
            "SELECT c.relname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND p.polname = :policy"
        ),
        {"policy": RLS_POLICY},
    ).scalars()
    for name in list(names):
        table = quote(name)
        connection.execute(text(f"DROP POLICY IF EXISTS {RLS_POLICY} ON {table}"))
        connection.execute(text(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY"))
        connection.execute(text(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"))
    connection.execute(text(f"DROP SCHEMA IF EXISTS {RLS_SCHEMA} CASCADE"))


def refresh_row_level_security(url: str | None = None) -> list[str]:
    """After migrating: cover every tenant table of every installed distribution, rewrite
    the key from SECRET_KEY and grant ``DATABASE_APP_ROLE``. Only once the core migration
    that introduced row-level security has run (its schema exists); a no-op on SQLite."""
    url = url or current_app.config["DATABASE_URL"]
    if not url.startswith("postgresql"):
        return []
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            present = conn.execute(
                text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": RLS_SCHEMA}
            ).first()
            if present is None:
                return []
            return install_row_level_security(
                conn, app_role=current_app.config.get("DATABASE_APP_ROLE") or None
            )
    finally:
        engine.dispose()


def next_revision_id(name: str, versions: Path) -> str:
    """``<name>_000N``: revision ids that sort, read well in a file list and never collide
    between distributions (each has its own history)."""
    numbers = [
        int(match.group(1))
        for path in versions.glob(f"{name}_*.py")
        if (match := re.match(rf"{re.escape(name)}_(\d{{4}})_", path.name))
    ]
    return f"{name}_{max(numbers, default=0) + 1:04d}"


def revision(name: str, message: str) -> None:
    for dist, location in distributions():
        if dist == name:
            command.revision(
                alembic_config(dist, location),
                message=message,
                autogenerate=True,
                rev_id=next_revision_id(dist, Path(location) / "versions"),
            )
            return
    raise SystemExit(f"no migrations folder for {name!r}")


def render_type(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """How autogenerate writes a column type into a revision.

    The core's types that plugins get through the public API are written as ``api.X`` (a
    plugin's revision then imports nothing internal); any other type that isn't
    SQLAlchemy's own — a plugin's ``TypeDecorator`` — is written with its real module and
    that module imported, so the revision runs. ``False`` leaves SQLAlchemy's types to
    Alembic's default rendering.
    """
    from .db import AwareDateTime, BigId

    if type_ != "type":
        return False
    if obj is BigId or repr(obj) == repr(BigId):
        autogen_context.imports.add("from portalis import api")
        return "api.BigId"
    if isinstance(obj, AwareDateTime):
        autogen_context.imports.add("from portalis import api")
        return "api.AwareDateTime()"
    module = type(obj).__module__
    if module.startswith("sqlalchemy"):
        return False
    autogen_context.imports.add(f"import {module}")
    return f"{module}.{obj!r}"


def run_env(context: Any) -> None:
    """Body of every ``env.py``: migrate one distribution's tables with its version table."""
    from .db import UNSCOPED_CLAIM, Base, scope_token

    config = context.config
    name = config.attributes.get("portalis_name") or CORE_PLUGIN_NAME
    if not config.attributes.get("portalis_name"):
        raise RuntimeError("run migrations through 'portalis db upgrade'")
    tables = owned_tables(name)

    def include_object(
        obj: Any, obj_name: str, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        if type_ == "table":
            return obj_name in tables
        table = getattr(obj, "table", None)
        return table is None or table.name in tables

    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql" and has_app_context():
            # a migration is platform work: under FORCE ROW LEVEL SECURITY a data migration
            # run by the tables' owner would otherwise see (and change) no tenant rows
            token = scope_token(current_app.config["SECRET_KEY"], UNSCOPED_CLAIM)
            connection.execute(text("SELECT set_config('portalis.scope', :t, false)"), {"t": token})
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            version_table=version_table(name),
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            # public-API types as api.X, a plugin's own types through its own module
            render_item=render_type,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
