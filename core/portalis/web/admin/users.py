"""Vendor staff accounts (vendor admins and channel managers)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, url_for
from sqlalchemy import select

from ... import audit
from ...db import db
from ...i18n import gettext as _
from ...identity.invitations import invite_user
from ...identity.sessions import end_sessions
from ...models import User
from ...roles import Role, role_choices
from ..access import vendor_admin
from ..fields import select_choices
from ..forms import InviteForm
from ..rendering import page
from .blueprint import bp


def _form() -> InviteForm:
    form = InviteForm()
    form.role.choices = select_choices(role_choices(Role.CHANNEL_MANAGER, Role.VENDOR_ADMIN))
    return form


@bp.route("/users", methods=["GET", "POST"])
@vendor_admin
def users() -> Any:
    form = _form()
    if form.validate_on_submit():
        if invite_user(form.email.data, form.name.data, form.role.data, None) is None:
            form.email.errors.append(_("Someone with this e-mail already has an account."))
        else:
            db.session.commit()
            flash(
                _("Invitation sent to %(email)s.", email=form.email.data.strip().lower()), "success"
            )
            return redirect(url_for("admin.users"))
    staff = db.session.scalars(
        select(User).where(User.partner_id.is_(None)).order_by(User.name)
    ).all()
    return page("admin/users.html", staff=staff, form=form, status=422 if form.errors else 200)


@bp.route("/users/<id:user_id>/active", methods=["POST"])
@vendor_admin
def user_toggle(user_id: int) -> Any:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if user.id == g.user.id:
        flash(_("You can't deactivate yourself."), "error")
        return redirect(url_for("admin.users"))
    user.active = not user.active
    if not user.active:
        end_sessions([user.id], reason="deactivated")
    audit.record(
        "user.active_changed",
        "user",
        user.id,
        before={"active": not user.active},
        after={"active": user.active},
    )
    db.session.commit()
    back = "admin.users" if user.partner_id is None else "admin.partner_detail"
    return redirect(url_for(back, partner_id=user.partner_id) if user.partner_id else url_for(back))
