"""Pages of the ``deals`` blueprint (``/deals``).

Partner side: lists, register/edit, detail with timeline, withdraw, resubmit, extension,
won/lost, delete draft, and the live "may already exist" hint. Vendor side (``/review``):
queue, detail with conflicts side by side, decisions, bulk decisions, extensions, CSV,
pipeline, and registration on a partner's behalf.

Every record is looked up through the viewer's scope, so another partner's (or another
tenant's) deal answers 404 exactly like an unknown id. The core gates the blueprint per
program and tier; nothing here checks enablement.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, flash, redirect, request, stream_with_context, url_for
from markupsafe import Markup
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased

from portalis import api
from portalis.api import localized

from . import conflicts, csvexport, queries, service, sla
from .forms import (
    ApproveForm,
    BulkForm,
    DealForm,
    ExtensionForm,
    OnBehalfForm,
    OutcomeForm,
    ReasonForm,
    _locale,
    choices,
    clean_line,
)
from .models import (
    ACTIVE_STATUSES,
    APPROVED,
    OPEN_STATUSES,
    RETURNED,
    STATUSES,
    Deal,
    DealExtensionRequest,
    DealTransition,
)

_ROUTES: list[tuple[str, str, Any, dict[str, Any]]] = []


def route(rule: str, **options: Any) -> Any:
    """Like ``Blueprint.route``, but collected: every app gets its own blueprint object
    (:func:`make_blueprint`), because the core attaches its gate to the blueprint."""

    def deco(view: Any) -> Any:
        _ROUTES.append((rule, options.pop("endpoint", view.__name__), view, options))
        return view

    return deco


def make_blueprint() -> Blueprint:
    bp = Blueprint("deals", __name__, url_prefix="/deals")
    for rule, endpoint, view, options in _ROUTES:
        bp.add_url_rule(rule, endpoint, view, **options)
    return bp


T = api.Translator("deals")
_ = T.gettext

PARTNER_PER_PAGE = 25
BULK_LIMIT = 200


# --- helpers -----------------------------------------------------------------------------


def _user() -> Any:
    user = api.current_user()
    assert user is not None  # the role guards ran first
    return user


def _today() -> dt.date:
    user = api.current_user()
    tenant = api.current_tenant()
    tz = sla.zone((user.timezone if user else None) or (tenant.timezone if tenant else None))
    return dt.datetime.now(tz).date()


def _page_no() -> int:
    n = request.args.get("page", 1, type=int) or 1
    return min(max(1, n), 100_000)


def _partner_scope(stmt: Any, user: Any) -> Any:
    """A partner user sees the deals they own or entered; a partner admin the company's."""
    stmt = stmt.where(Deal.partner_id == user.partner_id)
    if user.role != "partner_admin":
        stmt = stmt.where(or_(Deal.owner_id == user.id, Deal.created_by_id == user.id))
    return stmt


MAX_ID = 2**63 - 1


def _check_id(value: int) -> None:
    """Ids beyond BIGINT would make PostgreSQL fail the query: they can't exist anyway."""
    if not 0 < value <= MAX_ID:
        api.not_found()


def _partner_deal(deal_id: int, *, lock: bool = False) -> Deal:
    _check_id(deal_id)
    stmt = _partner_scope(select(Deal).where(Deal.id == deal_id), _user())
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    deal = api.session.scalars(stmt).first()
    if deal is None:
        api.not_found()
    return deal  # type: ignore[return-value]


def _vendor_deal(deal_id: int, *, lock: bool = False) -> Deal:
    _check_id(deal_id)
    deal = (
        service.lock(deal_id)
        if lock
        else api.session.scalars(select(Deal).where(Deal.id == deal_id)).first()
    )
    if deal is None or deal.status == "draft":  # drafts are the partner's own business
        api.not_found()
    return deal  # type: ignore[return-value]


def _program(program_id: int) -> Any:
    return api.session.get(api.Program, program_id)


def _names(user_ids: set[int | None]) -> dict[int, str]:
    ids = [i for i in user_ids if i is not None]
    if not ids:
        return {}
    return dict(
        api.session.execute(select(api.User.id, api.User.name).where(api.User.id.in_(ids))).all()
    )


