"""Load benchmark of the whole portal: data generator, load runner, framework floor, report.

    scripts/bench seed --scale small|large --db sqlite|postgresql
    scripts/bench run  --scale small|large --db sqlite|postgresql [--quick] [--duration S]
    scripts/bench profile --scale large --db sqlite [--page deal_list]
    scripts/bench report

See docs/benchmarks.md for what is measured, the budgets and the latest figures. This
package is repository tooling, not part of the installed ``portalis`` distribution:
``scripts/bench`` runs it with ``PYTHONPATH=benchmarks``. It may use the bundled plugins'
public modules (it seeds their tables), the core's public API, and the core internals a
bulk loader needs (``create_app``, migrations, the ORM session).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: The checkout this package sits in (``benchmarks/portalis_bench/`` → the repository).
REPO_ROOT = Path(__file__).resolve().parents[2]

__all__ = ["SCALES", "Scale", "Target", "target"]

#: The big tenant every figure is about; the small tenants sit beside it.
BENCH_SLUG = "bench"
BASE_DOMAIN = "localhost"
#: One password for every generated account (hashed once, the hash reused).
BENCH_PASSWORD = "bench-password-2026"  # noqa: S105 - benchmark accounts on a local database

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432"


@dataclass(frozen=True)
class Scale:
    name: str
    partners: int
    users: int  #: partner users and vendor staff of the big tenant
    deals: int
    documents: int  #: content items, or search documents when there is no content plugin
    small_tenants: int
    vendor_staff: int = 10  #: the same at every scale (the reviewers' mail fan-out is per staff)
    small_partners: int = 5
    small_users: int = 12
    small_deals: int = 100
    small_documents: int = 50
    courses: int = 0  #: training courses of the big tenant (when the lms plugin is installed)
    lesson_completions: int = 0  #: lessons completed by its partners' people


SCALES: dict[str, Scale] = {
    "large": Scale("large", 10_000, 50_000, 1_000_000, 100_000, 200, courses=2_000,
                   lesson_completions=1_000_000),
    "small": Scale("small", 100, 500, 10_000, 1_000, 2, courses=20, lesson_completions=10_000),
}  # fmt: skip
DATABASES = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Target:
    """Where one scale × database lives: an instance folder and its database."""

    scale: Scale
    db: str
    instance: Path
    database_url: str

    @property
    def manifest_path(self) -> Path:
        return self.instance / "bench.json"

    @property
    def label(self) -> str:
        return f"{self.scale.name}-{self.db}"


def target(scale: str, db: str) -> Target:
    """``instance/bench-<scale>-<db>/`` (git-ignored), or under ``PORTALIS_BENCH_DIR``."""
    if scale not in SCALES:
        raise SystemExit(f"unknown scale {scale!r} (small, large)")
    if db not in DATABASES:
        raise SystemExit(f"unknown database {db!r} (sqlite, postgresql)")
    root = Path(os.environ.get("PORTALIS_BENCH_DIR", REPO_ROOT / "instance"))
    instance = (root / f"bench-{scale}-{db}").resolve()
    if db == "sqlite":
        url = f"sqlite:///{instance / 'portalis.db'}"
    else:
        base = os.environ.get("PORTALIS_BENCH_PG_URL", DEFAULT_PG_URL).rstrip("/")
        url = f"{base}/portalis_bench_{scale}"
    return Target(SCALES[scale], db, instance, url)


def loadable_plugins() -> list[str]:
    """Installed plugins that import cleanly. A plugin that is half-written in a checkout
    (an entry point whose module doesn't exist yet) is left out instead of stopping the
    benchmark; the report lists which plugins were loaded."""
    from importlib.metadata import entry_points

    from portalis.plugins.registry import ENTRY_POINT_GROUP

    names = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            module = ep.load()
        except Exception:  # noqa: S112 - reported by the caller as "not loaded"
            continue
        if getattr(module, "PLUGIN", None) is not None:
            names.append(ep.name)
    return sorted(names)
