"""Pages of the ``content`` blueprint (``/content``) that partners (and vendor staff) use:
the library, folders, collections, an item, and its download, preview, thumbnail and
link. Vendor management pages are in :mod:`portalis_content.admin`.

Every item is looked up through :func:`access.visible_item`, on every request: a partner
who isn't (or is no longer) entitled gets the same 404 as for an unknown id. The core
gates the blueprint per program and tier; nothing here checks enablement.
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from flask import Blueprint, Response, redirect, request, send_file, url_for
from sqlalchemy import func, select

from portalis import api

from . import access, cobrand, service, storage
from .markup import render_markdown
from .models import Collection, CollectionItem, Folder, Item, Translation, Version

bp = Blueprint("content", __name__, url_prefix="/content")
T = api.Translator("content")
_ = T.gettext

PER_PAGE = 24
TYPE_FILTERS = {
    "document": ("pdf", "docx"),
    "presentation": ("pptx",),
    "spreadsheet": ("xlsx",),
    "image": ("png", "jpeg", "gif", "webp"),
    "video": ("mp4", "webm"),
}


# --- helpers -----------------------------------------------------------------------------


def viewer() -> api.Viewer:
    return api.current_viewer()


def locale() -> str:
    return api.current_locale()


def updated_days() -> int:
    v = viewer()
    return int(service.settings_for(v.program_id).get("updated_days") or 30)


def folder_tree() -> list[Folder]:
    return list(api.session.scalars(select(Folder).order_by(Folder.position, Folder.name)))


def folder_path(folder_id: int | None, folders: list[Folder]) -> list[Folder]:
    by_id = {f.id: f for f in folders}
    path: list[Folder] = []
    while folder_id is not None and folder_id in by_id and len(path) < 50:
        path.insert(0, by_id[folder_id])
        folder_id = by_id[folder_id].parent_id
    return path


def visible_counts(folders: list[Folder]) -> Counter[int]:
    """Visible items per folder, sub-folders included."""
    parents = {f.id: f.parent_id for f in folders}
    counts: Counter[int] = Counter()
    # counted by the database (one row per folder), then rolled up the tree in Python:
    # fetching one row per visible item took seconds with 100,000 items
    for fid, n in api.session.execute(
        select(Item.folder_id, func.count(Item.id))
        .where(Item.folder_id.is_not(None), access.visible_clause(viewer()))
        .group_by(Item.folder_id)
    ):
        hops = 0
        while fid is not None and hops < 50:
            counts[fid] += n
            fid = parents.get(fid)
            hops += 1
    return counts


def entries_for(items: list[Item]) -> list[service.Entry]:
    return service.entries(items, locale(), user_id=viewer().user_id, updated_days=updated_days())


def _check_id(value: int) -> None:
    if not 0 < value <= access.MAX_ID:
        api.not_found()


def _lang_arg() -> str | None:
    raw = (request.args.get("lang") or "").strip()
    return raw[:16] if raw.replace("_", "").replace("-", "").isalnum() else None


def _entry(item: Item) -> service.Entry:
    lang = _lang_arg()
    return service.entries(
        [item],
        locale(),
        user_id=viewer().user_id,
        updated_days=updated_days(),
        lang_override={item.id: lang} if lang else None,
    )[0]


# --- library -----------------------------------------------------------------------------


@bp.route("/")
@api.login_required
def library() -> Any:
    v = viewer()
    folders = folder_tree()
    counts = visible_counts(folders)
    kind = request.args.get("type") or ""
    if kind not in (*TYPE_FILTERS, "link", "page"):
        kind = ""
    product = (request.args.get("product") or "").strip()[:100]
    lang = _lang_arg() or ""
    filtered = bool(kind or product or lang)
    base = select(Item).where(access.visible_clause(v))
    products = sorted(
        p
        for p in api.session.scalars(
            select(Item.product).where(access.visible_clause(v), Item.product != "").distinct()
        )
    )
    if filtered:
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
        return api.page(
            "content/library.html",
            filtered=True,
            results=entries_for(items),
            kind=kind,
            product=product,
            lang=lang,
            products=products,
            languages=service.language_codes(),
            autonym=service.autonym,
            folders=[],
            counts=counts,
            collections=[],
            recent=[],
            loose=[],
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
    by_id = {e.item.id: e for e in entries_for(both)}
    recent = [by_id[i.id] for i in recent_items if by_id[i.id].is_new or by_id[i.id].is_updated]
    loose = [by_id[i.id] for i in loose_items]
    root_folders = [f for f in folders if f.parent_id is None and counts.get(f.id)]
    return api.page(
        "content/library.html",
        filtered=False,
        results=[],
        kind=kind,
        product=product,
        lang=lang,
        products=products,
        languages=service.language_codes(),
        autonym=service.autonym,
        folders=root_folders,
        counts=counts,
        collections=visible_collections(),
        recent=recent,
        loose=loose,
    )


def visible_collections() -> list[tuple[Collection, int]]:
    rows = api.session.execute(
        select(Collection, CollectionItem.item_id)
        .join(CollectionItem, CollectionItem.collection_id == Collection.id)
        .join(Item, Item.id == CollectionItem.item_id)
        .where(access.visible_clause(viewer()))
        .order_by(Collection.position, Collection.title)
    ).all()
    counts: dict[int, int] = {}
    seen: dict[int, Collection] = {}
    for coll, _item_id in rows:
        seen.setdefault(coll.id, coll)
        counts[coll.id] = counts.get(coll.id, 0) + 1
    return [(c, counts[c.id]) for c in seen.values()]


@bp.route("/folders/<int:folder_id>")
@api.login_required
def folder(folder_id: int) -> Any:
    _check_id(folder_id)
    folders = folder_tree()
    counts = visible_counts(folders)
    current = next((f for f in folders if f.id == folder_id), None)
    # a folder without anything the viewer may see doesn't exist for them
    if current is None or not (counts.get(folder_id) or viewer().is_vendor_staff):
        api.not_found()
    subfolders = [
        f
        for f in folders
        if f.parent_id == folder_id and (counts.get(f.id) or viewer().is_vendor_staff)
    ]
    items = list(
        api.session.scalars(
            select(Item)
            .where(Item.folder_id == folder_id, access.visible_clause(viewer()))
            .order_by(Item.updated_at.desc(), Item.id.desc())
        )
    )
    return api.page(
        "content/folder.html",
        folder=current,
        path=folder_path(current.parent_id, folders),  # type: ignore[union-attr]
        subfolders=subfolders,
        counts=counts,
        entries=entries_for(items),
        autonym=service.autonym,
    )


@bp.route("/collections/<int:collection_id>")
@api.login_required
def collection(collection_id: int) -> Any:
    _check_id(collection_id)
    coll = api.session.get(Collection, collection_id)
    if coll is None:
        api.not_found()
    items = list(
        api.session.scalars(
            select(Item)
            .join(CollectionItem, CollectionItem.item_id == Item.id)
            .where(CollectionItem.collection_id == collection_id, access.visible_clause(viewer()))
            .order_by(CollectionItem.position, CollectionItem.id)
        )
    )
    if not items and not viewer().is_vendor_staff:
        api.not_found()
    return api.page(
        "content/collection.html",
        collection=coll,
        entries=entries_for(items),
        autonym=service.autonym,
    )


# --- one item ----------------------------------------------------------------------------


@bp.route("/items/<int:item_id>")
@api.login_required
def item(item_id: int) -> Any:
    it = access.visible_item(item_id)
    entry = _entry(it)
    folders = folder_tree()
    tenant = api.current_tenant()
    partner = None
    if viewer().is_partner and viewer().partner_id:
        partner = api.session.get(api.Partner, viewer().partner_id)
    return api.page(
        "content/item.html",
        entry=entry,
        item=it,
        path=folder_path(it.folder_id, folders),
        body_html=render_markdown(entry.translation.body)
        if entry.translation and it.kind == "page"
        else None,
        autonym=service.autonym,
        partner=partner,
        tenant_name=tenant.name if tenant else "",
        cobranded=_cobranded(it, entry.version),
        previewable=bool(entry.version and entry.version.file_type in storage.PREVIEWABLE),
    )


def _cobranded(it: Item, version: Version | None) -> bool:
    return bool(it.cobrandable and version is not None and version.file_type == "pdf")


def _file_response(version: Version, *, attachment: bool) -> Response:
    path = storage.path_of(version.tenant_id, version.stored_name)
    if path is None:
        api.not_found()
    resp = send_file(
        path,  # type: ignore[arg-type]
        mimetype=version.mime,
        as_attachment=attachment,
        download_name=version.filename,
        conditional=True,
        etag=version.sha256[:32],
        max_age=0,
    )
    return _private(resp)


def _private(resp: Response) -> Response:
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


@bp.route("/items/<int:item_id>/download")
@api.login_required
def download(item_id: int) -> Any:
    it = access.visible_item(item_id)
    entry = _entry(it)
    if it.kind != "file" or entry.version is None:
        api.not_found()
    version = entry.version
    assert version is not None
    v = viewer()
    if _cobranded(it, version) and v.is_partner and v.partner_id is not None:
        partner = api.session.get(api.Partner, v.partner_id)
        path = storage.path_of(version.tenant_id, version.stored_name)
        if partner is None or path is None:
            api.not_found()
        data = cobrand.cobrand_pdf(path, it.cobrand_zones, cobrand.stamp_for(partner))  # type: ignore[arg-type]
        service.record_download(it, entry.translation, version, cobranded=True)
        api.session.commit()
        resp = send_file(
            io.BytesIO(data),
            mimetype="application/pdf",
            as_attachment=True,
            download_name=version.filename,
            max_age=0,
        )
        return _private(resp)
    service.record_download(it, entry.translation, version, cobranded=False)
    api.session.commit()
    return _file_response(version, attachment=True)


@bp.route("/items/<int:item_id>/preview")
@api.login_required
def preview(item_id: int) -> Any:
    """Inline view for PDFs, images and videos. Not counted as a download; co-branded
    items preview unbranded."""
    it = access.visible_item(item_id)
    entry = _entry(it)
    if entry.version is None or entry.version.file_type not in storage.PREVIEWABLE:
        api.not_found()
    resp = _file_response(entry.version, attachment=False)  # type: ignore[arg-type]
    if entry.version.file_type == "pdf":  # type: ignore[union-attr]
        # the browser's PDF viewer doesn't run in a sandboxed document
        resp.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    else:
        resp.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self'; media-src 'self'; frame-ancestors 'self'; sandbox"
        )
    resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    return resp


@bp.route("/items/<int:item_id>/thumbnail")
@api.login_required
def thumbnail(item_id: int) -> Any:
    it = access.visible_item(item_id)
    if not it.thumbnail:
        api.not_found()
    path = storage.path_of(it.tenant_id, it.thumbnail)  # type: ignore[arg-type]
    if path is None:
        api.not_found()
    resp = send_file(path, mimetype="image/png", conditional=True, max_age=0)  # type: ignore[arg-type]
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@bp.route("/items/<int:item_id>/open")
@api.login_required
def open_link(item_id: int) -> Any:
    """Follow a link item (counted like a download)."""
    it = access.visible_item(item_id)
    entry = _entry(it)
    if it.kind != "link" or entry.translation is None:
        api.not_found()
    url = entry.translation.url  # type: ignore[union-attr]
    if not url.lower().startswith(("https://", "http://")):
        api.not_found()
    service.record_download(it, entry.translation, None, cobranded=False)
    api.session.commit()
    resp = redirect(url, code=303)
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def search_url(q: str = "") -> str:
    return url_for("search.results", q=q, **{"f.plugin": "content"})


from . import admin as _admin  # noqa: E402,F401  (registers the vendor routes on bp)
