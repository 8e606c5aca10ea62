# ruff: noqa: S608 - the SQL here names this module's own tables and integer ids only.
"""The load run: the floor and the portal under the same gunicorn, driven by locust.

1. The floor (:mod:`.floor`) under gunicorn (sync, 2 workers, 127.0.0.1, a free port),
   at full concurrency and with one user.
2. The portal, same gunicorn configuration (``PORTALIS_COUNT_SQL=true``, eager jobs, no
   scheduler), one locust process running the schedule: every page alone at full
   concurrency, deal submit and search with one user (their budgets are absolute), then
   the weighted mix. Worker RSS is read from ``/proc`` at the end.
3. What the run wrote (registrations, conflicts, sessions, mail) is removed again so the
   next run starts from the same data.
4. The search backend on its own (``portalis_bench.search``'s queries and percentile,
   against the seeded index, as a tier-2 partner with facets).

Results go to ``benchmarks/results/<time>-<scale>-<db>.json`` and the tables in
``docs/benchmarks.md`` are regenerated from the latest results.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from . import BENCH_SLUG, REPO_ROOT, Target, loadable_plugins
from .search import percentile

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")

#: page → who requests it and its weight in the mix (requests per 100)
PAGES: dict[str, dict[str, Any]] = {
    "sign_in": {"who": "partner", "weight": 2, "title": "Sign-in (POST, argon2)"},
    "dashboard": {"who": "partner", "weight": 15, "title": "Partner dashboard"},
    "deal_list": {"who": "partner", "weight": 18, "title": "Deal list"},
    "deal_detail": {"who": "partner", "weight": 18, "title": "Deal detail"},
    "deal_submit": {
        "who": "partner",
        "weight": 5,
        "title": "Deal submit + conflict check",
        "big": True,
    },  # fmt: skip
    "content_browse": {
        "who": "partner",
        "weight": 10,
        "title": "Content library",
        "plugin": "content",
    },  # fmt: skip
    "search": {"who": "partner", "weight": 12, "title": "Search (facets, tier filter)"},
    "review_queue": {"who": "vendor", "weight": 8, "title": "Vendor review queue"},
    "review_detail": {"who": "vendor", "weight": 6, "title": "Vendor review detail"},
    # training (lms): measured alone, on the big tenant (2,000 courses, 1,000,000 lesson
    # completions at large); weight 0 keeps the mix comparable with the runs before them
    "lms_catalogue": {"who": "partner", "weight": 0, "title": "Training catalogue",
                      "plugin": "lms", "big": True},
    "lms_my_learning": {"who": "partner", "weight": 0, "title": "Training: my learning",
                        "plugin": "lms", "big": True},
}  # fmt: skip
#: pages with an absolute latency budget, also measured with a single user
SOLO_PAGES = ("deal_submit", "search")


def _log(msg: str) -> None:
    print(msg, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A gunicorn master we started (and stop, by its pid)."""

    def __init__(self, app: str, env: dict[str, str], workers: int, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.cmd = [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers", str(workers), "--worker-class", "sync",
            "--bind", f"127.0.0.1:{self.port}", "--timeout", "120",
            "--log-level", "warning", "--backlog", "2048", app,
        ]  # fmt: skip
        # the app factories of this package (floor, experiments) import as portalis_bench.*
        path = os.pathsep.join(
            x for x in (str(REPO_ROOT / "benchmarks"), env.get("PYTHONPATH")) if x
        )
        self.env = {**env, "PYTHONPATH": path}
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(  # noqa: S603 - our own gunicorn with fixed arguments
            self.cmd, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, cwd=REPO_ROOT
        )
        return self

    def wait_ready(self, host: str, path: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log_path}")
            try:
                req = urllib.request.Request(
                    f"http://127.0.0.1:{self.port}{path}", headers={"Host": host}
                )
                with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - localhost
                    if resp.status == 200:
                        # both workers have to import the app: ask a few more times
                        for _ in range(6):
                            urllib.request.urlopen(req, timeout=30).read()  # noqa: S310
                        return
            except Exception as exc:  # noqa: BLE001 - retried until the deadline
                last = exc
            time.sleep(0.3)
        raise RuntimeError(f"server not ready on port {self.port}: {last}")

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        out = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                out.append(int(stat.parent.name))
        return sorted(out)

    def worker_rss_mb(self) -> list[float]:
        out = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        out.append(round(int(line.split()[1]) / 1024, 1))
            except OSError:
                continue
        return out

    def __exit__(self, *exc: Any) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


def run_locust(config: dict[str, Any], port: int, workdir: Path, name: str) -> dict[str, Any]:
    """One headless locust process running ``config['phases']``; returns its raw output."""
    out = workdir / f"{name}-out.json"
    cfg_path = workdir / f"{name}-config.json"
    config = {**config, "out": str(out)}
    cfg_path.write_text(json.dumps(config))
    users = sum(int(config.get(k, 0)) for k in ("partner_user_count", "vendor_user_count",
                                                  "floor_user_count"))  # fmt: skip
    total = sum(float(p["seconds"]) for p in config["phases"])
    # sign-ins (argon2) before the schedule starts, then the schedule, then a margin
    limit = int(total + float(config.get("warmup", 1)) + 15 + 0.5 * users)
    cmd = [
        str(Path(sys.executable).with_name("locust")), "-f", str(LOCUSTFILE), "--headless",
        "--users", str(users), "--spawn-rate", str(max(users, 1)),
        "--run-time", f"{limit}s", "--host", f"http://127.0.0.1:{port}",
        "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    env = {**os.environ, "BENCH_CONFIG": str(cfg_path), "PYTHONWARNINGS": "ignore"}
    log = (workdir / f"{name}-locust.log").open("wb")
    try:
        proc = subprocess.run(  # noqa: S603 - our own locust with fixed arguments
            cmd, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=limit + 120, check=False
        )
    finally:
        log.close()
    if not out.exists():
        tail = (workdir / f"{name}-locust.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"locust wrote no results (exit {proc.returncode}):\n{tail}")
    return json.loads(out.read_text())


# --- statistics ---------------------------------------------------------------------------


def summarize(rec: dict[str, Any], seconds: float) -> dict[str, Any]:
    ms = rec["ms"]
    sql = rec["sql"]
    return {
        "requests": len(ms),
        "rps": round(len(ms) / seconds, 1) if seconds else None,
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
        "max_ms": round(max(ms), 2) if ms else None,
        "sql_min": min(sql) if sql else None,
        "sql_max": max(sql) if sql else None,
        "sql_mean": round(statistics.fmean(sql), 2) if sql else None,
        "failures": rec["failures"],
        "status": rec["status"],
        "kb_per_response": round(rec["bytes"] / max(1, len(ms)) / 1024, 1),
    }


def phase_results(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for ph in raw["phases"]:
        recs = raw["records"].get(ph["label"], {})
        seconds = ph["measured_seconds"]
        pages = {name: summarize(rec, seconds) for name, rec in recs.items()}
        entry: dict[str, Any] = {"seconds": seconds, "pages": pages}
        if ph.get("page"):
            entry["users"] = ph["users"]
        else:
            entry["users"] = {k: ph.get(k) for k in ("partner_users", "vendor_users")}
            total = sum(p["requests"] for p in pages.values())
            entry["total_rps"] = round(total / seconds, 1) if seconds else None
        out[ph["label"]] = entry
    return out


# --- machine and versions -----------------------------------------------------------------


def machine_info(t: Target) -> dict[str, Any]:
    import sqlite3
    from importlib.metadata import PackageNotFoundError, version

    def sh(*cmd: str) -> str:
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
        except OSError:
            return ""
        return done.stdout.strip()

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions: dict[str, str] = {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    for dist in ("flask", "werkzeug", "jinja2", "sqlalchemy", "gunicorn", "locust", "psycopg",
                 "flask-babel", "flask-wtf", "argon2-cffi"):  # fmt: skip
        with contextlib.suppress(PackageNotFoundError):
            versions[dist] = version(dist)
    if t.db == "postgresql":
        try:
            from sqlalchemy import create_engine, text

            engine = create_engine(t.database_url)
            with engine.connect() as conn:
                versions["postgresql"] = str(conn.execute(text("SHOW server_version")).scalar())
            engine.dispose()
        except Exception:  # noqa: BLE001, S110 - the version is informative only
            pass
    commit = sh("git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD")
    dirty = bool(sh("git", "-C", str(REPO_ROOT), "status", "--porcelain"))
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": sh("free", "-h").splitlines()[1:2],
        "kernel": platform.release(),
        "os": sh("sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"),
        "loadavg_before": os.getloadavg(),
        "versions": versions,
        "git": f"{commit}{' (uncommitted changes)' if dirty else ''}",
    }


# --- the run ------------------------------------------------------------------------------


def ensure_seeded(t: Target, reseed: bool) -> dict[str, Any]:
    if reseed or not t.manifest_path.exists():
        from .seed import seed

        return seed(t)
    manifest = json.loads(t.manifest_path.read_text())
    if t.db == "postgresql":
        from sqlalchemy import create_engine, text

        try:
            engine = create_engine(t.database_url)
            with engine.connect() as conn:
                conn.execute(text("SELECT 1 FROM deals_registrations LIMIT 1"))
            engine.dispose()
        except Exception:  # noqa: BLE001 - the database is gone: seed again
            from .seed import seed

            return seed(t)
    return manifest


def portal_env(t: Target, plugins: list[str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTALIS_")}
    env.update({
        "PORTALIS_DATABASE_URL": t.database_url,
        "PORTALIS_INSTANCE_PATH": str(t.instance),
        "PORTALIS_BASE_DOMAIN": "localhost",
        "PORTALIS_COUNT_SQL": "true",
        "PORTALIS_JOBS_BACKEND": "eager",
        "PORTALIS_SCHEDULER": "false",
        "PORTALIS_MAIL_BACKEND": "file",
        "PORTALIS_PLUGINS": ",".join(plugins),
        # thousands of sign-ins from 127.0.0.1: the limiter stays on, with a high limit
        "PORTALIS_LOGIN_RATE_LIMIT": "1000000 per minute",
        "PYTHONWARNINGS": "ignore",
    })  # fmt: skip
    return env


def plan(args: Any, manifest: dict[str, Any]) -> dict[str, Any]:
    quick = bool(args.quick)
    users = max(1, int(args.users))
    mix_seconds = 10.0 if quick and args.duration == 60.0 else float(args.duration)
    page_seconds = float(args.page_seconds or (3.0 if quick else max(5.0, mix_seconds / 6)))
    solo_seconds = 2.0 if quick else max(4.0, page_seconds / 2)
    floor_seconds = 4.0 if quick else max(8.0, mix_seconds / 4)
    wanted = [p for p in args.pages.split(",") if p] if args.pages else list(PAGES)
    pages = {
        name: spec
        for name, spec in PAGES.items()
        if name in wanted and (spec.get("plugin") is None or spec["plugin"] in manifest["plugins"])
    }
    return {"users": users, "mix_seconds": mix_seconds, "page_seconds": page_seconds,
            "solo_seconds": solo_seconds, "floor_seconds": floor_seconds, "pages": pages,
            "quick": quick}  # fmt: skip


def run(t: Target, args: Any) -> int:
    started = time.time()
    manifest = ensure_seeded(t, args.reseed)
    plugins = loadable_plugins()
    p = plan(args, manifest)
    users, pages = p["users"], p["pages"]
    workdir = Path(tempfile.mkdtemp(prefix="portalis-bench-"))
    _log(f"==> run {t.label}: {users} users, pages alone {p['page_seconds']:.0f} s each, "
         f"mix {p['mix_seconds']:.0f} s (work files in {workdir})")  # fmt: skip
    experiments = [e for e in (getattr(args, "experiment", "") or "").split(",") if e]
    result: dict[str, Any] = {
        "label": t.label,
        "experiments": experiments,
        "scale": t.scale.name,
        "db": t.db,
        "quick": p["quick"],
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "machine": machine_info(t),
        "command": "scripts/bench " + " ".join(sys.argv[1:]),
        "config": {"workers": args.workers, "worker_class": "sync", "users": users,
                   "page_seconds": p["page_seconds"], "solo_seconds": p["solo_seconds"],
                   "mix_seconds": p["mix_seconds"], "floor_seconds": p["floor_seconds"],
                   "plugins": plugins, "weights": {k: v["weight"] for k, v in pages.items()}},
        "data": {k: manifest.get(k) for k in ("counts", "documents_kind", "deal_status_mix",
                                                "biggest_partner", "timings", "seeded_at",
                                                "training")},
    }  # fmt: skip
    env = portal_env(t, plugins)

    # 1. the floor -------------------------------------------------------------------------
    floor_env = {**env, "BENCH_FLOOR_DATABASE_URL": t.database_url}
    with Server("portalis_bench.floor:create_app()", floor_env, args.workers,
                workdir / "gunicorn-floor.log") as srv:  # fmt: skip
        srv.wait_ready("localhost", "/")
        _log(f"    floor on :{srv.port}")
        cfg = {"floor_user_count": users, "warmup": 1.0, "settle": 0.5, "phases": [
            {"label": "floor", "page": "floor", "who": "floor", "users": users,
             "seconds": p["floor_seconds"]},
            {"label": "solo:floor", "page": "floor", "who": "floor", "users": 1,
             "seconds": p["solo_seconds"]},
        ]}  # fmt: skip
        raw = run_locust(cfg, srv.port, workdir, "floor")
        result["floor"] = phase_results(raw)
        result["floor_rss_mb"] = srv.worker_rss_mb()
    f = result["floor"]["floor"]["pages"].get("floor", {})
    _log(f"    floor: {f.get('rps')} req/s, p50 {f.get('p50_ms')} ms, p95 {f.get('p95_ms')} ms")

    # 2. the portal ------------------------------------------------------------------------
    snapshot = _snapshot(t, manifest)
    vendor_weight = sum(s["weight"] for s in pages.values() if s["who"] == "vendor")
    total_weight = sum(s["weight"] for s in pages.values()) or 1
    mix_vendor = (
        min(users - 1, max(1, round(users * vendor_weight / total_weight)))
        if vendor_weight and users > 1
        else 0
    )
    phases: list[dict[str, Any]] = []
    for name, spec in pages.items():
        phases.append({"label": f"page:{name}", "page": name, "who": spec["who"], "users": users,
                       "seconds": p["page_seconds"], "big": bool(spec.get("big"))})  # fmt: skip
    for name in SOLO_PAGES:
        if name in pages:
            spec = pages[name]
            phases.append({"label": f"solo:{name}", "page": name, "who": spec["who"], "users": 1,
                           "seconds": p["solo_seconds"], "big": bool(spec.get("big"))})  # fmt: skip
    phases.append({"label": "mix", "page": None, "partner_users": users - mix_vendor,
                   "vendor_users": mix_vendor, "seconds": p["mix_seconds"]})  # fmt: skip
    has_vendor = any(s["who"] == "vendor" for s in pages.values())
    cfg = {
        "partner_user_count": users,
        "vendor_user_count": users if has_vendor else 0,
        "warmup": 1.0,
        "settle": 0.5,
        "phases": phases,
        "pages": {k: {"who": v["who"], "weight": v["weight"]} for k, v in pages.items()},
        "password": manifest["password"],
        "big_tenant": BENCH_SLUG,
        "partner_users": manifest["partner_users"],
        "vendor_users": manifest["vendor_users"],
        "review_ids": manifest["review_ids"],
        "small_tenant_review_ids": manifest["small_tenant_review_ids"],
        "submit_targets": manifest["submit_targets"],
        "search": manifest["search"],
        "currency": "USD",
    }
    from .experiments import prepare

    undo_experiment = prepare(t.database_url, experiments)
    app_factory = "portalis.app:create_app()"
    if experiments:
        app_factory = "portalis_bench.experiments:create_app()"
        env["BENCH_EXPERIMENTS"] = ",".join(experiments)
    try:
        with Server(app_factory, env, args.workers,
                    workdir / "gunicorn-portal.log") as srv:  # fmt: skip
            srv.wait_ready(f"{BENCH_SLUG}.localhost", "/login")
            _log(f"    portal on :{srv.port} (workers {srv.worker_pids()}, "
                 f"RSS {srv.worker_rss_mb()} MB after start)")  # fmt: skip
            result["rss_after_start_mb"] = srv.worker_rss_mb()
            raw = run_locust(cfg, srv.port, workdir, "portal")
            result["rss_end_mb"] = srv.worker_rss_mb()
    finally:
        cleaned = _cleanup(t, snapshot)
        undo_experiment()
    result["portal"] = phase_results(raw)
    result["errors"] = raw["errors"]
    result["login_failures"] = raw["login_failures"]
    result["submit_targets_used"] = raw["targets_used"]
    result["cleanup"] = cleaned
    for label, ph in result["portal"].items():
        for name, s in ph["pages"].items():
            if name.startswith("_"):
                continue
            _log(f"    {label:22} {name:16} {s['rps']:>7} req/s  p50 {s['p50_ms']:>8} "
                 f"p95 {s['p95_ms']:>8} ms  sql {s['sql_min']}-{s['sql_max']}  "
                 f"fail {s['failures']}")  # fmt: skip
    _log(f"    worker RSS at the end: {result['rss_end_mb']} MB")

    # 3. the search backend alone ----------------------------------------------------------
    result["search_backend"] = search_micro(t, manifest)
    sb = result["search_backend"]
    _log(f"    search backend: p50 {sb.get('p50_ms')} ms, p95 {sb.get('p95_ms')} ms over "
         f"{sb.get('documents')} documents")  # fmt: skip

    from .report import budgets, write_doc

    result["budgets"] = budgets(result)
    result["elapsed_seconds"] = round(time.time() - started, 1)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(started))
    suffix = ("-quick" if p["quick"] else "") + "".join(f"-{e}" for e in experiments)
    path = RESULTS_DIR / f"{stamp}-{t.label}{suffix}.json"
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    _log(f"==> {path.relative_to(REPO_ROOT)} ({result['elapsed_seconds']:.0f} s)")
    if not args.no_doc:
        write_doc()
    if result["errors"] or result["login_failures"]:
        _log(f"    errors: see {workdir} (gunicorn and locust logs)")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


# --- undoing the run's writes ---------------------------------------------------------------

_GROWING = ("deals_registrations", "deals_transitions", "deals_conflicts", "deals_protections",
            "deals_extension_requests", "audit_entries", "outbox_messages", "job_failures")  # fmt: skip


def _snapshot(t: Target, manifest: dict[str, Any]) -> dict[str, Any]:
    """Highest ids before the run, and the summary columns of the deals a submission will
    conflict with (the plugin updates them), so the run can be undone exactly."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(t.database_url)
    ids = sorted({i for tg in manifest["submit_targets"] for i in tg["existing_ids"]})
    with engine.connect() as conn:
        tables = [n for n in _GROWING if inspect(conn).has_table(n)]
        max_ids = {
            n: conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {n}")).scalar() for n in tables
        }  # noqa: S608
        rows = []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows += [
                list(r)
                for r in conn.execute(
                    text("SELECT id, conflict_count, conflict_score, updated_at FROM deals_registrations "
                         f"WHERE id IN ({', '.join(str(int(x)) for x in chunk)})")  # noqa: S608
                )
            ]  # fmt: skip
    engine.dispose()
    return {"max_ids": max_ids, "summaries": rows, "started": time.time()}


def _cleanup(t: Target, snap: dict[str, Any]) -> dict[str, int]:
    from sqlalchemy import bindparam, create_engine, text

    from portalis.api import unscoped

    removed: dict[str, int] = {}
    engine = create_engine(t.database_url)
    m = snap["max_ids"]
    with unscoped("benchmark: undo what the load run wrote"), engine.begin() as conn:
        if "deals_registrations" in m:
            top = int(m["deals_registrations"])
            conn.execute(
                text(f"DELETE FROM deals_conflicts WHERE deal_id > {top} OR other_deal_id > {top}")
            )  # noqa: S608
            for table in ("deals_transitions", "deals_protections", "deals_extension_requests"):
                conn.execute(text(f"DELETE FROM {table} WHERE deal_id > {top}"))  # noqa: S608
        for table, top in m.items():
            removed[table] = conn.execute(
                text(f"DELETE FROM {table} WHERE id > {int(top)}")
            ).rowcount  # noqa: S608
        cutoff = snap["started"] - 5
        stale = [
            sid
            for sid, created in conn.execute(text("SELECT id, created_at FROM user_sessions"))
            if _epoch(created) >= cutoff
        ]
        delete_sessions = text("DELETE FROM user_sessions WHERE id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        )
        for i in range(0, len(stale), 500):
            conn.execute(delete_sessions, {"ids": stale[i : i + 500]})
        removed["user_sessions"] = len(stale)
        for did, count, score, updated in snap["summaries"]:
            conn.execute(
                text("UPDATE deals_registrations SET conflict_count = :c, conflict_score = :s, "
                     "updated_at = :u WHERE id = :i"),
                {"c": count, "s": score, "u": updated, "i": did},
            )  # fmt: skip
        conn.execute(text("UPDATE users SET last_login_at = NULL WHERE last_login_at IS NOT NULL"))
    engine.dispose()
    shutil.rmtree(t.instance / "mail", ignore_errors=True)
    return removed


def _epoch(value: Any) -> float:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return float(value.timestamp())


# --- the search backend on its own ----------------------------------------------------------


def search_micro(t: Target, manifest: dict[str, Any], n_queries: int = 200) -> dict[str, Any]:
    """``portalis_bench.search``'s measurement against the seeded index: two-word AND
    queries as a partner of the program's third tier, facets counted, visibility filtered
    inside the engine; then the same with a product facet chosen."""
    from sqlalchemy import create_engine, text

    from portalis.search import SearchQuery, SearchViewer
    from portalis.search.sql_backend import DatabaseBackend

    engine = create_engine(t.database_url)
    try:
        with engine.connect() as conn:
            tenant_id = conn.execute(
                text("SELECT id FROM tenants WHERE slug = :s"), {"s": BENCH_SLUG}
            ).scalar_one()
            program_id = conn.execute(
                text("SELECT MIN(id) FROM programs WHERE tenant_id = :t"), {"t": tenant_id}
            ).scalar_one()
            tier_id = conn.execute(
                text("SELECT id FROM tiers WHERE program_id = :p AND rank = 2"), {"p": program_id}
            ).scalar_one()
            partner_id = conn.execute(text("SELECT MIN(id) FROM partners WHERE program_id = :p AND tier_id = :t"),
                                      {"p": program_id, "t": tier_id}).scalar_one()  # fmt: skip
            docs = conn.execute(
                text("SELECT COUNT(*) FROM search_documents WHERE tenant_id = :t"), {"t": tenant_id}
            ).scalar_one()
        backend = DatabaseBackend(engine)
        viewer = SearchViewer(is_vendor_staff=False, program_id=program_id, tier_id=tier_id,
                              partner_id=partner_id,
                              enabled_plugins=frozenset({*manifest["plugins"], "core"}))  # fmt: skip
        queries = manifest["search"]["queries"][:n_queries]
        for q in queries[:10]:
            backend.search(SearchQuery(tenant_id, q, viewer))
        lat, totals = [], []
        for q in queries:
            t0 = time.perf_counter()
            res = backend.search(SearchQuery(tenant_id, q, viewer))
            lat.append((time.perf_counter() - t0) * 1000)
            totals.append(res.total)
        products = manifest["search"].get("products") or []
        facet_lat = []
        for i, q in enumerate(queries[: n_queries // 2]):
            filters = {"product": products[i % len(products)]} if products else {}
            t0 = time.perf_counter()
            backend.search(SearchQuery(tenant_id, q, viewer, facet_filters=filters))
            facet_lat.append((time.perf_counter() - t0) * 1000)
        return {
            "documents": int(docs),
            "queries": len(lat),
            "p50_ms": round(percentile(lat, 50), 2),
            "p95_ms": round(percentile(lat, 95), 2),
            "p99_ms": round(percentile(lat, 99), 2),
            "facet_filter_p50_ms": round(percentile(facet_lat, 50), 2),
            "facet_filter_p95_ms": round(percentile(facet_lat, 95), 2),
            "avg_hits": round(statistics.fmean(totals), 1) if totals else 0,
            "zero_hit_queries": sum(1 for x in totals if x == 0),
        }
    except Exception as exc:  # noqa: BLE001 - reported, the load run's figures still count
        return {"error": repr(exc)}
    finally:
        engine.dispose()
