"""Full-text search over file contents, filtered by the core with the documents' program,
tiers and partners: a word only inside a Gold PDF is found by Gold, and leaves no trace
(no hit, no count, no facet, no suggestion) for Silver."""

from __future__ import annotations

import datetime as dt
import io
import re

from content_helpers import item_id_from, make_docx, make_pdf
from sqlalchemy import select

from portalis import api

WORD = "Zephyrkite"  # appears only inside the PDF, never in a title or description


def _upload_gold_pdf(world, client_as):
    vendor = client_as(world.users["vendor_admin"])
    resp = vendor.post_form(
        "/content/manage/new",
        {
            "kind": "file",
            "title": "Gold partner price list",
            "language": "en",
            "description": "Buy prices for Gold partners",
            "program_id": str(world.program.id),
            "folder_id": "0",
            "visibility": "tiers",
            "tier_ids": [str(world.tiers["gold"].id)],
            "file": (
                io.BytesIO(
                    make_pdf("Volume orders qualify for the", f"{WORD} rebate of four percent.")
                ),
                "prices.pdf",
            ),
        },
        form_page="/content/manage/new",
        content_type="multipart/form-data",
    )
    return item_id_from(resp)


def _main(html):
    m = re.search(r"<main.*?</main>", html, re.S)
    return m.group(0) if m else html


def test_gold_finds_a_word_inside_the_pdf_silver_sees_nothing(world, client_as):
    item_id = _upload_gold_pdf(world, client_as)
    gold = client_as(world.users["gold_user"])
    silver = client_as(world.users["silver_user"])

    found = _main(gold.get(f"/search/?q={WORD.lower()}").get_data(as_text=True))
    assert "1 result" in found
    assert f'href="/content/items/{item_id}?lang=en"' in found  # the hit opens the item page
    assert "<mark>" in found and WORD in found
    assert "Content library" in found  # the plugin facet, with its count

    nothing = _main(silver.get(f"/search/?q={WORD.lower()}").get_data(as_text=True))
    assert "0 results" in nothing and "Nothing found" in nothing
    assert "facet-list" not in nothing  # no facet, so no count hinting at it
    assert "Gold partner price list" not in nothing
    assert "Did you mean" not in nothing
    # a near miss must not be "corrected" to the hidden word either
    near = _main(silver.get(f"/search/?q={WORD.lower()[:-1]}x").get_data(as_text=True))
    assert WORD.lower() not in near.lower().replace(f"{WORD.lower()[:-1]}x", "")
    live = silver.get(f"/search/live?q={WORD.lower()}").get_data(as_text=True)
    assert "Gold partner price list" not in live
    # the hit's link itself is closed to Silver
    assert silver.get(f"/content/items/{item_id}?lang=en").status_code == 404


def test_search_follows_tier_changes_at_once(world, client_as, set_tier):
    _upload_gold_pdf(world, client_as)
    silver = client_as(world.users["silver_user"])
    assert "0 results" in silver.get(f"/search/?q={WORD}").get_data(as_text=True)
    set_tier("silver", "gold")
    assert "1 result" in silver.get(f"/search/?q={WORD}").get_data(as_text=True)


def test_words_inside_word_documents_are_found(world, client_as, library):
    library(
        "Discovery questions",
        data=make_docx("Ask about the Marblefinch retention policy."),
        filename="q.docx",
    )
    page = (
        client_as(world.users["silver_user"]).get("/search/?q=marblefinch").get_data(as_text=True)
    )
    assert "Discovery questions" in _main(page)


def test_scheduled_items_enter_the_search_when_they_go_live(world, client_as, library):
    from portalis_content import jobs
    from portalis_content.models import Item

    item = library(
        "Launch kit",
        data=make_pdf("The Brightwater launch kit"),
        publish_at=api.utcnow() + dt.timedelta(days=2),
    )
    gold = client_as(world.users["gold_user"])
    assert "0 results" in gold.get("/search/?q=brightwater").get_data(as_text=True)
    vendor_page = client_as(world.users["vendor_admin"]).get("/search/?q=brightwater")
    assert "Launch kit" in vendor_page.get_data(as_text=True)  # vendor staff see it already
    with api.tenant_scope(world.tenant.id):
        api.session.get(Item, item).publish_at = api.utcnow() - dt.timedelta(seconds=1)
        api.session.commit()
        jobs.sync_schedule()
        api.session.commit()
    assert "1 result" in gold.get("/search/?q=brightwater").get_data(as_text=True)
    with api.tenant_scope(world.tenant.id):
        api.session.get(Item, item).expires_at = api.utcnow() - dt.timedelta(seconds=1)
        api.session.commit()
        jobs.sync_schedule()
        api.session.commit()
    assert "0 results" in gold.get("/search/?q=brightwater").get_data(as_text=True)


def test_reindex_documents_carry_the_items_visibility(world, library):
    from portalis_content.plugin import portalis_search_documents

    gold_only = library(
        "Gold list", visibility="tiers", tiers=("gold",), translations={"de": ("Gold-Liste", None)}
    )
    company = library("Account plan", visibility="partners", partners=("silver",))
    hidden = library("Draft", visibility="hidden")
    with api.tenant_scope(world.tenant.id):
        docs = {d.doc_id: d for d in portalis_search_documents(world.tenant.id)}
    assert docs[f"content:{gold_only}:en"].tier_ids == (world.tiers["gold"].id,)
    assert docs[f"content:{gold_only}:de"].language == "de"
    assert docs[f"content:{gold_only}:en"].partner_ids is None
    assert docs[f"content:{gold_only}:en"].program_id == world.program.id
    assert docs[f"content:{company}:en"].partner_ids == (world.partners["silver"].id,)
    assert docs[f"content:{hidden}:en"].audience == "vendor"
    assert (
        docs[f"content:{hidden}:en"].tier_ids == ()
        and docs[f"content:{hidden}:en"].partner_ids == ()
    )
    assert all(d.url.startswith("/content/items/") for d in docs.values())
    assert "body text" in docs[f"content:{company}:en"].body  # the PDF's own text


def test_deleting_an_item_removes_it_from_the_search_and_disk(world, client_as, library):
    from content_helpers import stored_files

    from portalis_content.models import Version

    item = library("Obsolete brochure", data=make_pdf("Cobaltwren brochure"))
    with api.tenant_scope(world.tenant.id):
        name = api.session.scalars(select(Version.stored_name).where(Version.item_id == item)).one()
    assert name in stored_files(world)
    vendor = client_as(world.users["vendor_admin"])
    assert "1 result" in vendor.get("/search/?q=cobaltwren").get_data(as_text=True)
    resp = vendor.post_form(
        f"/content/manage/items/{item}/delete", {}, form_page=f"/content/manage/items/{item}"
    )
    assert resp.status_code == 302
    assert "0 results" in vendor.get("/search/?q=cobaltwren").get_data(as_text=True)
    assert name not in stored_files(world)
