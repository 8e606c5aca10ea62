"""Library operations shared by the views, the jobs and the demo data.

Everything here runs inside the caller's transaction; the caller commits. Files are
written before the rows that name them and removed again if the transaction rolls back
(:func:`file_written`); files rows stop naming are removed only once that commits
(:func:`remove_after_commit`) — both through the core's ``api.on_rollback`` /
``api.on_commit`` — so neither an orphan file nor a row without a file is left behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any

from babel import Locale, UnknownLocaleError
from flask import current_app, has_request_context, url_for
from sqlalchemy import delete, func, select

from portalis import api

from .extract import EXTRACTABLE, extract_text
from .models import (
    FILE_KIND,
    Download,
    Folder,
    Item,
    ItemPartner,
    ItemTag,
    ItemTier,
    Translation,
    Version,
)
from .thumbnails import make_thumbnail

log = logging.getLogger("portalis.content")
PLUGIN_NAME = "content"
DEFAULTS: dict[str, Any] = {
    "max_upload_mb": 20,
    "default_visibility": "everyone",
    "updated_days": 30,
}
#: Languages offered for items besides the tenant's own.
EXTRA_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "ja", "zh", "ko", "ar", "pl", "sv")


def settings_for(program_id: int | None) -> dict[str, Any]:
    if program_id is None:
        return dict(DEFAULTS)
    try:
        values = api.plugin_settings(PLUGIN_NAME, program_id)
    except KeyError:
        values = {}
    return {**DEFAULTS, **{k: v for k, v in values.items() if v is not None}}


def updated_days(program_id: int | None) -> int:
    """How long "New" and "Updated" badges show."""
    return int(settings_for(program_id).get("updated_days") or DEFAULTS["updated_days"])


def max_upload_bytes(program_id: int | None) -> int:
    mb = settings_for(program_id).get("max_upload_mb") or DEFAULTS["max_upload_mb"]
    app_limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    limit = int(float(mb) * 1024 * 1024)
    return min(limit, app_limit) if app_limit else limit


# --- languages ------------------------------------------------------------------------------


def autonym(code: str) -> str:
    """A language named in itself ("Deutsch"), so each reader finds theirs."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def language_codes() -> list[str]:
    tenant = api.current_tenant()
    allowed = list(tenant.allowed_locales) if tenant else ["en"]
    return list(dict.fromkeys([*allowed, *EXTRA_LANGUAGES]))


def base_language(locale: str | None) -> str:
    return (locale or "en").replace("-", "_").split("_")[0].lower()


def choose(
    translations: Sequence[Translation], locale: str | None, default_language: str
) -> Translation | None:
    """The viewer's language first, then the item's default language, then English."""
    if not translations:
        return None
    by_lang = {t.language: t for t in translations}
    want = base_language(locale)
    for code in (locale or "", want, default_language, "en"):
        if code in by_lang:
            return by_lang[code]
    return sorted(translations, key=lambda t: t.id)[0]


# --- folders ----------------------------------------------------------------------------------


def folder_tree() -> list[Folder]:
    """Every folder of the tenant, in display order (what a viewer sees of them is
    :mod:`.access`'s business)."""
    return list(api.session.scalars(select(Folder).order_by(Folder.position, Folder.name)))


def folder_path(folder_id: int | None, folders: Sequence[Folder]) -> list[Folder]:
    """The folder and its parents, outermost first (the breadcrumb)."""
    by_id = {f.id: f for f in folders}
    path: list[Folder] = []
    while folder_id is not None and folder_id in by_id and len(path) < 50:
        path.insert(0, by_id[folder_id])
        folder_id = by_id[folder_id].parent_id
    return path


# --- loading in bulk ------------------------------------------------------------------------


@dataclass
class Entry:
    """An item with what a list or page shows of it, in the viewer's language."""

    item: Item
    translation: Translation | None
    version: Version | None
    translations: list[Translation] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    is_new: bool = False
    is_updated: bool = False

    @property
    def title(self) -> str:
        return self.translation.title if self.translation else ""

    @property
    def languages(self) -> list[str]:
        return sorted(t.language for t in self.translations)


