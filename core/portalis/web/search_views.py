"""Search across every plugin the viewer may use: live results in the header (htmx) and a
full results page with facets."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, request, url_for

from ..i18n import gettext as _
from .access import login_required
from .converters import choice_arg, int_arg, text_arg
from .rendering import page

bp = Blueprint("search", __name__, url_prefix="/search")

MAX_QUERY = 200


def _service() -> Any:
    return current_app.extensions["portalis_search"]


def facet_label(name: str, value: str) -> str:
    """Plugin names shown as their titles; other facet values as given."""
    if name == "plugin":
        from ..plugins.contract import resolve_text

        plugins = g.portal.registry.plugins
        return resolve_text(plugins[value].info.title) if value in plugins else value
    return value


@bp.route("/")
@login_required
def results() -> Any:
    text = text_arg("q", MAX_QUERY)
    sort = choice_arg("sort", ("relevance", "date"), "relevance")
    page_no = int_arg("page", 1, min=1, max=500) or 1
    facets = {
        k[2:102]: value
        for k in list(request.args)[:50]
        if k.startswith("f.") and (value := text_arg(k, 100))
    }
    res = None
    if text:
        res = _service().search(g.viewer, text, facets=facets, sort=sort, page=page_no)
    facet_titles = {
        "plugin": _("Area"),
        "type": _("Type"),
        "product": _("Product"),
        "language": _("Language"),
        "status": _("Status"),
    }

    def facet_url(name: str, value: str) -> str:
        chosen = dict(facets)
        if chosen.get(name) == value:
            chosen.pop(name)
        else:
            chosen[name] = value
        values: dict[str, Any] = {f"f.{k}": v for k, v in chosen.items()}
        return url_for("search.results", q=text, sort=sort, **values)

    def page_url(n: int) -> str:
        values: dict[str, Any] = {f"f.{k}": v for k, v in facets.items()}
        return url_for("search.results", q=text, sort=sort, page=n, **values)

    return page(
        "search/results.html",
        facet_url=facet_url,
        page_url=page_url,
        partial="results",
        q=text,
        res=res,
        sort=sort,
        page_no=page_no,
        active_facets=facets,
        facet_titles=facet_titles,
        facet_label=facet_label,
    )


@bp.route("/live")
@login_required
def live() -> Any:
    """The header's search-as-you-type dropdown: a few best hits."""
    text = text_arg("q", MAX_QUERY)
    res = _service().search(g.viewer, text, per_page=6) if len(text) >= 2 else None
    return page("search/_live.html", q=text, res=res)
