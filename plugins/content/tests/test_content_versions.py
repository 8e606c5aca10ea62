"""Versions (history, latest for partners, "Updated" badge, restore) and languages
(partners get their language first)."""

from __future__ import annotations

import io
import re

from content_helpers import make_pdf
from sqlalchemy import select

from portalis import api


def _new_version(client, item_id, data, lang="en", note=""):
    return client.post_form(
        f"/content/manage/items/{item_id}/versions/new?lang={lang}",
        {"file": (io.BytesIO(data), "datasheet-v2.pdf"), "note": note},
        content_type="multipart/form-data",
    )


def _versions(world, item_id):
    from portalis_content.models import Translation, Version

    with api.tenant_scope(world.tenant.id):
        api.session.expire_all()
        rows = api.session.scalars(
            select(Version).where(Version.item_id == item_id).order_by(Version.number)
        ).all()
        current = {
            t.language: t.current_version_id
            for t in api.session.scalars(select(Translation).where(Translation.item_id == item_id))
        }
        return rows, current


def test_new_version_keeps_history_and_partners_get_the_latest(world, client_as, library):
    v1 = make_pdf("Price list, first edition")
    v2 = make_pdf("Price list, second edition")
    item = library("Price list", data=v1)
    vendor = client_as(world.users["vendor_admin"])
    gold = client_as(world.users["gold_user"])
    assert gold.get(f"/content/items/{item}/download").data == v1
    assert gold.get(f"/content/items/{item}").get_data(as_text=True).count("Updated") == 0

    resp = _new_version(vendor, item, v2, note="New prices")
    assert resp.status_code == 302
    rows, current = _versions(world, item)
    assert [v.number for v in rows] == [1, 2]
    assert current["en"] == rows[1].id
    assert rows[1].note == "New prices"
    assert gold.get(f"/content/items/{item}/download").data == v2
    page = gold.get(f"/content/items/{item}").get_data(as_text=True)
    assert ">Updated<" in page
    assert ">Updated<" in gold.get("/content/").get_data(as_text=True)
    history = vendor.get(f"/content/manage/items/{item}").get_data(as_text=True)
    assert "Version 1" in history and "Version 2" in history and "New prices" in history


def test_restore_an_older_version(world, client_as, library):
    v1 = make_pdf("Edition one")
    v2 = make_pdf("Edition two")
    item = library("Brochure", data=v1)
    vendor = client_as(world.users["vendor_admin"])
    _new_version(vendor, item, v2)
    rows, _current = _versions(world, item)
    first = rows[0]
    resp = vendor.post_form(
        f"/content/manage/versions/{first.id}/restore",
        {},
        form_page=f"/content/manage/items/{item}",
    )
    assert resp.status_code == 302
    rows, current = _versions(world, item)
    assert [v.number for v in rows] == [1, 2, 3]
    assert current["en"] == rows[2].id and rows[2].restored_from == 1
    assert rows[2].sha256 == rows[0].sha256
    assert client_as(world.users["silver_user"]).get(f"/content/items/{item}/download").data == v1
    assert "Restored from version 1" in vendor.get(f"/content/manage/items/{item}").get_data(
        as_text=True
    )


def test_partners_cannot_restore_or_fetch_old_versions(world, client_as, library):
    item = library("Brochure", data=make_pdf("one"))
    rows, _ = _versions(world, item)
    gold = client_as(world.users["gold_admin"])
    assert gold.get(f"/content/manage/versions/{rows[0].id}/file").status_code == 404
    resp = gold.post_form(
        f"/content/manage/versions/{rows[0].id}/restore", {}, form_page="/content/"
    )
    assert resp.status_code == 404