def _bulk(
    ids: Sequence[int], *, with_tags: bool = True
) -> tuple[dict[int, list[Translation]], dict[int, Version], dict[int, list[str]]]:
    """Translations with their current versions (one query) and tags (one more)."""
    by_item: dict[int, list[Translation]] = defaultdict(list)
    versions: dict[int, Version] = {}
    for tr, version in api.session.execute(
        select(Translation, Version)
        .outerjoin(Version, Version.id == Translation.current_version_id)
        .where(Translation.item_id.in_(ids))
        .order_by(Translation.id)
    ):
        by_item[tr.item_id].append(tr)
        if version is not None:
            versions[version.id] = version
    tags: dict[int, list[str]] = defaultdict(list)
    if with_tags:
        for item_id, tag in api.session.execute(
            select(ItemTag.item_id, ItemTag.tag)
            .where(ItemTag.item_id.in_(ids))
            .order_by(ItemTag.tag)
        ):
            tags[item_id].append(tag)
    return by_item, versions, tags


def entries(
    items: Sequence[Item],
    locale: str | None,
    *,
    user_id: int | None = None,
    updated_days: int = 30,
    now: dt.datetime | None = None,
    lang_override: dict[int, str] | None = None,
    with_tags: bool = True,
) -> list[Entry]:
    """Translations, current versions, tags and badges for ``items`` in four queries."""
    if not items:
        return []
    now = now or api.utcnow()
    ids = [i.id for i in items]
    by_item, versions, tags = _bulk(ids, with_tags=with_tags)
    seen: dict[tuple[int, int | None], int] = {}
    if user_id is not None:
        for item_id, tr_id, number in api.session.execute(
            select(Download.item_id, Download.translation_id, func.max(Download.version_number))
            .where(Download.user_id == user_id, Download.item_id.in_(ids))
            .group_by(Download.item_id, Download.translation_id)
        ):
            seen[(item_id, tr_id)] = int(number or 0)
    window = now - dt.timedelta(days=int(updated_days or 30))
    out = []
    for item in items:
        trs = by_item.get(item.id, [])
        wanted = (lang_override or {}).get(item.id) or locale
        tr = choose(trs, wanted, item.default_language)
        version = versions.get(tr.current_version_id) if tr and tr.current_version_id else None
        published = item.publish_at or item.created_at
        downloaded = seen.get((item.id, tr.id if tr else None))
        is_updated = bool(
            version
            and version.number > 1
            and (version.created_at >= window or (downloaded and downloaded < version.number))
        )
        is_new = not is_updated and published >= window and not downloaded
        out.append(Entry(item, tr, version, trs, tags.get(item.id, []), is_new, is_updated))
    return out


def access_ids(item_ids: Sequence[int]) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    tiers: dict[int, list[int]] = defaultdict(list)
    partners: dict[int, list[int]] = defaultdict(list)
    if item_ids:
        for item_id, tier_id in api.session.execute(
            select(ItemTier.item_id, ItemTier.tier_id).where(ItemTier.item_id.in_(item_ids))
        ):
            tiers[item_id].append(tier_id)
        for item_id, partner_id in api.session.execute(
            select(ItemPartner.item_id, ItemPartner.partner_id).where(
                ItemPartner.item_id.in_(item_ids)
            )
        ):
            partners[item_id].append(partner_id)
    return tiers, partners


# --- writing --------------------------------------------------------------------------------


