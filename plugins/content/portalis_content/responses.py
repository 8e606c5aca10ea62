"""File responses: every file the library sends goes out private, not cached, not sniffed
and sandboxed — downloads, previews, thumbnails and co-branded PDFs alike."""

from __future__ import annotations

import io

from flask import Response, send_file

from portalis import api

from . import storage
from .models import Version


def private(resp: Response) -> Response:
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


def version_file(version: Version, *, attachment: bool) -> Response:
    """A version's stored file (404 if it is missing on disk)."""
    path = storage.path_of(version.tenant_id, version.stored_name)
    if path is None:
        api.not_found()
    resp = send_file(
        path,
        mimetype=version.mime,
        as_attachment=attachment,
        # cleaned again on the way out: names stored before the cleaner knew bidi controls
        download_name=api.clean_filename(version.filename, fallback="download"),
        conditional=True,
        etag=version.sha256[:32],
        max_age=0,
    )
    return private(resp)


def pdf_attachment(data: bytes, filename: str) -> Response:
    """A PDF made on the fly (co-branded), as a download."""
    resp = send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=api.clean_filename(filename, fallback="download.pdf"),
        max_age=0,
    )
    return private(resp)


def thumbnail(tenant_id: int, name: str) -> Response:
    """An item's thumbnail: revalidated on every use, never stored by shared caches."""
    path = storage.path_of(tenant_id, name)
    if path is None:
        api.not_found()
    resp = send_file(path, mimetype="image/png", conditional=True, max_age=0)
    resp.headers["Cache-Control"] = "private, no-cache"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
