"""Work that must wait for the current transaction: the one after-commit mechanism.

Jobs, domain events, mail and the search index all need "do this once the data it reads
is committed, and never if it rolls back". Each of them registers a callback here instead
of listening to SQLAlchemy session events itself, so rollback behaves the same for all:

* :func:`on_commit` — run after the outermost transaction of the current session commits;
  dropped if it rolls back.
* :func:`on_rollback` — run if it rolls back (e.g. remove a file written for a row that
  never came to be); dropped when it commits.

Callbacks run in registration order. A callback that raises is logged and does not stop
the others: the data is committed by then, so there is nothing left to abort.
Registering begins the transaction at once, so a rollback that happens before the first
statement still drops the callback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from .db import db

log = logging.getLogger("portalis.transaction")

_COMMIT = "portalis_on_commit"
_ROLLBACK = "portalis_on_rollback"


def on_commit(
    callback: Callable[[], Any], *, key: Hashable | None = None, session: Session | None = None
) -> None:
    """Run ``callback()`` once the current transaction commits (never if it rolls back).

    With a ``key``, only the first callback registered under that key in a transaction is
    kept: "deliver the outbox once", however many mails the transaction queued.
    """
    _register(_COMMIT, callback, key, session)


def on_rollback(
    callback: Callable[[], Any], *, key: Hashable | None = None, session: Session | None = None
) -> None:
    """Run ``callback()`` if the current transaction rolls back (never if it commits)."""
    _register(_ROLLBACK, callback, key, session)


def _register(
    slot: str, callback: Callable[[], Any], key: Hashable | None, session: Session | None
) -> None:
    s = session if session is not None else db.session()
    s.connection()  # begin now, so a rollback before the first statement is seen
    entries: dict[Hashable, Callable[[], Any]] = s.info.setdefault(slot, {})
    entries.setdefault(key if key is not None else object(), callback)


def _run(callbacks: dict[Hashable, Callable[[], Any]]) -> None:
    for callback in callbacks.values():
        try:
            callback()
        except Exception:
            log.exception("after-transaction callback %r failed", callback)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a released SAVEPOINT: the outer one may roll back
        return
    session.info.pop(_ROLLBACK, None)
    callbacks = session.info.pop(_COMMIT, None)
    if callbacks:
        _run(callbacks)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is not None:  # a nested savepoint: the outer transaction goes on
        return
    session.info.pop(_COMMIT, None)
    callbacks = session.info.pop(_ROLLBACK, None)
    if callbacks:
        _run(callbacks)
