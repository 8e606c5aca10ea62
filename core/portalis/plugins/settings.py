"""Per-program plugin configuration as plugins read it: settings and where they are on."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, has_request_context
from sqlalchemy import select

from ..db import db
from ..models import ProgramPlugin


def plugin_settings(plugin: str, program_id: int) -> dict[str, Any]:
    """A plugin's settings for a program: its declared defaults overlaid with the vendor's.

    Read once per request and program (pages ask for the same settings many times).
    """
    cache: dict[tuple[str, int], dict[str, Any]] | None = None
    if has_request_context():
        cache = g.setdefault("portalis_plugin_settings", {})
        if (plugin, program_id) in cache:
            return dict(cache[(plugin, program_id)])
    info = current_app.extensions["portalis"].registry.info(plugin)
    row = db.session.scalars(
        select(ProgramPlugin).where(
            ProgramPlugin.program_id == program_id, ProgramPlugin.plugin == plugin
        )
    ).first()
    settings = {**dict(info.settings_defaults), **(row.settings if row else {})}
    if cache is not None:
        cache[(plugin, program_id)] = settings
    return dict(settings)


def programs_with_plugin(plugin: str) -> list[int]:
    """Ids of the current tenant's programs that enable ``plugin``."""
    return list(
        db.session.scalars(
            select(ProgramPlugin.program_id).where(
                ProgramPlugin.plugin == plugin, ProgramPlugin.enabled.is_(True)
            )
        )
    )
