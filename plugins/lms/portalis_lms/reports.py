"""The vendor's training reports: completion and pass rates per course, per partner company
and per tier; certified people per partner; certificates expiring soon — on the page and
as CSV.

Every figure is grouped in SQL (one statement per table, whatever the number of courses,
partners or completions), and the page and the CSV read the same rows, so a download says
exactly what the page shows. What the figures count:

* **enrolled** / **completed** — distinct people who started a run of the course in the
  period (archived runs of a recertification included: they are history) / of them, those
  whose run is complete;
* **quiz pass rate**, **average score** — over the quiz attempts submitted in the period;
* **certified people** — people holding at least one *active* certificate now: neither
  revoked nor superseded by a renewal, and not expired (the period doesn't apply);
* **expiring** — active certificates whose expiry falls within the next 30, 60 or 90 days.

Reports are for vendor staff holding ``lms.manage``; the views guard them with
:func:`access.manager_required`, and the core limits every query to the tenant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, and_, case, cast, distinct, exists, func, literal, or_, select

from portalis import api

from . import learner
from .i18n import _, _l
from .models import Certificate, Course, CourseTranslation, Enrolment, Path, Quiz, QuizAttempt

PLUGIN_NAME = "lms"
#: The report tables (and CSV exports): key → label.
REPORTS: dict[str, Any] = {
    "courses": _l("Courses"),
    "partners": _l("Partners"),
    "tiers": _l("Tiers"),
    "certificates": _l("Expiring certificates"),
}
#: The period filter: key → days back (None: all time).
PERIODS: dict[str, int | None] = {"30": 30, "90": 90, "365": 365, "all": None}
PERIOD_LABELS: dict[str, Any] = {
    "30": _l("Last 30 days"),
    "90": _l("Last 90 days"),
    "365": _l("Last 12 months"),
    "all": _l("All time"),
}
#: Windows of the expiring-certificates report, in days.
EXPIRY_WINDOWS = (30, 60, 90)
PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    """What the vendor chose: the program (None: every program with training), the period,
    the sort key and, for expiring certificates, the window in days."""

    programs: tuple[int, ...]
    program_id: int | None = None
    period: str = "all"
    sort: str = ""
    window: int = 90
    now: dt.datetime = field(default_factory=api.utcnow)

    @property
    def since(self) -> dt.datetime | None:
        days = PERIODS.get(self.period)
        return None if days is None else self.now - dt.timedelta(days=days)

    @property
    def program_ids(self) -> tuple[int, ...]:
        if self.program_id is not None and self.program_id in self.programs:
            return (self.program_id,)
        return self.programs


@dataclass
class Figures:
    """One row of a completion table."""

    key: int | None
    name: str
    enrolled: int = 0
    completed: int = 0
    attempts: int = 0
    passed: int = 0
    average_score: float | None = None
    certified: int = 0
    partners: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def completion(self) -> float | None:
        """Share of the enrolled who completed (0…1), or None with nobody enrolled."""
        return self.completed / self.enrolled if self.enrolled else None

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.attempts if self.attempts else None


@dataclass
class Expiring:
    certificate_id: int
    holder: str
    partner_id: int
    partner: str
    certification: str
    issued_at: dt.datetime
    expires_at: dt.datetime


# --- the sort keys of each table ------------------------------------------------------------

#: report → sort key → label (the first key is the default). Figures sort largest first,
#: names alphabetically.
SORTS: dict[str, dict[str, Any]] = {
    "courses": {
        "enrolled": _l("Enrolled"),
        "completed": _l("Completed"),
        "completion": _l("Completion rate"),
        "pass_rate": _l("Quiz pass rate"),
        "score": _l("Average score"),
        "name": _l("Course"),
    },
    "partners": {
        "certified": _l("Certified people"),
        "enrolled": _l("Enrolled"),
        "completed": _l("Completed"),
        "completion": _l("Completion rate"),
        "pass_rate": _l("Quiz pass rate"),
        "name": _l("Partner"),
    },
    "tiers": {
        "rank": _l("Tier"),
        "enrolled": _l("Enrolled"),
        "completed": _l("Completed"),
        "completion": _l("Completion rate"),
        "pass_rate": _l("Quiz pass rate"),
        "certified": _l("Certified people"),
    },
    "certificates": {
        "expires": _l("Expires"),
        "partner": _l("Partner"),
        "holder": _l("Holder"),
    },
}


def sort_key(report: str, wanted: str) -> str:
    keys = SORTS[report]
    return wanted if wanted in keys else next(iter(keys))


# --- the grouped statements -----------------------------------------------------------------


def _enrolment_stats(f: Filters, key: Any, *joins: Any) -> Any:
    """People enrolled and completed, grouped by ``key`` (a subquery with columns
    ``k``, ``enrolled``, ``completed``)."""
    e = Enrolment
    stmt = (
        select(
            key.label("k"),
            func.count(distinct(e.user_id)).label("enrolled"),
            func.count(distinct(case((e.completed_at.is_not(None), e.user_id)))).label("completed"),
        )
        .select_from(e)
        .join(Course, Course.id == e.course_id)
    )
    for target, on in joins:
        stmt = stmt.join(target, on)
    stmt = stmt.where(Course.program_id.in_(f.program_ids))
    if f.since is not None:
        stmt = stmt.where(e.started_at >= f.since)
    return stmt.group_by(key).subquery()


def _quiz_stats(f: Filters, key: Any, *joins: Any) -> Any:
    """Submitted attempts, passed attempts and the average score, grouped by ``key``."""
    a = QuizAttempt
    stmt = (
        select(
            key.label("k"),
            func.count(a.id).label("attempts"),
            func.coalesce(func.sum(case((a.passed.is_(True), 1), else_=0)), 0).label("passed"),
            func.avg(a.score).label("score"),
        )
        .select_from(a)
        .join(Quiz, Quiz.id == a.quiz_id)
        .join(Course, Course.id == Quiz.course_id)
    )
    for target, on in joins:
        stmt = stmt.join(target, on)
    stmt = stmt.where(Course.program_id.in_(f.program_ids), a.submitted_at.is_not(None))
    if f.since is not None:
        stmt = stmt.where(a.submitted_at >= f.since)
    return stmt.group_by(key).subquery()


def active_certificate_clause(now: dt.datetime) -> Any:
    """SQL condition on :class:`Certificate`: valid now (issued, not revoked, not renewed,
    not expired)."""
    return and_(
        Certificate.issued_at <= now,
        Certificate.revoked_at.is_(None),
        Certificate.superseded_at.is_(None),
        or_(Certificate.expires_at.is_(None), Certificate.expires_at > now),
    )


def holder_clause() -> Any:
    """SQL condition on :class:`Certificate`: its holder is still active and still in the
    company (the tier metric ``active_certifications`` counts the same people). A
    correlated EXISTS, so the database walks the certificates and looks each holder up by
    primary key instead of scanning the users."""
    return (
        exists()
        .where(
            api.User.id == Certificate.user_id,
            api.User.partner_id == Certificate.partner_id,
            api.User.active.is_(True),
        )
        .correlate(Certificate)
    )


def _certified_stats(f: Filters, key: Any, *joins: Any) -> Any:
    """People with an active certificate now, grouped by ``key``."""
    c = Certificate
    stmt = select(key.label("k"), func.count(distinct(c.user_id)).label("certified")).select_from(c)
    stmt = stmt.join(Path, Path.id == c.path_id)
    for target, on in joins:
        stmt = stmt.join(target, on)
    stmt = stmt.where(
        Path.program_id.in_(f.program_ids), active_certificate_clause(f.now), holder_clause()
    )
    return stmt.group_by(key).subquery()


def _rate(num: Any, den: Any) -> Any:
    """``num / den`` as a float in SQL; -1 where ``den`` is 0 (so "no data" sorts last)."""
    return case((den > 0, cast(num, Float) / den), else_=literal(-1.0))


def _zero(col: Any) -> Any:
    return func.coalesce(col, 0)


def _page(stmt: Any, page: int | None) -> Any:
    if page is None:
        return stmt
    return stmt.limit(PAGE_SIZE).offset((max(1, page) - 1) * PAGE_SIZE)


def _order(sort: str, columns: dict[str, Any], name: Any, tie: Any) -> list[Any]:
    if sort == "name":
        return [name, tie]
    if sort == "rank":
        return [columns["rank"].desc(), tie]
    return [columns[sort].desc(), name, tie]


# --- per course -----------------------------------------------------------------------------


def courses(f: Filters, page: int | None = 1) -> tuple[list[Figures], int]:
    """Rows of the per-course table (``page`` None: all of them) and how many there are."""
    enrol = _enrolment_stats(f, Enrolment.course_id)
    quiz = _quiz_stats(f, Quiz.course_id)
    title = (
        select(CourseTranslation.title)
        .where(
            CourseTranslation.course_id == Course.id,
            CourseTranslation.language == Course.default_language,
        )
        .limit(1)
        .scalar_subquery()
    )
    enrolled, completed = _zero(enrol.c.enrolled), _zero(enrol.c.completed)
    attempts, passed = _zero(quiz.c.attempts), _zero(quiz.c.passed)
    cols = {
        "enrolled": enrolled,
        "completed": completed,
        "completion": _rate(completed, enrolled),
        "pass_rate": _rate(passed, attempts),
        "score": func.coalesce(quiz.c.score, -1),
    }
    name = func.lower(func.coalesce(title, ""))
    where = Course.program_id.in_(f.program_ids)
    stmt = (
        select(Course.id, title, enrolled, completed, attempts, passed, quiz.c.score)
        .select_from(Course)
        .outerjoin(enrol, enrol.c.k == Course.id)
        .outerjoin(quiz, quiz.c.k == Course.id)
        .where(where)
        .order_by(*_order(sort_key("courses", f.sort), cols, name, Course.id))
    )
    rows = api.session.execute(_page(stmt, page)).all()
    total = (
        len(rows)
        if page is None
        else int(api.session.scalar(select(func.count(Course.id)).where(where)) or 0)
    )
    titles = _course_titles([r[0] for r in rows])
    out = [
        Figures(
            key=cid,
            name=titles.get(cid) or default_title or "",
            enrolled=int(n_enrolled),
            completed=int(n_completed),
            attempts=int(n_attempts),
            passed=int(n_passed),
            average_score=None if score is None else float(score),
        )
        for cid, default_title, n_enrolled, n_completed, n_attempts, n_passed, score in rows
    ]
    return out, total


def _course_titles(course_ids: Sequence[int]) -> dict[int, str]:
    """Each course's title in the reader's language, else its default language's."""
    return learner.course_titles(course_ids, str(api.current_locale() or ""))


