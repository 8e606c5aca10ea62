"""Append-only audit log: who did what, when (UTC), from where, with before/after values."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from .db import db
from .models import AuditEntry


def record(
    action: str,
    object_type: str,
    object_id: Any = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEntry:
    """Add an entry to the current transaction: it commits or rolls back with the change."""
    user = getattr(g, "user", None) if has_request_context() else None
    entry = AuditEntry(
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=_jsonable(before),
        after=_jsonable(after),
        actor_user_id=user.id if user is not None else None,
        actor_label=actor_label or (user.email if user is not None else "system"),
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        k: (v if isinstance(v, str | int | float | bool | None | list | dict) else str(v))
        for k, v in value.items()
    }


def changes(
    obj: Any, fields: list[str], new: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Before/after dicts for the fields that actually change."""
    before, after = {}, {}
    for f in fields:
        if f in new and getattr(obj, f) != new[f]:
            before[f] = getattr(obj, f)
            after[f] = new[f]
    return before, after


@sa_event.listens_for(Session, "before_flush")
def _append_only(session: Session, ctx: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("the audit log is append-only")
