"""Content-library tables (all prefixed ``content_``, all tenant-scoped).

* :class:`Folder` — a tree of folders; a folder is shown to a partner only when it (or a
  sub-folder) holds an item the partner may see.
* :class:`Item` — one library entry: a file, a link or a page, with its visibility (the
  program's partners, chosen tiers, chosen partner companies, or hidden), publish and
  expiry dates, tags, product and co-branding zones.
* :class:`Translation` — the item in one language (title, description, page text or link,
  and its own file history). Partners get the translation in their language first.
* :class:`Version` — one uploaded file of a translation. Files are immutable and stored
  under generated names; a new upload or a restore adds a version, nothing is overwritten.
* :class:`Download` — who downloaded which version when (previews aren't counted).
* :class:`Collection` — a curated list of items ("playbook"), shown when it holds
  something the viewer may see.

Every foreign key is composite ``(tenant_id, x_id)`` so a row can never point into
another tenant.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from portalis import api

KINDS = ("file", "link", "page")
#: who sees an item: the portal's audience choices (see ``api.audience_clause``)
VISIBILITIES = api.VISIBILITIES


def _fk(column: str, table: str, *, ondelete: str | None = None) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"], ondelete=ondelete
    )


#: The folder of the core's file storage that ``Version.stored_name`` and
#: ``Item.thumbnail`` name files in (``<UPLOAD_DIR>/<tenant>/content/``).
FILE_KIND = "content"


class Folder(api.TenantScoped, api.Base):
    __tablename__ = "content_folders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        _fk("parent_id", "content_folders"),
        Index("ix_content_folders_parent", "tenant_id", "parent_id", "position"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(api.BigId)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)


class Item(api.TenantScoped, api.Base):
    __tablename__ = "content_items"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        _fk("program_id", "programs", ondelete="CASCADE"),
        _fk("folder_id", "content_folders"),
        _fk("created_by_id", "users"),
        # partner lists: WHERE tenant AND program AND visibility … ORDER BY updated_at
        Index("ix_content_items_program", "tenant_id", "program_id", "visibility", "updated_at"),
        Index("ix_content_items_folder", "tenant_id", "folder_id"),
        # "new and updated": walk newest-first and stop after a few visible items
        # (the benchmark's library page at 110,000 items: 1.3 s → 0.69 s)
        Index("ix_content_items_recent", "tenant_id", "updated_at", "id"),
        # the schedule job: items whose publish/expiry moment passed since the last index
        Index("ix_content_items_schedule", "tenant_id", "search_live", "publish_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    program_id: Mapped[int] = mapped_column(api.BigId)
    folder_id: Mapped[int | None] = mapped_column(api.BigId)
    #: "file", "link" or "page"
    kind: Mapped[str] = mapped_column(String(8))
    #: The language partners get when theirs isn't there.
    default_language: Mapped[str] = mapped_column(String(16), default="en")
    product: Mapped[str] = mapped_column(String(100), default="")
    #: "everyone" (the program's partners), "tiers", "partners" or "hidden"
    visibility: Mapped[str] = mapped_column(String(10), default="everyone")
    publish_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    cobrandable: Mapped[bool] = mapped_column(default=False)
    #: [{"page": 0 (= every page) | n, "x", "y", "width", "height" (PDF points), "style"}]
    cobrand_zones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: Stored name of the thumbnail (PNG), if any.
    thumbnail: Mapped[str | None] = mapped_column(String(40))
    #: Whether the search index currently shows it to partners (see jobs.sync_schedule).
    search_live: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(api.BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)

    def is_live(self, now: dt.datetime) -> bool:
        """Published and not expired (visibility aside)."""
        return (self.publish_at is None or self.publish_at <= now) and (
            self.expires_at is None or self.expires_at > now
        )


class ItemTier(api.TenantScoped, api.Base):
    """A tier that may see an item with visibility "tiers"."""

    __tablename__ = "content_item_tiers"
    __table_args__ = (
        UniqueConstraint("item_id", "tier_id"),
        _fk("item_id", "content_items", ondelete="CASCADE"),
        _fk("tier_id", "tiers", ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(api.BigId, index=True)
    tier_id: Mapped[int] = mapped_column(api.BigId)


class ItemPartner(api.TenantScoped, api.Base):
    """A partner company that may see an item with visibility "partners"."""

    __tablename__ = "content_item_partners"
    __table_args__ = (
        UniqueConstraint("item_id", "partner_id"),
        _fk("item_id", "content_items", ondelete="CASCADE"),
        _fk("partner_id", "partners", ondelete="CASCADE"),
        Index("ix_content_item_partners_partner", "tenant_id", "partner_id"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(api.BigId, index=True)
    partner_id: Mapped[int] = mapped_column(api.BigId)


class ItemTag(api.TenantScoped, api.Base):
    __tablename__ = "content_item_tags"
    __table_args__ = (
        UniqueConstraint("item_id", "tag"),
        _fk("item_id", "content_items", ondelete="CASCADE"),
        Index("ix_content_item_tags_tag", "tenant_id", "tag"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(api.BigId, index=True)
    tag: Mapped[str] = mapped_column(String(50))


class Translation(api.TenantScoped, api.Base):
    __tablename__ = "content_translations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("item_id", "language"),
        _fk("item_id", "content_items", ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(api.BigId, index=True)
    language: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Markdown of a page item.
    body: Mapped[str] = mapped_column(Text, default="")
    #: Target of a link item (http/https only).
    url: Mapped[str] = mapped_column(String(2000), default="")
    current_version_id: Mapped[int | None] = mapped_column(api.BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)


class Version(api.TenantScoped, api.Base):
    __tablename__ = "content_versions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "id"),
        UniqueConstraint("translation_id", "number"),
        _fk("item_id", "content_items", ondelete="CASCADE"),
        _fk("translation_id", "content_translations", ondelete="CASCADE"),
        _fk("created_by_id", "users"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(api.BigId, index=True)
    translation_id: Mapped[int] = mapped_column(api.BigId, index=True)
    number: Mapped[int]
    #: Generated file name under instance/uploads/<tenant>/content/ (never user input).
    stored_name: Mapped[str] = mapped_column(String(64))
    #: The uploader's file name, sanitised, with the extension of the detected type.
    filename: Mapped[str] = mapped_column(String(255))
    #: Detected from the content: pdf, docx, pptx, xlsx, png, jpeg, gif, webp, mp4, webm.
    file_type: Mapped[str] = mapped_column(String(8))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int | None]
    #: Text extracted for search (PDF, DOCX, PPTX, XLSX), filled by a background job.
    text: Mapped[str | None] = mapped_column(Text)
    #: "pending", "done", "failed" or "none" (nothing to extract).
    text_status: Mapped[str] = mapped_column(String(8), default="none")
    #: E.g. "Restored from version 2" (stored in the uploader's words, shown as data).
    note: Mapped[str] = mapped_column(String(200), default="")
    restored_from: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(api.BigId)
    created_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)


class Download(api.TenantScoped, api.Base):
    """One partner download (or link opened). Previews are not recorded."""

    __tablename__ = "content_downloads"
    __table_args__ = (
        _fk("item_id", "content_items", ondelete="CASCADE"),
        _fk("user_id", "users", ondelete="CASCADE"),
        _fk("partner_id", "partners", ondelete="CASCADE"),
        Index("ix_content_downloads_item", "tenant_id", "item_id", "created_at"),
        Index("ix_content_downloads_partner", "tenant_id", "partner_id", "created_at"),
        Index("ix_content_downloads_user", "tenant_id", "user_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    item_id: Mapped[int] = mapped_column(api.BigId)
    translation_id: Mapped[int | None] = mapped_column(api.BigId)
    version_id: Mapped[int | None] = mapped_column(api.BigId)
    version_number: Mapped[int | None]
    user_id: Mapped[int] = mapped_column(api.BigId)
    partner_id: Mapped[int] = mapped_column(api.BigId)
    language: Mapped[str] = mapped_column(String(16), default="")
    cobranded: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)


class Collection(api.TenantScoped, api.Base):
    __tablename__ = "content_collections"
    __table_args__ = (UniqueConstraint("tenant_id", "id"),)

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=api.utcnow)


class CollectionItem(api.TenantScoped, api.Base):
    __tablename__ = "content_collection_items"
    __table_args__ = (
        UniqueConstraint("collection_id", "item_id"),
        _fk("collection_id", "content_collections", ondelete="CASCADE"),
        _fk("item_id", "content_items", ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(api.BigId, primary_key=True)
    collection_id: Mapped[int] = mapped_column(api.BigId, index=True)
    item_id: Mapped[int] = mapped_column(api.BigId, index=True)
    position: Mapped[int] = mapped_column(default=0)
