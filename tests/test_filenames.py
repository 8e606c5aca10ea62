"""File names from visitors (finding 6 of #11): control characters and Unicode format
characters — the bidi overrides and isolates that make ``invoice\u202egpj.pdf`` read as
``invoicefdp.jpg`` — never survive into a stored name or a download's
``Content-Disposition``. One cleaner, ``portalis.uploads.clean_filename`` (``api.clean_filename``
for plugins), used by the content library when it stores and when it serves a file."""

from __future__ import annotations

import io
import re
import unicodedata
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from portalis import api
from portalis.uploads import clean_filename

#: What an attacker puts in a name: RLO, LRI … PDI, LRE, zero-width space, BOM, NUL, tab,
#: line separator, escape. (A raw newline can't travel in a multipart header — browsers
#: encode it — so the upload tests send it as the clean_filename tests do: directly.)
HOSTILE = "\u202e\u2066\u2069\u202a\u200b\ufeff\x00\t\u2028\x1b"


def _has_hostile(text: str) -> list[str]:
    return [
        f"U+{ord(ch):04X}"
        for ch in text
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") or ch in HOSTILE
    ]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("invoice\u202egpj.pdf", "invoicegpj.pdf"),
        ("report\u2066final\u2069.pdf", "reportfinal.pdf"),
        ("a\x00b\nc\r\nd.pdf", "a b c d.pdf"),
        ("zero\u200bwidth\ufeff.pdf", "zerowidth.pdf"),
        ("line\u2028break.pdf", "line break.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\evil.pdf", "evil.pdf"),
        ('a"b;c%d*e?.pdf', "a b c d e .pdf"),
        ("Résumé 日本語 — قائمة.pdf", "Résumé 日本語 — قائمة.pdf"),
        ("  ...  ", "file"),
        ("\u202e\u2066", "file"),
    ],
)
def test_clean_filename_drops_controls_and_format_characters(raw, clean):
    assert clean_filename(raw) == clean
    assert clean_filename(clean) == clean  # idempotent: cleaning again on serving is safe


def test_clean_filename_keeps_the_extension_when_it_shortens():
    name = clean_filename("x" * 500 + ".pdf")
    assert name.endswith(".pdf") and len(name) <= 120
    assert clean_filename(None, fallback="download") == "download"


def test_clean_filename_is_the_api_function():
    assert api.clean_filename is clean_filename


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.plugins("content")
def test_an_uploaded_name_with_bidi_controls_is_stored_and_served_clean(world, client_as):
    from portalis_content.models import Version

    vendor = client_as(world.users["vendor_admin"])
    resp = vendor.post(
        "/content/manage/new",
        data={
            "csrf_token": vendor.csrf_token,
            "kind": "file",
            "title": "Price list",
            "language": "en",
            "program_id": str(world.program.id),
            "folder_id": "0",
            "visibility": "everyone",
            "file": (io.BytesIO(_png()), f"invoice{HOSTILE}gpj.exe.png"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    item_id = int(re.search(r"/items/(\d+)", resp.headers["Location"]).group(1))
    with api.tenant_scope(world.tenant.id):
        version = api.session.scalars(select(Version).where(Version.item_id == item_id)).one()
        stored = version.filename
    assert stored.startswith("invoice") and stored.endswith(".png")
    assert _has_hostile(stored) == [], stored

    download = client_as(world.users["gold_user"]).get(f"/content/items/{item_id}/download")
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    served = unquote(disposition)
    assert _has_hostile(served) == [], disposition
    assert "%E2%80%AE" not in disposition and "%E2%81%A6" not in disposition


@pytest.mark.plugins("content")
def test_a_name_stored_before_the_cleaner_is_served_clean(world, client_as):
    """Rows written before bidi controls were stripped: cleaned again on the way out."""
    from portalis_content.models import Version

    vendor = client_as(world.users["vendor_admin"])
    resp = vendor.post(
        "/content/manage/new",
        data={
            "csrf_token": vendor.csrf_token,
            "kind": "file",
            "title": "Old upload",
            "language": "en",
            "program_id": str(world.program.id),
            "folder_id": "0",
            "visibility": "everyone",
            "file": (io.BytesIO(_png()), "old.png"),
        },
        content_type="multipart/form-data",
    )
    item_id = int(re.search(r"/items/(\d+)", resp.headers["Location"]).group(1))
    with api.tenant_scope(world.tenant.id):
        version = api.session.scalars(select(Version).where(Version.item_id == item_id)).one()
        version.filename = "invoice\u202egpj\u2066.png"
        api.session.commit()
    download = client_as(world.users["gold_user"]).get(f"/content/items/{item_id}/download")
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert _has_hostile(unquote(disposition)) == [], disposition
    assert "invoicegpj.png" in unquote(disposition)


@pytest.mark.plugins("content")
def test_a_newline_and_nul_sent_encoded_in_the_multipart_header_are_dropped(world, client_as):
    """``filename*=UTF-8''…%0A…%00…`` (RFC 2231) is how a newline or NUL can reach the
    server in a multipart upload; they go too."""
    from portalis_content.models import Version

    vendor = client_as(world.users["vendor_admin"])
    boundary = "sweepboundary"
    fields = {
        "csrf_token": vendor.csrf_token,
        "kind": "file",
        "title": "Encoded name",
        "language": "en",
        "program_id": str(world.program.id),
        "folder_id": "0",
        "visibility": "everyone",
    }
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    body += (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f"filename*=UTF-8''in%0Avoice%E2%80%AE%00gpj%E2%81%A6x%E2%81%A9.png\r\n"
            f"Content-Type: image/png\r\n\r\n"
        ).encode()
        + _png()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    resp = vendor.post(
        "/content/manage/new",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    item_id = int(re.search(r"/items/(\d+)", resp.headers["Location"]).group(1))
    with api.tenant_scope(world.tenant.id):
        stored = api.session.scalars(select(Version).where(Version.item_id == item_id)).one()
    assert stored.filename == "in voice gpjx.png"  # controls become spaces, bidi goes
    download = client_as(world.users["gold_user"]).get(f"/content/items/{item_id}/download")
    disposition = download.headers["Content-Disposition"]
    assert _has_hostile(unquote(disposition)) == [] and "%0A" not in disposition.upper()
