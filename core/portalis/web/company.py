"""The partner's "Company profile" page: partner admins edit it, members read it; and the
company logos, served to whoever may see them.

Saving is one step: every field is checked first, the logo is stored last (a refused form
stores nothing) and removed again if the transaction rolls back. Changes to public fields
may wait for the vendor (``companies.profile_changes``); the page says which.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, request, send_file, url_for

from ..companies.profile import (
    LOGO_KIND,
    build_profile,
    profile_completeness,
    profile_settings,
    profile_values,
)
from ..companies.profile_changes import pending_change, save_profile
from ..companies.profile_fields import PROFILE_FIELDS, field_label, is_filled
from ..db import db
from ..i18n import gettext as _
from ..i18n import listing
from ..models import Partner
from ..roles import Role
from ..transaction import on_rollback
from ..uploads import UploadError, path_of, store_image
from .access import partner_member
from .company_form import CompanyProfileForm, form_data
from .rendering import page

bp = Blueprint("company", __name__)
#: Logos on a blueprint of their own, so a 404 for one never marks the "Company profile"
#: navigation item active (which would tell that the logo exists).
logos_bp = Blueprint("company_logos", __name__)


@bp.route("/company", methods=["GET", "POST"])
@partner_member
def profile() -> Any:
    partner: Partner = g.user.partner
    settings = profile_settings(partner.program_id)
    change = pending_change(partner.id)
    is_admin = g.user.role == Role.PARTNER_ADMIN
    if request.method == "POST" and not is_admin:
        abort(404)  # members read the profile; the form isn't theirs
    # the form shows what the admin proposed, not the approved values it would replace
    proposed = {**profile_values(partner), **(change.changes if change else {})}
    form = CompanyProfileForm(data=None if request.method == "POST" else form_data(proposed))
    pending_fields = frozenset(change.changes) if change else frozenset()
    form.mark(settings.public_fields, pending_fields)
    context: dict[str, Any] = {
        "partner": partner,
        "settings": settings,
        "change": change,
        "completeness": profile_completeness(partner),
        "profile": build_profile(partner),
        "proposed_logo": proposed.get("logo"),
        "field_label": field_label,
        "missing": [
            field_label(f) for f in PROFILE_FIELDS if not is_filled(f, getattr(partner, f))
        ],
    }
    if not is_admin:
        return page("portal/company.html", form=None, **context)
    if form.validate_on_submit():
        values = dict(form.cleaned)
        logo = _stored_logo(form, partner, proposed.get("logo"))
        if logo is not False:
            values["logo"] = logo
            result = save_profile(partner, values)
            db.session.commit()
            flash(_saved_message(result.applied, result.pending, result.completed), "success")
            return redirect(url_for("company.profile"))
    return page(
        "portal/company.html", form=form, status=422 if request.method == "POST" else 200, **context
    )


def _stored_logo(form: CompanyProfileForm, partner: Partner, current: str | None) -> Any:
    """The logo's new stored name (None = removed), or False if the upload was refused."""
    file = form.logo.data
    if file and getattr(file, "filename", ""):
        try:
            stored = store_image(g.tenant.id, LOGO_KIND, file.read())
        except UploadError as exc:
            form.logo.errors = [*form.logo.errors, _(str(exc))]
            return False
        tenant_id = g.tenant.id

        def forget() -> None:
            path = path_of(tenant_id, LOGO_KIND, stored.name)
            if path is not None:
                path.unlink(missing_ok=True)

        on_rollback(forget)
        return stored.name
    if form.remove_logo.data:
        return None
    return current


def _saved_message(applied: list[str], pending: list[str], completed: bool) -> str:
    if pending:
        names = listing(field_label(f) for f in pending)
        return _(
            "Saved. The changes to %(fields)s are shown once the vendor approves them.",
            fields=names,
        )
    if completed:
        return _("Your company profile is complete. Thank you!")
    if applied:
        return _("Your company profile was saved.")
    return _("Nothing changed.")


@logos_bp.route("/logos/<id:partner_id>/<name>")
def logo(partner_id: int, name: str) -> Any:
    """A company's logo. Its own people and the vendor's staff see the approved and the
    proposed logo; anyone else only the approved one, and only where the program makes
    the logo public and the company is active. Otherwise the unknown page's 404."""
    partner = db.session.get(Partner, partner_id)
    if partner is None or not name:
        abort(404)
    user = g.get("user")
    insider = user is not None and (user.is_vendor_staff or user.partner_id == partner.id)
    if name == partner.logo:
        allowed = insider or (
            partner.status == "active"
            and "logo" in profile_settings(partner.program_id).public_fields
        )
    else:
        change = pending_change(partner.id) if insider else None
        allowed = change is not None and change.changes.get("logo") == name
    path = path_of(g.tenant.id, LOGO_KIND, name) if allowed else None
    if path is None:
        abort(404)
    resp = send_file(
        path, mimetype="image/svg+xml" if name.endswith(".svg") else "image/png", max_age=3600
    )
    resp.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


__all__ = ["bp", "logos_bp"]
