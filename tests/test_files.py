"""The core's checked file storage (``portalis.files``, used through ``portalis.api``): a
file's type is decided by its bytes, never by its name; refused files leave nothing on
disk; a failed write never leaves a partial file; stored names can't reach outside their
tenant's folder; files go back out with headers that keep browsers from running them.

Every sample is made here, in memory: real PDFs (pypdf), Office documents (the ZIP parts
Word, PowerPoint and Excel write), images (Pillow), MP4 and WebM headers.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from werkzeug.exceptions import NotFound

from portalis import api
from portalis.files import sniffing, store

pytestmark = pytest.mark.plugins()  # the core alone: no plugin is involved

TENANT = 101
OTHER_TENANT = 202


# --- samples -------------------------------------------------------------------------------


def make_pdf(pages: int = 1, *, password: str | None = None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


_OOXML_PARTS = {
    "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
    "pptx": ("ppt/presentation.xml", "presentationml.presentation.main+xml"),
    "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
}


def make_office(kind: str, *, macros: bool = False, extra: dict[str, bytes] | None = None) -> bytes:
    """The parts an Office file needs to be recognised: content types and its main part."""
    part, content_type = _OOXML_PARTS[kind]
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/{part}" '
        f'ContentType="application/vnd.openxmlformats-officedocument.{content_type}"/>'
    )
    if macros:
        types += '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    types += "</Types>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr(part, "<document>Partner price list</document>")
        if macros:
            zf.writestr("word/vbaProject.bin", b"\x00macro")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return out.getvalue()


def make_image(fmt: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(out, format=fmt)
    return out.getvalue()


def make_mp4(size: int = 256) -> bytes:
    box = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    return box + b"\x00" * (size - len(box))


def make_webm() -> bytes:
    ebml = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04"
    return ebml + b"\x42\xf3\x81\x08\x42\x82\x84webm\x42\x87\x81\x04" + b"\x00" * 64


#: A Windows executable's first bytes (MZ header, PE signature): never run, only refused.
FAKE_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 46 + b"PE\x00\x00"

ACCEPTED = [
    ("pdf", make_pdf),
    ("docx", lambda: make_office("docx")),
    ("pptx", lambda: make_office("pptx")),
    ("xlsx", lambda: make_office("xlsx")),
    ("png", lambda: make_image("PNG")),
    ("jpeg", lambda: make_image("JPEG")),
    ("gif", lambda: make_image("GIF")),
    ("webp", lambda: make_image("WEBP")),
    ("mp4", make_mp4),
    ("webm", make_webm),
]


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def uploads(portalis_app, tmp_path, monkeypatch):
    """An empty upload folder for this test, and the app's context around it."""
    monkeypatch.setitem(portalis_app.config, "UPLOAD_DIR", str(tmp_path))
    with portalis_app.test_request_context(), api.tenant_scope(TENANT):
        yield tmp_path


