"""The partner admin's team page: inviting (at once or through the vendor), resending,
roles, deactivating and reactivating, last sign-in and the counts."""

import re

import pytest
from sqlalchemy import select

from portalis.db import db, utcnow
from portalis.models import AuditEntry, JoinRequest, Partner, Program, User
from portalis.tenancy import tenant_scope
from portalis.testing.fixtures import TEST_PASSWORD

pytestmark = pytest.mark.plugins()


@pytest.fixture
def gold(world):
    """The gold partner at goldreseller.com."""
    with tenant_scope(world.tenant.id):
        partner = db.session.get(Partner, world.partners["gold"].id)
        partner.website = "https://goldreseller.com"
        db.session.commit()
    return world


def _invite(client, email, name="Colin Colleague", role="partner_user", **kw):
    return client.post_form(
        "/team/invite", {"email": email, "name": name, "role": role}, form_page="/team", **kw
    )


def _user(world, email):
    with tenant_scope(world.tenant.id):
        return db.session.scalars(select(User).where(User.email == email)).first()


def _pending(world):
    with tenant_scope(world.tenant.id):
        return db.session.scalars(
            select(JoinRequest).where(JoinRequest.status == "pending").order_by(JoinRequest.id)
        ).all()


def _set_auto(world, value):
    with tenant_scope(world.tenant.id):
        db.session.get(Program, world.program.id).auto_approve_same_domain = value
        db.session.commit()


def _link(mailbox, to):
    mails = [m for m in mailbox if m["To"] == to]
    body = mails[-1].get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://\S+/invite/\S+", body).group(0)


def test_same_domain_colleague_is_invited_at_once(gold, client_as, mailbox):
    admin = client_as(gold.users["gold_admin"])
    page = admin.get("/team").get_data(as_text=True)
    assert "@goldreseller.com" in page and "get their invitation at once" in page
    resp = _invite(admin, "colin@sales.goldreseller.com", follow_redirects=True)
    assert "Invitation sent to colin@sales.goldreseller.com." in resp.get_data(as_text=True)
    user = _user(gold, "colin@sales.goldreseller.com")
    assert user.partner_id == gold.partners["gold"].id and user.invitation_pending
    assert _pending(gold) == []
    assert _link(mailbox, "colin@sales.goldreseller.com")


def test_other_domain_waits_for_the_vendor_who_approves(gold, client_as, mailbox):
    admin = client_as(gold.users["gold_admin"])
    resp = _invite(admin, "freelancer@elsewhere.com", role="partner_admin", follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert "needs the program team&#39;s approval first" in body or "approval first" in body
    assert "Waiting for approval" in body and "freelancer@elsewhere.com" in body
    assert _user(gold, "freelancer@elsewhere.com") is None
    assert not [m for m in mailbox if m["To"] == "freelancer@elsewhere.com"]
    (req,) = _pending(gold)
    assert (req.source, req.partner_id, req.role) == (
        "invite",
        gold.partners["gold"].id,
        "partner_admin",
    )
    assert req.requested_by_id == gold.users["gold_admin"].id
    # the same address again: a clear message, no second request
    again = _invite(admin, "freelancer@elsewhere.com")
    assert again.status_code == 422
    assert "already waiting for a decision" in again.get_data(as_text=True)
    staff = client_as(gold.users["channel_manager"])
    queue = staff.get("/admin/join-requests").get_data(as_text=True)
    assert "freelancer@elsewhere.com" in queue and "Gina Gold" in queue
    staff.post_form(
        f"/admin/join-requests/{req.id}/approve",
        {f"r{req.id}-partner_id": str(req.partner_id), f"r{req.id}-role": "partner_admin"},
        form_page="/admin/join-requests",
    )
    user = _user(gold, "freelancer@elsewhere.com")
    assert user.partner_id == gold.partners["gold"].id and user.role == "partner_admin"
    assert _link(mailbox, "freelancer@elsewhere.com")


def test_free_mail_is_never_same_domain(gold, client_as):
    with tenant_scope(gold.tenant.id):
        db.session.get(Partner, gold.partners["gold"].id).website = None
        db.session.get(Partner, gold.partners["gold"].id).contact_email = "boss@gmail.com"
        db.session.commit()
    _invite(client_as(gold.users["gold_admin"]), "pal@gmail.com")
    assert _user(gold, "pal@gmail.com") is None and len(_pending(gold)) == 1


def test_setting_off_sends_every_invitation_to_the_vendor(gold, client_as):
    _set_auto(gold, False)
    admin = client_as(gold.users["gold_admin"])
    assert "approves each invitation before it goes out" in admin.get("/team").get_data(
        as_text=True
    )
    _invite(admin, "colin@goldreseller.com")
    assert _user(gold, "colin@goldreseller.com") is None
    assert [r.email for r in _pending(gold)] == ["colin@goldreseller.com"]


def test_vendor_admin_switches_the_setting_audited(gold, client_as):
    program_id = gold.program.id
    cm = client_as(gold.users["channel_manager"])
    url = f"/admin/programs/{program_id}/team-invitations"
    assert cm.post_form(url, {}, form_page="/admin/programs").status_code == 404
    va = client_as(gold.users["vendor_admin"])
    page = va.get(f"/admin/programs/{program_id}").get_data(as_text=True)
    assert "auto_approve_same_domain" in page
    assert va.post_form(url, {}, form_page=f"/admin/programs/{program_id}").status_code == 302
    with tenant_scope(gold.tenant.id):
        assert db.session.get(Program, program_id).auto_approve_same_domain is False
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "program.team_invitations_updated")
        ).one()
    assert entry.after == {"auto_approve_same_domain": False}
    va.post_form(url, {"auto_approve_same_domain": "y"}, form_page=f"/admin/programs/{program_id}")
    with tenant_scope(gold.tenant.id):
        assert db.session.get(Program, program_id).auto_approve_same_domain is True
    other = client_as(gold.other["users"]["vendor_admin"])
    assert other.post_form(url, {}, form_page="/admin/programs").status_code == 404


