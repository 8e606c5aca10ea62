"""What an uploaded file is, decided by its content — never by its name or the browser.

* PDF: ``%PDF-`` header and pypdf must open it (page count recorded); encrypted or
  page-less PDFs are refused.
* Word / PowerPoint / Excel: a ZIP whose ``[Content_Types].xml`` and main part match,
  checked for ZIP bombs (entry count, total and per-entry expansion) and macros.
* Images: Pillow must decode PNG, JPEG, GIF or WebP.
* Video: MP4 (``ftyp`` box with a known brand) or WebM (EBML header with doctype webm).

Anything else — an executable renamed ``.pdf``, HTML, SVG, scripts — is refused with a
translated message (:class:`UploadRefused`). A caller that accepts only some types names
them, and a file of another family is refused before its parser ever runs.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import IO

from babel.lists import format_list

from ..i18n import current_locale, gettext

#: Read and copy in pieces of this size; ZIP entries smaller than it are never "bombs".
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
#: Every type an upload can be; ``store_upload(allowed=…)`` picks from these.
FILE_TYPES = frozenset(MIME)
#: The file extension of a type, where it is not the type's name.
EXTENSION = {"jpeg": "jpg"}
OFFICE_TYPES = frozenset({"docx", "pptx", "xlsx"})
IMAGE_TYPES = frozenset({"png", "jpeg", "gif", "webp"})
VIDEO_TYPES = frozenset({"mp4", "webm"})
#: Types a browser may show inline (preview); everything else is download-only.
PREVIEWABLE = frozenset({"pdf"}) | IMAGE_TYPES | VIDEO_TYPES

#: How each type is named in "accepted types" messages (proper names: not translated).
_LABELS = {
    "pdf": "PDF",
    "docx": "Word (.docx)",
    "pptx": "PowerPoint (.pptx)",
    "xlsx": "Excel (.xlsx)",
    "png": "PNG",
    "jpeg": "JPEG",
    "gif": "GIF",
    "webp": "WebP",
    "mp4": "MP4",
    "webm": "WebM",
}
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
    """An upload the portal will not keep; ``str(exc)`` is translated and shown as is."""


class _NotThisType(Exception):
    """A file that looked like a type at first but isn't one: "not accepted", as ever."""


@dataclass(frozen=True)
class Sniffed:
    """What :func:`sniff` found: the type, its MIME type and a PDF's page count."""

    file_type: str
    mime: str
    pages: int | None = None


def check_types(allowed: Collection[str] | None) -> frozenset[str]:
    """``allowed`` as a set of known types (all of them for ``None``); an unknown name is
    a programming error, raised at once rather than refusing every upload."""
    if allowed is None:
        return FILE_TYPES
    wanted = frozenset(allowed)
    unknown = wanted - FILE_TYPES
    if unknown or not wanted:
        raise ValueError(f"unknown file types {sorted(unknown)}; choose from {sorted(FILE_TYPES)}")
    return wanted


def allowed_types_message(allowed: Collection[str] | None = None) -> str:
    """The refusal for a file of a type the caller does not accept, naming what it does."""
    wanted = check_types(allowed)
    if wanted == FILE_TYPES:
        return gettext(
            "This file type is not accepted. Upload a PDF, a Word, PowerPoint or Excel document "
            "(.docx, .pptx, .xlsx), an image (PNG, JPEG, GIF, WebP) or a video (MP4, WebM)."
        )
    labels = [_LABELS[t] for t in MIME if t in wanted]
    return gettext(
        "This file type is not accepted. Accepted file types: %(types)s.",
        types=format_list(labels, locale=current_locale()),
    )


def sniff(fh: IO[bytes], allowed: Collection[str] | None = None) -> Sniffed:
    """Decide the type of an upload from its bytes; raise :class:`UploadRefused`.

    With ``allowed``, a file whose first bytes already show another type is refused
    without being parsed. ``fh`` is left at its start.
    """
    wanted = check_types(allowed)
    fh.seek(0)
    head = fh.read(64)
    fh.seek(0)
    if not head:
        raise UploadRefused(gettext("The file is empty."))
    claim = _claim(head)
    if claim is None or not (claim[0] & wanted):
        raise UploadRefused(allowed_types_message(wanted))
    try:
        found = claim[1](fh)
    except _NotThisType:
        found = None
    finally:
        fh.seek(0)
    if found is None or found.file_type not in wanted:
        raise UploadRefused(allowed_types_message(wanted))
    return found


_Check = Callable[[IO[bytes]], Sniffed]


def _claim(head: bytes) -> tuple[frozenset[str], _Check] | None:
    """The types the first bytes claim, and the check that confirms one of them."""
    if head.startswith(b"%PDF-"):
        return frozenset({"pdf"}), _check_pdf
    if head.startswith(b"PK\x03\x04"):
        return OFFICE_TYPES, _check_ooxml
    if head[4:8] == b"ftyp" and head[8:12] in _MP4_BRANDS:
        return frozenset({"mp4"}), lambda _fh: Sniffed("mp4", MIME["mp4"])
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head:
        return frozenset({"webm"}), lambda _fh: Sniffed("webm", MIME["webm"])
    if head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")) or (
        head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    ):
        return IMAGE_TYPES, _check_image
    return None


def _check_pdf(fh: IO[bytes]) -> Sniffed:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(fh, strict=False)
        if reader.is_encrypted:
            raise UploadRefused(
                gettext("This PDF is password-protected. Upload a version without a password.")
            )
        pages = len(reader.pages)
    except UploadRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise UploadRefused(gettext("This PDF file is damaged and could not be read.")) from exc
    finally:
        fh.seek(0)
    if pages < 1:
        raise UploadRefused(gettext("This PDF file has no pages."))
    return Sniffed("pdf", MIME["pdf"], pages)


def _check_ooxml(fh: IO[bytes]) -> Sniffed:
    try:
        with zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
            if len(infos) > ZIP_MAX_ENTRIES:
                raise UploadRefused(gettext("This document has too many parts to be read safely."))
            total = 0
            for info in infos:
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if total > ZIP_MAX_TOTAL or (info.file_size > CHUNK and ratio > ZIP_MAX_RATIO):
                    raise UploadRefused(
                        gettext("This document expands too much to be read safely.")
                    )
            names = set(zf.namelist())
            if "[Content_Types].xml" not in names:
                raise _NotThisType
            types = zf.read("[Content_Types].xml").decode("utf-8", "replace")
    except UploadRefused:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError) as exc:
        raise UploadRefused(gettext("This document is damaged and could not be read.")) from exc
    finally:
        fh.seek(0)
    for kind, (part, content_type) in _OOXML.items():
        if part in names and content_type in types:
            if "vbaProject" in types or any(n.endswith("vbaProject.bin") for n in names):
                raise UploadRefused(
                    gettext("Documents with macros are not accepted. Save it without macros first.")
                )
            return Sniffed(kind, MIME[kind])
    raise _NotThisType


def _check_image(fh: IO[bytes]) -> Sniffed:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(fh) as probe:
            fmt = probe.format
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UploadRefused(gettext("This image is damaged and could not be read.")) from exc
    finally:
        fh.seek(0)
    kind = {"PNG": "png", "JPEG": "jpeg", "GIF": "gif", "WEBP": "webp"}.get(fmt or "")
    if kind is None:
        raise _NotThisType
    return Sniffed(kind, MIME[kind])