def _timeline(deal: Deal) -> list[DealTransition]:
    return list(
        api.session.scalars(
            select(DealTransition)
            .where(DealTransition.deal_id == deal.id)
            .order_by(DealTransition.id)
        )
    )


def _extensions(deal: Deal) -> list[DealExtensionRequest]:
    return list(
        api.session.scalars(
            select(DealExtensionRequest)
            .where(DealExtensionRequest.deal_id == deal.id)
            .order_by(DealExtensionRequest.id.desc())
        )
    )


def _country_name(code: str | None) -> Markup:
    """The country's name from CLDR, marked with the language CLDR wrote it in."""
    if not code:
        return Markup("")
    loc = _locale()
    name = loc.territories.get(code.upper(), code)
    return Markup('<span lang="{}">{}</span>').format(str(loc).replace("_", "-"), name)


# --- partner: lists ----------------------------------------------------------------------


@route("/")
@api.partner_member
def my_deals() -> Any:
    user = _user()
    is_admin = user.role == "partner_admin"
    # partner admins look after the whole company by default; "mine" narrows it down
    scope = "company" if is_admin and request.args.get("scope") != "mine" else "mine"
    status = request.args.get("status") or ""
    if status not in (*STATUSES, "action", "active", "waiting"):
        status = ""
    q = clean_line(request.args.get("q") or "")[:100]
    page_no = _page_no()

    def scoped(stmt: Any) -> Any:
        stmt = stmt.where(Deal.partner_id == user.partner_id)
        if scope == "mine":
            stmt = stmt.where(or_(Deal.owner_id == user.id, Deal.created_by_id == user.id))
        return stmt

    counts = dict(
        api.session.execute(
            scoped(select(Deal.status, func.count(Deal.id))).group_by(Deal.status)
        ).all()
    )
    owner = aliased(api.User)
    stmt = scoped(select(Deal, owner.name).outerjoin(owner, owner.id == Deal.owner_id))
    count_stmt = scoped(select(func.count(Deal.id)))
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
    total = int(api.session.scalar(count_stmt) or 0)
    pages = max(1, (total + PARTNER_PER_PAGE - 1) // PARTNER_PER_PAGE)
    page_no = min(page_no, pages)
    rows = api.session.execute(
        stmt.order_by(func.coalesce(Deal.submitted_at, Deal.created_at).desc(), Deal.id.desc())
        .limit(PARTNER_PER_PAGE)
        .offset((page_no - 1) * PARTNER_PER_PAGE)
    ).all()
    return api.page(
        "deals/partner/list.html",
        partial="results",
        rows=rows,
        counts=counts,
        total=total,
        pages=pages,
        page_no=page_no,
        scope=scope,
        status_filter=status,
        q=q,
        is_admin=is_admin,
        now=api.utcnow(),
    )


# --- partner: register / edit ------------------------------------------------------------


def _validate_draft(form: DealForm) -> bool:
    ok = form.validate()
    if not form.customer_name.data and not form.customer_name.errors:
        form.customer_name.errors = [
            *form.customer_name.errors,
            _("Give the draft at least the customer's name."),
        ]
        ok = False
    return ok


@route("/new", methods=["GET", "POST"])
@api.partner_member
def register() -> Any:
    user = _user()
    partner = user.partner
    program = _program(partner.program_id)
    form = DealForm().setup(program.currency)
    if request.method == "POST":
        action = request.form.get("action")
        ok = form.validate_for_submit(_today()) if action == "submit" else _validate_draft(form)
        if ok:
            deal = service.create_draft(
                program_id=partner.program_id,
                partner_id=partner.id,
                actor=user,
                data=form.cleaned(),
                owner_id=user.id,
            )
            if action == "submit":
                service.submit(deal, user)
                flash(
                    _(
                        "Registration submitted. The vendor reviews it and you'll hear back by e-mail."
                    ),
                    "success",
                )
            else:
                flash(
                    _("Draft saved. Only your company can see it until you submit it."), "success"
                )
            api.session.commit()
            return redirect(url_for("deals.detail", registration_id=deal.id))
        flash(_("Please correct the marked fields."), "error")
    return api.page(
        "deals/partner/form.html",
        form=form,
        deal=None,
        program=program,
        status=422 if form.errors else 200,
    )


@route("/<int:registration_id>/edit", methods=["GET", "POST"])
@api.partner_member
def edit(registration_id: int) -> Any:
    user = _user()
    deal = _partner_deal(registration_id, lock=request.method == "POST")
    if not deal.is_editable:
        flash(_("Only drafts and registrations returned for information can be changed."), "error")
        return redirect(url_for("deals.detail", registration_id=deal.id))
    program = _program(deal.program_id)
    form = DealForm(obj=deal).setup(program.currency, stored_currency=deal.currency)
    if request.method == "POST":
        action = request.form.get("action")
        ok = form.validate_for_submit(_today()) if action == "submit" else _validate_draft(form)
        if ok:
            resubmit = deal.status == RETURNED
            service.update_fields(deal, user, form.cleaned())
            if action == "submit":
                service.submit(deal, user)
                flash(
                    _("Registration resubmitted.")
                    if resubmit
                    else _(
                        "Registration submitted. The vendor reviews it and you'll hear back by e-mail."
                    ),
                    "success",
                )
            else:
                flash(_("Changes saved."), "success")
            api.session.commit()
            return redirect(url_for("deals.detail", registration_id=deal.id))
        flash(_("Please correct the marked fields."), "error")
    return api.page(
        "deals/partner/form.html",
        form=form,
        deal=deal,
        program=program,
        status=422 if form.errors else 200,
    )


@route("/check")
@api.login_required
@api.rate_limit("120 per minute")  # the hint must not become a way to probe the customer list
def check() -> Any:
    """htmx: while typing the customer, say whether a registration may already exist.

    To a partner this never names the other partner, deal, status or how many there are;
    it only says that one may exist. Vendor staff see the matches.
    """
    user = _user()
    name = clean_line(request.args.get("customer_name") or "")[:200]
    website = clean_line(request.args.get("customer_website") or "")[:255]
    email = clean_line(request.args.get("contact_email") or "")[:254]
    exclude = request.args.get("deal_id", type=int)
    if exclude is not None and not 0 < exclude <= MAX_ID:
        exclude = None
    domain = conflicts.registrable_domain(website) if website else None
    if domain is None and email and not conflicts.is_free_mail_domain(email):
        domain = conflicts.registrable_domain(email)
    key = conflicts.name_block_key(name)
    own = other = False
    matches: list[Any] = []
    if (domain or key) and (user.is_vendor_staff or user.partner_id is not None):
        rows = service.candidates(domain, key, exclude_id=exclude)
        facts = conflicts.DealFacts(id=None, company_name=name, domain=domain)
        found = conflicts.find_conflicts(facts, [service._facts(r) for r in rows])
        by_id = {r.id: r for r in rows}
        for m in found:
            row = by_id[m.other_id]
            if user.partner_id is not None and row.partner_id == user.partner_id:
                own = True
            else:
                other = True
            matches.append((m, row))
    if user.is_vendor_staff:
        partner_names = (
            dict(
                api.session.execute(
                    select(api.Partner.id, api.Partner.name).where(
                        api.Partner.id.in_({r.partner_id for _m, r in matches})
                    )
                ).all()
            )
            if matches
            else {}
        )
        return api.render(
            "deals/_hint.html", vendor=True, matches=matches, partner_names=partner_names
        )
    return api.render("deals/_hint.html", vendor=False, own=own, other=other)


# --- partner: detail and actions ---------------------------------------------------------


def _partner_detail(deal: Deal, *, status: int = 200, **forms: Any) -> Any:
    user = _user()
    ext_problem = service.extension_problem(deal) if deal.status == APPROVED else None
    return api.page(
        "deals/partner/detail.html",
        deal=deal,
        history=_timeline(deal),
        country_name=_country_name,
        extensions=_extensions(deal),
        names=_names({deal.owner_id, deal.created_by_id, deal.registered_on_behalf_by}),
        can=lambda action: service.can(deal, action),
        ext_problem=ext_problem,
        ext_form=forms.get("ext_form") or ExtensionForm(),
        withdraw_form=forms.get("withdraw_form") or ReasonForm(),
        outcome_form=forms.get("outcome_form") or OutcomeForm(),
        settings=service.settings_for(deal.program_id),
        is_admin=user.role == "partner_admin",
        status=status,
        now=api.utcnow(),
    )


@route("/<int:registration_id>")
@api.partner_member
def detail(registration_id: int) -> Any:
    return _partner_detail(_partner_deal(registration_id))


@route("/<int:registration_id>/withdraw", methods=["POST"])
@api.partner_member
def withdraw(registration_id: int) -> Any:
    deal = _partner_deal(registration_id, lock=True)
    form = ReasonForm()
    if not form.validate():
        return _partner_detail(deal, status=422, withdraw_form=form)
    try:
        service.withdraw(deal, _user(), form.reason.data or "")
    except service.TransitionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("deals.detail", registration_id=deal.id))
    api.session.commit()
    flash(
        _(
            "Registration withdrawn. It can't be resubmitted; register the deal again if it comes back."
        ),
        "success",
    )
    return redirect(url_for("deals.detail", registration_id=deal.id))


