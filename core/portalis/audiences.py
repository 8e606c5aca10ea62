"""Who in a program sees a thing a vendor published — one rule for every plugin.

The content library's items, the training plugin's courses and paths (and the campaigns
and forums to come) all give the vendor the same four choices: everyone in the program,
chosen tiers, chosen partner companies, or nobody but the vendor's staff. A plugin keeps
the choice in a ``visibility`` column and the chosen tiers and companies in two link
tables of its own (so a tier or a partner that is deleted takes its rows along), and asks
here:

* :func:`audience_clause` — the SQL condition "this viewer is in the audience", for every
  list, page, count and widget of the plugin (partners: by their program, their *current*
  tier and their company; vendor staff: everything; anyone else: nothing). It is
  evaluated per request, so a tier change takes effect on the next click.
* :func:`audience_reach` — how many partner users and companies the choice reaches today,
  shown to the vendor while choosing ("42 partner users at 7 companies will see this").

Publish and expiry dates are not part of the rule: plugins name them differently and add
their own condition beside this one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, exists, false, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from .context import Viewer
from .db import db
from .models import Partner, User
from .roles import Role

#: The choices, in the order forms offer them.
VISIBILITIES = ("everyone", "tiers", "partners", "hidden")

_PARTNER_ROLES = tuple(role for role in Role if role.is_partner)


def audience_clause(
    viewer: Viewer,
    owner_id: Any,
    *,
    program_id: Any,
    visibility: Any,
    tier_link: tuple[Any, Any],
    partner_link: tuple[Any, Any],
) -> ColumnElement[bool]:
    """SQL condition: ``viewer`` is in the audience of the row whose id is ``owner_id``.

    ``program_id`` and ``visibility`` are the row's columns; ``tier_link`` is the pair
    (owner column, tier column) of the plugin's tier link table and ``partner_link`` the
    pair (owner column, partner column) of its partner link table, e.g.
    ``tier_link=(CourseTier.course_id, CourseTier.tier_id)``."""
    if viewer.is_vendor_staff:
        return true()
    if not viewer.is_partner or viewer.partner_id is None or viewer.program_id is None:
        return false()
    tier_owner, tier_col = tier_link
    partner_owner, partner_col = partner_link
    by_tier = (
        exists().where(tier_owner == owner_id, tier_col == viewer.tier_id)
        if viewer.tier_id is not None
        else false()
    )
    by_partner = exists().where(partner_owner == owner_id, partner_col == viewer.partner_id)
    return and_(
        program_id == viewer.program_id,
        or_(
            visibility == "everyone",
            and_(visibility == "tiers", by_tier),
            and_(visibility == "partners", by_partner),
        ),
    )


def audience_reach(
    program_id: int | None,
    visibility: str,
    tier_ids: Iterable[int] = (),
    partner_ids: Iterable[int] = (),
) -> tuple[int, int]:
    """(partner users, partner companies) in the audience today: active people of active
    partners in the program, limited by the choice. "hidden" reaches nobody, and so do
    "tiers" and "partners" with nothing chosen."""
    if program_id is None or visibility not in VISIBILITIES or visibility == "hidden":
        return 0, 0
    cond = [Partner.program_id == program_id, Partner.status == "active"]
    if visibility == "tiers":
        ids = [int(t) for t in tier_ids]
        if not ids:
            return 0, 0
        cond.append(Partner.tier_id.in_(ids))
    elif visibility == "partners":
        ids = [int(p) for p in partner_ids]
        if not ids:
            return 0, 0
        cond.append(Partner.id.in_(ids))
    users, companies = db.session.execute(
        select(func.count(User.id), func.count(func.distinct(Partner.id)))
        .select_from(User)
        .join(Partner, Partner.id == User.partner_id)
        .where(*cond, User.active.is_(True), User.role.in_(_PARTNER_ROLES))
    ).one()
    return int(users or 0), int(companies or 0)
