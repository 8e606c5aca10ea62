"""The core's own hook implementations: its nav, widgets, metrics and jobs.

Registered like any plugin (always enabled), which keeps the core honest about the
hook contract it asks plugins to follow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from flask import g
from sqlalchemy import func, select

from . import __version__
from .companies.profile import completeness_metric
from .context import Viewer
from .db import db
from .i18n import gettext as _
from .i18n import lazy_gettext
from .models import Partner, User
from .plugins.contract import (
    DemoSeed,
    MetricDefinition,
    Milestone,
    NavItem,
    PartnerSummary,
    PeriodicJob,
    PluginInfo,
    Widget,
)
from .plugins.hookspecs import hookimpl

PLUGIN = PluginInfo(
    name="core", title="Portalis core", version=__version__, requires_core=">=1.0,<2"
)


@hookimpl
def portalis_nav_items(viewer: Viewer) -> list[NavItem]:
    if viewer.is_partner:
        items = [
            NavItem(_("Dashboard"), "portal.dashboard", icon="home", order=0),
            NavItem(_("My tier"), "portal.my_tier", icon="award", order=80),
        ]
        if viewer.is_partner_admin:
            items.append(
                NavItem(
                    _("Team"),
                    "portal.team",
                    icon="users",
                    order=90,
                    section="account",
                    badge=_join_badge(viewer),
                )
            )
        items += [
            NavItem(
                _("Company profile"),
                "company.profile",
                icon="building",
                order=88,
                section="account",
            ),
            NavItem(_("Profile"), "portal.profile", icon="user", order=95, section="account"),
            NavItem(_("Password"), "account.password", icon="key", order=96, section="account"),
        ]
        return items
    if viewer.is_vendor_staff:
        items = [
            NavItem(_("Overview"), "admin.overview", icon="home", order=0),
            NavItem(_("Partners"), "admin.partners", icon="building", order=10),
            NavItem(
                _("Applications"),
                "admin.applications",
                icon="inbox",
                order=12,
                badge=_new_applications(),
            ),
            NavItem(
                _("Join requests"),
                "admin.join_requests",
                icon="handshake",
                order=15,
                badge=_join_badge(viewer),
            ),
            NavItem(
                _("Programs & tiers"), "admin.programs", icon="layers", order=20, section="admin"
            ),
        ]
        if viewer.is_vendor_admin:
            items += [
                NavItem(_("Users"), "admin.users", icon="users", order=30, section="admin"),
                NavItem(
                    _("Roles & permissions"), "admin.roles", icon="key", order=35, section="admin"
                ),
                NavItem(
                    _("Settings"), "admin.settings", icon="settings", order=40, section="admin"
                ),
                NavItem(_("Audit log"), "admin.audit_log", icon="list", order=50, section="admin"),
            ]
        items += [
            NavItem(_("Profile"), "portal.profile", icon="user", order=95, section="account"),
            NavItem(_("Password"), "account.password", icon="key", order=96, section="account"),
        ]
        return items
    return []


def _join_badge(viewer: Viewer) -> str | None:
    """Join requests waiting for this viewer's decision, as a nav badge (one count)."""
    from .identity.join_requests import partner_queue_count, vendor_queue_count

    if viewer.is_vendor_staff:
        n = vendor_queue_count()
    else:
        n = partner_queue_count(viewer.partner_id or 0)
    return str(n) if n else None


def _new_applications() -> str | None:
    """The nav badge: how many applications wait for someone to start on them."""
    from flask_babel import format_decimal

    from .recruiting.kpi import new_count

    count = new_count()
    return str(format_decimal(count)) if count else None


@hookimpl
def portalis_dashboard_widgets(viewer: Viewer) -> list[Widget]:
    if not viewer.is_partner:
        return []
    from .tiers.status import tier_status
    from .web.rendering import render

    partner = g.user.partner
    status = tier_status(partner)
    html = render("portal/_tier_widget.html", partner=partner, **status)
    at_risk = status["review"] is not None and status["review"].state == "at_risk"
    return [Widget(title=_("Your tier"), html=html, order=50, needs_action=at_risk)]


def _partner_users(
    partner_ids: list[int], program_id: int, now: dt.datetime
) -> Mapping[int, float]:
    rows = db.session.execute(
        select(User.partner_id, func.count(User.id))
        .where(
            User.partner_id.in_(partner_ids), User.active.is_(True), User.password_hash.is_not(None)
        )
        .group_by(User.partner_id)
    ).all()
    return {pid: float(n) for pid, n in rows if pid is not None}


def _active_users_90d(
    partner_ids: list[int], program_id: int, now: dt.datetime
) -> Mapping[int, float]:
    since = now - dt.timedelta(days=90)
    rows = db.session.execute(
        select(User.partner_id, func.count(User.id))
        .where(User.partner_id.in_(partner_ids), User.active.is_(True), User.last_login_at >= since)
        .group_by(User.partner_id)
    ).all()
    return {pid: float(n) for pid, n in rows if pid is not None}


def _months_in_program(
    partner_ids: list[int], program_id: int, now: dt.datetime
) -> Mapping[int, float]:
    rows = db.session.execute(
        select(Partner.id, Partner.created_at).where(Partner.id.in_(partner_ids))
    ).all()
    return {pid: float(max(0, (now - created).days // 30)) for pid, created in rows}


@hookimpl
def portalis_tier_metrics() -> list[MetricDefinition]:
    return [
        MetricDefinition("partner_users", lazy_gettext("Users with an account"), _partner_users),
        MetricDefinition(
            "active_users_90d", lazy_gettext("Users active in the last 90 days"), _active_users_90d
        ),
        MetricDefinition(
            "months_in_program", lazy_gettext("Months in the program"), _months_in_program
        ),
        MetricDefinition(
            "profile_completeness",
            lazy_gettext("Company profile complete (%)"),
            completeness_metric,
        ),
    ]


@hookimpl
def portalis_partner_summaries(partner_ids: Sequence[int]) -> list[PartnerSummary]:
    """How complete each company profile is, and whether a change waits for approval."""
    from .companies.profile_summaries import profile_summaries

    return profile_summaries(partner_ids)


@hookimpl
def portalis_periodic_jobs() -> list[PeriodicJob]:
    from .mail import deliver_pending
    from .tiers.evaluation import scheduled_evaluation

    return [
        PeriodicJob("tiers.evaluate", dt.timedelta(days=1), scheduled_evaluation),
        PeriodicJob("mail.retry", dt.timedelta(minutes=10), deliver_pending),
    ]


@hookimpl
def portalis_milestones() -> list[Milestone]:
    """The core's own milestones: a checklist can wait for the company's approval and for
    its profile to be complete."""
    return [
        Milestone("partner.approved", _("Application approved")),
        Milestone("partner.profile_completed", _("Company profile completed")),
    ]


@hookimpl
def portalis_demo_data(seed: DemoSeed) -> None:
    """The core's own demo records beyond the world itself: pending join requests and
    applications in every stage."""
    from .demo import seed_applications, seed_join_requests

    seed_join_requests(seed)
    seed_applications(seed)
