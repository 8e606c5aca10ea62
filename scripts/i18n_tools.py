"""Translator tooling behind ``scripts/i18n``: extract, update, compile, check.

One message domain per distribution: ``portalis`` for the core (sources in
``core/portalis``) and the plugin name for each bundled plugin (``plugins/<name>``).
Catalogs live in ``locales/<lang>/LC_MESSAGES/<domain>.po``; templates in
``locales/<domain>.pot``.

Repository tooling, not part of the installed ``portalis`` package: the running portal
reads the ``.po`` catalogs themselves and never needs this module. A plugin outside this
repository uses plain ``pybabel`` (docs/translating.md, "A plugin of your own").
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portalis.i18n import SHIPPED_LOCALES

SOURCE_ROOT = Path(__file__).resolve().parents[1]
LOCALES = SOURCE_ROOT / "locales"
KEYWORDS = [
    "_",
    "gettext",
    "ngettext:1,2",
    "pgettext:1c,2",
    "lazy_gettext",
    "_l",
    "lazy_pgettext:1c,2",
    "_n:1,2",
    "_p:1c,2",
    "N_",
]
TRANSLATED = [loc for loc in SHIPPED_LOCALES if loc != "en"]
PLACEHOLDER = re.compile(r"%\([a-zA-Z_][a-zA-Z0-9_]*\)[sdfr]|\{[a-zA-Z_][a-zA-Z0-9_]*\}")


def domains() -> dict[str, Path]:
    out = {"portalis": SOURCE_ROOT / "core" / "portalis"}
    for d in sorted((SOURCE_ROOT / "plugins").glob("*/portalis_*")):
        if d.is_dir() and not d.name.endswith(".egg-info"):
            out[d.parent.name] = d
    return out


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True)  # noqa: S603


def extract() -> None:
    for domain, src in domains().items():
        kw = [f"-k{k}" for k in KEYWORDS]
        _pybabel(
            "extract",
            "-F",
            str(SOURCE_ROOT / "babel.cfg"),
            *kw,
            "--no-wrap",
            "--sort-by-file",
            "--project=Portalis",
            "--copyright-holder=Portalis contributors",
            "--msgid-bugs-address=https://github.com/portalis/portalis/issues",
            "-o",
            str(LOCALES / f"{domain}.pot"),
            str(src),
        )


def update() -> None:
    for domain in domains():
        pot = LOCALES / f"{domain}.pot"
        for loc in TRANSLATED:
            po = LOCALES / loc / "LC_MESSAGES" / f"{domain}.po"
            if po.exists():
                _pybabel(
                    "update",
                    "-i",
                    str(pot),
                    "-d",
                    str(LOCALES),
                    "-D",
                    domain,
                    "-l",
                    loc,
                    "--no-wrap",
                    "--ignore-obsolete",
                )
            else:
                _pybabel(
                    "init", "-i", str(pot), "-d", str(LOCALES), "-D", domain, "-l", loc, "--no-wrap"
                )


def compile_all() -> None:
    for domain in domains():
        _pybabel("compile", "-d", str(LOCALES), "-D", domain, "--statistics")


def check(strict_locales: list[str] | None = None) -> int:
    """Catalogs compile, placeholders match, no fuzzy entries; prints coverage. Exit code."""
    strict = set(strict_locales if strict_locales is not None else TRANSLATED)
    problems: list[str] = []
    rows: list[tuple[str, str, int, int]] = []
    for domain in domains():
        pot_path = LOCALES / f"{domain}.pot"
        if not pot_path.exists():
            problems.append(f"{domain}: no template {pot_path.name}; run scripts/i18n extract")
            continue
        with pot_path.open("rb") as fh:
            pot = read_po(fh)
        wanted = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in pot if m.id}
        for loc in TRANSLATED:
            po_path = LOCALES / loc / "LC_MESSAGES" / f"{domain}.po"
            if not po_path.exists():
                rows.append((domain, loc, 0, len(wanted)))
                if loc in strict:
                    problems.append(f"{domain}/{loc}: missing catalog")
                continue
            with po_path.open("rb") as fh:
                cat = read_po(fh, locale=loc)
            try:
                write_mo(io.BytesIO(), cat)
            except Exception as exc:  # a catalog that can't compile
                problems.append(f"{domain}/{loc}: does not compile: {exc}")
            done = 0
            for msg in cat:
                if not msg.id:
                    continue
                key = msg.id if isinstance(msg.id, str) else msg.id[0]
                if (msg.context, key) not in wanted:
                    continue
                strings = msg.string if isinstance(msg.string, tuple | list) else (msg.string,)
                if msg.fuzzy and loc in strict:
                    problems.append(f"{domain}/{loc}: fuzzy entry {key!r}")
                if all(strings):
                    done += 1
                    ids = msg.id if isinstance(msg.id, tuple | list) else (msg.id,)
                    expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
                    for s in strings:
                        found = set(PLACEHOLDER.findall(s))
                        if (
                            not found <= expected
                            or not (set(PLACEHOLDER.findall(ids[0])) - {"%(num)s"}) <= found
                        ):
                            problems.append(
                                f"{domain}/{loc}: placeholders differ in {key!r}: {sorted(found)} vs {sorted(expected)}"
                            )
            rows.append((domain, loc, done, len(wanted)))
    print(f"{'domain':<12} {'lang':<6} {'translated':>10} {'total':>6} {'coverage':>9}")
    for domain, loc, done, total in rows:
        pct = 100.0 * done / total if total else 100.0
        print(f"{domain:<12} {loc:<6} {done:>10} {total:>6} {pct:>8.1f}%")
        if loc in strict and done < total:
            problems.append(f"{domain}/{loc}: {total - done} untranslated")
    for p in problems:
        print("problem:", p)
    print("i18n check:", "FAILED" if problems else "ok")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/i18n", description=__doc__)
    parser.add_argument("command", choices=["extract", "update", "compile", "check", "all"])
    args = parser.parse_args(argv)
    if args.command in ("extract", "all"):
        extract()
    if args.command in ("update", "all"):
        update()
    if args.command == "compile":
        compile_all()
    if args.command in ("check", "all"):
        return check()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