@route("/<int:registration_id>/delete", methods=["POST"])
@api.partner_member
def delete(registration_id: int) -> Any:
    deal = _partner_deal(registration_id, lock=True)
    ReasonForm().validate()  # CSRF is checked app-wide; nothing else to validate
    try:
        service.delete_draft(deal, _user())
    except service.TransitionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("deals.detail", registration_id=deal.id))
    api.session.commit()
    flash(_("Draft deleted."), "success")
    return redirect(url_for("deals.my_deals"))


@route("/<int:registration_id>/extension", methods=["POST"])
@api.partner_member
def request_extension(registration_id: int) -> Any:
    deal = _partner_deal(registration_id, lock=True)
    form = ExtensionForm()
    if not form.validate():
        return _partner_detail(deal, status=422, ext_form=form)
    if form.until.data is None:
        form.until.errors = [_("Choose the new end date.")]
        return _partner_detail(deal, status=422, ext_form=form)
    try:
        service.request_extension(deal, _user(), form.until.data, form.reason.data or "")
    except service.TransitionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("deals.detail", registration_id=deal.id))
    except service.ValidationProblem as exc:
        for name, message in exc.errors.items():
            form[name].errors = [message]
        return _partner_detail(deal, status=422, ext_form=form)
    api.session.commit()
    flash(_("Extension requested. The vendor will decide and let you know."), "success")
    return redirect(url_for("deals.detail", registration_id=deal.id))


