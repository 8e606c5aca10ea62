"""The import contracts in pyproject.toml ([tool.importlinter]) catch what they promise.

scripts/test runs ``lint-imports`` on the real tree; these tests check that the contracts
are allow-lists that a new core module or a new bundled plugin cannot slip past: they run
the same configuration over a small stand-in ``portalis`` and two stand-in plugins in a
temporary folder, which shadow the installed packages.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _config() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)["tool"]["importlinter"]


def _write(base: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the venv's own lint-imports, fixed arguments
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(ROOT / "pyproject.toml")],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# a core with its public API, a test kit and an internal module added "later"
CORE = {
    "portalis/__init__.py": "HOOK_API_VERSION = '1.0'\n",
    "portalis/api.py": "from .db import session\nfrom . import HOOK_API_VERSION\n",
    "portalis/db.py": "session = None\n",
    "portalis/brand_new_internal.py": "from .db import session\n",
    "portalis/testing/__init__.py": "",
    "portalis/testing/fixtures.py": "from portalis import api\n",
}
PLUGINS = {
    "portalis_deals/__init__.py": "",
    "portalis_deals/plugin.py": "from portalis import api\nfrom portalis.api import session\n",
    "portalis_deals/checks.py": "from portalis.testing import fixtures\n",
    "portalis_content/__init__.py": "",
    "portalis_content/plugin.py": "import portalis.api\n",
}


def test_public_api_only_world_keeps_both_contracts(tmp_path: Path) -> None:
    _write(tmp_path, {**CORE, **PLUGINS})
    done = _lint(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


def test_plugin_reaching_past_the_api_breaks_the_contract(tmp_path: Path) -> None:
    _write(tmp_path, {
        **CORE,
        **PLUGINS,
        # a core module nobody listed anywhere, the package itself, and an old one
        "portalis_deals/sneaky.py": "from portalis import brand_new_internal\n",
        "portalis_content/sneaky.py": "import portalis\nfrom portalis.db import session\n",
    })  # fmt: skip
    done = _lint(tmp_path)
    assert done.returncode == 1, done.stdout
    out = done.stdout
    assert "import from portalis only portalis.api and portalis.testing BROKEN" in out
    assert "portalis_deals.sneaky -> portalis.brand_new_internal" in out
    assert "portalis_content.sneaky -> portalis.db" in out
    assert "portalis_content.sneaky -> portalis (l." in out
    # the allowed doors stay open
    assert "portalis_deals.plugin ->" not in out
    assert "portalis_deals.checks ->" not in out
    assert "The core never imports a bundled plugin KEPT" in out


def test_core_importing_a_plugin_breaks_the_contract(tmp_path: Path) -> None:
    _write(
        tmp_path, {**CORE, **PLUGINS, "portalis/seeding.py": "from portalis_deals import plugin\n"}
    )
    done = _lint(tmp_path)
    assert done.returncode == 1, done.stdout
    assert "The core never imports a bundled plugin BROKEN" in done.stdout
    assert "portalis.seeding -> portalis_deals.plugin" in done.stdout


def test_every_bundled_plugin_is_under_contract() -> None:
    """A new plugin in plugins/ must be a root package (else import-linter never reads it)
    and forbidden to the core."""
    config = _config()
    bundled = {
        d.name
        for d in ROOT.glob("plugins/*/portalis_*")
        if (d / "__init__.py").is_file() and not d.name.endswith(".egg-info")
    }
    assert bundled >= {"portalis_deals", "portalis_content"}
    assert set(config["root_packages"]) == {"portalis", *bundled}
    core_contract = next(c for c in config["contracts"] if c["id"] == "core-without-plugins")
    assert set(core_contract["forbidden_modules"]) == bundled
    assert core_contract["source_modules"] == ["portalis"]
