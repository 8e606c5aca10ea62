"""A request context on a tenant's own host, for code that runs outside a request.

Jobs and CLI commands have an app context only, but rendering a template needs a request
context (the template context reads the session's locale) and links need a host
(``url_for(..., _external=True)``). The tenant's host is computed in one place,
:func:`tenant_base_url`, so mail links, CLI output and jobs agree with the router.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g, has_request_context

from ..db import _session_key, db
from ..models import Tenant
from ..tenancy import ScopeError, current_tenant_id, tenant_scope


def tenant_base_url(slug: str, app: Flask | None = None) -> str:
    """``http://<slug>.<BASE_DOMAIN>`` (scheme from ``PREFERRED_URL_SCHEME``)."""
    config = (app or current_app).config
    scheme = config.get("PREFERRED_URL_SCHEME") or "http"
    return f"{scheme}://{slug}.{config['BASE_DOMAIN']}"


@contextmanager
def tenant_request_context(tenant_id: int | None = None) -> Iterator[None]:
    """A request context on a tenant's portal host, for jobs that render or link.

    Inside the block ``g.tenant`` is the tenant, ``g.user`` is None and that tenant's scope
    is active. Leaving the block keeps the caller's database session and its pending
    changes (the request teardown would otherwise remove it), so it is safe in the middle
    of a job's transaction. Inside a request of the same tenant it changes nothing.
    """
    tid = tenant_id if tenant_id is not None else current_tenant_id()
    if tid is None:
        raise ScopeError("tenant_request_context() needs a tenant")
    if has_request_context() and getattr(g.get("tenant"), "id", None) == tid:
        yield
        return
    tenant = db.session.get(Tenant, tid)
    if tenant is None:
        raise ScopeError(f"no tenant {tid}")
    ctx = current_app.test_request_context(base_url=tenant_base_url(tenant.slug))
    ctx.push()
    saved = {k: g.get(k) for k in ("tenant", "user")}
    try:
        g.tenant = tenant
        g.user = None
        with tenant_scope(tid):
            yield
    finally:
        for key, value in saved.items():
            setattr(g, key, value)
        # the request teardown removes "the" session: point it at a throwaway one so the
        # caller's session (and its uncommitted work) survives
        token = _session_key.set(object())
        try:
            ctx.pop()
        finally:
            _session_key.reset(token)
