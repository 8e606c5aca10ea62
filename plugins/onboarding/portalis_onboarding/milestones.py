"""The milestones a task may wait for: every installed plugin's ``portalis_milestones``
(the core's "partner approved" and "profile completed" included), by event name.

Onboarding knows none of them by name — agreements, deals or a plugin written next year
declare theirs, and the checklist editor offers whatever is declared.
"""

from __future__ import annotations

from collections.abc import Iterable

from portalis import api


def _declared() -> Iterable[api.Milestone]:
    """Every installed plugin's milestones, as the core collects them."""
    return api.milestones()


def declared_events() -> set[str]:
    """The event names of every declared milestone (no labels: jobs call this too)."""
    return {m.event for m in _declared()}


def available() -> dict[str, str]:
    """Event name → label in the viewer's language, sorted by label."""
    found = {m.event: api.resolve_text(m.label) for m in _declared()}
    return dict(sorted(found.items(), key=lambda item: item[1].casefold()))


def label(event: str) -> str:
    """A milestone's label; an event no installed plugin declares any more keeps its name
    (a task waiting for it is shown, not hidden, so the vendor can change it)."""
    return available().get(event, event)
