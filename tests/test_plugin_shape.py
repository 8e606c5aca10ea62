"""Every plugin has the one shape docs/plugins.md documents — the bundled ones and what
``portalis plugin new`` writes — so a reader who knows one plugin knows all of them.

The required files are read from the docs ("Required: …"), so the docs and this test
cannot disagree; the tree in the docs is checked against the scaffold's output.
"""

import ast
import re
from pathlib import Path

import pytest

from portalis.scaffold import expected_files

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
BUNDLED = sorted(p.parent.name for p in (ROOT / "plugins").glob("*/pyproject.toml"))
TEMPLATE_SIDES = {"partner", "vendor", "public", "widgets", "mail"}


def _shape_section() -> str:
    start = DOC.index("## The shape of a plugin")
    return DOC[start : DOC.index("\n## ", start + 1)]


def required_paths(name: str) -> list[str]:
    """The "Required:" paragraph of the shape section, for plugin ``name``."""
    section = _shape_section()
    paragraph = section[section.index("Required:") : section.index("Optional")]
    out = []
    for token in re.findall(r"`([^`]+)`", paragraph):
        if token == "views/":
            continue  # spelled out as (`__init__`, `blueprint`, …) right after it
        if token in ("__init__", "blueprint", "partner", "vendor"):
            out.append(f"portalis_{name}/views/{token}.py")
        elif token.startswith("tests/"):
            out.append(token)
        else:
            out.append(f"portalis_{name}/" + token.replace("<name>", name))
    return out


def _package(plugin: str) -> Path:
    return ROOT / "plugins" / plugin / f"portalis_{plugin}"


def test_the_docs_name_the_required_files():
    paths = required_paths("hello")
    assert "portalis_hello/plugin.py" in paths
    assert "portalis_hello/views/vendor.py" in paths
    assert "tests/test_contract.py" in paths
    assert len(paths) >= 14


def test_the_scaffold_writes_every_required_file():
    written = {p.as_posix() for p in expected_files("hello")}
    for path in required_paths("hello"):
        if path.endswith("/"):
            assert any(w.startswith(path) for w in written), path
        else:
            assert path in written, path


@pytest.mark.parametrize("plugin", BUNDLED)
def test_bundled_plugin_has_every_required_file(plugin):
    base = ROOT / "plugins" / plugin
    missing = [p for p in required_paths(plugin) if not (base / p).exists()]
    assert missing == []


@pytest.mark.parametrize("plugin", BUNDLED)
def test_plugin_module_holds_only_metadata_and_hook_implementations(plugin):
    tree = ast.parse((_package(plugin) / "plugin.py").read_text(encoding="utf-8"))
    stray = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            hooked = any(
                isinstance(d, ast.Attribute)
                and d.attr == "hookimpl"
                or isinstance(d, ast.Name)
                and d.id == "hookimpl"
                for d in node.decorator_list
            )
            if not hooked:
                stray.append(node.name)
        elif isinstance(node, ast.ClassDef):
            stray.append(node.name)
    assert stray == [], "plugin.py should delegate; move these to their own modules"


@pytest.mark.parametrize("plugin", BUNDLED)
def test_routes_live_only_in_views(plugin):
    package = _package(plugin)
    offenders = [
        p.relative_to(package).as_posix()
        for p in package.rglob("*.py")
        if "views" not in p.relative_to(package).parts
        and re.search(r"\.route\(|add_url_rule\(", p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize("plugin", BUNDLED)
def test_templates_are_grouped_by_who_sees_them(plugin):
    root = _package(plugin) / "templates"
    assert [p.name for p in root.iterdir()] == [plugin]  # one folder: the message domain
    stray = []
    for path in (root / plugin).rglob("*.html"):
        parts = path.relative_to(root / plugin).parts
        if len(parts) == 1:
            if not parts[0].startswith("_"):
                stray.append(parts[0])  # only shared partials at the top
        elif parts[0] not in TEMPLATE_SIDES:
            stray.append("/".join(parts))
    assert stray == []
