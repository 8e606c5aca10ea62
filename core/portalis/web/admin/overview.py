from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import func, select

from ...db import db
from ...models import Application, AuditEntry, Partner, Program, Tier, User
from ...models.applications import OPEN_STAGES
from ...portal import flatten
from ..access import vendor_staff
from ..rendering import page
from .blueprint import bp


@bp.route("/")
@vendor_staff
def overview() -> Any:
    by_tier = db.session.execute(
        select(Tier.id, Tier.name, Tier.color, Program.name, func.count(Partner.id))
        .join(Program, Program.id == Tier.program_id)
        .outerjoin(Partner, (Partner.tier_id == Tier.id) & (Partner.status == "active"))
        .group_by(Tier.id, Tier.name, Tier.color, Program.name, Tier.rank)
        .order_by(Program.name, Tier.rank)
    ).all()
    applications = (
        db.session.scalar(
            select(func.count(Application.id)).where(Application.stage.in_(OPEN_STAGES))
        )
        or 0
    )
    partners = (
        db.session.scalar(select(func.count(Partner.id)).where(Partner.status == "active")) or 0
    )
    users = db.session.scalar(select(func.count(User.id)).where(User.active.is_(True))) or 0
    recent = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(8)).all()
    widgets = flatten(g.portal.collect("portalis_dashboard_widgets", g.viewer))
    widgets.sort(key=lambda w: (not w.needs_action, w.order))
    return page(
        "admin/overview.html",
        by_tier=by_tier,
        applications=applications,
        partner_count=partners,
        user_count=users,
        recent=recent,
        widgets=widgets,
    )
