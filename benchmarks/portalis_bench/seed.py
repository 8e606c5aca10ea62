"""The benchmark's data: one big tenant beside many small ones.

``large``: the tenant ``bench`` with 10,000 partner companies, 50,000 users, 1,000,000
deal registrations and 100,000 searchable documents, plus 200 small tenants; ``small`` is a
hundredth of that. Shapes, not just sizes, are what make a benchmark honest:

* partner size is heavy-tailed (Pareto): a few distributors with hundreds of users, most
  resellers with one to three; registrations follow the users, so the biggest partner
  holds about 2 % of all deals and its admin's deal list is the expensive one;
* tiers follow size (big partners are Gold/Platinum more often);
* statuses follow age: recent registrations are drafts or waiting for review, older ones
  approved, won, lost, expired, rejected or withdrawn, with a believable history
  (created → submitted → review → decision → outcome) in ``deals_transitions``;
* customers: two thirds of registrations name a customer nobody else registered, a third
  go to a popular-accounts pool (Zipf) so the same customer is registered by several
  partners under different spellings ("KALORA LOGISTICS", "Kalora Logistics LLC") and
  sub-domains — the conflicts the deals plugin must find; at most one approved
  registration protects a customer per program, as the UNIQUE constraint demands;
* names in Latin scripts with accents and legal forms, Japanese, Chinese, Korean,
  Cyrillic and Arabic (:mod:`.names`);
* documents reuse :mod:`portalis_bench.search`'s Zipf vocabulary, restricted by tier,
  program and partner like real library items.

Everything is bulk-loaded (:mod:`.loader`) after the real migrations, inside
``unscoped(...)``; ids are assigned here so no row has to be read back. The generator is
deterministic for a seed. The manifest (``bench.json``) tells the load runner who can sign
in, which deals each of them may open, and which customers a new registration will
conflict with.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import json
import math
import random
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import BASE_DOMAIN, BENCH_PASSWORD, BENCH_SLUG, Target, loadable_plugins, names
from .loader import BULK_TABLES, BulkLoader, Clock

#: Tiers of every generated program (the demo's, so criteria and benefits are realistic).
TIERS = (
    ("Registered", 0, "", {"deal_discount_pct": 0, "mdf_allowance": 0}, "#64748b"),
    ("Silver", 1, "approved_deals_12m >= 3", {"deal_discount_pct": 5}, "#94a3b8"),
    ("Gold", 2, "won_revenue_12m >= 250000 and approved_deals_12m >= 5",
     {"deal_discount_pct": 10}, "#d97706"),
    ("Platinum", 3, "won_revenue_12m >= 1000000 and partner_users >= 3",
     {"deal_discount_pct": 15}, "#7c3aed"),
)  # fmt: skip
ALLOWED_LOCALES = ["en", "de", "fr", "es", "ja", "ar"]
ACTIVE = ("submitted", "under_review", "returned", "approved")
OPEN = ("submitted", "under_review")
#: Registrations past this many days are never still approved (protection is 90 days).
PROTECTION_DAYS = 90
SLA_MINUTES = 3 * 1440  # ~48 business hours
#: How many bench accounts the manifest lists per kind.
POOL_PARTNER_USERS = 800
POOL_SMALL_TENANT_USERS = 200
POOL_REVIEW_IDS = 2000
POOL_SUBMIT_TARGETS = 5000
#: Fewest customers with exactly one active registration the big tenant must have.
MIN_SUBMIT_TARGETS = 2500
DETAIL_IDS_PER_USER = 12


@dataclass
class TenantIds:
    tenant_id: int
    slug: str
    programs: list[int]
    currency: str
    #: program id → tier ids by rank
    tiers: dict[int, list[int]]
    discount: dict[int, int]  #: tier id → deal discount %
    vendor_ids: list[int] = field(default_factory=list)
    manager_ids: list[int] = field(default_factory=list)
    partner_ids: list[int] = field(default_factory=list)
    partner_program: dict[int, int] = field(default_factory=dict)
    partner_tier: dict[int, int] = field(default_factory=dict)
    partner_status: dict[int, str] = field(default_factory=dict)
    partner_users: dict[int, list[int]] = field(default_factory=dict)
    partner_lang: dict[int, str] = field(default_factory=dict)


class Generator:
    def __init__(
        self, t: Target, app: Any, *, seed: int = 2026, log: Callable[[str], None] = print
    ) -> None:
        from portalis.api import utcnow
        from portalis.identity.passwords import hash_password

        self.t = t
        self.app = app
        self.log = log
        self.rng = random.Random(seed)
        self.loader = BulkLoader(t.database_url, log=log)
        self.clock = Clock(self.loader.sqlite)
        self.now = Clock.minute(utcnow().replace(minute=0, second=0, microsecond=0))
        self.pw_hash = hash_password(BENCH_PASSWORD)  # once; every account shares it
        self.next_id: dict[str, int] = {}
        self.user_names: dict[int, str] = {}
        self.user_emails: dict[int, str] = {}
        self.user_roles: dict[int, str] = {}
        self.timings: dict[str, float] = {}
        self.plugins = [p.info.name for p in app.extensions["portalis"].registry.optional]
        self.manifest: dict[str, Any] = {}
        self._key_cache: dict[str, tuple[str, str]] = {}
        self.extra_target_deals = 0

    def _id(self, table: str) -> int:
        n = self.next_id.get(table, 0) + 1
        self.next_id[table] = n
        return n

    def _timed(self, name: str, started: float) -> None:
        self.timings[name] = round(time.perf_counter() - started, 2)
        self.log(f"    {name}: {self.timings[name]:.1f} s")

    # -- entry point ---------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        from portalis.api import unscoped

        scale = self.t.scale
        with unscoped("benchmark bulk load: the generator writes every tenant's rows"):
            started = time.perf_counter()
            big = self._tenant(BENCH_SLUG, "Bench Corp", programs=2)
            smalls = [
                self._tenant(f"small-{i:03d}", f"Small Vendor {i}", programs=1)
                for i in range(1, scale.small_tenants + 1)
            ]
            self._timed("tenants_programs_tiers", started)

            self.loader.begin()
            self._declare()
            self.loader.drop_indexes(BULK_TABLES)

            started = time.perf_counter()
            self._people(big, scale.partners, scale.users, scale.vendor_staff)
            for st in smalls:
                self._people(st, scale.small_partners, scale.small_users + 2, 2)
            self.loader.flush()
            self._timed("partners_users", started)

            started = time.perf_counter()
            pool = self._pick_pool(big, smalls)
            big_info = self._deals(big, scale.deals, pool, customers=max(50, scale.deals // 3))
            small_open: dict[str, list[int]] = {}
            for st in smalls:
                info = self._deals(st, scale.small_deals, pool, customers=60)
                small_open[st.slug] = info["open_ids"][:20]
            self.loader.flush()
            self._timed("deals", started)

            started = time.perf_counter()
            docs = self._documents(big, smalls)
            self._timed("documents_rows", started)

            training: dict[str, Any] = {}
            if "lms" in self.plugins and scale.courses:
                from . import training as lms

                started = time.perf_counter()
                training = lms.seed(self, big, scale.courses, scale.lesson_completions)
                self._timed("training", started)

            started = time.perf_counter()
            self.loader.commit()
            self.timings["index_rebuild"] = round(self.loader.rebuild_indexes(), 2)
            self.log(f"    index_rebuild: {self.timings['index_rebuild']:.1f} s")
            self._timed("commit_and_indexes", started)

            started = time.perf_counter()
            docs["count"] = docs.pop("index")()
            self._timed("search_index", started)

            started = time.perf_counter()
            self.timings.update(self.loader.finish())
            self._timed("analyze", started)

        self.manifest.update(
            {
                "scale": scale.name,
                "db": self.t.db,
                "database_url": self.t.database_url,
                "password": BENCH_PASSWORD,
                "base_domain": BASE_DOMAIN,
                "plugins": self.plugins,
                "counts": {
                    "tenants": 1 + len(smalls),
                    **{k: v for k, v in self.loader.counts.items() if v},
                    "search_documents": docs["count"],
                },
                "documents_kind": docs["kind"],
                "content_items": docs["content_items"],
                "search": docs["search"],
                "deal_status_mix": big_info["status_mix"],
                "biggest_partner": big_info["biggest_partner"],
                "partner_users": pool["partner_users"],
                "vendor_users": pool["vendor_users"],
                "review_ids": big_info["open_ids"][:POOL_REVIEW_IDS],
                "small_tenant_review_ids": small_open,
                "submit_targets": big_info["targets"],
                "extra_target_deals": self.extra_target_deals,
                "training": training,
                "timings": self.timings,
            }
        )
        return self.manifest

    # -- tenants, programs, tiers, plugin enablement (ORM: a few hundred rows) ------------
    def _tenant(self, slug: str, name: str, programs: int) -> TenantIds:
        from portalis.db import db
        from portalis.models import Program, ProgramPlugin, Tenant, Tier

        portal = self.app.extensions["portalis"]
        tenant = Tenant(
            slug=slug,
            name=name,
            default_locale="en",
            allowed_locales=list(ALLOWED_LOCALES),
            timezone="Europe/Berlin",
            currency="USD",
            branding={"portal_name": f"{name} Partners", "brand_primary": "#4f46e5"},
        )
        db.session.add(tenant)
        db.session.flush()
        ids = TenantIds(tenant.id, slug, [], "USD", {}, {})
        for n in range(programs):
            program = Program(
                tenant_id=tenant.id,
                slug=("resellers", "msp", "distribution")[n],
                name=("Reseller Program", "Managed Service Providers", "Distribution")[n],
                currency="USD",
                description="",
            )
            db.session.add(program)
            db.session.flush()
            ids.programs.append(program.id)
            tier_ids = []
            for tname, rank, crit, benefits, color in TIERS:
                tier = Tier(
                    tenant_id=tenant.id,
                    program_id=program.id,
                    name=tname,
                    rank=rank,
                    criteria=crit,
                    benefits=benefits,
                    color=color,
                )
                db.session.add(tier)
                db.session.flush()
                tier_ids.append(tier.id)
                ids.discount[tier.id] = int(benefits.get("deal_discount_pct", 0))
            ids.tiers[program.id] = tier_ids
            for plugin in portal.registry.optional:
                db.session.add(
                    ProgramPlugin(
                        tenant_id=tenant.id,
                        program_id=program.id,
                        plugin=plugin.info.name,
                        enabled=True,
                        settings=dict(plugin.info.settings_defaults),
                    )
                )
        db.session.commit()
        return ids

    # -- bulk tables ---------------------------------------------------------------------
    def _declare(self) -> None:
        L = self.loader
        L.declare("partners", ["id", "tenant_id", "name", "status", "program_id", "tier_id",
                               "tier_locked", "country", "website", "contact_email", "phone",
                               "created_at"])  # fmt: skip
        L.declare("users", ["id", "tenant_id", "email", "name", "role", "partner_id",
                            "password_hash", "active", "locale", "token_nonce", "created_at",
                            "last_login_at"])  # fmt: skip
        L.declare("deals_registrations", [
            "id", "tenant_id", "program_id", "partner_id", "created_by_id", "owner_id",
            "registered_on_behalf_by", "reviewer_id", "customer_name", "customer_domain",
            "customer_website", "name_key", "country", "contact_name", "contact_email",
            "contact_phone", "products", "amount", "currency", "expected_close_date", "notes",
            "status", "submitted_at", "last_submitted_at", "sla_due_at", "sla_breached_at",
            "decided_at", "approved_at", "protected_until", "expiry_reminder_sent_at",
            "closed_at", "discount_pct", "extension_count", "rules_version", "conflict_count",
            "conflict_score", "created_at", "updated_at"])  # fmt: skip
        L.declare("deals_transitions", ["id", "tenant_id", "deal_id", "event", "from_status",
                                        "to_status", "reason", "actor_user_id", "actor_label",
                                        "created_at"])  # fmt: skip
        L.declare("deals_conflicts", ["id", "tenant_id", "deal_id", "other_deal_id", "rule",
                                      "fields", "score", "rules_version", "detected_at"])  # fmt: skip
        L.declare("deals_protections", ["id", "tenant_id", "program_id", "customer_key",
                                        "deal_id", "created_at"])  # fmt: skip
        L.declare("deals_extension_requests", ["id", "tenant_id", "deal_id", "requested_by_id",
                                               "requested_until", "reason", "status",
                                               "decision_reason", "created_at"])  # fmt: skip

    def _people(self, t: TenantIds, n_partners: int, n_users: int, n_vendor: int) -> None:
        rng, clock, L = self.rng, self.clock, self.loader
        # vendor staff: admins and channel managers (reviewers)
        for i in range(n_vendor):
            uid = self._id("users")
            role = "vendor_admin" if i < max(1, n_vendor // 5) else "channel_manager"
            display, local = names.person(rng, "en")
            email = f"{role.split('_')[0]}{i + 1}@{t.slug}.vendor.example"
            L.add("users", (uid, t.tenant_id, email, display, role, None, self.pw_hash,
                            clock.flag(True), None, secrets.token_urlsafe(16),
                            clock.ts(self.now - 1440 * 900), None))  # fmt: skip
            (t.vendor_ids if role == "vendor_admin" else t.manager_ids).append(uid)
            self._remember(uid, display, email, role)
        # partner sizes: one admin each, the rest Pareto-distributed
        extra_total = max(0, n_users - n_vendor - n_partners)
        raw = [rng.paretovariate(1.15) for _ in range(n_partners)]
        cap = max(3.0, 0.02 * extra_total)
        total_raw = sum(raw)
        extras = [min(cap, extra_total * r / total_raw) for r in raw]
        counts = [int(e) for e in extras]
        short = extra_total - sum(counts)
        order = sorted(range(n_partners), key=lambda i: extras[i] - counts[i], reverse=True)
        for i in itertools.islice(itertools.cycle(order), max(0, short)):
            counts[i] += 1
        by_size = sorted(range(n_partners), key=lambda i: counts[i], reverse=True)
        rank_of = {idx: r for r, idx in enumerate(by_size)}
        for i in range(n_partners):
            pid = self._id("partners")
            name, cc, lang, domain = names.partner_company(rng, pid)
            program = (
                t.programs[0] if (len(t.programs) == 1 or rng.random() < 0.8) else t.programs[1]
            )
            # tier follows size, with noise: the top 5 % Platinum, next 15 % Gold, 30 % Silver
            pct = (rank_of[i] + rng.uniform(-0.1, 0.1) * n_partners) / max(1, n_partners)
            rank = 3 if pct < 0.05 else 2 if pct < 0.20 else 1 if pct < 0.50 else 0
            tier = t.tiers[program][rank]
            roll = rng.random()
            status = (
                "active"
                if roll < 0.97 or rank_of[i] < 10
                else ("applied" if roll < 0.99 else "suspended")
            )
            L.add("partners", (pid, t.tenant_id, name, status, program, tier, clock.flag(False),
                               cc, f"https://www.{domain}", f"partners@{domain}",
                               f"+{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                               clock.ts(self.now - rng.randint(30, 1500) * 1440)))  # fmt: skip
            t.partner_ids.append(pid)
            t.partner_program[pid] = program
            t.partner_tier[pid] = tier
            t.partner_status[pid] = status
            t.partner_lang[pid] = lang
            members = []
            locale = lang if lang in ALLOWED_LOCALES else None
            for j in range(1 + counts[i]):
                uid = self._id("users")
                role = "partner_admin" if j == 0 or rng.random() < 0.08 else "partner_user"
                display, local = names.person(rng, lang)
                email = f"{local}.{uid}@{domain}"
                L.add("users", (uid, t.tenant_id, email, display, role, pid, self.pw_hash,
                                clock.flag(rng.random() > 0.01 or j == 0), locale,
                                secrets.token_urlsafe(16),
                                clock.ts(self.now - rng.randint(1, 1400) * 1440), None))  # fmt: skip
                members.append(uid)
                self._remember(uid, display, email, role)
            t.partner_users[pid] = members

    def _remember(self, uid: int, display: str, email: str, role: str) -> None:
        self.user_names[uid] = display
        self.user_emails[uid] = email
        self.user_roles[uid] = role

    # -- who the load runner signs in as -------------------------------------------------
    def _pick_pool(self, big: TenantIds, smalls: list[TenantIds]) -> dict[str, Any]:
        rng = random.Random(7)

        def eligible(t: TenantIds) -> list[tuple[int, int]]:
            return [
                (uid, pid)
                for pid in t.partner_ids
                if t.partner_status[pid] == "active"
                for uid in t.partner_users[pid]
            ]

        # uniform over users: big partners are represented by their many users, as in life
        users = eligible(big)
        picked = rng.sample(users, min(POOL_PARTNER_USERS, len(users)))
        small_users = [(t, u) for t in smalls for u in eligible(t)]
        small_picked = rng.sample(small_users, min(POOL_SMALL_TENANT_USERS, len(small_users)))
        entries: list[dict[str, Any]] = []
        by_uid: dict[tuple[int, int], dict[str, Any]] = {}
        by_partner: dict[tuple[int, int], list[dict[str, Any]]] = {}
        for t, (uid, pid) in [(big, x) for x in picked] + small_picked:
            tier = t.partner_tier[pid]
            program = t.partner_program[pid]
            e = {
                "email": self.user_emails[uid],
                "host": f"{t.slug}.{BASE_DOMAIN}",
                "tenant": t.slug,
                "role": self.user_roles[uid],
                "tier_rank": t.tiers[program].index(tier),
                "partner_id": pid,
                "partner_users": len(t.partner_users[pid]),
                "deal_ids": [],
            }
            entries.append(e)
            by_uid[(t.tenant_id, uid)] = e
            if e["role"] == "partner_admin":
                by_partner.setdefault((t.tenant_id, pid), []).append(e)
        vendors = [
            {"email": self.user_emails[uid], "host": f"{t.slug}.{BASE_DOMAIN}", "tenant": t.slug,
             "role": self.user_roles[uid]}
            for t in [big, *smalls[:50]]
            for uid in (t.vendor_ids + t.manager_ids)
        ]  # fmt: skip
        return {"partner_users": entries, "vendor_users": vendors, "_by_uid": by_uid,
                "_by_partner": by_partner}  # fmt: skip

    # -- deal registrations --------------------------------------------------------------
    def _keys(self, name: str) -> tuple[str, str]:
        """(name block key, normalised name without spaces), cached per spelling."""
        hit = self._key_cache.get(name)
        if hit is None:
            from portalis import api

            # the core's company-name rules (the deals plugin uses them), so the stored keys
            # are what the plugin computes
            normalized = api.normalize_company_name(name)
            hit = (api.name_block_key(name), normalized.replace(" ", ""))
            self._key_cache[name] = hit
        return hit

    def _deals(self, t: TenantIds, n: int, pool: dict[str, Any], customers: int) -> dict[str, Any]:
        rng, clock, L, now = self.rng, self.clock, self.loader, self.now
        tid = t.tenant_id
        by_uid, by_partner = pool["_by_uid"], pool["_by_partner"]
        partners = t.partner_ids
        weights = list(itertools.accumulate(len(t.partner_users[p]) for p in partners))
        # customers: a popular-accounts pool (Zipf) and fresh ones nobody else registers
        popular_n = max(20, customers // 8)
        pop_cum = list(
            itertools.accumulate(1.0 / (r + popular_n / 300 + 1) for r in range(popular_n))
        )
        popular: dict[int, names.Customer] = {}
        customer_of: dict[Any, names.Customer] = {}
        serial = itertools.count(1)
        reviewers = t.manager_ids or t.vendor_ids
        protected: set[tuple[int, str]] = set()
        active_by_customer: dict[Any, list[tuple[int, int, int, str, str]]] = {}
        open_ids: list[int] = []
        mix: dict[str, int] = {}
        biggest = max(partners, key=lambda p: len(t.partner_users[p]))
        biggest_deals = 0
        # the load run submits registrations that each conflict with exactly one active
        # one: a small world has too few such customers, so it gets a few extra recent
        # submissions of fresh customers (none at large scale, where there are plenty)
        limit = n
        i = -1
        while True:
            i += 1
            if i == n and t.slug == BENCH_SLUG:
                singles = sum(1 for members in active_by_customer.values() if len(members) == 1)
                limit = n + max(0, MIN_SUBMIT_TARGETS - singles)
                self.extra_target_deals = limit - n
            if i >= limit:
                break
            forced = i >= n
            did = self._id("deals_registrations")
            pid = partners[bisect.bisect_left(weights, rng.random() * weights[-1])]
            program = t.partner_program[pid]
            members = t.partner_users[pid]
            owner = members[int(rng.random() * len(members))]
            creator = owner
            on_behalf = None
            if rng.random() < 0.04 and reviewers:
                creator = on_behalf = rng.choice(reviewers)
            # customer
            if rng.random() < 0.35 and not forced:
                rank = bisect.bisect_left(pop_cum, rng.random() * pop_cum[-1])
                cust = popular.get(rank)
                if cust is None:
                    cust = popular[rank] = names.customer(rng, next(serial) + tid * 10_000_000)
                ckey: Any = ("p", rank)
                spelled = cust.name if rng.random() < 0.6 else rng.choice(cust.variants)
            else:
                cust = names.customer(rng, next(serial) + tid * 10_000_000)
                ckey = ("u", did)
                spelled = cust.name
            name_key, norm = self._keys(spelled)
            # lifecycle by age: recent = drafts and reviews, old = outcomes
            age = int(1095 * 1440 * rng.random() ** 1.6)
            created = now - age
            if forced:
                age = rng.randint(60, 10 * 1440)
                created = now - age
            status = "submitted" if forced else _status(rng, age / 1440)
            submitted = decided = closed = protected_until = breached = reviewer = None
            approved_at = reminder = None
            if status != "draft":
                submitted = created + rng.randint(5, 240)
            sla_due = submitted + SLA_MINUTES if status in OPEN else None
            if sla_due is not None and sla_due < now and rng.random() < 0.7:
                breached = sla_due + 10
            if status not in ("draft", "submitted", "withdrawn") or (
                status == "withdrawn" and rng.random() < 0.5
            ):
                reviewer = rng.choice(reviewers) if reviewers else None
            if status in ("approved", "rejected", "won", "lost", "expired"):
                assert submitted is not None
                decided = min(now - 30, submitted + rng.randint(240, 5 * 1440))
            if status in ("approved", "won", "lost", "expired"):
                assert decided is not None
                approved_at = decided
                protected_until = decided + PROTECTION_DAYS * 1440
            if status == "approved":
                # the database guarantees one protected registration per customer and program
                keys = _protection_keys(cust.domain, norm, cust.country)
                if any((program, k) in protected for k in keys):
                    status, approved_at, protected_until = "rejected", None, None
                else:
                    protected.update((program, k) for k in keys)
                    if protected_until is not None and protected_until - now < 14 * 1440:
                        reminder = now - rng.randint(60, 3000)
            if status in ("won", "lost"):
                assert decided is not None
                closed = min(now - 1440, decided + rng.randint(20, 200) * 1440)
                closed = max(closed, decided + 60)
            elif status == "expired":
                closed = protected_until
            elif status == "withdrawn":
                assert submitted is not None
                closed = min(now - 60, submitted + rng.randint(1, 30) * 1440)
            mix[status] = mix.get(status, 0) + 1
            if pid == biggest:
                biggest_deals += 1
            amount = max(1000, min(50_000_000, int(round(math.exp(rng.gauss(10.8, 1.1)), -2))))
            contact, local = names.person(rng, cust.language)
            updated = max(
                x for x in (created, submitted, decided, closed, reminder) if x is not None
            )
            discount = t.discount.get(t.partner_tier[pid], 0) if approved_at is not None else None
            close_basis = submitted or created
            L.add("deals_registrations", (
                did, tid, program, pid, creator, owner, on_behalf, reviewer, spelled,
                cust.domain, names.website(rng, cust.domain), name_key, cust.country, contact,
                f"{local}@{cust.domain}", f"+{rng.randint(1, 99)} {rng.randint(10, 99)} {rng.randint(100000, 999999)}",
                rng.choice(names.PRODUCTS), amount, "EUR" if rng.random() < 0.1 else t.currency,
                clock.date(close_basis + rng.randint(30, 270) * 1440),
                "" if rng.random() < 0.8 else "Champion is the CIO; budget approved for Q3.",
                status, clock.ts(submitted), clock.ts(submitted), clock.ts(sla_due),
                clock.ts(breached), clock.ts(decided), clock.ts(approved_at),
                clock.ts(protected_until), clock.ts(reminder), clock.ts(closed), discount, 0,
                "1" if submitted is not None else None, 0, 0.0, clock.ts(created), clock.ts(updated),
            ))  # fmt: skip
            self._history(
                tid, did, status, creator, owner, reviewer, created, submitted, decided, closed
            )
            if status == "approved":
                for k in _protection_keys(cust.domain, norm, cust.country):
                    L.add("deals_protections", (self._id("deals_protections"), tid, program, k, did,
                                                clock.ts(approved_at)))  # fmt: skip
                if reminder is not None and rng.random() < 0.3:
                    L.add("deals_extension_requests", (
                        self._id("deals_extension_requests"), tid, did, owner,
                        clock.date((protected_until or now) + 30 * 1440),
                        "Procurement moved the signature to next month.", "pending", "",
                        clock.ts(reminder + 30)))  # fmt: skip
            if status in ACTIVE:
                assert submitted is not None
                active_by_customer.setdefault(ckey, []).append((submitted, did, pid, spelled, norm))
                customer_of[ckey] = cust
            if status in OPEN:
                open_ids.append(did)
            # deals each pool user may open (owner / creator; admins: the company's)
            e = by_uid.get((tid, owner))
            if e is not None and len(e["deal_ids"]) < DETAIL_IDS_PER_USER:
                e["deal_ids"].append(did)
            for e in by_partner.get((tid, pid), ()):
                if len(e["deal_ids"]) < DETAIL_IDS_PER_USER and did not in e["deal_ids"]:
                    e["deal_ids"].append(did)
        targets = self._conflicts(t, active_by_customer, customer_of)
        rng.shuffle(open_ids)
        return {
            "open_ids": open_ids,
            "targets": targets,
            "status_mix": dict(sorted(mix.items(), key=lambda kv: -kv[1])),
            "biggest_partner": {"partner_id": biggest, "users": len(t.partner_users[biggest]),
                                "deals": biggest_deals},
        }  # fmt: skip

    def _history(self, tid: int, did: int, status: str, creator: int, owner: int,
                 reviewer: int | None, created: int, submitted: int | None,
                 decided: int | None, closed: int | None) -> None:  # fmt: skip
        add, ts, names_ = self.loader.add, self.clock.ts, self.user_names
        T = "deals_transitions"

        def tr(
            event: str, frm: str | None, to: str, actor: int | None, at: int, reason: str = ""
        ) -> None:
            label = names_.get(actor, "system") if actor is not None else "system"
            add(T, (self._id(T), tid, did, event, frm, to, reason, actor, label, ts(at)))

        tr("created", None, "draft", creator, created)
        if submitted is None:
            return
        tr("submitted", "draft", "submitted", creator, submitted)
        if status == "submitted":
            return
        review = submitted + 300
        if status == "withdrawn":
            assert closed is not None
            tr(
                "withdrawn",
                "submitted",
                "withdrawn",
                owner,
                closed,
                "Customer postponed the project.",
            )
            return
        tr("review_started", "submitted", "under_review", reviewer, review)
        if status == "under_review":
            return
        if status == "returned":
            tr("returned", "under_review", "returned", reviewer, review + 600,
               "Please add the customer's purchasing contact.")  # fmt: skip
            return
        assert decided is not None
        if status == "rejected":
            tr("rejected", "under_review", "rejected", reviewer, decided,
               "The customer buys directly under an enterprise agreement.")  # fmt: skip
            return
        tr("approved", "under_review", "approved", reviewer, decided)
        if status in ("won", "lost"):
            assert closed is not None
            tr(status, "approved", status, owner, closed)
        elif status == "expired":
            assert closed is not None
            tr("expired", "approved", "expired", None, closed)

    def _conflicts(self, t: TenantIds, groups: dict[Any, list[tuple[int, int, int, str, str]]],
                   customer_of: dict[Any, names.Customer]) -> list[dict[str, Any]]:  # fmt: skip
        """Record conflicts between active registrations of the same customer (what the
        plugin would have found at each submission), set their summary columns, and pick
        the customers the load runner's new registrations will conflict with."""
        L, clock = self.loader, self.clock
        tid = t.tenant_id
        counts: dict[int, set[int]] = {}
        for members in groups.values():
            if len(members) < 2:
                continue
            members.sort()
            for j in range(1, len(members)):
                sub, did, _pid, _spelled, norm = members[j]
                for _sub_o, other, _p, _s, norm_o in members[max(0, j - 20) : j]:
                    fields = (
                        ["customer_domain", "customer_name"]
                        if norm == norm_o
                        else ["customer_domain"]
                    )
                    L.add("deals_conflicts", (self._id("deals_conflicts"), tid, did, other,
                                              "same_domain", json.dumps(fields), 1.0, "1",
                                              clock.ts(sub)))  # fmt: skip
                    counts.setdefault(did, set()).add(other)
                    counts.setdefault(other, set()).add(did)
        self.loader.flush()
        rows = [(len(others), 1.0, did) for did, others in counts.items()]
        assert self.loader.conn is not None
        if rows:
            if self.loader.sqlite:
                self.loader.conn.exec_driver_sql(
                    "UPDATE deals_registrations SET conflict_count = ?, conflict_score = ? WHERE id = ?",
                    rows,
                )
            else:
                raw = self.loader.conn.connection.dbapi_connection
                with raw.cursor() as cur:  # type: ignore[union-attr]
                    cur.execute(
                        "CREATE TEMP TABLE IF NOT EXISTS bench_cc (n int, s float8, id bigint)"
                    )
                    cur.execute("TRUNCATE bench_cc")
                    with cur.copy("COPY bench_cc (n, s, id) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                    cur.execute(
                        "UPDATE deals_registrations d SET conflict_count = c.n, conflict_score = c.s "
                        "FROM bench_cc c WHERE d.id = c.id"
                    )
        # targets: customers with exactly one active registration (whatever their closed
        # history), so every submission of the load run finds exactly one conflict — the
        # same work at every scale; each is used once per run and the run is undone after
        targets = []
        for ckey, members in groups.items():
            if len(members) != 1:
                continue
            cust = customer_of[ckey]
            targets.append({
                "customer_name": self.rng.choice((cust.name, *cust.variants)),
                "domain": cust.domain,
                "country": cust.country,
                "existing_ids": [m[1] for m in members],
            })  # fmt: skip
        self.rng.shuffle(targets)
        return targets[:POOL_SUBMIT_TARGETS]

    # -- searchable documents ------------------------------------------------------------
    def _documents(self, big: TenantIds, smalls: list[TenantIds]) -> dict[str, Any]:
        """Content-library items (when the content plugin is installed) or plain search
        documents, with :mod:`portalis_bench.search`'s Zipf vocabulary, restricted by tier,
        program and partner like real library items. The index is written through the
        search backend itself, from the plugin's own ``documents()`` when there is one, so
        it is exactly what the app would build."""
        from . import search as bench

        n_big = self.t.scale.documents
        n_small = self.t.scale.small_documents
        docs, vocab, _cum = bench.generate_documents(max(n_big, n_small), seed=42)
        queries = bench.queries(random.Random(43), vocab, 200)
        search = {"queries": queries, "facets": list(bench.TYPES), "products": list(bench.PRODUCTS)}
        if "content" in self.plugins:
            spans, items = self._content(big, smalls, docs, n_big, n_small)
            return {"index": lambda: self._index_content(spans), "content_items": items,
                    "search": search,
                    "kind": "content items (indexed by the content plugin's documents())"}  # fmt: skip
        return {"index": lambda: self._plain_documents(big, smalls, docs, n_big, n_small),
                "search": search, "content_items": 0,
                "kind": "search documents (no content plugin installed)"}  # fmt: skip

    @staticmethod
    def _restrictions(
        t: TenantIds, d: Any
    ) -> tuple[int, tuple[int, ...] | None, tuple[int, ...] | None]:
        program = (
            t.programs[0]
            if d.program_id is None
            else t.programs[(d.program_id - 1) % len(t.programs)]
        )
        tiers = t.tiers[program]
        tier_ids = None if d.tier_ids is None else tuple(tiers[x - 1] for x in d.tier_ids)
        partner_ids = (
            None
            if d.partner_ids is None
            else tuple(
                sorted({t.partner_ids[(x * 7919) % len(t.partner_ids)] for x in d.partner_ids})
            )
        )
        return program, tier_ids, partner_ids  # fmt: skip

    def _plain_documents(self, big: TenantIds, smalls: list[TenantIds], docs: list[Any],
                         n_big: int, n_small: int) -> int:  # fmt: skip
        from portalis.search.sql_backend import DatabaseBackend

        backend = DatabaseBackend(self.loader.engine)

        def remap(t: TenantIds, batch: list[Any], offset: int) -> list[Any]:
            out = []
            for i, d in enumerate(batch):
                program, tier_ids, partner_ids = self._restrictions(t, d)
                out.append(dataclasses.replace(
                    d, tenant_id=t.tenant_id, doc_id=f"bench:{offset + i}",
                    plugin="deals" if d.plugin == "deals" else "core",
                    program_id=None if d.program_id is None else program,
                    tier_ids=tier_ids, partner_ids=partner_ids,
                    url=f"/search/?q={d.title.split()[0].lower()}"))  # fmt: skip
            return out

        count = 0
        for start in range(0, n_big, 2000):
            batch = remap(big, docs[start : min(n_big, start + 2000)], start)
            backend.index(batch)
            count += len(batch)
        for t in smalls:
            backend.index(remap(t, docs[:n_small], 0))
            count += n_small
        started = time.perf_counter()
        backend.optimize()
        self.timings["search_optimize"] = round(time.perf_counter() - started, 2)
        return count

    def _content(self, big: TenantIds, smalls: list[TenantIds], docs: list[Any], n_big: int,
                 n_small: int) -> tuple[list[tuple[int, int, int]], int]:  # fmt: skip
        """Bulk-load library items (folders, items, translations, tier/partner access, tags),
        then index them with the content plugin's own ``documents()``."""
        L, clock, rng, now = self.loader, self.clock, random.Random(11), self.now
        L.declare("content_folders", ["id", "tenant_id", "parent_id", "name", "description",
                                      "position", "created_at"])  # fmt: skip
        L.declare("content_items", ["id", "tenant_id", "program_id", "folder_id", "kind",
                                    "default_language", "product", "visibility", "publish_at",
                                    "expires_at", "cobrandable", "cobrand_zones", "thumbnail",
                                    "search_live", "created_by_id", "created_at", "updated_at"])  # fmt: skip
        L.declare("content_translations", ["id", "tenant_id", "item_id", "language", "title",
                                           "description", "body", "url", "current_version_id",
                                           "created_at", "updated_at"])  # fmt: skip
        L.declare("content_item_tiers", ["id", "tenant_id", "item_id", "tier_id"])
        L.declare("content_item_partners", ["id", "tenant_id", "item_id", "partner_id"])
        L.declare("content_item_tags", ["id", "tenant_id", "item_id", "tag"])
        started = time.perf_counter()
        spans: list[tuple[int, int, int]] = []  # (tenant, first item id, last item id)
        n_items = 0
        for t, n in [(big, n_big), *((s, n_small) for s in smalls)]:
            folders: list[int] = []
            roots = 12 if n >= 1000 else 3
            for r in range(roots):
                fid = self._id("content_folders")
                L.add("content_folders", (fid, t.tenant_id, None, _FOLDERS[r % len(_FOLDERS)], "", r,
                                          clock.ts(now - 700 * 1440)))  # fmt: skip
                folders.append(fid)
                for c in range(4 if n >= 1000 else 1):
                    sub = self._id("content_folders")
                    L.add("content_folders", (sub, t.tenant_id, fid, f"{_SUBFOLDERS[c % len(_SUBFOLDERS)]}",
                                              "", c, clock.ts(now - 600 * 1440)))  # fmt: skip
                    folders.append(sub)
            author = (t.vendor_ids or t.manager_ids)[0]
            first = None
            for d in docs[:n]:
                iid = self._id("content_items")
                first = first or iid
                program, tier_ids, partner_ids = self._restrictions(t, d)
                if d.audience == "vendor":
                    visibility = "hidden"
                elif tier_ids is not None:
                    visibility = "tiers"
                elif partner_ids is not None:
                    visibility = "partners"
                else:
                    visibility = "everyone"
                updated = Clock.minute(d.updated_at)
                roll = rng.random()
                publish = (
                    None
                    if roll < 0.93
                    else (now + rng.randint(1, 30) * 1440 if roll < 0.95 else updated)
                )
                expires = None if rng.random() < 0.95 else now + rng.randint(-60, 90) * 1440
                live = (publish is None or publish <= now) and (expires is None or expires > now)
                kind = "page" if rng.random() < 0.8 else "link"
                L.add("content_items", (iid, t.tenant_id, program, rng.choice(folders) if rng.random() < 0.7 else None,
                                        kind, d.language, d.facets["product"], visibility,
                                        clock.ts(publish), clock.ts(expires), clock.flag(False), "[]", None,
                                        clock.flag(live and visibility != "hidden"), author,
                                        clock.ts(updated - 1440 * rng.randint(0, 30)), clock.ts(updated)))  # fmt: skip
                words = d.body.split()
                url = (
                    f"https://docs.example.com/{d.doc_id.replace(':', '-')}"
                    if kind == "link"
                    else ""
                )
                langs = [d.language] + (
                    [rng.choice(("de", "fr", "ja"))] if rng.random() < 0.1 else []
                )
                for k, lang in enumerate(dict.fromkeys(langs)):
                    L.add("content_translations", (self._id("content_translations"), t.tenant_id, iid, lang,
                                                   d.title if k == 0 else f"{d.title} ({lang})",
                                                   " ".join(words[:25]), "" if kind == "link" else d.body,
                                                   url, None, clock.ts(updated), clock.ts(updated)))  # fmt: skip
                for tier in tier_ids or ():
                    L.add(
                        "content_item_tiers",
                        (self._id("content_item_tiers"), t.tenant_id, iid, tier),
                    )
                for partner in partner_ids or ():
                    L.add(
                        "content_item_partners",
                        (self._id("content_item_partners"), t.tenant_id, iid, partner),
                    )
                for tag in dict.fromkeys(d.tags):
                    L.add(
                        "content_item_tags", (self._id("content_item_tags"), t.tenant_id, iid, tag)
                    )
                n_items += 1
            if first is not None:
                spans.append((t.tenant_id, first, self.next_id["content_items"]))
        L.flush()
        self.timings["content_rows"] = round(time.perf_counter() - started, 2)
        return spans, n_items

    def _index_content(self, spans: list[tuple[int, int, int]]) -> int:
        from sqlalchemy import select

        from portalis.api import tenant_scope
        from portalis.db import db
        from portalis.search.sql_backend import DatabaseBackend
        from portalis_content import service as content_service
        from portalis_content.models import Item

        started = time.perf_counter()
        backend = DatabaseBackend(self.loader.engine)
        count = 0
        for tenant_id, first, last in spans:
            with tenant_scope(tenant_id):
                for lo in range(first, last + 1, 1000):
                    items = list(db.session.scalars(
                        select(Item).where(Item.id >= lo, Item.id < min(last + 1, lo + 1000)).order_by(Item.id)))  # fmt: skip
                    batch = list(content_service.documents(items))
                    db.session.rollback()  # documents() marks search_live; the rows have it already
                    db.remove()
                    backend.index(batch)
                    count += len(batch)
        self.timings["content_index"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        backend.optimize()
        self.timings["search_optimize"] = round(time.perf_counter() - started, 2)
        return count


_FOLDERS = ("Sales playbooks", "Product datasheets", "Pricing", "Marketing campaigns",
            "Competitive intelligence", "Technical guides", "Webinars", "Case studies",
            "Brand assets", "Training", "Legal & contracts", "Events")  # fmt: skip
_SUBFOLDERS = ("EMEA", "North America", "APAC", "LATAM")


def _status(rng: random.Random, age_days: float) -> str:
    if age_days < 3:
        table = (("draft", 30), ("submitted", 60), ("under_review", 10))
    elif age_days < 14:
        table = (("draft", 12), ("submitted", 22), ("under_review", 30), ("returned", 6),
                 ("approved", 15), ("rejected", 6), ("withdrawn", 4), ("won", 5))  # fmt: skip
    elif age_days < PROTECTION_DAYS:
        table = (("draft", 3), ("submitted", 2), ("under_review", 3), ("returned", 2),
                 ("approved", 48), ("rejected", 12), ("withdrawn", 5), ("won", 15), ("lost", 10))  # fmt: skip
    else:
        table = (("draft", 1), ("rejected", 12), ("withdrawn", 5), ("won", 40), ("lost", 27),
                 ("expired", 15))  # fmt: skip
    roll = rng.random() * sum(w for _s, w in table)
    for status, w in table:
        roll -= w
        if roll < 0:
            return status
    return table[-1][0]


def _protection_keys(domain: str, normalized: str, country: str) -> list[str]:
    """What :func:`portalis_deals.service.customer_keys` derives for a protected deal."""
    keys = [f"d:{domain}"]
    if normalized:
        keys.append(f"n:{country.upper()}:{normalized}"[:300])
    return keys


# --- database lifecycle ----------------------------------------------------------------------


def fresh_database(t: Target) -> None:
    """Start from nothing: remove the SQLite file or drop and create the PostgreSQL database."""
    t.instance.mkdir(parents=True, exist_ok=True)
    if t.db == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(t.instance / "portalis.db") + suffix).unlink(missing_ok=True)
    else:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        url = make_url(t.database_url)
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
    for sub in ("mail", "search", "uploads"):
        shutil.rmtree(t.instance / sub, ignore_errors=True)


