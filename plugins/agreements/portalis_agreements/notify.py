"""Who hears about what, by e-mail, in their own language.

* An agreement is offered → the partner's admins (the people who usually sign).
* A partner signed → the vendor: those who counter-sign when it needs a counter-signature
  (vendor admins), otherwise the channel managers (vendor admins when there are none).
* The vendor counter-signed → the person who signed and the partner's admins.

Mail is queued in the caller's transaction (``api.send_mail`` writes the outbox), so a
rolled-back signature sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import url_for
from sqlalchemy import select

from portalis import api

VENDOR_ROLES = (api.Role.VENDOR_ADMIN, api.Role.CHANNEL_MANAGER)


def partner_admins(partner_id: int, also: Iterable[int] = ()) -> list[Any]:
    ids = [i for i in also if i is not None]
    cond = api.User.role == api.Role.PARTNER_ADMIN
    if ids:
        cond = cond | api.User.id.in_(ids)
    return list(
        api.session.scalars(
            select(api.User)
            .where(api.User.partner_id == partner_id, api.User.active.is_(True), cond)
            .order_by(api.User.id)
        )
    )


def vendor_recipients(countersign: bool) -> list[Any]:
    """Who is told of a signature: the vendor's admins when it waits for their
    counter-signature, else the vendor's team (channel managers, or admins without any)."""
    return api.vendor_team(admins_only=countersign)


def _link(endpoint: str, **values: Any) -> str:
    with api.tenant_request_context():
        return url_for(endpoint, _external=True, **values)


def assigned(agreement: Any, template: Any, partner: Any) -> int:
    """Tell the partner's admins an agreement waits for them — those who have joined: an
    admin still holding an invitation can't open the link yet, and the portal takes them
    to the agreement when they first sign in (the same moment as the approval mail)."""
    return api.mail_users(
        [u for u in partner_admins(partner.id) if not u.invitation_pending],
        "agreements/mail/assigned",
        tmpl=template,
        partner=partner,
        link=_link("agreements.show", agreement_id=agreement.id),
    )


def signed(agreement: Any, template: Any) -> int:
    partner = api.session.get(api.Partner, agreement.partner_id)
    return api.mail_users(
        vendor_recipients(agreement.requires_countersignature),
        "agreements/mail/signed",
        tmpl=template,
        partner=partner,
        agreement=agreement,
        link=_link("agreements.vendor_agreement", agreement_id=agreement.id),
    )


def countersigned(agreement: Any, template: Any) -> int:
    return api.mail_users(
        partner_admins(agreement.partner_id, also=[agreement.signer_id]),
        "agreements/mail/countersigned",
        tmpl=template,
        link=_link("agreements.show", agreement_id=agreement.id),
    )
