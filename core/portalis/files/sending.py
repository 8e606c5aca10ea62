"""Stored files sent back: never sniffed, never cached by others, never active content.

Every response carries ``X-Content-Type-Options: nosniff`` and ``Cache-Control: private,
no-store`` and a ``Content-Security-Policy`` that runs nothing. A file is shown in the
browser (``inline``) only if its type is one a browser displays safely (PDF, images,
video, :data:`~portalis.files.sniffing.PREVIEWABLE`); everything else is a download.
The download name is the visitor's name cleaned by :func:`portalis.uploads.clean_filename`
with the extension of the detected type, so a PDF never arrives as ``invoice.html``.
"""

from __future__ import annotations

from flask import Response, abort, send_file

from ..uploads import clean_filename
from .sniffing import EXTENSION, MIME, PREVIEWABLE
from .store import stored_file_path

#: Downloads and anything we don't preview: a document that can run or load nothing.
_CSP_DOWNLOAD = "default-src 'none'; sandbox"
#: Images and videos shown by the browser itself (its viewer document loads the file).
_CSP_MEDIA = "default-src 'none'; img-src 'self'; media-src 'self'; frame-ancestors 'self'; sandbox"
#: The browser's PDF viewer doesn't run in a sandboxed document; PDFs run no page script.
_CSP_PDF = "default-src 'none'; frame-ancestors 'self'"


def typed_filename(name: str | None, file_type: str, fallback: str = "document") -> str:
    """A visitor's file name made safe (``clean_filename``) and given the extension of the
    type the content was found to be — never the visitor's own extension."""
    base = clean_filename(name, fallback="")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    ext = EXTENSION.get(file_type, file_type)
    for suffix in (f".{ext}", f".{file_type}"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    stem = stem.strip(" .-_")[:120].rstrip(" .-_") or fallback
    return f"{stem}.{ext}"


def send_stored_file(
    kind: str, name: str, *, download_name: str, file_type: str, inline: bool = False
) -> Response:
    """The current tenant's stored file as a response (404 if it is not on disk).

    ``inline=True`` shows previewable types in the browser (and lets the portal frame
    them); other types are sent as an attachment whatever ``inline`` says.
    """
    if file_type not in MIME:
        raise ValueError(f"unknown file type {file_type!r}")
    path = stored_file_path(kind, name)
    if path is None:
        abort(404)
    show = inline and file_type in PREVIEWABLE
    resp = send_file(
        path,
        mimetype=MIME[file_type],
        as_attachment=not show,
        download_name=typed_filename(download_name, file_type, fallback="download"),
        conditional=True,
        max_age=0,
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    if not show:
        resp.headers["Content-Security-Policy"] = _CSP_DOWNLOAD
    else:
        resp.headers["Content-Security-Policy"] = _CSP_PDF if file_type == "pdf" else _CSP_MEDIA
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    return resp
