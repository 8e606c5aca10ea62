"""Agreement texts: Markdown rendered without raw HTML, then sanitised with nh3.

markdown-it-py runs with ``{"html": False}`` (HTML in the source is shown as text); nh3
keeps only the tags a contract needs, which are also the tags fpdf2's HTML writer draws,
so the page and the PDF show the same text. Only http(s) and mailto links survive.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "strong", "em", "b", "i", "blockquote",
    "ul", "ol", "li", "a",
}  # fmt: skip
ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}


def to_html(source: str) -> Markup:
    """Sanitised HTML for a Markdown text (placeholders already filled)."""
    html = _MD.render(source or "")
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
