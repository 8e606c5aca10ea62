"""Value objects shared by every search backend.

They are frozen so a document or query can be handed between threads, cached
and compared without anyone mutating it behind the backend's back. Validation
happens here, once, so each backend can trust its input instead of repeating
the same checks three times (and disagreeing about them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

__all__ = [
    "AUDIENCES",
    "PLUGIN_FACET",
    "Audience",
    "SearchDocument",
    "SearchHit",
    "SearchQuery",
    "SearchResults",
    "SortOrder",
    "SearchViewer",
]

Audience = Literal["partner", "vendor", "all"]
SortOrder = Literal["relevance", "date"]

#: Every audience a document may be published to.
AUDIENCES: frozenset[str] = frozenset({"partner", "vendor", "all"})

#: The facet name under which backends count documents per plugin. It is
#: reserved: a document may not carry its own facet with this name, otherwise
#: the two counts would silently be merged.
PLUGIN_FACET = "plugin"

_MAX_DOC_ID = 255
_MAX_PER_PAGE = 200


def _as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken to be UTC (what the ORM hands out); aware
    ones are converted, so every backend sorts one consistent timeline."""
    if not isinstance(value, datetime):
        raise TypeError(f"updated_at must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _int_tuple(name: str, value: Iterable[int] | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    out = tuple(value)
    for item in out:
        # bool is an int subclass; True as a tier id is always a bug.
        if not isinstance(item, int) or isinstance(item, bool):
            raise TypeError(f"{name} must contain ints, got {item!r}")
    return out


@dataclass(frozen=True, slots=True)
class SearchDocument:
    """One searchable thing, as a plugin describes it to the search service.

    ``doc_id`` is unique within the tenant (for example ``"content:42:de"``:
    one document per translation). ``None`` for ``program_id``,
    ``tier_ids`` or ``partner_ids`` means "no restriction"; an empty tuple
    means "nobody of that kind" (only vendor staff will see it).
    """

    tenant_id: int
    doc_id: str
    plugin: str
    program_id: int | None
    tier_ids: tuple[int, ...] | None
    partner_ids: tuple[int, ...] | None
    audience: Audience
    language: str
    title: str
    body: str
    tags: tuple[str, ...]
    facets: dict[str, str] = field(hash=False)
    url: str
    updated_at: datetime

    def __post_init__(self) -> None:
        if not self.doc_id or len(self.doc_id) > _MAX_DOC_ID:
            raise ValueError(f"doc_id must be 1..{_MAX_DOC_ID} characters")
        if not self.plugin:
            raise ValueError("plugin must not be empty")
        if self.audience not in AUDIENCES:
            raise ValueError(f"audience must be one of {sorted(AUDIENCES)}, not {self.audience!r}")
        if not self.language:
            raise ValueError("language must not be empty (use 'und' if unknown)")
        facets = dict(self.facets)
        for key, value in facets.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"facet names must be non-empty strings, got {key!r}")
            if key == PLUGIN_FACET:
                raise ValueError(f"facet name {PLUGIN_FACET!r} is reserved for the plugin count")
            if not isinstance(value, str) or not value:
                raise ValueError(f"facet {key!r} must have a non-empty string value")
        # Copies and tuples: the caller's list/dict must not be able to change
        # a document after it has been handed over.
        object.__setattr__(self, "facets", facets)
        object.__setattr__(self, "tags", tuple(self.tags))
        object.__setattr__(self, "tier_ids", _int_tuple("tier_ids", self.tier_ids))
        object.__setattr__(self, "partner_ids", _int_tuple("partner_ids", self.partner_ids))
        object.__setattr__(self, "updated_at", _as_utc(self.updated_at))


@dataclass(frozen=True, slots=True)
class SearchViewer:
    """Who is searching, reduced to what visibility depends on; the backend derives its
    filter from it. (Not :class:`portalis.context.Viewer`: the search package knows no web
    request, so the service translates one into the other.)

    ``None`` ids mean the viewer has none, so documents restricted to some
    program/tier/partner are hidden from them.
    """

    is_vendor_staff: bool
    program_id: int | None
    tier_id: int | None
    partner_id: int | None
    enabled_plugins: frozenset[str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "enabled_plugins", frozenset(self.enabled_plugins))


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A search request.

    ``text`` understands words (all must match), ``"quoted phrases"``,
    ``prefix*``, ``-excluded`` words and ``OR`` between two words.
    ``language`` boosts documents in that language but never filters.
    ``facet_filters`` may include ``"plugin"``.
    """

    tenant_id: int
    text: str
    viewer: SearchViewer
    facet_filters: Mapping[str, str] = field(default_factory=dict, hash=False)
    sort: SortOrder = "relevance"
    page: int = 1
    per_page: int = 20
    language: str | None = None

    def __post_init__(self) -> None:
        if self.sort not in ("relevance", "date"):
            raise ValueError(f"sort must be 'relevance' or 'date', not {self.sort!r}")
        if self.page < 1:
            raise ValueError("page starts at 1")
        if not 1 <= self.per_page <= _MAX_PER_PAGE:
            raise ValueError(f"per_page must be 1..{_MAX_PER_PAGE}")
        object.__setattr__(self, "facet_filters", dict(self.facet_filters))

    @property
    def offset(self) -> int:
        """Index of the first hit of the requested page."""
        return (self.page - 1) * self.per_page


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result row. ``snippet_html`` is safe to render unescaped: all
    document text in it is HTML-escaped and the only markup is ``<mark>``.
    ``score`` is only comparable within one result list (each engine has its
    own scale; date-sorted Whoosh results carry 0.0)."""

    doc_id: str
    plugin: str
    title: str
    url: str
    snippet_html: str
    score: float
    updated_at: datetime
    facets: dict[str, str] = field(hash=False)


@dataclass(frozen=True, slots=True)
class SearchResults:
    """A page of hits plus numbers about the whole visible matching set.

    ``facets`` maps a facet name (including ``"plugin"``) to ``(value,
    count)`` pairs, most frequent first. ``suggestion`` is a corrected query
    ("did you mean") offered when there are few or no hits.
    """

    total: int
    hits: list[SearchHit]
    facets: dict[str, list[tuple[str, int]]]
    suggestion: str | None
    took_ms: float
