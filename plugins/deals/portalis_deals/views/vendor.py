"""Vendor pages (``/deals/review``): the review queue with bulk decisions and CSV export,
a registration side by side with its conflicts and the decisions on it, extension
requests, the pipeline, and registering a deal on a partner's behalf.

Every page needs vendor staff holding ``deals.review`` (``access.vendor_reviews``), the
export vendor staff holding ``deals.export``; a partner role granted either gets 404."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from flask import flash, redirect, request, session, url_for
from sqlalchemy import case, func, or_, select

from portalis import api

from .. import access, bulk, review_queue, service
from ..forms import (
    ApproveForm,
    BulkForm,
    OnBehalfForm,
    OutcomeForm,
    ReasonForm,
    country_name,
    local_today,
)
from ..i18n import _, ngettext
from ..models import APPROVED, OPEN_STATUSES, Deal, DealExtensionRequest
from .blueprint import bp, csv_download, signed_in_user

# --- queue -------------------------------------------------------------------------------


@bp.route("/review", endpoint="review_queue")
@access.vendor_reviews
def queue() -> Any:
    filters = review_queue.QueueFilters.from_args(request.args)
    now = api.utcnow()
    return api.page(
        "deals/vendor/queue.html",
        partial="results",
        f=filters,
        result=review_queue.page(filters, now),
        partners=review_queue.partner_filter_options(),
        tiers=review_queue.tier_filter_options(),
        ages=review_queue.AGES,
        bulk_form=BulkForm(),
        bulk_result=_bulk_result(),
        can_export=access.exports(api.current_viewer()),
        now=now,
    )


@bp.route("/review/export.csv")
@access.vendor_exports
def review_export() -> Any:
    """The review queue as CSV, with the queue's filters (every submitted registration of
    the tenant the filters select; drafts never)."""
    filters = review_queue.QueueFilters.from_args(request.args)
    now = api.utcnow()
    header = [
        _("ID"), _("Partner"), _("Tier"), _("Customer"), _("Domain"), _("Country"),
        _("Contact"), _("Contact e-mail"), _("Products"), _("Amount"), _("Currency"),
        _("Expected close date"), _("Status"), _("Submitted (UTC)"), _("Decided (UTC)"),
        _("Protected until (UTC)"), _("Discount %"), _("Conflicts"),
    ]  # fmt: skip
    col, desc = review_queue.SORTS[filters.sort]
    stmt = access.visible(review_queue.base(filters, now), api.current_viewer()).order_by(
        col.desc() if desc else col.asc(), Deal.id
    )

    def rows(result: Any) -> Any:
        for deal, partner_name, tier in result:
            yield [
                deal.id, partner_name, tier.name if tier else "", deal.customer_name,
                deal.customer_domain, deal.country, deal.contact_name, deal.contact_email,
                deal.products, deal.amount, deal.currency,
                deal.expected_close_date,
                service.status_label(deal.status), deal.submitted_at, deal.decided_at,
                deal.protected_until, deal.discount_pct,
                deal.conflict_count,
            ]  # fmt: skip

    api.audit("deal.exported", "deal", None, after=filters.args())
    api.session.commit()
    return csv_download(header, stmt, rows)


def _queue_back(raw: str | None) -> str:
    """Where a bulk decision returns to: the queue with the reviewer's filters, and never
    anywhere else (the value comes from a form field)."""
    queue_url = url_for("deals.review_queue")
    raw = api.safe_next(raw, queue_url)  # the portal's one same-origin check first
    if any(c in raw for c in "\\\r\n\t\x00") or raw.startswith("//"):
        return queue_url
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or parts.path != queue_url or parts.fragment:
        return queue_url
    return f"{queue_url}?{parts.query}" if parts.query else queue_url


#: The key under which a bulk decision's per-row outcome waits for the next queue page.
BULK_RESULT_KEY = "deals_bulk_result"


def _bulk_refused(problem: str, back: str) -> Any:
    messages = {
        "action": _(
            "Choose what to do with the selected registrations: approve or reject. Nothing was changed."
        ),
        "empty": _("Select at least one registration."),
        "too_many": _(
            "Select at most %(num)s registrations at a time. Nothing was changed.",
            num=bulk.LIMIT,
        ),
        "ids": _("The selection could not be read. Nothing was changed."),
    }
    flash(messages.get(problem, messages["action"]), "error")
    return redirect(back)


def _bulk_confirm(
    form: BulkForm, action: str, rows: list[bulk.Row], back: str, status: int = 200
) -> Any:
    count = sum(1 for r in rows if r.applies)
    if action == "reject":
        question = ngettext("Reject %(num)s registration?", "Reject %(num)s registrations?", count)
        button = ngettext("Reject %(num)s registration", "Reject %(num)s registrations", count)
        form.reason.label.text = _("Reason for the rejection")
    else:
        question = ngettext(
            "Approve %(num)s registration?", "Approve %(num)s registrations?", count
        )
        button = ngettext("Approve %(num)s registration", "Approve %(num)s registrations", count)
        form.reason.label.text = _("Note to the partners (optional)")
    return api.page(
        "deals/vendor/bulk_confirm.html",
        form=form,
        action=action,
        rows=rows,
        ids=[r.deal_id for r in rows],
        count=count,
        question=question if count else _("Nothing to decide"),
        button=button,
        back=back,
        status=status,
        now=api.utcnow(),
    )


@bp.route("/review/bulk", methods=["POST"])
@access.vendor_reviews
def review_bulk() -> Any:
    """A bulk decision in two steps: the queue's form shows what would happen to each
    selected registration and asks to confirm ("Reject 2 registrations?"); the
    confirmation, naming the same action, applies it and returns to the queue, which
    then says what happened to each row."""
    back = _queue_back(request.form.get("next"))
    try:
        action = bulk.parse_action(request.form.getlist("action"))
        ids = bulk.parse_ids(request.form.getlist("ids"))
    except bulk.Refused as exc:
        return _bulk_refused(str(exc), back)
    viewer = api.current_viewer()
    form = BulkForm()
    form.action.data = action
    confirmed = request.form.getlist("confirm")
    if not form.validate():  # the reason's length
        return _bulk_confirm(form, action, bulk.preview(ids, action, viewer), back, 422)
    reason = (form.reason.data or "").strip()
    if action == "reject" and not reason:
        form.reason.errors = [_("Give the partners a reason for the rejection.")]
        return _bulk_confirm(form, action, bulk.preview(ids, action, viewer), back, 422)
    if confirmed != [action]:
        status = 200
        if confirmed:  # a confirmation of something else: show what this request would do
            flash(_("That confirmation was for another action. Nothing was changed."), "error")
            status = 422
        return _bulk_confirm(form, action, bulk.preview(ids, action, viewer), back, status)

    rows = bulk.apply(ids, action, signed_in_user(), viewer, reason)
    api.session.commit()
    n = bulk.counts(rows)
    if action == "approve":
        flash(
            ngettext(
                "%(num)s registration approved.",
                "%(num)s registrations approved.",
                n[bulk.APPROVED],
            ),
            "success",
        )
    else:
        flash(
            ngettext(
                "%(num)s registration rejected.",
                "%(num)s registrations rejected.",
                n[bulk.REJECTED],
            ),
            "success",
        )
    if n[bulk.BLOCKED]:
        flash(
            ngettext(
                "%(num)s registration was not approved: its customer is already protected by another registration. It is flagged as a conflict.",
                "%(num)s registrations were not approved: their customers are already protected by other registrations. They are flagged as conflicts.",
                n[bulk.BLOCKED],
            ),
            "warning",
        )
    if n[bulk.NOT_OPEN]:
        flash(
            ngettext(
                "%(num)s registration was skipped: it is no longer waiting for review.",
                "%(num)s registrations were skipped: they are no longer waiting for review.",
                n[bulk.NOT_OPEN],
            ),
            "info",
        )
    if n[bulk.NOT_FOUND]:
        flash(
            ngettext(
                "%(num)s registration was skipped: not found.",
                "%(num)s registrations were skipped: not found.",
                n[bulk.NOT_FOUND],
            ),
            "info",
        )
    session[BULK_RESULT_KEY] = {
        "action": action,
        "rows": [[r.deal_id, r.outcome] for r in rows],
    }
    return redirect(back)


def _bulk_result() -> dict[str, Any] | None:
    """The outcome of the reviewer's last bulk decision, once (full pages only)."""
    if api.is_htmx() or BULK_RESULT_KEY not in session:
        return None
    stored = session.pop(BULK_RESULT_KEY, None)
    try:
        action = stored["action"]
        pairs = [(int(i), str(o)) for i, o in stored["rows"]][: bulk.LIMIT]
    except (TypeError, KeyError, ValueError):
        return None
    if action not in bulk.ACTIONS:
        return None
    current = {
        r.deal_id: r for r in bulk.preview([i for i, _o in pairs], action, api.current_viewer())
    }
    rows = []
    for deal_id, outcome in pairs:
        row = current[deal_id]
        rows.append(
            bulk.Row(
                deal_id, row.deal, row.partner_name, outcome if outcome in bulk.OUTCOMES else ""
            )
        )
    return {"action": action, "rows": rows}


