"""End to end in real Chromium, on the demo: a partner admin one step from the end follows
the dashboard's next step, ticks it and has finished onboarding; the channel manager sees
the partner as complete on the partner list and the onboarding overview."""

import pytest

pytestmark = pytest.mark.browser


def test_partner_finishes_onboarding_from_the_dashboard(live_portal, chromium):
    live = live_portal
    partner = chromium.new_page()
    live.sign_in(partner, "carl@contoso.example")  # Contoso: 4 of 5 in the demo
    partner.goto(live.url("acme", "/dashboard"))
    card = partner.locator(".card", has_text="Your progress").first
    assert "4 of 5 tasks done" in card.inner_text()
    next_link = card.locator("a", has_text="Invite your sales team")
    anchor = next_link.get_attribute("href").split("#", 1)[1]
    next_link.click()
    partner.wait_for_load_state("networkidle")
    assert partner.url.endswith("#" + anchor)
    first = partner.locator(".timeline-item").first
    assert first.get_attribute("id") == anchor  # the next step comes first
    assert "Next step" in first.inner_text()

    first.get_by_role("button", name="Mark as done").click()
    partner.wait_for_load_state("networkidle")
    page = partner.locator("main").inner_text()
    assert "“Invite your sales team” is done." in page
    assert "You have completed onboarding. Welcome aboard!" in page
    assert "Mark as done" not in page

    manager = chromium.new_page()
    live.sign_in(manager, "manager@acme.example")
    manager.goto(live.url("acme", "/admin/partners"))
    assert "Complete" in manager.locator("tr", has_text="Contoso Systems").inner_text()
    manager.goto(live.url("acme", "/onboarding/manage"))
    assert "Completed" in manager.locator("tr", has_text="Contoso Systems").inner_text()
