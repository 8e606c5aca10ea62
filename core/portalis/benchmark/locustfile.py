"""Simulated portal users for locust (headless), driven by :mod:`portalis.benchmark.runner`.

Each simulated user signs in as a distinct generated account (partner admins and users of
every tier, vendor admins and channel managers, on the big tenant and on small ones),
sending the tenant's host name in ``Host`` and the sign-in form with its CSRF token, then
requests pages back to back (no think time: a closed loop that keeps both workers busy).

``BENCH_CONFIG`` names a JSON file: the mode (``floor``, ``page:<name>`` or ``mix``), the
mix weights, the accounts and targets from the seed manifest, and where to write the raw
measurements. Latencies are timed here with ``perf_counter`` and kept unrounded (locust's
own statistics round to whole milliseconds); only requests inside the measurement window
(after every user signed in, plus a warm-up) count.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import time
from typing import Any

from locust import FastHttpUser, events, task

CONFIG: dict[str, Any] = json.loads(open(os.environ["BENCH_CONFIG"], encoding="utf-8").read())
MODE: str = CONFIG["mode"]
OUT: str = CONFIG["out"]
WARMUP = float(CONFIG.get("warmup", 1.0))
PASSWORD: str = CONFIG.get("password", "")

_CSRF_FORM = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_CSRF_HEADER = re.compile(r'"X-CSRFToken":\s*"([^"]+)"')

#: page → (kind of user, weight in the mix)
PAGES: dict[str, tuple[str, float]] = {
    name: (spec["who"], float(spec["weight"])) for name, spec in CONFIG.get("pages", {}).items()
}

_state: dict[str, Any] = {
    "ready": 0,
    "users": int(CONFIG.get("users", 1)),
    "window_start": None,
    "window_end": None,
    "records": {},
    "errors": [],
    "targets_used": 0,
}
_partner_pool = itertools.cycle(CONFIG.get("partner_users") or [{}])
_partner_big_pool = itertools.cycle(
    [u for u in CONFIG.get("partner_users", []) if u.get("tenant") == CONFIG.get("big_tenant")]
    or [{}]
)
_vendor_pool = itertools.cycle(CONFIG.get("vendor_users") or [{}])
_targets = iter(CONFIG.get("submit_targets", []))
_rng = random.Random(int(CONFIG.get("seed", 1)))


def _measuring() -> bool:
    start = _state["window_start"]
    return start is not None and time.perf_counter() >= start and _state["window_end"] is None


def record(name: str, started: float, resp: Any, ok: bool) -> None:
    if not _measuring():
        return
    elapsed = (time.perf_counter() - started) * 1000.0
    rec = _state["records"].setdefault(
        name, {"ms": [], "sql": [], "status": {}, "failures": 0, "bytes": 0}
    )
    rec["ms"].append(elapsed)
    code = int(getattr(resp, "status_code", 0) or 0)
    rec["status"][str(code)] = rec["status"].get(str(code), 0) + 1
    headers = getattr(resp, "headers", None) or {}
    sql = headers.get("X-SQL-Statements") if hasattr(headers, "get") else None
    if sql is not None:
        rec["sql"].append(int(sql))
    body = getattr(resp, "content", None) or b""
    rec["bytes"] += len(body)
    if not ok:
        rec["failures"] += 1
        if len(_state["errors"]) < 30:
            _state["errors"].append(
                {"page": name, "status": code, "body": (getattr(resp, "text", "") or "")[:300]}
            )


class _Base(FastHttpUser):
    abstract = True
    # the server is the thing measured: no think time, connections kept alive
    wait_time = staticmethod(lambda: 0)  # type: ignore[assignment]
    network_timeout = 60.0
    connection_timeout = 60.0

    account: dict[str, Any]
    csrf: str = ""

    def _h(self) -> dict[str, str]:
        return {"Host": self.account.get("host", "localhost")}

    def get(self, path: str, name: str, expect: int = 200) -> Any:
        started = time.perf_counter()
        resp = self.client.get(path, name=name, headers=self._h(), allow_redirects=False)
        record(name, started, resp, resp.status_code == expect)
        return resp

    def post(self, path: str, data: dict[str, Any], name: str, expect: int = 302) -> Any:
        started = time.perf_counter()
        resp = self.client.post(
            path, data=data, name=name, headers=self._h(), allow_redirects=False
        )
        record(name, started, resp, resp.status_code == expect)
        return resp

    # -- signing in ------------------------------------------------------------------------
    def sign_in(self, account: dict[str, Any], *, measured: bool) -> bool:
        self.account = account
        self.client.cookiejar.clear()
        name_get, name_post = ("sign_in_form", "sign_in") if measured else ("_login_form", "_login")
        page = self.get("/login", name_get)
        match = _CSRF_FORM.search(page.text or "")
        if not match:
            record("_login_failed", time.perf_counter(), page, False)
            return False
        resp = self.post(
            "/login",
            {"email": account["email"], "password": PASSWORD, "csrf_token": match.group(1)},
            name_post,
        )
        if resp.status_code != 302:
            return False
        # sign-in starts a new session (and CSRF secret): take the token from the next page
        landing = self.client.get(
            "/deals/" if account.get("role", "").startswith("partner") else "/admin/",
            name="_landing",
            headers=self._h(),
        )
        token = _CSRF_HEADER.search(landing.text or "") or _CSRF_FORM.search(landing.text or "")
        self.csrf = token.group(1) if token else ""
        return True

    def on_start(self) -> None:
        if MODE != "floor":
            self.sign_in(self.next_account(), measured=False)
        _state["ready"] += 1
        if _state["ready"] >= _state["users"] and _state["window_start"] is None:
            _state["window_start"] = time.perf_counter() + WARMUP

    def next_account(self) -> dict[str, Any]:
        raise NotImplementedError

    @task
    def step(self) -> None:
        if MODE == "floor":
            self.get("/", "floor")
            return
        pages = self.my_pages()
        if not pages:
            time.sleep(0.1)
            return
        if MODE.startswith("page:"):
            name = MODE.split(":", 1)[1]
        else:
            names, weights = zip(*pages, strict=True)
            name = _rng.choices(names, weights=weights)[0]
        getattr(self, f"page_{name}")()

    def my_pages(self) -> list[tuple[str, float]]:
        raise NotImplementedError

    def page_sign_in(self) -> None:
        self.sign_in(self.next_account(), measured=True)


class PartnerUser(_Base):
    fixed_count = int(CONFIG.get("partner_user_count", 1))

    def next_account(self) -> dict[str, Any]:
        if MODE == "page:deal_submit":
            return next(_partner_big_pool)
        return next(_partner_pool)

    def my_pages(self) -> list[tuple[str, float]]:
        pages = [(n, w) for n, (who, w) in PAGES.items() if who == "partner"]
        if MODE == "mix" and self.account.get("tenant") != CONFIG.get("big_tenant"):
            # only the big tenant has customers to conflict with; its share goes to the list
            pages = [(n, w) for n, w in pages if n != "deal_submit"]
        return pages

    def page_dashboard(self) -> None:
        self.get("/dashboard", "dashboard")

    def page_deal_list(self) -> None:
        self.get("/deals/", "deal_list")

    def page_deal_detail(self) -> None:
        ids = self.account.get("deal_ids") or []
        if not ids:
            self.page_deal_list()
            return
        self.get(f"/deals/{_rng.choice(ids)}", "deal_detail")

    def page_content_browse(self) -> None:
        self.get("/content/", "content_browse")

    def page_search(self) -> None:
        search = CONFIG.get("search") or {}
        q = _rng.choice(search.get("queries") or ["partner"])
        path = f"/search/?q={q.replace(' ', '+')}"
        if _rng.random() < 0.3 and search.get("products"):
            path += "&f.product=" + _rng.choice(search["products"]).replace(" ", "+")
        self.get(path, "search")

    def page_deal_submit(self) -> None:
        target = next(_targets, None)
        today = dt.date.today()
        if target is None:
            name = "deal_submit_no_target"
            n = _rng.randrange(10**9)
            target = {"customer_name": f"Fresh Customer {n}", "domain": f"fresh{n}.example.com",
                      "country": "US"}  # fmt: skip
        else:
            name = "deal_submit"
            _state["targets_used"] += 1
        domain = target["domain"]
        data = {
            "csrf_token": self.csrf,
            "action": "submit",
            "customer_name": target["customer_name"],
            "customer_website": f"https://www.{domain}",
            "country": target["country"],
            "contact_name": "Jordan Lee",
            "contact_email": f"jordan.lee@{domain}",
            "contact_phone": "+1 555 0100",
            "products": "Security Suite Premium",
            "amount": str(_rng.randrange(5_000, 500_000, 500)),
            "currency": CONFIG.get("currency", "USD"),
            "expected_close_date": (today + dt.timedelta(days=_rng.randint(30, 300))).isoformat(),
            "notes": "Registered by the load benchmark.",
        }
        self.post("/deals/new", data, name)


class VendorUser(_Base):
    fixed_count = int(CONFIG.get("vendor_user_count", 0))

    def next_account(self) -> dict[str, Any]:
        return next(_vendor_pool)

    def my_pages(self) -> list[tuple[str, float]]:
        return [(n, w) for n, (who, w) in PAGES.items() if who == "vendor"]

    def page_review_queue(self) -> None:
        self.get("/deals/review", "review_queue")

    def page_review_detail(self) -> None:
        tenant = self.account.get("tenant")
        ids = (
            CONFIG.get("review_ids")
            if tenant == CONFIG.get("big_tenant")
            else (CONFIG.get("small_tenant_review_ids") or {}).get(tenant)
        )
        if not ids:
            self.page_review_queue()
            return
        self.get(f"/deals/review/{_rng.choice(ids)}", "review_detail")


if MODE == "floor":

    class FloorUser(_Base):  # noqa: D101 - the floor has no accounts
        fixed_count = int(CONFIG.get("users", 1))
        account: dict[str, Any] = {"host": "localhost"}  # noqa: RUF012

        def next_account(self) -> dict[str, Any]:
            return self.account

        def my_pages(self) -> list[tuple[str, float]]:
            return []

    PartnerUser.fixed_count = 0
    VendorUser.fixed_count = 0
    PartnerUser.abstract = True
    VendorUser.abstract = True


@events.test_stopping.add_listener
def _stopping(**_kw: Any) -> None:
    if _state["window_end"] is None:
        _state["window_end"] = time.perf_counter()


@events.quitting.add_listener
def _write(**_kw: Any) -> None:
    end = _state["window_end"] or time.perf_counter()
    start = _state["window_start"] or end
    out = {
        "mode": MODE,
        "window_seconds": max(0.0, end - start),
        "records": _state["records"],
        "errors": _state["errors"],
        "targets_used": _state["targets_used"],
        "ready_users": _state["ready"],
    }
    with open(OUT, "w", encoding="utf-8") as fh:
        json.dump(out, fh)