# --- a registration and the decisions on it ----------------------------------------------


def _detail(deal: Deal, *, status: int = 200, **forms: Any) -> Any:
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
        history=service.timeline(deal),
        country_name=country_name,
        extensions=service.extension_requests(deal),
        names=service.user_names(
            (deal.owner_id, deal.created_by_id, deal.registered_on_behalf_by, deal.reviewer_id)
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


@bp.route("/review/<id:registration_id>")
@access.vendor_reviews
def review_detail(registration_id: int) -> Any:
    return _detail(access.vendor_deal_or_404(registration_id))


def _decide(registration_id: int, action: str) -> Any:
    """One decision on a registration (start, approve, reject, return, outcome)."""
    deal = access.vendor_deal_or_404(registration_id, lock=True)
    user = signed_in_user()
    here = url_for("deals.review_detail", registration_id=deal.id)
    try:
        if action == "start":
            ReasonForm().validate()
            service.start_review(deal, user)
            message = _("You are reviewing this registration.")
        elif action == "approve":
            form = ApproveForm()
            if not form.validate():
                return _detail(deal, status=422, decision_form=form)
            try:
                result = service.approve(
                    deal,
                    user,
                    reason=form.reason.data or "",
                    distinct_customer=bool(form.distinct_customer.data),
                )
            except service.ValidationProblem as exc:
                form.reason.errors = [exc.errors["reason"]]
                return _detail(deal, status=422, decision_form=form)
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
                return _detail(deal, status=422, decision_form=form)
            if action == "reject":
                service.reject(deal, user, form.reason.data or "")
                message = _("Registration rejected; the partner was told why.")
            else:
                service.return_for_info(deal, user, form.reason.data or "")
                message = _("Returned to the partner for more information.")
        else:
            form = OutcomeForm()
            if not form.validate():
                return _detail(deal, status=422, outcome_form=form)
            service.close(deal, user, form.outcome.data, form.reason.data or "")
            message = _("Outcome recorded.")
    except service.TransitionError as exc:
        api.session.rollback()
        flash(str(exc), "error")
        return redirect(here)
    api.session.commit()
    flash(message, "success")
    return redirect(here)


@bp.route("/review/<id:registration_id>/start", methods=["POST"])
@access.vendor_reviews
def review_start(registration_id: int) -> Any:
    return _decide(registration_id, "start")


@bp.route("/review/<id:registration_id>/approve", methods=["POST"])
@access.vendor_reviews
def review_approve(registration_id: int) -> Any:
    return _decide(registration_id, "approve")


@bp.route("/review/<id:registration_id>/reject", methods=["POST"])
@access.vendor_reviews
def review_reject(registration_id: int) -> Any:
    return _decide(registration_id, "reject")


@bp.route("/review/<id:registration_id>/return", methods=["POST"])
@access.vendor_reviews
def review_return(registration_id: int) -> Any:
    return _decide(registration_id, "return")


@bp.route("/review/<id:registration_id>/outcome", methods=["POST"])
@access.vendor_reviews
def review_outcome(registration_id: int) -> Any:
    return _decide(registration_id, "outcome")


@bp.route("/review/<id:registration_id>/extensions/<id:extension_request_id>", methods=["POST"])
@access.vendor_reviews
def review_extension(registration_id: int, extension_request_id: int) -> Any:
    deal = access.vendor_deal_or_404(registration_id, lock=True)
    req = api.session.scalars(
        select(DealExtensionRequest).where(
            DealExtensionRequest.id == extension_request_id, DealExtensionRequest.deal_id == deal.id
        )
    ).first()
    if req is None:
        api.not_found()
    assert req is not None
    form = ReasonForm(prefix="ext")
    grant = request.form.get("decision") == "grant"
    if not form.validate():
        return _detail(deal, status=422, ext_decision_form=form)
    here = url_for("deals.review_detail", registration_id=deal.id)
    try:
        service.decide_extension(
            deal, req, signed_in_user(), grant=grant, reason=form.reason.data or ""
        )
    except service.ValidationProblem as exc:
        form.reason.errors = [exc.errors["reason"]]
        return _detail(deal, status=422, ext_decision_form=form)
    except service.TransitionError as exc:
        flash(str(exc), "error")
        return redirect(here)
    api.session.commit()
    flash(
        _("Extension granted.") if grant else _("Extension denied; the partner was told why."),
        "success",
    )
    return redirect(here)


# --- pipeline ----------------------------------------------------------------------------


@bp.route("/review/pipeline")
@access.vendor_reviews
def pipeline() -> Any:
    now = api.utcnow()
    year_ago = now - dt.timedelta(days=365)
    bucket = case(
        (review_queue.OPEN_LITERAL, "review"),
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
                name=api.localized(tier.name, tier.name_i18n) if tier else None,
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
            select(func.count(Deal.id)).where(
                review_queue.OPEN_LITERAL, review_queue.HAS_CONFLICT_LITERAL
            )
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


# --- register on a partner's behalf ------------------------------------------------------


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


@bp.route("/review/partner-users")
@access.vendor_reviews
def partner_users() -> Any:
    partner_id = api.id_arg("partner_id")
    return api.render("deals/vendor/_owner_options.html", users=_partner_users(partner_id))


@bp.route("/review/new", methods=["GET", "POST"])
@access.vendor_reviews
def register_on_behalf() -> Any:
    user = signed_in_user()
    tenant = api.current_tenant()
    partners = _on_behalf_partners()
    form = OnBehalfForm()
    form.partner_id.choices = api.select_choices(
        [(0, _("Choose a partner")), *((pid, api.isolate(name)) for pid, name in partners)]
    )
    chosen = api.valid_id(
        form.partner_id.data if request.method == "POST" else request.args.get("partner")
    )
    if request.method == "GET" and chosen:
        form.partner_id.data = chosen
    users = _partner_users(chosen if chosen in {p for p, _n in partners} else None)
    form.owner_id.choices = api.select_choices(
        [
            (0, _("The partner's admins")),
            # isolated (FSI … PDI) so a name and address keep their order on an RTL page
            *((uid, f"{api.isolate(name)} <{api.isolate(email)}>") for uid, name, email in users),
        ]
    )
    partner = api.session.get(api.Partner, chosen) if chosen else None
    program = api.session.get(api.Program, partner.program_id) if partner else None
    form.setup(program.currency if program else (tenant.currency if tenant else "USD"))
    if request.method == "POST":
        ok = form.validate_for_submit(local_today())
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