def bench_config(t: Target) -> dict[str, Any]:
    """App config for seeding and serving (the runner passes the same as PORTALIS_* env)."""
    return {
        "DATABASE_URL": t.database_url,
        "JOBS_BACKEND": "eager",
        "SCHEDULER": False,
        "BASE_DOMAIN": BASE_DOMAIN,
        "COUNT_SQL": True,
        "MAIL_BACKEND": "file",
        # the bench signs in thousands of times from one address; the limiter stays on
        "LOGIN_RATE_LIMIT": "1000000 per minute",
    }


def seed(
    t: Target, *, log: Callable[[str], None] = print, seed_value: int = 2026
) -> dict[str, Any]:
    from portalis.app import create_app
    from portalis.migrate import upgrade

    started = time.perf_counter()
    plugins = loadable_plugins()
    if "deals" not in plugins:
        raise SystemExit("the deals plugin must be installed (scripts/bench does that)")
    log(f"==> seeding {t.label} into {t.instance} (plugins: {', '.join(plugins)})")
    fresh_database(t)
    app = create_app(bench_config(t), instance_path=t.instance, plugins=plugins)
    with app.app_context():
        m0 = time.perf_counter()
        upgrade()
        log(f"    migrations: {time.perf_counter() - m0:.1f} s")
        gen = Generator(t, app, seed=seed_value, log=log)
        try:
            manifest = gen.run()
        finally:
            gen.loader.close()
        from portalis.db import db

        db.remove()
    manifest["timings"]["total"] = round(time.perf_counter() - started, 1)
    manifest["seeded_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    t.manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    log(f"==> {t.label} seeded in {manifest['timings']['total']:.0f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in manifest["counts"].items()))  # fmt: skip
    return manifest
