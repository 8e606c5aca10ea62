"""Tier metrics, the scheduled jobs (expiry, reminders, review SLA) and turning the plugin off."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from portalis import api


def _won_deal(world, partner_key, user_key, *, amount, days_ago, currency="USD", n=0):
    from portalis_deals.models import Deal

    now = api.utcnow()
    deal = Deal(
        program_id=world.program.id,
        partner_id=world.partners[partner_key].id,
        created_by_id=world.users[user_key].id,
        owner_id=world.users[user_key].id,
        customer_name=f"Customer {partner_key} {n}",
        customer_domain=f"customer-{partner_key}-{n}.com",
        status="won",
        amount=Decimal(amount),
        currency=currency,
        submitted_at=now - dt.timedelta(days=days_ago + 30),
        approved_at=now - dt.timedelta(days=days_ago + 20),
        decided_at=now - dt.timedelta(days=days_ago + 20),
        closed_at=now - dt.timedelta(days=days_ago),
    )
    api.session.add(deal)
    return deal


def test_metrics_are_batched_per_partner(world, as_tenant, count_statements):
    from portalis_deals import metrics

    with as_tenant():
        for n in range(3):
            _won_deal(world, "silver", "silver_user", amount="100000", days_ago=30 * n, n=n)
        _won_deal(
            world, "silver", "silver_user", amount="999999", days_ago=400, n=9
        )  # older than 12 months
        _won_deal(
            world, "silver", "silver_user", amount="50000", days_ago=10, currency="EUR", n=10
        )  # other currency
        _won_deal(world, "gold", "gold_user", amount="20000", days_ago=5, n=1)
    ids = [world.partners["gold"].id, world.partners["silver"].id, 999_999]
    with api.tenant_scope(world.tenant.id), count_statements() as n:
        won = metrics.won_revenue_12m(ids, world.program.id, api.utcnow())
        approved = metrics.approved_deals_12m(ids, world.program.id, api.utcnow())
        registered = metrics.registered_deals_12m(ids, world.program.id, api.utcnow())
    assert n[0] == 3, "one grouped query per metric, whatever the number of partners"
    assert won == {world.partners["gold"].id: 20000.0, world.partners["silver"].id: 300000.0}
    assert approved[world.partners["silver"].id] == 4.0  # the 400-day-old approval is out
    assert registered[world.partners["silver"].id] == 4.0


def test_won_deals_move_partner_up_a_tier(world, client_as, as_tenant):
    with as_tenant():
        for n in range(5):
            _won_deal(world, "silver", "silver_user", amount="60000", days_ago=20 + n, n=n)
    admin = client_as(world.users["vendor_admin"])
    preview = admin.get(f"/admin/programs/{world.program.id}/evaluate").get_data(as_text=True)
    assert world.partners["silver"].name in preview
    resp = admin.post_form(
        f"/admin/programs/{world.program.id}/evaluate",
        {},
        form_page=f"/admin/programs/{world.program.id}/evaluate",
    )
    assert resp.status_code == 302
    with api.tenant_scope(world.tenant.id):
        api.session.expire_all()
        partner = api.session.get(api.Partner, world.partners["silver"].id)
        assert partner.tier_id == world.tiers["gold"].id
    tier_page = client_as(world.users["silver_admin"]).get("/tier").get_data(as_text=True)
    assert "Won deal revenue, last 12 months" in tier_page


def _approved(world, register, client_as, **fields):
    deal_id = register(world.users["gold_user"], **fields)
    client_as(world.users["channel_manager"]).post_form(
        f"/deals/review/{deal_id}/approve", {}, form_page=f"/deals/review/{deal_id}"
    )
    return deal_id


def test_expiry_job_reminds_then_expires(world, client_as, register, load, as_tenant, mailbox):
    from portalis_deals import jobs
    from portalis_deals.models import DealProtection

    deal_id = _approved(world, register, client_as)
    end = load(deal_id).protected_until
    mailbox.clear()
    with as_tenant():
        assert jobs.expire_and_remind(now=end - dt.timedelta(days=20)) == {
            "reminded": 0,
            "expired": 0,
        }
        assert jobs.expire_and_remind(now=end - dt.timedelta(days=13)) == {
            "reminded": 1,
            "expired": 0,
        }
    with as_tenant():
        assert jobs.expire_and_remind(now=end - dt.timedelta(days=12)) == {
            "reminded": 0,
            "expired": 0,
        }, "reminded once"
    assert [m["Subject"] for m in mailbox] == ["Protection for Woodgrove Bank ends in 13 days"]
    with as_tenant():
        assert jobs.expire_and_remind(now=end + dt.timedelta(minutes=1))["expired"] == 1
    deal = load(deal_id)
    assert deal.status == "expired"
    with api.tenant_scope(world.tenant.id):
        assert (
            api.session.scalars(
                select(DealProtection).where(DealProtection.deal_id == deal_id)
            ).all()
            == []
        )
    assert mailbox[-1]["Subject"] == "Protection ended: Woodgrove Bank"
    timeline = client_as(world.users["gold_user"]).get(f"/deals/{deal_id}").get_data(as_text=True)
    assert "Protection ended (expired)" in timeline
    # the customer can be registered and protected again
    again = _approved(world, register, client_as)
    assert load(again).status == "approved"


def test_sla_breach_flagged_once_with_one_digest(world, register, load, as_tenant, mailbox):
    from portalis_deals import jobs

    a = register(world.users["gold_user"])
    b = register(
        world.users["silver_user"], customer_name="Coho Winery", customer_website="cohowinery.com"
    )
    first_due = min(load(a).sla_due_at, load(b).sla_due_at)
    due = max(load(a).sla_due_at, load(b).sla_due_at)
    mailbox.clear()
    with as_tenant():
        assert jobs.flag_sla_breaches(now=first_due - dt.timedelta(minutes=1)) == 0
    with as_tenant():
        assert jobs.flag_sla_breaches(now=due + dt.timedelta(minutes=1)) == 2
    with as_tenant():
        assert jobs.flag_sla_breaches(now=due + dt.timedelta(hours=5)) == 0
    assert load(a).sla_breached_at is not None and load(b).sla_breached_at is not None
    to_manager = [m for m in mailbox if m["To"] == world.users["channel_manager"].email]
    assert [m["Subject"] for m in to_manager] == ["2 deal registrations are overdue for review"]
    body = to_manager[0].get_body(("plain",)).get_content()
    assert "Woodgrove Bank" in body and "Coho Winery" in body


def test_sla_is_counted_in_business_hours(world, register, load):
    deal = load(register(world.users["gold_user"]))
    assert deal.sla_due_at - deal.last_submitted_at >= dt.timedelta(hours=48)
    assert deal.sla_due_at - deal.last_submitted_at <= dt.timedelta(hours=96)  # at most one weekend


def test_switching_the_plugin_off_hides_everything(world, client_as, register):
    deal_id = register(world.users["gold_user"])
    partner = client_as(world.users["gold_user"])
    assert "Deal registrations" in partner.get("/dashboard").get_data(as_text=True)
    assert 'href="/deals/"' in partner.get("/dashboard").get_data(as_text=True)

    admin = client_as(world.users["vendor_admin"])
    resp = admin.post_form(
        f"/admin/programs/{world.program.id}/plugins/deals",
        {
            "s-protection_days": "90",
            "s-review_sla_hours": "48",
            "s-max_extensions": "2",
            "s-reminder_days_before": "14",
        },
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]

    for path in ("/deals/", f"/deals/{deal_id}", "/deals/new"):
        assert partner.get(path).status_code == 404, path
    dashboard = partner.get("/dashboard").get_data(as_text=True)
    assert 'href="/deals/"' not in dashboard
    assert "Deal registrations" not in dashboard
    manager = client_as(world.users["channel_manager"])
    # no program of the tenant has the plugin any more
    assert manager.get("/deals/review").status_code == 404
    assert "Deal review" not in manager.get("/admin/").get_data(as_text=True)


def test_partner_dashboard_leads_with_what_needs_action(world, client_as, register):
    deal_id = register(world.users["gold_user"])
    client_as(world.users["channel_manager"]).post_form(
        f"/deals/review/{deal_id}/return",
        {"reason": "Need the seat count"},
        form_page=f"/deals/review/{deal_id}",
    )
    html = client_as(world.users["gold_user"]).get("/dashboard").get_data(as_text=True)
    assert "Vendor needs information" in html
    assert html.index("Deal registrations") < html.index("Your tier"), (
        "needs-action widget comes first"
    )
    nav = html[html.index('class="sidebar"') :]
    assert '<span class="badge badge-info">1</span>' in nav[: nav.index("</nav>")]


def test_vendor_nav_badge_counts_waiting_registrations(world, client_as, register):
    register(world.users["gold_user"])
    register(
        world.users["silver_user"], customer_name="Coho Winery", customer_website="cohowinery.com"
    )
    html = client_as(world.users["channel_manager"]).get("/admin/").get_data(as_text=True)
    assert 'Deal review</span><span class="badge badge-info">2</span>' in html
    assert "Deal registrations to review" in html