def set_access(item: Item, tier_ids: Iterable[int], partner_ids: Iterable[int]) -> None:
    """Replace the tiers/partners chosen for an item (only those of its program count)."""
    api.session.execute(delete(ItemTier).where(ItemTier.item_id == item.id))
    api.session.execute(delete(ItemPartner).where(ItemPartner.item_id == item.id))
    valid_tiers = set(
        api.session.scalars(select(api.Tier.id).where(api.Tier.program_id == item.program_id))
    )
    valid_partners = set(
        api.session.scalars(select(api.Partner.id).where(api.Partner.program_id == item.program_id))
    )
    if item.visibility == "tiers":
        for tid in sorted({int(t) for t in tier_ids} & valid_tiers):
            api.session.add(ItemTier(item_id=item.id, tier_id=tid))
    if item.visibility == "partners":
        for pid in sorted({int(p) for p in partner_ids} & valid_partners):
            api.session.add(ItemPartner(item_id=item.id, partner_id=pid))


def parse_tags(raw: str | Iterable[str]) -> list[str]:
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    out: dict[str, str] = {}
    for part in parts:
        tag = " ".join(str(part).split())[:50]
        if tag and tag.casefold() not in out:
            out[tag.casefold()] = tag
    return list(out.values())[:20]


def set_tags(item: Item, tags: Iterable[str]) -> None:
    api.session.execute(delete(ItemTag).where(ItemTag.item_id == item.id))
    for tag in parse_tags(tags):
        api.session.add(ItemTag(item_id=item.id, tag=tag))


# --- files and the transaction -----------------------------------------------------------


def _remove_file(tenant_id: int, name: str) -> None:
    try:
        with api.tenant_scope(tenant_id):  # after a commit, wherever the callback runs
            api.remove_stored_file(FILE_KIND, name)
    except OSError:  # pragma: no cover - best effort
        log.warning("could not remove %s/%s", tenant_id, name)


def file_written(tenant_id: int, name: str) -> None:
    """A file this transaction wrote: a rollback takes it with it (a commit keeps it)."""
    api.on_rollback(partial(_remove_file, tenant_id, name), key=("content.file", tenant_id, name))


def remove_after_commit(tenant_id: int, names: Iterable[str]) -> None:
    """Files no row will name once this transaction commits: removed after the commit,
    never before (a rollback keeps them)."""
    for name in names:
        api.on_commit(partial(_remove_file, tenant_id, name), key=("content.file", tenant_id, name))


def store_file(fh: IO[bytes]) -> api.StoredFile:
    """Check an upload by its content and keep it in the library's folder (any type the
    core accepts); raises ``api.UploadRefused``. The file goes again if the current
    transaction rolls back, so a refused form or an error leaves nothing behind."""
    stored = api.store_upload(fh, kind=FILE_KIND, allowed=api.FILE_TYPES)
    tenant_id = api.current_tenant_id()
    assert tenant_id is not None  # store_upload has just written under it
    file_written(tenant_id, stored.name)
    return stored


def set_thumbnail(item: Item, fh: IO[bytes]) -> None:
    """Make ``fh`` the item's thumbnail; raises ``api.UploadRefused``."""
    name = make_thumbnail(fh)
    file_written(item.tenant_id, name)
    remove_thumbnail(item)
    item.thumbnail = name


def remove_thumbnail(item: Item) -> None:
    if item.thumbnail:
        remove_after_commit(item.tenant_id, [item.thumbnail])
    item.thumbnail = None


def _next_number(translation: Translation) -> int:
    latest = api.session.scalar(
        select(func.max(Version.number)).where(Version.translation_id == translation.id)
    )
    return (latest or 0) + 1


def _make_current(item: Item, translation: Translation, version: Version) -> Version:
    api.session.add(version)
    api.session.flush()
    translation.current_version_id = version.id
    translation.updated_at = item.updated_at = api.utcnow()
    return version


