"""The ``Portal`` extension object: the app's plugins, metrics, and per-viewer access.

Reached as ``current_app.extensions["portalis"]``; plugins use :mod:`portalis.api`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from .context import Viewer, current_viewer
from .db import db
from .models import Partner, ProgramPlugin, Tier, User
from .plugins.contract import (
    Event,
    LinkableItem,
    MetricDefinition,
    Milestone,
    PartnerSummary,
    PeriodicJob,
    Permission,
    PluginInfo,
)
from .plugins.registry import CORE_PLUGIN_NAME, PluginRegistry
from .roles import Role

log = logging.getLogger("portalis.plugins")

#: At most this many linkable items per picker query, and refs per resolution.
MAX_LINKABLES = 100
MAX_LINKABLE_REFS = 1000
#: A ref's length at most, and its plugin part: a plugin name.
MAX_REF_LENGTH = 200
_PLUGIN_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Portal:
    def __init__(self, app: Flask, registry: PluginRegistry) -> None:
        self.app = app
        self.registry = registry
        self._metrics: list[tuple[str, MetricDefinition]] | None = None
        self._jobs: list[PeriodicJob] | None = None

    # registries built once -----------------------------------------------------------------
    def metric_definitions(self) -> list[tuple[str, MetricDefinition]]:
        if self._metrics is None:
            out = []
            for plugin, defs in self.registry.call_robust("portalis_tier_metrics", None, None):
                out += [(plugin, d) for d in defs]
            self._metrics = out
        return self._metrics

    def metric_names(self) -> set[str]:
        return {m.name for _p, m in self.metric_definitions()}

    def periodic_jobs(self) -> list[PeriodicJob]:
        if self._jobs is None:
            self._jobs = [
                j for jobs in self.registry.call_all("portalis_periodic_jobs") for j in jobs
            ]
        return self._jobs

    def permissions(self) -> list[Permission]:
        return [perm for p in self.registry.plugins.values() for perm in p.info.permissions]

    def permission(self, name: str) -> Permission | None:
        """The declared permission called ``name`` (None when no installed plugin declares it)."""
        return next((perm for perm in self.permissions() if perm.name == name), None)

    def permissions_by_plugin(self) -> list[tuple[PluginInfo, list[Permission]]]:
        """Installed plugins that declare permissions, in name order, with those permissions."""
        return [
            (p.info, list(p.info.permissions))
            for _name, p in sorted(self.registry.plugins.items())
            if p.info.permissions
        ]

    # enablement -----------------------------------------------------------------------------
    def enabled_plugins_for_program(
        self, program_id: int, tier_id: int | None = None, *, any_tier: bool = True
    ) -> frozenset[str]:
        rows = db.session.execute(
            select(ProgramPlugin.plugin, ProgramPlugin.tier_ids).where(
                ProgramPlugin.program_id == program_id, ProgramPlugin.enabled.is_(True)
            )
        ).all()
        installed = set(self.registry.plugins)
        return frozenset(
            name
            for name, tiers in rows
            if name in installed and (any_tier or tiers is None or tier_id in tiers)
        )

    def enabled_plugins_anywhere(self) -> frozenset[str]:
        rows = db.session.scalars(
            select(ProgramPlugin.plugin).where(ProgramPlugin.enabled.is_(True)).distinct()
        ).all()
        return frozenset(r for r in rows if r in self.registry.plugins)

    def plugins_for_event(self, event: Event) -> frozenset[str]:
        if event.program_id is not None:
            return self.enabled_plugins_for_program(event.program_id)
        return self.enabled_plugins_anywhere()

    def viewer_for(self, tenant_id: int, user: User | None, locale: str = "en") -> Viewer:
        """Who the user is to the plugin system. One query (plus none for anonymous)."""
        if user is None:
            return Viewer(tenant_id=tenant_id, locale=locale)
        if user.is_vendor_staff:
            return Viewer(
                tenant_id=tenant_id,
                user_id=user.id,
                role=Role(user.role),
                enabled_plugins=self.enabled_plugins_anywhere(),
                locale=locale,
            )
        partner: Partner | None = user.partner
        if partner is None:
            return Viewer(tenant_id=tenant_id, user_id=user.id, role=Role(user.role), locale=locale)
        rows = (
            db.session.execute(
                select(ProgramPlugin.plugin, ProgramPlugin.tier_ids, Tier.rank)
                .select_from(Tier)
                .outerjoin(
                    ProgramPlugin,
                    (ProgramPlugin.program_id == Tier.program_id) & ProgramPlugin.enabled.is_(True),
                )
                .where(Tier.id == partner.tier_id)
            ).all()
            if partner.tier_id
            else []
        )
        rank = rows[0][2] if rows else None
        enabled = frozenset(
            name
            for name, tiers, _rank in rows
            if name in self.registry.plugins and (tiers is None or partner.tier_id in tiers)
        )
        return Viewer(
            tenant_id=tenant_id,
            user_id=user.id,
            role=Role(user.role),
            partner_id=partner.id,
            program_id=partner.program_id,
            tier_id=partner.tier_id,
            tier_rank=rank,
            enabled_plugins=enabled,
            locale=locale,
        )

    def collect(self, hook_name: str, viewer: Viewer, **kwargs: Any) -> list[tuple[str, Any]]:
        """Robust, gated call of a display hook for ``viewer``."""
        return list(
            self.registry.call_robust(
                hook_name, viewer.enabled_plugins, viewer.tenant_id, viewer=viewer, **kwargs
            )
        )

    def milestones(self) -> list[Milestone]:
        """Every installed plugin's milestones, the core's included (not gated: a checklist
        may wait for a plugin a program switches on later). Collected on each call, so lazy
        labels come out in the caller's language; a plugin whose hook fails is left out."""
        return [
            m
            for _p, found in self.registry.call_robust("portalis_milestones", None, None)
            for m in found
        ]

    def partner_summaries(
        self, viewer: Viewer, partner_ids: list[int]
    ) -> tuple[list[str], dict[tuple[int, str], PartnerSummary]]:
        """What plugins say about a page of partners, for vendor staff: the column labels in
        a stable order and each ``(partner_id, label)`` cell. One call per plugin for the
        whole page, so the page's statement count does not grow with its rows."""
        if not partner_ids or not viewer.is_vendor_staff:
            return [], {}
        wanted = set(partner_ids)
        labels: list[str] = []
        cells: dict[tuple[int, str], PartnerSummary] = {}
        for _plugin, summaries in self.collect(
            "portalis_partner_summaries", viewer, partner_ids=list(partner_ids)
        ):
            for summary in summaries:
                if summary.partner_id not in wanted:
                    continue  # a plugin's bug must not show one partner's line on another
                if summary.label not in labels:
                    labels.append(summary.label)
                cells[(summary.partner_id, summary.label)] = summary
        return labels, cells

    def linkable_items(self, viewer: Viewer, query: str, limit: int = 20) -> list[LinkableItem]:
        """Items of the plugins enabled for ``viewer`` that another plugin may link to:
        ``portalis_linkable_items`` of each (robust), at most ``limit`` in all."""
        limit = max(1, min(int(limit), MAX_LINKABLES))
        query = _CONTROL.sub(" ", query or "").strip()[:200]
        out: list[LinkableItem] = []
        for plugin, items in self.collect(
            "portalis_linkable_items", viewer, query=query, limit=limit
        ):
            out += _own_linkables(plugin, items)
            if len(out) >= limit:
                break
        return out[:limit]

    def resolve_linkables(self, viewer: Viewer, refs: Iterable[str]) -> dict[str, LinkableItem]:
        """``{ref: item}`` for those of ``refs`` the viewer may open now. Each plugin is
        asked only about its own refs (once, with all of them), and only when it is
        enabled for the viewer; refs of other plugins, malformed refs and refs a plugin
        didn't answer for are left out."""
        wanted: dict[str, list[str]] = {}
        seen: set[str] = set()
        for ref in refs:
            if not isinstance(ref, str) or ref in seen or len(ref) > MAX_REF_LENGTH:
                continue
            plugin, sep, rest = ref.partition(":")
            if not sep or not rest or not _PLUGIN_NAME.fullmatch(plugin):
                continue
            seen.add(ref)
            if plugin in viewer.enabled_plugins and plugin != CORE_PLUGIN_NAME:
                wanted.setdefault(plugin, []).append(ref)
            if len(seen) >= MAX_LINKABLE_REFS:
                break
        found: dict[str, LinkableItem] = {}
        for plugin, plugin_refs in wanted.items():
            asked = set(plugin_refs)
            for name, items in self.registry.call_robust(
                "portalis_resolve_linkables",
                {plugin},
                viewer.tenant_id,
                viewer=viewer,
                refs=list(plugin_refs),
            ):
                if name != plugin:
                    continue
                for item in _own_linkables(plugin, items):
                    if item.ref in asked:
                        found.setdefault(item.ref, item)
        return found

    def installed_names(self) -> list[str]:
        return [n for n in self.registry.plugins if n != CORE_PLUGIN_NAME]


