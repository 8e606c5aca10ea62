"""Who hears about what, by e-mail, in their own language.

Mail is queued in the caller's transaction (``api.send_mail`` writes the outbox), so a
rolled-back decision sends nothing. Templates live in ``templates/deals/mail/deal_*.txt``
and ``.html``; being under ``deals/`` they translate with this plugin's message domain.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from flask import url_for
from sqlalchemy import select

from portalis import api

if TYPE_CHECKING:
    from .models import Deal, DealExtensionRequest

VENDOR_ROLES = (api.Role.VENDOR_ADMIN, api.Role.CHANNEL_MANAGER)


def reviewers() -> list[Any]:
    """Channel managers (vendor admins when the vendor has none) who can sign in."""
    users = api.session.scalars(
        select(api.User)
        .where(
            api.User.role.in_(VENDOR_ROLES),
            api.User.active.is_(True),
            api.User.password_hash.is_not(None),
        )
        .order_by(api.User.id)
    ).all()
    managers = [u for u in users if u.role == api.Role.CHANNEL_MANAGER]
    return managers or [u for u in users if u.role == api.Role.VENDOR_ADMIN]


def partner_recipients(deal: Deal) -> list[Any]:
    """The deal's owner and the partner user who entered it; the partner's admins when
    neither is a partner user (registered on the partner's behalf)."""
    ids = {i for i in (deal.owner_id, deal.created_by_id) if i is not None}
    users = api.session.scalars(
        select(api.User).where(
            api.User.partner_id == deal.partner_id,
            api.User.active.is_(True),
            api.User.id.in_(ids) | (api.User.role == api.Role.PARTNER_ADMIN),
        )
    ).all()
    direct = [u for u in users if u.id in ids]
    return direct or [u for u in users if u.role == api.Role.PARTNER_ADMIN]


def _partner(deal: Deal) -> Any:
    return api.session.get(api.Partner, deal.partner_id)


def partner_link(deal: Deal) -> str:
    with api.tenant_request_context():
        return url_for("deals.detail", registration_id=deal.id, _external=True)


def vendor_link(deal: Deal) -> str:
    with api.tenant_request_context():
        return url_for("deals.review_detail", registration_id=deal.id, _external=True)


def submitted(deal: Deal, *, resubmitted: bool, conflict_count: int) -> None:
    partner = _partner(deal)
    api.mail_users(
        reviewers(),
        "deals/mail/deal_submitted",
        deal=deal,
        partner=partner,
        resubmitted=resubmitted,
        conflict_count=conflict_count,
        link=vendor_link(deal),
    )
    if deal.registered_on_behalf_by is not None and not resubmitted:
        api.mail_users(
            partner_recipients(deal),
            "deals/mail/deal_registered_for_you",
            deal=deal,
            partner=partner,
            link=partner_link(deal),
        )


def decided(deal: Deal, outcome: str, reason: str) -> None:
    """``outcome``: approved, rejected or returned."""
    api.mail_users(
        partner_recipients(deal),
        f"deals/mail/deal_{outcome}",
        deal=deal,
        partner=_partner(deal),
        reason=reason,
        link=partner_link(deal),
    )


def expiring(deal: Deal, days_left: int) -> None:
    api.mail_users(
        partner_recipients(deal),
        "deals/mail/deal_expiring",
        deal=deal,
        days_left=days_left,
        link=partner_link(deal),
    )


def expired(deal: Deal) -> None:
    api.mail_users(
        partner_recipients(deal), "deals/mail/deal_expired", deal=deal, link=partner_link(deal)
    )


def extension_requested(deal: Deal, req: DealExtensionRequest) -> None:
    api.mail_users(
        reviewers(),
        "deals/mail/deal_extension_requested",
        deal=deal,
        req=req,
        partner=_partner(deal),
        link=vendor_link(deal),
    )


def extension_decided(deal: Deal, req: DealExtensionRequest) -> None:
    api.mail_users(
        partner_recipients(deal),
        "deals/mail/deal_extension_decided",
        deal=deal,
        req=req,
        link=partner_link(deal),
    )


def sla_breached(deals: list[tuple[Deal, str]], now: dt.datetime) -> None:
    """One digest per reviewer: ``deals`` are (deal, partner name) pairs."""
    if not deals:
        return
    with api.tenant_request_context():
        queue = url_for("deals.review_queue", sla="breached", _external=True)
        rows = [
            (d, name, url_for("deals.review_detail", registration_id=d.id, _external=True))
            for d, name in deals
        ]
    api.mail_users(reviewers(), "deals/mail/deal_sla_breach", rows=rows, queue_link=queue, now=now)
