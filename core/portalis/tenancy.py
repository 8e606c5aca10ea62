"""The active tenant, as a context variable, and the one escape hatch around it.

Tenant scoping fails closed: ORM statements that touch a tenant-scoped table raise
:class:`ScopeError` unless a tenant is active (:func:`tenant_scope`) or the caller
explicitly opted out with :func:`unscoped`. ``unscoped`` is the only cross-tenant door;
grep for it to audit every place that walks through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass

_UNSCOPED = object()


class ScopeError(RuntimeError):
    """A tenant-scoped table was touched with no active tenant."""


@dataclass(frozen=True)
class _Scope:
    tenant_id: int | None
    unscoped: bool = False


_current: ContextVar[_Scope | None] = ContextVar("portalis_tenant_scope", default=None)


def current_tenant_id() -> int | None:
    """The id of the tenant whose data this code may touch, or None outside any scope."""
    scope = _current.get()
    return scope.tenant_id if scope else None


def require_tenant_id() -> int:
    """Like :func:`current_tenant_id` but raises, for code that must never run unscoped."""
    tid = current_tenant_id()
    if tid is None:
        raise ScopeError("no active tenant scope")
    return tid


def is_unscoped() -> bool:
    scope = _current.get()
    return bool(scope and scope.unscoped)


def enter_tenant(tenant_id: int) -> Token[_Scope | None]:
    """Make ``tenant_id`` the active tenant until :func:`leave_tenant` with the token.

    For code whose start and end are separate callbacks (a request's before/teardown
    functions); everywhere else use the :func:`tenant_scope` block.
    """
    if not isinstance(tenant_id, int):
        raise TypeError("enter_tenant() needs an integer tenant id")
    return _current.set(_Scope(tenant_id))


def leave_tenant(token: Token[_Scope | None]) -> None:
    """Restore the scope that was active before :func:`enter_tenant` returned ``token``."""
    _current.reset(token)


@contextmanager
def tenant_scope(tenant_id: int) -> Iterator[None]:
    """Run a block as tenant ``tenant_id``: every tenant-scoped query is filtered to it."""
    token = enter_tenant(tenant_id)
    try:
        yield
    finally:
        leave_tenant(token)


@contextmanager
def unscoped(reason: str) -> Iterator[None]:
    """Cross-tenant access for platform commands (migrations, benchmarks, operator CLI).

    ``reason`` is mandatory so each use documents itself. Web requests never use this.
    """
    if not reason:
        raise ValueError("unscoped() needs a reason")
    token = _current.set(_Scope(None, unscoped=True))
    try:
        yield
    finally:
        _current.reset(token)
