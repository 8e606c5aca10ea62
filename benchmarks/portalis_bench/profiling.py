"""Profile one page against the seeded data: cProfile over repeated single requests (in
process, through Flask's test client, with the same configuration as the load run), plus
every SQL statement of one request with its time.

    scripts/bench profile --scale large --db sqlite --page deal_list

Without ``--page`` the slowest page (single-page p50) of the newest run at that scale and
database is taken. The account is the worst realistic case for the page: the partner
admin of the biggest partner company for partner pages, a vendor admin for vendor pages.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import re
import time
from typing import Any

from . import BENCH_SLUG, Target, loadable_plugins


def _slowest(t: Target) -> str:
    from .report import latest, load_results, page_stats
    from .runner import PAGES

    best = latest(load_results()).get((t.scale.name, t.db, False))
    if best is None:
        return "deal_list"
    timed = [(page_stats(best, n) or {}).get("p50_ms") or 0 for n in PAGES]
    return max(zip(timed, PAGES, strict=True))[1]


def _account(manifest: dict[str, Any], page: str) -> dict[str, Any]:
    from .runner import PAGES

    if PAGES[page]["who"] == "vendor":
        return next(u for u in manifest["vendor_users"] if u["tenant"] == BENCH_SLUG)
    big = [u for u in manifest["partner_users"] if u["tenant"] == BENCH_SLUG]
    admins = [u for u in big if u["role"] == "partner_admin" and u["deal_ids"]] or big
    return max(admins, key=lambda u: u["partner_users"])


def profile(t: Target, page: str = "", *, repeat: int = 20, top: int = 35,
            experiments: list[str] | None = None) -> int:  # fmt: skip
    from flask import Flask

    from portalis.app import create_app

    from .runner import PAGES, _cleanup, _snapshot
    from .seed import bench_config

    manifest = json.loads(t.manifest_path.read_text())
    page = page or _slowest(t)
    if page not in PAGES:
        raise SystemExit(f"unknown page {page!r}; one of {', '.join(PAGES)}")
    account = _account(manifest, page)
    from . import experiments as exp

    experiments = experiments or []
    undo = exp.prepare(t.database_url, experiments)
    app: Flask = create_app(bench_config(t), instance_path=t.instance, plugins=loadable_plugins())
    if "sqlite-immediate" in experiments:
        exp._sqlite_immediate()
    if "cache-settings" in experiments:
        exp._cache_settings()
    host = account["host"]
    client = app.test_client()

    def get(path: str) -> Any:
        return client.get(path, headers={"Host": host})

    form = get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    assert token, "no CSRF token on /login"
    resp = client.post("/login", data={"email": account["email"], "password": manifest["password"],
                                       "csrf_token": token.group(1)}, headers={"Host": host})  # fmt: skip
    assert resp.status_code == 302, f"sign-in failed: {resp.status_code}"
    landing = get("/deals/" if PAGES[page]["who"] == "partner" else "/admin/").get_data(
        as_text=True
    )
    csrf = re.search(r'"X-CSRFToken":\s*"([^"]+)"', landing)
    targets = iter(manifest["submit_targets"])
    snap = _snapshot(t, manifest) if page in ("deal_submit", "sign_in") else None

    def request() -> Any:
        if page == "dashboard":
            return get("/dashboard")
        if page == "deal_list":
            return get("/deals/")
        if page == "deal_detail":
            return get(f"/deals/{account['deal_ids'][0]}")
        if page == "content_browse":
            return get("/content/")
        if page == "search":
            return get("/search/?q=" + manifest["search"]["queries"][0].replace(" ", "+"))
        if page == "review_queue":
            return get("/deals/review")
        if page == "review_detail":
            return get(f"/deals/review/{manifest['review_ids'][0]}")
        if page == "sign_in":
            return get("/login")
        if page == "lms_catalogue":
            return get("/lms/")
        if page == "lms_my_learning":
            return get("/lms/my")
        tg = next(targets)
        import datetime as dt

        return client.post("/deals/new", headers={"Host": host}, data={
            "csrf_token": csrf.group(1) if csrf else "", "action": "submit",
            "customer_name": tg["customer_name"], "customer_website": f"https://www.{tg['domain']}",
            "country": tg["country"], "contact_name": "Jordan Lee",
            "contact_email": f"jordan.lee@{tg['domain']}", "contact_phone": "+1 555 0100",
            "products": "Security Suite Premium", "amount": "25000", "currency": "USD",
            "expected_close_date": (dt.date.today() + dt.timedelta(days=90)).isoformat(),
        })  # fmt: skip

    try:
        for _ in range(3):  # warm: templates compiled, caches filled, connections open
            r = request()
            assert r.status_code in (200, 302), f"{page}: HTTP {r.status_code}"
        # one request with every statement timed
        from sqlalchemy import event

        from portalis.db import db

        statements: list[tuple[float, str]] = []
        starts: list[float] = []

        def before(*_a: Any) -> None:
            starts.append(time.perf_counter())

        def after(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
            statements.append(((time.perf_counter() - starts.pop()) * 1000, statement))

        assert db.engine is not None
        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
        t0 = time.perf_counter()
        r = request()
        one_ms = (time.perf_counter() - t0) * 1000
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)

        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        for _ in range(repeat):
            request()
        prof.disable()
        per_request = (time.perf_counter() - t0) * 1000 / repeat
    finally:
        if snap is not None:
            _cleanup(t, snap)
        undo()

    out = io.StringIO()
    out.write(f"# {page} on {t.label}{' with ' + ','.join(experiments) if experiments else ''}, "
              f"as {account['role']} of a partner with "
              f"{account.get('partner_users', '?')} users ({account['email']})\n")  # fmt: skip
    out.write(f"# {per_request:.1f} ms per request under cProfile ({repeat} requests); "
              f"one request unprofiled {one_ms:.1f} ms, HTTP {r.status_code}, "
              f"{len(statements)} statements, {sum(s for s, _ in statements):.1f} ms in SQL\n\n")  # fmt: skip
    for ms, sql in sorted(statements, reverse=True):
        out.write(f"{ms:8.2f} ms  {' '.join(sql.split())[:240]}\n")
    out.write("\n")
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("cumulative").print_stats(r"portalis|jinja2|sqlalchemy/orm|babel", top)
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    path = t.instance / f"profile-{page}{''.join('-' + e for e in experiments)}.txt"
    path.write_text(text)
    print(text[:20000])
    print(f"==> full profile in {path}")
    return 0
