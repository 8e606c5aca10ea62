"""Uploaded packages (a zip of many files — a SCORM course, an HTML5 bundle) unpacked on
disk: ``<UPLOAD_DIR>/<tenant>/<kind>/<generated folder>/``.

A package is judged entry by entry before anything of it is kept. Refused (with a
translated :class:`PackageRefused`):

* anything that is not a readable zip, an encrypted entry, an empty archive;
* names that could land outside the folder or mean something else on another system:
  absolute paths, ``..`` or ``.`` parts, backslashes, drive letters (``C:``), control
  characters (NUL included), very long names, the same name twice (also a file that is a
  folder of another entry);
* symbolic links and other special files (the zip's Unix mode);
* more than :data:`MAX_ENTRIES` entries, more than ``PACKAGE_MAX_UNPACKED_SIZE`` bytes
  unpacked, a zip file above ``PACKAGE_MAX_UPLOAD_SIZE``, or an entry that expands more
  than :data:`MAX_RATIO` times (a zip bomb). Sizes are counted on the bytes actually
  written, never taken from the archive's headers.

Everything is extracted into a hidden temporary folder beside the real ones, checked
there by the caller (``inspect``), and renamed into place only at the end: a refusal or an
error leaves nothing behind. Folder names are generated (32 hex digits); the uploader's
names live only inside the folder.

Files go back out through :func:`send_package_file`: a path inside the package is
resolved and must stay within the folder (no ``..``, no symlink, no encoded tricks reach
the disk), the MIME type comes from the extension we know (else a download type),
``X-Content-Type-Options: nosniff`` and the caller's Content-Security-Policy (a sandbox:
a package is active content from someone else).

Frames of a sandboxed package have an opaque origin, so the browser sends them no
(SameSite) session cookie; :func:`package_token` gives the page that frames a package a
signed, expiring capability for one person and one package folder, to put in the
package's URLs (:func:`package_token_subject` checks it).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import uuid
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import Response, abort, current_app, send_file
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..i18n import gettext
from ..tenancy import require_tenant_id
from .store import _folder

#: Entries (files and folders) a package may hold.
MAX_ENTRIES = 2000
#: How much one entry may expand (uncompressed / compressed) once above ``_RATIO_FLOOR``.
MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024
#: Defaults of the settings ``PACKAGE_MAX_UNPACKED_SIZE`` and ``PACKAGE_MAX_UPLOAD_SIZE``.
DEFAULT_MAX_UNPACKED = 200 * 1024 * 1024
DEFAULT_MAX_UPLOAD = 100 * 1024 * 1024
_MAX_NAME = 400
_MAX_PART = 200
_CHUNK = 64 * 1024

_FOLDER = re.compile(r"[0-9a-f]{32}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_DRIVE = re.compile(r"^[A-Za-z]:")

#: Types of the files packages are made of; anything else is sent as a download type.
PACKAGE_MIME = {
    "html": "text/html; charset=utf-8",
    "htm": "text/html; charset=utf-8",
    "xhtml": "application/xhtml+xml",
    "js": "text/javascript; charset=utf-8",
    "mjs": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "json": "application/json",
    "xml": "application/xml",
    "xsd": "application/xml",
    "dtd": "application/xml-dtd",
    "txt": "text/plain; charset=utf-8",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "svg": "image/svg+xml",
    "ico": "image/x-icon",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
    "m4a": "audio/mp4",
    "vtt": "text/vtt; charset=utf-8",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "pdf": "application/pdf",
    "swf": "application/octet-stream",
}
_HTML = {"html", "htm", "xhtml"}
_HEAD = re.compile(rb"<head(\s[^>]*)?>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset", re.IGNORECASE)
_META_CHARSET_TAG = re.compile(rb"<meta[^>]+charset[^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(rb"<html(\s[^>]*)?>", re.IGNORECASE)


class PackageRefused(ValueError):
    """A package that is not kept; ``str()`` is the translated reason to show."""


@dataclass(frozen=True)
class UnpackedPackage:
    """A package kept on disk: its generated ``folder`` name (what a row keeps), how many
    files it has, their total size in bytes, and what the caller's ``inspect`` returned."""

    folder: str
    file_count: int
    total_size: int
    inspected: Any = None


def _limit(key: str, default: int) -> int:
    return int(current_app.config.get(key) or default)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def _check_name(raw: str) -> str:
    """The entry's path (folders without their trailing ``/``) or PackageRefused."""
    name = raw[:-1] if raw.endswith("/") else raw
    bad = gettext(
        "The package contains a file name that is not allowed (%(name)s). Files must stay "
        "inside the package.",
        name=_CONTROL.sub("?", raw)[:80],
    )
    if not name or len(name) > _MAX_NAME or _CONTROL.search(raw):
        raise PackageRefused(bad)
    if "\\" in name or name.startswith("/") or _DRIVE.match(name):
        raise PackageRefused(bad)
    parts = name.split("/")
    if any(part in ("", ".", "..") or len(part) > _MAX_PART for part in parts):
        raise PackageRefused(bad)
    return name


