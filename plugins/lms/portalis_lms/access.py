"""Who may see and do what in training — the one place it is decided. Every list, page,
count, widget, search document and job asks here; nothing else compares roles or filters
courses by viewer.

A partner user may take a course (or follow a path) when all hold:

* it belongs to the partner's program,
* it is published (``publish_at`` passed or empty) and not retired,
* the core's audience rule lets them in (:func:`portalis.api.audience_clause`: everyone in
  the program, their *current* tier chosen, or their company chosen; "hidden": nobody).

It is evaluated on every request, so a tier change or a retirement takes effect on the
next click. A person's own history (enrolments, attempts, certificates) stays theirs to
read after a course retires or their tier changes: :func:`own` limits those records to
the viewer, and :func:`team` to the viewer's company for partner admins.

Vendor staff see everything of their tenant (the core scopes every query to the tenant).
Records a viewer may not see answer the same 404 as an unknown id.

Permissions (a vendor admin re-assigns them per role on "Roles & permissions"):

* ``lms.manage`` — authoring, assignments to tiers and partners, reports and CSV export,
  revoking certificates. Vendor staff only: for a partner role it opens nothing.
* ``lms.team`` — a partner admin sees the colleagues' progress and certificates and
  assigns them courses. Partner roles only.

A vendor acting as a partner user (a support session: ``impersonated_by`` is set) sees the
learner's pages but does nothing that counts as the learner's own work — starting or
submitting a quiz, finishing a SCORM lesson, marking a lesson done, starting a
recertification: :func:`learner_only` refuses those requests, and templates ask
:func:`acts_as_learner` to show why the buttons are off.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import flash, jsonify, redirect, request, url_for
from sqlalchemy import Select, and_, false, or_, select

from portalis import api

from .models import (
    Course,
    CoursePartner,
    CourseTier,
    Path,
    PathPartner,
    PathTier,
)

#: The vendor's pages: authoring, assignments, reports.
MANAGE = "lms.manage"
#: A partner admin's view of their colleagues' training, and assigning them courses.
TEAM = "lms.team"

R = TypeVar("R")
F = TypeVar("F", bound=Callable[..., Any])
S = TypeVar("S", bound=Select[Any])


def _viewer(viewer: api.Viewer | None) -> api.Viewer:
    return viewer if viewer is not None else api.current_viewer()


# --- who may do what ---------------------------------------------------------------------


def manages(viewer: api.Viewer | None = None) -> bool:
    """Vendor staff holding ``lms.manage``."""
    return _viewer(viewer).is_vendor_staff and api.has_permission(MANAGE)


def leads_team(viewer: api.Viewer | None = None) -> bool:
    """A partner's people holding ``lms.team`` (partner admins by default)."""
    v = _viewer(viewer)
    return v.is_partner and v.partner_id is not None and api.has_permission(TEAM)


def manager_required(view: F) -> F:
    """View guard for the vendor's pages; anyone else gets 404."""
    return api.vendor_staff(api.permission_required(MANAGE)(view))


def team_lead_required(view: F) -> F:
    """View guard for a partner admin's team pages; anyone else gets 404."""
    return api.partner_member(api.permission_required(TEAM)(view))


def acts_as_learner(viewer: api.Viewer | None = None) -> bool:
    """Whether what the viewer does counts as their own learning: not while a vendor acts
    as them (the pages stay viewable; the acting buttons say why they are off)."""
    return _viewer(viewer).impersonated_by is None


def learner_only_message() -> str:
    from .i18n import _

    return _("Only the learner can do this. You are acting as them, so nothing was recorded.")


def _back() -> str:
    """The page the refused form was on (this host only), else "My learning"."""
    ref = urlsplit(request.referrer or "")
    target = None
    if ref.netloc == request.host and ref.path:
        target = ref.path + (f"?{ref.query}" if ref.query else "")
    return api.safe_next(target, url_for("lms.my_learning"))


