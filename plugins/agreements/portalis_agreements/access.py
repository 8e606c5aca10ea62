"""Who may see and do what — the one place it is decided.

* A partner's people see their own company's agreements (every status), nobody else's;
  another partner's agreement answers the same 404 as an unknown id.
* ``agreements.sign`` (default: partner admins) — sign for the company. Held by a partner
  user only: a vendor admin may tick it for a vendor role, but vendor staff never sign for
  a partner, and nobody signs while a vendor user acts as them (``impersonated_by``).
  Members without it read the list and, once signed, download the signed PDF; the
  unsigned document is shown to the people who may sign it.
* ``agreements.manage`` (vendor admins, channel managers) — the templates, every
  partner's agreements and their PDFs. Vendor staff only: ticked for a partner role it
  opens nothing, because a grant never widens which records a viewer sees.
* ``agreements.countersign`` (vendor admins) — counter-sign a signed agreement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Select, false, select

from portalis import api

from .models import Agreement, AgreementTemplate

SIGN = "agreements.sign"
MANAGE = "agreements.manage"
COUNTERSIGN = "agreements.countersign"

S = TypeVar("S", bound=Select)  # any select involving Agreement
F = TypeVar("F", bound=Callable[..., Any])


def _viewer(viewer: api.Viewer | None) -> api.Viewer:
    return viewer if viewer is not None else api.current_viewer()


def manages(viewer: api.Viewer | None = None) -> bool:
    return _viewer(viewer).is_vendor_staff and api.has_permission(MANAGE)


def countersigns(viewer: api.Viewer | None = None) -> bool:
    return _viewer(viewer).is_vendor_staff and api.has_permission(COUNTERSIGN)


def impersonated(viewer: api.Viewer | None = None) -> bool:
    """Whether a vendor user is acting as this partner user (``Viewer.impersonated_by``)."""
    return _viewer(viewer).impersonated_by is not None


def may_sign(viewer: api.Viewer | None = None) -> bool:
    """A partner's own user holding ``agreements.sign``, not being impersonated."""
    v = _viewer(viewer)
    return (
        v.is_partner
        and v.partner_id is not None
        and not impersonated(v)
        and api.has_permission(SIGN)
    )


def visible(stmt: S, viewer: api.Viewer | None = None) -> S:
    """``stmt`` (a select involving :class:`Agreement`) limited to what the viewer sees."""
    v = _viewer(viewer)
    if v.is_partner and v.partner_id is not None:
        return stmt.where(Agreement.partner_id == v.partner_id)
    if manages(v):
        return stmt
    return stmt.where(false())


def agreement_or_404(agreement_id: int, viewer: api.Viewer | None = None) -> Agreement:
    found = api.session.scalars(
        visible(select(Agreement), viewer).where(Agreement.id == agreement_id)
    ).first()
    if found is None:
        api.not_found()
    return found


def template_or_404(template_id: int) -> AgreementTemplate:
    """For the vendor's pages (guarded by :func:`manager_required`)."""
    found = api.session.get(AgreementTemplate, template_id)
    if found is None:
        api.not_found()
    return found


def manager_required(view: F) -> F:
    """Vendor staff holding ``agreements.manage``; anyone else the unknown page's 404."""
    return api.vendor_staff(api.permission_required(MANAGE)(view))