@route("/<int:registration_id>/outcome", methods=["POST"])
@api.partner_member
def outcome(registration_id: int) -> Any:
    deal = _partner_deal(registration_id, lock=True)
    form = OutcomeForm()
    if not form.validate():
        return _partner_detail(deal, status=422, outcome_form=form)
    try:
        service.close(deal, _user(), form.outcome.data, form.reason.data or "")
    except (service.TransitionError, service.ValidationProblem) as exc:
        flash(str(exc), "error")
        return redirect(url_for("deals.detail", registration_id=deal.id))
    api.session.commit()
    flash(
        _("Congratulations on the win!") if form.outcome.data == "won" else _("Outcome recorded."),
        "success",
    )
    return redirect(url_for("deals.detail", registration_id=deal.id))


# --- vendor: queue -----------------------------------------------------------------------


@route("/review")
@api.vendor_staff
def review_queue() -> Any:
    filters = queries.QueueFilters.from_args(request.args)
    now = api.utcnow()
    result = queries.page(filters, now)
    return api.page(
        "deals/vendor/queue.html",
        partial="results",
        f=filters,
        result=result,
        partners=queries.partner_filter_options(),
        tiers=queries.tier_filter_options(),
        ages=queries.AGES,
        bulk_form=BulkForm(),
        now=now,
    )


