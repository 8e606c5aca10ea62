"""Pages for the vendor's staff (``/content/manage``): items, languages, versions,
visibility with a live audience count, co-branding zones, folders, collections and the
download report. Every page is for vendor staff holding ``content.manage``
(:func:`portalis_content.access.manager_required`); deleting an item is for vendor admins
holding it. Records are looked up through :mod:`portalis_content.access` (its get-or-404
helpers).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import get_timezone
from sqlalchemy import delete, func, select

from portalis import api

from .. import access, cobrand, responses, service
from ..forms import (
    CollectionForm,
    EditItemForm,
    FolderForm,
    ItemForm,
    TranslationForm,
    VersionForm,
    visibility_choices,
)
from ..i18n import _, ngettext
from ..models import (
    FILE_KIND,
    VISIBILITIES,
    Collection,
    CollectionItem,
    Download,
    Folder,
    Item,
    Translation,
    Version,
)
from .blueprint import bp

ADMIN_PER_PAGE = 50


# --- helpers -----------------------------------------------------------------------------


def _user_id() -> int | None:
    user = api.current_user()
    return user.id if user else None


def _programs() -> list[Any]:
    return list(api.session.scalars(select(api.Program).order_by(api.Program.name)))


def _folder_choices(folders: list[Folder], exclude: int | None = None) -> list[tuple[int, str]]:
    children: dict[int | None, list[Folder]] = {}
    for f in folders:
        children.setdefault(f.parent_id, []).append(f)
    out: list[tuple[int, str]] = []

    def walk(parent: int | None, depth: int) -> None:
        for f in children.get(parent, []):
            if f.id == exclude:
                continue
            out.append((f.id, "— " * depth + f.name))
            if depth < 20:
                walk(f.id, depth + 1)

    walk(None, 0)
    return out


def _language_choices(exclude: set[str] | None = None) -> list[Any]:
    return api.select_choices(
        (code, service.autonym(code))
        for code in service.language_codes()
        if code not in (exclude or set())
    )


def _setup_access(form: Any, program_id: int | None = None) -> int | None:
    """Fill the choices of the program/folder/visibility/tier/partner fields."""
    programs = _programs()
    form.program_id.choices = api.select_choices(
        (p.id, api.localized(p.name, p.name_i18n)) for p in programs
    )
    pids = [p.id for p in programs]
    pid = form.program_id.data if form.program_id.data in pids else program_id
    if pid not in pids:
        pid = pids[0] if pids else None
    multi = len(programs) > 1
    names = {p.id: api.localized(p.name, p.name_i18n) for p in programs}
    tiers = list(api.session.scalars(select(api.Tier).order_by(api.Tier.program_id, api.Tier.rank)))
    form.tier_ids.choices = api.select_choices(
        (
            t.id,
            f"{names.get(t.program_id, '')} — {api.localized(t.name, t.name_i18n)}"
            if multi
            else api.localized(t.name, t.name_i18n),
        )
        for t in tiers
    )
    partners = list(
        api.session.scalars(
            select(api.Partner)
            .where(api.Partner.status != "suspended")
            .order_by(api.Partner.name)
            .limit(2000)
        )
    )
    form.partner_ids.choices = api.select_choices((p.id, p.name) for p in partners)
    form.folder_id.choices = api.select_choices(
        [(0, _("Top level")), *_folder_choices(service.folder_tree())]
    )
    form.visibility.choices = visibility_choices()
    return pid


def _local_tz() -> Any:
    return get_timezone()


def _start_of(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time.min, _local_tz()).astimezone(dt.UTC)


def _end_of(day: dt.date | None) -> dt.datetime | None:
    """'Available until 31 May' = until the end of that day in the viewer's time zone."""
    if day is None:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, _local_tz()).astimezone(
        dt.UTC
    )


def _local_date(value: dt.datetime | None, *, end: bool = False) -> dt.date | None:
    if value is None:
        return None
    local = value.astimezone(_local_tz())
    if end:
        local -= dt.timedelta(microseconds=1)
    return local.date()


def _upload_error(form: Any, message: str) -> None:
    form.file.errors = [*list(form.file.errors or []), message]


def _size(fh: Any) -> int:
    fh.seek(0, os.SEEK_END)
    size = int(fh.tell())
    fh.seek(0)
    return size


