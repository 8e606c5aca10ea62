"""Who hears about their certificates, by e-mail, in their own language.

* The holder, when a certificate is issued (or renewed), before it expires (at the path's
  reminder offsets, e.g. 60/30/7 days) and when it has expired.

Mail goes through the outbox in the caller's transaction: a rolled-back change sends
nothing. Templates: ``templates/lms/mail/*.txt`` (first line ``Subject: …``) and ``.html``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import url_for

from portalis import api

if TYPE_CHECKING:
    from .models import Certificate, Path


def _links(cert: Certificate) -> dict[str, str]:
    with api.tenant_request_context():
        return {
            "path_link": url_for("lms.path", path_id=cert.path_id, _external=True),
            "certificates_link": url_for("lms.my_certificates", _external=True),
            "verify_link": url_for("lms.verify", code=cert.code, _external=True),
        }


def _holder(cert: Certificate, user: api.User | None = None) -> list[api.User]:
    user = user if user is not None else api.session.get(api.User, cert.user_id)
    if user is None or not user.active:
        return []
    return [user]


def certificate_issued(cert: Certificate, path: Path, user: api.User | None = None) -> int:
    return api.mail_users(
        _holder(cert, user), "lms/mail/certificate_issued", cert=cert, path=path, **_links(cert)
    )


def expiry_reminder(cert: Certificate, path: Path, days: int) -> int:
    return api.mail_users(
        _holder(cert),
        "lms/mail/certificate_expiring",
        cert=cert,
        path=path,
        days=days,
        **_links(cert),
    )


def certificate_expired(cert: Certificate, path: Path) -> int:
    return api.mail_users(
        _holder(cert), "lms/mail/certificate_expired", cert=cert, path=path, **_links(cert)
    )
