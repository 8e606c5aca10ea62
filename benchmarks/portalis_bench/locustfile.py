"""Simulated portal users for locust (headless), driven by :mod:`portalis_bench.runner`.

Each simulated user signs in as a distinct generated account (partner admins and users of
every tier, vendor admins and channel managers, on the big tenant and on small ones),
sending the tenant's host name in ``Host`` and the sign-in form with its CSRF token, then
requests pages back to back (no think time: a closed loop that keeps the workers busy).

One locust process runs a whole schedule of phases, so a run pays locust's start-up and
the sign-ins once: each page alone at full concurrency (``page:<name>``), the pages with
an absolute latency budget with a single user (``solo:<name>``), then the weighted mix.
Users not needed by a phase wait. The first ``settle`` seconds of each phase are not
measured, so requests of the previous phase don't leak into it.

``BENCH_CONFIG`` names a JSON file with the schedule, the mix weights, the accounts and
targets from the seed manifest, and where to write the raw measurements. Latencies are
timed here with ``perf_counter`` and kept unrounded (locust's own statistics round to
whole milliseconds).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, events, task

CONFIG: dict[str, Any] = json.loads(Path(os.environ["BENCH_CONFIG"]).read_text(encoding="utf-8"))
OUT: str = CONFIG["out"]
PASSWORD: str = CONFIG.get("password", "")
BIG: str = CONFIG.get("big_tenant", "bench")
SETTLE = float(CONFIG.get("settle", 0.5))
PHASES: list[dict[str, Any]] = CONFIG["phases"]
#: page → (kind of user, weight in the mix)
PAGES: dict[str, tuple[str, float]] = {
    name: (spec["who"], float(spec["weight"])) for name, spec in CONFIG.get("pages", {}).items()
}

_CSRF_FORM = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_CSRF_HEADER = re.compile(r'"X-CSRFToken":\s*"([^"]+)"')

_state: dict[str, Any] = {
    "ready": 0,
    "expected": int(CONFIG.get("partner_user_count", 0)) + int(CONFIG.get("vendor_user_count", 0)),
    "start": None,
    "records": {},
    "errors": [],
    "targets_used": 0,
    "login_failures": 0,
}
_index = {"partner": itertools.count(), "vendor": itertools.count(), "floor": itertools.count()}
_partner_pool = itertools.cycle(CONFIG.get("partner_users") or [{"host": "localhost"}])
_partner_big_pool = itertools.cycle(
    [u for u in CONFIG.get("partner_users", []) if u.get("tenant") == BIG] or [{}]
)
_vendor_pool = itertools.cycle(CONFIG.get("vendor_users") or [{}])
_targets = iter(CONFIG.get("submit_targets", []))
_rng = random.Random(int(CONFIG.get("seed", 1)))

# phase boundaries, relative to the schedule start
_bounds: list[tuple[float, float, dict[str, Any]]] = []
_t = 0.0
for _ph in PHASES:
    _bounds.append((_t, _t + float(_ph["seconds"]), _ph))
    _t += float(_ph["seconds"])
TOTAL = _t


def current_phase() -> tuple[dict[str, Any] | None, bool]:
    """(phase, measuring?) now; ``(None, False)`` before the start, ``({"done"}, …)`` after."""
    start = _state["start"]
    if start is None:
        return None, False
    elapsed = time.perf_counter() - start
    if elapsed < 0:
        return None, False
    for lo, hi, ph in _bounds:
        if lo <= elapsed < hi:
            return ph, elapsed >= lo + SETTLE
    return {"label": "done"}, False


def record(label: str, name: str, started: float, resp: Any, ok: bool) -> None:
    elapsed = (time.perf_counter() - started) * 1000.0
    phase = _state["records"].setdefault(label, {})
    rec = phase.setdefault(name, {"ms": [], "sql": [], "status": {}, "failures": 0, "bytes": 0})
    rec["ms"].append(elapsed)
    code = int(getattr(resp, "status_code", 0) or 0)
    rec["status"][str(code)] = rec["status"].get(str(code), 0) + 1
    headers = getattr(resp, "headers", None)
    sql = headers.get("X-SQL-Statements") if headers is not None else None
    if sql is not None:
        rec["sql"].append(int(sql))
    rec["bytes"] += len(getattr(resp, "content", None) or b"")
    if not ok:
        rec["failures"] += 1
        if len(_state["errors"]) < 40:
            text = getattr(resp, "text", "") or ""
            _state["errors"].append({"phase": label, "page": name, "status": code,
                                     "body": re.sub(r"\s+", " ", text)[:400]})  # fmt: skip


class _Base(FastHttpUser):
    abstract = True
    kind = ""
    # the server is the thing measured: no think time, connections kept alive
    wait_time = staticmethod(lambda: 0)  # type: ignore[assignment]
    network_timeout = 120.0
    connection_timeout = 120.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account: dict[str, Any] = {"host": "localhost"}
        self.csrf = ""
        self.index = next(_index[self.kind]) if self.kind else 0
        self._label: str | None = None  # phase label while measuring, else None

    # -- HTTP with measurement -------------------------------------------------------------
    def _h(self) -> dict[str, str]:
        return {"Host": self.account.get("host", "localhost")}

    def get(self, path: str, name: str, expect: int = 200) -> Any:
        label = self._label
        started = time.perf_counter()
        resp = self.client.get(path, name=name, headers=self._h(), allow_redirects=False)
        if label is not None:
            record(label, name, started, resp, resp.status_code == expect)
        if (
            resp.status_code == 302
            and expect != 302
            and not name.startswith(("_", "sign_in"))
            and "/login" in (resp.headers.get("Location") or "")
        ):
            # signed out behind our back: sign in again (not measured) and go on
            self._label = None
            self.sign_in(self.account)
        return resp

    def post(self, path: str, data: dict[str, Any], name: str, expect: int = 302) -> Any:
        label = self._label
        started = time.perf_counter()
        resp = self.client.post(
            path, data=data, name=name, headers=self._h(), allow_redirects=False
        )
        if label is not None:
            record(label, name, started, resp, resp.status_code == expect)
        return resp

    # -- signing in ------------------------------------------------------------------------
    def sign_in(self, account: dict[str, Any]) -> bool:
        """Sign in (retried: a failed attempt is counted against the sign-in page, and a
        user who stayed signed out would turn every later page into a redirect)."""
        for attempt in range(8):
            if self._attempt_sign_in(account):
                return True
            _state["login_failures"] += 1
            gevent.sleep(0.05 + 0.1 * attempt * _rng.random())
        return False

    def _attempt_sign_in(self, account: dict[str, Any]) -> bool:
        self.account = account
        self.client.cookiejar.clear()
        page = self.get("/login", "sign_in_form")
        match = _CSRF_FORM.search(page.text or "")
        resp = None
        if match:
            resp = self.post(
                "/login",
                {"email": account["email"], "password": PASSWORD, "csrf_token": match.group(1)},
                "sign_in",
            )
        if resp is None or resp.status_code != 302:
            return False
        # signing in starts a new session (and CSRF secret): take the token from a page
        label, self._label = self._label, None
        landing = self.get("/deals/" if self.kind == "partner" else "/admin/", "_landing")
        self._label = label
        token = _CSRF_HEADER.search(landing.text or "") or _CSRF_FORM.search(landing.text or "")
        self.csrf = token.group(1) if token else ""
        return True

    def next_account(self, big_only: bool = False) -> dict[str, Any]:
        raise NotImplementedError

    def on_start(self) -> None:
        if self.kind:
            self.sign_in(self.next_account())
        _state["ready"] += 1
        if _state["ready"] >= _state["expected"] and _state["start"] is None:
            _state["start"] = time.perf_counter() + float(CONFIG.get("warmup", 1.0))

    # -- the schedule ----------------------------------------------------------------------
    def active(self, ph: dict[str, Any]) -> bool:
        if ph.get("page"):
            return ph["who"] == self.kind and self.index < int(ph["users"])
        return self.index < int(ph.get(f"{self.kind}_users", 0))

    @task
    def step(self) -> None:
        ph, measuring = current_phase()
        if ph is None:
            gevent.sleep(0.02)
            return
        if ph["label"] == "done":
            self._label = None
            if self.environment.runner is not None:
                self.environment.runner.quit()
            gevent.sleep(1)
            return
        if not self.active(ph):
            gevent.sleep(0.02)
            return
        if ph.get("big") and self.account.get("tenant") != BIG:
            self._label = None
            self.sign_in(self.next_account(big_only=True))
            return
        self._label = ph["label"] if measuring else None
        page = ph.get("page") or self.pick()
        if page:
            getattr(self, f"page_{page}")()
        else:
            gevent.sleep(0.02)

    def pick(self) -> str | None:
        pages = [(n, w) for n, (who, w) in PAGES.items() if who == self.kind]
        if self.account.get("tenant") != BIG:
            # only the big tenant has customers to conflict with; its share goes to the list
            pages = [(n, w) for n, w in pages if n != "deal_submit"]
        if not pages:
            return None
        names, weights = zip(*pages, strict=True)
        return _rng.choices(names, weights=weights)[0]

    def page_sign_in(self) -> None:
        self.sign_in(self.next_account())

    def page_floor(self) -> None:
        self.get("/", "floor")


class PartnerUser(_Base):
    kind = "partner"
    fixed_count = int(CONFIG.get("partner_user_count", 0))

    def next_account(self, big_only: bool = False) -> dict[str, Any]:
        return next(_partner_big_pool if big_only else _partner_pool)

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
        path = "/search/?q=" + q.replace(" ", "+")
        if _rng.random() < 0.3 and search.get("products"):
            path += "&f.product=" + _rng.choice(search["products"]).replace(" ", "+")
        self.get(path, "search")

    def page_lms_catalogue(self) -> None:
        self.get("/lms/", "lms_catalogue")

    def page_lms_my_learning(self) -> None:
        self.get("/lms/my", "lms_my_learning")

    def page_deal_submit(self) -> None:
        if self.account.get("tenant") != BIG:
            self.page_deal_list()
            return
        target = next(_targets, None)
        name = "deal_submit"
        if target is None:
            name = "deal_submit_no_target"
            n = _rng.randrange(10**9)
            target = {"customer_name": f"Fresh Customer {n}", "domain": f"fresh{n}.example.com",
                      "country": "US"}  # fmt: skip
        else:
            _state["targets_used"] += 1
        domain = target["domain"]
        today = dt.date.today()
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
    kind = "vendor"
    fixed_count = int(CONFIG.get("vendor_user_count", 0))

    def next_account(self, big_only: bool = False) -> dict[str, Any]:
        return next(_vendor_pool)

    def page_review_queue(self) -> None:
        self.get("/deals/review", "review_queue")

    def page_review_detail(self) -> None:
        tenant = self.account.get("tenant")
        ids = (
            CONFIG.get("review_ids")
            if tenant == BIG
            else (CONFIG.get("small_tenant_review_ids") or {}).get(tenant)
        )
        if not ids:
            self.page_review_queue()
            return
        self.get(f"/deals/review/{_rng.choice(ids)}", "review_detail")


class FloorUser(_Base):
    """The floor app has no accounts: every user requests its one page."""

    kind = "floor"
    fixed_count = int(CONFIG.get("floor_user_count", 0))

    def next_account(self, big_only: bool = False) -> dict[str, Any]:
        return {"host": "localhost"}

    def on_start(self) -> None:
        self.kind = ""
        super().on_start()
        self.kind = "floor"


for _cls in (PartnerUser, VendorUser, FloorUser):
    if not _cls.fixed_count:
        _cls.abstract = True  # locust ignores user classes with nothing to do
del _cls  # a module-level reference would be collected as a second user class
if FloorUser.fixed_count:
    _state["expected"] = FloorUser.fixed_count


@events.quitting.add_listener
def _write(**_kw: Any) -> None:
    out = {
        "phases": [
            {**ph, "measured_seconds": max(0.0, float(ph["seconds"]) - SETTLE)} for ph in PHASES
        ],
        "records": _state["records"],
        "errors": _state["errors"],
        "targets_used": _state["targets_used"],
        "login_failures": _state["login_failures"],
        "ready_users": _state["ready"],
        "started": _state["start"] is not None,
    }
    with open(OUT, "w", encoding="utf-8") as fh:
        json.dump(out, fh)
