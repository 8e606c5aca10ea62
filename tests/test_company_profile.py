"""The partner company profile (issue #12 item 3): partner admins edit it, members read it,
other partners and other tenants get the unknown page; a program decides which fields are
public and whether changing them waits for a channel manager; completeness is a tier metric
and its first 100 % is a milestone event; bad input gets a field-level message and saves
nothing."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager

import pytest
from PIL import Image
from sqlalchemy import select

from portalis import api
from portalis.companies import profile_changes
from portalis.db import db
from portalis.models import Partner, PartnerProfileChange, ProgramProfileSettings
from portalis.tenancy import tenant_scope
from portalis.testing.kit import audit_entries, differs_from_unknown, unknown_page

COMPLETE = {
    "description": "We run Acme networks for hospitals in the DACH region.",
    "partner_type": "msp",
    "website": "gold.example",
    "phone": "+49 30 1234567",
    "addresses-0-label": "Head office",
    "addresses-0-street": "Unter den Linden 1",
    "addresses-0-postcode": "10117",
    "addresses-0-city": "Berlin",
    "addresses-0-region": "Berlin",
    "addresses-0-country": "DE",
    "service_regions": ["DE", "AT", "CH"],
    "industries": ["healthcare", "public_sector"],
    "expertise": "Kubernetes, SD-WAN ; Cloud migration",
    "languages": ["de", "en"],
}


@pytest.fixture(autouse=True)
def _gold_domain(world):
    """The vendor knows gold's domain (its contact address), so a website there is saved at
    once; a website at another domain waits for approval (tests/test_company_profile_domain.py)."""
    with tenant_scope(world.tenant.id):
        db.session.get(Partner, world.partners["gold"].id).contact_email = "info@gold.example"
        db.session.commit()


def _png(width=64, height=32, colour=(200, 30, 30, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


@contextmanager
def in_tenant(world):
    with (
        world.app.test_request_context(base_url=f"http://{world.host()}"),
        tenant_scope(world.tenant.id),
    ):
        db.session.expire_all()
        yield


def _partner(world, key="gold") -> Partner:
    db.session.expire_all()
    with tenant_scope(world.tenant.id):
        return db.session.get(Partner, world.partners[key].id)


def _settings(world, public, approval):
    with tenant_scope(world.tenant.id):
        db.session.add(
            ProgramProfileSettings(
                program_id=world.program.id, public_fields=list(public), approval_required=approval
            )
        )
        db.session.commit()


def _save(client, data, logo=None):
    payload = dict(data)
    if logo is not None:
        payload["logo"] = (io.BytesIO(logo), "logo.png")
    return client.post_form("/company", payload, content_type="multipart/form-data")


# --- editing -------------------------------------------------------------------------------


def test_a_partner_admin_fills_in_the_profile_and_sees_it_saved(world, client_as):
    client = client_as(world.users["gold_admin"])
    page = client.get("/company")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Company profile" in body and "Profile 0% complete" in body
    assert 'data-preview="logo-preview"' in body  # the logo is previewed before upload
    resp = _save(client, COMPLETE, logo=_png())
    assert resp.status_code == 302, resp.get_data(as_text=True)
    flash = client.get("/company").get_data(as_text=True)
    assert "Your company profile is complete" in flash
    p = _partner(world)
    assert p.website == "https://gold.example"
    assert p.partner_type == "msp"
    assert p.service_regions == ["AT", "CH", "DE"]
    assert p.expertise == ["Kubernetes", "SD-WAN", "Cloud migration"]
    assert p.addresses == [
        {
            "label": "Head office",
            "street": "Unter den Linden 1",
            "city": "Berlin",
            "postcode": "10117",
            "region": "Berlin",
            "country": "DE",
        }
    ]
    assert re.fullmatch(r"[0-9a-f]{32}\.png", p.logo)
    # the logo is served to the company's own people
    assert client.get(f"/logos/{p.id}/{p.logo}").status_code == 200
    actions = [e.action for e in audit_entries(world.tenant)]
    assert "partner.profile_updated" in actions and "partner.profile_completed" in actions


def test_labels_are_shown_in_the_readers_language(world, client_as):
    client = client_as(world.users["gold_admin"])
    assert _save(client, COMPLETE).status_code == 302
    client.get("/locale/de")
    body = client_as(world.users["gold_user"]).get("/company").get_data(as_text=True)
    # the member reads the profile (English session) …
    assert "Managed service provider" in body and "Healthcare" in body and "Austria" in body
    with in_tenant(world):
        from flask_babel import force_locale

        with force_locale("de"):
            profile = api.company_profile(world.partners["gold"].id)
            assert "Deutsch" in profile.language_labels and "Englisch" in profile.language_labels


def test_members_read_the_profile_but_cannot_change_it(world, client_as):
    _save(client_as(world.users["gold_admin"]), COMPLETE)
    member = client_as(world.users["gold_user"])
    page = member.get("/company").get_data(as_text=True).replace("&#39;", "'")
    assert "Only your company's administrators can change this profile." in page
    assert "We run Acme networks" in page and '<form class="form company-form"' not in page
    before = _partner(world).description
    resp = member.post_form(
        "/company", {**COMPLETE, "description": "Hijacked"}, form_page="/dashboard"
    )
    assert resp.status_code == 404
    assert _partner(world).description == before


def test_the_nav_offers_the_company_profile_to_partners(world, client_as):
    body = client_as(world.users["gold_user"]).get("/dashboard").get_data(as_text=True)
    assert 'href="/company"' in body


# --- isolation -----------------------------------------------------------------------------


def test_logos_of_other_partners_and_tenants_are_the_unknown_page(world, client_as):
    _settings(world, public=[], approval=False)  # the logo is not public in this program
    _save(client_as(world.users["gold_admin"]), COMPLETE, logo=_png())
    p = _partner(world)
    url = f"/logos/{p.id}/{p.logo}"
    for user in (world.users["silver_admin"], world.other["users"]["vendor_admin"], None):
        client = client_as(user) if user is not None else client_as(None, world.tenant)
        assert differs_from_unknown(client.get(url), unknown_page(client)) is None
    # vendor staff of the tenant see it
    assert client_as(world.users["channel_manager"]).get(url).status_code == 200


def test_a_public_logo_is_served_to_anyone_on_the_tenant(world, client_as):
    _save(client_as(world.users["gold_admin"]), COMPLETE, logo=_png())
    p = _partner(world)
    anon = client_as(None, world.tenant)
    resp = anon.get(f"/logos/{p.id}/{p.logo}")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    # never across tenants, whatever the name
    other = client_as(world.other["users"]["gold_admin"])
    assert other.get(f"/logos/{p.id}/{p.logo}").status_code == 404


def test_vendor_staff_of_another_tenant_get_the_unknown_page(world, client_as):
    stranger = client_as(world.other["users"]["vendor_admin"])
    gold = world.partners["gold"].id
    for url in (
        f"/admin/partners/{gold}",
        f"/admin/programs/{world.program.id}/company-profiles",
    ):
        assert differs_from_unknown(stranger.get(url), unknown_page(stranger)) is None


# --- approval ------------------------------------------------------------------------------


def test_public_changes_wait_for_approval_and_are_applied_whole(world, client_as, mailbox):
    _settings(world, public=["description", "website", "logo"], approval=True)
    admin = client_as(world.users["gold_admin"])
    resp = _save(admin, {**COMPLETE, "phone": "+1 555 0100"}, logo=_png())
    assert resp.status_code == 302
    page = admin.get("/company").get_data(as_text=True)
    assert "are shown once the vendor approves them" in page
    assert "Changes wait for approval" in page
    p = _partner(world)
    # private fields are saved at once, public ones wait
    assert p.phone == "+1 555 0100" and p.partner_type == "msp"
    assert p.description == "" and p.website is None and p.logo is None
    with in_tenant(world):
        public = api.company_profile(p.id, public_only=True)
        assert public.description == "" and public.phone is None  # phone isn't public
        change = profile_changes.pending_change(p.id)
        assert set(change.changes) == {"description", "website", "logo"}
        proposed_logo = change.changes["logo"]
    # the proposed logo is visible to the company and the vendor, not to anyone else
    url = f"/logos/{p.id}/{proposed_logo}"
    assert admin.get(url).status_code == 200
    assert client_as(None, world.tenant).get(url).status_code == 404
    # the vendor sees the change and approves it
    manager = client_as(world.users["channel_manager"])
    detail = manager.get(f"/admin/partners/{p.id}").get_data(as_text=True)
    assert "Changes wait for your approval" in detail and "https://gold.example" in detail
    resp = manager.post_form(
        f"/admin/partners/{p.id}/profile-changes/{change.id}/approve",
        {},
        form_page=f"/admin/partners/{p.id}",
    )
    assert resp.status_code == 302
    p = _partner(world)
    assert p.description.startswith("We run") and p.website == "https://gold.example"
    assert p.logo == proposed_logo
    mails = [m for m in mailbox if m["To"] == world.users["gold_admin"].email]
    assert mails and "published" in mails[-1]["Subject"]
    assert "partner.profile_change_approved" in [e.action for e in audit_entries(world.tenant)]
    # approving twice does nothing
    again = manager.post_form(
        f"/admin/partners/{p.id}/profile-changes/{change.id}/approve",
        {},
        form_page=f"/admin/partners/{p.id}",
    )
    assert again.status_code == 302
    assert "already decided" in manager.get(f"/admin/partners/{p.id}").get_data(as_text=True)


def test_a_rejection_keeps_the_profile_and_tells_the_admins_why_in_their_language(
    world, client_as, mailbox
):
    _settings(world, public=["description"], approval=True)
    with tenant_scope(world.tenant.id):
        from portalis.models import User

        db.session.get(User, world.users["gold_admin"].id).locale = "de"
        db.session.commit()
    admin = client_as(world.users["gold_admin"])
    _save(admin, {"description": "Best reseller on the planet!!!"})
    with in_tenant(world):
        change = profile_changes.pending_change(world.partners["gold"].id)
    manager = client_as(world.users["channel_manager"])
    url = f"/admin/partners/{world.partners['gold'].id}/profile-changes/{change.id}/reject"
    form_page = f"/admin/partners/{world.partners['gold'].id}"
    # a reason is required
    manager.post_form(url, {"reason": "  "}, form_page=form_page)
    with in_tenant(world):
        assert profile_changes.pending_change(world.partners["gold"].id) is not None
    manager.post_form(url, {"reason": "Please no superlatives."}, form_page=form_page)
    p = _partner(world)
    assert p.description == ""
    with in_tenant(world):
        assert db.session.get(PartnerProfileChange, change.id).state == "rejected"
    mail = [m for m in mailbox if m["To"] == world.users["gold_admin"].email][-1]
    text = mail.get_body(("plain",)).get_content()
    # in German: the field's name and the greeting come from the German catalog
    assert "Please no superlatives." in text and "Beschreibung" in text
    assert "Hello" not in text


def test_a_new_edit_replaces_the_pending_change_and_reverting_withdraws_it(world, client_as):
    _settings(world, public=["description"], approval=True)
    admin = client_as(world.users["gold_admin"])
    _save(admin, {"description": "First draft"})
    _save(admin, {"description": "Second draft"})
    with in_tenant(world):
        rows = db.session.scalars(
            select(PartnerProfileChange).where(
                PartnerProfileChange.partner_id == world.partners["gold"].id
            )
        ).all()
        assert [(r.state, r.changes) for r in rows] == [
            ("pending", {"description": "Second draft"})
        ]
    # the form shows what waits, not the approved (empty) value
    assert "Second draft" in admin.get("/company").get_data(as_text=True)
    _save(admin, {"description": ""})
    with in_tenant(world):
        assert profile_changes.pending_change(world.partners["gold"].id) is None


def test_program_settings_choose_public_fields_and_approval(world, client_as):
    admin = client_as(world.users["vendor_admin"])
    url = f"/admin/programs/{world.program.id}/company-profiles"
    assert admin.get(url).status_code == 200
    resp = admin.post_form(url, {"public_fields": ["logo", "website"], "approval_required": "y"})
    assert resp.status_code == 302
    with in_tenant(world):
        settings = api.company_profile(world.partners["gold"].id).public_fields
        assert settings == frozenset({"logo", "website"})
    detail = admin.get(f"/admin/programs/{world.program.id}").get_data(as_text=True)
    assert "Public: Logo and Website." in detail
    assert "program.profile_settings_updated" in [e.action for e in audit_entries(world.tenant)]
    # channel managers don't change program settings
    manager = client_as(world.users["channel_manager"])
    assert manager.get(url).status_code == 404


# --- completeness, metric, milestone -------------------------------------------------------


def test_completeness_metric_and_the_milestone_fire_once(world, client_as, monkeypatch):
    emitted = []
    original = api.emit if hasattr(api, "emit") else None
    from portalis.companies import profile as profile_module

    real = profile_module.events.emit

    def spy(name, payload=None, **kw):
        emitted.append((name, payload))
        return real(name, payload, **kw)

    monkeypatch.setattr(profile_module.events, "emit", spy)
    del original
    admin = client_as(world.users["gold_admin"])
    _save(admin, {"description": "Half a profile", "partner_type": "reseller"})
    with in_tenant(world):
        p = db.session.get(Partner, world.partners["gold"].id)
        assert api.profile_completeness(p) == pytest.approx(0.2)
        metrics = world.app.extensions["portalis"].metric_definitions()
        assert "profile_completeness" in [m.name for _plugin, m in metrics]
    _save(admin, COMPLETE, logo=_png())
    _save(admin, {**COMPLETE, "description": "Changed after completion"})
    assert (
        emitted.count(("partner.profile_completed", {"partner_id": world.partners["gold"].id})) == 1
    )
    with in_tenant(world):
        from portalis.companies.profile import completeness_metric

        values = completeness_metric(
            [world.partners["gold"].id, world.partners["silver"].id], world.program.id, None
        )
        assert values == {world.partners["gold"].id: 100.0, world.partners["silver"].id: 0.0}


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"service_regions": ["DE", "XX"]}, "service_regions", "Choose a country from the list."),
        ({"addresses-0-country": "Germany"}, "addresses", "Choose a country from the list."),
        ({"addresses-0-city": ""}, "addresses", "Give each address a city."),
        ({"partner_type": "overlord"}, "partner_type", "Choose a partner type from the list."),
        ({"industries": ["crime"]}, "industries", "Choose from the list."),
        ({"languages": ["klingon"]}, "languages", "Choose from the list."),
        ({"phone": "call me maybe"}, "phone", "Enter a phone number"),
        ({"website": "javascript:alert(1)"}, "website", "Only web addresses"),
        ({"description": "x" * 2001}, "description", "Keep the description to 2000 characters"),
        (
            {"expertise": ", ".join(f"tag{i}" for i in range(13))},
            "expertise",
            "List at most 12 expertise tags (there are 13).",
        ),
        ({"expertise": "y" * 41}, "expertise", "Keep each expertise tag to 40 characters"),
    ],
)
def test_bad_input_gets_a_field_message_and_saves_nothing(world, client_as, change, field, message):
    admin = client_as(world.users["gold_admin"])
    resp = _save(admin, {**COMPLETE, **change}, logo=_png())
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert message in body.replace("&#39;", "'")
    p = _partner(world)
    assert p.description == "" and p.logo is None and p.service_regions == []
    assert not audit_entries(world.tenant, "partner.profile_updated")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\0" * 20, "Upload a PNG, JPEG, GIF, WebP or SVG image."),
        (b"<?php system($_GET['c']); ?>", "Upload a PNG, JPEG, GIF, WebP or SVG image."),
        (_png(8, 8), "between 16 and 4096 pixels"),
        (b"\x89PNG" + b"0" * (2 * 1024 * 1024 + 10), "larger than 2 MB"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><!DOCTYPE x [<!ENTITY e "x">]></svg>',
            "features that are not allowed",
        ),
    ],
)
def test_hostile_or_oversized_logos_are_refused(world, client_as, data, message):
    admin = client_as(world.users["gold_admin"])
    resp = _save(admin, COMPLETE, logo=data)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    p = _partner(world)
    assert p.logo is None and p.description == ""


def test_an_svg_logo_loses_its_script(world, client_as):
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)">'
        b'<script>alert(2)</script><rect width="10" height="10" fill="red"/></svg>'
    )
    admin = client_as(world.users["gold_admin"])
    assert _save(admin, COMPLETE, logo=svg).status_code == 302
    p = _partner(world)
    served = admin.get(f"/logos/{p.id}/{p.logo}")
    assert served.mimetype == "image/svg+xml"
    assert b"script" not in served.data and b"onload" not in served.data


def test_the_api_refuses_what_the_form_refuses(world):
    from portalis.companies.profile_fields import ProfileValueError, clean_value

    with in_tenant(world):
        with pytest.raises(ProfileValueError):
            clean_value("service_regions", ["UN"])
        with pytest.raises(ProfileValueError):
            clean_value("addresses", [{"city": "X", "country": "DE"}] * 6)
        assert clean_value("languages", ["de", "de", "ar"]) == ["ar", "de"]
        assert api.company_profile(10**12) is None
        # other tenants' partners are unknown here
        assert api.company_profile(world.other["partners"]["gold"].id) is None
