"""Deal registration for Portalis — the plugin entry point (``portalis.plugins: deals``).

Partners register opportunities, the vendor reviews them, and an approved registration
protects the partner's deal for a configurable window. Conflicts between partners are
detected with explainable, versioned rules (:mod:`portalis_deals.conflicts`), and the
database guarantees that a customer has at most one protected registration per program.
This module holds the plugin's metadata and hook implementations only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Blueprint

from portalis import api

from . import __version__, access, demo, jobs, metrics, widgets
from .forms import DealsSettingsForm
from .i18n import _, _l
from .service import DEFAULTS

PLUGIN = api.PluginInfo(
    name="deals",
    title=_l("Deal registration"),
    version=__version__,
    description=_l(
        "Partners register their opportunities; you review them, resolve conflicts between "
        "partners and protect approved deals for a set time."
    ),
    requires_core=">=1.3,<2",
    # What each permission opens is written down in the README ("Permissions"). A grant
    # never widens which registrations a viewer sees: that is access.visible's business.
    permissions=(
        api.Permission(
            access.REGISTER,
            _l("Register and update deals (partner roles only)"),
            (api.Role.PARTNER_ADMIN, api.Role.PARTNER_USER),
        ),
        api.Permission(
            access.VIEW_COMPANY,
            _l("See all of the company's deals"),
            (api.Role.PARTNER_ADMIN,),
        ),
        api.Permission(
            access.REVIEW,
            _l("Review deal registrations (vendor staff only)"),
            (api.Role.VENDOR_ADMIN, api.Role.CHANNEL_MANAGER),
        ),
        api.Permission(
            access.EXPORT,
            _l("Export deal registrations"),
            (api.Role.VENDOR_ADMIN, api.Role.CHANNEL_MANAGER),
        ),
    ),
    settings_form=DealsSettingsForm,
    settings_defaults=dict(DEFAULTS),
    # bundled: its catalogs live in the repository's locales/ with everyone else's
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    enabled_by_default=True,
)


@api.hookimpl
def portalis_blueprints() -> list[Blueprint]:
    from .views import bp

    return [bp]


@api.hookimpl
def portalis_nav_items(viewer: api.Viewer) -> list[api.NavItem]:
    # the same checks as the pages they lead to: no link to a page that answers 404
    if access.partner_lists(viewer):
        waiting = widgets.partner_waiting(viewer)
        label, endpoint, order = _("Deals"), "deals.my_deals", 20
    elif access.reviews(viewer):
        waiting = widgets.vendor_waiting()
        label, endpoint, order = _("Deal review"), "deals.review_queue", 15
    else:
        return []
    badge = str(waiting) if waiting else None
    return [api.NavItem(label, endpoint, icon="briefcase", order=order, badge=badge)]


@api.hookimpl
def portalis_dashboard_widgets(viewer: api.Viewer) -> list[api.Widget]:
    if access.partner_lists(viewer):
        return [widgets.partner_widget(viewer)]
    if access.reviews(viewer):
        return [widgets.vendor_widget()]
    return []


@api.hookimpl
def portalis_tier_metrics() -> list[api.MetricDefinition]:
    return metrics.definitions()


@api.hookimpl
def portalis_milestones() -> list[api.Milestone]:
    # "first deal registered" for onboarding checklists: deal.submitted carries partner_id
    return [api.Milestone("deal.submitted", _l("First deal registered"))]


@api.hookimpl
def portalis_periodic_jobs() -> list[api.PeriodicJob]:
    return [
        api.PeriodicJob("deals.expire_and_remind", dt.timedelta(hours=1), jobs.expire_and_remind),
        api.PeriodicJob(
            "deals.flag_sla_breaches", dt.timedelta(minutes=15), jobs.flag_sla_breaches
        ),
    ]


@api.hookimpl
def portalis_demo_data(seed: api.DemoSeed) -> None:
    demo.seed(seed)
