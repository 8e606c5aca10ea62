"""Database engine, sessions, the declarative base and the fail-closed tenant guard.

One SQLAlchemy session per request or job (``db.session`` is thread/greenlet-local and
removed at teardown), because a shared identity map would hand one tenant's objects to
another (see docs/architecture.md, "Tenant scoping").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    create_engine,
    event,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    SessionTransaction,
    declared_attr,
    mapped_column,
    scoped_session,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.sql.util import find_tables
from sqlalchemy.types import TypeDecorator

from .tenancy import ScopeError, current_tenant_id, is_unscoped

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Integer primary keys: BIGINT on PostgreSQL (a million deals per tenant adds up), plain
#: INTEGER on SQLite so it stays the rowid alias.
BigId = BigInteger().with_variant(Integer, "sqlite")


#: How far the portal's clock is ahead of the machine's. Always zero in production; the
#: ``clock`` test fixture (``portalis.testing``) moves it, so a test can watch a
#: certificate expire or a deadline pass in the portal it serves, jobs and pages alike.
_clock_shift = dt.timedelta(0)


def utcnow() -> dt.datetime:
    """Aware UTC now; every timestamp is stored in UTC and shown in the user's zone."""
    return dt.datetime.now(dt.UTC) + _clock_shift


def shift_clock(delta: dt.timedelta) -> None:
    """Move the portal's clock by ``delta`` (tests only: the ``clock`` fixture)."""
    global _clock_shift
    _clock_shift += delta


def reset_clock() -> None:
    global _clock_shift
    _clock_shift = dt.timedelta(0)


class AwareDateTime(TypeDecorator[dt.datetime]):
    """Stores UTC, returns aware datetimes on every backend (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use portalis.db.utcnow()")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: AwareDateTime()}


class TenantScoped:
    """Mixin for every table that holds one tenant's data.

    ``tenant_id`` is stamped from the active scope when the object is created and checked
    again at flush, so a row can't be written into a tenant other than the active one.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(
            BigId, ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False, index=True
        )


_TENANT_TABLES: tuple[int, frozenset[str]] = (-1, frozenset())


def tenant_table_names() -> frozenset[str]:
    """Names of every tenant-scoped table, recomputed whenever a model is added (a plugin
    imported later must never have its tables missed by the guard)."""
    global _TENANT_TABLES
    count = len(Base.registry.mappers)
    if _TENANT_TABLES[0] != count:
        names = frozenset(
            str(getattr(m.local_table, "name", ""))
            for m in Base.registry.mappers
            if issubclass(m.class_, TenantScoped) and m.local_table is not None
        )
        _TENANT_TABLES = (count, names)
    return _TENANT_TABLES[1]


@event.listens_for(Session, "do_orm_execute")
def _scope_orm_statements(state: ORMExecuteState) -> None:
    if is_unscoped():
        return
    tid = current_tenant_id()
    if tid is None:
        touched = find_tables(state.statement, include_joins=True, include_crud=True)  # type: ignore[arg-type]
        if {getattr(t, "name", None) for t in touched} & tenant_table_names():
            raise ScopeError(
                "query touches a tenant-scoped table outside tenant_scope(); "
                "use tenant_scope(tenant_id) or, for platform commands, unscoped(reason)"
            )
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantScoped,
            lambda cls: cls.tenant_id == tid,
            include_aliases=True,
            track_closure_variables=False,
        )
    )


@event.listens_for(Session, "before_flush")
def _check_tenant_on_flush(session: Session, flush_context: Any, instances: Any) -> None:
    _sync_rls_scope(session)
    if is_unscoped():
        for obj in list(session.new) + list(session.dirty) + list(session.deleted):
            if isinstance(obj, TenantScoped) and getattr(obj, "tenant_id", None) is None:
                raise ScopeError(f"{type(obj).__name__} has no tenant_id")
        return
    tid = current_tenant_id()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        if tid is None:
            raise ScopeError(f"flushing {type(obj).__name__} outside tenant_scope()")
        if obj.tenant_id is None:
            obj.tenant_id = tid
        elif obj.tenant_id != tid:
            raise ScopeError(
                f"{type(obj).__name__} belongs to tenant {obj.tenant_id}, active tenant is {tid}"
            )


@event.listens_for(TenantScoped, "init", propagate=True)
def _stamp_tenant(target: Any, args: Any, kwargs: dict[str, Any]) -> None:
    if "tenant_id" not in kwargs:
        tid = current_tenant_id()
        if tid is not None:
            target.tenant_id = tid


# --- PostgreSQL row-level security: the database's own tenant check -------------------------
#
# On PostgreSQL every tenant table carries a policy (installed by ``portalis db upgrade``, see
# portalis.migrate) that admits a row only when its ``tenant_id`` matches the scope named in
# the transaction-local setting ``portalis.scope``. The setting holds ``<claim>.<mac>``: the
# claim is the tenant id (or ``*`` inside ``unscoped()``), the mac an HMAC of it under a key
# derived from SECRET_KEY. The database checks the mac with a copy of the key that the
# application's role can't read, so SQL injected into a request can neither name another
# tenant nor claim ``*``: it can only reuse the scope it is already in. No setting, or a
# wrong mac, admits no row at all (fail closed). See docs/security.md.

#: The transaction-local setting the policies read.
RLS_SETTING = "portalis.scope"
#: The claim for platform work inside ``unscoped(reason)``.
UNSCOPED_CLAIM = "*"
_RLS_STATE = "portalis_rls_claim"  # session.info: the claim set in the current transaction
_RLS_UNKNOWN = "?"  # the database may hold some other claim (after a savepoint ended)
_SET_SCOPE = f"SELECT set_config('{RLS_SETTING}', %s, true)"  # psycopg's paramstyle


