"""Partner pages: the deal list, register and edit, a deal's page with its history, and
its actions (withdraw, delete a draft, ask for an extension, report won or lost), plus
the live "a registration may already exist" hint."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portalis import api

from .. import access, service
from ..forms import (
    DealForm,
    ExtensionForm,
    OutcomeForm,
    ReasonForm,
    clean_line,
    country_name,
    local_today,
)
from ..i18n import _
from ..models import ACTIVE_STATUSES, APPROVED, OPEN_STATUSES, RETURNED, STATUSES, Deal
from .blueprint import bp, csv_download, signed_in_user

PER_PAGE = 25


def _page_no() -> int:
    return api.int_arg("page", 1, min=1, max=100_000) or 1


# --- lists -------------------------------------------------------------------------------


def _list_query(viewer: api.Viewer) -> dict[str, Any]:
    """The deal list's scope and filters from the query string, and its two statements
    (the rows and their count), limited to what ``viewer`` may see: the list and its CSV
    export show the same registrations."""
    is_admin = access.sees_company(viewer)
    # who sees the whole company looks after it by default; "mine" narrows it down
    scope = "company" if is_admin and api.text_arg("scope", 10) != "mine" else "mine"
    mine = scope == "mine"
    status = api.choice_arg("status", (*STATUSES, "action", "active", "waiting"))
    q = clean_line(api.text_arg("q", 100))[:100]
    owner = aliased(api.User)
    stmt = access.visible(
        select(Deal, owner.name).outerjoin(owner, owner.id == Deal.owner_id), viewer, mine=mine
    )
    count_stmt = access.visible(select(func.count(Deal.id)), viewer, mine=mine)
    filters = []
    if status == "action":
        filters.append(Deal.status == RETURNED)
    elif status == "active":
        filters.append(Deal.status.in_(ACTIVE_STATUSES))
    elif status == "waiting":
        filters.append(Deal.status.in_(OPEN_STATUSES))
    elif status:
        filters.append(Deal.status == status)
    if q:
        filters.append(Deal.customer_name.icontains(q, autoescape=True))
    for cond in filters:
        stmt = stmt.where(cond)
        count_stmt = count_stmt.where(cond)
    order = (func.coalesce(Deal.submitted_at, Deal.created_at).desc(), Deal.id.desc())
    return {
        "is_admin": is_admin,
        "scope": scope,
        "mine": mine,
        "status": status,
        "q": q,
        "stmt": stmt.order_by(*order),
        "count_stmt": count_stmt,
    }


@bp.route("/")
@api.partner_member
def my_deals() -> Any:
    viewer = api.current_viewer()
    lst = _list_query(viewer)
    page_no = _page_no()
    counts = access.status_counts(viewer, mine=lst["mine"])
    total = int(api.session.scalar(lst["count_stmt"]) or 0)
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    page_no = min(page_no, pages)
    rows = api.session.execute(lst["stmt"].limit(PER_PAGE).offset((page_no - 1) * PER_PAGE)).all()
    return api.page(
        "deals/partner/list.html",
        partial="results",
        rows=rows,
        counts=counts,
        total=total,
        pages=pages,
        page_no=page_no,
        scope=lst["scope"],
        status_filter=lst["status"],
        q=lst["q"],
        is_admin=lst["is_admin"],
        can_register=access.registers(viewer),
        can_export=access.exports(viewer),
        now=api.utcnow(),
    )


@bp.route("/export.csv")
@access.partner_exports
def export() -> Any:
    """The deal list as CSV, for a partner role a vendor admin granted ``deals.export``:
    exactly the registrations (and filters) of the viewer's list, nothing more."""
    viewer = api.current_viewer()
    lst = _list_query(viewer)
    header = [
        _("ID"), _("Customer"), _("Domain"), _("Country"), _("Contact"), _("Contact e-mail"),
        _("Products"), _("Amount"), _("Currency"), _("Expected close date"), _("Status"),
        _("Submitted (UTC)"), _("Decided (UTC)"), _("Protected until (UTC)"), _("Discount %"),
        _("Owner"),
    ]  # fmt: skip

    def rows(result: Any) -> Any:
        for deal, owner_name in result:
            yield [
                deal.id, deal.customer_name, deal.customer_domain, deal.country,
                deal.contact_name, deal.contact_email, deal.products, deal.amount, deal.currency,
                deal.expected_close_date,
                service.status_label(deal.status), deal.submitted_at, deal.decided_at,
                deal.protected_until, deal.discount_pct,
                owner_name or _("Company admins"),
            ]  # fmt: skip

    api.audit(
        "deal.exported",
        "deal",
        None,
        after={"scope": lst["scope"], "status": lst["status"], "q": lst["q"]},
    )
    api.session.commit()
    return csv_download(header, lst["stmt"], rows)


