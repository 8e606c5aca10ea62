"""Who may see what — one rule, used by every list, page, download, count and widget.

A partner sees an item when all hold:

* the item belongs to the partner's program,
* it is published (``publish_at`` passed or empty) and not expired,
* its visibility is "everyone", or "tiers" and the partner's *current* tier is chosen,
  or "partners" and the partner company is chosen ("hidden" items: nobody).

It is evaluated on every request (no signed or public URLs), so a tier change or an
expiry takes effect on the next click, also for links copied earlier. Vendor staff see
everything of their tenant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, exists, false, func, or_, select, true

from portalis import api

from .models import Folder, Item, ItemPartner, ItemTier


def live_clause(now: dt.datetime) -> Any:
    return and_(
        or_(Item.publish_at.is_(None), Item.publish_at <= now),
        or_(Item.expires_at.is_(None), Item.expires_at > now),
    )


def visible_clause(viewer: api.Viewer, now: dt.datetime | None = None) -> Any:
    """SQL condition on :class:`Item` for "this viewer may open it"."""
    if viewer.is_vendor_staff:
        return true()
    if not viewer.is_partner or viewer.partner_id is None or viewer.program_id is None:
        return false()
    now = now or api.utcnow()
    by_tier = (
        exists().where(ItemTier.item_id == Item.id, ItemTier.tier_id == viewer.tier_id)
        if viewer.tier_id is not None
        else false()
    )
    by_partner = exists().where(
        ItemPartner.item_id == Item.id, ItemPartner.partner_id == viewer.partner_id
    )
    return and_(
        Item.program_id == viewer.program_id,
        live_clause(now),
        or_(
            Item.visibility == "everyone",
            and_(Item.visibility == "tiers", by_tier),
            and_(Item.visibility == "partners", by_partner),
        ),
    )


MAX_ID = 2**63 - 1


def visible_item(item_id: int, viewer: api.Viewer | None = None) -> Item:
    """The item if the viewer may open it now; otherwise 404 (as for an unknown id)."""
    if not 0 < item_id <= MAX_ID:
        api.not_found()
    viewer = viewer or api.current_viewer()
    item = api.session.scalars(
        select(Item).where(Item.id == item_id, visible_clause(viewer))
    ).first()
    if item is None:
        api.not_found()
    return item  # type: ignore[return-value]


def visible_folder_ids(viewer: api.Viewer, folders: Iterable[Folder]) -> set[int]:
    """Folders holding (directly or in a sub-folder) an item the viewer may see."""
    parents = {f.id: f.parent_id for f in folders}
    direct = api.session.scalars(
        select(Item.folder_id).where(Item.folder_id.is_not(None), visible_clause(viewer)).distinct()
    ).all()
    shown: set[int] = set()
    for fid in direct:
        seen = 0
        while fid is not None and fid not in shown and seen < 100:
            shown.add(fid)
            fid = parents.get(fid)
            seen += 1
    return shown


def audience(
    program_id: int | None,
    visibility: str,
    tier_ids: Iterable[int] = (),
    partner_ids: Iterable[int] = (),
) -> tuple[int, int]:
    """(partner users, partner companies) who would see an item with these settings
    today — active users of active partners in the program."""
    if program_id is None or visibility == "hidden":
        return 0, 0
    cond = [
        api.Partner.program_id == program_id,
        api.Partner.status == "active",
    ]
    if visibility == "tiers":
        ids = [int(t) for t in tier_ids]
        if not ids:
            return 0, 0
        cond.append(api.Partner.tier_id.in_(ids))
    elif visibility == "partners":
        ids = [int(p) for p in partner_ids]
        if not ids:
            return 0, 0
        cond.append(api.Partner.id.in_(ids))
    users, companies = api.session.execute(
        select(func.count(api.User.id), func.count(func.distinct(api.Partner.id)))
        .select_from(api.User)
        .join(api.Partner, api.Partner.id == api.User.partner_id)
        .where(
            *cond, api.User.active.is_(True), api.User.role.in_(("partner_admin", "partner_user"))
        )
    ).one()
    return int(users or 0), int(companies or 0)