def test_partners_get_their_language_first(world, client_as, library, set_locale):
    english, german = make_pdf("English edition"), make_pdf("Deutsche Ausgabe")
    item = library(
        "Backup datasheet",
        data=english,
        translations={"de": ("Backup-Datenblatt", german)},
    )
    set_locale("silver_user", "de")
    set_locale("gold_user", "fr")  # no French version: the default language (English)
    silver, gold = client_as(world.users["silver_user"]), client_as(world.users["gold_user"])
    page = silver.get(f"/content/items/{item}").get_data(as_text=True)
    assert re.search(r"<h1[^>]*>\s*Backup-Datenblatt", page)
    assert silver.get(f"/content/items/{item}/download").data == german
    assert "Backup-Datenblatt" in silver.get("/content/").get_data(as_text=True)
    assert re.search(
        r"<h1[^>]*>\s*Backup datasheet", gold.get(f"/content/items/{item}").get_data(as_text=True)
    )
    assert gold.get(f"/content/items/{item}/download").data == english
    # any partner may still pick another language explicitly
    assert gold.get(f"/content/items/{item}/download?lang=de").data == german


def test_add_a_language_through_the_form(world, client_as, library, set_locale):
    item = library("Gateway datasheet", data=make_pdf("Gateway"))
    vendor = client_as(world.users["vendor_admin"])
    resp = vendor.post_form(
        f"/content/manage/items/{item}/translations/new",
        {
            "language": "fr",
            "title": "Fiche technique passerelle",
            "description": "Caractéristiques",
            "file": (io.BytesIO(make_pdf("Passerelle")), "fiche.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    set_locale("gold_user", "fr")
    page = client_as(world.users["gold_user"]).get(f"/content/items/{item}").get_data(as_text=True)
    assert "Fiche technique passerelle" in page


def test_removing_a_language_removes_its_files_and_search_entry(world, client_as, library):
    from content_helpers import stored_files

    from portalis_content.models import Translation, Version

    item = library(
        "Gateway datasheet",
        data=make_pdf("Gateway"),
        translations={"de": ("Gateway-Datenblatt", make_pdf("Ostwindgatter Datenblatt"))},
    )
    with api.tenant_scope(world.tenant.id):
        german = api.session.scalars(
            select(Version.stored_name)
            .join(Translation, Translation.id == Version.translation_id)
            .where(Translation.item_id == item, Translation.language == "de")
        ).one()
    vendor = client_as(world.users["vendor_admin"])
    assert "1 result" in vendor.get("/search/?q=ostwindgatter").get_data(as_text=True)
    resp = vendor.post_form(
        f"/content/manage/items/{item}/translations/de/delete",
        {},
        form_page=f"/content/manage/items/{item}",
    )
    assert resp.status_code == 302
    assert german not in stored_files(world)
    assert "0 results" in vendor.get("/search/?q=ostwindgatter").get_data(as_text=True)
    assert (
        client_as(world.users["gold_user"]).get(f"/content/items/{item}/download").status_code
        == 200
    )


def test_a_links_new_language_needs_its_web_address(world, client_as, library):
    from portalis_content.models import Translation

    item = library("Partner portal tour", kind="link", url="https://example.com/tour")
    vendor = client_as(world.users["vendor_admin"])
    page = f"/content/manage/items/{item}/translations/new"
    resp = vendor.post_form(page, {"language": "de", "title": "Rundgang", "url": ""})
    assert resp.status_code == 422
    assert "Enter the web address the link opens." in resp.get_data(as_text=True)
    resp = vendor.post_form(page, {"language": "de", "title": "Rundgang", "url": "ftp://x.example"})
    assert resp.status_code == 422
    assert "Only http:// and https:// addresses are allowed." in resp.get_data(as_text=True)
    with api.tenant_scope(world.tenant.id):
        assert api.session.scalars(
            select(Translation.language).where(Translation.item_id == item)
        ).all() == ["en"]
    resp = vendor.post_form(
        page, {"language": "de", "title": "Rundgang", "url": "https://example.com/de/tour"}
    )
    assert resp.status_code == 302
