"""Who on the vendor's side hears about partners' requests.

Applications, join requests the vendor decides, signed agreements, finished checklists: the
channel managers look after partners, so they are told; a vendor without channel managers
(a small team) has its admins told instead. One rule, so every feature tells the same
people.
"""

from __future__ import annotations

from sqlalchemy import select

from ..db import db
from ..models import User
from ..roles import Role


def vendor_team(*, admins_only: bool = False) -> list[User]:
    """The tenant's active channel managers, or its vendor admins when it has none (or
    when ``admins_only``: acts reserved to admins, such as counter-signing). People who
    haven't joined yet (invitation pending) are left out: they can't open the links."""
    users = db.session.scalars(
        select(User)
        .where(
            User.role.in_((Role.CHANNEL_MANAGER, Role.VENDOR_ADMIN)),
            User.active.is_(True),
            User.password_hash.is_not(None),
        )
        .order_by(User.id)
    ).all()
    admins = [u for u in users if u.role == Role.VENDOR_ADMIN]
    if admins_only:
        return admins
    return [u for u in users if u.role == Role.CHANNEL_MANAGER] or admins