def _is_special(info: zipfile.ZipInfo) -> bool:
    """A symlink, device, FIFO … by the entry's Unix mode (0 when the zip has none)."""
    mode = (info.external_attr >> 16) & 0xFFFF
    if not mode:
        return False
    kind = stat.S_IFMT(mode)
    return kind not in (0, stat.S_IFREG, stat.S_IFDIR)


def _judge(archive: zipfile.ZipFile, max_total: int) -> list[tuple[zipfile.ZipInfo, str]]:
    """Every entry with its checked name, in archive order; refuses the package as a
    whole before anything is written."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise PackageRefused(
            gettext(
                "The package has too many files (%(count)s; at most %(max)s).",
                count=len(infos),
                max=MAX_ENTRIES,
            )
        )
    seen: set[str] = set()
    folders: set[str] = set()
    files: set[str] = set()
    entries: list[tuple[zipfile.ZipInfo, str]] = []
    declared = 0
    for info in infos:
        # zipfile cuts a name at a NUL byte; the name as written is judged too
        name = _check_name(info.filename)
        if _CONTROL.search(info.orig_filename):
            _check_name(info.orig_filename)
        if _is_special(info):
            raise PackageRefused(
                gettext(
                    "The package contains a link or special file (%(name)s); only ordinary "
                    "files and folders are accepted.",
                    name=name[:80],
                )
            )
        if info.flag_bits & 0x1:
            raise PackageRefused(
                gettext("The package is password-protected. Upload it without a password.")
            )
        if name in seen:
            raise PackageRefused(gettext("The package contains %(name)s twice.", name=name[:80]))
        seen.add(name)
        parents = name.split("/")[:-1]
        for i in range(1, len(parents) + 1):
            folders.add("/".join(parents[:i]))
        if info.is_dir():
            folders.add(name)
        else:
            files.add(name)
            declared += info.file_size
        entries.append((info, name))
    if files & folders:
        clash = sorted(files & folders)[0]
        raise PackageRefused(gettext("The package contains %(name)s twice.", name=clash[:80]))
    if not files:
        raise PackageRefused(gettext("The package is empty."))
    if declared > max_total:
        raise PackageRefused(_too_large(max_total))
    return entries


def _too_large(max_total: int) -> str:
    return gettext(
        "The package unpacks to more than %(size)s MB, the most accepted.",
        size=_megabytes(max_total),
    )


def _damaged() -> str:
    return gettext("The package is damaged and could not be unpacked.")


def _bomb() -> str:
    return gettext("The package expands too much to be unpacked safely.")


def _extract(
    archive: zipfile.ZipFile, entries: list[tuple[zipfile.ZipInfo, str]], into: Path, max_total: int
) -> tuple[int, int]:
    """Write the entries under ``into`` counting real bytes; returns (files, bytes)."""
    total = 0
    count = 0
    for info, name in entries:
        target = into.joinpath(*name.split("/"))
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        allowed = max(_RATIO_FLOOR, info.compress_size * MAX_RATIO)
        written = 0
        with archive.open(info) as src, target.open("xb") as out:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                total += len(chunk)
                if total > max_total:
                    raise PackageRefused(_too_large(max_total))
                if written > allowed:
                    raise PackageRefused(_bomb())
                out.write(chunk)
        count += 1
    return count, total


def unpack_package(
    fh: IO[bytes], *, kind: str, inspect: Callable[[Path], Any] | None = None
) -> UnpackedPackage:
    """Check the zip in ``fh`` and unpack it under a new generated folder of ``kind`` in the
    current tenant's upload folder.

    ``inspect(path)`` is called on the fully extracted temporary folder before it is put
    in place — the caller's own checks (a manifest); it may raise :class:`PackageRefused`
    (or anything else) and then nothing is kept. Its return value is passed back as
    ``.inspected``. Register ``on_rollback(lambda: remove_package(kind, folder))`` so a
    rolled-back request leaves no orphan folder.
    """
    root = _folder(kind)
    max_total = _limit("PACKAGE_MAX_UNPACKED_SIZE", DEFAULT_MAX_UNPACKED)
    max_upload = _limit("PACKAGE_MAX_UPLOAD_SIZE", DEFAULT_MAX_UPLOAD)
    try:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(0)
    except (OSError, ValueError) as exc:
        raise PackageRefused(gettext("The package could not be read.")) from exc
    if size == 0:
        raise PackageRefused(gettext("The file is empty."))
    if size > max_upload:
        raise PackageRefused(
            gettext(
                "The package is larger than %(size)s MB, the most accepted.",
                size=_megabytes(max_upload),
            )
        )
    not_zip = gettext("This file is not a zip package.")
    try:
        archive = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise PackageRefused(not_zip) from exc
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{uuid.uuid4().hex}.part"
    try:
        with archive:
            entries = _judge(archive, max_total)
            tmp.mkdir()
            try:
                count, total = _extract(archive, entries, tmp, max_total)
            except PackageRefused:
                raise
            except (
                zipfile.BadZipFile,
                zlib.error,
                EOFError,
                NotImplementedError,
                RuntimeError,
            ) as exc:
                # BadZipFile: a CRC mismatch (a header that lied about its size); an unknown
                # compression method; RuntimeError: an encrypted entry
                raise PackageRefused(_damaged()) from exc
        inspected = inspect(tmp) if inspect is not None else None
        folder = uuid.uuid4().hex
        os.rename(tmp, root / folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        fh.seek(0)
    return UnpackedPackage(folder, count, total, inspected)


def _package_root(kind: str, folder: str) -> Path | None:
    if not _FOLDER.fullmatch(folder or ""):
        return None
    base = _folder(kind) / folder
    return base if base.is_dir() and not base.is_symlink() else None


def remove_package(kind: str, folder: str) -> None:
    """Delete an unpacked package (an unknown or already removed folder is not an error).
    Call it after the commit that stops naming the folder (``api.on_commit``)."""
    base = _package_root(kind, folder)
    if base is not None:
        shutil.rmtree(base, ignore_errors=True)


def package_file_path(kind: str, folder: str, relpath: str) -> Path | None:
    """The file ``relpath`` (``/``-separated, as in the zip) of the current tenant's package,
    or ``None`` when it is not a file inside that folder: ``..``, absolute and drive paths,
    backslashes, control characters, symlinks anywhere on the way, folders and missing
    files all answer ``None``."""
    base = _package_root(kind, folder)
    if base is None or not relpath or len(relpath) > _MAX_NAME:
        return None
    try:
        _check_name(relpath)
    except PackageRefused:
        return None
    path = base.joinpath(*relpath.split("/"))
    probe = path
    while probe != base:  # no symlink on the way (resolve would follow it)
        if probe.is_symlink():
            return None
        probe = probe.parent
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(base.resolve()) or not resolved.is_file():
        return None
    return resolved


def package_mime(relpath: str) -> str:
    """The MIME type a package file is sent with (by its extension, from a fixed list)."""
    ext = relpath.rsplit(".", 1)[-1].lower() if "." in relpath.rsplit("/", 1)[-1] else ""
    return PACKAGE_MIME.get(ext, "application/octet-stream")


def _inject(html: bytes, markup: bytes) -> bytes:
    """``markup`` at the top of ``<head>`` (else right after ``<html>``, else first) — but
    after a ``<meta charset>`` near the start, which browsers only honour in the first
    1,024 bytes."""
    meta = _META_CHARSET_TAG.search(html, 0, 1024)
    if meta:
        return html[: meta.end()] + markup + html[meta.end() :]
    for pattern in (_HEAD, _HTML_TAG):
        match = pattern.search(html, 0, 64 * 1024)
        if match:
            return html[: match.end()] + markup + html[match.end() :]
    return markup + html


def send_package_file(
    kind: str, folder: str, relpath: str, *, csp: str, head_html: str | None = None
) -> Response:
    """One file of the current tenant's package as a response (404 if it is not a file
    inside the package): its MIME type by extension, ``X-Content-Type-Options: nosniff``,
    ``Cache-Control: private, no-store``, no referrer, and ``csp`` as its
    Content-Security-Policy (make it a ``sandbox``). ``head_html`` — markup the caller
    inserts at the top of ``<head>`` of HTML files (a runtime for the package's scripts;
    after a leading ``<meta charset>``); it must be ASCII. An HTML file that names its own
    encoding (``<meta charset>``, a byte-order mark) is sent without a charset."""
    path = package_file_path(kind, folder, relpath)
    if path is None:
        abort(404)
    mime = package_mime(relpath)
    ext = relpath.rsplit(".", 1)[-1].lower()
    if ext in _HTML:
        with path.open("rb") as fh:
            start = fh.read(1024)
        if _META_CHARSET.search(start) or start.startswith(
            (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
        ):
            mime = mime.split(";")[0]  # the page says its own encoding
    if head_html is not None and ext in _HTML:
        body = _inject(path.read_bytes(), head_html.encode("ascii"))
        resp = Response(body, mimetype=mime.split(";")[0])
    else:
        resp = send_file(path, mimetype=mime, conditional=True, max_age=0)
    resp.headers["Content-Type"] = mime
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Content-Security-Policy"] = csp
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    return resp


def _serializer(kind: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portalis.package.{kind}")


def package_token(kind: str, folder: str, subject: Any) -> str:
    """A signed capability naming ``subject`` (a small JSON value: a user id, or a user and
    a lesson) for one package folder of the current tenant, for URLs a sandboxed frame
    loads without cookies. It is readable (signed, not encrypted): put no secret in it."""
    return str(_serializer(kind).dumps([require_tenant_id(), folder, subject]))


def package_token_subject(kind: str, folder: str, token: str, max_age: int) -> Any:
    """The subject of a :func:`package_token` for this tenant and folder issued at most
    ``max_age`` seconds ago, else ``None``."""
    if not token or len(token) > 200:
        return None
    try:
        tenant_id, signed_folder, subject = _serializer(kind).loads(token, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    if tenant_id != require_tenant_id() or signed_folder != folder:
        return None
    return subject
