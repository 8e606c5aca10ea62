"""Domain events: queued with the transaction, delivered only after it commits.

A rolled-back transaction delivers nothing, so subscribers never hear of things that did
not happen. Delivery goes through the jobs interface, in the event's tenant scope.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from .db import db
from .jobs import enqueue
from .plugins.contract import Event
from .tenancy import require_tenant_id
from .transaction import on_commit


def emit(
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    program_id: int | None = None,
    actor_user_id: int | None = None,
) -> Event:
    """Record an event in the current transaction; it is delivered after commit."""
    ev = Event(
        name=name,
        tenant_id=require_tenant_id(),
        payload=dict(payload or {}),
        program_id=program_id,
        actor_user_id=actor_user_id if actor_user_id is not None else _actor_id(),
    )
    on_commit(lambda: enqueue("portalis.events:deliver", tenant_id=ev.tenant_id, event=ev))
    return ev


def _actor_id() -> int | None:
    from flask import g, has_request_context

    if has_request_context():
        user = getattr(g, "user", None)
        return user.id if user is not None else None
    return None


def deliver(event: Event) -> None:
    """Job body: hand one event to the core's and the plugins' subscribers."""
    portal = current_app.extensions["portalis"]
    enabled = portal.plugins_for_event(event)
    for _plugin, _result in portal.registry.call_robust(
        "portalis_event", enabled, event.tenant_id, event=event
    ):
        pass
    db.session.commit()