def test_resend_kills_the_old_link(gold, client_as, mailbox):
    admin = client_as(gold.users["gold_admin"])
    _invite(admin, "colin@goldreseller.com")
    first = _link(mailbox, "colin@goldreseller.com")
    colin = _user(gold, "colin@goldreseller.com")
    resp = admin.post_form(f"/team/{colin.id}/resend", form_page="/team", follow_redirects=True)
    assert "the earlier link no longer works" in resp.get_data(as_text=True)
    second = _link(mailbox, "colin@goldreseller.com")
    assert second != first
    stranger = client_as(None)
    assert stranger.get(first.split("localhost", 1)[1]).status_code == 400
    path = second.split("localhost", 1)[1]
    assert stranger.get(path).status_code == 200
    resp = stranger.post_form(
        path, {"name": "Colin C", "password": TEST_PASSWORD, "confirm": TEST_PASSWORD}
    )
    assert resp.status_code == 302
    # once joined there is nothing to resend
    resp = admin.post_form(f"/team/{colin.id}/resend", form_page="/team", follow_redirects=True)
    assert "has already joined" in resp.get_data(as_text=True)


def test_role_changes_and_the_last_admin_rule(gold, client_as):
    admin = client_as(gold.users["gold_admin"])
    me, gus = gold.users["gold_admin"].id, gold.users["gold_user"].id
    # the only admin can't step down
    resp = admin.post_form(
        f"/team/{me}/role", {"role": "partner_user"}, form_page="/team", follow_redirects=True
    )
    assert "the only active admin" in resp.get_data(as_text=True)
    assert _user(gold, gold.users["gold_admin"].email).role == "partner_admin"
    assert "Make partner user" not in admin.get("/team").get_data(as_text=True)
    # make Gus an admin, then stepping down works
    admin.post_form(f"/team/{gus}/role", {"role": "partner_admin"}, form_page="/team")
    assert _user(gold, gold.users["gold_user"].email).role == "partner_admin"
    admin.post_form(f"/team/{me}/role", {"role": "partner_user"}, form_page="/team")
    assert _user(gold, gold.users["gold_admin"].email).role == "partner_user"
    # …and the former admin lost the team page at once
    assert admin.get("/team").status_code == 404
    with tenant_scope(gold.tenant.id):
        changes = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.role_changed")
        ).all()
    assert len(changes) == 2
    # a vendor role can't be handed out here
    gus_client = client_as(gold.users["gold_user"])
    resp = gus_client.post_form(f"/team/{me}/role", {"role": "vendor_admin"}, form_page="/team")
    assert _user(gold, gold.users["gold_admin"].email).role == "partner_user"
    assert resp.status_code == 302


