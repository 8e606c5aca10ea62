"""Pages for the vendor's staff: authoring courses and paths (``lms.manage``)."""

from __future__ import annotations

from typing import Any

from portalis import api

from ..access import manager_required
from .blueprint import bp


@bp.route("/manage/")
@manager_required
def manage_courses() -> Any:
    return api.page("lms/vendor/courses.html")
