"""Uploaded files: the type is decided by the content, never by the name.

* PDF: ``%PDF-`` header and pypdf must open it (page count recorded).
* Word / PowerPoint / Excel: a ZIP whose ``[Content_Types].xml`` and main part match,
  checked for ZIP bombs (entry count, total and per-entry expansion).
* Images: Pillow must decode PNG, JPEG, GIF or WebP.
* Video: MP4 (``ftyp`` box with a known brand) or WebM (EBML header with doctype webm).

Anything else — an executable renamed ``.pdf``, HTML, SVG, scripts — is refused with a
message. Accepted files are written under a generated name in
``<UPLOAD_DIR>/<tenant>/content/`` (outside every static folder), first to a temporary
name and then renamed, so a failure never leaves a partial file under a real name.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app

from portalis import api

from .i18n import _

CHUNK = 1024 * 1024
#: ZIP bomb limits for Office documents.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_TOTAL = 512 * 1024 * 1024
ZIP_MAX_RATIO = 200

MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "mp4": "video/mp4",
    "webm": "video/webm",
}
EXTENSION = {"jpeg": "jpg"}
#: Types whose text is extracted for search.
EXTRACTABLE = {"pdf", "docx", "pptx", "xlsx"}
#: Types a browser may show inline (preview); everything else is download-only.
PREVIEWABLE = {"pdf", "png", "jpeg", "gif", "webp", "mp4", "webm"}
IMAGE_TYPES = {"png", "jpeg", "gif", "webp"}
VIDEO_TYPES = {"mp4", "webm"}

_MP4_BRANDS = {
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
    b"M4VH", b"M4VP", b"dash", b"qt  ", b"3gp4", b"3gp5", b"3g2a", b"mmp4", b"MSNV",
}  # fmt: skip
_OOXML = {
    "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
    "pptx": ("ppt/presentation.xml", "presentationml.presentation.main+xml"),
    "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
}


class UploadRefused(ValueError):
    """The message is shown to the uploader (already translated)."""


@dataclass(frozen=True)
class Sniffed:
    file_type: str
    mime: str
    pages: int | None = None


def allowed_types_message() -> str:
    return _(
        "This file type is not accepted. Upload a PDF, a Word, PowerPoint or Excel document "
        "(.docx, .pptx, .xlsx), an image (PNG, JPEG, GIF, WebP) or a video (MP4, WebM)."
    )


def sniff(fh: IO[bytes]) -> Sniffed:
    """Decide the type of an upload from its bytes; raise :class:`UploadRefused`."""
    fh.seek(0)
    head = fh.read(64)
    fh.seek(0)
    if not head:
        raise UploadRefused(_("The file is empty."))
    if head.startswith(b"%PDF-"):
        return _check_pdf(fh)
    if head.startswith(b"PK\x03\x04"):
        return _check_ooxml(fh)
    if head[4:8] == b"ftyp" and head[8:12] in _MP4_BRANDS:
        return Sniffed("mp4", MIME["mp4"])
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return Sniffed("webm", MIME["webm"])
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")) or (
        head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    ):
        return _check_image(fh)
    raise UploadRefused(allowed_types_message())


def _check_pdf(fh: IO[bytes]) -> Sniffed:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(fh, strict=False)
        if reader.is_encrypted:
            raise UploadRefused(
                _("This PDF is password-protected. Upload a version without a password.")
            )
        pages = len(reader.pages)
    except UploadRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise UploadRefused(_("This PDF file is damaged and could not be read.")) from exc
    finally:
        fh.seek(0)
    if pages < 1:
        raise UploadRefused(_("This PDF file has no pages."))
    return Sniffed("pdf", MIME["pdf"], pages)


def _check_ooxml(fh: IO[bytes]) -> Sniffed:
    try:
        with zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
            if len(infos) > ZIP_MAX_ENTRIES:
                raise UploadRefused(_("This document has too many parts to be read safely."))
            total = 0
            for info in infos:
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if total > ZIP_MAX_TOTAL or (info.file_size > CHUNK and ratio > ZIP_MAX_RATIO):
                    raise UploadRefused(_("This document expands too much to be read safely."))
            names = set(zf.namelist())
            if "[Content_Types].xml" not in names:
                raise UploadRefused(allowed_types_message())
            types = zf.read("[Content_Types].xml").decode("utf-8", "replace")
    except UploadRefused:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError) as exc:
        raise UploadRefused(_("This document is damaged and could not be read.")) from exc
    finally:
        fh.seek(0)
    for kind, (part, content_type) in _OOXML.items():
        if part in names and content_type in types:
            if "vbaProject" in types or any(n.endswith("vbaProject.bin") for n in names):
                raise UploadRefused(
                    _("Documents with macros are not accepted. Save it without macros first.")
                )
            return Sniffed(kind, MIME[kind])
    raise UploadRefused(allowed_types_message())


def _check_image(fh: IO[bytes]) -> Sniffed:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(fh) as probe:
            fmt = probe.format
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UploadRefused(_("This image is damaged and could not be read.")) from exc
    finally:
        fh.seek(0)
    kind = {"PNG": "png", "JPEG": "jpeg", "GIF": "gif", "WEBP": "webp"}.get(fmt or "")
    if kind is None:
        raise UploadRefused(allowed_types_message())
    return Sniffed(kind, MIME[kind])


# --- names ----------------------------------------------------------------------------------


def clean_filename(name: str | None, file_type: str, fallback: str = "document") -> str:
    """The uploader's name cleaned by the portal's one file-name cleaner
    (``api.clean_filename``: no paths, controls, bidi or other format characters, shell
    characters), with the extension of the detected type (never the uploader's)."""
    base = api.clean_filename(name, fallback="")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    ext = EXTENSION.get(file_type, file_type)
    for suffix in (f".{ext}", f".{file_type}"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    stem = stem.strip(" .-_")[:120].rstrip(" .-_") or fallback
    return f"{stem}.{ext}"


def folder(tenant_id: int) -> Path:
    root = Path(current_app.config["UPLOAD_DIR"]) / str(int(tenant_id)) / "content"
    root.mkdir(parents=True, exist_ok=True)
    return root


_STORED = re.compile(r"[0-9a-f]{32}\.[a-z0-9]{2,4}")


def path_of(tenant_id: int, stored_name: str) -> Path | None:
    """The file for a stored name, only if it is one of ours (no path tricks)."""
    if not _STORED.fullmatch(stored_name or ""):
        return None
    path = Path(current_app.config["UPLOAD_DIR"]) / str(int(tenant_id)) / "content" / stored_name
    return path if path.is_file() else None


@dataclass(frozen=True)
class Stored:
    name: str
    size: int
    sha256: str


def store(tenant_id: int, fh: IO[bytes], file_type: str) -> Stored:
    """Copy an accepted upload to a generated name (temp file + atomic rename)."""
    target_dir = folder(tenant_id)
    name = f"{uuid.uuid4().hex}.{EXTENSION.get(file_type, file_type)}"
    tmp = target_dir / f".{uuid.uuid4().hex}.part"
    digest = hashlib.sha256()
    size = 0
    fh.seek(0)
    try:
        with tmp.open("xb") as out:
            while chunk := fh.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        os.replace(tmp, target_dir / name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Stored(name, size, digest.hexdigest())


def store_bytes(tenant_id: int, data: bytes, file_type: str) -> Stored:
    return store(tenant_id, io.BytesIO(data), file_type)


def remove(tenant_id: int, stored_name: str) -> None:
    path = path_of(tenant_id, stored_name)
    if path is not None:
        path.unlink(missing_ok=True)


def size_of(fh: IO[bytes]) -> int:
    fh.seek(0, os.SEEK_END)
    n = fh.tell()
    fh.seek(0)
    return n


# --- thumbnails -----------------------------------------------------------------------------

THUMB_SIDE = 480


def make_thumbnail(tenant_id: int, fh: IO[bytes]) -> str:
    """Decode an image (any accepted format), shrink it and store it as PNG."""
    from PIL import Image, UnidentifiedImageError

    fh.seek(0)
    try:
        with Image.open(fh) as img:
            img.load()
            if img.width < 8 or img.height < 8 or max(img.width, img.height) > 12_000:
                raise UploadRefused(_("The thumbnail must be between 8 and 12,000 pixels wide."))
            thumb = img.convert("RGBA")
            thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
            out = io.BytesIO()
            thumb.save(out, format="PNG", optimize=True)
    except UploadRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UploadRefused(_("Upload the thumbnail as a PNG, JPEG, GIF or WebP image.")) from exc
    finally:
        fh.seek(0)
    return store_bytes(tenant_id, out.getvalue(), "png").name
