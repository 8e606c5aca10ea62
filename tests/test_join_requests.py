"""Self-registration by e-mail domain: matching, no enumeration, and deciding on both sides."""

import re

import pytest
from sqlalchemy import select

from portalis.db import db
from portalis.identity.join_requests import matching_partner_ids
from portalis.models import AuditEntry, JoinRequest, OutboxMessage, Partner, User
from portalis.tenancy import tenant_scope

pytestmark = pytest.mark.plugins()


@pytest.fixture
def domains(world):
    """Gold at goldreseller.com, silver at silverreseller.de, and a third company that
    shares a domain with a fourth (two matches)."""
    with tenant_scope(world.tenant.id):
        gold = db.session.get(Partner, world.partners["gold"].id)
        silver = db.session.get(Partner, world.partners["silver"].id)
        gold.website = "https://www.goldreseller.com"
        silver.contact_email = "info@silverreseller.de"
        twins = [
            Partner(name=f"Twin {n}", program_id=world.program.id, website="https://twins.io")
            for n in (1, 2)
        ]
        sleeping = Partner(
            name="Sleeping Co", program_id=world.program.id, website="https://sleeping.com",
            status="suspended",
        )  # fmt: skip
        db.session.add_all([*twins, sleeping])
        db.session.commit()
        return {"gold": gold.id, "silver": silver.id, "twins": [t.id for t in twins]}


def _requests(world):
    with tenant_scope(world.tenant.id):
        return db.session.scalars(select(JoinRequest).order_by(JoinRequest.id)).all()


def _ask(client, email, name="Nina Newcomer", **extra):
    return client.post_form("/join", {"name": name, "email": email, **extra})


_TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*|("X-CSRFToken": ")[^"]*|nonce="[^"]*"')


def _page(resp, email):
    return _TOKEN.sub("", resp.get_data(as_text=True).replace(email, "EMAIL"))


def test_matching_unique_none_several_subdomain_free_mail(world, domains):
    with tenant_scope(world.tenant.id):
        assert matching_partner_ids("nina@goldreseller.com") == [domains["gold"]]
        assert matching_partner_ids("nina@eu.sales.GOLDRESELLER.com") == [domains["gold"]]
        assert matching_partner_ids("nina@twins.io") == domains["twins"]
        assert matching_partner_ids("nina@unknown-company.com") == []
        assert matching_partner_ids("nina@gmail.com") == []
        assert matching_partner_ids("nina@sleeping.com") == []  # suspended partners don't match
        with tenant_scope(world.other_tenant.id):
            assert matching_partner_ids("nina@goldreseller.com") == []  # another vendor's


def test_the_answer_is_the_same_whatever_the_address_matched(world, domains, client_as, mailbox):
    cases = {
        "unique": "nina@goldreseller.com",
        "several": "nina@twins.io",
        "none": "nina@unknown-company.com",
        "free mail": "nina.private@gmail.com",
        "has an account": world.users["gold_user"].email,
        "already waiting": "nina@goldreseller.com",  # asked once above
    }
    pages = {}
    for label, email in cases.items():
        resp = _ask(client_as(None), email)
        assert resp.status_code == 200, label
        pages[label] = _page(resp, email)
    assert len(set(pages.values())) == 1, "the answer must not reveal what matched"
    # only the address's owner learns what happened, by e-mail
    told = {m["To"]: m for m in mailbox if m["To"] in cases.values()}
    assert sorted(told) == sorted([world.users["gold_user"].email, "nina@goldreseller.com"])
    account = told[world.users["gold_user"].email]
    assert account["Subject"].startswith("You already have an account")
    assert "/login" in account.get_body(("plain",)).get_content()
    waiting = told["nina@goldreseller.com"]
    assert "waiting for a decision" in waiting["Subject"]
    assert "because this address was given on" in waiting.get_body(("html",)).get_content()
    # in the language of the page it was asked on
    client_as(None).post_form(
        "/join",
        {"name": "Nina", "email": "nina@goldreseller.com"},
        headers={"Accept-Language": "de"},
    )
    assert mailbox[-1]["To"] == "nina@goldreseller.com"
    assert mailbox[-1]["Subject"].endswith("wartet auf eine Entscheidung")
    assert "Request received" in pages["unique"]
    for name in ("Gold Reseller", "Twin 1", "goldreseller"):
        assert name not in pages["unique"]
    rows = {r.email: r for r in _requests(world)}
    assert rows["nina@goldreseller.com"].partner_id == domains["gold"]
    assert rows["nina@twins.io"].partner_id is None
    assert rows["nina@twins.io"].candidate_ids == domains["twins"]
    assert rows["nina@unknown-company.com"].candidate_ids == []
    assert rows["nina.private@gmail.com"].partner_id is None
    assert world.users["gold_user"].email not in rows  # nothing filed for an existing account


