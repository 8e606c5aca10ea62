"""The signed-in person's own account, whatever their role: changing the password.

A wrong current password changes nothing and answers the form again with the error on
that field; only such guesses count toward the limit (per person, not per address), so
typos in the new password never lock anyone out. A successful change gives this browser a
new session token, voids every outstanding reset link, and — unless the person unticked
"Sign out my other sessions" — signs out every other browser (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, url_for
from flask_login import login_user

from .. import audit
from ..db import db
from ..i18n import gettext as _
from ..identity import sessions
from ..identity.passwords import hash_password, verify_password
from ..models import User
from .access import login_required
from .forms import ChangePasswordForm
from .ratelimit import limiter
from .rendering import page

bp = Blueprint("account", __name__, url_prefix="/account")

#: Wrong current passwords one person may enter before the form answers 429 for a while.
DEFAULT_LIMIT = "5 per 15 minutes"


def _limit() -> str:
    return str(current_app.config.get("PASSWORD_CHANGE_RATE_LIMIT", DEFAULT_LIMIT))


def _person_key() -> str:
    # the person, not the address: a stolen session can't guess from many addresses, and
    # colleagues behind one NAT address don't share a budget
    user = g.get("user")
    tenant = g.get("tenant")
    return f"password-change|{tenant.slug if tenant else ''}|{user.id if user else ''}"


def _guessed_wrong(_response: Any) -> bool:
    return bool(g.get("wrong_current_password"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_limit, methods=["POST"], key_func=_person_key, deduct_when=_guessed_wrong)
def password() -> Any:
    user: User = g.user
    form = ChangePasswordForm(email=user.email)
    if form.is_submitted():
        valid = form.validate()
        if form.current.data and not form.current.errors:
            if not verify_password(user.password_hash, form.current.data):
                g.wrong_current_password = True
                form.current.errors = [_("This is not your current password.")]
                valid = False
            elif valid and verify_password(user.password_hash, form.password.data or ""):
                form.password.errors = [_("Choose a password different from the current one.")]
                valid = False
        if valid:
            _change(user, form.password.data, sign_out_others=bool(form.sign_out_others.data))
            return redirect(url_for("portal.profile"))
    return page("account/password.html", form=form, status=422 if form.errors else 200)


def _change(user: User, new_password: str, *, sign_out_others: bool) -> None:
    """Set the password, in one transaction with the sign-outs and the audit entry."""
    user.password_hash = hash_password(new_password)
    user.rotate_nonce()  # reset links sent before the change stop working
    old_token = sessions.current_token()
    sessions.start(user)  # a new token for this browser, as after signing in
    login_user(user)
    sessions.forget(old_token)
    ended = 0
    if sign_out_others:
        ended = sessions.end_sessions(
            [user.id], reason="password_changed", except_token=sessions.current_token()
        )
    audit.record(
        "user.password_changed",
        "user",
        user.id,
        after={"other_sessions_ended": sign_out_others, "sessions": ended},
    )
    db.session.commit()
    if sign_out_others:
        flash(_("Your password was changed. You are signed out everywhere else."), "success")
    else:
        flash(_("Your password was changed."), "success")
