"""Pages for partner users: the catalogue, my learning, a course and its lessons."""

from __future__ import annotations

from typing import Any

from portalis import api

from .blueprint import bp


@bp.route("/")
@api.partner_member
def catalogue() -> Any:
    return api.page("lms/partner/catalogue.html")
