"""Partner applications: the public form with a program's own questions, the vendor's
review (answers, files, duplicates, owner, vetting), approve and decline — and the bad
input around them (hostile files, bots, floods, double submission, other tenants)."""

import io
import re
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import func, select

from portalis.db import db
from portalis.models import Application, ApplicationField, Partner, Program, Tier, User
from portalis.recruiting import submission
from portalis.testing.fixtures import tenant_scope
from portalis.testing.kit import audit_entries


def _pdf() -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(text="Reseller certificate")
    return bytes(doc.output())


PDF = _pdf()  # made once: the document carries its creation time


def _add_question(world, key, label, kind, *, required=False, choices=(), position=0):
    with tenant_scope(world.tenant.id):
        q = ApplicationField(
            program_id=world.program.id,
            key=key,
            label=label,
            kind=kind,
            required=required,
            choices=list(choices),
            position=position,
        )
        db.session.add(q)
        db.session.commit()
        return q.id


def _apply(client, data=None, path="/apply", **kw):
    form = {
        "company": "Wayne Enterprises",
        "country": "US",
        "website": "wayne.example",
        "name": "Bruce Wayne",
        "email": "bruce@wayne.example",
        **(data or {}),
    }
    return client.post_form(path, form, **kw)


def _applications(world, tenant=None):
    with tenant_scope((tenant or world.tenant).id):
        return list(db.session.scalars(select(Application).order_by(Application.id)))


def _text(resp) -> str:
    """The page's text, without the isolate characters around names (FSI … PDI)."""
    return resp.get_data(as_text=True).replace("\u2068", "").replace("\u2069", "")


def _upload_files(app, tenant) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"]) / str(tenant.id) / "applications"
    return sorted(folder.glob("*")) if folder.exists() else []


# --- the whole way ---------------------------------------------------------------------------