def test_deactivate_and_reactivate(gold, client_as):
    admin = client_as(gold.users["gold_admin"])
    gus = gold.users["gold_user"]
    me = gold.users["gold_admin"]
    resp = admin.post_form(f"/team/{me.id}/deactivate", form_page="/team", follow_redirects=True)
    assert "You can&#39;t deactivate yourself." in resp.get_data(
        as_text=True
    ) or "deactivate yourself" in resp.get_data(as_text=True)
    admin.post_form(f"/team/{gus.id}/deactivate", form_page="/team")
    assert _user(gold, gus.email).active is False
    page = admin.get("/team").get_data(as_text=True)
    assert "Reactivate" in page and "1 deactivated" in page
    resp = admin.post_form(f"/team/{gus.id}/reactivate", form_page="/team", follow_redirects=True)
    assert "can sign in again" in resp.get_data(as_text=True)
    assert _user(gold, gus.email).active is True
    with tenant_scope(gold.tenant.id):
        assert db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.reactivated")
        ).one().after == {"active": True}
    client_as(None).post_form("/login", {"email": gus.email, "password": TEST_PASSWORD})


def test_counts_and_last_sign_in(gold, client_as):
    with tenant_scope(gold.tenant.id):
        gus = db.session.get(User, gold.users["gold_user"].id)
        gus.last_login_at = utcnow().replace(year=2025, month=3, day=14, hour=9)
        db.session.commit()
    admin = client_as(gold.users["gold_admin"])
    _invite(admin, "colin@goldreseller.com")
    _invite(admin, "dana@goldreseller.com", name="Dana D")
    admin.post_form(f"/team/{gold.users['gold_user'].id}/deactivate", form_page="/team")
    page = admin.get("/team").get_data(as_text=True)

    def stat(label):
        m = re.search(r'stat-value">(\d+)</span><span class="stat-label">' + label, page)
        return int(m.group(1))

    # the admin signed in (client_as); Gus is deactivated; Colin and Dana haven't joined
    assert stat("Active members") == 1
    assert stat("Invited, not joined yet") == 2
    assert "3/14/25" in page  # Gus's last sign-in, in the viewer's format


def test_team_routes_are_isolated(gold, client_as):
    gus = gold.users["gold_user"].id
    silver = client_as(gold.users["silver_admin"])
    for action in ("resend", "deactivate", "reactivate", "role"):
        resp = silver.post_form(
            f"/team/{gus}/{action}", {"role": "partner_admin"}, form_page="/team"
        )
        assert resp.status_code == 404, action
    vendor_id = gold.users["vendor_admin"].id
    admin = client_as(gold.users["gold_admin"])
    for action in ("resend", "deactivate", "reactivate", "role"):
        resp = admin.post_form(
            f"/team/{vendor_id}/{action}", {"role": "partner_admin"}, form_page="/team"
        )
        assert resp.status_code == 404, action
    other_tenant_user = gold.other["users"]["gold_user"].id
    resp = admin.post_form(f"/team/{other_tenant_user}/deactivate", form_page="/team")
    assert resp.status_code == 404
    assert client_as(gold.users["gold_user"]).get("/team").status_code == 404
    assert client_as(gold.users["channel_manager"]).get("/team").status_code == 404
    assert _user(gold, gold.users["gold_user"].email).active is True
    assert _user(gold, gold.users["gold_user"].email).role == "partner_user"


def test_bad_invitations_are_refused_and_keep_nothing(gold, client_as):
    admin = client_as(gold.users["gold_admin"])
    for email, name, role in (
        ("not-an-address", "X", "partner_user"),
        ("colin@goldreseller.com", "", "partner_user"),
        ("colin@goldreseller.com", "Colin", "vendor_admin"),
        ("colin@goldreseller.com", "x" * 201, "partner_user"),
        (gold.users["silver_user"].email, "Sam", "partner_user"),
    ):
        resp = _invite(admin, email, name=name, role=role)
        assert resp.status_code == 422, (email, role)
    assert _user(gold, "colin@goldreseller.com") is None and _pending(gold) == []
    assert "already has an account" in _invite(admin, gold.users["silver_user"].email).get_data(
        as_text=True
    )
