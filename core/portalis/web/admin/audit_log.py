from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ...db import db
from ...models import AuditEntry
from ..access import vendor_admin
from ..converters import id_arg, text_arg
from ..rendering import page
from .blueprint import bp

PER_PAGE = 50


@bp.route("/audit")
@vendor_admin
def audit_log() -> Any:
    before = id_arg("before")
    action = text_arg("action", 64)
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(PER_PAGE + 1)
    if before:
        stmt = stmt.where(AuditEntry.id < before)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action))
    rows = db.session.scalars(stmt).all()
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    return page(
        "admin/audit.html",
        partial="results",
        entries=rows,
        next_before=rows[-1].id if more and rows else None,
        action=action,
    )