def test_honeypot_and_double_submission_file_nothing_more(world, domains, client_as):
    bot = _ask(client_as(None), "bot@goldreseller.com", homepage="http://spam.example")
    assert bot.status_code == 200 and "Request received" in bot.get_data(as_text=True)
    client = client_as(None)
    _ask(client, "nina@goldreseller.com")
    _ask(client, "Nina@GoldReseller.com")
    emails = [r.email for r in _requests(world)]
    assert emails == ["nina@goldreseller.com"]


def test_bad_input_is_refused_with_a_message(world, client_as):
    client = client_as(None)
    resp = _ask(client, "not an address", name="")
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "This field is required." in body and "Invalid email address." in body
    assert _requests(world) == []
    resp = _ask(client, "a" * 300 + "@x.com", name="x\x00" * 300)
    assert resp.status_code == 422 and _requests(world) == []


def test_join_is_rate_limited(world, client_as, portalis_app):
    portalis_app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    try:
        client = client_as(None)
        codes = [_ask(client, f"n{i}@goldreseller.com").status_code for i in range(3)]
    finally:
        portalis_app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    assert codes == [200, 200, 429]


def test_sign_in_and_apply_pages_link_to_join(world, client_as):
    client = client_as(None)
    for path in ("/login", "/apply"):
        assert 'href="/join"' in client.get(path).get_data(as_text=True), path


def test_partner_admins_are_told_in_their_language_and_approve(world, domains, client_as, mailbox):
    with tenant_scope(world.tenant.id):
        db.session.get(User, world.users["gold_admin"].id).locale = "de"
        db.session.commit()
    _ask(client_as(None), "nina@goldreseller.com")
    with tenant_scope(world.tenant.id):
        told = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to == world.users["gold_admin"].email)
        ).all()
    assert len(told) == 1 and told[0].locale == "de"
    assert "Nina Newcomer" in told[0].body_text and "/team#requests" in told[0].body_text
    # silver's admins heard nothing
    assert not [m for m in mailbox if m["To"] == world.users["silver_admin"].email]

    admin = client_as(world.users["gold_admin"])
    team = admin.get("/team").get_data(as_text=True)
    # the request is on the team page (in German: the admin's language), with its approve form
    assert "nina@goldreseller.com" in team and "/approve" in team
    req = _requests(world)[0]
    resp = admin.post_form(
        f"/team/requests/{req.id}/approve", {"role": "partner_user"}, form_page="/team"
    )
    assert resp.status_code == 302
    with tenant_scope(world.tenant.id):
        user = db.session.scalars(select(User).where(User.email == "nina@goldreseller.com")).one()
        req = db.session.get(JoinRequest, req.id)
        assert user.partner_id == domains["gold"] and user.invitation_pending
        assert req.status == "approved" and req.user_id == user.id
        assert req.decided_by_id == world.users["gold_admin"].id
    invitation = [m for m in mailbox if m["To"] == "nina@goldreseller.com"]
    assert invitation and "/invite/" in invitation[-1].get_body(("plain",)).get_content()
    # twice: a clear answer, nothing more
    again = admin.post_form(
        f"/team/requests/{req.id}/approve",
        {"role": "partner_user"},
        form_page="/team",
        follow_redirects=True,
    )
    assert "Über diese Anfrage wurde bereits entschieden." in again.get_data(as_text=True)
    assert len([m for m in mailbox if m["To"] == "nina@goldreseller.com"]) == 1


def test_partner_admin_declines_audited_and_optionally_tells_the_person(
    world, domains, client_as, mailbox
):
    _ask(client_as(None), "nina@goldreseller.com")
    req = _requests(world)[0]
    admin = client_as(world.users["gold_admin"])
    resp = admin.post_form(
        f"/team/requests/{req.id}/decline",
        {"reason": "We don't know you.", "notify": "y"},
        form_page="/team",
    )
    assert resp.status_code == 302
    assert _requests(world)[0].status == "declined"
    with tenant_scope(world.tenant.id):
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "join_request.declined")
        ).one()
    assert entry.after["reason"] == "We don't know you." and entry.after["notified"] is True
    told = [m for m in mailbox if m["To"] == "nina@goldreseller.com"]
    assert told and "We don't know you." in told[0].get_body(("plain",)).get_content()


def test_vendor_decides_unmatched_and_ambiguous_requests(world, domains, client_as, mailbox):
    _ask(client_as(None), "omar@twins.io")
    _ask(client_as(None), "lena@gmail.com")
    staff = client_as(world.users["channel_manager"])
    queue = staff.get("/admin/join-requests").get_data(as_text=True)
    assert "omar@twins.io" in queue and "lena@gmail.com" in queue
    assert "Twin 1" in queue and "Twin 2" in queue  # the candidates are named
    nav = staff.get("/admin/").get_data(as_text=True)
    assert re.search(r"Join requests</span><span class=\"badge[^\"]*\">2<", nav)
    # the gold admin doesn't see them
    assert "omar@twins.io" not in client_as(world.users["gold_admin"]).get("/team").get_data(
        as_text=True
    )
    omar, lena = _requests(world)
    # no company chosen: refused, nothing changes
    resp = staff.post_form(
        f"/admin/join-requests/{omar.id}/approve",
        {f"r{omar.id}-partner_id": "0", f"r{omar.id}-role": "partner_user"},
        form_page="/admin/join-requests",
    )
    assert resp.status_code == 302
    assert "Choose the company" in staff.get("/admin/join-requests").get_data(as_text=True)
    assert _requests(world)[0].status == "pending"
    # any active partner may be chosen, not only a candidate
    resp = staff.post_form(
        f"/admin/join-requests/{omar.id}/approve",
        {f"r{omar.id}-partner_id": str(domains["twins"][1]), f"r{omar.id}-role": "partner_admin"},
        form_page="/admin/join-requests",
    )
    assert resp.status_code == 302
    with tenant_scope(world.tenant.id):
        user = db.session.scalars(select(User).where(User.email == "omar@twins.io")).one()
    assert user.partner_id == domains["twins"][1] and user.role == "partner_admin"
    resp = staff.post_form(
        f"/admin/join-requests/{lena.id}/decline", {"reason": ""}, form_page="/admin/join-requests"
    )
    assert resp.status_code == 302
    assert [r.status for r in _requests(world)] == ["approved", "declined"]
    assert not [m for m in mailbox if m["To"] == "lena@gmail.com"]  # not told unless asked
    page = staff.get("/admin/join-requests").get_data(as_text=True)
    assert "Recently decided" in page and "Nothing waits for you" in page


def test_vendor_refuses_bad_choices(world, domains, client_as):
    _ask(client_as(None), "omar@twins.io")
    (omar,) = _requests(world)
    staff = client_as(world.users["vendor_admin"])
    for partner_id, role in (
        (str(world.other["partners"]["gold"].id), "partner_user"),  # another tenant's partner
        (str(2**63), "partner_user"),
        ("1" + "0" * 400, "partner_user"),
        (str(domains["gold"]), "vendor_admin"),  # a vendor role can't be had this way
    ):
        staff.post_form(
            f"/admin/join-requests/{omar.id}/approve",
            {f"r{omar.id}-partner_id": partner_id, f"r{omar.id}-role": role},
            form_page="/admin/join-requests",
        )
    assert _requests(world)[0].status == "pending"
    with tenant_scope(world.tenant.id):
        assert db.session.scalars(select(User).where(User.email == "omar@twins.io")).first() is None


def test_requests_are_isolated_between_partners_and_tenants(world, domains, client_as):
    _ask(client_as(None), "nina@goldreseller.com")
    _ask(client_as(None), "omar@twins.io")
    nina, omar = _requests(world)
    silver = client_as(world.users["silver_admin"])
    gold_user = client_as(world.users["gold_user"])
    gold_admin = client_as(world.users["gold_admin"])
    for client, url in (
        (silver, f"/team/requests/{nina.id}/approve"),
        (silver, f"/team/requests/{nina.id}/decline"),
        (gold_user, f"/team/requests/{nina.id}/approve"),
        (gold_admin, f"/team/requests/{omar.id}/approve"),  # the vendor's to decide
        (gold_admin, f"/admin/join-requests/{nina.id}/approve"),
    ):
        resp = client.post_form(url, {"role": "partner_user"}, form_page="/profile")
        assert resp.status_code == 404, url
    other_vendor = client_as(world.other["users"]["vendor_admin"])
    assert "nina@goldreseller.com" not in other_vendor.get("/admin/join-requests").get_data(
        as_text=True
    )
    resp = other_vendor.post_form(
        f"/admin/join-requests/{nina.id}/decline", {}, form_page="/admin/join-requests"
    )
    assert resp.status_code == 404
    assert [r.status for r in _requests(world)] == ["pending", "pending"]
    assert client_as(None).get("/admin/join-requests").status_code == 302  # sign in first


def test_vendor_can_decide_for_partner_admins_who_dont(world, domains, client_as):
    _ask(client_as(None), "nina@goldreseller.com")
    (nina,) = _requests(world)
    staff = client_as(world.users["channel_manager"])
    page = staff.get("/admin/join-requests").get_data(as_text=True)
    assert "With the partners&#39; admins" in page or "With the partners' admins" in page
    staff.post_form(
        f"/admin/join-requests/{nina.id}/approve",
        {f"r{nina.id}-partner_id": str(domains["gold"]), f"r{nina.id}-role": "partner_user"},
        form_page="/admin/join-requests",
    )
    assert _requests(world)[0].status == "approved"


def test_requests_only_the_vendor_can_decide_are_mailed_to_the_vendors_team(
    world, domains, client_as, mailbox
):
    manager = world.users["channel_manager"].email
    _ask(client_as(None), "kim@nowhere-known.example")  # matches no partner
    to_vendor = [m for m in mailbox if m["To"] == manager]
    assert len(to_vendor) == 1
    body = to_vendor[0].get_body(("plain",)).get_content()
    assert "kim@nowhere-known.example" in body and "/admin/join-requests" in body
    # a request that one partner's admins decide is not the vendor's mail
    _ask(client_as(None), "lea@goldreseller.com")
    assert len([m for m in mailbox if m["To"] == manager]) == 1
