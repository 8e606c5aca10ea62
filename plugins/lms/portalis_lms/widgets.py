"""Dashboard cards.

* Partner — "Training": leads with what needs action (an assigned course not done, the
  soonest due first; a certificate expiring within 30 days), else where they left off,
  else an invitation to the catalogue. Two statements.
* Vendor staff with ``lms.manage`` — completions in the last 30 days and certificates
  expiring in the next 30, linking to the reports. One statement.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, url_for
from sqlalchemy import and_, func, or_, select

from portalis import api

from . import access, learner
from .i18n import _
from .models import Certificate, Enrolment

#: How far ahead a certificate's expiry needs the holder's attention.
EXPIRY_WINDOW = dt.timedelta(days=30)


def _url(endpoint: str, **values: Any) -> str | None:
    """A link to a page of the plugin, if that page exists."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def partner_widget(viewer: api.Viewer) -> api.Widget:
    now = api.utcnow()
    stmt, run = learner.course_select(viewer)
    open_run = and_(run.id.is_not(None), run.completed_at.is_(None))
    items = learner.views(
        api.session.execute(
            stmt.where(
                or_(and_(learner.assigned_clause(viewer), run.completed_at.is_(None)), open_run)
            )
        ),
        now,
        counts=False,
    )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    pending = sorted(
        (v for v in items if v.needs_action),
        key=lambda v: (v.due_at is None, v.due_at or far, v.title.casefold()),
    )
    started = [v for v in items if v.state == "in_progress"]
    resume = max(
        started,
        key=lambda v: v.run.last_seen_at or v.run.started_at if v.run else far,
        default=None,
    )
    expiring = list(
        api.session.scalars(
            select(Certificate)
            .where(
                Certificate.user_id == (viewer.user_id or 0),
                Certificate.revoked_at.is_(None),
                Certificate.superseded_at.is_(None),
                Certificate.expires_at > now,
                Certificate.expires_at <= now + EXPIRY_WINDOW,
            )
            .order_by(Certificate.expires_at, Certificate.id)
            .limit(3)
        )
    )
    html = api.render(
        "lms/widgets/partner.html",
        pending=pending,
        expiring=expiring,
        resume=resume,
        certificates_url=_url("lms.my_certificates"),
        path_url=(lambda path_id: _url("lms.path", path_id=path_id)),
    )
    return api.Widget(
        title=_("Training"),
        html=html,
        order=30,
        needs_action=bool(pending or expiring),
        width=1,
    )


def vendor_widget() -> api.Widget:
    now = api.utcnow()
    completions = (
        select(func.count(Enrolment.id))
        .where(Enrolment.completed_at >= now - dt.timedelta(days=30))
        .scalar_subquery()
    )
    expiring = (
        select(func.count(Certificate.id))
        .where(
            Certificate.revoked_at.is_(None),
            Certificate.superseded_at.is_(None),
            Certificate.expires_at > now,
            Certificate.expires_at <= now + EXPIRY_WINDOW,
        )
        .scalar_subquery()
    )
    done, soon = api.session.execute(select(completions, expiring)).one()
    html = api.render(
        "lms/widgets/vendor.html",
        completions=int(done or 0),
        expiring=int(soon or 0),
        reports_url=_url("lms.reports"),
    )
    return api.Widget(title=_("Training"), html=html, order=45, width=1)


def for_viewer(viewer: api.Viewer) -> list[api.Widget]:
    if viewer.is_partner and viewer.partner_id is not None and viewer.user_id is not None:
        return [partner_widget(viewer)]
    if access.manages(viewer):
        return [vendor_widget()]
    return []
