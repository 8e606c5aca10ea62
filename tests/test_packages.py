"""Unpacked packages (``portalis.files.packages`` through ``portalis.api``): a zip is
judged before anything of it is kept — no traversal, links, special names, bombs, too many
entries, duplicates — and a refusal leaves nothing on disk; a file inside a package is
reached only inside it; files go out with the caller's sandbox CSP and nosniff; tokens
for cookie-less frames name one tenant and one folder."""

from __future__ import annotations

import io
import os
import stat
import time
import zipfile
from pathlib import Path

import pytest
from werkzeug.exceptions import NotFound

from portalis import api

pytestmark = pytest.mark.plugins()  # the core alone

TENANT = 101
OTHER_TENANT = 202
KIND = "pkg"


@pytest.fixture
def uploads(portalis_app, tmp_path, monkeypatch):
    monkeypatch.setitem(portalis_app.config, "UPLOAD_DIR", str(tmp_path))
    with portalis_app.test_request_context(), api.tenant_scope(TENANT):
        yield tmp_path


def everything_under(root: Path) -> list[str]:
    """Every file and folder (hidden temporary ones too) below ``root``."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def make_zip(entries: dict[str, bytes | str], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            z.writestr(info, data)
    return buf.getvalue()


def unpack(data: bytes, **kw):
    return api.unpack_package(io.BytesIO(data), kind=KIND, **kw)


def refusal(data: bytes, **kw) -> str:
    with pytest.raises(api.PackageRefused) as caught:
        unpack(data, **kw)
    return str(caught.value)


GOOD = {"index.html": "<html><head><title>x</title></head><body>hi</body></html>", "a/b.js": "1"}


def test_a_package_is_unpacked_under_a_generated_folder(uploads):
    kept = unpack(make_zip(GOOD))
    assert kept.file_count == 2
    assert kept.total_size == sum(len(v) for v in GOOD.values())
    folder = uploads / str(TENANT) / KIND / kept.folder
    assert (folder / "index.html").read_text() == GOOD["index.html"]
    assert (folder / "a" / "b.js").read_text() == "1"
    assert everything_under(uploads / str(TENANT) / KIND) == sorted(
        [kept.folder, f"{kept.folder}/index.html", f"{kept.folder}/a", f"{kept.folder}/a/b.js"]
    )


def _symlink_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.html", "x")
        link = zipfile.ZipInfo("passwd")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"just some text, not a zip", "not a zip"),
        (b"", "empty"),
        (make_zip({"../evil.html": "x", "index.html": "y"}), "not allowed"),
        (make_zip({"a/../../evil.html": "x"}), "not allowed"),
        (make_zip({"/etc/cron.d/evil": "x"}), "not allowed"),
        (make_zip({"a\\..\\..\\evil": "x"}), "not allowed"),
        (make_zip({"C:/Windows/evil.dll": "x"}), "not allowed"),
        (make_zip({"a/./b.html": "x"}), "not allowed"),
        (make_zip({"nulX.html": "x"}).replace(b"nulX.html", b"nul\x00.html"), "not allowed"),
        (make_zip({"line\nbreak.html": "x"}), "not allowed"),
        (_symlink_zip(), "link or special file"),
        (make_zip({"a": "file", "a/b": "child of a file"}), "twice"),
        (make_zip({"only/": ""}), "empty"),
    ],
    ids=[
        "not-a-zip",
        "empty-file",
        "dot-dot",
        "dot-dot-inside",
        "absolute",
        "backslashes",
        "drive-letter",
        "dot-part",
        "nul",
        "newline",
        "symlink",
        "file-and-folder",
        "no-files",
    ],
)
def test_refused_packages_say_why_and_leave_nothing(uploads, data, says):
    assert says in refusal(data)
    assert everything_under(uploads) in ([], [str(TENANT), f"{TENANT}/{KIND}"])


def test_the_same_name_twice_is_refused(uploads):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z, pytest.warns(UserWarning):
        z.writestr("index.html", "one")
        z.writestr("index.html", "two")
    assert "twice" in refusal(buf.getvalue())
    assert not [p for p in uploads.rglob("*") if p.is_file()]


def test_too_many_entries_are_refused_before_anything_is_written(uploads, monkeypatch):
    data = make_zip({f"f{i}.txt": "x" for i in range(api_max_entries() + 1)})
    assert "too many files" in refusal(data)
    assert not [p for p in uploads.rglob("*") if p.is_file()]


def api_max_entries() -> int:
    from portalis.files import packages

    return packages.MAX_ENTRIES


def test_a_zip_bomb_is_stopped_while_it_expands(uploads):
    # 60 MB of zeros compress to about 60 kB: far beyond the per-entry ratio
    bomb = make_zip({"index.html": "x", "zeros.bin": b"\0" * (60 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024
    assert "expands too much" in refusal(bomb)
    assert not [p for p in uploads.rglob("*") if p.is_file()]
    assert not list((uploads / str(TENANT) / KIND).iterdir())


def test_a_header_that_understates_the_size_does_not_fool_the_count(uploads, monkeypatch):
    """The central directory says 10 bytes; the entry really holds 3 MB. The bytes
    actually written are what counts (zipfile stops at the declared size and the CRC
    then fails): refused, nothing kept."""
    big = b"A" * (3 * 1024 * 1024)
    data = bytearray(make_zip({"index.html": "x", "big.txt": big}))
    # patch the uncompressed size in the local header and the central directory
    real = len(big).to_bytes(4, "little")
    fake = (10).to_bytes(4, "little")
    assert data.count(real) == 2
    data = bytearray(bytes(data).replace(real, fake))
    message = refusal(bytes(data))
    assert "damaged" in message or "expands" in message
    assert not [p for p in uploads.rglob("*") if p.is_file()]


def test_the_unpacked_total_and_the_upload_size_are_limited(uploads, portalis_app, monkeypatch):
    monkeypatch.setitem(portalis_app.config, "PACKAGE_MAX_UNPACKED_SIZE", 1000)
    data = make_zip({"a.txt": "x" * 600, "b.txt": "y" * 600})
    assert "unpacks to more than" in refusal(data)
    monkeypatch.setitem(portalis_app.config, "PACKAGE_MAX_UNPACKED_SIZE", 10**9)
    monkeypatch.setitem(portalis_app.config, "PACKAGE_MAX_UPLOAD_SIZE", 100)
    assert "larger than" in refusal(data)
    assert not [p for p in uploads.rglob("*") if p.is_file()]


def test_the_callers_inspection_runs_on_the_extracted_files_and_a_refusal_keeps_nothing(uploads):
    seen = []

    def inspect(folder: Path):
        seen.append(sorted(p.name for p in folder.iterdir()))
        raise api.PackageRefused("no manifest")

    assert refusal(make_zip(GOOD), inspect=inspect) == "no manifest"
    assert seen == [["a", "index.html"]]
    assert not [p for p in uploads.rglob("*") if p.is_file()]
    assert unpack(make_zip(GOOD), inspect=lambda folder: "ok").inspected == "ok"


def test_package_files_are_reached_only_inside_their_package(uploads):
    one = unpack(make_zip(GOOD)).folder
    two = unpack(make_zip({"secret.txt": "other package"})).folder
    assert api.package_file_path(KIND, one, "a/b.js") is not None
    for path in (
        "../" + two + "/secret.txt",
        "a/../../" + two + "/secret.txt",
        "/etc/passwd",
        "a\\b.js",
        "a",  # a folder
        "missing.html",
        "",
        "index.html\x00.png",
        "%2e%2e/" + two + "/secret.txt",
    ):
        assert api.package_file_path(KIND, one, path) is None, path
    for folder in ("../" + one, one.upper(), "x" * 32, ""):
        assert api.package_file_path(KIND, folder, "index.html") is None


def test_a_symlink_planted_in_a_package_folder_is_not_followed(uploads):
    folder = unpack(make_zip(GOOD)).folder
    base = uploads / str(TENANT) / KIND / folder
    (uploads / "outside.txt").write_text("secret")
    os.symlink(uploads / "outside.txt", base / "leak.txt")
    os.symlink(uploads, base / "dir")
    assert api.package_file_path(KIND, folder, "leak.txt") is None
    assert api.package_file_path(KIND, folder, "dir/outside.txt") is None


def test_another_tenants_package_is_unknown(uploads):
    folder = unpack(make_zip(GOOD)).folder
    with api.tenant_scope(OTHER_TENANT):
        assert api.package_file_path(KIND, folder, "index.html") is None


def test_files_go_out_with_their_type_nosniff_and_the_callers_csp(uploads):
    folder = unpack(make_zip(GOOD)).folder
    csp = "sandbox allow-scripts; default-src 'self'"
    resp = api.send_package_file(KIND, folder, "a/b.js", csp=csp)
    assert resp.headers["Content-Type"].startswith("text/javascript")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Content-Security-Policy"] == csp
    resp.direct_passthrough = False
    assert resp.get_data() == b"1"
    page = api.send_package_file(
        KIND, folder, "index.html", csp=csp, head_html="<script>1</script>"
    )
    assert page.get_data(as_text=True).startswith("<html><head><script>1</script><title>")
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    with pytest.raises(NotFound):
        api.send_package_file(KIND, folder, "../index.html", csp=csp)


def test_the_runtime_goes_after_a_leading_meta_charset_and_the_page_keeps_its_encoding(uploads):
    page = '<!DOCTYPE html><html><head><meta charset="windows-1252"><script src="a.js"></script>'
    folder = unpack(make_zip({"index.html": page})).folder
    resp = api.send_package_file(KIND, folder, "index.html", csp="sandbox", head_html="<i>")
    assert resp.get_data(as_text=True) == page.replace('"windows-1252">', '"windows-1252"><i>')
    assert resp.headers["Content-Type"] == "text/html"


def test_remove_package_deletes_the_folder_and_ignores_unknown_names(uploads):
    folder = unpack(make_zip(GOOD)).folder
    api.remove_package(KIND, folder)
    assert not (uploads / str(TENANT) / KIND / folder).exists()
    api.remove_package(KIND, folder)
    api.remove_package(KIND, "../..")
    assert uploads.exists()


def test_a_token_names_its_tenant_folder_and_subject_and_expires(uploads, monkeypatch):
    one = unpack(make_zip(GOOD)).folder
    two = unpack(make_zip(GOOD)).folder
    token = api.package_token(KIND, one, [7, 9])
    assert api.package_token_subject(KIND, one, token, 60) == [7, 9]
    assert api.package_token_subject(KIND, two, token, 60) is None
    assert api.package_token_subject("other", one, token, 60) is None
    assert api.package_token_subject(KIND, one, token[:-2] + "xx", 60) is None
    with api.tenant_scope(OTHER_TENANT):
        assert api.package_token_subject(KIND, one, token, 60) is None
    later = time.time() + 120
    monkeypatch.setattr(time, "time", lambda: later)
    assert api.package_token_subject(KIND, one, token, 60) is None
