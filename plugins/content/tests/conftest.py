"""Fixtures for the content-library tests. ``world``, ``client_as``, ``db_session`` …
come from the ``portalis`` pytest plugin; these add shortcuts to build library items
quickly (through the plugin's own service code)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from content_helpers import make_pdf

from portalis import api


@pytest.fixture
def library(world: Any) -> Callable[..., int]:
    """``library(title, **options)`` → id of an item created with the plugin's service code
    (committed, indexed, text extracted)."""
    from portalis_content import service
    from portalis_content.models import Folder, Item, Translation

    def make(
        title: str = "Cloud Backup datasheet",
        *,
        visibility: str = "everyone",
        tiers: tuple[str, ...] = (),
        partners: tuple[str, ...] = (),
        kind: str = "file",
        data: bytes | None = None,
        filename: str = "datasheet.pdf",
        language: str = "en",
        translations: dict[str, tuple[str, bytes | None]] | None = None,
        publish_at: dt.datetime | None = None,
        expires_at: dt.datetime | None = None,
        folder: str | None = None,
        parent_folder: str | None = None,
        cobrandable: bool = False,
        zones: list[dict[str, Any]] | None = None,
        program_id: int | None = None,
        url: str = "https://example.com/",
        body: str = "Some **page** text.",
    ) -> int:
        with api.tenant_scope(world.tenant.id):
            folder_id = None
            if folder:
                parent_id = None
                if parent_folder:
                    parent = Folder(name=parent_folder)
                    api.session.add(parent)
                    api.session.flush()
                    parent_id = parent.id
                f = Folder(name=folder, parent_id=parent_id)
                api.session.add(f)
                api.session.flush()
                folder_id = f.id
            item = Item(
                program_id=program_id or world.program.id,
                folder_id=folder_id,
                kind=kind,
                default_language=language,
                visibility=visibility,
                publish_at=publish_at,
                expires_at=expires_at,
                cobrandable=cobrandable,
                cobrand_zones=zones or [],
            )
            api.session.add(item)
            api.session.flush()
            service.set_access(
                item,
                [world.tiers[t].id for t in tiers],
                [world.partners[p].id for p in partners],
            )
            langs = {language: (title, data)}
            langs.update(translations or {})
            for lang, (tr_title, tr_data) in langs.items():
                tr = Translation(
                    item_id=item.id,
                    language=lang,
                    title=tr_title,
                    url=url if kind == "link" else "",
                    body=body if kind == "page" else "",
                )
                api.session.add(tr)
                api.session.flush()
                if kind == "file":
                    payload = tr_data if tr_data is not None else make_pdf(f"{tr_title} body text")
                    stored = service.store_file(io.BytesIO(payload))
                    version = service.add_version(item, tr, stored, filename, user_id=None)
                    service.extract_now(version)
            service.index_items([item.id])
            api.session.commit()
            return item.id

    return make


@pytest.fixture
def set_tier(world: Any) -> Callable[[str, str], None]:
    def change(partner: str, tier: str) -> None:
        with api.tenant_scope(world.tenant.id):
            p = api.session.get(api.Partner, world.partners[partner].id)
            p.tier_id = world.tiers[tier].id
            api.session.commit()

    return change


@pytest.fixture
def set_locale(world: Any) -> Callable[[str, str | None], None]:
    def change(user: str, locale: str | None) -> None:
        with api.tenant_scope(world.tenant.id):
            u = api.session.get(api.User, world.users[user].id)
            u.locale = locale
            api.session.commit()

    return change