# --- per partner ----------------------------------------------------------------------------


def partners(f: Filters, page: int | None = 1) -> tuple[list[Figures], int]:
    """Rows of the per-partner table: the programs' partner companies (those without any
    training included, so a partner who never started shows as 0)."""
    P = api.Partner
    enrol = _enrolment_stats(f, Enrolment.partner_id)
    quiz = _quiz_stats(f, QuizAttempt.partner_id)
    cert = _certified_stats(f, Certificate.partner_id)
    enrolled, completed = _zero(enrol.c.enrolled), _zero(enrol.c.completed)
    attempts, passed = _zero(quiz.c.attempts), _zero(quiz.c.passed)
    certified = _zero(cert.c.certified)
    cols = {
        "enrolled": enrolled,
        "completed": completed,
        "completion": _rate(completed, enrolled),
        "pass_rate": _rate(passed, attempts),
        "certified": certified,
    }
    where = and_(P.program_id.in_(f.program_ids), P.status != "applied")
    stmt = (
        select(
            P.id,
            P.name,
            P.tier_id,
            enrolled,
            completed,
            attempts,
            passed,
            quiz.c.score,
            certified,
        )
        .select_from(P)
        .outerjoin(enrol, enrol.c.k == P.id)
        .outerjoin(quiz, quiz.c.k == P.id)
        .outerjoin(cert, cert.c.k == P.id)
        .where(where)
        .order_by(*_order(sort_key("partners", f.sort), cols, func.lower(P.name), P.id))
    )
    rows = api.session.execute(_page(stmt, page)).all()
    total = (
        len(rows)
        if page is None
        else int(api.session.scalar(select(func.count(P.id)).where(where)) or 0)
    )
    tiers = _tiers(f)
    out = []
    for pid, name, tier_id, n_enrolled, n_completed, n_attempts, n_passed, score, n_cert in rows:
        tier = tiers.get(tier_id)
        out.append(
            Figures(
                key=pid,
                name=name,
                enrolled=int(n_enrolled),
                completed=int(n_completed),
                attempts=int(n_attempts),
                passed=int(n_passed),
                average_score=None if score is None else float(score),
                certified=int(n_cert),
                extra={"tier": tier, "tier_name": tier_name(tier)},
            )
        )
    return out, total


def _tiers(f: Filters) -> dict[int, Any]:
    return {
        t.id: t
        for t in api.session.scalars(select(api.Tier).where(api.Tier.program_id.in_(f.programs)))
    }


def tier_name(tier: Any) -> str:
    return api.localized(tier.name, tier.name_i18n) if tier is not None else ""


# --- per tier -------------------------------------------------------------------------------


def tiers(f: Filters, page: int | None = None) -> tuple[list[Figures], int]:
    """Rows of the per-tier table: the programs' tiers by their partners' current tier."""
    P, T = api.Partner, api.Tier
    on_partner = (P, P.id == Enrolment.partner_id)
    enrol = _enrolment_stats(f, P.tier_id, on_partner)
    quiz = _quiz_stats(f, P.tier_id, (P, P.id == QuizAttempt.partner_id))
    cert = _certified_stats(f, P.tier_id, (P, P.id == Certificate.partner_id))
    counts = (
        select(P.tier_id.label("k"), func.count(P.id).label("partners"))
        .where(P.program_id.in_(f.program_ids), P.status != "applied")
        .group_by(P.tier_id)
        .subquery()
    )
    enrolled, completed = _zero(enrol.c.enrolled), _zero(enrol.c.completed)
    attempts, passed = _zero(quiz.c.attempts), _zero(quiz.c.passed)
    certified = _zero(cert.c.certified)
    cols = {
        "rank": T.rank,
        "enrolled": enrolled,
        "completed": completed,
        "completion": _rate(completed, enrolled),
        "pass_rate": _rate(passed, attempts),
        "certified": certified,
    }
    stmt = (
        select(
            T.id,
            _zero(counts.c.partners),
            enrolled,
            completed,
            attempts,
            passed,
            quiz.c.score,
            certified,
        )
        .select_from(T)
        .outerjoin(counts, counts.c.k == T.id)
        .outerjoin(enrol, enrol.c.k == T.id)
        .outerjoin(quiz, quiz.c.k == T.id)
        .outerjoin(cert, cert.c.k == T.id)
        .where(T.program_id.in_(f.program_ids))
        .order_by(*_order(sort_key("tiers", f.sort), cols, T.rank, T.id))
    )
    rows = api.session.execute(stmt).all()
    by_id = _tiers(f)
    out = []
    for tid, n_partners, n_enrolled, n_completed, n_attempts, n_passed, score, n_cert in rows:
        tier = by_id.get(tid)
        out.append(
            Figures(
                key=tid,
                name=tier_name(tier),
                partners=int(n_partners),
                enrolled=int(n_enrolled),
                completed=int(n_completed),
                attempts=int(n_attempts),
                passed=int(n_passed),
                average_score=None if score is None else float(score),
                certified=int(n_cert),
                extra={"tier": tier, "program_id": tier.program_id if tier else None},
            )
        )
    return out, len(out)


# --- certificates ---------------------------------------------------------------------------


def expiring_counts(f: Filters) -> dict[int, int]:
    """Active certificates expiring within each of :data:`EXPIRY_WINDOWS` days (one
    statement)."""
    c = Certificate
    columns = [
        func.coalesce(
            func.sum(case((c.expires_at <= f.now + dt.timedelta(days=days), 1), else_=0)), 0
        )
        for days in EXPIRY_WINDOWS
    ]
    row = api.session.execute(
        select(*columns)
        .select_from(c)
        .join(Path, Path.id == c.path_id)
        .where(
            Path.program_id.in_(f.program_ids),
            active_certificate_clause(f.now),
            c.expires_at.is_not(None),
        )
    ).one()
    return {days: int(n or 0) for days, n in zip(EXPIRY_WINDOWS, row, strict=True)}


def certified_total(f: Filters) -> int:
    """People holding at least one active certificate now."""
    return int(
        api.session.scalar(
            select(func.count(distinct(Certificate.user_id)))
            .join(Path, Path.id == Certificate.path_id)
            .where(
                Path.program_id.in_(f.program_ids),
                active_certificate_clause(f.now),
                holder_clause(),
            )
        )
        or 0
    )


def expiring(f: Filters, page: int | None = 1) -> tuple[list[Expiring], int]:
    """Active certificates expiring within ``f.window`` days."""
    c, P = Certificate, api.Partner
    where = and_(
        Path.program_id.in_(f.program_ids),
        active_certificate_clause(f.now),
        c.expires_at.is_not(None),
        c.expires_at <= f.now + dt.timedelta(days=f.window),
    )
    sort = sort_key("certificates", f.sort)
    orders: dict[str, list[Any]] = {
        "expires": [c.expires_at, c.id],
        "partner": [func.lower(P.name), c.expires_at, c.id],
        "holder": [func.lower(c.holder_name), c.expires_at, c.id],
    }
    order = orders[sort]
    stmt = (
        select(
            c.id, c.holder_name, c.partner_id, P.name, c.certification, c.issued_at, c.expires_at
        )
        .select_from(c)
        .join(Path, Path.id == c.path_id)
        .join(P, P.id == c.partner_id)
        .where(where)
        .order_by(*order)
    )
    rows = api.session.execute(_page(stmt, page)).all()
    total = (
        len(rows)
        if page is None
        else int(
            api.session.scalar(
                select(func.count(c.id))
                .select_from(c)
                .join(Path, Path.id == c.path_id)
                .where(where)
            )
            or 0
        )
    )
    return [Expiring(*row) for row in rows], total


def has_courses(f: Filters) -> bool:
    return (
        api.session.scalar(select(literal(1)).where(Course.program_id.in_(f.program_ids)).limit(1))
        is not None
    )


# --- CSV ------------------------------------------------------------------------------------


def _pct(value: float | None) -> float | str:
    """A share as a percentage with one decimal, raw (empty when there is no data)."""
    return "" if value is None else round(value * 100, 1)


def _score(value: float | None) -> float | str:
    return "" if value is None else round(value, 1)


def csv_table(report: str, f: Filters) -> tuple[list[str], list[list[Any]]]:
    """The header and rows of a report's CSV: the page's rows, all of them, in its order."""
    builders: dict[str, Callable[[], tuple[list[str], list[list[Any]]]]] = {
        "courses": lambda: _csv_courses(f),
        "partners": lambda: _csv_partners(f),
        "tiers": lambda: _csv_tiers(f),
        "certificates": lambda: _csv_certificates(f),
    }
    return builders[report]()


def _completion_header() -> list[str]:
    return [
        _("Enrolled"),
        _("Completed"),
        _("Completion rate (%)"),
        _("Quiz attempts"),
        _("Quiz pass rate (%)"),
        _("Average score (%)"),
    ]


def _completion_cells(r: Figures) -> list[Any]:
    return [
        r.enrolled,
        r.completed,
        _pct(r.completion),
        r.attempts,
        _pct(r.pass_rate),
        _score(r.average_score),
    ]


def _csv_courses(f: Filters) -> tuple[list[str], list[list[Any]]]:
    rows, _total = courses(f, page=None)
    header = [_("Course ID"), _("Course"), *_completion_header()]
    return header, [[r.key, r.name, *_completion_cells(r)] for r in rows]


def _csv_partners(f: Filters) -> tuple[list[str], list[list[Any]]]:
    rows, _total = partners(f, page=None)
    header = [
        _("Partner ID"),
        _("Partner"),
        _("Tier"),
        *_completion_header(),
        _("Certified people"),
    ]
    return header, [
        [r.key, r.name, r.extra["tier_name"], *_completion_cells(r), r.certified] for r in rows
    ]


def _csv_tiers(f: Filters) -> tuple[list[str], list[list[Any]]]:
    rows, _total = tiers(f)
    header = [_("Tier"), _("Partners"), *_completion_header(), _("Certified people")]
    return header, [[r.name, r.partners, *_completion_cells(r), r.certified] for r in rows]


def _csv_certificates(f: Filters) -> tuple[list[str], list[list[Any]]]:
    rows, _total = expiring(f, page=None)
    header = [
        _("Holder"),
        _("Partner"),
        _("Certification"),
        _("Issued (UTC)"),
        _("Expires (UTC)"),
    ]
    return header, [[r.holder, r.partner, r.certification, r.issued_at, r.expires_at] for r in rows]


__all__ = [
    "EXPIRY_WINDOWS",
    "PERIODS",
    "REPORTS",
    "Expiring",
    "Figures",
    "Filters",
    "active_certificate_clause",
    "certified_total",
    "courses",
    "csv_table",
    "expiring",
    "expiring_counts",
    "partners",
    "tiers",
]
