"""Stored files follow the transaction that names them: a rolled-back upload leaves no
file behind, and a deleted item's files go only once the deletion is committed."""

from __future__ import annotations

import io

from content_helpers import make_pdf, make_png, stored_files
from sqlalchemy import select

from portalis import api


def _new_item(world, title="Draft brochure"):
    from portalis_content.models import Item, Translation

    item = Item(program_id=world.program.id, kind="file", default_language="en")
    api.session.add(item)
    api.session.flush()
    tr = Translation(item_id=item.id, language="en", title=title)
    api.session.add(tr)
    api.session.flush()
    return item, tr


def _add_version(item, tr, data, filename="brochure.pdf"):
    from portalis_content import service

    stored = service.store_file(io.BytesIO(data))
    return service.add_version(item, tr, stored, filename, user_id=None)


def test_an_upload_whose_transaction_rolls_back_leaves_no_file(world):
    before = stored_files(world)
    with api.tenant_scope(world.tenant.id):
        item, tr = _new_item(world)
        version = _add_version(item, tr, make_pdf("never saved"))
        written = version.stored_name
        assert written in stored_files(world)  # on disk before the row is committed
        api.session.rollback()
    assert written not in stored_files(world)
    assert stored_files(world) == before


def test_an_image_upload_rolled_back_takes_its_thumbnail_too(world):
    before = stored_files(world)
    with api.tenant_scope(world.tenant.id):
        item, tr = _new_item(world, "Logo")
        version = _add_version(item, tr, make_png(), "logo.png")
        assert item.thumbnail and {version.stored_name, item.thumbnail} <= stored_files(world)
        api.session.rollback()
    assert stored_files(world) == before


def test_a_committed_upload_keeps_its_file(world):
    with api.tenant_scope(world.tenant.id):
        item, tr = _new_item(world)
        name = _add_version(item, tr, make_pdf("kept")).stored_name
        api.session.commit()
    assert name in stored_files(world)


def test_a_deleted_items_files_stay_until_the_deletion_commits(world, library):
    from portalis_content import service
    from portalis_content.models import Item, Version

    item_id = library("Old brochure", data=make_pdf("old"))
    with api.tenant_scope(world.tenant.id):
        name = api.session.scalars(
            select(Version.stored_name).where(Version.item_id == item_id)
        ).one()
        service.delete_item(api.session.get(Item, item_id))
        assert name in stored_files(world)  # deleted, not yet committed: still there
        api.session.rollback()
    assert name in stored_files(world)  # the rollback brought the item back, and its file

    with api.tenant_scope(world.tenant.id):
        service.delete_item(api.session.get(Item, item_id))
        assert name in stored_files(world)
        api.session.commit()
    assert name not in stored_files(world)


def test_a_replaced_thumbnail_is_removed_after_the_commit(world, library):
    from portalis_content import service
    from portalis_content.models import Item

    item_id = library("Logo pack", data=make_png(), filename="logo.png")
    with api.tenant_scope(world.tenant.id):
        item = api.session.get(Item, item_id)
        old = item.thumbnail
        assert old in stored_files(world)
        service.set_thumbnail(item, io.BytesIO(make_png((32, 32))))
        new = item.thumbnail
        assert {old, new} <= stored_files(world)
        api.session.commit()
    assert old not in stored_files(world)
    assert new in stored_files(world)
