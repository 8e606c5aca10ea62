"""What the library offers other plugins to link to (hook API 1.3: linkable items).

A course lesson (the training plugin) points at a library item without importing this
plugin: it offers candidates through ``api.find_linkables`` (our
``portalis_linkable_items``), stores the ref ``"content:<item id>"`` and, each time it
shows the lesson, asks ``api.resolve_linkables`` (our ``portalis_resolve_linkables``)
whether the viewer may open the item *now*. Both answer only items the viewer may see
(:mod:`.access`: program, publish and expiry dates, audience), so an item that expired,
was deleted or left the partner's audience simply drops out.

The URL is the item's page for the viewer: the vendor's manage page for staff who manage
the library, the library's item page for everyone else (its download, preview and link
buttons keep their own ``content.download`` check).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask import url_for
from sqlalchemy import select

from portalis import api

from . import access, service
from .i18n import _
from .models import Item, Translation, Version

PREFIX = service.PLUGIN_NAME + ":"


def ref(item_id: int) -> str:
    """The ref another plugin stores for an item."""
    return f"{PREFIX}{item_id}"


def item_id(value: str) -> int | None:
    """The item id in one of our refs, or None for anything else."""
    if not value.startswith(PREFIX):
        return None
    return api.valid_id(value[len(PREFIX) :])


def kind_label(item: Item, version: Version | None) -> str:
    """A short name of what the item is, in the reader's language."""
    if item.kind == "link":
        return _("Link")
    if item.kind == "page":
        return _("Page")
    labels = {
        "pdf": _("PDF"),
        "docx": _("Word document"),
        "pptx": _("Presentation"),
        "xlsx": _("Spreadsheet"),
        "png": _("Image"),
        "jpeg": _("Image"),
        "gif": _("Image"),
        "webp": _("Image"),
        "mp4": _("Video"),
        "webm": _("Video"),
    }
    return labels.get(version.file_type if version else "", _("File"))


def _linkables(items: Sequence[Item], viewer: api.Viewer) -> list[api.LinkableItem]:
    """Items as linkable items, in the viewer's language (two queries for all of them)."""
    endpoint = "content.manage_item" if access.manages(viewer) else "content.item"
    out = []
    for entry in service.entries(items, api.current_locale(), with_tags=False):
        if entry.translation is None:
            continue  # no language yet: nothing to show or open
        out.append(
            api.LinkableItem(
                ref=ref(entry.item.id),
                title=entry.title,
                url=url_for(endpoint, item_id=entry.item.id),
                kind_label=kind_label(entry.item, entry.version),
                plugin=service.PLUGIN_NAME,
            )
        )
    return out


def find(viewer: api.Viewer, query: str, limit: int) -> list[api.LinkableItem]:
    """Up to ``limit`` items the viewer may open whose title (in any language) contains
    ``query``, most recently updated first."""
    stmt = access.visible(select(Item), viewer)
    if query:
        stmt = stmt.where(
            Item.id.in_(
                select(Translation.item_id).where(
                    Translation.title.icontains(query, autoescape=True)
                )
            )
        )
    items = list(
        api.session.scalars(stmt.order_by(Item.updated_at.desc(), Item.id.desc()).limit(limit))
    )
    return _linkables(items, viewer)


def resolve(viewer: api.Viewer, refs: Iterable[str]) -> list[api.LinkableItem]:
    """Those of ``refs`` the viewer may open now (unknown, deleted, expired and hidden
    items left out)."""
    ids = {i for i in (item_id(r) for r in refs) if i is not None}
    if not ids:
        return []
    items = list(
        api.session.scalars(
            access.visible(select(Item).where(Item.id.in_(sorted(ids))), viewer).order_by(Item.id)
        )
    )
    return _linkables(items, viewer)