# --- register / edit ---------------------------------------------------------------------


def _validate_draft(form: DealForm) -> bool:
    ok = form.validate()
    if not form.customer_name.data and not form.customer_name.errors:
        form.customer_name.errors = [
            *form.customer_name.errors,
            _("Give the draft at least the customer's name."),
        ]
        ok = False
    return ok


def _deal_form(form: DealForm, program: api.Program, deal: Deal | None) -> Any:
    """Register (``deal`` None) or edit: save as a draft or submit, then show the deal."""
    if request.method == "POST":
        submit = request.form.get("action") == "submit"
        ok = form.validate_for_submit(local_today()) if submit else _validate_draft(form)
        if ok:
            user = signed_in_user()
            resubmit = deal is not None and deal.status == RETURNED
            if deal is None:
                assert user.partner_id is not None
                deal = service.create_draft(
                    program_id=program.id,
                    partner_id=user.partner_id,
                    actor=user,
                    data=form.cleaned(),
                    owner_id=user.id,
                )
                saved = _("Draft saved. Only your company can see it until you submit it.")
            else:
                service.update_fields(deal, user, form.cleaned())
                saved = _("Changes saved.")
            if submit:
                service.submit(deal, user)
                saved = (
                    _("Registration resubmitted.")
                    if resubmit
                    else _(
                        "Registration submitted. The vendor reviews it and you'll hear back by e-mail."
                    )
                )
            api.session.commit()
            flash(saved, "success")
            return redirect(url_for("deals.detail", registration_id=deal.id))
        flash(_("Please correct the marked fields."), "error")
    return api.page(
        "deals/partner/form.html",
        form=form,
        deal=deal,
        program=program,
        status=422 if form.errors else 200,
    )


@bp.route("/new", methods=["GET", "POST"])
@access.partner_registers
def register() -> Any:
    program_id = api.current_viewer().program_id
    program = api.session.get(api.Program, program_id) if program_id is not None else None
    assert program is not None
    return _deal_form(DealForm().setup(program.currency), program, None)


@bp.route("/<id:registration_id>/edit", methods=["GET", "POST"])
@access.partner_registers
def edit(registration_id: int) -> Any:
    deal = access.partner_deal_or_404(registration_id, lock=request.method == "POST")
    if not service.can(deal, "edit"):
        flash(_("Only drafts and registrations returned for information can be changed."), "error")
        return redirect(url_for("deals.detail", registration_id=deal.id))
    program = api.session.get(api.Program, deal.program_id)
    assert program is not None
    form = DealForm(obj=deal).setup(program.currency, stored_currency=deal.currency)
    return _deal_form(form, program, deal)


@bp.route("/check")
@api.login_required
@api.rate_limit("120 per minute")  # the hint must not become a way to probe the customer list
def check() -> Any:
    """htmx, on the partner's form and the vendor's on-behalf form: while the customer is
    typed in, say whether a registration may already exist. It goes with those forms, so
    it needs what they need: ``deals.register`` for a partner, ``deals.review`` for
    vendor staff; anyone else gets 404.

    To a partner this never names the other partner, deal, status or how many there are;
    it only says that one may exist. Vendor staff see the matches.
    """
    viewer = api.current_viewer()
    if not (access.registers(viewer) or access.reviews(viewer)):
        api.not_found()
    matches = service.possible_conflicts(
        clean_line(api.text_arg("customer_name", 200))[:200],
        clean_line(api.text_arg("customer_website", 255))[:255],
        clean_line(api.text_arg("contact_email", 254))[:254],
        exclude_id=api.id_arg("deal_id"),
    )
    if viewer.is_vendor_staff:
        partner_ids = {row.partner_id for _m, row in matches}
        partner_names = (
            dict(
                api.session.execute(
                    select(api.Partner.id, api.Partner.name).where(api.Partner.id.in_(partner_ids))
                ).all()
            )
            if partner_ids
            else {}
        )
        return api.render(
            "deals/_hint.html", vendor=True, matches=matches, partner_names=partner_names
        )
    own = any(row.partner_id == viewer.partner_id for _m, row in matches)
    other = any(row.partner_id != viewer.partner_id for _m, row in matches)
    return api.render("deals/_hint.html", vendor=False, own=own, other=other)


