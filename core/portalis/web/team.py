"""The partner admin's team page: who is in, who is invited, who asks to join.

Routes live on the partner blueprint (``portal.team*``). Every member or request is looked
up within the viewer's own company; anything else answers 404 like an unknown page.
Two rules keep a company from locking itself out: nobody deactivates themself, and the
last active admin can't give up the admin role.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, url_for
from flask_login import login_user
from sqlalchemy import func, select
from wtforms import SelectField

from .. import audit
from ..db import db
from ..i18n import gettext as _
from ..identity import sessions
from ..identity.invitations import invite_user, resend_invitation
from ..identity.join_requests import (
    JOIN_ROLES,
    JoinRefused,
    account_exists,
    approve,
    decline,
    file_invite_request,
    invite_needs_vendor,
    pending_for,
)
from ..identity.sessions import end_sessions, set_role
from ..models import JoinRequest, Program, User
from ..roles import Role, role_choices
from .access import partner_admin
from .fields import select_choices
from .forms import InviteForm, PortalForm
from .join import ApproveForm, DeclineForm
from .portal_blueprint import bp
from .rendering import page


class RoleForm(PortalForm):
    role = SelectField(choices=[])


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.role.choices = select_choices(role_choices(Role.PARTNER_USER, Role.PARTNER_ADMIN))
    return form


def _member(user_id: int) -> User:
    member = db.session.get(User, user_id)
    if member is None or member.partner_id != g.user.partner_id:
        abort(404)
    return member


def _request(request_id: int) -> JoinRequest:
    req = db.session.get(JoinRequest, request_id)
    if req is None or req.partner_id != g.user.partner_id or not req.partner_decides:
        abort(404)
    return req


def _active_admins(partner_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count(User.id)).where(
                User.partner_id == partner_id,
                User.role == Role.PARTNER_ADMIN,
                User.active.is_(True),
                User.password_hash.is_not(None),
            )
        )
        or 0
    )


def _render(form: InviteForm | None = None, status: int = 200) -> Any:
    partner = g.user.partner
    members = db.session.scalars(
        select(User).where(User.partner_id == partner.id).order_by(User.name, User.id)
    ).all()
    requests = db.session.scalars(
        select(JoinRequest)
        .where(JoinRequest.partner_id == partner.id, JoinRequest.status == "pending")
        .order_by(JoinRequest.created_at, JoinRequest.id)
    ).all()
    program = db.session.get(Program, partner.program_id)
    counts = {
        "active": sum(1 for m in members if m.active and not m.invitation_pending),
        "invited": sum(1 for m in members if m.active and m.invitation_pending),
        "deactivated": sum(1 for m in members if not m.active),
    }
    return page(
        "portal/team.html",
        partner=partner,
        members=members,
        counts=counts,
        asking=[r for r in requests if r.partner_decides],
        waiting=[r for r in requests if not r.partner_decides],
        auto_same_domain=bool(program and program.auto_approve_same_domain),
        form=form or _invite_form(),
        approve_form=ApproveForm(),
        decline_form=DeclineForm(),
        last_admin=_active_admins(partner.id) <= 1,
        status=status,
    )


@bp.route("/team")
@partner_admin
def team() -> Any:
    return _render()


@bp.route("/team/invite", methods=["POST"])
@partner_admin
def team_invite() -> Any:
    form = _invite_form()
    if not form.validate_on_submit():
        return _render(form, status=422)
    partner = g.user.partner
    email = form.email.data.strip().lower()
    if account_exists(email):
        form.email.errors = [_("Someone with this e-mail already has an account.")]
        return _render(form, status=422)
    if pending_for(email) is not None:
        form.email.errors = [_("A request for this address is already waiting for a decision.")]
        return _render(form, status=422)
    if invite_needs_vendor(partner, email):
        file_invite_request(partner, email, form.name.data, form.role.data, g.user)
        flash(
            _(
                "%(email)s needs the program team's approval first: we'll send the invitation "
                "as soon as they approve. You can follow it under Waiting for approval.",
                email=email,
            ),
            "info",
        )
        return redirect(url_for("portal.team", _anchor="requests"))
    invite_user(email, form.name.data, form.role.data, partner.id)
    flash(_("Invitation sent to %(email)s.", email=email), "success")
    return redirect(url_for("portal.team"))


@bp.route("/team/<id:user_id>/resend", methods=["POST"])
@partner_admin
def team_resend(user_id: int) -> Any:
    member = _member(user_id)
    if not member.active or not member.invitation_pending:
        flash(_("%(name)s has already joined.", name=member.name), "error")
        return redirect(url_for("portal.team"))
    resend_invitation(member)
    flash(
        _("A new invitation was sent to %(email)s; the earlier link no longer works.",
          email=member.email),
        "success",
    )  # fmt: skip
    return redirect(url_for("portal.team"))


@bp.route("/team/<id:user_id>/role", methods=["POST"])
@partner_admin
def team_role(user_id: int) -> Any:
    member = _member(user_id)
    form = RoleForm()
    form.role.choices = select_choices(role_choices(*JOIN_ROLES))
    if not form.validate_on_submit():
        flash(_("Choose a role."), "error")
        return redirect(url_for("portal.team"))
    new = form.role.data
    if new == member.role:
        return redirect(url_for("portal.team"))
    if (
        member.role == Role.PARTNER_ADMIN
        and member.active
        and not member.invitation_pending
        and _active_admins(member.partner_id or 0) <= 1
    ):
        flash(
            _("%(name)s is the only active admin. Make someone else an admin first.",
              name=member.name),
            "error",
        )  # fmt: skip
        return redirect(url_for("portal.team"))
    # set_role audits the change and, unless it is a promotion, signs them out everywhere
    signed_out = set_role(member, Role(new))
    if member.id == g.user.id and signed_out:
        # stepping down yourself: this browser goes on with a new token (as after a
        # password change), every other one of yours is signed out
        sessions.start(member)
        login_user(member)
        flash(_("You are now a partner user. Your other sessions were signed out."), "success")
        return redirect(url_for("portal.home"))  # the team page is no longer yours
    elif signed_out:
        flash(
            _("%(name)s is now a partner user and was signed out everywhere.", name=member.name),
            "success",
        )
    else:
        flash(_("%(name)s's role was changed.", name=member.name), "success")
    return redirect(url_for("portal.team"))


@bp.route("/team/<id:user_id>/deactivate", methods=["POST"])
@partner_admin
def team_deactivate(user_id: int) -> Any:
    member = _member(user_id)
    if member.id == g.user.id:
        flash(_("You can't deactivate yourself."), "error")
        return redirect(url_for("portal.team"))
    if not member.active:
        return redirect(url_for("portal.team"))
    member.active = False
    end_sessions([member.id], reason="deactivated")
    audit.record(
        "user.deactivated", "user", member.id, before={"active": True}, after={"active": False}
    )
    flash(_("%(name)s can no longer sign in.", name=member.name), "success")
    return redirect(url_for("portal.team"))


@bp.route("/team/<id:user_id>/reactivate", methods=["POST"])
@partner_admin
def team_reactivate(user_id: int) -> Any:
    member = _member(user_id)
    if member.active:
        return redirect(url_for("portal.team"))
    member.active = True
    audit.record(
        "user.reactivated", "user", member.id, before={"active": False}, after={"active": True}
    )
    if member.invitation_pending:
        msg = _(
            "%(name)s is active again. Resend the invitation so they can join.", name=member.name
        )
    else:
        msg = _("%(name)s can sign in again.", name=member.name)
    flash(msg, "success")
    return redirect(url_for("portal.team"))


@bp.route("/team/requests/<id:request_id>/approve", methods=["POST"])
@partner_admin
def team_request_approve(request_id: int) -> Any:
    req = _request(request_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        flash(_("Choose a role."), "error")
        return redirect(url_for("portal.team", _anchor="requests"))
    try:
        approve(req, g.user, partner=g.user.partner, role=form.role.data)
    except JoinRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("portal.team", _anchor="requests"))
    flash(
        _(
            "%(name)s is invited: we sent the invitation to %(email)s.",
            name=req.name,
            email=req.email,
        ),
        "success",
    )
    return redirect(url_for("portal.team"))


@bp.route("/team/requests/<id:request_id>/decline", methods=["POST"])
@partner_admin
def team_request_decline(request_id: int) -> Any:
    req = _request(request_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        flash(_("The reason is too long."), "error")
        return redirect(url_for("portal.team", _anchor="requests"))
    try:
        decline(req, g.user, reason=form.reason.data or "", notify=bool(form.notify.data))
    except JoinRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("portal.team", _anchor="requests"))
    flash(_("The request of %(name)s was declined.", name=req.name), "success")
    return redirect(url_for("portal.team"))
