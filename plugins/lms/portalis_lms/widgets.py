"""Dashboard widgets (filled in by the partner-side work)."""

from __future__ import annotations

from portalis import api


def for_viewer(viewer: api.Viewer) -> list[api.Widget]:
    return []
