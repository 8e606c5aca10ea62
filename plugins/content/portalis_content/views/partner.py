"""Pages partners (and vendor staff) use: the library, folders, collections, an item, and
its download, preview, thumbnail and link.

What the viewer may see is decided by :mod:`portalis_content.access`, on every request: a
partner who isn't (or is no longer) entitled gets the same 404 as for an unknown id. So is
what they may do: the pages are open to every signed-in viewer (for the items they may
see); the file and link routes need ``content.download`` (:func:`access.download_required`)
and answer 404 without it, while the item page shows a note instead of the buttons. The
core gates the blueprint per program and tier; nothing here checks enablement.
"""

from __future__ import annotations

from typing import Any

from flask import redirect
from sqlalchemy import select

from portalis import api

from .. import access, cobrand, responses, service
from ..models import FILE_KIND, Item, Translation, Version
from .blueprint import bp

PER_PAGE = 24
TYPE_FILTERS = {
    "document": ("pdf", "docx"),
    "presentation": ("pptx",),
    "spreadsheet": ("xlsx",),
    "image": ("png", "jpeg", "gif", "webp"),
    "video": ("mp4", "webm"),
}


# --- helpers -----------------------------------------------------------------------------


def _entries(items: list[Item]) -> list[service.Entry]:
    viewer = api.current_viewer()
    return service.entries(
        items,
        api.current_locale(),
        user_id=viewer.user_id,
        updated_days=service.updated_days(viewer.program_id),
    )


def _lang_arg() -> str | None:
    raw = api.text_arg("lang", 16)
    code = raw.replace("_", "").replace("-", "")
    return raw if code.isascii() and code.isalnum() else None


def _visible_entry(item_id: int, kind: str | None = None) -> tuple[Item, service.Entry]:
    """The item (404 unless the viewer may open it, and of ``kind`` if given) and its
    entry in the viewer's language, or in ``?lang=``."""
    it = access.visible_item(item_id)
    if kind is not None and it.kind != kind:
        api.not_found()
    lang = _lang_arg()
    viewer = api.current_viewer()
    entry = service.entries(
        [it],
        api.current_locale(),
        user_id=viewer.user_id,
        updated_days=service.updated_days(viewer.program_id),
        lang_override={it.id: lang} if lang else None,
    )[0]
    return it, entry


def _page(template: str, **ctx: Any) -> Any:
    """A library page; vendor staff who manage the library get links to the manage pages
    (``can_manage``), and nobody else."""
    return api.page(template, can_manage=access.manages(), **ctx)


def _cobranded(it: Item, version: Version | None) -> bool:
    return bool(it.cobrandable and version is not None and version.file_type == "pdf")


def _library_page(**ctx: Any) -> Any:
    return _page(
        "content/partner/library.html",
        products=sorted(
            api.session.scalars(
                access.visible(select(Item.product).where(Item.product != "").distinct())
            )
        ),
        languages=service.language_codes(),
        autonym=service.autonym,
        **ctx,
    )


# --- library -----------------------------------------------------------------------------


@bp.route("/")
@api.login_required
def library() -> Any:
    folders = service.folder_tree()
    counts = access.folder_counts(folders)
    kind = api.choice_arg("type", (*TYPE_FILTERS, "link", "page"))
    product = api.text_arg("product", 100)
    lang = _lang_arg() or ""
    filters = {"kind": kind, "product": product, "lang": lang, "counts": counts}
    base = access.visible(select(Item))
    if kind or product or lang:
        stmt = base
        if kind in ("link", "page"):
            stmt = stmt.where(Item.kind == kind)
        elif kind:
            stmt = stmt.where(
                Item.id.in_(
                    select(Version.item_id)
                    .join(Translation, Translation.current_version_id == Version.id)
                    .where(Version.file_type.in_(TYPE_FILTERS[kind]))
                )
            )
        if product:
            stmt = stmt.where(Item.product == product)
        if lang:
            stmt = stmt.where(
                Item.id.in_(select(Translation.item_id).where(Translation.language == lang))
            )
        items = list(api.session.scalars(stmt.order_by(Item.updated_at.desc()).limit(200)))
        return _library_page(
            filtered=True,
            results=_entries(items),
            folders=[],
            collections=[],
            recent=[],
            loose=[],
            **filters,
        )
    recent_items = list(
        api.session.scalars(base.order_by(Item.updated_at.desc(), Item.id.desc()).limit(6))
    )
    loose_items = list(
        api.session.scalars(
            base.where(Item.folder_id.is_(None)).order_by(Item.updated_at.desc()).limit(PER_PAGE)
        )
    )
    # one decoration pass for both lists: the page's statement count stays flat
    both = list({i.id: i for i in recent_items + loose_items}.values())
    by_id = {e.item.id: e for e in _entries(both)}
    return _library_page(
        filtered=False,
        results=[],
        folders=[f for f in folders if f.parent_id is None and counts.get(f.id)],
        collections=access.visible_collections(),
        recent=[by_id[i.id] for i in recent_items if by_id[i.id].is_new or by_id[i.id].is_updated],
        loose=[by_id[i.id] for i in loose_items],
        **filters,
    )


