"""Uploads: type decided by content, size limit answered with 413, nothing half-stored,
files under generated names served with safe headers."""

from __future__ import annotations

import io

from content_helpers import (
    FAKE_EXE,
    count,
    item_id_from,
    make_docx,
    make_pdf,
    make_png,
    make_pptx,
    stored_files,
    uploads_dir,
)
from sqlalchemy import select

from portalis import api


def _form(world, **overrides):
    data = {
        "kind": "file",
        "title": "Edge Gateway datasheet",
        "language": "en",
        "description": "Specifications",
        "program_id": str(world.program.id),
        "folder_id": "0",
        "product": "Edge Gateway",
        "tags": "Datasheet, Networking",
        "visibility": "everyone",
        "publish_at": "",
        "expires_at": "",
    }
    data.update(overrides)
    return data


def _upload(client, world, data: bytes, filename: str, **overrides):
    form = _form(world, **overrides)
    form["file"] = (io.BytesIO(data), filename)
    return client.post_form(
        "/content/manage/new",
        form,
        form_page="/content/manage/new",
        content_type="multipart/form-data",
    )


def test_pdf_upload_is_stored_under_a_generated_name(world, client_as):
    from portalis_content.models import Version

    vendor = client_as(world.users["vendor_admin"])
    item_id = item_id_from(_upload(vendor, world, make_pdf("Edge gateway specs"), "datasheet.pdf"))
    with api.tenant_scope(world.tenant.id):
        version = api.session.scalars(select(Version).where(Version.item_id == item_id)).one()
        assert version.file_type == "pdf" and version.mime == "application/pdf"
        assert version.stored_name != "datasheet.pdf" and version.stored_name.endswith(".pdf")
        assert version.text_status == "done" and "Edge gateway specs" in version.text
        stored = uploads_dir(world) / version.stored_name
    assert stored.is_file()
    static = world.app.static_folder
    assert static and not str(stored.resolve()).startswith(str(static))


def test_exe_named_pdf_is_refused_and_nothing_is_stored(world, client_as):
    from portalis_content.models import Item, Translation, Version

    vendor = client_as(world.users["vendor_admin"])
    before_files = stored_files(world)
    before = [count(m, world) for m in (Item, Translation, Version)]
    resp = _upload(vendor, world, FAKE_EXE, "datasheet.pdf")
    assert resp.status_code == 422
    assert "This file type is not accepted" in resp.get_data(as_text=True)
    assert [count(m, world) for m in (Item, Translation, Version)] == before
    assert stored_files(world) == before_files


def test_html_disguised_as_an_image_is_refused(world, client_as):
    vendor = client_as(world.users["vendor_admin"])
    resp = _upload(vendor, world, b"<html><script>alert(1)</script></html>", "photo.png")
    assert resp.status_code == 422
    assert "This file type is not accepted" in resp.get_data(as_text=True)


def test_damaged_pdf_is_refused(world, client_as):
    vendor = client_as(world.users["vendor_admin"])
    resp = _upload(vendor, world, b"%PDF-1.7\n this is not really a pdf", "broken.pdf")
    assert resp.status_code == 422
    assert "could not be read" in resp.get_data(as_text=True)


def test_size_limit_answers_413_and_stores_nothing(world, client_as):
    from portalis_content.models import Item, Version

    with api.tenant_scope(world.tenant.id):
        row = api.session.scalars(
            select(api.ProgramPlugin).where(api.ProgramPlugin.plugin == "content")
        ).one()
        row.settings = {**(row.settings or {}), "max_upload_mb": 1}
        api.session.commit()
    big = make_pdf("A big brochure", noise_pixels=600 * 600)
    assert len(big) > 1024 * 1024
    vendor = client_as(world.users["vendor_admin"])
    before_files = stored_files(world)
    before = (count(Item, world), count(Version, world))
    resp = _upload(vendor, world, big, "brochure.pdf")
    assert resp.status_code == 413
    text = resp.get_data(as_text=True)
    assert "accepts files up to 1 MB" in text and "Nothing was saved" in text
    assert (count(Item, world), count(Version, world)) == before
    assert stored_files(world) == before_files
    # below the limit the same kind of file is fine
    assert _upload(vendor, world, make_pdf("A small brochure"), "small.pdf").status_code == 302


def test_word_powerpoint_and_images_are_recognised_by_content(world, client_as):
    from portalis_content.models import Version

    vendor = client_as(world.users["vendor_admin"])
    cases = [
        (make_docx("Discovery questions about retention"), "questions.bin", "docx"),
        (make_pptx("Battlecard objection handling"), "deck", "pptx"),
        (make_png(), "logo.pdf", "png"),  # a PNG named .pdf is a PNG
    ]
    for data, name, kind in cases:
        item_id = item_id_from(_upload(vendor, world, data, name, title=f"Sample {kind}"))
        with api.tenant_scope(world.tenant.id):
            version = api.session.scalars(select(Version).where(Version.item_id == item_id)).one()
        assert version.file_type == kind
        assert version.filename.endswith("." + {"png": "png"}.get(kind, kind))
        if kind in ("docx", "pptx"):
            assert version.text_status == "done" and version.text


def test_download_headers_and_sanitised_filename(world, client_as, library):
    item = library(data=make_pdf("Header test"), filename='../../etc/"evil"; name.pdf.exe')
    resp = client_as(world.users["gold_user"]).get(f"/content/items/{item}/download")
    assert resp.status_code == 200
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "/" not in disposition and ".." not in disposition and ".exe" not in disposition
    assert "evil" in disposition and disposition.rstrip('"').endswith(".pdf")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.mimetype == "application/pdf"
    assert "no-store" in resp.headers["Cache-Control"]
    assert resp.data.startswith(b"%PDF-")


def test_preview_is_inline_and_not_a_download(world, client_as, library):
    item = library(data=make_pdf("Preview test"))
    resp = client_as(world.users["gold_user"]).get(f"/content/items/{item}/preview")
    assert resp.status_code == 200
    assert not resp.headers.get("Content-Disposition", "").startswith("attachment")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_partner_cannot_upload(world, client_as):
    partner = client_as(world.users["gold_admin"])
    assert partner.get("/content/manage/new").status_code == 404


def test_a_new_link_needs_its_web_address_and_a_page_its_text(world, client_as):
    from portalis_content.models import Item

    vendor = client_as(world.users["vendor_admin"])
    before = count(Item, world)
    for kind, message in (
        ("link", "Enter the web address the link opens."),
        ("page", "Write the page&#39;s text."),
    ):
        resp = vendor.post_form(
            "/content/manage/new", _form(world, kind=kind), form_page="/content/manage/new"
        )
        assert resp.status_code == 422
        assert message in resp.get_data(as_text=True)
    assert count(Item, world) == before
    resp = vendor.post_form(
        "/content/manage/new",
        _form(world, kind="link", url="https://example.com/edge"),
        form_page="/content/manage/new",
    )
    assert resp.status_code == 302
    assert count(Item, world) == before + 1
