"""Alembic for the core and every plugin: one history (and version table) per distribution.

The core's tables live in ``portalis/migrations``; a plugin ships ``migrations/`` with a
two-line ``env.py`` that calls :func:`run_env`. ``portalis db upgrade`` upgrades the core
first, then each installed plugin, so a plugin may reference core tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from flask import current_app

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
    return done


def revision(name: str, message: str) -> None:
    for dist, location in distributions():
        if dist == name:
            command.revision(alembic_config(dist, location), message=message, autogenerate=True)
            return
    raise SystemExit(f"no migrations folder for {name!r}")


def run_env(context: Any) -> None:
    """Body of every ``env.py``: migrate one distribution's tables with its version table."""
    from sqlalchemy import create_engine, pool

    from .db import Base

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
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            version_table=version_table(name),
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            # plugins' generated migrations name types through the public API only
            user_module_prefix=None if name == CORE_PLUGIN_NAME else "portalis.api.",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
