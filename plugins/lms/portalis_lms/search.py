"""Courses and paths as search documents (permission-aware)."""

from __future__ import annotations

from collections.abc import Iterator

from portalis import api


def all_documents() -> Iterator[api.SearchDocument]:
    return iter(())
