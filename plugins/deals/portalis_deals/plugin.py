"""Deal registration for Portalis — the plugin entry point (``portalis.plugins: deals``).

Partners register opportunities, the vendor reviews them, and an approved registration
protects the partner's deal for a configurable window. Conflicts between partners are
detected with explainable, versioned rules (:mod:`portalis_deals.conflicts`), and the
database guarantees that a customer has at most one protected registration per program.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import Blueprint, g
from sqlalchemy import func, or_, select

from portalis import api

from . import __version__, demo, jobs, metrics, queries
from .forms import DealsSettingsForm
from .models import APPROVED, RETURNED, Deal, DealExtensionRequest
from .service import DEFAULTS

T = api.Translator("deals")
_ = T.gettext
_l = T.lazy_gettext

HERE = Path(__file__).resolve().parent

PLUGIN = api.PluginInfo(
    name="deals",
    title=_l("Deal registration"),
    version=__version__,
    description=_l(
        "Partners register their opportunities; you review them, resolve conflicts between "
        "partners and protect approved deals for a set time."
    ),
    requires_core=">=1.0,<2",
    permissions=(
        api.Permission("deals.register", _l("Register deals"), ("partner_admin", "partner_user")),
        api.Permission(
            "deals.view_company", _l("See all of the company's deals"), ("partner_admin",)
        ),
        api.Permission(
            "deals.review", _l("Review deal registrations"), ("vendor_admin", "channel_manager")
        ),
        api.Permission(
            "deals.export", _l("Export deal registrations"), ("vendor_admin", "channel_manager")
        ),
    ),
    settings_form=DealsSettingsForm,
    settings_defaults=dict(DEFAULTS),
    # bundled: its catalogs live in the repository's locales/ with everyone else's
    migrations_dir=HERE / "migrations",
    enabled_by_default=True,
)


@api.hookimpl
def portalis_blueprints() -> list[Blueprint]:
    from .views import make_blueprint

    return [make_blueprint()]


@api.hookimpl
def portalis_nav_items(viewer: api.Viewer) -> list[api.NavItem]:
    if viewer.is_partner and viewer.partner_id is not None:
        waiting = _partner_counts(viewer).get(RETURNED, 0)
        return [
            api.NavItem(
                _("Deals"),
                "deals.my_deals",
                icon="briefcase",
                order=20,
                badge=str(waiting) if waiting else None,
            )
        ]
    if viewer.is_vendor_staff:
        waiting = int(
            api.session.scalar(select(func.count(Deal.id)).where(queries.OPEN_LITERAL)) or 0
        )
        return [
            api.NavItem(
                _("Deal review"),
                "deals.review_queue",
                icon="briefcase",
                order=15,
                badge=str(waiting) if waiting else None,
            )
        ]
    return []


@api.hookimpl
def portalis_dashboard_widgets(viewer: api.Viewer) -> list[api.Widget]:
    if viewer.is_partner and viewer.partner_id is not None:
        return [_partner_widget(viewer)]
    if viewer.is_vendor_staff:
        return [_vendor_widget()]
    return []


def _partner_scope(stmt: Any, viewer: api.Viewer) -> Any:
    stmt = stmt.where(Deal.partner_id == viewer.partner_id)
    if not viewer.is_partner_admin:
        stmt = stmt.where(
            or_(Deal.owner_id == viewer.user_id, Deal.created_by_id == viewer.user_id)
        )
    return stmt


def _partner_counts(viewer: api.Viewer) -> dict[str, int]:
    """Registrations per status the viewer can see, computed once per request: the nav
    badge and the dashboard widget both need them."""
    key = f"deals_counts_{viewer.user_id}"
    cached = g.get(key)
    if cached is None:
        cached = dict(
            api.session.execute(
                _partner_scope(select(Deal.status, func.count(Deal.id)), viewer).group_by(
                    Deal.status
                )
            ).all()
        )
        setattr(g, key, cached)
    return cached  # type: ignore[no-any-return]


#: The dashboard lists protections that end within this many days.
EXPIRING_SOON_DAYS = 30


def _partner_widget(viewer: api.Viewer) -> api.Widget:
    now = api.utcnow()
    horizon = now + dt.timedelta(days=EXPIRING_SOON_DAYS)
    counts = _partner_counts(viewer)
    todo = api.session.scalars(
        _partner_scope(select(Deal), viewer)
        .where(
            or_(
                Deal.status == RETURNED,
                (Deal.status == APPROVED)
                & Deal.protected_until.is_not(None)
                & (Deal.protected_until <= horizon),
            )
        )
        .order_by(Deal.status.desc(), Deal.protected_until, Deal.id)
        .limit(5)
    ).all()
    html = api.render("deals/widgets/partner.html", counts=counts, todo=todo, now=now)
    return api.Widget(
        title=_("Deal registrations"), html=html, order=10, needs_action=bool(todo), width=1
    )


def _vendor_widget() -> api.Widget:
    now = api.utcnow()
    waiting, breached, conflicted, oldest = api.session.execute(
        select(
            func.count(Deal.id),
            func.count(Deal.sla_breached_at),
            func.count(Deal.id).filter(Deal.conflict_count > 0),
            func.min(Deal.submitted_at),
        ).where(queries.OPEN_LITERAL)
    ).one()
    extensions = int(
        api.session.scalar(
            select(func.count(DealExtensionRequest.id)).where(
                DealExtensionRequest.status == "pending"
            )
        )
        or 0
    )
    html = api.render(
        "deals/widgets/vendor.html",
        waiting=int(waiting or 0),
        breached=int(breached or 0),
        conflicted=int(conflicted or 0),
        oldest=oldest,
        extensions=extensions,
        now=now,
    )
    return api.Widget(
        title=_("Deal registrations to review"),
        html=html,
        order=10,
        needs_action=bool(breached or extensions),
        width=1,
    )


@api.hookimpl
def portalis_tier_metrics() -> list[api.MetricDefinition]:
    return [
        api.MetricDefinition(
            "won_revenue_12m",
            _l("Won deal revenue, last 12 months"),
            metrics.won_revenue_12m,
            unit="money",
        ),
        api.MetricDefinition(
            "approved_deals_12m",
            _l("Approved deals, last 12 months"),
            metrics.approved_deals_12m,
        ),
        api.MetricDefinition(
            "registered_deals_12m",
            _l("Registered deals, last 12 months"),
            metrics.registered_deals_12m,
        ),
    ]


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
