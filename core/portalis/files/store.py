"""Accepted uploads on disk: ``<UPLOAD_DIR>/<tenant>/<kind>/<generated name>``.

"Kind" is a folder per owner ("content", "applications", "agreements" …), so one owner
never lists, overwrites or removes another's files, and a tenant's files never sit beside
another tenant's. Files get generated names (32 hex digits and the detected type's
extension): the uploader's name never reaches the file system, and a name that is not
one of ours (``../``, a path, another extension) is simply unknown. The upload folder is
outside every static folder; files go out only through :mod:`.sending`.

A file is written to a temporary name and renamed when complete, so a failure (a full
disk, a broken connection) never leaves a partial file under a real name. Files are
immutable: a new upload is a new name.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import current_app

from ..tenancy import require_tenant_id
from .sniffing import CHUNK, EXTENSION, sniff

_KIND = re.compile(r"[a-z][a-z0-9_]{0,39}")
_STORED = re.compile(r"[0-9a-f]{32}\.[a-z0-9]{2,4}")


@dataclass(frozen=True)
class StoredFile:
    """An accepted upload: its generated ``name`` (what a row keeps), the detected type,
    its size in bytes, the SHA-256 of its bytes and a PDF's page count."""

    name: str
    file_type: str
    size: int
    sha256: str
    pages: int | None = None


def _folder(kind: str) -> Path:
    """The current tenant's folder for ``kind`` (raises outside a tenant scope)."""
    if not _KIND.fullmatch(kind or ""):
        raise ValueError(f"kind must be a lower-case folder name, not {kind!r}")
    return Path(current_app.config["UPLOAD_DIR"]) / str(require_tenant_id()) / kind


def store_upload(fh: IO[bytes], *, kind: str, allowed: Collection[str]) -> StoredFile:
    """Check an upload by its content and keep it; raises
    :class:`~portalis.files.sniffing.UploadRefused` (a translated message) for a file of
    another type or a damaged one, and then nothing is written."""
    folder = _folder(kind)
    sniffed = sniff(fh, allowed)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.{EXTENSION.get(sniffed.file_type, sniffed.file_type)}"
    tmp = folder / f".{uuid.uuid4().hex}.part"
    digest = hashlib.sha256()
    size = 0
    fh.seek(0)
    try:
        with tmp.open("xb") as out:
            while chunk := fh.read(CHUNK):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        os.replace(tmp, folder / name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        fh.seek(0)
    return StoredFile(name, sniffed.file_type, size, digest.hexdigest(), sniffed.pages)


def stored_file_path(kind: str, name: str) -> Path | None:
    """The current tenant's file ``name`` of ``kind``, or ``None`` if the name is not one
    :func:`store_upload` gives or no such file exists (no path tricks reach the disk)."""
    if not _STORED.fullmatch(name or ""):
        return None
    path = _folder(kind) / name
    return path if path.is_file() else None


def remove_stored_file(kind: str, name: str) -> None:
    """Delete a stored file; an unknown name or a file already gone is not an error.
    Call it after the commit that stops naming the file (``api.on_commit``)."""
    path = stored_file_path(kind, name)
    if path is not None:
        path.unlink(missing_ok=True)
