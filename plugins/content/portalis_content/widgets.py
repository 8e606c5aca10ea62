"""Dashboard widgets: the partner card "New and updated for you"."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portalis import api

from . import access, service
from .i18n import _
from .models import Item

LIMIT = 5


def new_and_updated(viewer: api.Viewer) -> api.Widget | None:
    """Up to five items the partner may open that are new, or updated since they last
    downloaded them; nothing for anyone else."""
    if not viewer.is_partner or viewer.partner_id is None:
        return None
    now = api.utcnow()
    days = service.updated_days(viewer.program_id)
    since = now - dt.timedelta(days=days)
    items = list(
        api.session.scalars(
            access.visible(select(Item).where(Item.updated_at >= since), viewer, now)
            .order_by(Item.updated_at.desc(), Item.id.desc())
            .limit(LIMIT)
        )
    )
    entries = service.entries(
        items, viewer.locale, user_id=viewer.user_id, updated_days=days, now=now, with_tags=False
    )
    fresh = [e for e in entries if e.is_new or e.is_updated]
    html = api.render(
        "content/widgets/new_and_updated.html", entries=fresh, autonym=service.autonym
    )
    return api.Widget(title=_("New and updated for you"), html=html, order=40, width=1)