@route("/review/export.csv")
@api.vendor_staff
def review_export() -> Any:
    filters = queries.QueueFilters.from_args(request.args)
    now = api.utcnow()
    tenant_id = api.current_tenant_id()
    assert tenant_id is not None
    header = [
        _("ID"), _("Partner"), _("Tier"), _("Customer"), _("Domain"), _("Country"),
        _("Contact"), _("Contact e-mail"), _("Products"), _("Amount"), _("Currency"),
        _("Expected close date"), _("Status"), _("Submitted (UTC)"), _("Decided (UTC)"),
        _("Protected until (UTC)"), _("Discount %"), _("Conflicts"),
    ]  # fmt: skip
    col, desc = queries.SORTS[filters.sort]
    stmt = queries.base(filters, now).order_by(col.desc() if desc else col.asc(), Deal.id)

    def iso(value: dt.datetime | None) -> str:
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") if value else ""

    def rows() -> Any:
        with api.tenant_scope(tenant_id):
            result = api.session.execute(stmt.execution_options(yield_per=1000))
            for deal, partner_name, tier in result:
                yield [
                    deal.id, partner_name, tier.name if tier else "", deal.customer_name,
                    deal.customer_domain, deal.country, deal.contact_name, deal.contact_email,
                    deal.products, deal.amount, deal.currency,
                    deal.expected_close_date.isoformat() if deal.expected_close_date else "",
                    service.status_label(deal.status), iso(deal.submitted_at), iso(deal.decided_at),
                    iso(deal.protected_until), deal.discount_pct if deal.discount_pct is not None else "",
                    deal.conflict_count,
                ]  # fmt: skip

    api.audit("deal.exported", "deal", None, after=filters.args())
    api.session.commit()
    filename = f"deal-registrations-{now:%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(csvexport.rows_to_csv(header, rows())),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@route("/review/bulk", methods=["POST"])
@api.vendor_staff
def review_bulk() -> Any:
    form = BulkForm()
    back = request.form.get("next") or ""
    back = (
        back
        if back.startswith("/deals/review") and "//" not in back
        else url_for("deals.review_queue")
    )
    if not form.validate():
        flash(_("Choose an action."), "error")
        return redirect(back)
    ids: list[int] = []
    for raw in request.form.getlist("ids")[:BULK_LIMIT]:
        try:
            value = int(raw)
        except ValueError:
            continue
        if 0 < value <= MAX_ID:
            ids.append(value)
    if not ids:
        flash(_("Select at least one registration."), "error")
        return redirect(back)
    reason = (form.reason.data or "").strip()
    if form.action.data == "reject" and not reason:
        flash(_("Give the partners a reason for the rejection."), "error")
        return redirect(back)
    user = _user()
    done = blocked = skipped = 0
    for deal_id in sorted(set(ids)):
        deal = service.lock(deal_id)
        if deal is None or not deal.is_open:
            skipped += 1
            continue
        try:
            with api.session.begin_nested():
                if form.action.data == "approve":
                    outcome_ = service.approve(deal, user, reason=reason)
                    if not outcome_.approved:
                        blocked += 1
                        continue
                else:
                    service.reject(deal, user, reason)
                done += 1
        except (service.TransitionError, service.ValidationProblem):
            skipped += 1
    api.session.commit()
    if form.action.data == "approve":
        flash(
            T.ngettext("%(num)s registration approved.", "%(num)s registrations approved.", done),
            "success",
        )
    else:
        flash(
            T.ngettext("%(num)s registration rejected.", "%(num)s registrations rejected.", done),
            "success",
        )
    if blocked:
        flash(
            T.ngettext(
                "%(num)s registration was not approved: its customer is already protected by another registration. It is flagged as a conflict.",
                "%(num)s registrations were not approved: their customers are already protected by other registrations. They are flagged as conflicts.",
                blocked,
            ),
            "warning",
        )
    if skipped:
        flash(
            T.ngettext(
                "%(num)s registration was skipped: it is no longer waiting for review.",
                "%(num)s registrations were skipped: they are no longer waiting for review.",
                skipped,
            ),
            "info",
        )
    return redirect(back)