# --- a deal and its actions --------------------------------------------------------------


def _detail(deal: Deal, *, status: int = 200, **forms: Any) -> Any:
    # without deals.register the deal is read-only: no form for an action that would 404
    may_act = access.registers(api.current_viewer())
    return api.page(
        "deals/partner/detail.html",
        deal=deal,
        history=service.timeline(deal),
        country_name=country_name,
        extensions=service.extension_requests(deal),
        names=service.user_names((deal.owner_id, deal.created_by_id, deal.registered_on_behalf_by)),
        can=lambda action: may_act and service.can(deal, action),
        may_act=may_act,
        ext_problem=service.extension_problem(deal) if deal.status == APPROVED else None,
        ext_form=forms.get("ext_form") or ExtensionForm(),
        withdraw_form=forms.get("withdraw_form") or ReasonForm(),
        outcome_form=forms.get("outcome_form") or OutcomeForm(),
        settings=service.settings_for(deal.program_id),
        status=status,
        now=api.utcnow(),
    )


def _back_to(deal: Deal, message: str, category: str = "success") -> Any:
    flash(message, category)
    return redirect(url_for("deals.detail", registration_id=deal.id))


@bp.route("/<id:registration_id>")
@api.partner_member
def detail(registration_id: int) -> Any:
    return _detail(access.partner_deal_or_404(registration_id))


@bp.route("/<id:registration_id>/withdraw", methods=["POST"])
@access.partner_registers
def withdraw(registration_id: int) -> Any:
    deal = access.partner_deal_or_404(registration_id, lock=True)
    form = ReasonForm()
    if not form.validate():
        return _detail(deal, status=422, withdraw_form=form)
    try:
        service.withdraw(deal, signed_in_user(), form.reason.data or "")
    except service.TransitionError as exc:
        return _back_to(deal, str(exc), "error")
    api.session.commit()
    return _back_to(
        deal,
        _(
            "Registration withdrawn. It can't be resubmitted; register the deal again if it comes back."
        ),
    )


@bp.route("/<id:registration_id>/delete", methods=["POST"])
@access.partner_registers
def delete(registration_id: int) -> Any:
    deal = access.partner_deal_or_404(registration_id, lock=True)
    ReasonForm().validate()  # CSRF is checked app-wide; nothing else to validate
    try:
        service.delete_draft(deal, signed_in_user())
    except service.TransitionError as exc:
        return _back_to(deal, str(exc), "error")
    api.session.commit()
    flash(_("Draft deleted."), "success")
    return redirect(url_for("deals.my_deals"))


@bp.route("/<id:registration_id>/extension", methods=["POST"])
@access.partner_registers
def request_extension(registration_id: int) -> Any:
    deal = access.partner_deal_or_404(registration_id, lock=True)
    form = ExtensionForm()
    if not form.validate():
        return _detail(deal, status=422, ext_form=form)
    if form.until.data is None:
        form.until.errors = [_("Choose the new end date.")]
        return _detail(deal, status=422, ext_form=form)
    try:
        service.request_extension(deal, signed_in_user(), form.until.data, form.reason.data or "")
    except service.TransitionError as exc:
        return _back_to(deal, str(exc), "error")
    except service.ValidationProblem as exc:
        for name, message in exc.errors.items():
            form[name].errors = [message]
        return _detail(deal, status=422, ext_form=form)
    api.session.commit()
    return _back_to(deal, _("Extension requested. The vendor will decide and let you know."))


@bp.route("/<id:registration_id>/outcome", methods=["POST"])
@access.partner_registers
def outcome(registration_id: int) -> Any:
    deal = access.partner_deal_or_404(registration_id, lock=True)
    form = OutcomeForm()
    if not form.validate():
        return _detail(deal, status=422, outcome_form=form)
    try:
        service.close(deal, signed_in_user(), form.outcome.data, form.reason.data or "")
    except (service.TransitionError, service.ValidationProblem) as exc:
        return _back_to(deal, str(exc), "error")
    api.session.commit()
    return _back_to(
        deal,
        _("Congratulations on the win!") if form.outcome.data == "won" else _("Outcome recorded."),
    )
