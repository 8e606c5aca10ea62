"""Dashboard widgets and the vendor's per-partner summary line."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func

from portalis import api

from . import access, service
from .i18n import _
from .models import PENDING, SIGNED, Agreement, AgreementTemplate


def for_viewer(viewer: api.Viewer) -> list[api.Widget]:
    if viewer.is_partner and viewer.partner_id is not None:
        rows = api.session.execute(
            access.visible(
                service.current_agreements_stmt().add_columns(AgreementTemplate.name), viewer
            ).order_by(Agreement.assigned_at.desc(), Agreement.id.desc())
        ).all()
        if not rows:
            return []
        pending = [a for a, _name in rows if a.status == PENDING]
        html = api.render(
            "agreements/widgets/partner.html",
            rows=rows,
            pending=len(pending),
            may_sign=access.may_sign(viewer),
        )
        return [api.Widget(title=_("Agreements"), html=html, order=10, needs_action=bool(pending))]
    if access.manages(viewer):
        counts = dict(
            api.session.execute(
                service.current_agreements_stmt()
                .with_only_columns(Agreement.status, func.count(Agreement.id))
                .group_by(Agreement.status)
            ).all()
        )
        awaiting = api.session.scalar(
            service.current_agreements_stmt()
            .with_only_columns(func.count(Agreement.id))
            .where(Agreement.status == SIGNED, Agreement.requires_countersignature.is_(True))
        )
        html = api.render(
            "agreements/widgets/vendor.html",
            pending=int(counts.get(PENDING, 0)),
            awaiting=int(awaiting or 0),
            may_countersign=access.countersigns(viewer),
        )
        return [api.Widget(title=_("Agreements"), html=html, order=60, needs_action=bool(awaiting))]
    return []


def summaries(partner_ids: Sequence[int]) -> list[api.PartnerSummary]:
    """ "Signed 2 of 3" per partner (one grouped query for the page of partners)."""
    out = []
    for partner_id, (signed, total) in service.counts_by_partner(partner_ids).items():
        if not total:
            continue
        out.append(
            api.PartnerSummary(
                partner_id=partner_id,
                label=_("Agreements"),
                text=_("Signed %(signed)s of %(total)s", signed=signed, total=total),
                progress=signed / total,
                needs_action=signed < total,
            )
        )
    return out


def nav_badge(viewer: api.Viewer) -> str | None:
    if viewer.is_partner and viewer.partner_id is not None:
        n = api.session.scalar(
            access.visible(
                service.current_agreements_stmt().with_only_columns(func.count(Agreement.id)),
                viewer,
            ).where(Agreement.status == PENDING)
        )
        return str(n) if n else None
    return None
