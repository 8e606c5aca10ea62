"""End to end in real Chromium against a served app with a committed demo database:
a Gold partner finds the Gold-only price list by a word that appears only inside its PDF
and downloads it co-branded; a Silver partner searching the same word gets nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from portalis import api

pytestmark = pytest.mark.browser


def test_search_and_cobranded_download_in_chromium(live_portal, chromium):
    from pypdf import PdfReader

    from portalis_content.demo import GOLD_ONLY_WORD

    app = live_portal.app
    base = live_portal.url("acme").rstrip("/")
    word = GOLD_ONLY_WORD.lower()
    from sqlalchemy import select

    with app.app_context():
        with api.unscoped("e2e test finds the demo tenant"):
            tenant_id = api.session.scalar(select(api.Tenant.id).where(api.Tenant.slug == "acme"))
        with api.tenant_scope(tenant_id):
            gold_partner = api.session.scalars(
                select(api.Partner).where(api.Partner.name == "Contoso Systems")
            ).one()
            gold_name, gold_email = gold_partner.name, gold_partner.contact_email
        api.session.remove()
    browser = chromium
    # Gold: Contoso Systems
    ctx = browser.new_context(accept_downloads=True)
    page = ctx.new_page()
    live_portal.sign_in(page, "carl@contoso.example")
    page.goto(f"{base}/content/")
    page.fill("#library-q", word)
    page.press("#library-q", "Enter")
    page.wait_for_url(lambda url: "/search/" in url)
    results = page.locator("ol.search-hits")
    assert results.get_by_text("Gold and Platinum partner price list").count() == 1
    assert page.locator(".facet-list").count() > 0
    results.get_by_role("link", name="Gold and Platinum partner price list").click()
    page.wait_for_url(lambda url: "/content/items/" in url)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download co-branded PDF").click()
    pdf_path = info.value.path()
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(Path(pdf_path).read_bytes())).pages
    )
    assert gold_name in text
    assert gold_email in text
    assert GOLD_ONLY_WORD in text
    ctx.close()

    # Silver: Tailspin Consulting — same word, nothing at all
    ctx = browser.new_context()
    page = ctx.new_page()
    live_portal.sign_in(page, "lea@tailspin.example")
    page.goto(f"{base}/search/?q={word}&f.plugin=content")
    main = page.locator("main")  # Léa reads the portal in French: check structure
    assert page.locator("ol.search-hits a.search-hit-title").count() == 0
    assert page.locator("section.card .card-header h2").inner_text().startswith("0")
    assert page.locator(".facet-list").count() == 0
    assert "price list" not in main.inner_text().lower()
    assert "prix" not in main.inner_text().lower()
    assert page.locator(f"text={GOLD_ONLY_WORD}").count() == 0
    ctx.close()