def files_under(root: Path) -> list[str]:
    """Every file (hidden temporary files too) below ``root``, as relative paths."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def refusal(data: bytes, allowed=api.FILE_TYPES) -> str:
    with pytest.raises(api.UploadRefused) as caught:
        api.store_upload(io.BytesIO(data), kind="content", allowed=allowed)
    return str(caught.value)


# --- accepted types ------------------------------------------------------------------------


@pytest.mark.parametrize(("file_type", "make"), ACCEPTED, ids=[t for t, _m in ACCEPTED])
def test_each_accepted_type_is_recognised_by_its_content_and_stored(uploads, file_type, make):
    data = make()
    stored = api.store_upload(io.BytesIO(data), kind="content", allowed=api.FILE_TYPES)
    assert stored.file_type == file_type
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.pages == (1 if file_type == "pdf" else None)
    extension = "jpg" if file_type == "jpeg" else file_type
    assert stored.name.endswith(f".{extension}") and len(stored.name) == 33 + len(extension)
    path = api.stored_file_path("content", stored.name)
    assert path == uploads / str(TENANT) / "content" / stored.name
    assert path.read_bytes() == data


def test_the_name_a_file_came_with_plays_no_part(uploads):
    png_named_pdf = io.BytesIO(make_image("PNG"))
    png_named_pdf.name = "brochure.pdf"
    assert api.store_upload(png_named_pdf, kind="content", allowed={"png"}).file_type == "png"


def test_a_pdf_records_its_page_count(uploads):
    assert api.store_upload(io.BytesIO(make_pdf(3)), kind="content", allowed={"pdf"}).pages == 3


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (FAKE_EXE, "This file type is not accepted"),
        (
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "This file type is not accepted",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
            "This file type is not accepted",
        ),
        (b"#!/bin/sh\nrm -rf /\n", "This file type is not accepted"),
        (b"", "The file is empty."),
        (make_pdf()[:300], "This PDF file is damaged and could not be read."),
        (b"%PDF-1.7\n this is not really a pdf", "This PDF file is damaged and could not be read."),
        (make_pdf(password="secret"), "This PDF is password-protected."),
        (make_office("docx", macros=True), "Documents with macros are not accepted."),
        (b"PK\x03\x04 a zip that ends here", "This document is damaged and could not be read."),
        (make_image("PNG")[:40], "This image is damaged and could not be read."),
    ],
    ids=[
        "renamed-exe",
        "html",
        "svg",
        "script",
        "empty",
        "truncated-pdf",
        "fake-pdf",
        "encrypted-pdf",
        "macros",
        "broken-zip",
        "truncated-png",
    ],
)
def test_refused_files_say_why_and_leave_nothing_on_disk(uploads, data, says):
    assert says in refusal(data)
    assert files_under(uploads) == []


def test_a_zip_that_is_no_office_document_is_refused(uploads):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("payload.exe", FAKE_EXE)
    assert "This file type is not accepted" in refusal(out.getvalue())


def test_a_zip_bomb_is_refused_before_it_is_expanded(uploads):
    bomb = make_office("docx", extra={"word/media/filler.bin": b"\x00" * (40 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024  # tiny on the wire …
    assert "expands too much" in refusal(bomb)  # … but 40 MB once unpacked
    assert files_under(uploads) == []


def test_a_zip_of_too_many_parts_is_refused(uploads, monkeypatch):
    monkeypatch.setattr(sniffing, "ZIP_MAX_ENTRIES", 20)
    many = make_office("xlsx", extra={f"xl/part{i}.xml": b"<x/>" for i in range(30)})
    assert "too many parts" in refusal(many)


def test_a_type_the_caller_does_not_accept_is_refused_with_the_accepted_ones(uploads):
    message = refusal(make_office("docx"), allowed={"pdf", "png"})
    assert message == "This file type is not accepted. Accepted file types: PDF and PNG."
    assert "Word (.docx)" in refusal(FAKE_EXE, allowed={"pdf", "docx"})
    assert files_under(uploads) == []


def test_a_file_of_another_family_is_not_even_parsed(uploads, monkeypatch):
    def explode(fh):  # pragma: no cover - the point is that it never runs
        raise AssertionError("the PDF parser ran for an upload that only accepts images")

    monkeypatch.setattr(sniffing, "_check_pdf", explode)
    assert "Accepted file types: PNG" in refusal(make_pdf(), allowed={"png"})


def test_an_unknown_type_or_kind_is_a_programming_error(uploads):
    with pytest.raises(ValueError, match="unknown file types"):
        api.store_upload(io.BytesIO(make_pdf()), kind="content", allowed={"exe"})
    for kind in ("", "../content", "Content", "a/b", "x" * 41):
        with pytest.raises(ValueError, match="kind"):
            api.store_upload(io.BytesIO(make_pdf()), kind=kind, allowed={"pdf"})
    assert files_under(uploads) == []


# --- writing -------------------------------------------------------------------------------


class FailingStream(io.BytesIO):
    """A stream whose second full-size read fails, as a dropped connection or a full
    disk would: after the first chunk was already written."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.full_reads = 0

    def read(self, size: int | None = -1) -> bytes:
        if size == store.CHUNK:
            self.full_reads += 1
            if self.full_reads == 2:
                raise OSError("connection reset")
        return super().read(size)


def test_a_write_that_fails_halfway_leaves_no_partial_file(uploads):
    stream = FailingStream(make_mp4(3 * store.CHUNK))
    with pytest.raises(OSError, match="connection reset"):
        api.store_upload(stream, kind="content", allowed={"mp4"})
    assert stream.full_reads == 2  # the first chunk was on disk when it failed …
    assert files_under(uploads) == []  # … and is gone: no partial file, no temporary file


def test_a_failed_rename_leaves_no_file(uploads, monkeypatch):
    def full_disk(src, dst):
        raise OSError("no space left on device")

    monkeypatch.setattr(store.os, "replace", full_disk)
    with pytest.raises(OSError, match="no space"):
        api.store_upload(io.BytesIO(make_pdf()), kind="content", allowed={"pdf"})
    assert files_under(uploads) == []


def test_every_upload_gets_a_new_name_and_files_are_never_overwritten(uploads):
    data = make_pdf()
    first = api.store_upload(io.BytesIO(data), kind="content", allowed={"pdf"})
    second = api.store_upload(io.BytesIO(data), kind="content", allowed={"pdf"})
    assert first.name != second.name and first.sha256 == second.sha256
    assert len(files_under(uploads)) == 2


def test_the_stream_is_left_at_its_start(uploads):
    stream = io.BytesIO(make_pdf())
    api.store_upload(stream, kind="content", allowed={"pdf"})
    assert stream.tell() == 0 and stream.read(5) == b"%PDF-"


# --- names, kinds and tenants --------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "../content/" + "a" * 32 + ".pdf",
        "/etc/passwd",
        "a" * 32 + ".pdf/../../x",
        "A" * 32 + ".pdf",
        "a" * 31 + ".pdf",
        "a" * 32 + ".PDF",
        "a" * 32 + ".pdf\x00.png",
        "..",
        "",
    ],
)
def test_names_that_are_not_ours_reach_nothing(uploads, name):
    secret = uploads / "passwd"
    secret.write_text("root")
    assert api.stored_file_path("content", name) is None
    api.remove_stored_file("content", name)
    assert secret.read_text() == "root"


