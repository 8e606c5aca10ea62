"""The vendor's training reports (``lms.manage``): one page with a table per report, and
the same tables as CSV."""

from __future__ import annotations

import math
from typing import Any

from flask import url_for
from sqlalchemy import select

from portalis import api

from .. import reports
from ..access import manager_required
from .blueprint import bp


def _filters() -> tuple[str, reports.Filters]:
    report = api.choice_arg("report", reports.REPORTS, "courses")
    programs = tuple(sorted(api.programs_with_plugin(reports.PLUGIN_NAME)))
    window = api.int_arg("window", 90, min=1, max=365)
    f = reports.Filters(
        programs=programs,
        program_id=api.id_arg("program"),
        period=api.choice_arg("period", reports.PERIODS, "all"),
        sort=reports.sort_key(report, api.choice_arg("sort", reports.SORTS[report])),
        window=window if window in reports.EXPIRY_WINDOWS else 90,
    )
    return report, f


def _query(report: str, f: reports.Filters, **changes: Any) -> dict[str, Any]:
    """The query string of the page with ``changes`` (links keep the other filters)."""
    values: dict[str, Any] = {
        "report": report,
        "program": f.program_id if f.program_id in f.programs else None,
        "period": f.period if f.period != "all" else None,
        "sort": f.sort,
        "window": f.window if report == "certificates" else None,
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v not in (None, "")}


@bp.route("/manage/reports", endpoint="reports")
@manager_required
def reports_page() -> Any:
    report, f = _filters()
    page_no = api.int_arg("page", 1, min=1, max=100_000) or 1
    programs = (
        list(
            api.session.execute(
                select(api.Program.id, api.Program.name, api.Program.name_i18n)
                .where(api.Program.id.in_(f.programs))
                .order_by(api.Program.name)
            )
        )
        if f.programs
        else []
    )
    ctx: dict[str, Any] = {
        "report": report,
        "f": f,
        "programs": [(pid, api.localized(name, i18n)) for pid, name, i18n in programs],
        "reports": reports.REPORTS,
        "periods": reports.PERIOD_LABELS,
        "sorts": reports.SORTS[report],
        "windows": reports.EXPIRY_WINDOWS,
        "rows": [],
        "total": 0,
        "has_courses": bool(f.programs) and reports.has_courses(f),
        "link": lambda **changes: url_for("lms.reports", **_query(report, f, **changes)),
        "page_link": lambda n: url_for("lms.reports", **_query(report, f, page=n)),
        "csv_url": url_for("lms.reports_csv", **_query(report, f)),
    }
    if f.programs:
        rows: list[Any]
        if report == "courses":
            rows, total = reports.courses(f, page_no)
        elif report == "partners":
            rows, total = reports.partners(f, page_no)
        elif report == "tiers":
            rows, total = reports.tiers(f)
        else:
            rows, total = reports.expiring(f, page_no)
            ctx["expiring_counts"] = reports.expiring_counts(f)
            ctx["certified_total"] = reports.certified_total(f)
        ctx.update(rows=rows, total=total)
    pages = max(1, math.ceil(ctx["total"] / reports.PAGE_SIZE))
    if page_no > pages:
        page_no = pages
    ctx.update(page_no=page_no, pages=pages, page_size=reports.PAGE_SIZE)
    return api.page("lms/vendor/reports.html", partial="results", **ctx)


@bp.route("/manage/reports.csv")
@manager_required
def reports_csv() -> Any:
    report, f = _filters()
    header, rows = reports.csv_table(report, f) if f.programs else ([], [])
    filename = f"training-{report}-{api.utcnow():%Y%m%d-%H%M}.csv"
    return api.csv_response(filename, header, rows)
