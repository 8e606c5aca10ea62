"""Sign in, sign out, password reset, invitations, language choice."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import login_user, logout_user
from sqlalchemy import func, select

from .. import audit, mail
from ..db import db, utcnow
from ..i18n import gettext as _
from ..identity import sessions
from ..identity.passwords import hash_password, needs_rehash, verify_password
from ..identity.tokens import consume_token, make_token, peek_token
from ..jobs import enqueue_after_commit
from ..models import User
from .forms import AcceptInviteForm, ForgotForm, LoginForm, NewPasswordForm
from .ratelimit import SignInThrottle, forget_failures_for, limiter, remember_device
from .redirects import safe_next
from .rendering import page

bp = Blueprint("auth", __name__)

__all__ = ["bp", "safe_next", "send_reset_link"]


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _paused_message() -> str:
    return _(
        "Too many failed sign-ins. For your security, signing in is paused for up to "
        '15 minutes. Try again later, or choose a new password with "Forgot your password?".'
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in. Failures are limited per account, per address and per trusted browser
    (see :mod:`portalis.web.ratelimit`); a correct password costs nothing."""
    if g.user is not None:
        return redirect(safe_next(request.args.get("next"), url_for("portal.home")))
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalars(select(User).where(func.lower(User.email) == email)).first()
        throttle = SignInThrottle(email, user.password_hash if user else None)
        if throttle.blocked():
            return page("auth/login.html", form=form, error=_paused_message(), status=429)
        ok = verify_password(user.password_hash if user else None, form.password.data)
        if (
            ok
            and user is not None
            and user.active
            and (user.partner is None or user.partner.status == "active")
        ):
            if needs_rehash(user.password_hash or ""):
                user.password_hash = hash_password(form.password.data)
            sessions.start(user)
            login_user(user)
            user.last_login_at = utcnow()
            audit.record("user.login", "user", user.id, actor_label=user.email)
            db.session.commit()
            resp = redirect(safe_next(request.args.get("next"), url_for("portal.home")))
            remember_device(resp, throttle.succeeded())
            return resp
        throttle.failed()
        # one message whatever failed, so the form doesn't reveal which accounts exist
        error = _("The e-mail or password is incorrect.")
        status = 401
    elif request.method == "POST":
        error = _("Please fill in your e-mail and password.")
        status = 401
    return page("auth/login.html", form=form, error=error, status=status)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    user = g.get("user")
    if user is not None:
        audit.record("user.logout", "user", user.id)
        db.session.commit()
    sessions.end()
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot() -> Any:
    """Ask for a password link. The request itself never looks the address up: a job
    does, after the response (see :func:`send_reset_link`), so a known and an unknown
    address cost the same time and the same statements."""
    form = ForgotForm()
    if form.validate_on_submit():
        enqueue_after_commit(
            send_reset_link, email=form.email.data.strip().lower(), ip=request.remote_addr
        )
        # same answer whether or not the account exists
        return page(
            "auth/message.html",
            title=_("Check your e-mail"),
            text=_(
                "If an account exists for that address, we have sent a link to choose a new password. The link works once and expires."
            ),
        )
    return page("auth/forgot.html", form=form)


def send_reset_link(email: str, ip: str | None = None) -> None:
    """Job: mail a password link to ``email`` if it names an active account of the
    current tenant that has a password; otherwise do nothing (nobody is told)."""
    from .tenant_context import tenant_request_context

    user = db.session.scalars(select(User).where(func.lower(User.email) == email)).first()
    if user is None or not user.active or user.password_hash is None:
        return
    with tenant_request_context():
        link = url_for("auth.reset", token=make_token(user, "reset"), _external=True)
        mail.send(user.email, "password_reset", locale=user.locale, user=user, link=link)
    entry = audit.record("user.password_reset_requested", "user", user.id, actor_label=user.email)
    entry.ip = ip
    db.session.commit()


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> Any:
    if peek_token(token, "reset") is None:
        return page(
            "auth/message.html",
            status=400,
            title=_("This link no longer works"),
            text=_("Password links work once and expire. Ask for a new one from the sign-in page."),
        )
    form = NewPasswordForm()
    if form.validate_on_submit():
        user = consume_token(token, "reset")
        if user is None:
            abort(400)
        user.password_hash = hash_password(form.password.data)
        sessions.end_all(user)
        audit.record("user.password_reset", "user", user.id, actor_label=user.email)
        db.session.commit()
        forget_failures_for(user.email)  # the owner proved who they are: lift a pause
        flash(_("Your password was changed. Please sign in."), "success")
        return redirect(url_for("auth.login"))
    return page("auth/reset.html", form=form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str) -> Any:
    user = peek_token(token, "invite")
    if user is None or not user.invitation_pending:
        return page(
            "auth/message.html",
            status=400,
            title=_("This invitation no longer works"),
            text=_("Invitations work once and expire. Ask your administrator to invite you again."),
        )
    form = AcceptInviteForm(name=user.name)
    if form.validate_on_submit():
        user = consume_token(token, "invite")
        if user is None:
            abort(400)
        user.name = form.name.data.strip()
        user.password_hash = hash_password(form.password.data)
        sessions.start(user)
        login_user(user)
        audit.record("user.invitation_accepted", "user", user.id, actor_label=user.email)
        db.session.commit()
        return redirect(url_for("portal.home"))
    return page("auth/invite.html", form=form, invited=user)


@bp.route("/locale", methods=["POST"])
def set_locale() -> Any:
    code = request.form.get("locale", "")
    tenant = g.tenant
    allowed = list(tenant.allowed_locales)
    if current_app.config.get("PSEUDO_LOCALE_ENABLED"):
        from ..i18n import PSEUDO_LOCALE

        allowed.append(PSEUDO_LOCALE)
    if code in allowed:
        session["locale"] = code
        if g.user is not None:
            g.user.locale = code
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("portal.home")))