# --- vendor: detail and decisions --------------------------------------------------------


def _vendor_detail(deal: Deal, *, status: int = 200, **forms: Any) -> Any:
    now = api.utcnow()
    settings = service.settings_for(deal.program_id)
    partner = api.session.get(api.Partner, deal.partner_id)
    tier = api.session.get(api.Tier, partner.tier_id) if partner and partner.tier_id else None
    found = service.conflicts_of(deal)
    other_partner_ids = {d.partner_id for _c, d in found}
    partners = (
        dict(
            api.session.execute(
                select(api.Partner.id, api.Partner.name).where(
                    api.Partner.id.in_(other_partner_ids)
                )
            ).all()
        )
        if other_partner_ids
        else {}
    )
    earliest = min(
        [d.submitted_at for _c, d in found if d.submitted_at]
        + ([deal.submitted_at] if deal.submitted_at else []),
        default=None,
    )
    return api.page(
        "deals/vendor/detail.html",
        deal=deal,
        partner=partner,
        tier=tier,
        conflicts=found,
        other_partners=partners,
        earliest=earliest,
        history=_timeline(deal),
        country_name=_country_name,
        extensions=_extensions(deal),
        names=_names(
            {deal.owner_id, deal.created_by_id, deal.registered_on_behalf_by, deal.reviewer_id}
        ),
        can=lambda action: service.can(deal, action),
        decision_form=forms.get("decision_form") or ApproveForm(),
        outcome_form=forms.get("outcome_form") or OutcomeForm(),
        ext_decision_form=forms.get("ext_decision_form") or ReasonForm(prefix="ext"),
        settings=settings,
        discount=api.tier_benefit(partner.tier_id if partner else None, "deal_discount_pct", 0),
        preview_until=now + dt.timedelta(days=settings.protection_days),
        status=status,
        now=now,
    )


@route("/review/<int:registration_id>")
@api.vendor_staff
def review_detail(registration_id: int) -> Any:
    return _vendor_detail(_vendor_deal(registration_id))


def _review_action(registration_id: int, action: str) -> Any:
    deal = _vendor_deal(registration_id, lock=True)
    user = _user()
    here = url_for("deals.review_detail", registration_id=deal.id)
    try:
        if action == "start":
            ReasonForm().validate()
            service.start_review(deal, user)
            message = _("You are reviewing this registration.")
        elif action == "approve":
            form = ApproveForm()
            if not form.validate():
                return _vendor_detail(deal, status=422, decision_form=form)
            try:
                result = service.approve(
                    deal,
                    user,
                    reason=form.reason.data or "",
                    distinct_customer=bool(form.distinct_customer.data),
                )
            except service.ValidationProblem as exc:
                form.reason.errors = [exc.errors["reason"]]
                return _vendor_detail(deal, status=422, decision_form=form)
            if not result.approved:
                api.session.commit()
                flash(
                    _(
                        "Not approved: another registration already protects this customer. The conflict is shown below."
                    ),
                    "warning",
                )
                return redirect(here)
            message = _("Registration approved and protected.")
        elif action in ("reject", "return"):
            form = ApproveForm()
            if not form.validate() or not (form.reason.data or "").strip():
                if not form.reason.errors:
                    form.reason.errors = [_("Give the partner a reason.")]
                return _vendor_detail(deal, status=422, decision_form=form)
            if action == "reject":
                service.reject(deal, user, form.reason.data or "")
                message = _("Registration rejected; the partner was told why.")
            else:
                service.return_for_info(deal, user, form.reason.data or "")
                message = _("Returned to the partner for more information.")
        else:
            form = OutcomeForm()
            if not form.validate():
                return _vendor_detail(deal, status=422, outcome_form=form)
            service.close(deal, user, form.outcome.data, form.reason.data or "")
            message = _("Outcome recorded.")
    except service.TransitionError as exc:
        api.session.rollback()
        flash(str(exc), "error")
        return redirect(here)
    api.session.commit()
    flash(message, "success")
    return redirect(here)


