"""Outgoing mail: rendered in the recipient's language and the tenant's brand, stored in
the outbox in the caller's transaction, and delivered by a job after commit."""

from __future__ import annotations

import email.message
import logging
import smtplib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import current_app, g
from sqlalchemy import select

from .db import db, utcnow
from .i18n import force_locale
from .jobs import enqueue
from .models import OutboxMessage, Tenant
from .tenancy import current_tenant_id
from .transaction import on_commit
from .web.tenant_context import tenant_request_context

log = logging.getLogger("portalis.mail")
_KEY = "portalis_mail_pending"


def send(
    to: str,
    template: str,
    *,
    locale: str | None,
    subject: str | None = None,
    **context: Any,
) -> OutboxMessage:
    """Queue a mail rendered from ``mail/<template>.txt`` (and ``.html`` if present).

    The subject is the template's ``subject`` block. Rendering happens now, under
    ``force_locale(locale)``, so the recipient's language is used, not the sender's.
    """
    from flask import has_request_context

    if not has_request_context():
        # jobs and commands: render on the tenant's host, like a request would
        with tenant_request_context():
            return send(to, template, locale=locale, subject=subject, **context)
    tenant = _tenant()
    loc = locale or (tenant.default_locale if tenant else "en")
    ctx = {"tenant": tenant, **context}
    # "deals/mail/x" names a plugin's template (its own message domain); "x" the core's
    path = template if "/" in template else f"mail/{template}"
    with force_locale(loc):
        from .web.rendering import render

        text = render(f"{path}.txt", **ctx)
        html = render(f"{path}.html", **ctx)
    subj, _, body = text.partition("\n")
    message = OutboxMessage(
        to=to,
        subject=(subject or subj.removeprefix("Subject:").strip())[:300],
        body_text=body.strip() + "\n",
        body_html=html,
        locale=loc,
    )
    db.session.add(message)
    tenant_id = current_tenant_id()
    on_commit(
        lambda: enqueue("portalis.mail:deliver_pending", tenant_id=tenant_id),
        key=(_KEY, tenant_id),
    )
    return message


def send_to_users(users: Iterable[Any], template: str, **context: Any) -> int:
    """Queue ``template`` for each of ``users``, each in their own language (``user.locale``)
    and with ``user`` in the template's context, so "Dear Jo" and the wording fit the reader.

    A person without an address, or whose address came earlier in ``users``, is skipped:
    a recipient list built from overlapping groups (the deal's owner and the partner's
    admins) never sends one person the same mail twice. Returns how many were queued.
    The core and every plugin notify groups of people this one way.
    """
    seen: set[str] = set()
    for user in users:
        address = getattr(user, "email", None)
        if not address or address in seen:
            continue
        seen.add(address)
        send(address, template, locale=getattr(user, "locale", None), user=user, **context)
    return len(seen)


def _tenant() -> Tenant | None:
    tenant = getattr(g, "tenant", None)
    if tenant is not None:
        return tenant
    tid = current_tenant_id()
    return db.session.get(Tenant, tid) if tid is not None else None


def deliver_pending() -> int:
    """Job body: send every pending message of the current tenant."""
    sender = current_app.extensions["portalis_mail_sender"]
    sent = 0
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == "pending").order_by(OutboxMessage.id)
    ).all()
    for msg in rows:
        msg.attempts += 1
        try:
            sender.send(msg)
        except Exception as exc:  # one bad address must not block the rest
            msg.error = str(exc)[:2000]
            if msg.attempts >= 5:
                msg.status = "failed"
            log.warning("mail %s to %s failed: %s", msg.id, msg.to, exc)
            continue
        msg.status = "sent"
        msg.sent_at = utcnow()
        sent += 1
    db.session.commit()
    return sent


def to_email_message(msg: OutboxMessage, sender: str) -> email.message.EmailMessage:
    em = email.message.EmailMessage()
    em["From"] = sender
    em["To"] = msg.to
    em["Subject"] = msg.subject
    em.set_content(msg.body_text)
    if msg.body_html:
        em.add_alternative(msg.body_html, subtype="html")
    em["Content-Language"] = msg.locale  # after the parts: multipart moves Content-* headers
    return em


class FileSender:
    """Development: each message is an .eml file under ``instance/mail``."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    def send(self, msg: OutboxMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S}-{msg.tenant_id}-{msg.id}.eml"
        (self.folder / name).write_bytes(bytes(to_email_message(msg, self.sender)))


class ConsoleSender:
    def __init__(self, sender: str) -> None:
        self.sender = sender

    def send(self, msg: OutboxMessage) -> None:
        log.info("mail to %s: %s\n%s", msg.to, msg.subject, msg.body_text)


class MemorySender:
    """Tests: ``app.extensions['portalis_mail_sender'].sent`` holds the delivered mails."""

    def __init__(self) -> None:
        self.sent: list[email.message.EmailMessage] = []

    def send(self, msg: OutboxMessage) -> None:
        self.sent.append(to_email_message(msg, "portal@test"))


class SMTPSender:
    def __init__(self, host: str, port: int, sender: str) -> None:
        self.host, self.port, self.sender = host, port, sender

    def send(self, msg: OutboxMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            smtp.send_message(to_email_message(msg, self.sender))


def make_sender(config: dict[str, Any], instance: Path) -> Any:
    backend = config["MAIL_BACKEND"]
    if backend == "file":
        return FileSender(instance / "mail", config["MAIL_FROM"])
    if backend == "console":
        return ConsoleSender(config["MAIL_FROM"])
    if backend == "memory":
        return MemorySender()
    if backend == "smtp":
        return SMTPSender(config["SMTP_HOST"], int(config["SMTP_PORT"]), config["MAIL_FROM"])
    raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")