def _own_linkables(plugin: str, items: Any) -> list[LinkableItem]:
    """``items`` a plugin returned, keeping only well-formed items of its own (a ref of
    another plugin would let it answer for that one), with ``plugin`` filled in."""
    out = []
    try:
        candidates = list(items)
    except Exception:  # noqa: BLE001 - a display hook: the plugin's answer is left out
        log.exception("the linkable items of plugin %s could not be read; left out", plugin)
        return []
    for item in candidates:
        if not isinstance(item, LinkableItem) or not item.ref.startswith(plugin + ":"):
            log.error("plugin %s returned a linkable item not of its own: %r", plugin, item)
            continue
        if item.plugin != plugin:
            item = dataclasses.replace(item, plugin=plugin)
        out.append(item)
    return out


def flatten(results: Iterable[tuple[str, Any]]) -> list[Any]:
    out: list[Any] = []
    for _plugin, items in results:
        out.extend(items)
    return out


def milestones() -> list[Milestone]:
    """Every installed plugin's milestones (``portalis_milestones``), for the current app."""
    portal: Portal = current_app.extensions["portalis"]
    return portal.milestones()


def installed_plugins() -> list[PluginInfo]:
    """What each installed plugin declares about itself (the core aside), by name — for a
    picker that offers plugins by their title (``resolve_text(info.title)``, in the
    reader's language) instead of their technical name."""
    portal: Portal = current_app.extensions["portalis"]
    return [p.info for p in portal.registry.optional]


def find_linkables(query: str = "", limit: int = 20) -> list[LinkableItem]:
    """Items of other plugins (files of the content library …) the current viewer may
    open whose title matches ``query`` — candidates for a picker; at most ``limit``
    (capped at 100). Only plugins enabled for the viewer answer."""
    portal: Portal = current_app.extensions["portalis"]
    return portal.linkable_items(current_viewer(), query, limit)


def resolve_linkables(refs: Iterable[str]) -> dict[str, LinkableItem]:
    """``{ref: LinkableItem}`` for the refs (``"<plugin>:<opaque>"``, as an item found
    by :func:`find_linkables` carried) the current viewer may open now; a ref missing
    from the answer is gone, expired, of a plugin that is off, or not for this viewer."""
    portal: Portal = current_app.extensions["portalis"]
    return portal.resolve_linkables(current_viewer(), refs)
