"""Who hears about what, by e-mail, in their own language.

* A partner's admins, when the vendor's staff tick one of the partner's tasks (so they
  know it is done and by whom) and, once per task, when tasks are overdue.
* The checklist's owner on the vendor side (channel managers when it has none), when a
  partner completes onboarding.

Mail goes through the outbox in the caller's transaction: a rolled-back change sends
nothing. Templates: ``templates/onboarding/mail/*.txt`` and ``.html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flask import url_for
from sqlalchemy import select

from portalis import api

if TYPE_CHECKING:
    from .models import Task

VENDOR_ROLES = (api.Role.VENDOR_ADMIN, api.Role.CHANNEL_MANAGER)


def partner_admins(partner_id: int) -> list[Any]:
    return list(
        api.session.scalars(
            select(api.User)
            .where(
                api.User.partner_id == partner_id,
                api.User.role == api.Role.PARTNER_ADMIN,
                api.User.active.is_(True),
            )
            .order_by(api.User.id)
        )
    )


def vendor_recipients(owner_id: int | None) -> list[Any]:
    """The checklist's owner if still active; else the vendor's team (channel managers, or
    vendor admins when there are none)."""
    owner = api.session.get(api.User, owner_id) if owner_id is not None else None
    if owner is not None and owner.active and owner.role in VENDOR_ROLES:
        return [owner]
    return api.vendor_team()


def _partner_link() -> str:
    with api.tenant_request_context():
        return url_for("onboarding.checklist", _external=True)


def _vendor_link(partner_id: int) -> str:
    with api.tenant_request_context():
        return url_for("onboarding.partner_progress", partner_id=partner_id, _external=True)


def vendor_ticked(partner: api.Partner, task: Task, actor: api.User) -> int:
    return api.mail_users(
        partner_admins(partner.id),
        "onboarding/mail/task_ticked",
        partner=partner,
        task=task,
        actor=actor,
        link=_partner_link(),
    )


def overdue(partner: api.Partner, tasks: Sequence[Task]) -> int:
    return api.mail_users(
        partner_admins(partner.id),
        "onboarding/mail/tasks_overdue",
        partner=partner,
        tasks=tasks,
        link=_partner_link(),
    )


def partner_completed(partner: api.Partner, owner_id: int | None) -> int:
    return api.mail_users(
        vendor_recipients(owner_id),
        "onboarding/mail/partner_completed",
        partner=partner,
        link=_vendor_link(partner.id),
    )