def _checked_upload(form: Any, program_id: int | None, *, required: bool) -> Any:
    """The uploaded file, checked and kept (``api.StoredFile``; removed again if this
    request rolls back), or (None, None, status) with an error on the form. 413 above the
    program's limit, 422 for a refused type."""
    upload = request.files.get(form.file.name)
    if upload is None or not upload.filename:
        if required:
            _upload_error(form, _("Choose a file to upload."))
            return None, None, 422
        return None, None, None
    limit = service.max_upload_bytes(program_id)
    size = _size(upload.stream)
    if size > limit:
        _upload_error(
            form,
            _(
                "The file is %(size)s MB; this library accepts files up to %(max)s MB. "
                "Nothing was saved.",
                size=f"{size / 1048576:.1f}",
                max=f"{limit / 1048576:.0f}",
            ),
        )
        return None, None, 413
    try:
        stored = service.store_file(upload.stream)
    except api.UploadRefused as exc:
        _upload_error(form, str(exc))
        return None, None, 422
    return upload, stored, None


def _thumbnail(form: Any, it: Item) -> bool:
    upload = request.files.get(form.thumbnail.name)
    if upload is None or not upload.filename:
        return True
    if _size(upload.stream) > 5 * 1024 * 1024:
        form.thumbnail.errors = [_("The thumbnail must be smaller than 5 MB.")]
        return False
    try:
        service.set_thumbnail(it, upload.stream)
    except api.UploadRefused as exc:
        form.thumbnail.errors = [str(exc)]
        return False
    return True


def _apply_access(form: Any, it: Item) -> None:
    it.program_id = form.program_id.data
    it.folder_id = form.folder_id.data or None
    it.product = form.product.data or ""
    it.visibility = form.visibility.data if form.visibility.data in VISIBILITIES else "hidden"
    it.publish_at = _start_of(form.publish_at.data)
    it.expires_at = _end_of(form.expires_at.data)
    it.cobrandable = bool(form.cobrandable.data) and it.kind == "file"
    api.session.flush()
    service.set_access(it, form.tier_ids.data or [], form.partner_ids.data or [])
    service.set_tags(it, form.tags.data or "")


def _snapshot(it: Item) -> dict[str, Any]:
    tiers, partners = service.access_ids([it.id])
    return {
        "visibility": it.visibility,
        "program_id": it.program_id,
        "tier_ids": sorted(tiers.get(it.id, [])),
        "partner_ids": sorted(partners.get(it.id, [])),
        "publish_at": it.publish_at.isoformat() if it.publish_at else None,
        "expires_at": it.expires_at.isoformat() if it.expires_at else None,
        "folder_id": it.folder_id,
    }


def _extract_later(version: Version | None) -> None:
    """Extract the new version's text in a job, once this transaction commits (the job
    must see the committed version)."""
    if version is not None and version.text_status == "pending":
        api.enqueue_after_commit("portalis_content.jobs:extract_version", version_id=version.id)


def _committed(message: str, endpoint: str, **values: Any) -> Any:
    """Commit the change, confirm it, and go on to ``endpoint`` (post/redirect/get)."""
    api.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def _status(it: Item, now: dt.datetime) -> str:
    if it.visibility == "hidden":
        return "hidden"
    if it.publish_at and it.publish_at > now:
        return "scheduled"
    if it.expires_at and it.expires_at <= now:
        return "expired"
    return "live"


# --- list --------------------------------------------------------------------------------


