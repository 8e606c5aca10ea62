"""The training plugin's data (``lms_*`` tables) for the big tenant, bulk-loaded like the
rest of the benchmark: courses with language variants, modules and lessons; their
audience (everyone, chosen tiers, chosen partner companies, hidden) and schedule
(unpublished, retired); learning paths; assignments to tiers, companies and people;
partners' people's runs through the courses, the lessons they completed, and
certificates in every state.

At ``large``: 2,000 courses (≈ 17,000 lessons) and 1,000,000 lesson completions spread
over the runs of the 50,000 people of the 10,000 partner companies; ``small`` is a
hundredth. Shapes: course popularity is Zipf (a few courses everybody takes); a run
completes every lesson (45 %), stops part-way (40 %) or never starts a lesson (15 %);
people take courses of their own program that everyone may take. The catalogue and "my
learning" pages are measured against this data (``runner.PAGES``).
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import secrets
from collections.abc import Callable
from typing import Any

#: Tables in the order their rows must be written (parents first).
TABLES = (
    "lms_courses",
    "lms_course_translations",
    "lms_course_tiers",
    "lms_course_partners",
    "lms_modules",
    "lms_lessons",
    "lms_paths",
    "lms_path_courses",
    "lms_assignments",
    "lms_enrolments",
    "lms_lesson_progress",
    "lms_certificates",
)

_TOPICS = ("Selling", "Positioning", "Deploying", "Securing", "Licensing", "Migrating",
           "Supporting", "Pricing", "Demonstrating", "Integrating", "Monitoring", "Upgrading")  # fmt: skip
_PRODUCTS = ("Security Suite", "Backup Cloud", "Edge Gateway", "Analytics Pro", "Mail Shield",
             "Identity Hub", "Network Insight", "Endpoint Guard")  # fmt: skip
_LEVELS = ("fundamentals", "in practice", "advanced", "for architects", "quick start")
_DE = {"Selling": "Verkaufen", "Deploying": "Einführen", "Securing": "Absichern",
       "Pricing": "Preisgestaltung", "Licensing": "Lizenzieren"}  # fmt: skip


def declare(L: Any) -> None:
    L.declare("lms_courses", ["id", "tenant_id", "program_id", "default_language", "visibility",
                              "publish_at", "retire_at", "estimated_minutes", "position",
                              "created_by_id", "created_at", "updated_at", "search_live"])  # fmt: skip
    L.declare("lms_course_translations", ["id", "tenant_id", "course_id", "language", "title",
                                          "summary"])  # fmt: skip
    L.declare("lms_course_tiers", ["id", "tenant_id", "course_id", "tier_id"])
    L.declare("lms_course_partners", ["id", "tenant_id", "course_id", "partner_id"])
    L.declare("lms_modules", ["id", "tenant_id", "course_id", "title", "title_i18n", "position"])
    L.declare("lms_lessons", ["id", "tenant_id", "course_id", "module_id", "language", "kind",
                              "title", "body", "url", "stored_name", "file_type", "link_ref",
                              "package_id", "quiz_id", "required", "minutes", "position"])  # fmt: skip
    L.declare("lms_paths", ["id", "tenant_id", "program_id", "title", "title_i18n", "description",
                            "certification", "certification_i18n", "validity_days",
                            "reminder_days", "visibility", "publish_at", "retire_at", "position",
                            "created_at", "updated_at"])  # fmt: skip
    L.declare("lms_path_courses", ["id", "tenant_id", "path_id", "course_id", "position"])
    L.declare("lms_assignments", ["id", "tenant_id", "course_id", "tier_id", "partner_id",
                                  "user_id", "due_at", "assigned_by_id", "created_at"])  # fmt: skip
    L.declare("lms_enrolments", ["id", "tenant_id", "course_id", "user_id", "partner_id",
                                 "language", "started_at", "completed_at", "last_lesson_id",
                                 "last_seen_at", "archived_at"])  # fmt: skip
    L.declare("lms_lesson_progress", ["id", "tenant_id", "enrolment_id", "lesson_id", "user_id",
                                      "partner_id", "completed_at"])  # fmt: skip
    L.declare("lms_certificates", ["id", "tenant_id", "path_id", "user_id", "partner_id", "code",
                                   "holder_name", "certification", "issued_at", "expires_at",
                                   "revoked_at", "revoked_reason", "superseded_at",
                                   "superseded_by_id", "reminders_sent", "expiry_noted_at"])  # fmt: skip


def seed(gen: Any, t: Any, n_courses: int, n_completions: int) -> dict[str, Any]:
    """Write the training rows of tenant ``t`` (a ``seed.TenantIds``) through ``gen``'s
    loader; returns counts for the manifest."""
    L, clock, now = gen.loader, gen.clock, gen.now
    rng = random.Random(13)
    new_id: Callable[[str], int] = gen._id  # noqa: SLF001 - the generator's id counters
    tid = t.tenant_id
    author = (t.vendor_ids or t.manager_ids)[0]
    declare(L)

    # -- courses, their variants, audience, modules and lessons ----------------------------
    courses: list[dict[str, Any]] = []
    open_by_program: dict[int, list[int]] = {p: [] for p in t.programs}
    for i in range(n_courses):
        cid = new_id("lms_courses")
        program = t.programs[0] if rng.random() < 0.8 or len(t.programs) == 1 else t.programs[1]
        roll = rng.random()
        visibility = ("everyone" if roll < 0.75 else "tiers" if roll < 0.88
                      else "partners" if roll < 0.95 else "hidden")  # fmt: skip
        sched = rng.random()
        publish = now + rng.randint(1, 60) * 1440 if sched < 0.03 else None
        retire = now - rng.randint(1, 300) * 1440 if 0.03 <= sched < 0.06 else None
        live = publish is None and retire is None
        created = now - rng.randint(30, 900) * 1440
        topic, product, level = rng.choice(_TOPICS), rng.choice(_PRODUCTS), rng.choice(_LEVELS)
        title = f"{topic} {product}: {level}"
        L.add("lms_courses", (cid, tid, program, "en", visibility, clock.ts(publish),
                              clock.ts(retire), rng.choice((0, 0, 30, 45, 60, 90)), i, author,
                              clock.ts(created), clock.ts(created + rng.randint(0, 20) * 1440),
                              clock.flag(live and visibility != "hidden")))  # fmt: skip
        summary = (f"How to {topic.lower()} {product} with confidence: the essentials, "
                   f"the questions customers ask, and a checklist for your first project.")  # fmt: skip
        L.add("lms_course_translations", (new_id("lms_course_translations"), tid, cid, "en",
                                          title, summary))  # fmt: skip
        if rng.random() < 0.3:
            L.add("lms_course_translations", (new_id("lms_course_translations"), tid, cid, "de",
                                              f"{_DE.get(topic, topic)} {product}: {level}",
                                              "Das Wichtigste für Ihr erstes Projekt."))  # fmt: skip
        if visibility == "tiers":
            for tier in rng.sample(t.tiers[program][1:], rng.randint(1, 2)):
                L.add("lms_course_tiers", (new_id("lms_course_tiers"), tid, cid, tier))
        elif visibility == "partners":
            members = [p for p in t.partner_ids if t.partner_program[p] == program]
            for pid in rng.sample(members, min(len(members), rng.randint(1, 20))):
                L.add("lms_course_partners", (new_id("lms_course_partners"), tid, cid, pid))
        lessons: list[int] = []
        for m in range(rng.randint(2, 4)):
            mid = new_id("lms_modules")
            L.add("lms_modules", (mid, tid, cid, f"Part {m + 1}", "{}", m))
            for k in range(rng.randint(2, 4)):
                lid = new_id("lms_lessons")
                kind = rng.choice(("text", "text", "text", "video", "link", "file"))
                L.add("lms_lessons", (lid, tid, cid, mid, "", kind, f"Lesson {m + 1}.{k + 1}",
                                      "Read this, then mark the lesson as done.",
                                      "https://example.com/training" if kind in ("link", "video") else "",
                                      None, None, None, None, None,
                                      clock.flag(rng.random() < 0.9), rng.randint(3, 15), k))  # fmt: skip
                lessons.append(lid)
        courses.append({"id": cid, "program": program, "lessons": lessons})
        if live and visibility == "everyone":
            open_by_program[program].append(cid)

    # -- paths (3–5 open courses each) ---------------------------------------------------
    paths: list[tuple[int, int, str]] = []
    for program, open_ids in open_by_program.items():
        for j in range(min(25 if program == t.programs[0] else 8, len(open_ids) // 4)):
            path_id = new_id("lms_paths")
            name = f"Certified {rng.choice(_PRODUCTS)} {rng.choice(('Associate', 'Professional', 'Expert'))}"
            L.add("lms_paths", (path_id, tid, program, name, "{}", "", name, "{}", 365,
                                "[60, 30, 7]", "everyone", None, None, j,
                                clock.ts(now - 400 * 1440), clock.ts(now - 400 * 1440)))  # fmt: skip
            for pos, cid in enumerate(
                rng.sample(open_ids[:200], min(len(open_ids), rng.randint(3, 5)))
            ):
                L.add("lms_path_courses", (new_id("lms_path_courses"), tid, path_id, cid, pos))
            paths.append((path_id, program, name))

    # -- assignments: a few courses per tier, some per company, many per person ----------
    people = [(uid, pid) for pid in t.partner_ids for uid in t.partner_users[pid]]
    n_assign = 0
    for program, open_ids in open_by_program.items():
        for tier in t.tiers[program]:
            for cid in rng.sample(open_ids[:100], min(3, len(open_ids[:100]))):
                L.add("lms_assignments", (new_id("lms_assignments"), tid, cid, tier, None, None,
                                          clock.ts(now + rng.randint(-10, 60) * 1440), author,
                                          clock.ts(now - 30 * 1440)))  # fmt: skip
                n_assign += 1
    for pid in rng.sample(t.partner_ids, max(1, len(t.partner_ids) // 5)):
        open_ids = open_by_program[t.partner_program[pid]]
        if open_ids:
            L.add("lms_assignments", (new_id("lms_assignments"), tid, rng.choice(open_ids), None,
                                      pid, None, None, author, clock.ts(now - 20 * 1440)))  # fmt: skip
            n_assign += 1
    for uid, pid in rng.sample(people, max(1, len(people) // 3)):
        open_ids = open_by_program[t.partner_program[pid]]
        if open_ids:
            L.add("lms_assignments", (new_id("lms_assignments"), tid, rng.choice(open_ids[:300]),
                                      None, None, uid, clock.ts(now + rng.randint(-5, 90) * 1440),
                                      author, clock.ts(now - 10 * 1440)))  # fmt: skip
            n_assign += 1

    # -- runs and lesson completions, until the target number of completions -------------
    lessons_of = {c["id"]: c["lessons"] for c in courses}
    zipf = {p: list(itertools.accumulate(1.0 / (r + 3) for r in range(len(ids))))
            for p, ids in open_by_program.items() if ids}  # fmt: skip
    taken: set[tuple[int, int]] = set()
    completions = runs = finished = 0
    completed_courses: dict[tuple[int, int], list[int]] = {}
    attempts = 0
    while completions < n_completions and attempts < n_completions * 4:
        attempts += 1
        uid, pid = people[int(rng.random() * len(people))]
        program = t.partner_program[pid]
        cum = zipf.get(program)
        if not cum:
            continue
        cid = open_by_program[program][bisect.bisect_left(cum, rng.random() * cum[-1])]
        if (uid, cid) in taken:
            continue
        taken.add((uid, cid))
        lessons = lessons_of[cid]
        roll = rng.random()
        done = (
            len(lessons)
            if roll < 0.45
            else (rng.randint(1, len(lessons) - 1) if roll < 0.85 else 0)
        )
        done = min(done, n_completions - completions)
        started = now - rng.randint(1, 700) * 1440 - rng.randint(0, 1439)
        eid = new_id("lms_enrolments")
        complete = done == len(lessons)
        at = started
        last_lesson = None
        for lid in lessons[:done]:
            at += rng.randint(5, 3 * 1440)
            L.add("lms_lesson_progress", (new_id("lms_lesson_progress"), tid, eid, lid, uid, pid,
                                          clock.ts(min(at, now - 1))))  # fmt: skip
            last_lesson = lid
        completions += done
        L.add("lms_enrolments", (eid, tid, cid, uid, pid, "en", clock.ts(started),
                                 clock.ts(min(at, now - 1)) if complete else None, last_lesson,
                                 clock.ts(min(at, now - 1)), None))  # fmt: skip
        runs += 1
        if complete:
            finished += 1
            completed_courses.setdefault((uid, pid), []).append(cid)

    # -- certificates: people who completed a course of a path, in every state -----------
    certificates = 0
    path_by_program: dict[int, list[tuple[int, int, str]]] = {}
    for p in paths:
        path_by_program.setdefault(p[1], []).append(p)
    holders = list(completed_courses)
    rng.shuffle(holders)
    for uid, pid in holders[: max(1, len(holders) // 3)]:
        options = path_by_program.get(t.partner_program[pid])
        if not options:
            continue
        path_id, _program, name = rng.choice(options)
        roll = rng.random()
        issued = now - rng.randint(1, 700) * 1440
        expires = issued + 365 * 1440
        revoked = now - rng.randint(1, 30) * 1440 if roll < 0.05 else None
        if 0.05 <= roll < 0.15:  # renewed: the old one superseded, a new one current
            old = new_id("lms_certificates")
            new = new_id("lms_certificates")
            L.add("lms_certificates", (old, tid, path_id, uid, pid, secrets.token_hex(8),
                                       gen.user_names.get(uid, "Holder"), name,
                                       clock.ts(issued - 365 * 1440), clock.ts(issued), None, "",
                                       clock.ts(issued), new, "[60, 30, 7]", None))  # fmt: skip
            cert_id = new
            certificates += 1
        else:
            cert_id = new_id("lms_certificates")
        L.add("lms_certificates", (cert_id, tid, path_id, uid, pid, secrets.token_hex(8),
                                   gen.user_names.get(uid, "Holder"), name, clock.ts(issued),
                                   clock.ts(expires), clock.ts(revoked),
                                   "Issued in error." if revoked else "", None, None,
                                   json.dumps([d for d in (60, 30, 7) if expires - now < d * 1440]),
                                   clock.ts(expires) if expires < now else None))  # fmt: skip
        certificates += 1
    L.flush()
    return {"courses": n_courses, "lessons": sum(len(c["lessons"]) for c in courses),
            "paths": len(paths), "assignments": n_assign, "enrolments": runs,
            "completed_runs": finished, "lesson_completions": completions,
            "certificates": certificates}  # fmt: skip
