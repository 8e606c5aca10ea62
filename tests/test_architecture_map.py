"""docs/architecture.md's module map matches the tree: a newcomer who reads it finds
every module where it says, and no module is missing from it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "core" / "portalis"


def _map_block() -> str:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    start = text.index("```\ncore/portalis/\n")
    return text[start + 4 : text.index("```", start + 4)]


def listed_modules() -> set[str]:
    """Paths (relative to core/portalis) named in the map's core section."""
    out: set[str] = set()
    stack: list[tuple[int, str]] = []
    for line in _map_block().splitlines()[1:]:
        if not line.startswith("  "):
            break  # the lines after the core package (benchmarks/, scripts/ …)
        indent = len(line) - len(line.lstrip())
        while stack and stack[-1][0] >= indent:
            stack.pop()
        prefix = "".join(folder for _i, folder in stack)
        names = [t for t in line.split() if re.fullmatch(r"\w+\.py", t)]
        first = line.strip().split()[0]
        if first.endswith("/") and first.count("/") == 1:
            stack.append((indent, first))
        out.update(prefix + name for name in names)
    return out


def actual_modules() -> set[str]:
    skip = ("migrations/", "scaffold/template/", "templates/", "static/")
    return {
        p.relative_to(CORE).as_posix()
        for p in CORE.rglob("*.py")
        if not p.relative_to(CORE).as_posix().startswith(skip)
        and not (p.name == "__init__.py" and p.parent != CORE)
    }


def test_every_module_is_on_the_map():
    assert sorted(actual_modules() - listed_modules()) == []


def test_everything_on_the_map_exists():
    assert sorted(listed_modules() - actual_modules()) == []
