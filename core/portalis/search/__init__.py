"""Portal-wide search: one interface, several engines.

Plugins describe their content as :class:`SearchDocument` objects; the
search service stores them in a :class:`SearchBackend` and answers
:class:`SearchQuery` objects for a :class:`SearchViewer`, filtering by tenant,
plugin, audience, program, tier and partner inside the engine.

Pick an engine with :func:`make_backend`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from portalis.search.backend import FEW_HITS, SUGGEST_LIMIT, SearchBackend
from portalis.search.documents import (
    PLUGIN_FACET,
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
    SearchViewer,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from portalis.search.sql_backend import DatabaseBackend
    from portalis.search.whoosh_backend import WhooshBackend

__all__ = [
    "FEW_HITS",
    "PLUGIN_FACET",
    "SUGGEST_LIMIT",
    "DatabaseBackend",
    "SearchBackend",
    "SearchDocument",
    "SearchHit",
    "SearchQuery",
    "SearchResults",
    "SearchViewer",
    "WhooshBackend",
    "make_backend",
]


def __getattr__(name: str) -> object:
    # The engines import Whoosh/SQLAlchemy; load them only when asked for so
    # importing the value objects stays cheap.
    if name == "WhooshBackend":
        from portalis.search.whoosh_backend import WhooshBackend

        return WhooshBackend
    if name == "DatabaseBackend":
        from portalis.search.sql_backend import DatabaseBackend

        return DatabaseBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_backend(
    url_or_name: str,
    *,
    engine: Engine | None = None,
    index_dir: Path | str | None = None,
) -> SearchBackend:
    """Build a backend from configuration.

    ``url_or_name`` is one of:

    * ``"whoosh"`` (uses ``index_dir``) or ``"whoosh:///abs/path"``;
    * ``"database"`` / ``"sql"`` / ``"sqlite"`` / ``"postgresql"``: the
      application's ``engine`` (its dialect decides FTS5 or tsvector);
    * a SQLAlchemy URL (``"sqlite:///search.db"``,
      ``"postgresql+psycopg://..."``) for a database of its own.

    ``setup()`` is not called: creating tables is a deployment step.
    """
    from portalis.search.sql_backend import DatabaseBackend
    from portalis.search.whoosh_backend import WhooshBackend

    name = url_or_name.strip()
    if name == "whoosh" or name.startswith("whoosh://"):
        path = name[len("whoosh://") :] if name.startswith("whoosh://") else None
        directory = Path(path) if path else (Path(index_dir) if index_dir is not None else None)
        if directory is None:
            raise ValueError("the whoosh backend needs index_dir (or whoosh:///path)")
        return WhooshBackend(directory)
    if name in ("database", "sql", "sqlite", "postgresql", "postgres"):
        if engine is None:
            raise ValueError(f"the {name!r} backend needs engine=")
        if name in ("sqlite", "postgresql", "postgres"):
            want = "postgresql" if name.startswith("postgres") else "sqlite"
            if engine.dialect.name != want:
                raise ValueError(f"backend {name!r} given a {engine.dialect.name} engine")
        return DatabaseBackend(engine)
    if "://" in name:
        from sqlalchemy import create_engine

        return DatabaseBackend(create_engine(name))
    raise ValueError(f"unknown search backend {url_or_name!r}")
