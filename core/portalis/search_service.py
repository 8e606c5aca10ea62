"""The portal-wide search service: plugins feed documents, viewers search.

The backend is chosen by ``SEARCH_BACKEND``: ``database`` (default — SQLite FTS5 or
PostgreSQL full-text search in the application's own database, written in the same
transaction as the content, shared by every app instance) or ``whoosh`` (an index under
``instance/search``, written after commit by a job). Visibility (tenant, program, tier,
partner, enabled plugins, audience) is applied inside the backend, so totals, facets and
suggestions never reveal what the viewer may not open. See docs/search.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from .context import Viewer
from .db import db
from .jobs import enqueue
from .search import SearchDocument, SearchQuery, SearchResults, SearchViewer, make_backend
from .tenancy import require_tenant_id
from .transaction import on_commit, on_rollback

_PENDING = "portalis_search_pending"


class SearchService:
    def __init__(self, app: Flask) -> None:
        self.kind = app.config.get("SEARCH_BACKEND", "database")
        index_dir = Path(app.instance_path) / "search"
        if self.kind == "whoosh":
            index_dir.mkdir(parents=True, exist_ok=True)
        self.backend = make_backend(self.kind, engine=db.engine, index_dir=index_dir)
        self.transactional = self.kind != "whoosh"
        if self.transactional:
            self.backend.read_connection = _session_connection  # type: ignore[attr-defined]
        self._ready = False

    def ensure_ready(self) -> None:
        """Whoosh creates its index folder lazily; the database tables come from migrations."""
        if not self._ready and not self.transactional:
            self.backend.setup()
        self._ready = True

    # writing ---------------------------------------------------------------------------------
    def index(self, docs: Sequence[SearchDocument]) -> None:
        """Index in the caller's transaction (database) or after it commits (Whoosh)."""
        if not docs:
            return
        if self.transactional:
            self.backend.index(docs, connection=db.session.connection())  # type: ignore[call-arg]
        else:
            _after_commit(("index", list(docs)))

    def delete(self, tenant_id: int, doc_ids: Sequence[str]) -> None:
        if not doc_ids:
            return
        if self.transactional:
            self.backend.delete(tenant_id, doc_ids, connection=db.session.connection())  # type: ignore[call-arg]
        else:
            _after_commit(("delete", (tenant_id, list(doc_ids))))

    def reindex(
        self,
        tenant_id: int,
        docs: Iterable[SearchDocument],
        progress: Callable[[int], None] | None = None,
        batch: int = 500,
    ) -> int:
        self.ensure_ready()
        if self.transactional:
            self.backend.clear(tenant_id, connection=db.session.connection())  # type: ignore[call-arg]
        else:
            self.backend.clear(tenant_id)
        n = 0
        chunk: list[SearchDocument] = []
        for doc in docs:
            chunk.append(doc)
            if len(chunk) >= batch:
                n += self._write_batch(chunk)
                if progress:
                    progress(len(chunk))
                chunk = []
        if chunk:
            n += self._write_batch(chunk)
            if progress:
                progress(len(chunk))
        return n

    def _write_batch(self, chunk: list[SearchDocument]) -> int:
        if self.transactional:
            self.backend.index(chunk, connection=db.session.connection())  # type: ignore[call-arg]
        else:
            self.backend.index(chunk)
        return len(chunk)

    # reading ---------------------------------------------------------------------------------
    @staticmethod
    def search_viewer(viewer: Viewer) -> SearchViewer:
        return SearchViewer(
            is_vendor_staff=viewer.is_vendor_staff,
            program_id=viewer.program_id,
            tier_id=viewer.tier_id,
            partner_id=viewer.partner_id,
            enabled_plugins=viewer.enabled_plugins | {"core"},
        )

    def search(
        self,
        viewer: Viewer,
        text: str,
        *,
        facets: dict[str, str] | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 20,
    ) -> SearchResults:
        self.ensure_ready()
        q = SearchQuery(
            tenant_id=viewer.tenant_id,
            text=text,
            viewer=self.search_viewer(viewer),
            facet_filters=facets or {},
            sort=sort,  # type: ignore[arg-type]
            page=page,
            per_page=per_page,
            language=viewer.locale.split("_")[0],
        )
        return self.backend.search(q)

    def suggest(self, viewer: Viewer, prefix: str, limit: int = 8) -> list[str]:
        self.ensure_ready()
        return list(
            self.backend.suggest(viewer.tenant_id, self.search_viewer(viewer), prefix, limit)
        )


def _session_connection() -> Any:
    from flask import has_app_context

    return db.session.connection() if has_app_context() else None


def _after_commit(operation: tuple[str, Any]) -> None:
    """Queue a Whoosh write for after commit: one job per transaction, operations in order."""
    session = db.session()
    pending: list[tuple[str, Any]] = session.info.setdefault(_PENDING, [])
    pending.append(operation)

    def submit() -> None:
        enqueue("portalis.search_service:apply", operations=session.info.pop(_PENDING, []))

    on_commit(submit, key=_PENDING, session=session)
    on_rollback(lambda: session.info.pop(_PENDING, None), key=_PENDING, session=session)


def apply(operations: list[tuple[str, Any]]) -> None:
    """Job body (Whoosh backend): apply index/delete operations after commit."""
    service: SearchService = current_app.extensions["portalis_search"]
    service.ensure_ready()
    for op, arg in operations:
        if op == "index":
            service.backend.index(arg)
        else:
            tenant_id, ids = arg
            service.backend.delete(tenant_id, ids)


def search_index(docs: list[SearchDocument]) -> None:
    """Add or replace documents in the portal search, with the current transaction
    (database backend) or right after it commits (Whoosh). Call it when content changes."""
    current_app.extensions["portalis_search"].index(docs)


def search_delete(doc_ids: list[str]) -> None:
    """Remove documents (by ``doc_id``) of the current tenant from the search."""
    current_app.extensions["portalis_search"].delete(require_tenant_id(), doc_ids)
