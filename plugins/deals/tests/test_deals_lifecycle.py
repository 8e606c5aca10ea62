"""The registration lifecycle as partners and reviewers live it, through the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from deals_helpers import deal_id_from, form_data
from sqlalchemy import select

from portalis import api


def _transitions(world, deal_id):
    from portalis_deals.models import DealTransition

    with api.tenant_scope(world.tenant.id):
        return api.session.scalars(
            select(DealTransition)
            .where(DealTransition.deal_id == deal_id)
            .order_by(DealTransition.id)
        ).all()


def test_missing_required_field_gives_field_error_and_keeps_draft(world, client_as, load):
    client = client_as(world.users["gold_user"])
    draft_id = deal_id_from(
        client.post_form("/deals/new", form_data(action="save", country="", amount=""))
    )
    assert load(draft_id).status == "draft"

    resp = client.post_form(f"/deals/{draft_id}/edit", form_data(country="", amount=""))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert html.count("Required before you can submit.") == 2
    assert 'id="country-error"' in html and 'id="amount-error"' in html
    assert load(draft_id).status == "draft"

    resp = client.post_form(f"/deals/{draft_id}/edit", form_data())
    assert resp.status_code == 302
    deal = load(draft_id)
    assert deal.status == "submitted"
    assert deal.customer_domain == "woodgrovebank.com"
    assert deal.amount == Decimal("125000.00")
    assert deal.submitted_at.tzinfo is not None


def test_full_review_cycle_records_actor_time_and_reason(world, client_as, register, load, mailbox):
    deal_id = register(world.users["gold_user"])
    manager = client_as(world.users["channel_manager"])
    assert any("Woodgrove Bank" in m["Subject"] for m in mailbox), (
        "reviewers hear about new registrations"
    )

    # returning without a reason is refused and changes nothing
    resp = manager.post_form(
        f"/deals/review/{deal_id}/return",
        {"reason": "  "},
        form_page=f"/deals/review/{deal_id}",
    )
    assert resp.status_code == 422
    assert "Give the partner a reason." in resp.get_data(as_text=True)
    assert load(deal_id).status == "submitted"

    resp = manager.post_form(
        f"/deals/review/{deal_id}/return",
        {"reason": "Which business unit buys?"},
        form_page=f"/deals/review/{deal_id}",
    )
    assert resp.status_code == 302
    assert load(deal_id).status == "returned"

    partner = client_as(world.users["gold_user"])
    detail = partner.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert "Which business unit buys?" in detail, "the partner sees why it came back"
    resp = partner.post_form(
        f"/deals/{deal_id}/edit", form_data(notes="Retail banking unit, 250 seats.")
    )
    assert resp.status_code == 302
    assert load(deal_id).status == "submitted"

    before = api.utcnow()
    resp = manager.post_form(
        f"/deals/review/{deal_id}/approve",
        {"reason": "Welcome aboard"},
        form_page=f"/deals/review/{deal_id}",
    )
    assert resp.status_code == 302
    deal = load(deal_id)
    assert deal.status == "approved"
    # protection window from the program settings (default 90 days), discount from the tier
    assert (
        before + dt.timedelta(days=90) - dt.timedelta(minutes=1)
        <= deal.protected_until
        <= api.utcnow() + dt.timedelta(days=90)
    )
    assert deal.discount_pct == Decimal("10.00")  # the Gold tier's deal_discount_pct
    detail = partner.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert "10%" in detail

    events = [
        (t.event, t.from_status, t.to_status, t.actor_label, t.reason)
        for t in _transitions(world, deal_id)
    ]
    assert events == [
        ("created", None, "draft", "Gus Gold", ""),
        ("submitted", "draft", "submitted", "Gus Gold", ""),
        ("returned", "submitted", "returned", "Max Manager", "Which business unit buys?"),
        ("resubmitted", "returned", "submitted", "Gus Gold", ""),
        ("approved", "submitted", "approved", "Max Manager", "Welcome aboard"),
    ]
    assert all(t.created_at.tzinfo == dt.UTC for t in _transitions(world, deal_id))
    subjects = [m["Subject"] for m in mailbox]
    assert any(s.startswith("Approved") for s in subjects)


def test_protection_days_come_from_program_settings(world, client_as, register, load):
    admin = client_as(world.users["vendor_admin"])
    settings_url = f"/admin/programs/{world.program.id}/plugins/deals"
    resp = admin.post_form(
        settings_url,
        {
            "enabled": "y",
            "s-protection_days": "30",
            "s-review_sla_hours": "24",
            "s-max_extensions": "1",
            "s-reminder_days_before": "7",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    deal_id = register(
        world.users["silver_admin"],
        customer_name="Fourth Coffee",
        customer_website="fourthcoffee.com",
    )
    client_as(world.users["channel_manager"]).post_form(
        f"/deals/review/{deal_id}/approve", {}, form_page=f"/deals/review/{deal_id}"
    )
    deal = load(deal_id)
    assert deal.status == "approved"
    assert (
        dt.timedelta(days=29, hours=23)
        < deal.protected_until - deal.approved_at
        <= dt.timedelta(days=30)
    )
    assert deal.discount_pct == Decimal("5.00")  # Silver


def test_reject_requires_reason_and_is_final(world, client_as, register, load):
    deal_id = register(world.users["gold_admin"])
    manager = client_as(world.users["channel_manager"])
    page = f"/deals/review/{deal_id}"
    assert manager.post_form(f"{page}/reject", {"reason": ""}, form_page=page).status_code == 422
    assert load(deal_id).status == "submitted"
    assert (
        manager.post_form(
            f"{page}/reject", {"reason": "Existing direct customer."}, form_page=page
        ).status_code
        == 302
    )
    assert load(deal_id).status == "rejected"
    # a rejected registration can't be approved afterwards
    resp = manager.post_form(f"{page}/approve", {}, form_page=page, follow_redirects=True)
    assert "isn&#39;t possible any more" in resp.get_data(as_text=True)
    assert load(deal_id).status == "rejected"


@pytest.mark.parametrize("final", ["withdrawn", "approved"])
def test_forbidden_transitions_change_nothing(world, client_as, register, load, final):
    deal_id = register(world.users["gold_admin"])
    partner = client_as(world.users["gold_admin"])
    page = f"/deals/{deal_id}"
    if final == "withdrawn":
        assert (
            partner.post_form(
                f"{page}/withdraw", {"reason": "Project cancelled"}, form_page=page
            ).status_code
            == 302
        )
    else:
        client_as(world.users["channel_manager"]).post_form(
            f"/deals/review/{deal_id}/approve", {}, form_page=f"/deals/review/{deal_id}"
        )
    assert load(deal_id).status == final

    # withdrawn can't be resubmitted; approved can't be withdrawn; neither can be edited or deleted
    resp = partner.post_form(f"{page}/edit", form_data(), form_page=page)
    assert resp.status_code == 302 and load(deal_id).status == final
    resp = partner.post_form(
        f"{page}/withdraw", {"reason": "x"}, form_page=page, follow_redirects=True
    )
    assert load(deal_id).status == final
    resp = partner.post_form(f"{page}/delete", {}, form_page=page, follow_redirects=True)
    assert "action isn&#39;t possible" in resp.get_data(as_text=True)
    assert load(deal_id).status == final


def test_only_drafts_can_be_deleted(world, client_as, load):
    partner = client_as(world.users["gold_user"])
    draft_id = deal_id_from(partner.post_form("/deals/new", form_data(action="save")))
    resp = partner.post_form(f"/deals/{draft_id}/delete", {}, form_page=f"/deals/{draft_id}")
    assert resp.status_code == 302
    assert partner.get(f"/deals/{draft_id}").status_code == 404


def test_second_approval_for_same_customer_is_flagged_not_protected(
    world, client_as, register, load
):
    first = register(world.users["gold_user"])
    second = register(
        world.users["silver_user"],
        customer_website="eu.woodgrovebank.com",
        customer_name="Woodgrove",
    )
    manager = client_as(world.users["channel_manager"])
    manager.post_form(f"/deals/review/{first}/approve", {}, form_page=f"/deals/review/{first}")
    resp = manager.post_form(
        f"/deals/review/{second}/approve",
        {},
        form_page=f"/deals/review/{second}",
        follow_redirects=True,
    )
    assert "another registration already protects this customer" in resp.get_data(as_text=True)
    assert load(first).status == "approved"
    loser = load(second)
    assert loser.status == "under_review"
    assert loser.protected_until is None
    assert loser.conflict_count == 1


def test_distinct_customer_needs_reason_and_then_protects_domain_only(
    world, client_as, register, load
):
    first = register(
        world.users["gold_user"],
        customer_name="Apex Ltd",
        customer_website="apex.co.uk",
        country="GB",
    )
    second = register(
        world.users["silver_user"],
        customer_name="Apex Limited",
        customer_website="apex-logistics.co.uk",
        country="GB",
    )
    manager = client_as(world.users["channel_manager"])
    manager.post_form(f"/deals/review/{first}/approve", {}, form_page=f"/deals/review/{first}")
    manager.post_form(f"/deals/review/{second}/approve", {}, form_page=f"/deals/review/{second}")
    assert load(second).status == "under_review"
    page = f"/deals/review/{second}"
    resp = manager.post_form(
        f"{page}/approve", {"distinct_customer": "y", "reason": ""}, form_page=page
    )
    assert resp.status_code == 422
    resp = manager.post_form(
        f"{page}/approve",
        {"distinct_customer": "y", "reason": "Different company: logistics firm in Leeds."},
        form_page=page,
    )
    assert resp.status_code == 302
    assert load(second).status == "approved"
    # the justification stays internal: not on the partner's timeline
    partner_view = (
        client_as(world.users["silver_user"]).get(f"/deals/{second}").get_data(as_text=True)
    )
    assert "logistics firm in Leeds" not in partner_view


def test_won_and_lost_end_the_protection(world, client_as, register, load):
    deal_id = register(world.users["gold_user"])
    client_as(world.users["channel_manager"]).post_form(
        f"/deals/review/{deal_id}/approve", {}, form_page=f"/deals/review/{deal_id}"
    )
    partner = client_as(world.users["gold_user"])
    resp = partner.post_form(
        f"/deals/{deal_id}/outcome",
        {"outcome": "won", "reason": "PO received"},
        form_page=f"/deals/{deal_id}",
    )
    assert resp.status_code == 302
    assert load(deal_id).status == "won"
    # the customer is free again: a new registration can be approved
    again = register(world.users["silver_user"])
    client_as(world.users["channel_manager"]).post_form(
        f"/deals/review/{again}/approve", {}, form_page=f"/deals/review/{again}"
    )
    assert load(again).status == "approved"


def test_extension_request_grant_and_limit(world, client_as, register, load, mailbox):
    deal_id = register(world.users["gold_user"])
    manager = client_as(world.users["channel_manager"])
    manager.post_form(f"/deals/review/{deal_id}/approve", {}, form_page=f"/deals/review/{deal_id}")
    partner = client_as(world.users["gold_user"])
    old_end = load(deal_id).protected_until
    page = f"/deals/{deal_id}"

    # a date before the current end and an empty reason are field errors
    resp = partner.post_form(
        f"{page}/extension",
        {"until": (old_end.date() - dt.timedelta(days=1)).isoformat(), "reason": ""},
        form_page=page,
    )
    assert resp.status_code == 422
    assert "Choose a date after the current end of protection." in resp.get_data(as_text=True)

    new_end = old_end.date() + dt.timedelta(days=30)
    resp = partner.post_form(
        f"{page}/extension",
        {"until": new_end.isoformat(), "reason": "Board meeting moved."},
        form_page=page,
    )
    assert resp.status_code == 302
    from portalis_deals.models import DealExtensionRequest

    with api.tenant_scope(world.tenant.id):
        req = api.session.scalars(
            select(DealExtensionRequest).where(DealExtensionRequest.deal_id == deal_id)
        ).one()
    vpage = f"/deals/review/{deal_id}"
    # denying needs a reason
    assert (
        manager.post_form(
            f"{vpage}/extensions/{req.id}", {"decision": "deny", "ext-reason": ""}, form_page=vpage
        ).status_code
        == 422
    )
    assert (
        manager.post_form(
            f"{vpage}/extensions/{req.id}", {"decision": "grant"}, form_page=vpage
        ).status_code
        == 302
    )
    deal = load(deal_id)
    assert deal.protected_until.date() == new_end
    assert deal.extension_count == 1
    assert any(m["Subject"].startswith("Extension granted") for m in mailbox)

    # the default program allows two extensions; the third request is refused
    with api.tenant_scope(world.tenant.id):
        d = load(deal_id)
        d.extension_count = 2
        api.session.add(d)
        api.session.commit()
    resp = partner.post_form(
        f"{page}/extension",
        {"until": (new_end + dt.timedelta(days=10)).isoformat(), "reason": "Again"},
        form_page=page,
        follow_redirects=True,
    )
    assert "it has been used" in resp.get_data(
        as_text=True
    ) or "they have been used" in resp.get_data(as_text=True)
    assert load(deal_id).protected_until.date() == new_end


def test_vendor_registers_on_behalf_and_partner_sees_it(world, client_as, load, mailbox):
    manager = client_as(world.users["channel_manager"])
    data = form_data(
        partner_id=str(world.partners["silver"].id),
        owner_id=str(world.users["silver_user"].id),
        customer_name="Lucerne Publishing",
        customer_website="lucernepublishing.com",
    )
    resp = manager.post_form("/deals/review/new", data)
    deal_id = deal_id_from(resp)
    deal = load(deal_id)
    assert deal.status == "submitted"
    assert deal.registered_on_behalf_by == world.users["channel_manager"].id
    assert deal.partner_id == world.partners["silver"].id
    page = client_as(world.users["silver_user"]).get(f"/deals/{deal_id}")
    assert page.status_code == 200
    assert "on your behalf" in page.get_data(as_text=True)
    assert any(
        m["To"] == world.users["silver_user"].email and "registered for you" in m["Subject"]
        for m in mailbox
    )


def test_bulk_approve_and_reject(world, client_as, register, load):
    a = register(
        world.users["gold_user"], customer_name="Trey Research", customer_website="treyresearch.net"
    )
    b = register(
        world.users["silver_user"], customer_name="Coho Winery", customer_website="cohowinery.com"
    )
    c = register(
        world.users["silver_user"],
        customer_name="Trey Research Ltd",
        customer_website="treyresearch.net",
    )
    manager = client_as(world.users["channel_manager"])
    # the first post only asks to confirm, naming the action and the count
    ask = manager.post_form(
        "/deals/review/bulk",
        {"action": "approve", "ids": [str(a), str(b), str(c)]},
        form_page="/deals/review",
    )
    assert ask.status_code == 200
    assert "Approve 3 registrations?" in ask.get_data(as_text=True)
    assert (load(a).status, load(b).status, load(c).status) == ("submitted",) * 3
    resp = manager.post_form(
        "/deals/review/bulk",
        {"action": "approve", "ids": [str(a), str(b), str(c)], "confirm": "approve"},
        form_page="/deals/review",
    )
    assert resp.status_code == 302
    assert (load(a).status, load(b).status, load(c).status) == (
        "approved",
        "approved",
        "under_review",
    )
    d = register(
        world.users["gold_admin"],
        customer_name="Margie's Travel",
        customer_website="margiestravel.com",
    )
    resp = manager.post_form(
        "/deals/review/bulk",
        {"action": "reject", "ids": [str(d)], "reason": ""},
        form_page="/deals/review",
        follow_redirects=True,
    )
    assert "Give the partners a reason" in resp.get_data(as_text=True)
    assert load(d).status == "submitted"
    manager.post_form(
        "/deals/review/bulk",
        {
            "action": "reject",
            "ids": [str(d)],
            "reason": "Duplicate of a direct deal",
            "confirm": "reject",
        },
        form_page="/deals/review",
    )
    assert load(d).status == "rejected"
