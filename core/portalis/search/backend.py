"""The one interface every search engine implements.

The portal talks to search only through this protocol so an operator can pick
the engine that fits the deployment (a Whoosh directory for a single box,
the application's own SQLite or PostgreSQL database otherwise) without any
plugin noticing. Everything that decides *what a viewer may see* happens
inside the engine's own query, never afterwards in Python: totals, facet
counts and suggestions are computed over the same filtered set as the hits,
so none of them can leak the existence of a hidden document.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from portalis.search.documents import SearchDocument, SearchQuery, SearchResults, SearchViewer

__all__ = ["FACET_VALUES", "FEW_HITS", "SUGGEST_LIMIT", "SearchBackend"]

#: Below this many hits a "did you mean" suggestion is looked for.
FEW_HITS = 3
#: Default number of titles returned by :meth:`SearchBackend.suggest`.
SUGGEST_LIMIT = 8
#: Facet values reported per facet name (most frequent first).
FACET_VALUES = 50


@runtime_checkable
class SearchBackend(Protocol):
    """A search engine behind the portal-wide search service.

    Query text syntax (the same for every engine): words must all match
    (stemmed per document language), ``"a phrase"``, ``prefix*``,
    ``-excluded``, ``this OR that``.
    """

    def setup(self) -> None:
        """Create tables / the index if missing. Idempotent."""
        ...

    def index(self, docs: Sequence[SearchDocument]) -> None:
        """Insert or replace documents, keyed by ``(tenant_id, doc_id)``."""
        ...

    def delete(self, tenant_id: int, doc_ids: Sequence[str]) -> None:
        """Remove documents; unknown ids are ignored."""
        ...

    def clear(self, tenant_id: int | None) -> None:
        """Remove one tenant's documents, or everything with ``None``."""
        ...

    def search(self, q: SearchQuery) -> SearchResults:
        """Run a query as ``q.viewer`` may see it."""
        ...

    def suggest(
        self, tenant_id: int, viewer: SearchViewer, prefix: str, limit: int = SUGGEST_LIMIT
    ) -> list[str]:
        """Titles for search-as-you-type: every word of ``prefix`` must
        appear in the title, the last one as a prefix unless ``prefix`` ends
        with a space. Only titles of documents the viewer may see."""
        ...

    def close(self) -> None:
        """Release files, searchers and connections."""
        ...
