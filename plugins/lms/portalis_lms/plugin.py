"""Training and certification — the plugin entry point (``portalis.plugins: lms``).

Vendors author courses (text, video, library files, links, SCORM 1.2 packages, quizzes),
bundle them into learning paths that issue certifications, and assign them to tiers,
partners or people; partners' people learn, pass, and get certificates they can prove to
customers (a PDF with a QR code to a public verification page, an Open Badge). Tier
criteria can count active certifications and recent completions. This module holds the
plugin's metadata and hook implementations only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path

from flask import Blueprint

from portalis import api

from . import __version__, access, certification, demo, jobs, metrics, search, summaries, widgets
from .i18n import _, _l

HERE = Path(__file__).resolve().parent

PLUGIN = api.PluginInfo(
    name="lms",  # = entry point name = template folder = message domain
    title=_l("Training and certification"),
    version=__version__,
    description=_l(
        "Courses, quizzes and SCORM packages your partners take in their language; learning "
        "paths that issue certificates they can prove, and that your tiers can count."
    ),
    requires_core=">=1.3,<2",
    permissions=(
        api.Permission(
            access.MANAGE,
            _l("Author courses and paths, assign them, see reports (vendor staff only)"),
            default_roles=(api.Role.VENDOR_ADMIN, api.Role.CHANNEL_MANAGER),
        ),
        api.Permission(
            access.TEAM,
            _l("See colleagues' training and assign them courses (partner roles only)"),
            default_roles=(api.Role.PARTNER_ADMIN,),
        ),
    ),
    # bundled: its catalogs live in the repository's locales/ with everyone else's
    migrations_dir=HERE / "migrations",
)


@api.hookimpl
def portalis_blueprints() -> list[Blueprint]:
    from .views import bp

    return [bp]


@api.hookimpl
def portalis_nav_items(viewer: api.Viewer) -> list[api.NavItem]:
    if viewer.is_partner:
        return [api.NavItem(_("Training"), "lms.catalogue", icon="graduation-cap", order=40)]
    if access.manages(viewer):
        return [api.NavItem(_("Training"), "lms.manage_courses", icon="graduation-cap", order=40)]
    return []


@api.hookimpl
def portalis_dashboard_widgets(viewer: api.Viewer) -> list[api.Widget]:
    return widgets.for_viewer(viewer)


@api.hookimpl
def portalis_tier_metrics() -> list[api.MetricDefinition]:
    return metrics.DEFINITIONS


@api.hookimpl
def portalis_periodic_jobs() -> list[api.PeriodicJob]:
    return [
        api.PeriodicJob(
            "lms.certificate_lifecycle", dt.timedelta(hours=1), jobs.certificate_lifecycle
        ),
        # a course whose publish or retire moment passed appears in (or leaves) the search
        api.PeriodicJob("lms.search_schedule", dt.timedelta(minutes=1), search.sync_schedule),
    ]


@api.hookimpl
def portalis_event(event: api.Event) -> None:
    certification.on_event(event)


@api.hookimpl
def portalis_milestones() -> list[api.Milestone]:
    return certification.MILESTONES


@api.hookimpl
def portalis_partner_summaries(partner_ids: Sequence[int]) -> list[api.PartnerSummary]:
    return summaries.for_partners(partner_ids)


@api.hookimpl
def portalis_search_documents(tenant_id: int) -> Iterable[api.SearchDocument]:
    return search.all_documents()


@api.hookimpl
def portalis_demo_data(seed: api.DemoSeed) -> None:
    demo.seed(seed)
