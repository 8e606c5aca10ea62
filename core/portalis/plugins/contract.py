"""Value types that cross the plugin boundary. Part of the public API (re-exported by
:mod:`portalis.api`); fields are only ever added, with defaults, within a major version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..icons import checked


@dataclass(frozen=True)
class PluginInfo:
    """What a plugin declares about itself; read at start-up.

    ``requires_core`` is a PEP 440 specifier checked against ``portalis.HOOK_API_VERSION``
    so an incompatible plugin is refused with a clear message instead of failing later.
    """

    name: str
    title: str | Callable[[], str]
    version: str
    description: str | Callable[[], str] = ""
    requires_core: str = ">=1.0,<2"
    requires_plugins: tuple[str, ...] = ()
    permissions: tuple[Permission, ...] = ()
    #: A WTForms ``Form`` class edited per program by vendor admins; its data is stored as JSON.
    settings_form: type | None = None
    settings_defaults: Mapping[str, Any] = field(default_factory=dict)
    #: Folder holding ``<locale>/LC_MESSAGES/<name>.po`` shipped inside the package (the portal
    #: reads the catalogs themselves; compiled ``.mo`` files are not needed).
    translations_dir: Path | None = None
    #: Folder of Jinja templates (default: ``templates/`` beside the plugin module). Keep
    #: them under ``<plugin name>/`` inside it, so they use the plugin's message domain.
    templates_dir: Path | None = None
    #: Folder with this plugin's Alembic versions (its own history and version table).
    migrations_dir: Path | None = None
    #: Default for new programs: whether a vendor must switch it on first.
    enabled_by_default: bool = False


@dataclass(frozen=True)
class Permission:
    """A named permission a plugin adds, held by ``default_roles`` unless a tenant changes it.

    Vendor admins grant or revoke it per role for their tenant on the "Roles & permissions"
    page (stored as overrides in ``role_permissions``; a change applies from the next
    request). Check it with ``api.has_permission(name)`` or guard a view with
    ``api.permission_required(name)``; a name no installed plugin declares is never granted.
    ``name`` is ``<plugin>.<action>`` (``deals.export``); ``label`` may be a lazy callable so
    it translates in the plugin's message domain. Any role may be granted any permission, so
    a permission-guarded view still limits records to what the viewer may see: a partner
    user granted a vendor-side permission must see only their own company's records.
    """

    name: str
    label: str | Callable[[], str]
    default_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class NavItem:
    """A link in the sidebar. ``section`` groups links ("main", "admin", "account").

    ``icon`` is one of the names in ``portalis.icons.ICONS`` (Lucide icons: "home",
    "briefcase", "file", "users", "chart-column", …; the list is in the SDK docs and the
    style guide), drawn before the label in the colour of the text. The label carries the
    meaning, so the icon is hidden from screen readers. An unknown name is not an error:
    it is logged once as a warning and the link is shown without an icon (``icon`` is
    then ``""``).
    """

    label: str
    endpoint: str
    icon: str = ""
    section: str = "main"
    order: int = 100
    url_values: Mapping[str, Any] = field(default_factory=dict)
    badge: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "icon", checked(self.icon))


@dataclass(frozen=True)
class Widget:
    """A dashboard card. ``needs_action`` widgets are shown first: what needs the partner now."""

    title: str
    html: str
    order: int = 100
    needs_action: bool = False
    width: int = 1  # columns in the dashboard grid (1 or 2)


@dataclass(frozen=True)
class MetricDefinition:
    """A named number per partner that tier criteria can use.

    ``compute(partner_ids, program_id, now)`` returns ``{partner_id: value}`` for the whole
    batch in a few queries; missing partners count as 0.

    ``compute_for(partner_ids, program_id, now, argument)``, when given, lets a criterion
    name the metric with one text in quotes — ``active_certifications("Certified Sales
    Professional") >= 3`` — and computes that variant for the whole batch (the plain name
    still uses ``compute``). Without it the metric takes no argument.
    """

    name: str
    label: str | Callable[[], str]
    compute: Callable[[list[int], int, dt.datetime], Mapping[int, float]]
    unit: str = "count"  # "count" or "money"
    compute_for: Callable[[list[int], int, dt.datetime, str], Mapping[int, float]] | None = None


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler runs every ``every`` for every tenant (in that tenant's scope)."""

    name: str
    every: dt.timedelta
    func: Callable[[], Any]


@dataclass(frozen=True)
class Event:
    """Something that happened, delivered to subscribers after the transaction commits."""

    name: str
    tenant_id: int
    payload: Mapping[str, Any]
    program_id: int | None = None
    actor_user_id: int | None = None
    occurred_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass
class DemoSeed:
    """Handed to ``portalis_demo_data``: the demo world a plugin adds its records to."""

    tenant_id: int
    tenant_slug: str
    program_id: int
    tiers: dict[str, int]
    partners: dict[str, int]
    users: dict[str, int]
    rng: Any
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Milestone:
    """An event a vendor may pick to complete an onboarding task ("Agreement signed").

    Declaring one is a promise: the event ``event`` is emitted with ``"partner_id"`` in its
    payload when that partner reaches the milestone. Listed by ``portalis_milestones``, so a
    checklist can offer milestones of plugins it has never heard of.
    """

    event: str
    label: str | Callable[[], str]


@dataclass(frozen=True)
class AccessBlocker:
    """Something a partner must do before using the portal, or some plugins' pages.

    Returned by ``portalis_access_blockers``. While one is returned the core sends the
    partner's page requests to ``endpoint`` (always reachable) with ``message``; ``plugins``
    limits the block to those plugins' pages (``None``: the whole partner portal, except
    sign-out, the language switch and the person's own account).
    """

    key: str
    message: str
    endpoint: str
    url_values: Mapping[str, Any] = field(default_factory=dict)
    plugins: frozenset[str] | None = None


@dataclass(frozen=True)
class PartnerSummary:
    """One plugin's line about one partner, shown to vendor staff on the partner list (as a
    column headed ``label``) and on the partner's page. ``progress`` (0..1) draws a bar."""

    partner_id: int
    label: str
    text: str
    progress: float | None = None
    needs_action: bool = False


@dataclass(frozen=True)
class LinkableItem:
    """Something of a plugin another plugin may link to (a library file a course lesson
    points at), without importing that plugin. Returned by ``portalis_linkable_items`` and
    ``portalis_resolve_linkables``; read through ``api.find_linkables`` and
    ``api.resolve_linkables``.

    ``ref`` is ``"<plugin>:<opaque>"`` (``"content:123"``): the linking plugin stores it
    and hands it back later, never looks inside. ``title`` is in the viewer's language,
    ``url`` the item's page for this viewer, ``kind_label`` a short translated kind
    ("PDF", "Link", "Page"). ``plugin`` names the plugin it comes from (the core fills it
    in from the ref when a plugin leaves it empty)."""

    ref: str
    title: str
    url: str
    kind_label: str = ""
    plugin: str = ""


def resolve_text(value: str | Callable[[], str]) -> str:
    """Labels may be lazy callables so they translate at render time."""
    return value() if callable(value) else str(value)


__all__ = [
    "AccessBlocker",
    "DemoSeed",
    "Event",
    "LinkableItem",
    "MetricDefinition",
    "Milestone",
    "NavItem",
    "PartnerSummary",
    "PeriodicJob",
    "Permission",
    "PluginInfo",
    "Widget",
    "resolve_text",
]
