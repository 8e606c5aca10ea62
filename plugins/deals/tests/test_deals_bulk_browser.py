"""Bulk decisions in real Chromium, checked in the database afterwards.

The bug this guards against: the queue's filter form reloaded the list on ``change`` of
ANY select of the page (htmx ``from:select``), so choosing "Reject" under "With the
selected" reloaded the table, dropped the ticks and put the action back to "Approve";
re-ticking and applying approved what the reviewer meant to reject."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portalis import api

pytestmark = pytest.mark.browser


class Db:
    """Reads the live portal's (committed) database, as the acme tenant."""

    def __init__(self, live):
        self.app = live.app
        with self.app.app_context():
            with api.unscoped("e2e test finds the demo tenant"):
                self.tenant_id = api.session.scalar(
                    select(api.Tenant.id).where(api.Tenant.slug == "acme")
                )
            api.session.remove()

    def statuses(self, ids):
        from portalis_deals.models import Deal

        with self.app.app_context(), api.tenant_scope(self.tenant_id):
            try:
                rows = api.session.execute(select(Deal.id, Deal.status).where(Deal.id.in_(ids)))
                return {deal_id: status for deal_id, status in rows}
            finally:
                api.session.remove()

    def count(self, status):
        from portalis_deals.models import Deal

        with self.app.app_context(), api.tenant_scope(self.tenant_id):
            try:
                return api.session.scalar(select(func.count(Deal.id)).where(Deal.status == status))
            finally:
                api.session.remove()

    def reasons(self, ids):
        from portalis_deals.models import DealTransition

        with self.app.app_context(), api.tenant_scope(self.tenant_id):
            try:
                return set(
                    api.session.scalars(
                        select(DealTransition.reason).where(
                            DealTransition.deal_id.in_(ids), DealTransition.event == "rejected"
                        )
                    )
                )
            finally:
                api.session.remove()


def _watch_reloads(page):
    """The queue reloads (htmx GETs of /deals/review) from now on."""
    reloads = []
    page.on(
        "request",
        lambda r: (
            reloads.append(r.url)
            if r.method == "GET" and re.search(r"/deals/review(\?|$)", r.url)
            else None
        ),
    )
    return reloads


def _tick(page, n, skip=()):
    """Tick the first ``n`` selectable rows (not in ``skip``); their ids."""
    boxes = page.locator("#bulk input[name=ids]")
    ids = []
    for i in range(boxes.count()):
        box = boxes.nth(i)
        value = int(box.get_attribute("value"))
        if value in skip:
            continue
        box.check()
        ids.append(value)
        if len(ids) == n:
            break
    assert len(ids) == n
    return ids


def _outcomes(page):
    return {
        int(row.get_attribute("data-deal-id")): row.get_attribute("data-outcome")
        for row in page.locator("#bulk-result tr[data-deal-id]").all()
    }


def test_bulk_reject_and_approve_do_what_the_reviewer_chose(live_portal, chromium):
    live = live_portal
    db = Db(live)
    approved_before = db.count("approved")
    page = chromium.new_page()
    live.sign_in(page, "manager@acme.example")
    page.goto(live.url("acme", "/deals/review"))
    page.wait_for_load_state("networkidle")

    # --- reject two ---------------------------------------------------------------------
    # nothing is chosen for the reviewer: the action starts empty
    assert page.input_value("#bulk-action") == ""
    reloads = _watch_reloads(page)
    rejected = _tick(page, 2)
    assert set(db.statuses(rejected).values()) <= {"submitted", "under_review"}
    page.select_option("#bulk-action", "reject")
    page.fill("#bulk-reason", "A direct deal is already in progress")
    page.wait_for_timeout(900)  # longer than the filter's 300 ms debounce
    # the choice held: no reload, ticks, action and reason as the reviewer left them
    assert reloads == []
    assert page.input_value("#bulk-action") == "reject"
    assert all(page.locator(f"#bulk input[name=ids][value='{i}']").is_checked() for i in rejected)
    assert page.input_value("#bulk-reason") == "A direct deal is already in progress"

    page.click("#bulk button[type=submit]")
    page.wait_for_load_state("networkidle")
    # the confirmation names the action and the count, and the rows
    assert page.locator("h1").inner_text() == "Reject 2 registrations?"
    assert {
        int(r.get_attribute("data-deal-id")) for r in page.locator("tr[data-deal-id]").all()
    } == set(rejected)
    assert set(db.statuses(rejected).values()) <= {"submitted", "under_review"}  # not yet
    page.get_by_role("button", name="Reject 2 registrations").click()
    page.wait_for_load_state("networkidle")

    # in the database: both rejected with the reason, nothing approved
    assert db.statuses(rejected) == dict.fromkeys(rejected, "rejected")
    assert db.reasons(rejected) == {"A direct deal is already in progress"}
    assert db.count("approved") == approved_before
    # and on the page, per row
    assert "2 registrations rejected." in page.locator("main").inner_text()
    assert _outcomes(page) == dict.fromkeys(rejected, "rejected")

    # --- approve two others (without conflicts, so that both can be protected) ------------
    reloads = _watch_reloads(page)
    page.select_option("#f-conflict", "no")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    assert reloads, "the filter still reloads the list"
    approved = _tick(page, 2, skip=rejected)
    page.select_option("#bulk-action", "approve")
    page.click("#bulk button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Approve 2 registrations?"
    page.get_by_role("button", name="Approve 2 registrations").click()
    page.wait_for_load_state("networkidle")
    assert db.statuses(approved) == dict.fromkeys(approved, "approved")
    assert db.statuses(rejected) == dict.fromkeys(rejected, "rejected")
    assert db.count("approved") == approved_before + 2
    assert _outcomes(page) == dict.fromkeys(approved, "approved")
    assert "conflict=no" in page.url  # back to the queue as the reviewer had filtered it


def test_a_filter_change_resets_ticks_action_and_reason_together(live_portal, chromium):
    live = live_portal
    db = Db(live)
    page = chromium.new_page()
    live.sign_in(page, "manager@acme.example")
    page.goto(live.url("acme", "/deals/review"))
    page.wait_for_load_state("networkidle")
    before = db.count("rejected"), db.count("approved")

    ticked = _tick(page, 2)
    page.select_option("#bulk-action", "reject")
    page.fill("#bulk-reason", "Typed before filtering")
    page.select_option("#f-sort", "newest")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    assert "sort=newest" in page.url
    # one state, not a mix: nothing ticked, no action chosen, no reason left behind
    assert page.locator("#bulk input[name=ids]:checked").count() == 0
    assert page.input_value("#bulk-action") == ""
    assert page.input_value("#bulk-reason") == ""

    # re-ticking and applying without choosing again cannot approve: the browser asks for
    # an action and nothing is sent
    _tick(page, 2)
    url = page.url
    page.click("#bulk button[type=submit]")
    page.wait_for_timeout(500)
    assert page.url == url
    assert page.evaluate("document.querySelector('#bulk-action').validity.valueMissing")
    assert (db.count("rejected"), db.count("approved")) == before
    assert set(db.statuses(ticked).values()) <= {"submitted", "under_review"}
