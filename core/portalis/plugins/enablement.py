"""Switching a plugin on or off for a program — the one code path for it.

The admin page (Programs & tiers → Configure), ``portalis plugins enable``, a new program's
defaults and ``portalis demo`` all call :func:`set_plugin`, so each of them checks the same
rules, calls the plugin's ``portalis_plugin_toggled`` hook, writes the audit entry and emits
``plugin.toggled`` the same way. It writes in the caller's transaction and never commits:
an exception (a refused change, or a failing hook — fail-closed) leaves the caller to roll
back, and nothing of the change stays.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from flask import current_app
from sqlalchemy import select

from .. import audit, events
from ..db import db
from ..models import Program, ProgramPlugin, Tier, User
from .registry import CORE_PLUGIN_NAME


class PluginToggleError(ValueError):
    """The change is refused (unknown plugin, a required plugin is off, a foreign tier).

    ``requires``: plugins to switch on first; ``needed_by``: enabled plugins that need this
    one (so a page can say it in the viewer's language)."""

    def __init__(
        self, message: str, *, requires: list[str] | None = None, needed_by: list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.requires = requires or []
        self.needed_by = needed_by or []


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


#: Default of ``allowed_tiers``/``settings``: leave what is stored (a new row gets all tiers
#: and the plugin's ``settings_defaults``).
KEEP: Final[Any] = _Keep()


def set_plugin(
    program: Program,
    name: str,
    *,
    enabled: bool,
    allowed_tiers: Iterable[int] | None = KEEP,
    settings: Mapping[str, Any] | None = KEEP,
    actor: User | str | None = None,
) -> ProgramPlugin:
    """Switch plugin ``name`` on or off for ``program`` and return its row.

    ``allowed_tiers``: tier ids of the program that may use it, ``None`` for every tier
    (an empty list also means every tier, as in the admin form). ``settings``: the plugin's
    per-program settings (replaces the stored ones). ``actor``: who, for the audit log and
    the event — a user, a label such as ``"cli"``, or ``None`` for the signed-in user of the
    current request (or "system").

    Only when the on/off state changes is the plugin's ``portalis_plugin_toggled`` hook called
    (it may raise to refuse) and ``plugin.toggled`` emitted; the audit entry is always written.
    """
    portal = current_app.extensions["portalis"]
    registry = portal.registry
    if name == CORE_PLUGIN_NAME or name not in registry.plugins:
        raise PluginToggleError(f"plugin {name!r} is not installed")
    info = registry.info(name)
    rows = {
        r.plugin: r
        for r in db.session.scalars(
            select(ProgramPlugin).where(ProgramPlugin.program_id == program.id)
        )
    }
    on = {n for n, r in rows.items() if r.enabled}
    if enabled:
        missing = [dep for dep in info.requires_plugins if dep not in on]
        if missing:
            raise PluginToggleError(
                f"plugin {name!r} needs {', '.join(missing)} switched on for this program first",
                requires=missing,
            )
    else:
        dependants = sorted(
            n
            for n in on
            if n != name and n in registry.plugins and name in registry.info(n).requires_plugins
        )
        if dependants:
            raise PluginToggleError(
                f"plugin {name!r} is needed by {', '.join(dependants)}; switch those off first",
                needed_by=dependants,
            )

    row = rows.get(name)
    if row is None:
        row = ProgramPlugin(
            program_id=program.id,
            plugin=name,
            enabled=False,
            tier_ids=None,
            settings=dict(info.settings_defaults),
        )
        db.session.add(row)
    before = {"enabled": row.enabled, "tier_ids": row.tier_ids, "settings": row.settings}
    toggled = bool(row.enabled) != bool(enabled)
    row.enabled = bool(enabled)
    if allowed_tiers is not KEEP:
        row.tier_ids = _tier_ids(program, allowed_tiers)
    if settings is not KEEP:
        row.settings = dict(settings or {})
    db.session.flush()

    actor_id = actor.id if isinstance(actor, User) else None
    if toggled:
        registry.call_one(name, "portalis_plugin_toggled", program_id=program.id, enabled=enabled)
        events.emit(
            "plugin.toggled",
            {"plugin": name, "enabled": row.enabled, "tier_ids": row.tier_ids},
            program_id=program.id,
            actor_user_id=actor_id,
        )
    entry = audit.record(
        "program.plugin_updated",
        "program_plugin",
        f"{program.id}:{name}",
        before=before,
        after={"enabled": row.enabled, "tier_ids": row.tier_ids, "settings": row.settings},
        actor_label=actor if isinstance(actor, str) else None,
    )
    if isinstance(actor, User):
        entry.actor_user_id = actor.id
        entry.actor_label = actor.email
    return row


def _tier_ids(program: Program, chosen: Iterable[int] | None) -> list[int] | None:
    if chosen is None:
        return None
    wanted = list(dict.fromkeys(int(t) for t in chosen))
    if not wanted:
        return None
    valid = set(db.session.scalars(select(Tier.id).where(Tier.program_id == program.id)))
    foreign = [t for t in wanted if t not in valid]
    if foreign:
        raise PluginToggleError(f"tiers {foreign} are not tiers of program {program.slug!r}")
    return wanted


def in_dependency_order(names: Iterable[str]) -> list[str]:
    """``names`` ordered so every plugin comes after the plugins it requires (then by name):
    the order to switch several on in."""
    registry = current_app.extensions["portalis"].registry
    pending = sorted(set(names))
    done: list[str] = []
    while pending:
        ready = [
            n
            for n in pending
            if all(d in done or d not in pending for d in registry.info(n).requires_plugins)
        ]
        if not ready:  # a cycle: the registry refuses those at start-up; keep going anyway
            ready = pending[:1]
        done += ready
        pending = [n for n in pending if n not in ready]
    return done


__all__ = ["KEEP", "PluginToggleError", "in_dependency_order", "set_plugin"]
