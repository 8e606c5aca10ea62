"""PDF responses: private, never cached, never sniffed — made on the fly or from the store."""

from __future__ import annotations

import io

from flask import Response, send_file

from portalis import api

from .service import FILE_KIND


def send_pdf(data: bytes, filename: str) -> Response:
    """A PDF made for this request (the document to sign), shown in the browser."""
    resp = send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=api.clean_filename(filename, fallback="agreement.pdf"),
        max_age=0,
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def send_stored_pdf(name: str, filename: str) -> Response:
    """A stored PDF as a download: exactly the bytes whose SHA-256 was recorded."""
    return api.send_stored_file(FILE_KIND, name, download_name=filename, file_type="pdf")
