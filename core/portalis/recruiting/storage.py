"""Applicants' files, kept by the core's file store under the kind ``applications``.

Only the types a reviewer can open safely are taken (PDF, PNG, JPEG), decided from the
bytes; the name the applicant gave is kept only as the download name. Files are served to
vendor staff only (``web/admin/applications.py``), always as attachments.
"""

from __future__ import annotations

from typing import Any

from ..files import sending, store
from ..files.sniffing import UploadRefused, sniff
from ..uploads import clean_filename
from .questions import FILE_TYPES

KIND = "applications"

Refused = UploadRefused


def check(upload: Any) -> None:
    """Raise :class:`Refused` (a translated message) when the upload's content is not an
    allowed type; nothing is written. The public form judges every file this way before
    it looks at the address, so a refused file is answered the same for everyone."""
    sniff(upload.stream, FILE_TYPES)


def stored(upload: Any) -> dict[str, Any]:
    """Store one uploaded file; raises :class:`Refused` (a translated message) when its
    content is not an allowed type. Returns the answer value kept on the application."""
    result = store.store_upload(upload.stream, kind=KIND, allowed=FILE_TYPES)
    return {
        "name": result.name,
        "filename": clean_filename(upload.filename, "attachment"),
        "file_type": result.file_type,
        "size": result.size,
        "sha256": result.sha256,
    }


def remove(name: str) -> None:
    store.remove_stored_file(KIND, name)


def send(value: dict[str, Any]) -> Any:
    """The file as a download (never inline: a reviewer's browser doesn't render it)."""
    return sending.send_stored_file(
        KIND,
        str(value.get("name", "")),
        download_name=str(value.get("filename") or "attachment"),
        file_type=str(value.get("file_type", "")),
        inline=False,
    )
