"""Taking an application from the public form.

Everything happens in the request's one transaction: the application, its audit entry,
the ``partner.applied`` event and the applicant's e-mail commit together or not at all.
Attached files are checked (their type, from the bytes) before anything else looks at the
address, so a refused file gets the same answer whoever the address belongs to; they are
written only for an application that is recorded, and removed again if the transaction
rolls back or the application turns out to be a duplicate, so a refused, repeated or
failed submission leaves neither a record nor a file.

What an applicant is told never reveals whether an address already has an account or an
application (that would let anyone probe who is a partner): the page always thanks them,
and the *mail* to that address says what happened — received, already under review, or
"you already have an account, sign in". Only the browser that submitted the form gets the
plain "already received" page when it sends the same form twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit, events, mail
from ..db import db, utcnow
from ..identity.recipients import vendor_team
from ..models import Application, ApplicationField, Program, User
from ..models.applications import OPEN_STAGES
from ..transaction import on_rollback
from . import storage

#: Open applications one address (hashed) may have sent in a day before the form refuses
#: more: the rate limit stops bursts, this stops a slow trickle that outlives a restart.
DAILY_PER_ADDRESS = 20


class FileRefused(Exception):
    """An attached file isn't accepted (its content is not an allowed type): ``key`` is
    the question, ``message`` the translated reason. Nothing was saved."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


@dataclass(frozen=True)
class Outcome:
    """What a submission did: ``"received"``, ``"already_open"`` (an open application
    with this address exists), ``"has_account"`` (the address signs in already) — each
    mailed to the address — or ``"flood"`` (too many from this network today)."""

    result: str
    application: Application | None = None


def address_hash(address: str) -> str:
    """A keyed hash of the client's address: counts floods without storing addresses."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def too_many_from(ip_hash: str) -> bool:
    since = utcnow() - dt.timedelta(days=1)
    count = db.session.scalar(
        select(func.count(Application.id)).where(
            Application.ip_hash == ip_hash, Application.created_at >= since
        )
    )
    return (count or 0) >= DAILY_PER_ADDRESS


def submit(
    program: Program,
    *,
    company: str,
    country: str | None,
    website: str | None,
    contact_name: str,
    email: str,
    locale: str | None,
    answers: dict[str, dict[str, Any]],
    uploads: list[tuple[ApplicationField, Any]],
    ip_hash: str | None,
) -> Outcome:
    """Record an application (or tell the address owner why not, by e-mail)."""
    email = email.strip().lower()
    if ip_hash and too_many_from(ip_hash):
        return Outcome("flood")
    # every file is judged before the address is: the answer to a refused file must not
    # depend on whether the address has an account or an application
    for question, upload in uploads:
        try:
            storage.check(upload)
        except storage.Refused as exc:
            raise FileRefused(question.key, str(exc)) from exc
    if db.session.scalars(select(User.id).where(func.lower(User.email) == email)).first():
        _mail(email, "application_has_account", locale, program=program)
        return Outcome("has_account")
    existing = _open_application(email)
    if existing is not None:
        _mail(email, "application_already_open", locale, program=program, application=existing)
        return Outcome("already_open", existing)
    application = Application(
        program_id=program.id,
        stage="new",
        company_name=company.strip(),
        website=website or None,
        country=country or None,
        contact_name=contact_name.strip(),
        contact_email=email,
        locale=locale,
        answers=dict(answers),
        ip_hash=ip_hash,
    )
    files: dict[str, dict[str, Any]] = {}
    names: list[str] = []
    for question, upload in uploads:
        try:
            stored = storage.stored(upload)
        except storage.Refused as exc:
            raise FileRefused(question.key, str(exc)) from exc
        on_rollback(functools.partial(storage.remove, stored["name"]))
        names.append(stored["name"])
        files[question.key] = {"label": question.label, "kind": "file", "value": stored}
    application.answers = {**application.answers, **files}
    try:
        with db.session.begin_nested():
            db.session.add(application)
            db.session.flush()
    except IntegrityError:
        # the same address submitted at the same moment from elsewhere: that one counts
        existing = _open_application(email)
        if existing is None:
            raise
        # a success for the request, so the on-rollback cleanup never runs: the files
        # written for the application that wasn't kept go now
        for name in names:
            storage.remove(name)
        _mail(email, "application_already_open", locale, program=program, application=existing)
        return Outcome("already_open", existing)
    audit.record(
        "application.submitted",
        "application",
        application.id,
        after={
            "company": application.company_name,
            "program_id": program.id,
            "email": email,
            "answers": sorted(application.answers),
        },
        actor_label=email,
    )
    events.emit(
        "partner.applied",
        {"application_id": application.id, "program_id": program.id},
        program_id=program.id,
    )
    _mail(email, "application_received", locale, program=program, application=application)
    _tell_vendor(application, program)
    return Outcome("received", application)


def _tell_vendor(application: Application, program: Program) -> None:
    """The channel managers (or the vendor's admins) hear of every new application."""
    from ..web.tenant_context import tenant_request_context

    with tenant_request_context():
        link = url_for("admin.application_detail", application_id=application.id, _external=True)
    mail.send_to_users(
        vendor_team(), "application_new", application=application, program=program, link=link
    )


def _open_application(email: str) -> Application | None:
    return db.session.scalars(
        select(Application).where(
            Application.contact_email == email, Application.stage.in_(OPEN_STAGES)
        )
    ).first()


def _mail(email: str, template: str, locale: str | None, **context: Any) -> None:
    mail.send(
        email,
        template,
        locale=locale,
        login=url_for("auth.login", _external=True),
        **context,
    )
