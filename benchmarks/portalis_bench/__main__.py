"""``scripts/bench`` (``PYTHONPATH=benchmarks python -m portalis_bench``): seed, run, profile,
report, and the search backends on their own."""

from __future__ import annotations

import argparse
import sys

from . import DATABASES, SCALES, target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, scale: str = "small") -> None:
        p.add_argument("--scale", choices=sorted(SCALES), default=scale)
        p.add_argument("--db", choices=DATABASES, default="sqlite")

    p_seed = sub.add_parser("seed", help="generate and bulk-load the benchmark data")
    common(p_seed)

    p_run = sub.add_parser("run", help="floor + load run under gunicorn and locust")
    common(p_run)
    p_run.add_argument("--quick", action="store_true",
                       help="small scale, short phases: finishes in under two minutes")  # fmt: skip
    p_run.add_argument("--duration", type=float, default=60.0,
                       help="seconds of the page mix (default 60)")  # fmt: skip
    p_run.add_argument("--page-seconds", type=float, default=None,
                       help="seconds per page measured alone (default: duration / 6)")  # fmt: skip
    p_run.add_argument("--users", type=int, default=8,
                       help="concurrent simulated users (default 8: 4 per worker)")  # fmt: skip
    p_run.add_argument("--workers", type=int, default=2)
    p_run.add_argument("--reseed", action="store_true", help="seed again even if data exists")
    p_run.add_argument("--pages", default="", help="comma list: measure only these pages")
    p_run.add_argument("--no-doc", action="store_true", help="don't rewrite docs/benchmarks.md")
    p_run.add_argument("--experiment", default="",
                       help="comma list of proposed core changes to try (see experiments.py)")  # fmt: skip

    p_prof = sub.add_parser("profile", help="cProfile one request of a page against seeded data")
    common(p_prof, "large")
    p_prof.add_argument(
        "--page", default="", help="page name (default: the slowest of the last run)"
    )
    p_prof.add_argument("--repeat", type=int, default=20)
    p_prof.add_argument("--experiment", default="", help="comma list, as for run")

    sub.add_parser("report", help="rewrite docs/benchmarks.md from benchmarks/results/*.json")

    p_search = sub.add_parser(
        "search", help="one search backend alone on synthetic documents (docs/search.md)"
    )
    p_search.add_argument("backend", choices=["whoosh", "sqlite", "postgresql"])
    p_search.add_argument("docs", type=int, nargs="?", default=100_000,
                          help="synthetic documents to index (default 100000)")  # fmt: skip
    p_search.add_argument("queries", type=int, nargs="?", default=200,
                          help="two-word queries to time (default 200)")  # fmt: skip

    args = parser.parse_args(argv)
    if args.command == "seed":
        from .seed import seed

        seed(target(args.scale, args.db))
        return 0
    if args.command == "run":
        from .runner import run

        if args.quick:
            args.scale = "small"
        return run(target(args.scale, args.db), args)
    if args.command == "profile":
        from .profiling import profile

        return profile(
            target(args.scale, args.db),
            args.page,
            repeat=args.repeat,
            experiments=[e for e in args.experiment.split(",") if e],
        )
    if args.command == "report":
        from .report import write_doc

        write_doc()
        return 0
    if args.command == "search":
        import json

        from .search import run as search_run

        print(json.dumps(search_run(args.backend, args.docs, args.queries), indent=2))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
