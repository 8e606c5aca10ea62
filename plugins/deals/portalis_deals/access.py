"""Who may see which registration — decided here and nowhere else.

* A partner user sees the registrations they own or entered themselves.
* A partner user holding ``deals.view_company`` (by default: the partner admin) sees all
  of their company's registrations, and may narrow that to their own (``mine=True``).
* Vendor staff see every registration of the tenant except drafts, which are the
  partner's own business until submitted.
* Anyone else sees nothing.

It also says who may *do* what, from the permissions the plugin declares (a vendor admin
may grant or revoke them per role, on "Roles & permissions"):

* ``deals.register`` — register a deal, edit, submit, withdraw or delete it, ask for an
  extension, report the outcome, and the live "may already exist" hint. Partner roles
  only: granted to vendor staff it opens nothing (the vendor registers on a partner's
  behalf from the review pages). Without it a partner user's deals are read-only.
* ``deals.review`` — every page under ``/deals/review`` but the export. Vendor staff only:
  granted to a partner role it opens nothing.
* ``deals.export`` — the CSV export: vendor staff from the review queue (every submitted
  registration), a partner role from its deal list (exactly the rows of that list).

The core has already limited every query to the current tenant; this module limits it
to the viewer. A registration the viewer may not see answers 404, exactly like an id
that doesn't exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import g
from sqlalchemy import Select, false, func, or_, select

from portalis import api

from . import service
from .models import DRAFT, Deal

#: Register deals and act on them (partner roles).
REGISTER = "deals.register"
#: The permission that widens a partner user's view from their own deals to the company's.
VIEW_COMPANY = "deals.view_company"
#: The review pages (vendor staff).
REVIEW = "deals.review"
#: The CSV export (vendor staff: the review queue's; partner roles: their list's).
EXPORT = "deals.export"

S = TypeVar("S", bound=Select)
F = TypeVar("F", bound=Callable[..., Any])


# --- who may do what (nav items, widgets, buttons and the view guards below agree) -------


def partner_lists(viewer: api.Viewer) -> bool:
    """Whether the viewer has a deal list: every member of a partner company."""
    return viewer.is_partner and viewer.partner_id is not None


def registers(viewer: api.Viewer) -> bool:
    """Whether the viewer may register deals and change their own (``deals.register``)."""
    return partner_lists(viewer) and api.has_permission(REGISTER)


def reviews(viewer: api.Viewer) -> bool:
    """Whether the viewer may open the review pages (``deals.review``, vendor staff only)."""
    return viewer.is_vendor_staff and api.has_permission(REVIEW)


def exports(viewer: api.Viewer) -> bool:
    """Whether the viewer may download the CSV export of what they see (``deals.export``)."""
    return (viewer.is_vendor_staff or partner_lists(viewer)) and api.has_permission(EXPORT)


def partner_registers(view: F) -> F:
    """View guard: a partner member holding ``deals.register``; anyone else gets 404."""
    return api.partner_member(api.permission_required(REGISTER)(view))


def vendor_reviews(view: F) -> F:
    """View guard: vendor staff holding ``deals.review``; anyone else (a partner role
    granted the permission included) gets 404."""
    return api.vendor_staff(api.permission_required(REVIEW)(view))


def vendor_exports(view: F) -> F:
    """View guard: vendor staff holding ``deals.export``."""
    return api.vendor_staff(api.permission_required(EXPORT)(view))


def partner_exports(view: F) -> F:
    """View guard: a partner member whose role was granted ``deals.export``."""
    return api.partner_member(api.permission_required(EXPORT)(view))


def sees_company(viewer: api.Viewer) -> bool:
    """Whether a partner viewer sees all of their company's registrations."""
    return viewer.is_partner and api.has_permission(VIEW_COMPANY)


def visible(stmt: S, viewer: api.Viewer, *, mine: bool = False) -> S:
    """``stmt`` (a select involving :class:`Deal`) limited to what ``viewer`` may see;
    ``mine`` narrows a partner viewer to the deals they own or entered."""
    if viewer.is_vendor_staff:
        return stmt.where(Deal.status != DRAFT)
    if not viewer.is_partner or viewer.partner_id is None or viewer.user_id is None:
        return stmt.where(false())
    stmt = stmt.where(Deal.partner_id == viewer.partner_id)
    if mine or not sees_company(viewer):
        stmt = stmt.where(
            or_(Deal.owner_id == viewer.user_id, Deal.created_by_id == viewer.user_id)
        )
    return stmt


def _deal_or_404(deal_id: int, viewer: api.Viewer, *, lock: bool) -> Deal:
    stmt = visible(select(Deal).where(Deal.id == deal_id), viewer)
    if lock:  # every decision re-reads the status under the lock (see service.lock)
        stmt = service.for_update(stmt)
    deal = api.session.scalars(stmt).first()
    if deal is None:
        api.not_found()
    return deal


def partner_deal_or_404(
    deal_id: int, *, lock: bool = False, viewer: api.Viewer | None = None
) -> Deal:
    """A registration the (partner) viewer may see, for the partner pages; otherwise 404."""
    viewer = viewer or api.current_viewer()
    if not viewer.is_partner:
        api.not_found()
    return _deal_or_404(deal_id, viewer, lock=lock)


def vendor_deal_or_404(
    deal_id: int, *, lock: bool = False, viewer: api.Viewer | None = None
) -> Deal:
    """A submitted registration, for the vendor's review pages; otherwise 404."""
    viewer = viewer or api.current_viewer()
    if not viewer.is_vendor_staff:
        api.not_found()
    return _deal_or_404(deal_id, viewer, lock=lock)


def status_counts(viewer: api.Viewer, *, mine: bool = False) -> dict[str, int]:
    """Registrations per status that the viewer sees, counted once per request: the deal
    list, the nav badge and the dashboard widget all show them."""
    mine = mine or not sees_company(viewer)  # the same rows, so the same cache entry
    key = f"deals_status_counts_{viewer.user_id}_{int(mine)}"
    cached: dict[str, int] | None = g.get(key)
    if cached is None:
        stmt = visible(select(Deal.status, func.count(Deal.id)), viewer, mine=mine)
        cached = {status: int(n) for status, n in api.session.execute(stmt.group_by(Deal.status))}
        setattr(g, key, cached)
    return dict(cached)
