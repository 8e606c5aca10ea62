"""Content library for Portalis — the plugin entry point (``portalis.plugins: content``).

Vendors publish files, links and pages into folders and collections, per language, with
version history; each item is visible to the program's partners, chosen tiers, chosen
partner companies or nobody, between optional publish and expiry dates. Partners find it
by browsing or through the portal search (document text included), and PDFs can be
co-branded with the partner's details on download.

This module only describes the plugin and answers the core's hooks; each hook hands over
to the module that does the work (README.md lists them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from flask import Blueprint

from portalis import api

from . import __version__, access, demo, jobs, linkables, metrics, service, widgets
from .forms import SettingsForm
from .i18n import _, _l
from .views import bp

PLUGIN = api.PluginInfo(
    name=service.PLUGIN_NAME,
    title=_l("Content library"),
    version=__version__,
    description=_l(
        "Sales and marketing material for partners: folders, languages, versions, "
        "visibility by tier or company, search inside documents and co-branded PDFs."
    ),
    requires_core=">=1.3,<2",
    # What each permission opens is written down in the README ("Permissions"). A grant
    # never widens which items a viewer sees: that is access.visible's business.
    permissions=(
        api.Permission(
            access.MANAGE,
            _l("Manage the content library (vendor staff only)"),
            (api.Role.VENDOR_ADMIN, api.Role.CHANNEL_MANAGER),
        ),
        api.Permission(
            access.DOWNLOAD,
            _l("Download library content"),
            (api.Role.PARTNER_ADMIN, api.Role.PARTNER_USER),
        ),
    ),
    settings_form=SettingsForm,
    settings_defaults=dict(service.DEFAULTS),
    # bundled: its catalogs live in the repository's locales/ with everyone else's
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    enabled_by_default=True,
)


@api.hookimpl
def portalis_blueprints() -> list[Blueprint]:
    return [bp]


@api.hookimpl
def portalis_nav_items(viewer: api.Viewer) -> list[api.NavItem]:
    # the same checks as the pages they lead to: no link to a page that answers 404
    # (partners browse the library with or without content.download)
    if viewer.is_partner:
        return [api.NavItem(_("Content library"), "content.library", icon="file", order=30)]
    if access.manages(viewer):
        return [api.NavItem(_("Content"), "content.manage", icon="file", order=25)]
    return []


@api.hookimpl
def portalis_dashboard_widgets(viewer: api.Viewer) -> list[api.Widget]:
    widget = widgets.new_and_updated(viewer)
    return [widget] if widget else []


@api.hookimpl
def portalis_tier_metrics() -> list[api.MetricDefinition]:
    return [
        api.MetricDefinition(
            "content_downloads_90d",
            _l("Content library downloads, last 90 days"),
            metrics.downloads_90d,
        )
    ]


@api.hookimpl
def portalis_periodic_jobs() -> list[api.PeriodicJob]:
    return [api.PeriodicJob("content.sync_schedule", jobs.SCHEDULE_EVERY, jobs.sync_schedule)]


@api.hookimpl
def portalis_demo_data(seed: api.DemoSeed) -> None:
    demo.seed(seed)


@api.hookimpl
def portalis_search_documents(tenant_id: int) -> Iterator[Any]:
    return service.all_documents()


@api.hookimpl
def portalis_linkable_items(viewer: api.Viewer, query: str, limit: int) -> list[api.LinkableItem]:
    return linkables.find(viewer, query, limit)


@api.hookimpl
def portalis_resolve_linkables(viewer: api.Viewer, refs: Sequence[str]) -> list[api.LinkableItem]:
    return linkables.resolve(viewer, refs)
