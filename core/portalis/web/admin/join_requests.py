"""The vendor's queue of requests to join a partner's team, and the program's setting for
partner admins' same-domain invitations.

The vendor decides what no partner admin can: addresses that matched no partner or several
(the staff pick the company, among the candidates or any active partner) and invitations a
partner admin sent outside the company's e-mail domain. Requests waiting for a partner's
admins are listed too, and staff may decide them when a company's admins don't.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from sqlalchemy import select

from ... import audit
from ...db import db
from ...i18n import gettext as _
from ...identity.join_requests import JoinRefused, approve, candidates_of, decline
from ...models import JoinRequest, Partner, User
from ..access import vendor_admin, vendor_staff
from ..join import ApproveForm, DeclineForm
from ..rendering import page
from ..templating import isolate
from .blueprint import bp
from .programs import get_program

#: decided requests shown under the queue
RECENT = 20


def _partner_choices(req: JoinRequest) -> list[tuple[int, str]]:
    """Active partners, the request's candidates first (they matched the address)."""
    partners = db.session.scalars(
        select(Partner).where(Partner.status == "active").order_by(Partner.name, Partner.id)
    ).all()
    first = set(req.candidate_ids or []) | ({req.partner_id} if req.partner_id else set())
    ordered = [p for p in partners if p.id in first] + [p for p in partners if p.id not in first]
    return [(p.id, isolate(p.name)) for p in ordered]


def _get(request_id: int) -> JoinRequest:
    req = db.session.get(JoinRequest, request_id)
    if req is None:
        abort(404)
    return req


@bp.route("/join-requests")
@vendor_staff
def join_requests() -> Any:
    pending = db.session.scalars(
        select(JoinRequest)
        .where(JoinRequest.status == "pending")
        .order_by(JoinRequest.created_at, JoinRequest.id)
    ).all()
    decided = db.session.scalars(
        select(JoinRequest)
        .where(JoinRequest.status != "pending")
        .order_by(JoinRequest.decided_at.desc(), JoinRequest.id.desc())
        .limit(RECENT)
    ).all()
    people_ids = {r.requested_by_id for r in pending if r.requested_by_id} | {
        r.decided_by_id for r in decided if r.decided_by_id
    }
    people = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(people_ids)))}
        if people_ids
        else {}
    )
    forms = {
        r.id: ApproveForm(
            prefix=f"r{r.id}",
            partners=_partner_choices(r),
            data={"partner_id": r.partner_id or 0, "role": r.role},
        )
        for r in pending
    }
    return page(
        "admin/join_requests.html",
        yours=[r for r in pending if not r.partner_decides],
        theirs=[r for r in pending if r.partner_decides],
        decided=decided,
        partners=candidates_of([*pending, *decided]),
        people=people,
        approve_forms=forms,
        decline_form=DeclineForm(),
    )


@bp.route("/join-requests/<id:request_id>/approve", methods=["POST"])
@vendor_staff
def join_request_approve(request_id: int) -> Any:
    req = _get(request_id)
    form = ApproveForm(prefix=f"r{req.id}", partners=_partner_choices(req))
    back = redirect(url_for("admin.join_requests"))
    if not form.validate_on_submit():
        problems = [e for errors in form.errors.values() for e in errors]
        flash(problems[0] if problems else _("Choose a company and a role."), "error")
        return back
    partner = db.session.get(Partner, form.partner_id.data)
    if partner is None:
        flash(_("Choose the company this person joins."), "error")
        return back
    try:
        approve(req, g.user, partner=partner, role=form.role.data)
    except JoinRefused as exc:
        flash(str(exc), "error")
        return back
    flash(
        _("%(name)s joins %(partner)s: we sent the invitation to %(email)s.",
          name=req.name, partner=partner.name, email=req.email),
        "success",
    )  # fmt: skip
    return back


@bp.route("/join-requests/<id:request_id>/decline", methods=["POST"])
@vendor_staff
def join_request_decline(request_id: int) -> Any:
    req = _get(request_id)
    form = DeclineForm()
    back = redirect(url_for("admin.join_requests"))
    if not form.validate_on_submit():
        flash(_("The reason is too long."), "error")
        return back
    try:
        decline(req, g.user, reason=form.reason.data or "", notify=bool(form.notify.data))
    except JoinRefused as exc:
        flash(str(exc), "error")
        return back
    flash(_("The request of %(name)s was declined.", name=req.name), "success")
    return back


@bp.route("/programs/<id:program_id>/team-invitations", methods=["POST"])
@vendor_admin
def program_team_invitations(program_id: int) -> Any:
    """Whether partner admins invite same-domain colleagues without the vendor (audited).
    A checkbox: anything but its value is "off" (the CSRF check ran before the view)."""
    program = get_program(program_id)
    value = request.form.get("auto_approve_same_domain") == "y"
    if value != program.auto_approve_same_domain:
        audit.record(
            "program.team_invitations_updated",
            "program",
            program.id,
            before={"auto_approve_same_domain": program.auto_approve_same_domain},
            after={"auto_approve_same_domain": value},
        )
        program.auto_approve_same_domain = value
    flash(_("Team invitation setting saved."), "success")
    return redirect(url_for("admin.program_detail", program_id=program.id, _anchor="team"))
