"""The ``Portal`` extension object: the app's plugins, metrics, and per-viewer access.

Reached as ``current_app.extensions["portalis"]``; plugins use :mod:`portalis.api`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from .context import Viewer
from .db import db
from .models import Partner, ProgramPlugin, Tier, User
from .plugins.contract import (
    Event,
    MetricDefinition,
    Milestone,
    PartnerSummary,
    PeriodicJob,
    Permission,
    PluginInfo,
)
from .plugins.registry import CORE_PLUGIN_NAME, PluginRegistry
from .roles import Role


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

    def installed_names(self) -> list[str]:
        return [n for n in self.registry.plugins if n != CORE_PLUGIN_NAME]


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