def test_a_kind_with_a_path_in_it_is_refused(uploads):
    stored = api.store_upload(io.BytesIO(make_pdf()), kind="content", allowed={"pdf"})
    for kind in ("../101/content", "content/..", "."):
        with pytest.raises(ValueError, match="kind"):
            api.stored_file_path(kind, stored.name)


def test_tenants_and_kinds_have_separate_folders(uploads):
    stored = api.store_upload(io.BytesIO(make_pdf()), kind="applications", allowed={"pdf"})
    assert api.stored_file_path("applications", stored.name) is not None
    assert api.stored_file_path("agreements", stored.name) is None  # another owner's folder
    with api.tenant_scope(OTHER_TENANT):
        assert api.stored_file_path("applications", stored.name) is None
        api.remove_stored_file("applications", stored.name)
        with pytest.raises(NotFound):
            api.send_stored_file(
                "applications", stored.name, download_name="x.pdf", file_type="pdf"
            )
    assert api.stored_file_path("applications", stored.name) is not None  # still there
    assert files_under(uploads) == [f"{TENANT}/applications/{stored.name}"]


def test_outside_a_tenant_nothing_is_stored_or_found(portalis_app, tmp_path, monkeypatch):
    monkeypatch.setitem(portalis_app.config, "UPLOAD_DIR", str(tmp_path))
    with portalis_app.app_context():
        with pytest.raises(api.ScopeError):
            api.store_upload(io.BytesIO(make_pdf()), kind="content", allowed={"pdf"})
        with pytest.raises(api.ScopeError):
            api.stored_file_path("content", "a" * 32 + ".pdf")
    assert files_under(tmp_path) == []


def test_removing_a_file_deletes_it_and_a_second_removal_is_harmless(uploads):
    stored = api.store_upload(io.BytesIO(make_pdf()), kind="agreements", allowed={"pdf"})
    api.remove_stored_file("agreements", stored.name)
    assert api.stored_file_path("agreements", stored.name) is None
    api.remove_stored_file("agreements", stored.name)
    assert files_under(uploads) == []


# --- sending -------------------------------------------------------------------------------


def _send(name: str, file_type: str, download_name: str, inline: bool = False):
    resp = api.send_stored_file(
        "content", name, download_name=download_name, file_type=file_type, inline=inline
    )
    resp.direct_passthrough = False
    return resp


def test_a_download_is_an_attachment_that_runs_nothing(uploads):
    data = make_office("docx")
    stored = api.store_upload(io.BytesIO(data), kind="content", allowed={"docx"})
    resp = _send(stored.name, "docx", 'Q3 "price" list.html', inline=True)  # docx: never inline
    assert resp.status_code == 200 and resp.get_data() == data
    assert resp.mimetype == sniffing.MIME["docx"]
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert "Q3 price list.docx" in unquote(resp.headers["Content-Disposition"])
    assert ".html" not in resp.headers["Content-Disposition"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "private, no-store"
    assert resp.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_download_name_loses_paths_controls_and_bidi_tricks(uploads):
    stored = api.store_upload(io.BytesIO(make_pdf()), kind="content", allowed={"pdf"})
    resp = _send(stored.name, "pdf", "../../etc/invoice\u202egpj.exe")
    disposition = unquote(resp.headers["Content-Disposition"])
    assert "invoicegpj.pdf" in disposition
    assert "/" not in disposition and "\u202e" not in disposition and ".exe" not in disposition


def test_previewable_types_are_shown_inline_and_framed_only_by_the_portal(uploads):
    pdf = api.store_upload(io.BytesIO(make_pdf()), kind="content", allowed={"pdf"})
    resp = _send(pdf.name, "pdf", "brochure.pdf", inline=True)
    assert resp.headers["Content-Disposition"].startswith("inline")
    # the browser's PDF viewer doesn't run in a sandboxed document
    assert resp.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"
    assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"

    png = api.store_upload(io.BytesIO(make_image("PNG")), kind="content", allowed={"png"})
    resp = _send(png.name, "png", "logo", inline=True)
    assert resp.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert "script-src" not in resp.headers["Content-Security-Policy"]
    assert "logo.png" in resp.headers["Content-Disposition"]

    resp = _send(pdf.name, "pdf", "brochure.pdf")  # not asked for inline: a download
    assert resp.headers["Content-Disposition"].startswith("attachment")


def test_sending_an_unknown_or_missing_file_is_a_404(uploads):
    with pytest.raises(NotFound):
        _send("a" * 32 + ".pdf", "pdf", "x.pdf")
    with pytest.raises(NotFound):
        _send("../../etc/passwd", "pdf", "x.pdf")


def test_typed_filename_gives_the_detected_types_extension():
    assert api.typed_filename("report.PDF", "pdf") == "report.pdf"
    assert api.typed_filename("photo.jpeg", "jpeg") == "photo.jpg"
    assert api.typed_filename("notes.html", "docx") == "notes.docx"
    assert api.typed_filename(None, "xlsx", fallback="prices") == "prices.xlsx"
    assert api.typed_filename("\u202e\u2066", "pdf") == "document.pdf"
