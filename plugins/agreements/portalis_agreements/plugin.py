"""Agreements — the plugin entry point (``portalis.plugins: agreements``).

Vendors publish agreement templates (Markdown per language, placeholders from the partner
and program); matching partners are asked to sign; an authorised signer signs by typing
their name, the exact PDF shown is hashed and kept with a signature page; the vendor may
counter-sign; the portal (or some features) stays locked until signed. The onboarding
checklist learns of signatures from the ``agreement.signed`` milestone, never by import.
Metadata and hook implementations only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from flask import Blueprint

from portalis import api

from . import __version__, access, demo, jobs, lock, metrics, service, widgets
from .i18n import _, _l

PLUGIN = api.PluginInfo(
    name="agreements",
    title=_l("Agreements"),
    version=__version__,
    description=_l(
        "Partners sign your agreements in the portal — typed-name e-signature, signed PDF, "
        "optional counter-signature — and can be kept out until they do."
    ),
    requires_core=">=1.3,<2",
    permissions=(
        api.Permission(
            access.SIGN,
            _l("Sign agreements for the company (partner roles only)"),
            (api.Role.PARTNER_ADMIN,),
        ),
        api.Permission(
            access.MANAGE,
            _l("Manage agreement templates and see every partner's agreements"),
            (api.Role.VENDOR_ADMIN, api.Role.CHANNEL_MANAGER),
        ),
        api.Permission(
            access.COUNTERSIGN,
            _l("Counter-sign agreements (vendor staff only)"),
            (api.Role.VENDOR_ADMIN,),
        ),
    ),
    # bundled: its catalogs live in the repository's locales/ with everyone else's
    migrations_dir=Path(__file__).resolve().parent / "migrations",
)


@api.hookimpl
def portalis_blueprints() -> list[Blueprint]:
    from .views import bp

    return [bp]


@api.hookimpl
def portalis_nav_items(viewer: api.Viewer) -> list[api.NavItem]:
    if viewer.is_partner and viewer.partner_id is not None:
        badge = widgets.nav_badge(viewer)
        return [
            api.NavItem(_("Agreements"), "agreements.index", icon="file", order=25, badge=badge)
        ]
    if access.manages(viewer):
        return [api.NavItem(_("Agreements"), "agreements.templates", icon="file", order=40)]
    return []


@api.hookimpl
def portalis_dashboard_widgets(viewer: api.Viewer) -> list[api.Widget]:
    return widgets.for_viewer(viewer)


@api.hookimpl
def portalis_access_blockers(viewer: api.Viewer) -> list[api.AccessBlocker]:
    return lock.blockers(viewer)


@api.hookimpl
def portalis_milestones() -> list[api.Milestone]:
    return [
        api.Milestone("agreement.signed", _l("Agreement signed")),
        api.Milestone("agreement.countersigned", _l("Agreement counter-signed")),
    ]


@api.hookimpl
def portalis_partner_summaries(partner_ids: Sequence[int]) -> list[api.PartnerSummary]:
    return widgets.summaries(partner_ids)


@api.hookimpl
def portalis_tier_metrics() -> list[api.MetricDefinition]:
    return [
        api.MetricDefinition(
            "agreements_all_signed", _l("All agreements signed (1 = yes)"), metrics.all_signed
        )
    ]


@api.hookimpl
def portalis_event(event: api.Event) -> None:
    if event.name in jobs.PARTNER_EVENTS:
        jobs.on_event(event)


@api.hookimpl
def portalis_periodic_jobs() -> list[api.PeriodicJob]:
    return [api.PeriodicJob("agreements.sync", dt.timedelta(hours=1), jobs.sync_assignments)]


@api.hookimpl
def portalis_plugin_toggled(program_id: int, enabled: bool) -> None:
    if enabled:
        service.sync_program(program_id)


@api.hookimpl
def portalis_demo_data(seed: api.DemoSeed) -> None:
    demo.seed(seed)
