"""The partner's side of the core: dashboard, my tier, profile (the team is web/team.py)."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, request, url_for
from sqlalchemy import select

from .. import audit
from ..db import db
from ..i18n import gettext as _
from ..models import Program, TierChange, User
from ..portal import flatten
from ..tiers.status import tier_status
from .access import login_required, partner_member
from .fields import select_choices
from .forms import ProfileForm
from .portal_blueprint import bp
from .rendering import page


@bp.route("/")
def home() -> Any:
    if g.user is None:
        return redirect(url_for("auth.login"))
    if g.user.is_vendor_staff:
        return redirect(url_for("admin.overview"))
    return redirect(url_for("portal.dashboard"))


@bp.route("/dashboard")
@partner_member
def dashboard() -> Any:
    widgets = flatten(g.portal.collect("portalis_dashboard_widgets", g.viewer))
    widgets.sort(key=lambda w: (not w.needs_action, w.order))
    return page("portal/dashboard.html", widgets=widgets, partner=g.user.partner)


@bp.route("/tier")
@partner_member
def my_tier() -> Any:
    partner = g.user.partner
    status = tier_status(partner)
    history = db.session.scalars(
        select(TierChange)
        .where(TierChange.partner_id == partner.id)
        .order_by(TierChange.created_at.desc())
        .limit(20)
    ).all()
    tier_names = {t.id: t for t in status["tiers"]}
    program = db.session.get(Program, partner.program_id)
    return page(
        "portal/tier.html",
        partner=partner,
        program=program,
        history=history,
        tier_names=tier_names,
        **status,
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> Any:
    user: User = g.user
    form = ProfileForm(obj=user)
    from ..i18n import locale_display_name

    form.locale.choices = select_choices(
        [
            ("", _("Automatic (from your browser)")),
            *((c, locale_display_name(c)) for c in g.tenant.allowed_locales),
        ]
    )
    if request.method == "GET":
        form.locale.data = user.locale or ""
        form.timezone.data = user.timezone or ""
    if form.validate_on_submit():
        before = {"name": user.name, "locale": user.locale, "timezone": user.timezone}
        user.name = form.name.data.strip()
        user.locale = form.locale.data or None
        user.timezone = form.timezone.data or None
        audit.record(
            "user.profile_updated",
            "user",
            user.id,
            before=before,
            after={"name": user.name, "locale": user.locale, "timezone": user.timezone},
        )
        db.session.commit()
        flash(_("Your profile was saved."), "success")
        return redirect(url_for("portal.profile"))
    return page("portal/profile.html", form=form)
