"""End to end in real Chromium: a partner registers a deal that conflicts with another
partner's and sees only a neutral notice; the channel manager sees both side by side and
approves one; the partner then sees the protection date and the tier discount."""

import re

import pytest

pytestmark = pytest.mark.browser


def test_conflicting_registration_review_and_protection(live_portal, chromium):
    live = live_portal
    # 1. Fabrikam (Gold) already has a submitted registration for "Globomantics"
    partner_a = chromium.new_page()
    live.sign_in(partner_a, "greta@fabrikam.example")
    partner_a.goto(live.url("acme", "/deals/new"))
    partner_a.fill("input[name=customer_name]", "Globomantics Industries GmbH")
    partner_a.fill("input[name=customer_website]", "https://www.globomantics.example")
    partner_a.fill("input[name=country]", "DE") if partner_a.locator(
        "input[name=country]"
    ).count() else partner_a.select_option("select[name=country]", "DE")
    _fill_rest(partner_a)
    partner_a.click("button[name=action][value=submit]")
    partner_a.wait_for_load_state("networkidle")
    assert partner_a.locator("text=Globomantics Industries GmbH").count() > 0

    # 2. Contoso registers the same customer (sub-domain, other spelling): live notice while typing
    partner_b = chromium.new_page()
    live.sign_in(partner_b, "carl@contoso.example")
    partner_b.goto(live.url("acme", "/deals/new"))
    partner_b.fill("input[name=customer_name]", "globomantics industries")
    partner_b.fill("input[name=customer_website]", "https://shop.globomantics.example")
    partner_b.wait_for_timeout(800)  # htmx check fires after typing
    hint = partner_b.content()
    assert re.search(r"may already (exist|be registered)", hint, re.I)
    assert "Fabrikam" not in hint
    partner_b.fill("input[name=country]", "DE") if partner_b.locator(
        "input[name=country]"
    ).count() else partner_b.select_option("select[name=country]", "DE")
    _fill_rest(partner_b)
    partner_b.click("button[name=action][value=submit]")
    partner_b.wait_for_load_state("networkidle")
    detail_b = partner_b.content()
    assert "Fabrikam" not in detail_b and "greta@" not in detail_b
    deal_b_url = partner_b.url

    # 3. The channel manager sees both side by side and approves Contoso's
    manager = chromium.new_page()
    live.sign_in(manager, "manager@acme.example")
    manager.goto(live.url("acme", "/deals/review"))
    queue = manager.content()
    assert "Globomantics Industries GmbH" in queue and "globomantics industries" in queue
    deal_b_id = deal_b_url.rstrip("/").rsplit("/", 1)[1]
    manager.goto(live.url("acme", f"/deals/review/{deal_b_id}"))
    review = manager.content()
    assert "Fabrikam GmbH" in review and "Contoso Systems" in review  # side by side
    manager.locator("form:has(button:has-text('Approve')) button:has-text('Approve')").first.click()
    manager.wait_for_load_state("networkidle")

    # 4. Contoso sees the protection date and its Gold discount (10 %)
    partner_b.goto(deal_b_url)
    final = partner_b.content()
    assert re.search(r"[Pp]rotected until", final)
    assert "10%" in final.replace("\xa0", "")


def _fill_rest(page):
    """The other required fields, filled the way a person would."""
    for name, value in (
        ("contact_name", "Jo Buyer"),
        ("contact_email", "jo@globomantics.example"),
        ("products", "Cloud Suite"),
        ("amount", "48000"),
        ("expected_close_date", "2027-03-31"),
    ):
        if page.locator(f"[name={name}]").count():
            page.fill(f"[name={name}]", value)
    if page.locator("select[name=currency]").count():
        page.select_option("select[name=currency]", "USD")