def add_version(
    item: Item,
    translation: Translation,
    stored: api.StoredFile,
    filename: str | None,
    *,
    user_id: int | None,
    note: str = "",
) -> Version:
    """Make a file kept by :func:`store_file` the translation's new current version."""
    version = Version(
        item_id=item.id,
        translation_id=translation.id,
        number=_next_number(translation),
        stored_name=stored.name,
        filename=api.typed_filename(filename, stored.file_type, fallback=f"item-{item.id}"),
        file_type=stored.file_type,
        mime=api.MIME[stored.file_type],
        size=stored.size,
        sha256=stored.sha256,
        pages=stored.pages,
        text_status="pending" if stored.file_type in EXTRACTABLE else "none",
        note=note[:200],
        created_by_id=user_id,
    )
    _make_current(item, translation, version)
    path = api.stored_file_path(FILE_KIND, stored.name)
    if stored.file_type in api.IMAGE_TYPES and not item.thumbnail and path is not None:
        with path.open("rb") as fh, contextlib.suppress(api.UploadRefused):
            set_thumbnail(item, fh)  # a picture Pillow can't thumbnail keeps the placeholder
    return version


def restore_version(old: Version, *, user_id: int | None) -> Version:
    """Make an older file current again — as a new version, so history stays linear."""
    translation = api.session.get(Translation, old.translation_id)
    item = api.session.get(Item, old.item_id)
    assert translation is not None and item is not None
    version = Version(
        item_id=old.item_id,
        translation_id=old.translation_id,
        number=_next_number(translation),
        stored_name=old.stored_name,  # files are immutable: both versions share it
        filename=old.filename,
        file_type=old.file_type,
        mime=old.mime,
        size=old.size,
        sha256=old.sha256,
        pages=old.pages,
        text=old.text,
        text_status=old.text_status,
        note="",
        restored_from=old.number,
        created_by_id=user_id,
    )
    return _make_current(item, translation, version)


def extract_now(version: Version) -> None:
    """Fill ``version.text`` (used by the job, and by the demo data in its transaction)."""
    path = api.stored_file_path(FILE_KIND, version.stored_name)
    if path is None:
        version.text_status = "failed"
        return
    try:
        version.text = extract_text(path, version.file_type)
        version.text_status = "done"
    except Exception:  # a broken document must not break the library: searchable by title
        log.warning("text extraction failed for version %s", version.id, exc_info=True)
        version.text = None
        version.text_status = "failed"


def record_download(
    item: Item, translation: Translation | None, version: Version | None, *, cobranded: bool
) -> None:
    viewer = api.current_viewer()
    if not viewer.is_partner or viewer.partner_id is None or viewer.user_id is None:
        return  # vendor staff looking at their own content isn't a download
    api.session.add(
        Download(
            item_id=item.id,
            translation_id=translation.id if translation else None,
            version_id=version.id if version else None,
            version_number=version.number if version else None,
            user_id=viewer.user_id,
            partner_id=viewer.partner_id,
            language=translation.language if translation else "",
            cobranded=cobranded,
        )
    )


def delete_item(item: Item) -> None:
    """Delete an item, its rows and its files (files shared by nothing else)."""
    names = set(api.session.scalars(select(Version.stored_name).where(Version.item_id == item.id)))
    langs = list(
        api.session.scalars(select(Translation.language).where(Translation.item_id == item.id))
    )
    api.search_delete([doc_id(item.id, lang) for lang in langs])
    if item.thumbnail:
        names.add(item.thumbnail)
    remove_after_commit(item.tenant_id, sorted(names))
    api.session.delete(item)
    api.session.flush()


def delete_translation(item: Item, translation: Translation) -> None:
    """Remove one language of an item: its versions, its search entry, and (after the
    commit) the files no other language of the item shares. The caller makes sure it
    isn't the last language."""
    api.search_delete([doc_id(item.id, translation.language)])
    mine = set(
        api.session.scalars(
            select(Version.stored_name).where(Version.translation_id == translation.id)
        )
    )
    shared = set(
        api.session.scalars(
            select(Version.stored_name).where(
                Version.item_id == item.id, Version.translation_id != translation.id
            )
        )
    )
    remove_after_commit(item.tenant_id, sorted(mine - shared))
    api.session.execute(delete(Version).where(Version.translation_id == translation.id))
    api.session.delete(translation)
    if item.default_language == translation.language:
        other = api.session.scalars(
            select(Translation.language).where(
                Translation.item_id == item.id, Translation.id != translation.id
            )
        ).first()
        item.default_language = other or item.default_language
    item.updated_at = api.utcnow()
    api.session.flush()
    index_items([item.id])


