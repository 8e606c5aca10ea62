"""The vendor's side of company profiles: a partner's profile and its pending change on the
partner page (approve / reject), and a program's profile settings (which fields are public,
whether changing them needs approval)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from sqlalchemy import select

from ... import audit
from ...companies.profile import build_profile, profile_settings
from ...companies.profile_changes import (
    ChangeNotPending,
    approve_change,
    pending_change,
    reject_change,
)
from ...companies.profile_fields import (
    PROFILE_FIELDS,
    field_label,
    industry_label,
    language_label,
    partner_type_label,
)
from ...db import db
from ...i18n import gettext as _
from ...i18n import listing
from ...models import Partner, PartnerProfileChange, ProgramProfileSettings
from ..access import vendor_admin, vendor_staff
from ..company_form import ProfileDecisionForm, ProfileSettingsForm
from ..fields import country_name, select_choices
from ..rendering import page
from .blueprint import bp
from .programs import get_program


def describe(field: str, value: Any) -> str:
    """A stored profile value as one line of text in the reader's language."""
    if value in (None, "", []):
        return "—"
    if field == "partner_type":
        return partner_type_label(value)
    if field == "industries":
        return listing(industry_label(v) for v in value)
    if field == "languages":
        return listing(language_label(v) for v in value)
    if field == "service_regions":
        return listing(country_name(v) for v in value)
    if field == "expertise":
        return listing(value)
    if field == "addresses":
        return " · ".join(
            ", ".join(
                p
                for p in (
                    a.get("label"),
                    a.get("street"),
                    f"{a.get('postcode') or ''} {a.get('city') or ''}".strip(),
                    a.get("region"),
                    country_name(a.get("country")),
                )
                if p
            )
            for a in value
        )
    return str(value)


def profile_context(partner: Partner) -> dict[str, Any]:
    """What the partner page shows of the profile (called by ``partners.partner_detail``)."""
    change = pending_change(partner.id)
    rows = []
    if change is not None:
        for name in PROFILE_FIELDS:
            if name in change.changes:
                rows.append(
                    {
                        "field": name,
                        "label": field_label(name),
                        "before": describe(name, change.previous.get(name)),
                        "after": describe(name, change.changes[name]),
                        "before_raw": change.previous.get(name),
                        "after_raw": change.changes[name],
                    }
                )
    return {
        "profile": build_profile(partner),
        "profile_public": profile_settings(partner.program_id).public_fields,
        "profile_change": change,
        "profile_change_rows": rows,
        "profile_decision": ProfileDecisionForm(),
    }


def _change_of(partner_id: int, change_id: int) -> tuple[Partner, PartnerProfileChange]:
    partner = db.session.get(Partner, partner_id)
    change = db.session.get(PartnerProfileChange, change_id)
    if partner is None or change is None or change.partner_id != partner.id:
        abort(404)
    return partner, change


@bp.route(
    "/partners/<id:partner_id>/profile-changes/<id:profile_change_id>/approve", methods=["POST"]
)
@vendor_staff
def profile_change_approve(partner_id: int, profile_change_id: int) -> Any:
    partner, change = _change_of(partner_id, profile_change_id)
    back = redirect(url_for("admin.partner_detail", partner_id=partner.id) + "#profile")
    if not ProfileDecisionForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return back
    try:
        approve_change(change)
    except ChangeNotPending:
        flash(_("This change was already decided or replaced; nothing was done."), "error")
        return back
    db.session.commit()
    flash(_("The profile changes of %(partner)s are published.", partner=partner.name), "success")
    return back


@bp.route(
    "/partners/<id:partner_id>/profile-changes/<id:profile_change_id>/reject", methods=["POST"]
)
@vendor_staff
def profile_change_reject(partner_id: int, profile_change_id: int) -> Any:
    partner, change = _change_of(partner_id, profile_change_id)
    back = redirect(url_for("admin.partner_detail", partner_id=partner.id) + "#profile")
    form = ProfileDecisionForm()
    reason = (form.reason.data or "").strip() if form.validate_on_submit() else ""
    if not reason:
        flash(_("Say why the changes are rejected: the partner's admins are told."), "error")
        return back
    if len(reason) > 1000:
        flash(_("Keep the reason to 1,000 characters."), "error")
        return back
    try:
        reject_change(change, reason)
    except ChangeNotPending:
        flash(_("This change was already decided or replaced; nothing was done."), "error")
        return back
    db.session.commit()
    flash(
        _(
            "The changes were rejected; the admins of %(partner)s were told why.",
            partner=partner.name,
        ),
        "success",
    )
    return back


@bp.route("/programs/<id:program_id>/company-profiles", methods=["GET", "POST"])
@vendor_admin
def program_profile_settings(program_id: int) -> Any:
    program = get_program(program_id)
    current = profile_settings(program.id)
    form = ProfileSettingsForm(
        data={
            "public_fields": sorted(current.public_fields, key=PROFILE_FIELDS.index),
            "approval_required": current.approval_required,
        }
    )
    form.public_fields.choices = select_choices(
        (name, field_label(name)) for name in PROFILE_FIELDS
    )
    if form.validate_on_submit():
        chosen = [f for f in PROFILE_FIELDS if f in (form.public_fields.data or [])]
        row = db.session.scalars(
            select(ProgramProfileSettings).where(ProgramProfileSettings.program_id == program.id)
        ).first()
        if row is None:
            row = ProgramProfileSettings(program_id=program.id)
            db.session.add(row)
        row.public_fields = chosen
        row.approval_required = bool(form.approval_required.data)
        audit.record(
            "program.profile_settings_updated",
            "program",
            program.id,
            before={
                "public_fields": sorted(current.public_fields, key=PROFILE_FIELDS.index),
                "approval_required": current.approval_required,
            },
            after={"public_fields": chosen, "approval_required": row.approval_required},
        )
        db.session.commit()
        flash(_("Company profile settings saved."), "success")
        return redirect(url_for("admin.program_detail", program_id=program.id) + "#profiles")
    return page(
        "admin/program_profile_settings.html",
        program=program,
        form=form,
        status=422 if form.errors else 200,
    )


__all__ = ["describe", "profile_context"]