def learner_only(view: F) -> F:
    """View guard for acts that are the learner's own record (they may earn a certificate):
    refused while a vendor acts as the user — a JSON 403 for the SCORM player's requests,
    else a warning and back to the page. Reading (GET) stays open."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if request.method in ("GET", "HEAD") or acts_as_learner():
            return view(*args, **kwargs)
        if request.is_json or request.accept_mimetypes.best == "application/json":
            return jsonify(error=learner_only_message()), 403
        flash(learner_only_message(), "warning")
        return redirect(_back())

    return cast(F, guarded)


# --- courses and paths a partner may take ------------------------------------------------


def course_clause(viewer: api.Viewer, now: dt.datetime | None = None) -> Any:
    """SQL condition on :class:`Course`: the viewer may take it now."""
    if viewer.is_vendor_staff:
        return api.audience_clause(
            viewer,
            Course.id,
            program_id=Course.program_id,
            visibility=Course.visibility,
            tier_link=(CourseTier.course_id, CourseTier.tier_id),
            partner_link=(CoursePartner.course_id, CoursePartner.partner_id),
        )
    if not viewer.is_partner or viewer.partner_id is None:
        return false()
    now = now or api.utcnow()
    return and_(
        or_(Course.publish_at.is_(None), Course.publish_at <= now),
        or_(Course.retire_at.is_(None), Course.retire_at > now),
        api.audience_clause(
            viewer,
            Course.id,
            program_id=Course.program_id,
            visibility=Course.visibility,
            tier_link=(CourseTier.course_id, CourseTier.tier_id),
            partner_link=(CoursePartner.course_id, CoursePartner.partner_id),
        ),
    )


def visible_courses(stmt: S, viewer: api.Viewer | None = None) -> S:
    """``stmt`` (a select involving :class:`Course`) limited to what the viewer may take."""
    return stmt.where(course_clause(_viewer(viewer)))


def course_or_404(course_id: int, viewer: api.Viewer | None = None) -> Course:
    """The course if the viewer may take it now (vendor staff: if it exists); else 404."""
    course = api.session.scalars(
        visible_courses(select(Course).where(Course.id == course_id), viewer)
    ).first()
    if course is None:
        api.not_found()
    return course


def path_clause(viewer: api.Viewer, now: dt.datetime | None = None) -> Any:
    """SQL condition on :class:`Path`: the viewer may follow it now."""
    rule = api.audience_clause(
        viewer,
        Path.id,
        program_id=Path.program_id,
        visibility=Path.visibility,
        tier_link=(PathTier.path_id, PathTier.tier_id),
        partner_link=(PathPartner.path_id, PathPartner.partner_id),
    )
    if viewer.is_vendor_staff:
        return rule
    if not viewer.is_partner or viewer.partner_id is None:
        return false()
    now = now or api.utcnow()
    return and_(
        or_(Path.publish_at.is_(None), Path.publish_at <= now),
        or_(Path.retire_at.is_(None), Path.retire_at > now),
        rule,
    )


def visible_paths(stmt: S, viewer: api.Viewer | None = None) -> S:
    return stmt.where(path_clause(_viewer(viewer)))


def path_or_404(path_id: int, viewer: api.Viewer | None = None) -> Path:
    path = api.session.scalars(
        visible_paths(select(Path).where(Path.id == path_id), viewer)
    ).first()
    if path is None:
        api.not_found()
    return path


# --- people's own records ----------------------------------------------------------------


def own(stmt: S, user_id_column: Any, viewer: api.Viewer | None = None) -> S:
    """``stmt`` limited to the viewer's own records (by ``user_id_column``); vendor staff
    holding ``lms.manage`` see everyone's, anyone else nothing."""
    v = _viewer(viewer)
    if v.is_partner and v.user_id is not None:
        return stmt.where(user_id_column == v.user_id)
    if manages(v):
        return stmt
    return stmt.where(false())


def team(stmt: S, partner_id_column: Any, viewer: api.Viewer | None = None) -> S:
    """``stmt`` limited to the viewer's company (``lms.team`` holders) — or everyone's for
    vendor staff holding ``lms.manage``; anyone else nothing."""
    v = _viewer(viewer)
    if v.is_partner:
        if leads_team(v):
            return stmt.where(partner_id_column == v.partner_id)
        return stmt.where(false())
    if manages(v):
        return stmt
    return stmt.where(false())


def get_or_404(model: type[R], record_id: int) -> R:
    """A record of the current tenant by id, or 404 — for the vendor's pages, where staff
    see everything; partner pages use the helpers above."""
    record = api.session.get(model, record_id)
    if record is None:
        api.not_found()
    return record
