"""Dashboard widgets and the nav badge counts: what a partner must act on (returned
registrations, protections about to end) and what the vendor's reviewers have waiting."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select

from portalis import api

from . import access
from .i18n import _
from .models import APPROVED, RETURNED, Deal, DealExtensionRequest
from .review_queue import OPEN_LITERAL

#: The dashboard lists protections that end within this many days.
EXPIRING_SOON_DAYS = 30


def partner_waiting(viewer: api.Viewer) -> int:
    """Registrations returned to the partner for more information (the nav badge)."""
    return access.status_counts(viewer).get(RETURNED, 0)


def vendor_waiting() -> int:
    """Registrations waiting for review (the nav badge)."""
    return int(api.session.scalar(select(func.count(Deal.id)).where(OPEN_LITERAL)) or 0)


def partner_widget(viewer: api.Viewer) -> api.Widget:
    now = api.utcnow()
    horizon = now + dt.timedelta(days=EXPIRING_SOON_DAYS)
    todo = api.session.scalars(
        access.visible(select(Deal), viewer)
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
    html = api.render(
        "deals/widgets/partner.html",
        counts=access.status_counts(viewer),
        todo=todo,
        can_register=access.registers(viewer),
        now=now,
    )
    return api.Widget(
        title=_("Deal registrations"), html=html, order=10, needs_action=bool(todo), width=1
    )


def vendor_widget() -> api.Widget:
    now = api.utcnow()
    waiting, breached, conflicted, oldest = api.session.execute(
        select(
            func.count(Deal.id),
            func.count(Deal.sla_breached_at),
            func.count(Deal.id).filter(Deal.conflict_count > 0),
            func.min(Deal.submitted_at),
        ).where(OPEN_LITERAL)
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
