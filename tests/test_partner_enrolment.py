"""A partner company is created one way (``companies.enrolment.create_partner``): added by
hand or approved from an application, it is active at its tier, audited as
``partner.created`` and announced as ``partner.joined`` — so the audit log and plugins
see both alike."""

import pytest
from sqlalchemy import select

import portalis.events as events_module
from portalis.db import db
from portalis.models import Application, Partner
from portalis.tenancy import tenant_scope
from portalis.testing.kit import audit_entries


@pytest.fixture
def delivered(monkeypatch):
    """The events delivered after each commit, in order."""
    seen = []
    original = events_module.deliver

    def spy(event):
        seen.append(event)
        return original(event)

    monkeypatch.setattr(events_module, "deliver", spy)
    return seen


def _partner(world, name):
    with tenant_scope(world.tenant.id):
        return db.session.scalars(select(Partner).where(Partner.name == name)).one()


def test_a_partner_added_by_hand_is_audited_and_announced(world, client_as, delivered):
    resp = client_as(world.users["vendor_admin"]).post_form(
        "/admin/partners/new",
        {
            "name": "  Northwind Traders ",
            "program_id": world.program.id,
            "tier_id": world.tiers["silver"].id,
            "country": "DE",
            "website": "northwind.example",
            "contact_email": "",
        },
    )
    assert resp.status_code == 302
    partner = _partner(world, "Northwind Traders")
    assert (partner.status, partner.tier_id, partner.country) == (
        "active",
        world.tiers["silver"].id,
        "DE",
    )
    assert partner.contact_email is None and partner.email_domain == "northwind.example"
    [entry] = [
        e for e in audit_entries(world.tenant, "partner.created") if e.object_id == str(partner.id)
    ]
    assert entry.after == {"name": "Northwind Traders", "tier_id": world.tiers["silver"].id}
    assert [e.payload for e in delivered if e.name == "partner.joined"] == [
        {"partner_id": partner.id}
    ]


def test_an_approved_application_makes_the_same_partner_and_says_where_it_came_from(
    world, client_as, delivered
):
    client_as(None).post_form(
        "/apply",
        {
            "company": "Wayne Enterprises",
            "country": "US",
            "website": "wayne.example",
            "name": "Bruce Wayne",
            "email": "bruce@wayne.example",
        },
    )
    with tenant_scope(world.tenant.id):
        application_id = db.session.scalars(select(Application.id)).one()
    client_as(world.users["vendor_admin"]).post_form(
        f"/admin/applications/{application_id}/approve",
        {},
        form_page=f"/admin/applications/{application_id}",
    )
    partner = _partner(world, "Wayne Enterprises")
    assert partner.status == "active" and partner.website == "https://wayne.example"
    [entry] = [
        e for e in audit_entries(world.tenant, "partner.created") if e.object_id == str(partner.id)
    ]
    assert entry.after["application_id"] == application_id
    assert entry.after["name"] == "Wayne Enterprises"
    names = [e.name for e in delivered if e.name in ("partner.joined", "partner.approved")]
    assert names == ["partner.joined", "partner.approved"]
