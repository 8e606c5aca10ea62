"""File responses: every file the library sends goes out private, not cached, not sniffed
and sandboxed — downloads, previews, thumbnails and co-branded PDFs alike. Stored files go
through the core's ``api.send_stored_file``; only a PDF made on the fly is sent here."""

from __future__ import annotations

import io

from flask import Response, send_file

from portalis import api

from .models import FILE_KIND, Version


def version_file(version: Version, *, attachment: bool) -> Response:
    """A version's stored file (404 if it is missing on disk); ``attachment=False`` shows
    previewable types in the browser."""
    return api.send_stored_file(
        FILE_KIND,
        version.stored_name,
        # cleaned again on the way out: names stored before the cleaner knew bidi controls
        download_name=version.filename,
        file_type=version.file_type,
        inline=not attachment,
    )


def pdf_attachment(data: bytes, filename: str) -> Response:
    """A PDF made on the fly (co-branded), as a download."""
    resp = send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=api.typed_filename(filename, "pdf", fallback="download"),
        max_age=0,
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


def thumbnail(name: str) -> Response:
    """An item's thumbnail: revalidated on every use, never stored by shared caches."""
    resp = api.send_stored_file(
        FILE_KIND, name, download_name="thumbnail", file_type="png", inline=True
    )
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp
