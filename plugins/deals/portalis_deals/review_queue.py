"""The vendor's review queue as one query: filters, sorting and keyset paging.

Keyset ("after this row") paging costs the same on page 1 and page 20,000: each page is
an index range scan from the cursor, never an OFFSET that reads and discards rows. The
total is counted only up to :data:`COUNT_CAP` so a million registrations don't make every
page count a million rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, literal_column, or_, select, tuple_

from portalis import api

from .forms import clean_line
from .models import OPEN_STATUSES, STATUSES, Deal, DealExtensionRequest

PER_PAGE = 50
COUNT_CAP = 10_000

#: sort key → (column expression, descending?)
SORTS: dict[str, tuple[Any, bool]] = {
    "oldest": (Deal.submitted_at, False),
    "newest": (Deal.submitted_at, True),
    "amount": (Deal.amount, True),
    "conflict": (Deal.conflict_score, True),
}
AGES = (1, 2, 7, 30)


@dataclass
class QueueFilters:
    status: str = "open"
    partner_id: int | None = None
    tier_id: int | None = None
    age_days: int | None = None
    conflict: str = ""  # "", "yes", "no"
    sla: str = ""  # "", "breached"
    extension: str = ""  # "", "pending"
    q: str = ""
    sort: str = "oldest"
    after: str = ""
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Any) -> QueueFilters:
        """Anything unexpected falls back to the default instead of failing."""
        f = cls()
        statuses = [s for s in (*STATUSES, "open", "all") if s != "draft"]
        f.status = api.choice_arg("status", statuses, "open", args=args)
        f.partner_id = api.id_arg("partner", args)
        f.tier_id = api.id_arg("tier", args)
        age = api.int_arg("age", args=args)
        f.age_days = age if age in AGES else None
        f.conflict = api.choice_arg("conflict", ("yes", "no"), "", args=args)
        f.sla = api.choice_arg("sla", ("breached",), "", args=args)
        f.extension = api.choice_arg("ext", ("pending",), "", args=args)
        f.q = clean_line(api.text_arg("q", 100, args))[:100]
        f.sort = api.choice_arg("sort", SORTS, "oldest", args=args)
        f.after = clean_line(api.text_arg("after", 100, args))[:100]
        return f

    def args(self, **override: Any) -> dict[str, Any]:
        """Query-string values for links (defaults left out)."""
        values = {
            "status": self.status if self.status != "open" else None,
            "partner": self.partner_id,
            "tier": self.tier_id,
            "age": self.age_days,
            "conflict": self.conflict or None,
            "sla": self.sla or None,
            "ext": self.extension or None,
            "q": self.q or None,
            "sort": self.sort if self.sort != "oldest" else None,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in (None, "")}


#: Written as literals (not bound parameters) so PostgreSQL can match them to the partial
#: indexes ``ix_deals_registrations_open_queue`` / ``_conflict_queue`` when planning.
OPEN_LITERAL = Deal.status.in_([literal_column(f"'{s}'") for s in OPEN_STATUSES])
HAS_CONFLICT_LITERAL = Deal.conflict_count > literal_column("0")


def filtered(f: QueueFilters, now: dt.datetime, stmt: Any) -> Any:
    if f.status == "open":
        stmt = stmt.where(OPEN_LITERAL)
    elif f.status == "all":
        stmt = stmt.where(Deal.status != "draft")
    else:
        stmt = stmt.where(Deal.status == f.status)
    if f.partner_id:
        stmt = stmt.where(Deal.partner_id == f.partner_id)
    if f.tier_id:
        stmt = stmt.where(api.Partner.tier_id == f.tier_id)
    if f.age_days:
        stmt = stmt.where(Deal.submitted_at <= now - dt.timedelta(days=f.age_days))
    if f.conflict == "yes":
        stmt = stmt.where(HAS_CONFLICT_LITERAL)
    elif f.conflict == "no":
        stmt = stmt.where(Deal.conflict_count == 0)
    if f.sla == "breached":
        stmt = stmt.where(Deal.sla_breached_at.is_not(None), OPEN_LITERAL)
    if f.extension == "pending":
        stmt = stmt.where(
            Deal.id.in_(
                select(DealExtensionRequest.deal_id).where(DealExtensionRequest.status == "pending")
            )
        )
    if f.q:
        conds = []
        domain = api.registrable_domain(f.q) if "." in f.q else None
        if domain:
            conds.append(Deal.customer_domain == domain)
        key = api.name_block_key(f.q)
        if key:
            conds.append(
                Deal.name_key == key
                if len(key) >= 4
                else Deal.name_key.startswith(key, autoescape=True)
            )
        deal_id = api.valid_id(f.q)  # "1234" finds registration 1234; 2**63 finds nothing
        if deal_id is not None:
            conds.append(Deal.id == deal_id)
        stmt = stmt.where(or_(*conds)) if conds else stmt.where(Deal.id.is_(None))
    return stmt


def base(f: QueueFilters, now: dt.datetime) -> Any:
    stmt = (
        select(Deal, api.Partner.name, api.Tier)
        .join(api.Partner, api.Partner.id == Deal.partner_id)
        .outerjoin(api.Tier, api.Tier.id == api.Partner.tier_id)
    )
    return filtered(f, now, stmt)


def _encode(value: Any, deal_id: int) -> str:
    if isinstance(value, dt.datetime):
        raw = value.astimezone(dt.UTC).isoformat()
    else:
        raw = "" if value is None else str(value)
    return f"{raw}~{deal_id}"


def _decode(sort: str, cursor: str) -> tuple[Any, int] | None:
    raw, sep, id_part = cursor.rpartition("~")
    if not sep:
        return None
    try:
        deal_id = api.valid_id(id_part)
        if deal_id is None:
            return None
        if sort in ("oldest", "newest"):
            value: Any = dt.datetime.fromisoformat(raw)
            if value.tzinfo is None:
                return None
        elif sort == "amount":
            value = Decimal(raw)
            if not value.is_finite():
                return None
        else:
            value = float(raw)
            if value != value:  # NaN
                return None
    except (ValueError, InvalidOperation, OverflowError):
        return None
    return value, deal_id


@dataclass
class QueuePage:
    rows: list[Any]
    total: int
    capped: bool
    next_cursor: str | None


def page(f: QueueFilters, now: dt.datetime, per_page: int = PER_PAGE) -> QueuePage:
    col, desc = SORTS[f.sort]
    key = col
    stmt = base(f, now)
    if f.sort == "amount":
        stmt = stmt.where(Deal.amount.is_not(None))  # (always set once submitted)
    cursor = _decode(f.sort, f.after) if f.after else None
    if cursor is not None:
        value, last_id = cursor
        stmt = stmt.where(
            tuple_(key, Deal.id) < tuple_(value, last_id)
            if desc
            else tuple_(key, Deal.id) > tuple_(value, last_id)
        )
    order = (key.desc(), Deal.id.desc()) if desc else (key.asc(), Deal.id.asc())
    rows = list(api.session.execute(stmt.order_by(*order).limit(per_page + 1)).all())
    more = len(rows) > per_page
    rows = rows[:per_page]
    next_cursor = None
    if more and rows:
        last = rows[-1][0]
        value = getattr(last, col.key)
        next_cursor = _encode(value if value is not None else 0, last.id)
    counted = filtered(
        f, now, select(Deal.id).join(api.Partner, api.Partner.id == Deal.partner_id)
    ).limit(COUNT_CAP + 1)
    total = int(api.session.scalar(select(func.count()).select_from(counted.subquery())) or 0)
    return QueuePage(rows, min(total, COUNT_CAP), total > COUNT_CAP, next_cursor)


def partner_filter_options() -> list[Any]:
    return list(
        api.session.execute(
            select(api.Partner.id, api.Partner.name).order_by(api.Partner.name).limit(1000)
        ).all()
    )


def tier_filter_options() -> list[Any]:
    return list(
        api.session.execute(
            select(api.Tier.id, api.Tier.name, api.Program.name)
            .join(api.Program, api.Program.id == api.Tier.program_id)
            .order_by(api.Program.name, api.Tier.rank)
        ).all()
    )