# --- search ---------------------------------------------------------------------------------

TYPE_FACETS = {
    "pdf": "PDF",
    "docx": "Word",
    "pptx": "PowerPoint",
    "xlsx": "Excel",
    "png": "Image",
    "jpeg": "Image",
    "gif": "Image",
    "webp": "Image",
    "mp4": "Video",
    "webm": "Video",
    "link": "Link",
    "page": "Page",
}


def doc_id(item_id: int, language: str) -> str:
    return f"content:{item_id}:{language}"


def item_url(item_id: int, language: str | None = None) -> str:
    values: dict[str, Any] = {"item_id": item_id}
    if language:
        values["lang"] = language
    if has_request_context():
        return url_for("content.item", **values)
    return current_app.url_map.bind("localhost").build("content.item", values)


def _facet_type(item: Item, version: Version | None) -> str:
    if item.kind != "file":
        return TYPE_FACETS[item.kind]
    return TYPE_FACETS.get(version.file_type if version else "", "File")


def documents(items: Sequence[Item], now: dt.datetime | None = None) -> Iterator[Any]:
    """Search documents for ``items``: one per translation, carrying the item's program,
    tiers and partners so the search service filters them for each viewer."""
    if not items:
        return
    now = now or api.utcnow()
    ids = [i.id for i in items]
    tiers, partners = access_ids(ids)
    by_item, versions, tags = _bulk(ids)
    for item in items:
        live = item.is_live(now) and item.visibility != "hidden"
        item.search_live = live
        if item.visibility == "hidden":
            tier_ids: tuple[int, ...] | None = ()
            partner_ids: tuple[int, ...] | None = ()
        else:
            tier_ids = tuple(tiers.get(item.id, [])) if item.visibility == "tiers" else None
            partner_ids = (
                tuple(partners.get(item.id, [])) if item.visibility == "partners" else None
            )
        item_tags = tuple(tags.get(item.id, [])) + ((item.product,) if item.product else ())
        for tr in by_item.get(item.id, []):
            version = versions.get(tr.current_version_id or 0)
            body = "\n\n".join(
                p for p in (tr.description, tr.body, version.text if version else None) if p
            )
            facets = {"type": _facet_type(item, version), "language": autonym(tr.language)}
            if item.product:
                facets["product"] = item.product
            stamps = [item.updated_at, tr.updated_at] + ([version.created_at] if version else [])
            yield api.SearchDocument(
                tenant_id=item.tenant_id,
                doc_id=doc_id(item.id, tr.language),
                plugin=PLUGIN_NAME,
                program_id=item.program_id,
                tier_ids=tier_ids,
                partner_ids=partner_ids,
                audience="all" if live else "vendor",
                language=tr.language,
                title=tr.title,
                body=body,
                tags=item_tags,
                facets=facets,
                url=item_url(item.id, tr.language),
                updated_at=max(stamps),
            )


def index_items(item_ids: Iterable[int]) -> int:
    """(Re)index items in the current transaction; returns the documents written."""
    ids = sorted(set(item_ids))
    if not ids:
        return 0
    items = list(api.session.scalars(select(Item).where(Item.id.in_(ids))))
    docs = list(documents(items))
    api.search_index(docs)
    return len(docs)


def all_documents(batch: int = 200) -> Iterator[Any]:
    """Every search document of the current tenant's library, read in batches (for
    ``portalis search reindex``)."""
    last = 0
    while True:
        items = list(
            api.session.scalars(select(Item).where(Item.id > last).order_by(Item.id).limit(batch))
        )
        if not items:
            return
        yield from documents(items)
        last = items[-1].id
