from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, url_for

from ..i18n import _

#: Every route of the plugin hangs off this blueprint; the core answers 404 for all of
#: them unless the plugin is on for the viewer's program and tier.
bp = Blueprint("lms", __name__, url_prefix="/lms")

#: The vendor's sections, in order: (endpoint, label). A section shows once its page exists.
VENDOR_SECTIONS = (
    ("lms.manage_courses", lambda: _("Courses")),
    ("lms.manage_paths", lambda: _("Paths and certifications")),
    ("lms.manage_certificates", lambda: _("Certificates")),
    ("lms.reports", lambda: _("Reports")),
)


@bp.context_processor
def vendor_sections() -> dict[str, Any]:
    """``lms_sections`` for the vendor pages' tabs (``lms/vendor/_tabs.html``)."""

    def sections() -> list[tuple[str, str, str]]:
        known = current_app.view_functions
        return [(ep, url_for(ep), label()) for ep, label in VENDOR_SECTIONS if ep in known]

    def has(endpoint: str) -> bool:
        """Whether a page exists (links between pages built at the same time)."""
        return endpoint in current_app.view_functions

    return {"lms_sections": sections, "lms_has": has}