def test_company_applies_with_custom_fields_and_a_reviewer_approves(world, client_as, mailbox):
    admin = client_as(world.users["vendor_admin"])
    editor = f"/admin/programs/{world.program.id}/application-form"
    for label, kind, choices in (
        ("Vendors you sell", "text", ""),
        ("Company size", "choice", "1-10\n11-50\n51+"),
        ("Head office", "country", ""),
        ("Reseller certificate", "file", ""),
    ):
        resp = admin.post_form(
            f"{editor}/fields",
            {"label": label, "kind": kind, "choices": choices, "required": "y"},
            form_page=editor,
        )
        assert resp.status_code == 302
    # the public form asks them, in that order
    applicant = client_as(None)
    page = _text(applicant.get("/apply"))
    order = [
        page.index(x)
        for x in ("Vendors you sell", "Company size", "Head office", "Reseller certificate")
    ]
    assert order == sorted(order)
    # a missing required answer keeps everything typed and saves nothing
    resp = _apply(applicant, {"q_vendors_you_sell": "Microsoft, Cisco", "q_company_size": "11-50"})
    assert resp.status_code == 422
    assert "Microsoft, Cisco" in _text(resp) and "Attach a file." in _text(resp)
    assert _applications(world) == []
    resp = _apply(
        applicant,
        {
            "q_vendors_you_sell": "Microsoft, Cisco",
            "q_company_size": "11-50",
            "q_head_office": "gb",
            "q_reseller_certificate": (io.BytesIO(PDF), "certificate.pdf"),
        },
        follow_redirects=True,
    )
    assert "Thank you for applying" in _text(resp)
    [application] = _applications(world)
    assert application.stage == "new" and application.program_id == world.program.id
    assert application.website_domain == application.email_domain == "wayne.example"
    # the applicant is told it arrived; the channel manager that it waits for review
    assert [m["To"] for m in mailbox] == [
        "bruce@wayne.example",
        world.users["channel_manager"].email,
    ]
    assert "Wayne Enterprises" in mailbox[1]["Subject"]
    assert f"/admin/applications/{application.id}" in mailbox[1].get_body(("plain",)).get_content()
    assert [e.object_id for e in audit_entries(world.tenant, "application.submitted")] == [
        str(application.id)
    ]

    # the reviewer sees everything the applicant wrote; the nav counts the new one
    manager = client_as(world.users["channel_manager"])
    detail = _text(manager.get(f"/admin/applications/{application.id}"))
    for shown in (
        "Vendors you sell",
        "Microsoft, Cisco",
        "11-50",
        "United Kingdom",
        "certificate.pdf",
        "Bruce Wayne",
    ):
        assert shown in detail
    assert re.search(
        r"Applications</span><span class=\"badge[^\"]*\">1<", _text(manager.get("/admin/overview"))
    )
    download = manager.get(f"/admin/applications/{application.id}/files/reseller_certificate")
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]

    manager.post_form(
        f"/admin/applications/{application.id}/vetting",
        {},
        form_page=f"/admin/applications/{application.id}",
    )
    resp = manager.post_form(
        f"/admin/applications/{application.id}/approve",
        {},
        form_page=f"/admin/applications/{application.id}",
        follow_redirects=True,
    )
    assert "Wayne Enterprises approved; invitation sent to" in _text(resp)
    assert "bruce@wayne.example" in _text(resp)
    with tenant_scope(world.tenant.id):
        done = db.session.get(Application, application.id)
        partner = db.session.get(Partner, done.partner_id)
        entry = db.session.scalars(
            select(Tier).where(Tier.program_id == world.program.id).order_by(Tier.rank)
        ).first()
        invited = db.session.scalars(select(User).where(User.email == "bruce@wayne.example")).one()
        assert done.stage == "approved" and done.decided_at is not None
        assert done.owner_id == world.users["channel_manager"].id
        assert done.decided_by_id == world.users["channel_manager"].id
        assert partner.status == "active" and partner.tier_id == entry.id
        assert partner.program_id == world.program.id and partner.email_domain == "wayne.example"
        assert invited.partner_id == partner.id and invited.role == "partner_admin"
    assert mailbox[-1]["To"] == "bruce@wayne.example" and "invited" in mailbox[-1]["Subject"]
    actions = [e.action for e in audit_entries(world.tenant) if e.object_type == "application"]
    assert actions == [
        "application.submitted",
        "application.vetting_started",
        "application.approved",
    ]
    # a second click (another tab) decides nothing twice
    resp = manager.post_form(
        f"/admin/applications/{application.id}/approve",
        {},
        form_page=f"/admin/applications/{application.id}",
        follow_redirects=True,
    )
    assert "already decided" in _text(resp)
    with tenant_scope(world.tenant.id):
        assert (
            db.session.scalar(
                select(func.count(Partner.id)).where(Partner.name == "Wayne Enterprises")
            )
            == 1
        )


def test_an_account_appearing_during_approval_refuses_it_and_keeps_nothing(
    world, client_as, mailbox, monkeypatch
):
    """The address gets an account between approve()'s check and the invitation (another
    reviewer invited it that moment): the approval is refused like the check would have
    refused it, and no partner without an admin is left behind."""
    from portalis.recruiting import decisions

    _apply(client_as(None))
    [application] = _applications(world)
    real = decisions.create_partner

    def and_meanwhile(*args, **kw):
        partner = real(*args, **kw)
        db.session.add(User(email="bruce@wayne.example", name="Bruce", role="vendor_admin"))
        db.session.flush()
        return partner

    monkeypatch.setattr(decisions, "create_partner", and_meanwhile)
    sent = len(mailbox)
    manager = client_as(world.users["channel_manager"])
    resp = manager.post_form(
        f"/admin/applications/{application.id}/approve",
        {},
        form_page=f"/admin/applications/{application.id}",
        follow_redirects=True,
    )
    assert "already has an account in this portal, so the application was not approved" in (
        _text(resp)
    )
    assert _applications(world)[0].stage == "new"
    with tenant_scope(world.tenant.id):
        assert not db.session.scalars(
            select(Partner).where(Partner.name == "Wayne Enterprises")
        ).all()
    assert not audit_entries(world.tenant, "application.approved")
    assert len(mailbox) == sent  # no invitation went out


def test_partner_approved_event_names_partner_and_application(world, client_as, portalis_app):
    from portalis.plugins.contract import Event

    seen: list[Event] = []
    import portalis.events as events_module

    original = events_module.deliver

    def spy(event):
        seen.append(event)
        return original(event)

    events_module.deliver = spy
    try:
        _apply(client_as(None))
        [application] = _applications(world)
        client_as(world.users["vendor_admin"]).post_form(
            f"/admin/applications/{application.id}/approve",
            {},
            form_page=f"/admin/applications/{application.id}",
        )
    finally:
        events_module.deliver = original
    by_name = {e.name: e.payload for e in seen}
    assert by_name["partner.applied"] == {
        "application_id": application.id,
        "program_id": world.program.id,
    }
    approved = _applications(world)[0]
    assert by_name["partner.approved"] == {
        "partner_id": approved.partner_id,
        "application_id": application.id,
    }


# --- questions ---------------------------------------------------------------------------------


def test_each_kind_of_question_refuses_what_it_cannot_take(world, client_as):
    _add_question(
        world, "size", "Company size", "choice", required=True, choices=["small", "large"]
    )
    _add_question(world, "hq", "Head office", "country", required=True, position=1)
    _add_question(world, "about", "Your story", "text", position=2)
    resp = _apply(client_as(None), {"q_size": "huge", "q_hq": "Atlantis", "q_about": "x" * 6000})
    assert resp.status_code == 422
    text = _text(resp)
    assert "Not a valid choice" in text and "Choose a country from the list." in text
    assert "5000" in text  # the text answer's limit
    assert _applications(world) == []


def test_an_archived_question_is_no_longer_asked_and_its_answers_keep_their_label(world, client_as):
    qid = _add_question(world, "vendors", "Vendors you sell", "text")
    _apply(client_as(None), {"q_vendors": "Cisco"})
    admin = client_as(world.users["vendor_admin"])
    editor = f"/admin/programs/{world.program.id}/application-form"
    admin.post_form(f"{editor}/fields/{qid}/archive", {}, form_page=editor)
    assert "Vendors you sell" not in _text(client_as(None).get("/apply"))
    [application] = _applications(world)
    page = _text(admin.get(f"/admin/applications/{application.id}"))
    assert "Vendors you sell" in page and "Cisco" in page and "No longer asked" in page
    with tenant_scope(world.tenant.id):
        assert db.session.get(ApplicationField, qid).archived  # kept, not deleted


# --- bad input ---------------------------------------------------------------------------------


def test_a_hostile_upload_is_refused_and_nothing_is_kept(world, client_as, portalis_app):
    _add_question(world, "cert", "Certificate", "file", required=True)
    before = _upload_files(portalis_app, world.tenant)
    for content, name in (
        (b"<html><script>alert(1)</script></html>", "certificate.pdf"),
        (b"MZ\x90\x00" + b"\x00" * 200, "invoice.pdf.exe"),
        (b"%PDF-1.7\n" + b"garbage" * 50, "broken.pdf"),
    ):
        resp = _apply(client_as(None), {"q_cert": (io.BytesIO(content), name)})
        assert resp.status_code == 422, name
        assert "Nothing was sent yet" in _text(resp)
    assert _applications(world) == []
    assert _upload_files(portalis_app, world.tenant) == before


def test_a_bot_filling_the_honeypot_is_thanked_and_nothing_is_stored(world, client_as, mailbox):
    resp = _apply(client_as(None), {"fax": "+1 555 0100"}, follow_redirects=True)
    assert "Thank you for applying" in _text(resp)
    assert _applications(world) == [] and mailbox == []


def test_a_flood_meets_the_rate_limit(world, client_as, portalis_app):
    portalis_app.config["APPLY_RATE_LIMIT"] = "3 per minute"
    try:
        client = client_as(None)
        codes = [
            _apply(
                client, {"email": f"person{i}@wayne{i}.example", "company": f"Company {i}"}
            ).status_code
            for i in range(5)
        ]
        refused = _apply(client, {"email": "late@wayne9.example"})
    finally:
        portalis_app.config.pop("APPLY_RATE_LIMIT")
    assert codes[:3] == [302, 302, 302] and codes[3:] == [429, 429]
    assert refused.status_code == 429 and "Too many attempts" in _text(refused)
    assert len(_applications(world)) == 3


def test_a_slow_flood_from_one_address_meets_the_daily_cap(world, client_as, monkeypatch):
    monkeypatch.setattr(submission, "DAILY_PER_ADDRESS", 2)
    client = client_as(None)
    for i in range(2):
        assert (
            _apply(client, {"email": f"p{i}@w{i}.example", "company": f"Co {i}"}).status_code == 302
        )
    resp = _apply(client, {"email": "p9@w9.example", "company": "Co 9"})
    assert resp.status_code == 429 and "Too many applications" in _text(resp)
    assert len(_applications(world)) == 2


def test_the_same_form_sent_twice_is_received_once(world, client_as, mailbox):
    client = client_as(None)
    token = client.csrf("/apply")
    form = {
        "csrf_token": token,
        "submission": "one-time-token-123",
        "company": "Wayne Enterprises",
        "country": "US",
        "name": "Bruce Wayne",
        "email": "bruce@wayne.example",
    }
    assert client.post("/apply", data=form).status_code == 302
    again = client.post("/apply", data=form)
    assert again.status_code == 200 and "already received" in _text(again)
    # another browser with the same address: one application, and the address is told
    other = _apply(client_as(None), follow_redirects=True)
    assert "Thank you for applying" in _text(other)
    assert len(_applications(world)) == 1
    assert [m["Subject"] for m in mailbox][-1].startswith("Your application to")
    assert "being reviewed" in mailbox[-1]["Subject"]


def test_the_answer_is_the_same_whatever_the_address_matched_files_included(
    world, client_as, mailbox, portalis_app
):
    """An address with an account, one with an open application and a new one get the
    same answer — for a refused file (422, judged before the address is) and for a good
    one (the thanks page); only the recorded application keeps its file."""
    _add_question(world, "cert", "Certificate", "file")
    _apply(client_as(None), {"email": "open@wayne.example"})  # an open application
    cases = {
        "has an account": world.users["gold_user"].email,
        "already applied": "open@wayne.example",
        "new": "new@wayne.example",
    }
    before = _upload_files(portalis_app, world.tenant)
    sent = len(mailbox)
    refused = {}
    for label, email in cases.items():
        resp = _apply(
            client_as(None), {"email": email, "q_cert": (io.BytesIO(b"<html>x</html>"), "x.pdf")}
        )
        refused[label] = (resp.status_code, "This file type is not accepted" in _text(resp))
    assert set(refused.values()) == {(422, True)}, refused
    assert len(mailbox) == sent and _upload_files(portalis_app, world.tenant) == before
    thanked = {}
    for label, email in cases.items():
        resp = _apply(client_as(None), {"email": email, "q_cert": (io.BytesIO(PDF), "c.pdf")})
        thanked[label] = (resp.status_code, resp.headers.get("Location"))
    assert set(thanked.values()) == {(302, "/apply/thanks")}, thanked
    # each address is told by e-mail what happened; one file is kept, the new application's
    assert [m["To"] for m in mailbox[sent:] if m["To"] in cases.values()] == list(cases.values())
    [kept] = [a for a in _applications(world) if a.contact_email == "new@wayne.example"]
    files = _upload_files(portalis_app, world.tenant)
    assert [f.name for f in files if f not in before] == [kept.answers["cert"]["value"]["name"]]


def test_a_simultaneous_second_application_keeps_no_file(
    world, client_as, mailbox, portalis_app, monkeypatch
):
    """The same address submitted from elsewhere at the same moment: the database's
    one-open-application rule refuses the second row, the applicant is thanked and told
    by e-mail, and the file written for the row that wasn't kept is removed."""
    _add_question(world, "cert", "Certificate", "file")
    _apply(client_as(None), {"q_cert": (io.BytesIO(PDF), "first.pdf")})
    [first] = _applications(world)
    before = _upload_files(portalis_app, world.tenant)
    assert first.answers["cert"]["value"]["name"] in [f.name for f in before]
    # the other submission isn't visible yet when this one looks, only when it inserts
    real = submission._open_application
    calls = []

    def not_yet(email):
        calls.append(email)
        return None if len(calls) == 1 else real(email)

    monkeypatch.setattr(submission, "_open_application", not_yet)
    sent = len(mailbox)
    resp = _apply(client_as(None), {"q_cert": (io.BytesIO(PDF), "second.pdf")})
    assert resp.status_code == 302 and resp.headers["Location"] == "/apply/thanks"
    assert len(calls) == 2, "the insert must have met the unique index"
    assert [a.id for a in _applications(world)] == [first.id]
    assert _upload_files(portalis_app, world.tenant) == before
    assert [m["To"] for m in mailbox[sent:]] == ["bruce@wayne.example"]
    assert "being reviewed" in mailbox[-1]["Subject"]


# --- duplicates --------------------------------------------------------------------------------


def _set_partner(world, key, **values):
    with tenant_scope(world.tenant.id):
        partner = db.session.get(Partner, world.partners[key].id)
        for k, v in values.items():
            setattr(partner, k, v)
        db.session.commit()


def _duplicates_section(client, application_id) -> str:
    page = _text(client.get(f"/admin/applications/{application_id}"))
    if "Possible duplicates" not in page:
        return ""
    return page.split("Possible duplicates", 1)[1].split("</section>", 1)[0]


def test_duplicates_by_domain_sub_domain_and_similar_name_but_never_free_mail(world, client_as):
    _set_partner(world, "gold", name="Wayne Enterprises Inc.", website="https://www.wayne.example")
    _set_partner(
        world, "silver", name="Stark Industries", contact_email="tony@gmail.com", website=None
    )
    admin = client_as(world.users["vendor_admin"])

    # a sub-domain of the partner's site is the same domain
    _apply(
        client_as(None),
        {
            "company": "WE Europe",
            "website": "https://eu.wayne.example",
            "email": "alfred@eu.wayne.example",
        },
    )
    # a similar name, from a free-mail address (which never counts as a domain)
    _apply(
        client_as(None), {"company": "Stark Industry", "website": "", "email": "pepper@gmail.com"}
    )
    # another free-mail applicant, unrelated name: no duplicate at all
    _apply(client_as(None), {"company": "Oscorp", "website": "", "email": "norman@gmail.com"})
    eu, stark, oscorp = _applications(world)

    section = _duplicates_section(admin, eu.id)
    assert (
        "Wayne Enterprises Inc." in section
        and "Same domain" in section
        and "wayne.example" in section
    )
    section = _duplicates_section(admin, stark.id)
    assert "Stark Industries" in section and "Similar name" in section
    assert "Oscorp" not in section and "gmail.com" not in section
    assert _duplicates_section(admin, oscorp.id) == ""  # gmail.com shared with Stark: not a match

    # another open application of the same domain is a duplicate too, both ways
    _apply(
        client_as(None),
        {"company": "Wayne Tech", "website": "wayne.example", "email": "lucius@wayne.example"},
    )
    tech = _applications(world)[-1]
    assert "WE Europe" in _duplicates_section(admin, tech.id)
    assert "Wayne Tech" in _duplicates_section(admin, eu.id)


# --- decline -----------------------------------------------------------------------------------


def test_decline_needs_a_reason_and_mails_it_in_the_applicants_language(world, client_as, mailbox):
    _apply(client_as(None), headers={"Accept-Language": "de"}, follow_redirects=True)
    [application] = _applications(world)
    assert application.locale == "de"
    assert mailbox[0]["Content-Language"] == "de"
    admin = client_as(world.users["vendor_admin"])
    path = f"/admin/applications/{application.id}/decline"
    resp = admin.post_form(
        path, {"reason": "  ", "send": "y"}, form_page=f"/admin/applications/{application.id}"
    )
    assert resp.status_code == 422 and "This field is required" in _text(resp)
    assert _applications(world)[0].stage == "new"
    resp = admin.post_form(
        path,
        {"reason": "We only work with partners in Europe at the moment.", "send": "y"},
        form_page=f"/admin/applications/{application.id}",
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "Wayne Enterprises declined; the reason was e-mailed to" in _text(resp)
    declined = _applications(world)[0]
    assert declined.stage == "declined" and declined.reason_sent and declined.decided_at
    msg = mailbox[-1]
    assert msg["To"] == "bruce@wayne.example" and msg["Content-Language"] == "de"
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "We only work with partners in Europe at the moment." in body
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert 'lang="de"' in html
    # an applicant has no account: the footer says why they got the mail, truthfully
    assert "weil diese Adresse auf" in html and "Konto" not in html
    with tenant_scope(world.tenant.id):
        assert not db.session.scalars(
            select(Partner).where(Partner.name == "Wayne Enterprises")
        ).all()


def test_decline_without_mail_tells_nobody(world, client_as, mailbox):
    _apply(client_as(None))
    [application] = _applications(world)
    sent = len(mailbox)
    client_as(world.users["vendor_admin"]).post_form(
        f"/admin/applications/{application.id}/decline",
        {"reason": "Competitor."},
        form_page=f"/admin/applications/{application.id}",
    )
    declined = _applications(world)[0]
    assert declined.stage == "declined" and not declined.reason_sent
    assert len(mailbox) == sent


# --- programs ----------------------------------------------------------------------------------


def test_applicant_chooses_a_program_or_follows_its_link(world, client_as):
    with tenant_scope(world.tenant.id):
        msp = Program(slug="msp", name="Managed Services", currency="USD")
        closed = Program(slug="oem", name="OEM", currency="USD", accepts_applications=False)
        db.session.add_all([msp, closed])
        db.session.flush()
        db.session.add(Tier(program_id=msp.id, rank=0, name="Member"))
        db.session.commit()
        msp_id = msp.id
    client = client_as(None)
    chooser = _text(client.get("/apply"))
    assert "Managed Services" in chooser and "/apply/msp" in chooser and "OEM" not in chooser
    assert client.get("/apply/oem").status_code == 404
    assert _apply(client, path="/apply/msp").status_code == 302
    [application] = _applications(world)
    assert application.program_id == msp_id


# --- who may see what --------------------------------------------------------------------------


def test_another_tenants_application_is_404_and_partners_never_see_the_review(world, client_as):
    _add_question(world, "cert", "Certificate", "file")
    _apply(client_as(None), {"q_cert": (io.BytesIO(PDF), "c.pdf")})
    [application] = _applications(world)
    urls = [
        "/admin/applications",
        f"/admin/applications/{application.id}",
        f"/admin/applications/{application.id}/files/cert",
        f"/admin/programs/{world.program.id}/application-form",
    ]
    other = client_as(world.other["users"]["vendor_admin"], world.other_tenant)
    assert other.get(urls[1]).status_code == 404 and other.get(urls[2]).status_code == 404
    assert "Wayne" not in _text(other.get(urls[0]))
    for key in ("gold_admin", "gold_user"):
        partner = client_as(world.users[key])
        assert [partner.get(u).status_code for u in urls] == [404, 404, 404, 404]
    resp = other.post(
        f"/admin/applications/{application.id}/approve",
        data={"csrf_token": other.csrf_token},
    )
    assert resp.status_code == 404 and _applications(world)[0].stage == "new"


def test_a_company_that_applied_before_applications_existed_is_activated_not_duplicated(
    world, client_as, mailbox
):
    with tenant_scope(world.tenant.id):
        legacy = Partner(
            name="Old Applicant",
            program_id=world.program.id,
            status="applied",
            contact_email="old@applicant.example",
        )
        db.session.add(legacy)
        db.session.flush()
        db.session.add(
            User(
                email="old@applicant.example",
                name="Olga",
                role="partner_admin",
                partner_id=legacy.id,
            )
        )
        db.session.add(
            Application(
                program_id=world.program.id,
                company_name="Old Applicant",
                contact_name="Olga",
                contact_email="old@applicant.example",
                partner_id=legacy.id,
                answers={},
            )
        )
        db.session.commit()
        app_id = db.session.scalars(
            select(Application.id).where(Application.partner_id == legacy.id)
        ).one()
    admin = client_as(world.users["vendor_admin"])
    # the old approve button leads to the application
    resp = admin.post_form(
        f"/admin/partners/{legacy.id}/status",
        {"status": "active"},
        form_page=f"/admin/partners/{legacy.id}",
    )
    assert resp.headers["Location"].endswith(f"/admin/applications/{app_id}")
    resp = admin.post_form(
        f"/admin/applications/{app_id}/approve",
        {},
        form_page=f"/admin/applications/{app_id}",
        follow_redirects=True,
    )
    assert "Old Applicant approved; invitation sent to" in _text(resp)
    with tenant_scope(world.tenant.id):
        assert db.session.get(Partner, legacy.id).status == "active"
        assert (
            db.session.scalar(select(func.count(Partner.id)).where(Partner.name == "Old Applicant"))
            == 1
        )
    assert mailbox[-1]["To"] == "old@applicant.example"
