"""Who sees what: program, tiers, partner companies, hidden, publish and expiry dates —
checked on every request, so a copied link stops working the moment access ends."""

from __future__ import annotations

import datetime as dt

from portalis import api


def _status(client, item_id, suffix=""):
    return client.get(f"/content/items/{item_id}{suffix}").status_code


def test_everyone_in_the_program_sees_an_everyone_item(world, client_as, library):
    item = library("Program guide")
    for user in ("gold_user", "silver_user", "vendor_admin"):
        assert _status(client_as(world.users[user]), item) == 200, user
    for user in ("gold_user", "silver_user"):
        assert _status(client_as(world.users[user]), item, "/download") == 200, user


def test_tier_restricted_item_is_404_for_other_tiers(world, client_as, library):
    item = library("Gold price list", visibility="tiers", tiers=("gold", "platinum"))
    gold, silver = client_as(world.users["gold_user"]), client_as(world.users["silver_user"])
    for suffix in ("", "/download", "/preview", "/thumbnail"):
        assert _status(silver, item, suffix) == 404, suffix
    assert _status(gold, item) == 200
    assert _status(gold, item, "/download") == 200
    # not listed either: the title never reaches a Silver partner
    assert "Gold price list" not in silver.get("/content/").get_data(as_text=True)
    assert "Gold price list" in gold.get("/content/").get_data(as_text=True)


def test_partner_restricted_item_only_for_the_chosen_company(world, client_as, library):
    item = library("Joint account plan", visibility="partners", partners=("silver",))
    assert _status(client_as(world.users["silver_user"]), item) == 200
    assert _status(client_as(world.users["gold_admin"]), item) == 404
    assert _status(client_as(world.users["gold_admin"]), item, "/download") == 404


def test_hidden_item_is_for_vendor_staff_only(world, client_as, library):
    item = library("Draft whitepaper", visibility="hidden")
    for user in ("gold_admin", "silver_user"):
        assert _status(client_as(world.users[user]), item) == 404
    assert _status(client_as(world.users["vendor_admin"]), item) == 200
    assert _status(client_as(world.users["channel_manager"]), item) == 200


def test_item_of_another_program_is_404(world, client_as, library, db_session):
    with api.tenant_scope(world.tenant.id):
        other = api.Program(slug="distributors", name="Distributor Program")
        api.session.add(other)
        api.session.commit()
        other_id = other.id
    item = library("Distributor terms", program_id=other_id)
    assert _status(client_as(world.users["gold_user"]), item) == 404
    assert _status(client_as(world.users["vendor_admin"]), item) == 200


def test_another_tenants_item_is_404(world, client_as, library):
    item = library("Acme only")
    other_partner = world.other["users"]["gold_admin"]
    other_vendor = world.other["users"]["vendor_admin"]
    for user in (other_partner, other_vendor):
        client = client_as(user)
        assert client.get(f"/content/items/{item}").status_code == 404
        assert client.get(f"/content/items/{item}/download").status_code == 404
        assert client.get(f"/content/manage/items/{item}").status_code in (404,)


def test_publish_and_expiry_dates(world, client_as, library):
    now = api.utcnow()
    scheduled = library("Launch kit", publish_at=now + dt.timedelta(days=3))
    expired = library("Old promotion", expires_at=now - dt.timedelta(minutes=1))
    live = library(
        "Current promotion",
        publish_at=now - dt.timedelta(days=1),
        expires_at=now + dt.timedelta(days=1),
    )
    gold = client_as(world.users["gold_user"])
    assert _status(gold, scheduled) == 404
    assert _status(gold, expired) == 404
    assert _status(gold, expired, "/download") == 404
    assert _status(gold, live) == 200
    listing = gold.get("/content/").get_data(as_text=True)
    assert "Launch kit" not in listing and "Old promotion" not in listing
    vendor = client_as(world.users["vendor_admin"])
    assert _status(vendor, scheduled) == 200 and _status(vendor, expired) == 200


def test_copied_download_link_stops_working_after_a_tier_change(
    world, client_as, library, set_tier
):
    item = library("Gold price list", visibility="tiers", tiers=("gold",))
    gold = client_as(world.users["gold_user"])
    link = f"/content/items/{item}/download"
    assert gold.get(link).status_code == 200
    set_tier("gold", "silver")  # demoted: the same session, the same copied URL
    assert gold.get(link).status_code == 404
    assert gold.get(f"/content/items/{item}").status_code == 404
    set_tier("gold", "gold")
    assert gold.get(link).status_code == 200


def test_copied_download_link_stops_working_at_expiry(world, client_as, library):
    from portalis_content.models import Item

    item = library("Spring promotion")
    gold = client_as(world.users["gold_user"])
    link = f"/content/items/{item}/download"
    assert gold.get(link).status_code == 200
    with api.tenant_scope(world.tenant.id):
        api.session.get(Item, item).expires_at = api.utcnow() - dt.timedelta(seconds=1)
        api.session.commit()
    assert gold.get(link).status_code == 404


