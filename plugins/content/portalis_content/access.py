"""Who may see what — the one place it is decided, for every list, page, download, count
and widget (partner pages, vendor pages, the widget, the jobs and the demo data all ask
here; nothing else compares roles or filters items by viewer).

A partner sees an item when all hold:

* the item belongs to the partner's program,
* it is published (``publish_at`` passed or empty) and not expired,
* its visibility is "everyone", or "tiers" and the partner's *current* tier is chosen,
  or "partners" and the partner company is chosen ("hidden" items: nobody) — the
  portal's audience rule (``api.audience_clause``), which courses and paths share; how
  many people a choice reaches is ``api.audience_reach``.

A partner sees a folder when it (or a sub-folder) holds an item they may see, and a
collection when it holds one. It is evaluated on every request (no signed or public
URLs), so a tier change or an expiry takes effect on the next click, also for links
copied earlier. Vendor staff see everything of their tenant (the core scopes every query
to the tenant), empty folders and collections included.

Records a viewer may not see answer the same 404 as an unknown id.

It also says who may *do* what, from the two permissions the plugin declares (a vendor
admin grants or revokes them per role on "Roles & permissions"; the README's
"Permissions" says why each is shaped as it is):

* ``content.manage`` — every page under ``/content/manage`` (items, languages, versions,
  audience, co-branding zones and preview, folders, collections, report). Vendor staff
  only: ticked for a partner role it opens nothing, because a grant never widens which
  records a viewer sees and partners never get the vendor's library.
* ``content.download`` — a file's download (co-branded PDFs included), its inline preview
  and following a link, of an item the viewer may see. Without it a partner still browses
  the library and reads pages and descriptions; the buttons give way to a note. Vendor
  staff who manage the library get its files anyway (from the manage pages), so
  ``content.manage`` opens these routes to them too.

Nav items, widgets, buttons and the view guards all ask the functions below.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, or_, select

from portalis import api

from .models import Collection, CollectionItem, Folder, Item, ItemPartner, ItemTier, Translation

#: The vendor's pages under ``/content/manage`` (vendor staff only).
MANAGE = "content.manage"
#: Downloads, previews and links of the items a viewer may see.
DOWNLOAD = "content.download"

R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])
S = TypeVar("S", bound=Select)
#: How deep folders nest at most when counts are rolled up (a guard against a cycle).
MAX_DEPTH = 50


def _viewer(viewer: api.Viewer | None) -> api.Viewer:
    return viewer if viewer is not None else api.current_viewer()


# --- who may do what (nav items, widgets, buttons and the view guards agree) -------------


def manages(viewer: api.Viewer | None = None) -> bool:
    """Whether the viewer may open the vendor's pages (vendor staff holding
    ``content.manage``)."""
    return _viewer(viewer).is_vendor_staff and api.has_permission(MANAGE)


def downloads(viewer: api.Viewer | None = None) -> bool:
    """Whether the viewer may download, preview and open the items they may see
    (``content.download``, or managing the library)."""
    return api.has_permission(DOWNLOAD) or manages(viewer)


def manager_required(view: F) -> F:
    """View guard for the vendor's pages: vendor staff holding ``content.manage``; anyone
    else gets 404 (anonymous visitors are sent to sign in)."""
    return api.vendor_staff(api.permission_required(MANAGE)(view))


def admin_manager_required(view: F) -> F:
    """View guard for deleting items: a vendor admin holding ``content.manage``."""
    return api.vendor_admin(api.permission_required(MANAGE)(view))


def download_required(view: F) -> F:
    """View guard for files and links: :func:`downloads`, else 404 (as for an unknown
    item; the item page itself stays open)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not downloads():
            api.not_found()
        return view(*args, **kwargs)

    return api.login_required(wrapper)  # type: ignore[return-value]


# --- items -------------------------------------------------------------------------------


def live_clause(now: dt.datetime) -> Any:
    """SQL condition on :class:`Item` for "published and not expired at ``now``"."""
    return and_(
        or_(Item.publish_at.is_(None), Item.publish_at <= now),
        or_(Item.expires_at.is_(None), Item.expires_at > now),
    )


def visible_clause(viewer: api.Viewer, now: dt.datetime | None = None) -> Any:
    """SQL condition on :class:`Item` for "this viewer may open it": the portal's audience
    rule (``api.audience_clause``: program, current tier, company, hidden) and, for
    partners, published and not expired."""
    audience = api.audience_clause(
        viewer,
        Item.id,
        program_id=Item.program_id,
        visibility=Item.visibility,
        tier_link=(ItemTier.item_id, ItemTier.tier_id),
        partner_link=(ItemPartner.item_id, ItemPartner.partner_id),
    )
    if viewer.is_vendor_staff:
        return audience  # staff see every item, scheduled and expired ones included
    return and_(audience, live_clause(now or api.utcnow()))


