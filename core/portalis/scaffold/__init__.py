"""``portalis plugin new NAME``: write a new plugin, ready to install, in the one plugin shape.

What it generates (into ``DIR/NAME``): an installable distribution ``portalis-NAME`` laid out
exactly as "The shape of a plugin" in ``docs/plugins.md`` describes — ``pyproject.toml``
(entry point ``portalis.plugins``, extra ``test``), ``README.md``, the package
``portalis_NAME/`` with ``plugin.py``, ``i18n.py``, ``models.py``, ``access.py``,
``service.py``, ``forms.py``, ``widgets.py``, ``metrics.py``, ``jobs.py``, ``demo.py``,
``views/`` (blueprint, partner and vendor pages), ``templates/NAME/``, ``migrations/`` with
a first revision, ``translations/`` with a German catalog, and ``tests/`` (behaviour tests
and the contract-test kit).

Why: the generated plugin is a small but complete feature — partners keep short entries
(a model, a partner page with a form, a vendor page with a count, a nav item per side, a
dashboard widget, a permission, per-program settings, a tier metric, a retention job, demo
data, a message catalog) — so an author starts from working code that follows every rule
of the plugin system, and changes it instead of copying from a bundled plugin. Its tests
pass straight after generation; CI (``scripts/test``) generates, installs and tests one.

The templates are real files under ``template/``: ``NAME`` in a path is the plugin name,
and the contents are :class:`string.Template` text (``$name``, ``$title``, ``$package``,
``$dist``, ``$date``; ``$$`` is a literal dollar), each ending in ``.tmpl`` so no tool
mistakes them for the core's own code.
"""

from __future__ import annotations

import datetime as dt
import keyword
import re
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from string import Template

TEMPLATE_DIR = Path(__file__).resolve().parent / "template"
SUFFIX = ".tmpl"

#: Names a plugin can't take: the core's own, and the URL prefixes and template folders
#: the core uses (a plugin's name is its URL prefix, template folder and message domain).
RESERVED = frozenset(
    {
        "core", "portalis", "api", "admin", "auth", "platform", "portal", "search", "static",
        "login", "logout", "dashboard", "macros", "mail", "layout", "plugins", "plugin",
        "test", "tests", "testing", "messages", "settings", "users", "partners", "programs",
        "tiers", "tenants", "jobs", "events", "migrations", "templates", "translations",
    }
)  # fmt: skip
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


class ScaffoldError(ValueError):
    """The plugin can't be generated (bad name, folder exists); the message says why."""


@dataclass(frozen=True)
class Names:
    name: str  # notes
    title: str  # Notes
    package: str  # portalis_notes
    dist: str  # portalis-notes

    @classmethod
    def of(cls, name: str) -> Names:
        return cls(
            name=name,
            title=name.replace("_", " ").capitalize(),
            package=f"portalis_{name}",
            dist=f"portalis-{name.replace('_', '-')}",
        )


def installed_plugin_names() -> set[str]:
    return {ep.name for ep in entry_points(group="portalis.plugins")}


def validate_name(name: str, installed: set[str] | None = None) -> str:
    """``name`` if it can be a new plugin's name, else :class:`ScaffoldError` saying why."""
    if not NAME_RE.match(name) or name.endswith("_") or "__" in name:
        raise ScaffoldError(
            f"{name!r} is not a plugin name: use 2-31 lower-case letters, digits and single "
            "underscores, starting with a letter (it becomes a Python package, a URL prefix "
            "and a message domain)"
        )
    if keyword.iskeyword(name) or name in RESERVED:
        raise ScaffoldError(f"{name!r} is taken by Portalis itself; choose another name")
    if name in (installed_plugin_names() if installed is None else installed):
        raise ScaffoldError(f"a plugin named {name!r} is already installed; choose another name")
    return name


def template_files() -> list[Path]:
    """The template files, relative to :data:`TEMPLATE_DIR`, sorted."""
    return sorted(
        p.relative_to(TEMPLATE_DIR)
        for p in TEMPLATE_DIR.rglob(f"*{SUFFIX}")
        if "__pycache__" not in p.parts
    )


def output_path(template: Path, names: Names) -> Path:
    """Where a template file lands in the generated plugin (relative to its folder)."""
    parts = [
        part.replace("portalis_NAME", names.package).replace("NAME", names.name)
        for part in template.parts
    ]
    parts[-1] = parts[-1][: -len(SUFFIX)]
    return Path(*parts)


def expected_files(name: str) -> list[Path]:
    """Every file ``generate`` writes for ``name``, relative to the plugin's folder."""
    names = Names.of(name)
    return [output_path(t, names) for t in template_files()]


def generate(name: str, parent: Path, *, installed: set[str] | None = None) -> Path:
    """Write plugin ``name`` into ``parent/name`` and return that folder.

    Refuses (:class:`ScaffoldError`) a bad or taken name and an existing folder; writes
    nothing in either case.
    """
    validate_name(name, installed)
    target = Path(parent) / name
    if target.exists():
        raise ScaffoldError(f"{target} already exists; not overwriting it")
    names = Names.of(name)
    values = {
        "name": names.name,
        "title": names.title,
        "package": names.package,
        "dist": names.dist,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
    }
    rendered = []
    for template in template_files():
        text = (TEMPLATE_DIR / template).read_text(encoding="utf-8")
        try:
            content = Template(text).substitute(values)
        except (KeyError, ValueError) as exc:  # a broken template: a bug in Portalis
            raise RuntimeError(f"scaffold template {template}: {exc!r}") from exc
        rendered.append((output_path(template, names), content))
    for rel, content in rendered:
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return target


def next_steps(target: Path, name: str) -> str:
    """What to do after generating, printed by the command."""
    return "\n".join(
        [
            f"Created {target}",
            "",
            "Next steps (set PORTALIS_INSTANCE_PATH first, e.g. to a folder of your own: the",
            "commands keep the portal's database and uploads there):",
            f'  pip install -e "{target}[test]"     # the plugin, pytest and the fixtures',
            "  portalis db upgrade                  # migrates the core, then creates its tables",
            "  portalis demo                        # once: demo tenants acme and globex, every "
            "plugin on",
            f"  pytest {target / 'tests'}",
            "  portalis run --port 5000             # http://acme.localhost:5000 (password "
            "portalis-demo;",
            "                                       #  logins: portalis users list --tenant acme)",
            "",
            f"Switch it on for a program of a real tenant: portalis plugins enable --tenant SLUG "
            f"--program SLUG {name}",
            "  (or in the admin: Programs & tiers -> open the program -> Configure).",
            f"Then make it yours: start in {target / Names.of(name).package / 'plugin.py'}, with",
            "the plugin guide docs/plugins.md of the Portalis repository beside you.",
        ]
    )


__all__ = [
    "ScaffoldError",
    "expected_files",
    "generate",
    "next_steps",
    "validate_name",
]
