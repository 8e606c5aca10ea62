"""Onboarding checklists — the plugin entry point (``portalis.plugins: onboarding``).

Per program, the vendor lists the steps a new partner goes through — who does each, by
when, and whether somebody ticks it or a milestone another plugin declares completes it
("agreement signed", "first deal registered"). Partners see their progress with the next
step first; finishing can move them to a tier. This module holds the plugin's metadata
and hook implementations only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from flask import Blueprint

from portalis import api

from . import __version__, access, demo, jobs, metrics, service, widgets
from .i18n import _, _l

HERE = Path(__file__).resolve().parent

PLUGIN = api.PluginInfo(
    name="onboarding",  # = entry point name = template folder = message domain
    title=_l("Onboarding checklist"),
    version=__version__,
    description=_l(
        "New partners work through your checklist — agreement, profile, kick-off, first "
        "deal — and you see how far each one is."
    ),
    requires_core=">=1.2,<2",
    permissions=(
        api.Permission(
            access.MANAGE,
            _l("Edit onboarding checklists and tick partners' tasks (vendor staff only)"),
            default_roles=(api.Role.VENDOR_ADMIN, api.Role.CHANNEL_MANAGER),
        ),
        api.Permission(
            access.COMPLETE,
            _l("Tick the company's onboarding tasks (partner roles only)"),
            default_roles=(api.Role.PARTNER_ADMIN,),
        ),
    ),
    # bundled: its catalogs live in the repository's locales/ with everyone else's
    migrations_dir=HERE / "migrations",
    enabled_by_default=True,
)


@api.hookimpl
def portalis_blueprints() -> list[Blueprint]:
    from .views import bp

    return [bp]


@api.hookimpl
def portalis_nav_items(viewer: api.Viewer) -> list[api.NavItem]:
    if access.partner_sees(viewer):
        return [
            api.NavItem(_("Onboarding"), "onboarding.checklist", icon="clipboard-check", order=5)
        ]
    if access.manages(viewer):
        return [api.NavItem(_("Onboarding"), "onboarding.manage", icon="clipboard-check", order=30)]
    return []


@api.hookimpl
def portalis_dashboard_widgets(viewer: api.Viewer) -> list[api.Widget]:
    return widgets.for_viewer(viewer)


@api.hookimpl
def portalis_partner_summaries(partner_ids: Sequence[int]) -> list[api.PartnerSummary]:
    return widgets.summaries(partner_ids)


@api.hookimpl
def portalis_tier_metrics() -> list[api.MetricDefinition]:
    return metrics.definitions()


@api.hookimpl
def portalis_event(event: api.Event) -> None:
    service.milestone_reached(event.name, event.payload.get("partner_id"))


@api.hookimpl
def portalis_periodic_jobs() -> list[api.PeriodicJob]:
    return [
        api.PeriodicJob("onboarding.remind_overdue", dt.timedelta(days=1), jobs.remind_overdue),
        api.PeriodicJob("onboarding.settle", dt.timedelta(hours=1), jobs.settle),
    ]


@api.hookimpl
def portalis_demo_data(seed: api.DemoSeed) -> None:
    demo.seed(seed)
