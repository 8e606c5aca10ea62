"""Who sees which registration: other partners and other tenants get a plain 404, and the
conflict notice never tells a partner who else registered the customer."""

from __future__ import annotations

import pytest
from deals_helpers import deal_id_from, form_data


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("get", "/edit"),
        ("post", "/withdraw"),
        ("post", "/delete"),
        ("post", "/extension"),
        ("post", "/outcome"),
    ],
)
def test_partner_cannot_reach_another_partners_deal(world, client_as, register, method, suffix):
    deal_id = register(world.users["gold_user"])
    intruder = client_as(world.users["silver_admin"])
    path = f"/deals/{deal_id}{suffix}"
    if method == "get":
        resp = intruder.get(path)
    else:
        resp = intruder.post_form(
            path, {"reason": "mine now", "outcome": "won"}, form_page="/deals/"
        )
    assert resp.status_code == 404
    assert "Woodgrove" not in resp.get_data(as_text=True)


def test_partner_user_sees_own_deals_admin_sees_company(world, client_as, register):
    own = register(
        world.users["gold_user"], customer_name="Litware", customer_website="litware.com"
    )
    colleague = register(
        world.users["gold_admin"], customer_name="Proseware", customer_website="proseware.com"
    )
    user = client_as(world.users["gold_user"])
    assert user.get(f"/deals/{own}").status_code == 200
    assert user.get(f"/deals/{colleague}").status_code == 404
    assert "Proseware" not in user.get("/deals/").get_data(as_text=True)
    admin = client_as(world.users["gold_admin"])
    assert admin.get(f"/deals/{own}").status_code == 200
    company = admin.get("/deals/?scope=company").get_data(as_text=True)
    assert "Litware" in company and "Proseware" in company
    # a partner user can't widen their view with the parameter
    assert "Proseware" not in user.get("/deals/?scope=company").get_data(as_text=True)


def test_other_tenant_gets_404_even_for_vendor_staff(world, client_as, register):
    deal_id = register(world.users["gold_user"])
    other_manager = world.other["users"]["channel_manager"]
    other_partner = world.other["users"]["gold_admin"]
    for user in (other_manager, other_partner):
        client = client_as(user)
        assert client.get(f"/deals/review/{deal_id}").status_code == 404
        assert client.get(f"/deals/{deal_id}").status_code == 404
    queue = client_as(other_manager).get("/deals/review?status=all").get_data(as_text=True)
    assert "Woodgrove" not in queue


def test_vendor_does_not_see_drafts(world, client_as):
    partner = client_as(world.users["gold_user"])
    draft = deal_id_from(
        partner.post_form(
            "/deals/new",
            form_data(
                action="save",
                customer_name="Secret Prospect",
                customer_website="secretprospect.com",
            ),
        )
    )
    manager = client_as(world.users["channel_manager"])
    assert manager.get(f"/deals/review/{draft}").status_code == 404
    assert "Secret Prospect" not in manager.get("/deals/review?status=all").get_data(as_text=True)


def test_partners_cannot_open_review_pages_and_vendors_not_partner_pages(
    world, client_as, register
):
    deal_id = register(world.users["gold_user"])
    partner = client_as(world.users["gold_admin"])
    for path in (
        "/deals/review",
        f"/deals/review/{deal_id}",
        "/deals/review/pipeline",
        "/deals/review/export.csv",
        "/deals/review/new",
    ):
        assert partner.get(path).status_code == 404, path
    manager = client_as(world.users["channel_manager"])
    assert manager.get(f"/deals/{deal_id}").status_code == 404
    assert manager.get("/deals/new").status_code == 404


def test_conflict_notice_is_neutral_for_partner_detailed_for_manager(
    world, client_as, register, load
):
    first = register(world.users["gold_user"])  # Woodgrove Bank, woodgrovebank.com
    # the second partner starts typing the same customer: the live hint
    silver = client_as(world.users["silver_user"])
    hint = silver.get(
        "/deals/check?customer_name=Woodgrove&customer_website=https://it.woodgrovebank.com",
        headers={"HX-Request": "true"},
    )
    text = hint.get_data(as_text=True)
    assert "may already exist" in text
    gold_name = world.partners["gold"].name
    for leak in (gold_name, "Gus Gold", str(first), "125", "Jordan", "under review", "Submitted"):
        assert leak not in text, leak

    # an unrelated customer gives no hint at all
    quiet = silver.get(
        "/deals/check?customer_name=Fourth%20Coffee&customer_website=fourthcoffee.com"
    ).get_data(as_text=True)
    assert "may already exist" not in quiet

    second = register(
        world.users["silver_user"],
        customer_name="WOODGROVE BANK, Inc.",
        customer_website="it.woodgrovebank.com",
    )
    assert load(second).conflict_count == 1
    detail = silver.get(f"/deals/{second}").get_data(as_text=True)
    assert "may already exist" in detail
    assert gold_name not in detail and f"#{first}" not in detail and f"/deals/{first}" not in detail

    manager_client = client_as(world.users["channel_manager"])
    vendor_hint = manager_client.get(
        "/deals/check?customer_name=Woodgrove&customer_website=woodgrovebank.com"
    ).get_data(as_text=True)
    assert gold_name in vendor_hint and "Same web domain" in vendor_hint
    manager = manager_client.get(f"/deals/review/{second}").get_data(as_text=True)
    assert gold_name in manager and world.partners["silver"].name in manager
    assert "Same web domain" in manager
    assert "Registered first" in manager
    assert f"/deals/review/{first}" in manager


def test_hint_tells_partner_about_own_company_registration(world, client_as, register):
    register(world.users["gold_admin"])
    text = (
        client_as(world.users["gold_user"])
        .get("/deals/check?customer_name=Woodgrove%20Bank&customer_website=")
        .get_data(as_text=True)
    )
    assert "Your company already has an active registration" in text


def test_mail_to_partner_never_names_the_other_partner(world, client_as, register, mailbox):
    register(world.users["gold_user"])
    mailbox.clear()
    register(world.users["silver_user"], customer_website="woodgrovebank.com")
    partner_mails = [
        m
        for m in mailbox
        if m["To"] in (world.users["silver_user"].email, world.users["silver_admin"].email)
    ]
    assert all(
        world.partners["gold"].name not in m.get_body(("plain",)).get_content()
        for m in partner_mails
    )
    reviewer_mail = [m for m in mailbox if m["To"] == world.users["channel_manager"].email]
    assert (
        reviewer_mail
        and "may conflict with 1 other registration"
        in reviewer_mail[-1].get_body(("plain",)).get_content()
    )


def test_tenant_scope_keeps_conflicts_within_the_tenant(world, client_as, register, load):
    register(world.users["gold_user"])
    other_partner = world.other["users"]["gold_user"]
    deal_id = register(other_partner)
    assert load(deal_id, tenant=world.other_tenant).conflict_count == 0


def test_conflict_hint_is_rate_limited(world, client_as):
    """The neutral hint must not become a way to walk the vendor's customer list."""
    client = client_as(world.users["silver_user"])
    codes = [
        client.get("/deals/check", query_string={"customer_name": f"probe {i}"}).status_code
        for i in range(125)
    ]
    assert codes[0] == 200
    assert codes[-1] == 429
