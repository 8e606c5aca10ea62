"""Content library for Portalis — the plugin entry point (``portalis.plugins: content``).

Vendors publish files, links and pages into folders and collections, per language, with
version history; each item is visible to the program's partners, chosen tiers, chosen
partner companies or nobody, between optional publish and expiry dates. Partners find it
by browsing or through the portal search (document text included), and PDFs can be
co-branded with the partner's details on download.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint
from sqlalchemy import select

from portalis import api

from . import __version__, jobs, metrics
from .forms import ContentSettingsForm
from .service import DEFAULTS

T = api.Translator("content")
_ = T.gettext
_l = T.lazy_gettext

HERE = Path(__file__).resolve().parent

PLUGIN = api.PluginInfo(
    name="content",
    title=_l("Content library"),
    version=__version__,
    description=_l(
        "Sales and marketing material for partners: folders, languages, versions, "
        "visibility by tier or company, search inside documents and co-branded PDFs."
    ),
    requires_core=">=1.0,<2",
    permissions=(
        api.Permission(
            "content.manage", _l("Manage the content library"), ("vendor_admin", "channel_manager")
        ),
        api.Permission(
            "content.download", _l("Download library content"), ("partner_admin", "partner_user")
        ),
    ),
    settings_form=ContentSettingsForm,
    settings_defaults=dict(DEFAULTS),
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
    if viewer.is_partner:
        return [api.NavItem(_("Content library"), "content.library", icon="file", order=30)]
    if viewer.is_vendor_staff:
        return [api.NavItem(_("Content"), "content.manage", icon="file", order=25)]
    return []


@api.hookimpl
def portalis_dashboard_widgets(viewer: api.Viewer) -> list[api.Widget]:
    if not viewer.is_partner or viewer.partner_id is None:
        return []
    from .widget import partner_widget

    widget = partner_widget(viewer)
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
    from . import demo

    demo.seed(seed)


@api.hookimpl
def portalis_search_documents(tenant_id: int) -> Any:
    from . import service
    from .models import Item

    batch = 200
    last = 0
    while True:
        items = list(
            api.session.scalars(select(Item).where(Item.id > last).order_by(Item.id).limit(batch))
        )
        if not items:
            return
        yield from service.documents(items)
        last = items[-1].id
