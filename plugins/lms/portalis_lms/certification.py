"""Learning paths → certificates: issue, renew, expire, revoke."""

from __future__ import annotations

from portalis import api

MILESTONES: list[api.Milestone] = []


def on_event(event: api.Event) -> None:
    """React to the plugin's own events (a completed course may complete a path)."""