def visible(stmt: S, viewer: api.Viewer | None = None, now: dt.datetime | None = None) -> S:
    """``stmt`` (a select involving :class:`Item`) limited to the items the viewer may
    open."""
    return stmt.where(visible_clause(_viewer(viewer), now))


def visible_item(item_id: int, viewer: api.Viewer | None = None) -> Item:
    """The item if the viewer may open it now; otherwise 404 (as for an unknown id)."""
    item = api.session.scalars(visible(select(Item).where(Item.id == item_id), viewer)).first()
    if item is None:
        api.not_found()
    return item


# --- folders and collections -------------------------------------------------------------


def folder_counts(folders: Iterable[Folder], viewer: api.Viewer | None = None) -> Counter[int]:
    """Items the viewer may see per folder, sub-folders included."""
    parents = {f.id: f.parent_id for f in folders}
    counts: Counter[int] = Counter()
    # counted by the database (one row per folder), then rolled up the tree in Python:
    # fetching one row per visible item took seconds with 100,000 items
    for fid, n in api.session.execute(
        visible(
            select(Item.folder_id, func.count(Item.id))
            .where(Item.folder_id.is_not(None))
            .group_by(Item.folder_id),
            viewer,
        )
    ):
        hops = 0
        while fid is not None and hops < MAX_DEPTH:
            counts[fid] += n
            fid = parents.get(fid)
            hops += 1
    return counts


def folder_shown(folder: Folder, counts: Counter[int], viewer: api.Viewer | None = None) -> bool:
    """A folder is there for a viewer when it holds something they may see (vendor staff:
    always). ``counts`` comes from :func:`folder_counts`."""
    return bool(counts.get(folder.id)) or _viewer(viewer).is_vendor_staff


def visible_folder(
    folder_id: int,
    folders: Sequence[Folder],
    counts: Counter[int],
    viewer: api.Viewer | None = None,
) -> Folder:
    """The folder if it is there for the viewer (:func:`folder_shown`); otherwise 404."""
    current = next((f for f in folders if f.id == folder_id), None)
    if current is None or not folder_shown(current, counts, viewer):
        api.not_found()
    return current


def visible_collections(viewer: api.Viewer | None = None) -> list[tuple[Collection, int]]:
    """Collections holding an item the viewer may see, with how many they hold."""
    rows = api.session.execute(
        visible(
            select(Collection, CollectionItem.item_id)
            .join(CollectionItem, CollectionItem.collection_id == Collection.id)
            .join(Item, Item.id == CollectionItem.item_id)
            .order_by(Collection.position, Collection.title),
            viewer,
        )
    ).all()
    counts: dict[int, int] = {}
    seen: dict[int, Collection] = {}
    for coll, _item_id in rows:
        seen.setdefault(coll.id, coll)
        counts[coll.id] = counts.get(coll.id, 0) + 1
    return [(c, counts[c.id]) for c in seen.values()]


def visible_collection(
    collection_id: int, viewer: api.Viewer | None = None
) -> tuple[Collection, list[Item]]:
    """The collection and the items of it the viewer may see, in order; 404 if it holds
    nothing for them (vendor staff: if it doesn't exist)."""
    viewer = _viewer(viewer)
    coll = get_or_404(Collection, collection_id)
    items = list(
        api.session.scalars(
            visible(
                select(Item)
                .join(CollectionItem, CollectionItem.item_id == Item.id)
                .where(CollectionItem.collection_id == collection_id)
                .order_by(CollectionItem.position, CollectionItem.id),
                viewer,
            )
        )
    )
    if not items and not viewer.is_vendor_staff:
        api.not_found()
    return coll, items


# --- vendor pages ------------------------------------------------------------------------


def get_or_404(model: type[R], record_id: int) -> R:
    """A record of the current tenant by id (the core scopes the lookup), or 404. For the
    vendor pages, where staff see everything; partner pages use the helpers above."""
    record = api.session.get(model, record_id)
    if record is None:
        api.not_found()
    return record


def translation_or_404(item: Item, language: str) -> Translation:
    """One language of an item, or 404."""
    tr = api.session.scalars(
        select(Translation).where(
            Translation.item_id == item.id, Translation.language == language[:16]
        )
    ).first()
    if tr is None:
        api.not_found()
    return tr
