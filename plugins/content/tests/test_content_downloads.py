"""Download tracking (who, which version, when; previews don't count) and co-branded PDFs."""

from __future__ import annotations

import io
import re

from content_helpers import make_pdf
from pypdf import PdfReader
from sqlalchemy import select

from portalis import api


def _downloads(world, item_id):
    from portalis_content.models import Download

    with api.tenant_scope(world.tenant.id):
        return api.session.scalars(
            select(Download).where(Download.item_id == item_id).order_by(Download.id)
        ).all()


def test_downloads_are_counted_per_item_and_company(world, client_as, library):
    item = library("Battlecard", data=make_pdf("Battlecard"))
    gold_user, gold_admin = (
        client_as(world.users["gold_user"]),
        client_as(world.users["gold_admin"]),
    )
    silver = client_as(world.users["silver_user"])
    for client in (gold_user, gold_user, gold_admin, silver):
        assert client.get(f"/content/items/{item}/download").status_code == 200
    # previews, item pages and vendor downloads are not downloads
    gold_user.get(f"/content/items/{item}/preview")
    gold_user.get(f"/content/items/{item}")
    client_as(world.users["vendor_admin"]).get(f"/content/items/{item}/download")
    rows = _downloads(world, item)
    assert len(rows) == 4
    assert {r.user_id for r in rows} == {
        world.users["gold_user"].id,
        world.users["gold_admin"].id,
        world.users["silver_user"].id,
    }
    assert all(r.version_number == 1 and r.version_id and r.created_at for r in rows)
    by_partner = {}
    for r in rows:
        by_partner[r.partner_id] = by_partner.get(r.partner_id, 0) + 1
    assert by_partner == {world.partners["gold"].id: 3, world.partners["silver"].id: 1}

    page = " ".join(
        client_as(world.users["vendor_admin"])
        .get(f"/content/manage/items/{item}")
        .get_data(as_text=True)
        .split()
    )
    gold_name, silver_name = world.partners["gold"].name, world.partners["silver"].name
    assert re.search(rf"{gold_name}</td><td class=\"num\">3</td>", page)
    assert re.search(rf"{silver_name}</td><td class=\"num\">1</td>", page)
    report = (
        client_as(world.users["vendor_admin"]).get("/content/manage/report").get_data(as_text=True)
    )
    assert "Battlecard" in report and gold_name in report


def test_download_records_the_version_downloaded(world, client_as, library):
    item = library("Price list", data=make_pdf("v1"))
    gold = client_as(world.users["gold_user"])
    gold.get(f"/content/items/{item}/download")
    vendor = client_as(world.users["vendor_admin"])
    vendor.post_form(
        f"/content/manage/items/{item}/versions/new?lang=en",
        {"file": (io.BytesIO(make_pdf("v2")), "v2.pdf")},
        content_type="multipart/form-data",
    )
    gold.get(f"/content/items/{item}/download")
    assert [r.version_number for r in _downloads(world, item)] == [1, 2]


def test_downloads_metric_for_tier_criteria(world, client_as, library):
    from portalis_content.metrics import downloads_90d

    item = library("Guide", data=make_pdf("guide"))
    for _ in range(3):
        client_as(world.users["gold_user"]).get(f"/content/items/{item}/download")
    with api.tenant_scope(world.tenant.id):
        values = downloads_90d(
            [world.partners["gold"].id, world.partners["silver"].id], world.program.id, api.utcnow()
        )
    assert values == {world.partners["gold"].id: 3.0}


def test_cobranded_pdf_carries_the_partners_details(world, client_as, library):
    with api.tenant_scope(world.tenant.id):
        partner = api.session.get(api.Partner, world.partners["gold"].id)
        partner.contact_email = "sales@gold-reseller.test"
        partner.phone = "+1 555 0142"
        partner.website = "https://www.gold-reseller.test"
        api.session.commit()
        name = partner.name
    source = make_pdf("Ransomware recovery in minutes", pages=2)
    item = library(
        "Customer brochure",
        data=source,
        cobrandable=True,
        zones=[
            {"page": 0, "x": 54, "y": 20, "width": 487, "height": 44, "style": "band"},
            {"page": 1, "x": 340, "y": 640, "width": 200, "height": 64, "style": "box"},
        ],
    )
    gold = client_as(world.users["gold_user"])
    assert "Download co-branded PDF" in gold.get(f"/content/items/{item}").get_data(as_text=True)
    resp = gold.get(f"/content/items/{item}/download")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    reader = PdfReader(io.BytesIO(resp.data))
    assert len(reader.pages) == 2
    first, second = (p.extract_text() for p in reader.pages)
    assert name in first and name in second
    assert "sales@gold-reseller.test" in first and "www.gold-reseller.test" in first
    assert "Ransomware recovery in minutes" in first  # the original is still there
    assert _downloads(world, item)[-1].cobranded is True
    # each partner gets their own details, the stored original stays untouched
    silver_pdf = client_as(world.users["silver_user"]).get(f"/content/items/{item}/download").data
    silver_text = PdfReader(io.BytesIO(silver_pdf)).pages[0].extract_text()
    assert world.partners["silver"].name in silver_text and name not in silver_text
    original = client_as(world.users["vendor_admin"]).get(f"/content/items/{item}/download").data
    assert original == source


def test_vendor_can_try_the_cobranding_as_a_partner_without_counting(world, client_as, library):
    item = library("Brochure", data=make_pdf("Brochure"), cobrandable=True)  # no zones: footer
    vendor = client_as(world.users["vendor_admin"])
    resp = vendor.get(
        f"/content/manage/items/{item}/cobrand-preview?partner_id={world.partners['silver'].id}"
    )
    assert resp.status_code == 200
    text = PdfReader(io.BytesIO(resp.data)).pages[0].extract_text()
    assert world.partners["silver"].name in text
    assert _downloads(world, item) == []


def test_cobranding_zones_are_saved_from_the_form(world, client_as, library):
    from portalis_content.models import Item

    item = library("Brochure", data=make_pdf("Brochure"))
    vendor = client_as(world.users["vendor_admin"])
    resp = vendor.post_form(
        f"/content/manage/items/{item}/zones",
        {
            "page": ["1", "0"],
            "x": ["40", ""],
            "y": ["700", ""],
            "width": ["220", ""],
            "height": ["60", ""],
            "style": ["box", "band"],
        },
        form_page=f"/content/manage/items/{item}",
    )
    assert resp.status_code == 302
    with api.tenant_scope(world.tenant.id):
        saved = api.session.get(Item, item)
        api.session.refresh(saved)
        assert saved.cobrandable is True
        assert saved.cobrand_zones == [
            {"page": 1, "x": 40.0, "y": 700.0, "width": 220.0, "height": 60.0, "style": "box"}
        ]
