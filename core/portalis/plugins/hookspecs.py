"""The hook contract between the core and plugins — public, stable, versioned.

Every hook is documented in docs/plugins.md with its exact signature (a test checks it).
Rules that hold for all hooks:

* Implementations may accept fewer arguments than the spec (pluggy "opt-in arguments");
  accept only what you use, so new arguments never break you.
* Hooks marked *gated* are only called for plugins enabled for the current program (and
  the viewer's tier). The core enforces this; plugins never check enablement themselves.
* Hooks marked *display* are called robustly: an exception leaves that piece out and is
  logged with plugin and tenant; the page still renders.
* Hooks marked *fail-closed* propagate exceptions: an error denies rather than allows.

Version: see ``portalis.HOOK_API_VERSION``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Blueprint

    from ..context import Viewer
    from ..search import SearchDocument
    from .contract import (
        AccessBlocker,
        DemoSeed,
        Event,
        LinkableItem,
        MetricDefinition,
        Milestone,
        NavItem,
        PartnerSummary,
        PeriodicJob,
        Widget,
    )

hookspec = pluggy.HookspecMarker("portalis")
hookimpl = pluggy.HookimplMarker("portalis")


@hookspec
def portalis_blueprints() -> list[Blueprint]:
    """Return the Flask blueprints this plugin serves.

    Called once, when the app is created (not gated). Collecting. The core registers each
    blueprint and guards every route in it: the route answers 404 unless the plugin is
    enabled for the viewer's program and tier. Anonymous visitors are sent to sign in.
    A view marked ``@api.public_page`` (hook API 1.3) is open to anonymous visitors and
    every signed-in viewer wherever the plugin is on in any of the tenant's programs.
    """


@hookspec
def portalis_nav_items(viewer: Viewer) -> list[NavItem]:
    """Return sidebar links for this viewer. Gated, display, collecting.

    Called on every full page render. ``viewer`` says who is looking (partner or vendor
    staff, program, tier). Return an empty list to show nothing.
    """


@hookspec
def portalis_dashboard_widgets(viewer: Viewer) -> list[Widget]:
    """Return dashboard cards for this viewer. Gated, display, collecting.

    Called when the dashboard renders. Widgets with ``needs_action=True`` are shown first.
    Keep each widget to a few indexed queries: the dashboard's statement budget is shared.
    """


@hookspec
def portalis_tier_metrics() -> list[MetricDefinition]:
    """Return the metrics this plugin contributes to tier criteria.

    Called once at start-up to build the metric registry (not gated). When a program is
    evaluated, only metrics of plugins enabled for that program are computed; criteria
    naming a metric whose plugin is off evaluate it as 0.
    """


@hookspec
def portalis_event(event: Event) -> None:
    """Receive a domain event after its transaction committed. Gated when the event names
    a program (otherwise every plugin enabled anywhere in the tenant receives it), robust:
    a failing subscriber is logged and the others still run. Runs inside the event's tenant
    scope. Return value ignored.
    """


@hookspec
def portalis_periodic_jobs() -> list[PeriodicJob]:
    """Return jobs the scheduler runs periodically, once per tenant, in that tenant's scope.

    Called once at start-up (not gated); the job itself should act only on programs that
    enable the plugin (``portalis.api.programs_with_plugin``).
    """


@hookspec
def portalis_cli_commands() -> list[click.Command]:
    """Return click commands to add under ``portalis <command>``. Called once, not gated."""


@hookspec
def portalis_demo_data(seed: DemoSeed) -> None:
    """Add this plugin's demo records to a freshly seeded demo tenant.

    Called by ``portalis demo`` once per demo tenant, inside that tenant's scope, in the
    same transaction as the core demo data. Collecting; return value ignored.
    """


@hookspec
def portalis_plugin_toggled(program_id: int, enabled: bool) -> None:
    """Called in the vendor's transaction when this plugin is switched on or off for a
    program. Use it to create per-program defaults. Fail-closed: an exception aborts the
    change. Only the toggled plugin is called.
    """


@hookspec
def portalis_search_documents(tenant_id: int) -> Iterable[SearchDocument]:
    """Yield every search document this plugin owns for a tenant, for a full reindex.

    Called by ``portalis search reindex`` inside the tenant scope. Collecting.
    """


@hookspec
def portalis_milestones() -> list[Milestone]:
    """Return the milestones this plugin emits: events, with ``"partner_id"`` in their
    payload, that an onboarding checklist may wait for ("Agreement signed"). Not gated;
    collecting. Added in hook API 1.2.
    """


@hookspec
def portalis_access_blockers(viewer: Viewer) -> list[AccessBlocker]:
    """Return what this partner must do before using the portal (sign an agreement …), or
    an empty list. Gated, fail-closed: called on every page request of a partner, so answer
    with at most one cheap query. Added in hook API 1.2.
    """


@hookspec
def portalis_partner_summaries(partner_ids: Sequence[int]) -> list[PartnerSummary]:
    """Return one line per partner (of ``partner_ids``) this plugin has something to say
    about, for vendor staff's partner list and partner page. Called with a whole page of
    partners: answer in one or two queries, never one per partner. Called for plugins
    enabled in any of the tenant's programs; display. Added in hook API 1.2.
    """


@hookspec
def portalis_linkable_items(viewer: Viewer, query: str, limit: int) -> list[LinkableItem]:
    """Return up to ``limit`` of this plugin's items another plugin may link to — those
    whose title matches ``query`` (already trimmed; empty: the most recent) and that
    ``viewer`` may open now — for a picker ("add a file from the library"). Each ``ref``
    starts with ``"<your plugin name>:"``. Gated (plugins enabled for the viewer), display:
    a failing plugin is logged and left out. Read through ``api.find_linkables``. Added in
    hook API 1.3.
    """


@hookspec
def portalis_resolve_linkables(viewer: Viewer, refs: Sequence[str]) -> list[LinkableItem]:
    """Return, for the ``refs`` given (all ``"<your plugin name>:…"``, as your
    ``portalis_linkable_items`` made them), the items ``viewer`` may open *now*, fresh
    (title in the viewer's language, URL for this viewer); leave out the others (deleted,
    expired, no longer in the viewer's audience) — the caller shows them as unavailable.
    Answer in a few queries for the whole list. Only the plugin a ref names is asked, and
    only when it is enabled for the viewer; display. Read through
    ``api.resolve_linkables``. Added in hook API 1.3.
    """
