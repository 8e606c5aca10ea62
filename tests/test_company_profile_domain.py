"""A company's website decides its e-mail domain, and the domain decides who may join it
(``/join`` requests go to its admins; same-domain invitations may skip the vendor). So a
partner admin can't move the company to another domain alone: a website at another domain
waits for the vendor's approval even in a program that approves nothing else; one at the
same domain is saved at once. (docs/security.md, "Public forms: applications and join
requests")"""

from __future__ import annotations

import pytest

from portalis.db import db
from portalis.identity.join_requests import invite_needs_vendor, matching_partner_ids
from portalis.models import Partner, PartnerProfileChange, Program
from portalis.tenancy import tenant_scope

pytestmark = pytest.mark.plugins()

VICTIM = "https://www.silverreseller.com"


@pytest.fixture
def domains(world):
    """Gold at goldreseller.com, silver at silverreseller.com; same-domain invitations
    skip the vendor; no profile field needs approval (the program's default)."""
    with tenant_scope(world.tenant.id):
        db.session.get(Partner, world.partners["gold"].id).website = "https://goldreseller.com"
        db.session.get(Partner, world.partners["silver"].id).website = VICTIM
        db.session.get(Program, world.program.id).auto_approve_same_domain = True
        db.session.commit()
    return world


def _gold(world):
    with tenant_scope(world.tenant.id):
        db.session.expire_all()
        partner = db.session.get(Partner, world.partners["gold"].id)
        return partner.website, partner.email_domain


def test_a_website_at_another_domain_waits_for_the_vendor(domains, client_as):
    world = domains
    admin = client_as(world.users["gold_admin"])
    resp = admin.post_form("/company", {"website": VICTIM}, follow_redirects=True)
    assert "The changes to Website are shown once the vendor approves them." in resp.get_data(
        as_text=True
    )
    assert _gold(world) == ("https://goldreseller.com", "goldreseller.com")
    with tenant_scope(world.tenant.id):
        # silver's people still reach only silver, and an invitation there isn't "same domain"
        assert matching_partner_ids("jo@silverreseller.com") == [world.partners["silver"].id]
        gold = db.session.get(Partner, world.partners["gold"].id)
        assert invite_needs_vendor(gold, "jo@silverreseller.com")
        change = db.session.query(PartnerProfileChange).one()
        assert (change.state, change.changes) == ("pending", {"website": VICTIM})
    resp = admin.post_form(
        "/team/invite",
        {"email": "jo@silverreseller.com", "name": "Jo", "role": "partner_user"},
        form_page="/team",
        follow_redirects=True,
    )
    assert "needs the program team&#39;s approval first" in resp.get_data(as_text=True)
    # the vendor sees the change on the partner page and decides; approved, the domain follows
    manager = client_as(world.users["channel_manager"])
    gold_page = f"/admin/partners/{world.partners['gold'].id}"
    assert "Changes wait for your approval" in manager.get(gold_page).get_data(as_text=True)
    manager.post_form(f"{gold_page}/profile-changes/{change.id}/approve", {}, form_page=gold_page)
    assert _gold(world) == (VICTIM, "silverreseller.com")


def test_a_website_at_the_same_domain_is_saved_at_once(domains, client_as):
    admin = client_as(domains.users["gold_admin"])
    resp = admin.post_form(
        "/company", {"website": "https://shop.goldreseller.com/about"}, follow_redirects=True
    )
    assert "Your company profile was saved." in resp.get_data(as_text=True)
    assert _gold(domains) == ("https://shop.goldreseller.com/about", "goldreseller.com")
    with tenant_scope(domains.tenant.id):
        assert db.session.query(PartnerProfileChange).count() == 0


def test_a_partner_without_a_domain_cant_take_one_alone(world, client_as):
    admin = client_as(world.users["gold_admin"])
    admin.post_form("/company", {"website": VICTIM})
    assert _gold(world) == (None, None)
    with tenant_scope(world.tenant.id):
        change = db.session.query(PartnerProfileChange).one()
        assert change.changes == {"website": VICTIM}