def _decision_route(action: str) -> Any:
    def view(registration_id: int) -> Any:
        return _review_action(registration_id, action)

    view.__name__ = f"review_{action}"
    return route(
        f"/review/<int:registration_id>/{action}", methods=["POST"], endpoint=f"review_{action}"
    )(api.vendor_staff(view))


for _action in ("start", "approve", "reject", "return", "outcome"):
    _decision_route(_action)


@route("/review/<int:registration_id>/extensions/<int:extension_request_id>", methods=["POST"])
@api.vendor_staff
def review_extension(registration_id: int, extension_request_id: int) -> Any:
    deal = _vendor_deal(registration_id, lock=True)
    _check_id(extension_request_id)
    req = api.session.scalars(
        select(DealExtensionRequest).where(
            DealExtensionRequest.id == extension_request_id, DealExtensionRequest.deal_id == deal.id
        )
    ).first()
    if req is None:
        api.not_found()
    form = ReasonForm(prefix="ext")
    grant = request.form.get("decision") == "grant"
    if not form.validate():
        return _vendor_detail(deal, status=422, ext_decision_form=form)
    try:
        service.decide_extension(deal, req, _user(), grant=grant, reason=form.reason.data or "")  # type: ignore[arg-type]
    except service.ValidationProblem as exc:
        form.reason.errors = [exc.errors["reason"]]
        return _vendor_detail(deal, status=422, ext_decision_form=form)
    except service.TransitionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("deals.review_detail", registration_id=deal.id))
    api.session.commit()
    flash(
        _("Extension granted.") if grant else _("Extension denied; the partner was told why."),
        "success",
    )
    return redirect(url_for("deals.review_detail", registration_id=deal.id))


# --- vendor: pipeline --------------------------------------------------------------------


@route("/review/pipeline")
@api.vendor_staff
def pipeline() -> Any:
    now = api.utcnow()
    year_ago = now - dt.timedelta(days=365)
    bucket = case(
        (queries.OPEN_LITERAL, "review"),
        (Deal.status == APPROVED, "protected"),
        else_="won",
    )
    in_scope = or_(
        Deal.status.in_((*OPEN_STATUSES, APPROVED)),
        (Deal.status == "won") & (Deal.closed_at >= year_ago),
    )
    # one pass over the deals, grouped by partner; tiers are summed from the partners
    rows = api.session.execute(
        select(
            Deal.partner_id,
            bucket,
            Deal.currency,
            func.count(Deal.id),
            func.coalesce(func.sum(Deal.amount), 0),
        )
        .where(in_scope)
        .group_by(Deal.partner_id, bucket, Deal.currency)
    ).all()
    partner_ids = sorted({r[0] for r in rows})
    info = (
        {
            pid: (name, tier_id)
            for pid, name, tier_id in api.session.execute(
                select(api.Partner.id, api.Partner.name, api.Partner.tier_id).where(
                    api.Partner.id.in_(partner_ids)
                )
            )
        }
        if partner_ids
        else {}
    )
    tier_rows = {t.id: t for t in api.session.scalars(select(api.Tier))}

    def empty(**extra: Any) -> dict[str, Any]:
        return {"review": {}, "protected": {}, "won": {}, "count": 0, **extra}

    def add(target: dict[str, Any], b: str, currency: str, n: int, total: Any) -> None:
        count, amount = target[b].get(currency, (0, 0))
        target[b][currency] = (count + n, amount + total)
        target["count"] += n

    tiers: dict[Any, dict[str, Any]] = {}
    partners: dict[int, dict[str, Any]] = {}
    for pid, b, currency, n, total in rows:
        name, tier_id = info.get(pid, ("", None))
        tier = tier_rows.get(tier_id) if tier_id is not None else None
        t = tiers.setdefault(
            tier_id,
            empty(
                name=localized(tier.name, tier.name_i18n) if tier else None,
                rank=tier.rank if tier else None,
                color=tier.color if tier else None,
            ),
        )
        add(t, b, currency, n, total)
        p = partners.setdefault(pid, empty(id=pid, name=name, sort=0.0))
        add(p, b, currency, n, total)
        if b == "protected":
            p["sort"] += float(total)
    top = sorted(partners.values(), key=lambda p: (-p["sort"], -p["count"], p["name"]))[:50]
    breaches = int(
        api.session.scalar(
            select(func.count(Deal.id)).where(
                Deal.sla_breached_at.is_not(None),
                Deal.sla_breached_at >= now - dt.timedelta(days=90),
            )
        )
        or 0
    )
    open_conflicts = int(
        api.session.scalar(
            select(func.count(Deal.id)).where(queries.OPEN_LITERAL, queries.HAS_CONFLICT_LITERAL)
        )
        or 0
    )
    return api.page(
        "deals/vendor/pipeline.html",
        open_conflicts=open_conflicts,
        tiers=sorted(tiers.values(), key=lambda t: -(t["rank"] if t["rank"] is not None else -1)),
        partners=top,
        partner_total=len(partners),
        breaches=breaches,
    )


