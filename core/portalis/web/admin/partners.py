"""Partner companies: list, create, detail, applications, tier changes, invitations."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from sqlalchemy import func, select

from ... import audit
from ...companies.enrolment import create_partner
from ...db import db
from ...i18n import gettext as _
from ...identity.invitations import invite_user
from ...identity.sessions import end_sessions
from ...models import Application, Partner, Program, Tier, TierChange, User
from ...roles import Role, role_choices
from ...tiers.evaluation import apply_change
from ...tiers.status import tier_status
from ..access import vendor_staff
from ..converters import MAX_PAGE, choice_arg, id_arg, int_arg, text_arg
from ..fields import select_choices
from ..forms import InviteForm, PartnerForm, TierOverrideForm
from ..rendering import page
from ..templating import isolate
from .blueprint import bp
from .company_profiles import profile_context

PER_PAGE = 25


@bp.route("/partners")
@vendor_staff
def partners() -> Any:
    q = text_arg("q", 100)
    tier_id = id_arg("tier")
    status = choice_arg("status", ("active", "applied", "suspended"))
    page_no = int_arg("page", 1, min=1, max=MAX_PAGE) or 1
    stmt = select(Partner, Tier).outerjoin(Tier, Tier.id == Partner.tier_id)
    count = select(func.count(Partner.id))
    filters: list[Any] = []
    if q:
        filters.append(Partner.name.ilike(f"%{q.replace('%', '').replace('_', '')}%"))
    if tier_id:
        filters.append(Partner.tier_id == tier_id)
    if status in ("active", "applied", "suspended"):
        filters.append(Partner.status == status)
    for f in filters:
        stmt = stmt.where(f)
        count = count.where(f)
    total = db.session.scalar(count) or 0
    rows = db.session.execute(
        stmt.order_by(Partner.name, Partner.id).limit(PER_PAGE).offset((page_no - 1) * PER_PAGE)
    ).all()
    tiers = db.session.execute(
        select(Tier, Program.name)
        .join(Program, Program.id == Tier.program_id)
        .order_by(Program.name, Tier.rank)
    ).all()
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    summary_labels, summaries = g.portal.partner_summaries(g.viewer, [p.id for p, _t in rows])
    return page(
        "admin/partners.html",
        summary_labels=summary_labels,
        summaries=summaries,
        partial="results",
        rows=rows,
        total=total,
        page_no=page_no,
        pages=pages,
        q=q,
        tier_id=tier_id,
        status_filter=status,
        tiers=tiers,
    )


def _partner_form(partner: Partner | None = None) -> PartnerForm:
    form = PartnerForm(obj=partner)
    programs = db.session.scalars(select(Program).order_by(Program.name)).all()
    form.program_id.choices = select_choices((p.id, isolate(p.name)) for p in programs)
    tiers = db.session.execute(
        select(Tier, Program.name)
        .join(Program, Program.id == Tier.program_id)
        .order_by(Program.name, Tier.rank)
    ).all()
    form.tier_id.choices = select_choices(
        (t.id, f"{isolate(pname)} · {isolate(t.name)}") for t, pname in tiers
    )
    return form


@bp.route("/partners/new", methods=["GET", "POST"])
@vendor_staff
def partner_new() -> Any:
    form = _partner_form()
    if form.validate_on_submit():
        tier = db.session.get(Tier, form.tier_id.data)
        if tier is None or tier.program_id != form.program_id.data:
            form.tier_id.errors.append(_("Choose a tier of the selected program."))
        else:
            partner = create_partner(
                form.name.data,
                form.program_id.data,
                tier.id,
                country=form.country.data,
                website=form.website.data,
                contact_email=form.contact_email.data,
            )
            db.session.commit()
            flash(
                _("%(name)s was added. Invite its first user below.", name=partner.name), "success"
            )
            return redirect(url_for("admin.partner_detail", partner_id=partner.id))
    return page("admin/partner_form.html", form=form, status=422 if form.errors else 200)


def get_partner(partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        abort(404)
    return partner


@bp.route("/partners/<id:partner_id>")
@vendor_staff
def partner_detail(partner_id: int) -> Any:
    partner = get_partner(partner_id)
    users = db.session.scalars(
        select(User).where(User.partner_id == partner.id).order_by(User.name)
    ).all()
    history = db.session.scalars(
        select(TierChange)
        .where(TierChange.partner_id == partner.id)
        .order_by(TierChange.id.desc())
        .limit(20)
    ).all()
    status = tier_status(partner)
    override = TierOverrideForm(tier_id=partner.tier_id, locked=partner.tier_locked)
    override.tier_id.choices = select_choices((t.id, isolate(t.name)) for t in status["tiers"])
    invite = InviteForm()
    invite.role.choices = select_choices(role_choices(Role.PARTNER_ADMIN, Role.PARTNER_USER))
    program = db.session.get(Program, partner.program_id)
    return page(
        "admin/partner_detail.html",
        partner=partner,
        summaries=list(g.portal.partner_summaries(g.viewer, [partner.id])[1].values()),
        program=program,
        users=users,
        history=history,
        override=override,
        invite=invite,
        tier_names={t.id: t for t in status["tiers"]},
        **profile_context(partner),
        **status,
    )


@bp.route("/partners/<id:partner_id>/tier", methods=["POST"])
@vendor_staff
def partner_tier(partner_id: int) -> Any:
    partner = get_partner(partner_id)
    form = TierOverrideForm()
    tiers = db.session.scalars(select(Tier).where(Tier.program_id == partner.program_id)).all()
    form.tier_id.choices = select_choices((t.id, isolate(t.name)) for t in tiers)
    if not form.validate_on_submit():
        flash(_("Give a reason for the change."), "error")
        return redirect(url_for("admin.partner_detail", partner_id=partner.id))
    target = next(t for t in tiers if t.id == form.tier_id.data)
    partner.tier_locked = bool(form.locked.data)
    partner.tier_lock_reason = form.reason.data.strip() if partner.tier_locked else None
    if target.id != partner.tier_id:
        apply_change(
            partner,
            target,
            source="manual",
            reason=form.reason.data.strip(),
            actor_user_id=g.user.id,
        )
    else:
        audit.record(
            "partner.tier_lock",
            "partner",
            partner.id,
            after={"locked": partner.tier_locked, "reason": form.reason.data.strip()},
        )
    db.session.commit()
    flash(_("Tier updated."), "success")
    return redirect(url_for("admin.partner_detail", partner_id=partner.id))


@bp.route("/partners/<id:partner_id>/status", methods=["POST"])
@vendor_staff
def partner_status(partner_id: int) -> Any:
    partner = get_partner(partner_id)
    new = request.form.get("status")
    if new not in ("active", "suspended"):
        abort(400)
    if partner.status == "applied":
        # a company that applied before applications existed: decided on its application
        return redirect(_application_url(partner))
    before = partner.status
    partner.status = new
    if new == "suspended" and before != "suspended":
        # its people are signed out now; reactivating the company does not sign them back in
        end_sessions(
            db.session.scalars(select(User.id).where(User.partner_id == partner.id)),
            reason="partner_suspended",
        )
    audit.record(
        "partner.status_changed",
        "partner",
        partner.id,
        before={"status": before},
        after={"status": new},
    )
    db.session.commit()
    flash(_("Status changed."), "success")
    return redirect(url_for("admin.partner_detail", partner_id=partner.id))


def _application_url(partner: Partner) -> str:
    """Where a partner of status "applied" is decided: its (migrated) application."""
    found = db.session.scalars(
        select(Application.id).where(Application.partner_id == partner.id)
    ).first()
    if found is None:
        return url_for("admin.applications", q=partner.name[:100], stage="all")
    return url_for("admin.application_detail", application_id=found)


@bp.route("/partners/<id:partner_id>/invite", methods=["POST"])
@vendor_staff
def partner_invite(partner_id: int) -> Any:
    partner = get_partner(partner_id)
    form = InviteForm()
    form.role.choices = select_choices(role_choices(Role.PARTNER_ADMIN, Role.PARTNER_USER))
    if form.validate_on_submit():
        if invite_user(form.email.data, form.name.data, form.role.data, partner.id) is None:
            flash(_("Someone with this e-mail already has an account."), "error")
        else:
            db.session.commit()
            flash(
                _("Invitation sent to %(email)s.", email=form.email.data.strip().lower()), "success"
            )
    else:
        flash(_("Enter a name and a valid e-mail address."), "error")
    return redirect(url_for("admin.partner_detail", partner_id=partner.id))
