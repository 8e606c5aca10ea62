"""Uploaded images (logos, favicons): checked by content, re-encoded, stored under
generated names outside any static folder.

Raster images are decoded with Pillow and re-encoded as PNG, which drops metadata and
anything appended to the file. SVG is reduced to an allowlist of drawing elements and
attributes (no scripts, no event handlers, no external references) and is only ever
served with a sandboxing Content-Security-Policy.

:func:`clean_filename` is the one cleaner for every file name a visitor gave that is
stored or sent back (``Content-Disposition``): plugins use it through ``portalis.api``.
"""

from __future__ import annotations

import io
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - parsing an upload we then rebuild from an allowlist
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from .i18n import N_

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4096

SVG_NS = "http://www.w3.org/2000/svg"
SVG_ELEMENTS = {
    "svg",
    "g",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "defs",
    "linearGradient",
    "radialGradient",
    "stop",
    "title",
    "desc",
    "clipPath",
}
SVG_ATTRS = {
    "viewBox",
    "width",
    "height",
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "d",
    "points",
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-opacity",
    "opacity",
    "transform",
    "offset",
    "stop-color",
    "stop-opacity",
    "gradientUnits",
    "gradientTransform",
    "id",
    "font-family",
    "font-size",
    "font-weight",
    "text-anchor",
    "clip-path",
    "clip-rule",
    "preserveAspectRatio",
}
_URL_REF = re.compile(r"url\(\s*#[A-Za-z0-9_\-]+\s*\)")


#: Unicode categories never kept in a file name: controls (Cc: NUL, newline …), format
#: characters (Cf: the bidi overrides and isolates U+202A–U+202E and U+2066–U+2069 that
#: make ``invoice\u202egpj.pdf`` read as ``invoicefdp.jpg``, zero-width characters, the
#: BOM), line and paragraph separators, surrogates, private-use and unassigned points.
_NAME_DROP = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
#: Characters with a meaning in paths, shells or headers: replaced by a space.
_NAME_UNSAFE = frozenset('\\/:*?"<>|;%')


def clean_filename(name: str | None, fallback: str = "file", max_length: int = 120) -> str:
    """A file name safe to store and to send as a download name.

    The last part of a path only; NFC; no control, format (bidi), separator, surrogate,
    private-use or unassigned characters; path, shell and header characters
    (``\\ / : * ? " < > | ; %``) and runs of white space become one space; no leading or
    trailing dots, dashes, underscores or spaces; at most ``max_length`` characters, the
    extension kept. ``fallback`` when nothing is left. Idempotent.
    """
    base = unicodedata.normalize("NFC", str(name or "")[:4096])
    base = base.replace("\\", "/").rsplit("/", 1)[-1]
    kept = []
    for ch in base:
        category = unicodedata.category(ch)
        if ch in _NAME_UNSAFE or category in ("Cc", "Zl", "Zp") or category.startswith("Z"):
            kept.append(" ")
        elif category not in _NAME_DROP:
            kept.append(ch)
    text = re.sub(r" +", " ", "".join(kept)).strip(" .-_")
    if len(text) > max_length:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10 and stem:
            text = stem[: max_length - len(ext) - 1].rstrip(" .-_") + "." + ext
        else:
            text = text[:max_length].rstrip(" .-_")
    return text or fallback


class UploadError(ValueError):
    """The message is a msgid shown to the user (translated by the caller)."""


@dataclass(frozen=True)
class StoredImage:
    name: str  # generated file name, e.g. "3f2c….png"
    width: int
    height: int


def _folder(tenant_id: int, kind: str) -> Path:
    root = Path(current_app.config["UPLOAD_DIR"]) / str(tenant_id) / kind
    root.mkdir(parents=True, exist_ok=True)
    return root


def clean_svg(data: bytes) -> bytes:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UploadError(N_("This SVG file uses features that are not allowed."))
    try:
        root = ET.fromstring(data)  # noqa: S314 - no DTD/entities (refused above)
    except ET.ParseError as exc:
        raise UploadError(N_("This SVG file could not be read.")) from exc

    def local(tag: str) -> str:
        return tag.split("}", 1)[1] if tag.startswith("{") else tag

    def rebuild(node: ET.Element) -> ET.Element | None:
        name = local(node.tag)
        if name not in SVG_ELEMENTS:
            return None
        out = ET.Element(f"{{{SVG_NS}}}{name}")
        for key, value in node.attrib.items():
            k = local(key)
            if k not in SVG_ATTRS:
                continue
            if "url(" in value and not _URL_REF.fullmatch(value.strip()):
                continue
            out.set(k, value)
        out.text = node.text if name in ("text", "tspan", "title", "desc") else None
        for child in node:
            kept = rebuild(child)
            if kept is not None:
                kept.tail = None
                out.append(kept)
        return out

    if local(root.tag) != "svg":
        raise UploadError(N_("This SVG file could not be read."))
    clean = rebuild(root)
    ET.register_namespace("", SVG_NS)
    return ET.tostring(clean, encoding="utf-8")  # type: ignore[arg-type]


def store_image(tenant_id: int, kind: str, data: bytes, *, allow_svg: bool = True) -> StoredImage:
    """Validate and store; raises :class:`UploadError` with a user-facing msgid."""
    if len(data) > MAX_BYTES:
        raise UploadError(N_("The image is larger than 2 MB."))
    head = data[:512].lstrip()
    if allow_svg and (head.startswith(b"<?xml") or head.startswith(b"<svg")):
        cleaned = clean_svg(data)
        name = f"{uuid.uuid4().hex}.svg"
        (_folder(tenant_id, kind) / name).write_bytes(cleaned)
        return StoredImage(name, 0, 0)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            probe.verify()
        img = Image.open(io.BytesIO(data))
        img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UploadError(N_("Upload a PNG, JPEG, GIF, WebP or SVG image.")) from exc
    if fmt not in ("PNG", "JPEG", "GIF", "WEBP", "ICO"):
        raise UploadError(N_("Upload a PNG, JPEG, GIF, WebP or SVG image."))
    if img.width > MAX_SIDE or img.height > MAX_SIDE or img.width < 16 or img.height < 16:
        raise UploadError(N_("The image must be between 16 and 4096 pixels on each side."))
    out = io.BytesIO()
    img.convert("RGBA").save(out, format="PNG", optimize=True)
    name = f"{uuid.uuid4().hex}.png"
    (_folder(tenant_id, kind) / name).write_bytes(out.getvalue())
    return StoredImage(name, img.width, img.height)


def path_of(tenant_id: int, kind: str, name: str) -> Path | None:
    """The file for a stored name, only if it is one of ours (no path tricks)."""
    if not re.fullmatch(r"[0-9a-f]{32}\.(png|svg)", name or ""):
        return None
    path = Path(current_app.config["UPLOAD_DIR"]) / str(tenant_id) / kind / name
    return path if path.is_file() else None