@bp.route("/manage/")
@access.manager_required
def manage() -> Any:
    now = api.utcnow()
    q = api.text_arg("q", 100)
    status = api.choice_arg("status", ("hidden", "scheduled", "expired", "live"))
    folder_id = api.id_arg("folder") or 0
    page_no = api.int_arg("page", 1, min=1, max=10_000) or 1
    stmt = select(Item)
    if q:
        stmt = stmt.where(
            Item.id.in_(
                select(Translation.item_id).where(Translation.title.icontains(q, autoescape=True))
            )
        )
    if folder_id:
        stmt = stmt.where(Item.folder_id == folder_id)
    if status == "hidden":
        stmt = stmt.where(Item.visibility == "hidden")
    elif status == "scheduled":
        stmt = stmt.where(Item.visibility != "hidden", Item.publish_at > now)
    elif status == "expired":
        stmt = stmt.where(Item.visibility != "hidden", Item.expires_at <= now)
    elif status == "live":
        stmt = stmt.where(Item.visibility != "hidden", access.live_clause(now))
    else:
        status = ""
    total = int(api.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    items = list(
        api.session.scalars(
            stmt.order_by(Item.updated_at.desc(), Item.id.desc())
            .offset((page_no - 1) * ADMIN_PER_PAGE)
            .limit(ADMIN_PER_PAGE)
        )
    )
    ids = [i.id for i in items]
    since = now - dt.timedelta(days=90)
    downloads = (
        dict(
            api.session.execute(
                select(Download.item_id, func.count(Download.id))
                .where(Download.item_id.in_(ids), Download.created_at >= since)
                .group_by(Download.item_id)
            ).all()
        )
        if ids
        else {}
    )
    tiers, partners = service.access_ids(ids)
    tier_names = {
        t.id: api.localized(t.name, t.name_i18n)
        for t in api.session.scalars(
            select(api.Tier).where(api.Tier.id.in_({t for ts in tiers.values() for t in ts}))
        )
    }
    folders = service.folder_tree()
    return api.page(
        "content/vendor/list.html",
        tier_names={i: [tier_names[t] for t in ts if t in tier_names] for i, ts in tiers.items()},
        partner_counts={i: len(ps) for i, ps in partners.items()},
        entries=service.entries(items, api.current_locale(), now=now),
        downloads=downloads,
        statuses={i.id: _status(i, now) for i in items},
        folders={f.id: f for f in folders},
        folder_choices=_folder_choices(folders),
        q=q,
        status_filter=status,
        folder_id=folder_id,
        total=total,
        page_no=page_no,
        pages=max(1, (total + ADMIN_PER_PAGE - 1) // ADMIN_PER_PAGE),
        page_url=lambda n: url_for(
            "content.manage", q=q or None, status=status or None, folder=folder_id or None, page=n
        ),
    )


# --- audience (htmx) ---------------------------------------------------------------------


def _int_list(name: str) -> list[int]:
    return api.ids_arg(name, limit=5000)


def _date_arg(name: str) -> dt.date | None:
    return api.date_arg(name)


@bp.route("/manage/audience")
@access.manager_required
def audience() -> Any:
    """How many partner users would see an item with the settings in the form — the
    number shown live while the vendor edits visibility."""
    programs = [p.id for p in _programs()]
    pid = api.id_arg("program_id")
    if pid not in programs:
        pid = programs[0] if programs else None
    # none given: everyone (the form's default); an unknown one: the safest, hidden
    unknown = "hidden" if "visibility" in request.args else "everyone"
    visibility = api.choice_arg("visibility", VISIBILITIES, unknown)
    users, companies = api.audience_reach(
        pid, visibility, _int_list("tier_ids"), _int_list("partner_ids")
    )
    return api.render_block(
        "content/_audience.html",
        "audience",
        users=users,
        companies=companies,
        visibility=visibility,
        publish_on=_date_arg("publish_at"),
        until=_date_arg("expires_at"),
    )


# --- create ------------------------------------------------------------------------------


@bp.route("/manage/new", methods=["GET", "POST"])
@access.manager_required
def new_item() -> Any:
    kind = request.values.get("kind") or "file"
    if kind not in ("file", "link", "page"):
        kind = "file"
    form = ItemForm()
    form.kind.choices = api.select_choices(
        [("file", _("File")), ("link", _("Link")), ("page", _("Page"))]
    )
    form.language.choices = _language_choices()
    pid = _setup_access(form)
    if request.method == "GET":
        form.kind.data = kind
        form.program_id.data = pid
        form.language.data = service.base_language(api.current_locale())
        form.visibility.data = service.settings_for(pid).get("default_visibility") or "everyone"
        form.folder_id.data = api.id_arg("folder") or 0
    status = 200
    if request.method == "POST":
        status = 422
        kind = form.kind.data if form.kind.data in ("file", "link", "page") else "file"
        if form.validate_on_submit():
            upload, stored, err = _checked_upload(
                form, form.program_id.data, required=kind == "file"
            )
            if err is None:
                it = Item(
                    program_id=form.program_id.data,
                    kind=kind,
                    default_language=form.language.data,
                    created_by_id=_user_id(),
                )
                api.session.add(it)
                api.session.flush()
                _apply_access(form, it)
                if _thumbnail(form, it):
                    tr = Translation(
                        item_id=it.id,
                        language=form.language.data,
                        title=form.title.data,
                        description=form.description.data or "",
                        url=form.url.data if kind == "link" else "",
                        body=form.body.data if kind == "page" else "",
                    )
                    api.session.add(tr)
                    api.session.flush()
                    version = None
                    if upload is not None:
                        version = service.add_version(
                            it, tr, stored, upload.filename, user_id=_user_id()
                        )
                    service.index_items([it.id])
                    api.audit(
                        "content.item_created", "content_item", str(it.id), after=_snapshot(it)
                    )
                    _extract_later(version)
                    return _committed(
                        _("“%(title)s” was added to the library.", title=tr.title),
                        "content.manage_item",
                        item_id=it.id,
                    )
                api.session.rollback()
                status = 422
            else:
                status = err
    return api.page(
        "content/vendor/new.html",
        form=form,
        kind=kind,
        status=status,
        audience_users=api.audience_reach(
            form.program_id.data,
            form.visibility.data or "everyone",
            form.tier_ids.data or [],
            form.partner_ids.data or [],
        ),
        max_mb=service.max_upload_bytes(form.program_id.data) // 1048576,
    )


# --- one item ----------------------------------------------------------------------------


@bp.route("/manage/items/<id:item_id>")
@access.manager_required
def manage_item(item_id: int) -> Any:
    it = access.get_or_404(Item, item_id)
    now = api.utcnow()
    translations = sorted(
        api.session.scalars(select(Translation).where(Translation.item_id == it.id)),
        key=lambda t: (t.language != it.default_language, t.language),
    )
    versions = list(
        api.session.scalars(
            select(Version).where(Version.item_id == it.id).order_by(Version.number.desc())
        )
    )
    by_tr: dict[int, list[Version]] = {}
    for v in versions:
        by_tr.setdefault(v.translation_id, []).append(v)
    tiers, partners = service.access_ids([it.id])
    tier_names = [
        api.localized(t.name, t.name_i18n)
        for t in api.session.scalars(
            select(api.Tier).where(api.Tier.id.in_(tiers.get(it.id, []))).order_by(api.Tier.rank)
        )
    ]
    partner_names = list(
        api.session.scalars(
            select(api.Partner.name)
            .where(api.Partner.id.in_(partners.get(it.id, [])))
            .order_by(api.Partner.name)
        )
    )
    users, companies = api.audience_reach(
        it.program_id, it.visibility, tiers.get(it.id, []), partners.get(it.id, [])
    )
    since = now - dt.timedelta(days=90)
    per_partner = api.session.execute(
        select(
            api.Partner.name,
            func.count(Download.id),
            func.max(Download.created_at),
            func.max(Download.version_number),
        )
        .join(api.Partner, api.Partner.id == Download.partner_id)
        .where(Download.item_id == it.id)
        .group_by(api.Partner.id, api.Partner.name)
        .order_by(func.count(Download.id).desc(), api.Partner.name)
        .limit(100)
    ).all()
    total, recent_n = api.session.execute(
        select(
            func.count(Download.id),
            func.count(Download.id).filter(Download.created_at >= since),
        ).where(Download.item_id == it.id)
    ).one()
    log = api.session.execute(
        select(Download, api.User.name, api.Partner.name)
        .join(api.User, api.User.id == Download.user_id)
        .join(api.Partner, api.Partner.id == Download.partner_id)
        .where(Download.item_id == it.id)
        .order_by(Download.created_at.desc(), Download.id.desc())
        .limit(20)
    ).all()
    uploaders = dict(
        api.session.execute(
            select(api.User.id, api.User.name).where(
                api.User.id.in_({v.created_by_id for v in versions if v.created_by_id})
            )
        ).all()
    )
    folders = service.folder_tree()
    entry = service.entries([it], api.current_locale(), now=now)[0]
    sample_partners = list(
        api.session.scalars(
            select(api.Partner)
            .where(api.Partner.program_id == it.program_id)
            .order_by(api.Partner.name)
            .limit(200)
        )
    )
    return api.page(
        "content/vendor/item.html",
        item=it,
        entry=entry,
        item_status=_status(it, now),
        translations=translations,
        versions=by_tr,
        tier_names=tier_names,
        partner_names=partner_names,
        users=users,
        companies=companies,
        per_partner=per_partner,
        total=int(total or 0),
        recent_n=int(recent_n or 0),
        log=log,
        uploaders=uploaders,
        path=[f for f in folders if f.id == it.folder_id],
        autonym=service.autonym,
        zones=cobrand.clean_zones(it.cobrand_zones or []),
        sample_partners=sample_partners,
        program=api.session.get(api.Program, it.program_id),
        can_cobrand=any(
            v.file_type == "pdf"
            for tr in translations
            for v in by_tr.get(tr.id, [])
            if v.id == tr.current_version_id
        ),
    )


@bp.route("/manage/items/<id:item_id>/edit", methods=["GET", "POST"])
@access.manager_required
def edit_item(item_id: int) -> Any:
    it = access.get_or_404(Item, item_id)
    form = EditItemForm()
    langs = list(
        api.session.scalars(select(Translation.language).where(Translation.item_id == it.id))
    )
    form.default_language.choices = api.select_choices(
        (c, service.autonym(c)) for c in sorted(langs)
    )
    if request.method == "GET":
        tiers, partners = service.access_ids([it.id])
        form.program_id.data = it.program_id
        form.folder_id.data = it.folder_id or 0
        form.product.data = it.product
        form.tags.data = ", ".join(service.entries([it], None)[0].tags)
        form.visibility.data = it.visibility
        form.tier_ids.data = tiers.get(it.id, [])
        form.partner_ids.data = partners.get(it.id, [])
        form.publish_at.data = _local_date(it.publish_at)
        form.expires_at.data = _local_date(it.expires_at, end=True)
        form.cobrandable.data = it.cobrandable
        form.default_language.data = it.default_language
    _setup_access(form, it.program_id)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            before = _snapshot(it)
            _apply_access(form, it)
            if form.default_language.data in langs:
                it.default_language = form.default_language.data
            if form.remove_thumbnail.data:
                service.remove_thumbnail(it)
            if _thumbnail(form, it):
                it.updated_at = api.utcnow()
                service.index_items([it.id])
                api.audit(
                    "content.item_updated",
                    "content_item",
                    str(it.id),
                    before=before,
                    after=_snapshot(it),
                )
                return _committed(
                    _("Saved. Partners see the change on their next click."),
                    "content.manage_item",
                    item_id=it.id,
                )
            api.session.rollback()
    users, companies = api.audience_reach(
        form.program_id.data,
        form.visibility.data or "everyone",
        form.tier_ids.data or [],
        form.partner_ids.data or [],
    )
    return api.page(
        "content/vendor/edit.html",
        form=form,
        item=it,
        entry=service.entries([it], api.current_locale())[0],
        status=status,
        audience_users=(users, companies),
    )


@bp.route("/manage/items/<id:item_id>/delete", methods=["POST"])
@access.admin_manager_required
def delete_item(item_id: int) -> Any:
    it = access.get_or_404(Item, item_id)
    entry = service.entries([it], api.current_locale())[0]
    api.audit("content.item_deleted", "content_item", str(it.id), before=_snapshot(it))
    service.delete_item(it)
    return _committed(_("“%(title)s” was deleted.", title=entry.title), "content.manage")


# --- translations and versions -----------------------------------------------------------


@bp.route("/manage/items/<id:item_id>/translations/new", methods=["GET", "POST"])
@access.manager_required
def new_translation(item_id: int) -> Any:
    it = access.get_or_404(Item, item_id)
    existing = set(
        api.session.scalars(select(Translation.language).where(Translation.item_id == it.id))
    )
    form = TranslationForm()
    form.item_kind = it.kind
    form.language.choices = _language_choices(existing)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            upload, stored, err = _checked_upload(form, it.program_id, required=it.kind == "file")
            if err is None:
                tr = Translation(
                    item_id=it.id,
                    language=form.language.data,
                    title=form.title.data,
                    description=form.description.data or "",
                    url=form.url.data or "" if it.kind == "link" else "",
                    body=form.body.data or "" if it.kind == "page" else "",
                )
                api.session.add(tr)
                api.session.flush()
                version = None
                if upload is not None:
                    version = service.add_version(
                        it, tr, stored, upload.filename, user_id=_user_id()
                    )
                it.updated_at = api.utcnow()
                service.index_items([it.id])
                api.audit(
                    "content.translation_added",
                    "content_item",
                    str(it.id),
                    after={"language": tr.language},
                )
                _extract_later(version)
                return _committed(
                    _(
                        "The %(language)s version was added.",
                        language=service.autonym(tr.language),
                    ),
                    "content.manage_item",
                    item_id=it.id,
                )
            status = err
    return api.page(
        "content/vendor/translation.html",
        form=form,
        item=it,
        translation=None,
        entry=service.entries([it], api.current_locale())[0],
        status=status,
        max_mb=service.max_upload_bytes(it.program_id) // 1048576,
    )


@bp.route("/manage/items/<id:item_id>/translations/<lang>", methods=["GET", "POST"])
@access.manager_required
def edit_translation(item_id: int, lang: str) -> Any:
    it = access.get_or_404(Item, item_id)
    tr = access.translation_or_404(it, lang)
    form = TranslationForm(obj=tr if request.method == "GET" else None)
    form.item_kind = it.kind
    form.language.choices = _language_choices()
    form.language.data = tr.language
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            tr.title = form.title.data
            tr.description = form.description.data or ""
            if it.kind == "link":
                tr.url = form.url.data
            if it.kind == "page":
                tr.body = form.body.data
            tr.updated_at = it.updated_at = api.utcnow()
            service.index_items([it.id])
            api.audit(
                "content.translation_updated",
                "content_item",
                str(it.id),
                after={"language": tr.language},
            )
            return _committed(_("Saved."), "content.manage_item", item_id=it.id)
    return api.page(
        "content/vendor/translation.html",
        form=form,
        item=it,
        translation=tr,
        entry=service.entries([it], api.current_locale())[0],
        status=status,
        max_mb=0,
    )


@bp.route("/manage/items/<id:item_id>/translations/<lang>/delete", methods=["POST"])
@access.manager_required
def delete_translation(item_id: int, lang: str) -> Any:
    it = access.get_or_404(Item, item_id)
    tr = access.translation_or_404(it, lang)
    count = api.session.scalar(
        select(func.count(Translation.id)).where(Translation.item_id == it.id)
    )
    if (count or 0) <= 1:
        flash(_("An item needs at least one language. Delete the item instead."), "error")
        return redirect(url_for("content.manage_item", item_id=it.id))
    service.delete_translation(it, tr)
    api.audit("content.translation_deleted", "content_item", str(it.id), before={"language": lang})
    return _committed(
        _("The %(language)s version was removed.", language=service.autonym(tr.language)),
        "content.manage_item",
        item_id=it.id,
    )


@bp.route("/manage/items/<id:item_id>/versions/new", methods=["GET", "POST"])
@access.manager_required
def new_version(item_id: int) -> Any:
    it = access.get_or_404(Item, item_id)
    if it.kind != "file":
        api.not_found()
    tr = access.translation_or_404(it, api.text_arg("lang", 16) or it.default_language)
    form = VersionForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            upload, stored, err = _checked_upload(form, it.program_id, required=True)
            if err is None:
                version = service.add_version(
                    it,
                    tr,
                    stored,
                    upload.filename,
                    user_id=_user_id(),
                    note=form.note.data or "",
                )
                service.index_items([it.id])
                api.audit(
                    "content.version_added",
                    "content_item",
                    str(it.id),
                    after={
                        "language": tr.language,
                        "version": version.number,
                        "sha256": version.sha256,
                    },
                )
                _extract_later(version)
                return _committed(
                    _("Version %(n)s is now the one partners get.", n=version.number),
                    "content.manage_item",
                    item_id=it.id,
                )
            status = err
    return api.page(
        "content/vendor/version.html",
        form=form,
        item=it,
        translation=tr,
        autonym=service.autonym,
        status=status,
        max_mb=service.max_upload_bytes(it.program_id) // 1048576,
    )


@bp.route("/manage/versions/<id:version_id>/restore", methods=["POST"])
@access.manager_required
def restore_version(version_id: int) -> Any:
    old = access.get_or_404(Version, version_id)
    tr = api.session.get(Translation, old.translation_id)
    if tr is None or tr.current_version_id == old.id:
        flash(_("That version is already the current one."), "info")
        return redirect(url_for("content.manage_item", item_id=old.item_id))
    version = service.restore_version(old, user_id=_user_id())
    service.index_items([old.item_id])
    api.audit(
        "content.version_restored",
        "content_item",
        str(old.item_id),
        after={"language": tr.language, "restored": old.number, "version": version.number},
    )
    _extract_later(version)
    return _committed(
        _("Version %(old)s was restored as version %(n)s.", old=old.number, n=version.number),
        "content.manage_item",
        item_id=old.item_id,
    )


@bp.route("/manage/versions/<id:version_id>/file")
@access.manager_required
def version_file(version_id: int) -> Any:
    """Any version's file for vendor staff (not counted as a partner download)."""
    return responses.version_file(access.get_or_404(Version, version_id), attachment=True)


# --- co-branding -------------------------------------------------------------------------


@bp.route("/manage/items/<id:item_id>/zones", methods=["POST"])
@access.manager_required
def save_zones(item_id: int) -> Any:
    it = access.get_or_404(Item, item_id)
    if request.form.get("preset") == "footer":
        zones = [*cobrand.clean_zones(it.cobrand_zones or []), cobrand.footer_band()]
    else:
        f = request.form
        rows = zip(
            f.getlist("page"),
            f.getlist("x"),
            f.getlist("y"),
            f.getlist("width"),
            f.getlist("height"),
            f.getlist("style"),
            strict=False,
        )
        zones = [
            {"page": p, "x": x, "y": y, "width": w, "height": h, "style": s}
            for p, x, y, w, h, s in rows
            if str(x).strip() and str(w).strip()
        ]
    before = list(it.cobrand_zones or [])
    it.cobrand_zones = cobrand.clean_zones(zones)
    if it.cobrand_zones and not it.cobrandable and it.kind == "file":
        it.cobrandable = True
    it.updated_at = api.utcnow()
    api.audit(
        "content.cobrand_zones",
        "content_item",
        str(it.id),
        before={"zones": before},
        after={"zones": it.cobrand_zones},
    )
    api.session.commit()
    flash(
        ngettext(
            "%(num)s co-branding zone saved.",
            "%(num)s co-branding zones saved.",
            len(it.cobrand_zones),
        ),
        "success",
    )
    return redirect(url_for("content.manage_item", item_id=it.id) + "#cobrand")


@bp.route("/manage/items/<id:item_id>/cobrand-preview")
@access.manager_required
def cobrand_preview(item_id: int) -> Any:
    """The co-branded PDF as one partner would get it (not counted as a download)."""
    it = access.get_or_404(Item, item_id)
    entry = service.entries([it], api.current_locale())[0]
    version = entry.version
    partner_id = api.id_arg("partner_id")
    partner = api.session.get(api.Partner, partner_id) if partner_id else None
    if version is None or version.file_type != "pdf" or partner is None:
        api.not_found()
    path = api.stored_file_path(FILE_KIND, version.stored_name)
    if path is None:
        api.not_found()
    data = cobrand.cobrand_pdf(path, it.cobrand_zones or [], cobrand.stamp_for(partner))
    return responses.pdf_attachment(data, version.filename)


# --- folders -----------------------------------------------------------------------------


@bp.route("/manage/folders", methods=["GET", "POST"])
@access.manager_required
def folders() -> Any:
    tree = service.folder_tree()
    form = FolderForm()
    form.parent_id.choices = api.select_choices([(0, _("Top level")), *_folder_choices(tree)])
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            folder = Folder(
                name=form.name.data,
                parent_id=form.parent_id.data or None,
                description=form.description.data or "",
                position=form.position.data or 0,
            )
            api.session.add(folder)
            api.session.flush()
            api.audit(
                "content.folder_created",
                "content_folder",
                str(folder.id),
                after={"name": folder.name},
            )
            return _committed(_("Folder “%(name)s” created.", name=folder.name), "content.folders")
    counts = dict(
        api.session.execute(
            select(Item.folder_id, func.count(Item.id))
            .where(Item.folder_id.is_not(None))
            .group_by(Item.folder_id)
        ).all()
    )
    return api.page(
        "content/vendor/folders.html",
        form=form,
        rows=_folder_choices(tree),
        by_id={f.id: f for f in tree},
        counts=counts,
        children={f.parent_id for f in tree},
        status=status,
    )


@bp.route("/manage/folders/<id:folder_id>", methods=["GET", "POST"])
@access.manager_required
def edit_folder(folder_id: int) -> Any:
    folder = access.get_or_404(Folder, folder_id)
    tree = service.folder_tree()
    form = FolderForm(obj=folder if request.method == "GET" else None)
    # a folder can't move into itself or below itself
    below = {folder.id}
    changed = True
    while changed:
        changed = False
        for f in tree:
            if f.parent_id in below and f.id not in below:
                below.add(f.id)
                changed = True
    form.parent_id.choices = api.select_choices(
        [(0, _("Top level")), *[(i, n) for i, n in _folder_choices(tree) if i not in below]]
    )
    if request.method == "GET":
        form.parent_id.data = folder.parent_id or 0
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            folder.name = form.name.data
            folder.parent_id = form.parent_id.data or None
            folder.description = form.description.data or ""
            folder.position = form.position.data or 0
            api.audit(
                "content.folder_updated",
                "content_folder",
                str(folder.id),
                after={"name": folder.name},
            )
            return _committed(_("Saved."), "content.folders")
    return api.page("content/vendor/folder.html", form=form, folder=folder, status=status)


@bp.route("/manage/folders/<id:folder_id>/delete", methods=["POST"])
@access.manager_required
def delete_folder(folder_id: int) -> Any:
    folder = access.get_or_404(Folder, folder_id)
    busy = api.session.scalar(
        select(func.count(Item.id)).where(Item.folder_id == folder.id)
    ) or api.session.scalar(select(func.count(Folder.id)).where(Folder.parent_id == folder.id))
    if busy:
        flash(_("Only empty folders can be deleted. Move its items and folders first."), "error")
        return redirect(url_for("content.folders"))
    api.audit(
        "content.folder_deleted", "content_folder", str(folder.id), before={"name": folder.name}
    )
    api.session.delete(folder)
    return _committed(_("Folder deleted."), "content.folders")


# --- collections -------------------------------------------------------------------------


def _item_choices() -> list[Any]:
    items = list(api.session.scalars(select(Item).order_by(Item.updated_at.desc()).limit(1000)))
    return api.select_choices(
        (e.item.id, e.title) for e in service.entries(items, api.current_locale())
    )


@bp.route("/manage/collections", methods=["GET"])
@access.manager_required
def collections() -> Any:
    rows = api.session.execute(
        select(Collection, func.count(CollectionItem.id))
        .outerjoin(CollectionItem, CollectionItem.collection_id == Collection.id)
        .group_by(Collection.id)
        .order_by(Collection.position, Collection.title)
    ).all()
    return api.page("content/vendor/collections.html", rows=rows)


def _save_collection(form: CollectionForm, coll: Collection) -> None:
    coll.title = form.title.data
    coll.description = form.description.data or ""
    coll.position = form.position.data or 0
    api.session.flush()
    api.session.execute(delete(CollectionItem).where(CollectionItem.collection_id == coll.id))
    valid = set(api.session.scalars(select(Item.id)))
    for pos, item_id in enumerate(dict.fromkeys(form.item_ids.data or [])):
        if item_id in valid:
            api.session.add(CollectionItem(collection_id=coll.id, item_id=item_id, position=pos))


@bp.route("/manage/collections/new", methods=["GET", "POST"])
@access.manager_required
def new_collection() -> Any:
    form = CollectionForm()
    form.item_ids.choices = _item_choices()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            coll = Collection(title=form.title.data)
            api.session.add(coll)
            _save_collection(form, coll)
            api.audit(
                "content.collection_created",
                "content_collection",
                str(coll.id),
                after={"title": coll.title},
            )
            return _committed(
                _("Collection “%(title)s” created.", title=coll.title), "content.collections"
            )
    return api.page("content/vendor/collection.html", form=form, collection=None, status=status)


@bp.route("/manage/collections/<id:collection_id>", methods=["GET", "POST"])
@access.manager_required
def edit_collection(collection_id: int) -> Any:
    coll = access.get_or_404(Collection, collection_id)
    form = CollectionForm(obj=coll if request.method == "GET" else None)
    form.item_ids.choices = _item_choices()
    if request.method == "GET":
        form.item_ids.data = list(
            api.session.scalars(
                select(CollectionItem.item_id)
                .where(CollectionItem.collection_id == coll.id)
                .order_by(CollectionItem.position)
            )
        )
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            _save_collection(form, coll)
            api.audit(
                "content.collection_updated",
                "content_collection",
                str(coll.id),
                after={"title": coll.title},
            )
            return _committed(_("Saved."), "content.collections")
    return api.page("content/vendor/collection.html", form=form, collection=coll, status=status)


@bp.route("/manage/collections/<id:collection_id>/delete", methods=["POST"])
@access.manager_required
def delete_collection(collection_id: int) -> Any:
    coll = access.get_or_404(Collection, collection_id)
    api.audit(
        "content.collection_deleted",
        "content_collection",
        str(coll.id),
        before={"title": coll.title},
    )
    api.session.delete(coll)
    return _committed(_("Collection deleted."), "content.collections")


# --- report ------------------------------------------------------------------------------


@bp.route("/manage/report")
@access.manager_required
def report() -> Any:
    now = api.utcnow()
    days = api.int_arg("days", 90, min=30, max=365)
    if days not in (30, 90, 365):
        days = 90
    since = now - dt.timedelta(days=days)
    top = api.session.execute(
        select(
            Download.item_id,
            func.count(Download.id),
            func.count(func.distinct(Download.partner_id)),
            func.max(Download.created_at),
        )
        .where(Download.created_at >= since)
        .group_by(Download.item_id)
        .order_by(func.count(Download.id).desc(), Download.item_id)
        .limit(25)
    ).all()
    items = {
        i.id: i for i in api.session.scalars(select(Item).where(Item.id.in_([r[0] for r in top])))
    }
    titles = {e.item.id: e for e in service.entries(list(items.values()), api.current_locale())}
    by_partner = api.session.execute(
        select(
            api.Partner.id,
            api.Partner.name,
            func.count(Download.id),
            func.count(func.distinct(Download.item_id)),
            func.max(Download.created_at),
        )
        .join(api.Partner, api.Partner.id == Download.partner_id)
        .where(Download.created_at >= since)
        .group_by(api.Partner.id, api.Partner.name)
        .order_by(func.count(Download.id).desc(), api.Partner.name)
        .limit(100)
    ).all()
    totals = api.session.execute(
        select(
            func.count(Download.id),
            func.count(func.distinct(Download.partner_id)),
            func.count(Download.id).filter(Download.cobranded.is_(True)),
        ).where(Download.created_at >= since)
    ).one()
    silent = int(
        api.session.scalar(
            select(func.count(api.Partner.id)).where(
                api.Partner.status == "active",
                ~api.Partner.id.in_(
                    select(Download.partner_id).where(Download.created_at >= since)
                ),
            )
        )
        or 0
    )
    return api.page(
        "content/vendor/report.html",
        top=[(titles.get(r[0]), r[1], r[2], r[3]) for r in top if r[0] in titles],
        by_partner=by_partner,
        totals=totals,
        silent=silent,
        days=days,
    )