def rls_key(secret_key: str | bytes) -> bytes:
    """The HMAC key for scope tokens, derived from the app's SECRET_KEY."""
    raw = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(raw, b"portalis row-level security v1", hashlib.sha256).digest()


@lru_cache(maxsize=4096)
def scope_token(secret_key: str | bytes, claim: str) -> str:
    """``<claim>.<hex mac>``: what ``portalis.scope`` holds for a tenant id or ``*``."""
    mac = hmac.new(rls_key(secret_key), claim.encode(), hashlib.sha256).hexdigest()
    return f"{claim}.{mac}"


def current_scope_claim() -> str | None:
    """The claim for the active scope: the tenant id, ``*`` when unscoped, None outside."""
    if is_unscoped():
        return UNSCOPED_CLAIM
    tid = current_tenant_id()
    return None if tid is None else str(tid)


def _rls_secret() -> str | bytes | None:
    if not has_app_context():
        return None
    secret: str | bytes | None = current_app.config.get("SECRET_KEY")
    return secret


def _set_scope(session: Session, connection: Connection, claim: str | None) -> None:
    secret = _rls_secret()
    if claim is None:
        token = ""
    elif secret is None:
        token = claim  # no key to sign with: the database admits nothing (fail closed)
    else:
        token = scope_token(secret, claim)
    # on the DBAPI cursor, below SQLAlchemy's statement events: ``X-SQL-Statements`` (and
    # the page budgets of tests/test_query_counts.py) count what the pages ask for, not this
    # fixed one per transaction (docs/security.md, "Cost")
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_SET_SCOPE, (token,))
    finally:
        cursor.close()
    session.info[_RLS_STATE] = claim


@event.listens_for(Session, "after_begin")
def _rls_transaction_begins(
    session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    """A new transaction starts with no scope set; set the active one (one statement)."""
    if connection.dialect.name != "postgresql" or transaction.nested:
        return  # a SAVEPOINT inherits the setting of its enclosing transaction
    # joined as a SAVEPOINT into someone else's transaction (the test fixtures): the
    # enclosing transaction may hold any claim; on a fresh transaction the setting is empty
    session.info[_RLS_STATE] = _RLS_UNKNOWN if connection.in_nested_transaction() else None
    claim = current_scope_claim()
    if claim != session.info[_RLS_STATE]:
        _set_scope(session, connection, claim)


def _sync_rls_scope(session: Session) -> None:
    """Before a statement or a flush: if the scope changed since the transaction set it
    (a request resolves its tenant before entering the scope; a job may switch tenants),
    set it again. Without a connection yet, ``after_begin`` will do it."""
    if _RLS_STATE not in session.info:
        return
    claim = current_scope_claim()
    if claim != session.info[_RLS_STATE]:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            _set_scope(session, connection, claim)


@event.listens_for(Session, "after_transaction_end")
def _rls_transaction_ends(session: Session, transaction: SessionTransaction) -> None:
    if _RLS_STATE not in session.info:
        return
    if transaction.parent is None:
        del session.info[_RLS_STATE]  # SET LOCAL ends with the transaction
    elif transaction.nested:
        session.info[_RLS_STATE] = _RLS_UNKNOWN  # a rolled-back SAVEPOINT restores the old one


@event.listens_for(Session, "do_orm_execute")
def _rls_before_statement(state: ORMExecuteState) -> None:
    _sync_rls_scope(state.session)


_session_key: ContextVar[object] = ContextVar("portalis_session_key", default=None)


def _scopefunc() -> tuple[int, object]:
    return (threading.get_ident(), _session_key.get())


@contextmanager
def fresh_session() -> Iterator[Session]:
    """Run a block (a job, an event delivery) with its own session, even on a thread that
    already has one: a job must never share the identity map of the request that queued it."""
    token = _session_key.set(object())
    try:
        yield db.session()
    finally:
        db.session.remove()
        _session_key.reset(token)


class Database:
    """Owns the engine and the request-local session for one app."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._factory = sessionmaker(expire_on_commit=False)
        self.session: scoped_session[Session] = scoped_session(self._factory, scopefunc=_scopefunc)

    def configure(self, url: str, **engine_options: Any) -> Engine:
        """Create the engine; a second app on the same URL shares it (and its pool)."""
        if self.engine is not None and self.engine.url.render_as_string(hide_password=False) == url:
            return self.engine
        if url.startswith("sqlite"):
            engine_options.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        else:
            engine_options.setdefault("pool_pre_ping", True)
        self.engine = create_engine(url, **engine_options)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._factory.configure(bind=self.engine)
        return self.engine

    def remove(self) -> None:
        self.session.remove()

    def new_session(self) -> Session:
        """A fresh session for work outside a request (jobs, CLI)."""
        return self._factory()


def _sqlite_pragmas(dbapi_conn: Any, record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, emit BEGIN: pysqlite's own transaction handling breaks
    # SAVEPOINT (used by nested transactions and by the test fixtures' rollback).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


#: Set for requests that may write (POST…) and for jobs: on SQLite their transactions take
#: the write lock up front (BEGIN IMMEDIATE). A deferred BEGIN that reads and then writes
#: fails with "database is locked" when another writer got in between (the benchmark saw
#: half of all concurrent sign-ins fail); waiting for the lock instead is what we want.
write_intent: ContextVar[bool] = ContextVar("portalis_write_intent", default=False)


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


db = Database()