def test_folder_shows_only_when_it_holds_something_visible(world, client_as, library):
    from portalis_content.models import Folder

    gold_item = library("Gold price list", visibility="tiers", tiers=("gold",), folder="Pricing")
    with api.tenant_scope(world.tenant.id):
        from portalis_content.models import Item

        folder_id = api.session.get(Item, gold_item).folder_id
        empty = Folder(name="Empty shelf")
        api.session.add(empty)
        api.session.commit()
        empty_id = empty.id
    silver, gold = client_as(world.users["silver_user"]), client_as(world.users["gold_user"])
    assert "Pricing" not in silver.get("/content/").get_data(as_text=True)
    assert silver.get(f"/content/folders/{folder_id}").status_code == 404
    assert "Pricing" in gold.get("/content/").get_data(as_text=True)
    assert gold.get(f"/content/folders/{folder_id}").status_code == 200
    for client in (gold, silver):
        assert "Empty shelf" not in client.get("/content/").get_data(as_text=True)
        assert client.get(f"/content/folders/{empty_id}").status_code == 404


def test_parent_folder_shows_when_a_subfolder_holds_something_visible(world, client_as, library):
    from portalis_content.models import Folder, Item

    item = library("Gateway datasheet", folder="Gateways", parent_folder="Datasheets")
    with api.tenant_scope(world.tenant.id):
        child = api.session.get(Folder, api.session.get(Item, item).folder_id)
        parent_id = child.parent_id
    silver = client_as(world.users["silver_user"])
    page = silver.get("/content/").get_data(as_text=True)
    assert "Datasheets" in page
    inside = silver.get(f"/content/folders/{parent_id}")
    assert inside.status_code == 200 and "Gateways" in inside.get_data(as_text=True)


def test_audience_count_before_saving(world, client_as):
    vendor = client_as(world.users["vendor_admin"])
    base = f"/content/manage/audience?program_id={world.program.id}"

    def text(query):
        resp = vendor.get(base + query, headers={"HX-Request": "true"})
        assert resp.status_code == 200
        return " ".join(resp.get_data(as_text=True).split())

    everyone = text("&visibility=everyone")
    assert "4 partner users will be able to see this item." in everyone
    assert "They work at 2 companies." in everyone
    gold_only = text(f"&visibility=tiers&tier_ids={world.tiers['gold'].id}")
    assert "2 partner users will be able to see" in gold_only
    assert "They work at 1 company." in gold_only
    assert "0 partner users" in text(f"&visibility=tiers&tier_ids={world.tiers['platinum'].id}")
    both = f"&visibility=partners&partner_ids={world.partners['gold'].id}&partner_ids={world.partners['silver'].id}"
    assert "4 partner users will be able to see" in text(both)
    assert "They work at 2 companies." in text(both)
    assert "only vendor staff" in text("&visibility=hidden")
    # partners may not ask
    assert client_as(world.users["gold_admin"]).get(base).status_code == 404


def test_new_item_form_shows_the_live_count_wired_to_htmx(world, client_as):
    page = client_as(world.users["vendor_admin"]).get("/content/manage/new").get_data(as_text=True)
    assert 'hx-get="/content/manage/audience"' in page
    assert "4 partner users" in " ".join(page.split())


def test_library_pages_do_not_grow_with_the_number_of_items(world, client_as, library):
    for i in range(2):
        library(
            f"Datasheet {i}",
            folder="Datasheets" if i == 0 else None,
            translations={"de": (f"Datenblatt {i}", None)},
        )
    gold = client_as(world.users["gold_user"])
    vendor = client_as(world.users["vendor_admin"])

    def statements(client, path):
        resp = client.get(path)
        assert resp.status_code == 200, path
        return int(resp.headers["X-SQL-Statements"])

    before = {p: statements(gold, p) for p in ("/content/", "/dashboard")}
    before_admin = statements(vendor, "/content/manage/")
    for i in range(10):
        library(f"More {i}", translations={"fr": (f"Plus {i}", None)})
    assert {p: statements(gold, p) for p in ("/content/", "/dashboard")} == before
    assert statements(vendor, "/content/manage/") == before_admin


def test_pages_are_sanitised_markdown_and_links_are_counted(world, client_as, library):
    from portalis_content.models import Download

    page = library(
        "Onboarding",
        kind="page",
        body="# Hi\n<script>alert(1)</script>\n[x](javascript:alert(1)) **bold**",
    )
    html = client_as(world.users["gold_user"]).get(f"/content/items/{page}").get_data(as_text=True)
    assert "<strong>bold</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert 'href="javascript' not in html
    link = library("Demo video", kind="link", url="https://video.example.com/demo")
    resp = client_as(world.users["gold_user"]).get(f"/content/items/{link}/open")
    assert resp.status_code == 303 and resp.headers["Location"] == "https://video.example.com/demo"
    with api.tenant_scope(world.tenant.id):
        from sqlalchemy import func, select

        n = api.session.scalar(select(func.count(Download.id)).where(Download.item_id == link))
    assert n == 1
