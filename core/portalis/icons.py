"""The icons a navigation item (``api.NavItem(icon=...)``) or a template may name.

Each name is a ``<symbol id="i-NAME">`` in the vendored sprite
``static/vendor/icons.svg`` (Lucide icons; see ``static/vendor/README.md``), drawn in
``currentColor`` on a 24 × 24 grid. Templates draw one with the ``icon(name)`` macro of
``macros/ui.html``. A name outside :data:`ICONS` draws nothing: ``NavItem`` logs a warning
once per name and keeps the link without an icon, so a typo never breaks a page.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

#: Every icon in the sprite, by Lucide name.
ICONS: frozenset[str] = frozenset(
    {
        "award",
        "bell",
        "book-open",
        "briefcase",
        "building",
        "calendar",
        "chart-column",
        "circle-help",
        "clipboard-check",
        "coins",
        "download",
        "file",
        "folder",
        "gauge",
        "globe",
        "graduation-cap",
        "handshake",
        "home",
        "inbox",
        "key",
        "layers",
        "layout-dashboard",
        "link",
        "list",
        "mail",
        "map-pin",
        "megaphone",
        "message-square",
        "search",
        "settings",
        "shield",
        "store",
        "tag",
        "target",
        "trophy",
        "upload",
        "user",
        "users",
        "wallet",
    }
)

#: Icons whose drawing follows the reading direction (bullets at the start of a line, a
#: bubble's tail, a megaphone facing forward); the stylesheet mirrors them in right-to-left
#: pages (``.icon-NAME:dir(rtl)``). No navigation icon is an arrow.
MIRRORED_IN_RTL: frozenset[str] = frozenset({"list", "megaphone", "message-square"})

_warned: set[str] = set()


def checked(name: str) -> str:
    """``name`` if it is a known icon (or empty); otherwise ``""``, with one warning per name."""
    if not name or name in ICONS:
        return name
    if name not in _warned:
        _warned.add(name)
        log.warning(
            "Unknown navigation icon %r: the link is shown without an icon. Known icons: %s",
            name,
            ", ".join(sorted(ICONS)),
        )
    return ""