@bp.route("/folders/<id:folder_id>")
@api.login_required
def folder(folder_id: int) -> Any:
    folders = service.folder_tree()
    counts = access.folder_counts(folders)
    current = access.visible_folder(folder_id, folders, counts)
    items = list(
        api.session.scalars(
            access.visible(select(Item).where(Item.folder_id == folder_id)).order_by(
                Item.updated_at.desc(), Item.id.desc()
            )
        )
    )
    return _page(
        "content/partner/folder.html",
        folder=current,
        path=service.folder_path(current.parent_id, folders),
        subfolders=[
            f for f in folders if f.parent_id == folder_id and access.folder_shown(f, counts)
        ],
        counts=counts,
        entries=_entries(items),
        autonym=service.autonym,
    )


@bp.route("/collections/<id:collection_id>")
@api.login_required
def collection(collection_id: int) -> Any:
    coll, items = access.visible_collection(collection_id)
    return _page(
        "content/partner/collection.html",
        collection=coll,
        entries=_entries(items),
        autonym=service.autonym,
    )


# --- one item ----------------------------------------------------------------------------


@bp.route("/items/<id:item_id>")
@api.login_required
def item(item_id: int) -> Any:
    it, entry = _visible_entry(item_id)
    viewer = api.current_viewer()
    tenant = api.current_tenant()
    partner = None
    if viewer.is_partner and viewer.partner_id:
        partner = api.session.get(api.Partner, viewer.partner_id)
    return _page(
        "content/partner/item.html",
        entry=entry,
        item=it,
        path=service.folder_path(it.folder_id, service.folder_tree()),
        body_html=api.render_markdown(entry.translation.body)
        if entry.translation and it.kind == "page"
        else None,
        autonym=service.autonym,
        partner=partner,
        tenant_name=tenant.name if tenant else "",
        cobranded=_cobranded(it, entry.version),
        previewable=bool(entry.version and entry.version.file_type in api.PREVIEWABLE),
        can_download=access.downloads(viewer),
    )


@bp.route("/items/<id:item_id>/download")
@access.download_required
def download(item_id: int) -> Any:
    it, entry = _visible_entry(item_id, "file")
    version = entry.version
    if version is None:
        api.not_found()
    assert version is not None
    viewer = api.current_viewer()
    if _cobranded(it, version) and viewer.is_partner and viewer.partner_id is not None:
        partner = api.session.get(api.Partner, viewer.partner_id)
        path = api.stored_file_path(FILE_KIND, version.stored_name)
        if partner is None or path is None:
            api.not_found()
        data = cobrand.cobrand_pdf(path, it.cobrand_zones, cobrand.stamp_for(partner))
        service.record_download(it, entry.translation, version, cobranded=True)
        api.session.commit()
        return responses.pdf_attachment(data, version.filename)
    service.record_download(it, entry.translation, version, cobranded=False)
    api.session.commit()
    return responses.version_file(version, attachment=True)


@bp.route("/items/<id:item_id>/preview")
@access.download_required
def preview(item_id: int) -> Any:
    """Inline view for PDFs, images and videos. Not counted as a download; co-branded
    items preview unbranded."""
    _it, entry = _visible_entry(item_id)
    version = entry.version
    if version is None or version.file_type not in api.PREVIEWABLE:
        api.not_found()
    assert version is not None
    # the core frames previews only on this portal's pages (and lets a PDF viewer run)
    return responses.version_file(version, attachment=False)


@bp.route("/items/<id:item_id>/thumbnail")
@api.login_required
def thumbnail(item_id: int) -> Any:
    it = access.visible_item(item_id)
    if not it.thumbnail:
        api.not_found()
    return responses.thumbnail(it.thumbnail)


@bp.route("/items/<id:item_id>/open")
@access.download_required
def open_link(item_id: int) -> Any:
    """Follow a link item (counted like a download)."""
    it, entry = _visible_entry(item_id, "link")
    if entry.translation is None:
        api.not_found()
    url = entry.translation.url
    if not url.lower().startswith(("https://", "http://")):
        api.not_found()
    service.record_download(it, entry.translation, None, cobranded=False)
    api.session.commit()
    resp = redirect(url, code=303)
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp
