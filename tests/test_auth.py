"""Sign-in, sign-out, reset and invitation links, rate limiting, no user enumeration."""

import re

from sqlalchemy import select

from portalis.db import db
from portalis.models import AuditEntry, Partner, User, UserSession
from portalis.tenancy import tenant_scope
from portalis.testing.fixtures import TEST_PASSWORD


def _login(client, email, password=TEST_PASSWORD, **kw):
    return client.post_form("/login", {"email": email, "password": password}, **kw)


def test_login_with_right_password_opens_the_portal(world, client_as):
    client = client_as(None)
    resp = _login(client, world.users["gold_admin"].email)
    assert resp.status_code == 302
    assert "Gina Gold" in client.get("/dashboard").get_data(as_text=True)


def test_wrong_password_and_unknown_email_get_the_same_answer(world, client_as):
    client = client_as(None)
    wrong = _login(client, world.users["gold_admin"].email, "not the password")
    unknown = _login(client, "nobody@nowhere.test", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    msg = "The e-mail or password is incorrect."
    assert msg in wrong.get_data(as_text=True) and msg in unknown.get_data(as_text=True)


def test_user_of_another_tenant_cannot_sign_in_here(world, client_as):
    client = client_as(None)
    resp = _login(client, world.other["users"]["gold_admin"].email)
    assert resp.status_code == 401


def test_logout_ends_the_session_on_the_server(world, client_as):
    client = client_as(None)
    _login(client, world.users["gold_admin"].email)
    stolen = client.get_cookie("portalis_session", domain=client.host)
    assert client.get("/dashboard").status_code == 200
    client.post_form("/logout", form_page="/dashboard")
    thief = client_as(None)
    thief.set_cookie("portalis_session", stolen.value, domain=client.host)
    resp = thief.get("/dashboard")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_login_is_rate_limited(world, client_as, portalis_app):
    portalis_app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        client = client_as(None)
        codes = [_login(client, "victim@x.test", "guess").status_code for _ in range(5)]
    finally:
        portalis_app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    assert codes[:3] == [401, 401, 401]
    assert codes[3] == 429
    assert (
        "Too many attempts" in _login(client, "victim@x.test", "guess").get_data(as_text=True)
        or codes[4] == 429
    )


def test_open_redirect_after_login_is_refused(world, client_as):
    client = client_as(None)
    resp = _login(
        client, world.users["gold_admin"].email, query_string={"next": "//evil.example/x"}
    )
    assert resp.headers["Location"].endswith("/")
    assert "evil" not in resp.headers["Location"]


def _link(message):
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://\S+", body).group(0)


def test_password_reset_link_works_once(world, client_as, mailbox):
    client = client_as(None)
    user = world.users["silver_user"]
    resp = client.post_form("/forgot", {"email": user.email})
    assert "If an account exists" in resp.get_data(as_text=True)
    assert len(mailbox) == 1 and mailbox[0]["To"] == user.email
    path = _link(mailbox[0]).split(client.host, 1)[1]
    new = "a brand new secret"
    resp = client.post_form(path, {"password": new, "confirm": new})
    assert resp.status_code == 302
    assert _login(client_as(None), user.email, new).status_code == 302
    again = client.get(path)
    assert again.status_code == 400 and "no longer works" in again.get_data(as_text=True)


def test_forgot_password_does_not_reveal_unknown_accounts(world, client_as, mailbox):
    resp = client_as(None).post_form("/forgot", {"email": "ghost@nowhere.test"})
    assert "If an account exists" in resp.get_data(as_text=True)
    assert mailbox == []


def test_reset_signs_out_other_sessions(world, client_as, mailbox):
    user = world.users["silver_user"]
    other_browser = client_as(user)
    assert other_browser.get("/dashboard").status_code == 200
    client = client_as(None)
    client.post_form("/forgot", {"email": user.email})
    path = _link(mailbox[0]).split(client.host, 1)[1]
    client.post_form(path, {"password": "another long secret", "confirm": "another long secret"})
    assert other_browser.get("/dashboard").status_code == 302


def test_weak_password_is_refused_with_a_field_message(world, client_as, mailbox):
    client = client_as(None)
    client.post_form("/forgot", {"email": world.users["silver_user"].email})
    path = _link(mailbox[0]).split(client.host, 1)[1]
    resp = client.post_form(path, {"password": "short", "confirm": "short"})
    assert "Use at least 10 characters." in resp.get_data(as_text=True)


def test_partner_admin_invites_a_colleague_who_accepts(world, client_as, mailbox):
    # a colleague at the company's own domain is invited at once (others wait for the vendor)
    with tenant_scope(world.tenant.id):
        db.session.get(Partner, world.partners["gold"].id).website = "https://gold.test"
        db.session.commit()
    admin = client_as(world.users["gold_admin"])
    resp = admin.post_form(
        "/team/invite",
        {"name": "Nina New", "email": "Nina@Gold.test", "role": "partner_user"},
        form_page="/team",
    )
    assert resp.status_code == 302
    assert mailbox[0]["To"] == "nina@gold.test"
    invitee = client_as(None)
    path = _link(mailbox[0]).split(invitee.host, 1)[1]
    resp = invitee.post_form(
        path,
        {"name": "Nina N.", "password": "nina's long password", "confirm": "nina's long password"},
    )
    assert resp.status_code == 302
    assert "Nina N." in invitee.get("/dashboard").get_data(as_text=True)
    assert invitee.get(path).status_code == 400  # the link worked once
    with tenant_scope(world.tenant.id):
        nina = db.session.scalars(select(User).where(User.email == "nina@gold.test")).one()
        assert nina.partner_id == world.partners["gold"].id
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"user.invited", "user.invitation_accepted"} <= actions


def test_partner_admin_cannot_deactivate_another_partners_user(world, client_as):
    admin = client_as(world.users["gold_admin"])
    victim = world.users["silver_user"]
    resp = admin.post_form(f"/team/{victim.id}/deactivate", form_page="/team")
    assert resp.status_code == 404
    with tenant_scope(world.tenant.id):
        assert db.session.get(User, victim.id).active


def test_deactivated_user_is_signed_out(world, client_as):
    victim_client = client_as(world.users["gold_user"])
    assert victim_client.get("/dashboard").status_code == 200
    admin = client_as(world.users["gold_admin"])
    admin.post_form(f"/team/{world.users['gold_user'].id}/deactivate", form_page="/team")
    assert victim_client.get("/dashboard").status_code == 302
    with tenant_scope(world.tenant.id):
        assert (
            db.session.scalars(
                select(UserSession).where(UserSession.user_id == world.users["gold_user"].id)
            ).all()
            == []
        )


def test_post_without_csrf_token_is_refused(world, client_as):
    client = client_as(world.users["gold_admin"])
    resp = client.post(
        "/team/invite", data={"name": "X", "email": "x@y.test", "role": "partner_user"}
    )
    assert resp.status_code == 400
    assert "session expired" in resp.get_data(as_text=True)


def test_application_waits_for_approval_then_invites(world, client_as, mailbox):
    from portalis.models import Application, Partner

    applicant = client_as(None)
    resp = applicant.post_form(
        "/apply",
        {"company": "Newco Systems", "country": "nl", "name": "Noor", "email": "Noor@Newco.test"},
        follow_redirects=True,
    )
    assert "Thank you for applying" in resp.get_data(as_text=True)
    # nothing is approved automatically: a confirmation (and word to the channel manager),
    # no invitation, no partner
    manager = world.users["channel_manager"].email
    assert [m["To"] for m in mailbox] == ["noor@newco.test", manager]
    assert "received your application" in mailbox[0]["Subject"]
    with tenant_scope(world.tenant.id):
        application = db.session.scalars(
            select(Application).where(Application.company_name == "Newco Systems")
        ).one()
        assert application.stage == "new" and application.country == "NL"
        assert not db.session.scalars(select(Partner).where(Partner.name == "Newco Systems")).all()
    admin = client_as(world.users["vendor_admin"])
    assert "Newco Systems" in admin.get("/admin/applications").get_data(as_text=True)
    admin.post_form(
        f"/admin/applications/{application.id}/approve",
        {},
        form_page=f"/admin/applications/{application.id}",
    )
    assert [m["To"] for m in mailbox] == ["noor@newco.test", manager, "noor@newco.test"]
    path = _link(mailbox[2]).split(applicant.host, 1)[1]
    resp = applicant.post_form(
        path,
        {"name": "Noor N.", "password": "a long new password", "confirm": "a long new password"},
    )
    assert resp.status_code == 302
    assert "Newco Systems" in applicant.get("/dashboard").get_data(as_text=True)


def test_application_with_a_known_email_reveals_nothing(world, client_as, mailbox):
    email = world.users["gold_user"].email
    resp = client_as(None).post_form(
        "/apply",
        {"company": "Dup", "country": "US", "name": "X", "email": email},
        follow_redirects=True,
    )
    # the page says what it says to everyone; the address's owner learns why by mail
    assert "Thank you for applying" in resp.get_data(as_text=True)
    assert [m["To"] for m in mailbox] == [email]
    assert "already have an account" in mailbox[0]["Subject"]


def test_mail_is_in_the_recipients_language_and_the_tenants_brand(world, client_as, mailbox):
    user = world.users["silver_user"]
    with tenant_scope(world.tenant.id):
        db.session.get(User, user.id).locale = "de"
        db.session.commit()
    client_as(None).post_form("/forgot", {"email": user.email}, headers={"Accept-Language": "fr"})
    msg = mailbox[0]
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert msg["Content-Language"] == "de"
    assert text.startswith("Guten Tag Sam Silver")
    assert f"{world.tenant.slug.title()} Partners" in msg["Subject"]
    assert 'lang="de"' in html
