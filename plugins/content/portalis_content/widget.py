"""The partner dashboard card "New and updated for you"."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from portalis import api

from . import access, service
from .models import Item

T = api.Translator("content")
_ = T.gettext
LIMIT = 5


def partner_widget(viewer: api.Viewer) -> api.Widget | None:
    now = api.utcnow()
    days = int(service.settings_for(viewer.program_id).get("updated_days") or 30)
    since = now - dt.timedelta(days=days)
    items = list(
        api.session.scalars(
            select(Item)
            .where(access.visible_clause(viewer, now), Item.updated_at >= since)
            .order_by(Item.updated_at.desc(), Item.id.desc())
            .limit(LIMIT)
        )
    )
    entries = service.entries(
        items, viewer.locale, user_id=viewer.user_id, updated_days=days, now=now, with_tags=False
    )
    fresh = [e for e in entries if e.is_new or e.is_updated]
    html = api.render("content/widget.html", entries=fresh, autonym=service.autonym)
    return api.Widget(title=_("New and updated for you"), html=html, order=40, width=1)