# --- vendor: register on a partner's behalf ----------------------------------------------


def _on_behalf_partners() -> list[Any]:
    programs = api.programs_with_plugin(service.PLUGIN_NAME)
    if not programs:
        return []
    return list(
        api.session.execute(
            select(api.Partner.id, api.Partner.name)
            .where(api.Partner.status == "active", api.Partner.program_id.in_(programs))
            .order_by(api.Partner.name)
            .limit(2000)
        ).all()
    )


def _partner_users(partner_id: int | None) -> list[Any]:
    if not partner_id:
        return []
    return list(
        api.session.execute(
            select(api.User.id, api.User.name, api.User.email)
            .where(api.User.partner_id == partner_id, api.User.active.is_(True))
            .order_by(api.User.name)
        ).all()
    )


@route("/review/partner-users")
@api.vendor_staff
def partner_users() -> Any:
    partner_id = request.args.get("partner_id", type=int)
    if partner_id is not None and not 0 < partner_id <= MAX_ID:
        partner_id = None
    return api.render("deals/vendor/_owner_options.html", users=_partner_users(partner_id))


@route("/review/new", methods=["GET", "POST"])
@api.vendor_staff
def register_on_behalf() -> Any:
    user = _user()
    tenant = api.current_tenant()
    partners = _on_behalf_partners()
    form = OnBehalfForm()
    form.partner_id.choices = choices(
        [(0, _("Choose a partner")), *((pid, name) for pid, name in partners)]
    )
    chosen = (
        form.partner_id.data if request.method == "POST" else request.args.get("partner", type=int)
    )
    if chosen is not None and not 0 < chosen <= MAX_ID:
        chosen = None
    if request.method == "GET" and chosen:
        form.partner_id.data = chosen
    users = _partner_users(chosen if chosen in {p for p, _n in partners} else None)
    form.owner_id.choices = choices(
        [
            (0, _("The partner's admins")),
            *((uid, f"{name} <{email}>") for uid, name, email in users),
        ]
    )
    partner = api.session.get(api.Partner, chosen) if chosen else None
    program = _program(partner.program_id) if partner else None
    form.setup(program.currency if program else (tenant.currency if tenant else "USD"))
    if request.method == "POST":
        ok = form.validate_for_submit(_today())
        if not form.partner_id.data or partner is None:
            form.partner_id.errors = [_("Choose the partner this deal belongs to.")]
            ok = False
        if ok and partner is not None:
            deal = service.create_draft(
                program_id=partner.program_id,
                partner_id=partner.id,
                actor=user,
                data=form.cleaned(),
                owner_id=form.owner_id.data or None,
                on_behalf=True,
            )
            service.submit(deal, user)
            api.session.commit()
            flash(
                _(
                    "Registered on behalf of %(partner)s. The partner can see it in their portal.",
                    partner=partner.name,
                ),
                "success",
            )
            return redirect(url_for("deals.review_detail", registration_id=deal.id))
        flash(_("Please correct the marked fields."), "error")
    return api.page("deals/vendor/form.html", form=form, status=422 if form.errors else 200)
