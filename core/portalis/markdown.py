"""Markdown that people type (a library page, an agreement's text) as safe HTML: one
renderer and one allowlist for the core and every plugin.

markdown-it-py runs CommonMark with tables and ``{"html": False}``, so HTML in the source is
shown as text, never interpreted; nh3 then keeps only the tags and attributes below and
links to http(s) and mailto addresses, each with ``rel="noopener noreferrer"``. What a
vendor writes can therefore format text but never run script, load a frame or style the
page — whichever feature shows it.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)
#: The tags the rendered HTML may contain.
TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "del",
})  # fmt: skip
#: The attributes each tag may keep.
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def render_markdown(source: str | None) -> Markup:
    """``source`` (Markdown) as sanitised HTML, ready for a template (``{{ html }}``)."""
    html = _MD.render(source or "")
    clean = nh3.clean(
        html,
        tags=set(TAGS),
        attributes=ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


__all__ = ["ATTRIBUTES", "TAGS", "URL_SCHEMES", "render_markdown"]
