"""Agreements as partners and vendor staff meet them: assignment, the lock, signing the
exact document shown, refusals that change nothing, downloads whose hash is the recorded
one, re-signing a new version, counter-signature, and the missing-placeholder message."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import Any

import pytest
from flask import g
from sqlalchemy import select

from portalis import api
from portalis.testing.kit import audit_entries, differs_from_unknown, set_permission, unknown_page
from portalis_agreements import service, widgets
from portalis_agreements.models import (
    COUNTERSIGNED,
    LOCK_PORTAL,
    PENDING,
    SIGNED,
    SUPERSEDED,
    Agreement,
    AgreementTemplate,
)

TEXT = (
    "# Reseller terms\n\nBetween {{vendor.name}} and **{{partner.name}}** of "
    "{{partner.country}}.\n\n1. Resell the products.\n2. Pay within 30 days.\n\n"
    "Signed by {{signer.name}}."
)


def publish(world: Any, *, lock: str = "none", countries=(), countersign=False, texts=None):
    """A published template of the main program; returns its id."""
    with api.tenant_scope(world.tenant.id):
        template = service.save_template(
            AgreementTemplate(),
            program_id=world.program.id,
            name="Reseller terms",
            kind="reseller",
            lock=lock,
            countries=list(countries),
            requires_countersignature=countersign,
            default_language="en",
            draft_titles={"en": "Reseller terms"},
            draft_bodies=texts or {"en": TEXT},
        )
        service.publish(template, None)
        api.session.commit()
        return template.id


def republish(world: Any, template_id: int, body: str) -> None:
    with api.tenant_scope(world.tenant.id):
        template = api.session.get(AgreementTemplate, template_id)
        template.draft_bodies = {"en": body}
        service.publish(template, None)
        api.session.commit()


def agreement_of(world: Any, partner: str, template_id: int, *, current: bool = True) -> Agreement:
    with api.tenant_scope(world.tenant.id):
        found = api.session.scalars(
            select(Agreement)
            .where(
                Agreement.partner_id == world.partners[partner].id,
                Agreement.template_id == template_id,
                Agreement.current.is_(current),
            )
            .execution_options(populate_existing=True)
        ).one()
        api.session.expunge(found)  # read after the scope: keep what was loaded
        return found


def shown(client: Any, agreement_id: int) -> dict[str, str]:
    """The sign form's hidden values on the agreement page (what the signer was shown)."""
    page = client.get(f"/agreements/{agreement_id}").get_data(as_text=True)
    found = {
        name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
        for name in ("document_sha256", "language")
    }
    assert found["document_sha256"], page[:2000]
    return {k: m.group(1) if m else "" for k, m in found.items()}


def sign(client: Any, agreement_id: int, name: str = "Gina Gold", form: dict | None = None):
    data = dict(form or shown(client, agreement_id))
    data.update({"full_name": name, "confirm": "y"})
    return client.post_form(f"/agreements/{agreement_id}", data)


def test_publishing_asks_matching_partners_and_mails_their_admins(world, client_as, mailbox):
    template_id = publish(world, countries=["US"])  # gold is in the US, silver in Germany
    agreement = agreement_of(world, "gold", template_id)
    assert agreement.status == PENDING
    with api.tenant_scope(world.tenant.id):
        silver = api.session.scalars(
            select(Agreement).where(Agreement.partner_id == world.partners["silver"].id)
        ).all()
    assert silver == []
    assert [m["To"] for m in mailbox] == [world.users["gold_admin"].email]
    assert "Reseller terms" in mailbox[0]["Subject"]
    page = client_as(world.users["gold_admin"]).get("/agreements/").get_data(as_text=True)
    assert "Reseller terms" in page and "Read and sign" in page


def test_the_lock_sends_partners_to_the_agreement_until_it_is_signed(world, client_as):
    template_id = publish(world, lock=LOCK_PORTAL)
    agreement = agreement_of(world, "gold", template_id)
    member = client_as(world.users["gold_user"])
    resp = member.get("/dashboard")
    assert resp.status_code in (302, 303)
    assert resp.headers["Location"].endswith(f"/agreements/{agreement.id}")
    page = member.get(f"/agreements/{agreement.id}")
    assert page.status_code == 200
    assert "Waiting for an authorised signer" in page.get_data(as_text=True)
    admin = client_as(world.users["gold_admin"])
    assert sign(admin, agreement.id).status_code == 302
    assert member.get("/dashboard").status_code == 200
    # vendor staff are never locked out
    assert client_as(world.users["channel_manager"]).get("/agreements/manage/").status_code == 200


def test_signature_records_evidence_and_the_downloads_hash_to_it(world, client_as):
    template_id = publish(world)
    agreement = agreement_of(world, "gold", template_id)
    admin = client_as(world.users["gold_admin"])
    form = shown(admin, agreement.id)
    document = admin.get(f"/agreements/{agreement.id}/document.pdf?lang={form['language']}")
    assert hashlib.sha256(document.data).hexdigest() == form["document_sha256"]
    resp = sign(admin, agreement.id, form=form)
    assert resp.status_code == 302
    signed = agreement_of(world, "gold", template_id)
    assert signed.status == COUNTERSIGNED  # complete: no counter-signature needed
    assert signed.signer_name == "Gina Gold"
    assert signed.signer_email == world.users["gold_admin"].email
    assert signed.signed_at is not None and signed.signed_at.utcoffset().total_seconds() == 0
    assert signed.document_sha256 == form["document_sha256"]
    assert signed.signer_ip
    # the signed PDF as each side downloads it hashes to the recorded value
    for user in ("gold_admin", "gold_user", "channel_manager", "vendor_admin"):
        pdf = client_as(world.users[user]).get(f"/agreements/{signed.id}/signed.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert hashlib.sha256(pdf.data).hexdigest() == signed.signed_sha256
    # the document as signed is kept too, byte for byte as shown
    kept = admin.get(f"/agreements/{signed.id}/document.pdf")
    assert hashlib.sha256(kept.data).hexdigest() == signed.document_sha256
    # the signature page carries the hash and the name typed
    from io import BytesIO

    from pypdf import PdfReader

    reader = PdfReader(BytesIO(pdf.data))
    last = reader.pages[-1].extract_text()
    assert "Gina Gold" in last and "Signature page" in last
    assert signed.document_sha256[:20] in last.replace("\n", "")
    assert [e.action for e in audit_entries(world.tenant, "agreements.signed")] == [
        "agreements.signed"
    ]
    page = admin.get(f"/agreements/{signed.id}").get_data(as_text=True)
    assert signed.signed_sha256 in page


def test_a_superseded_version_is_refused_and_nothing_is_signed(world, client_as):
    template_id = publish(world)
    old = agreement_of(world, "gold", template_id)
    admin = client_as(world.users["gold_admin"])
    form = shown(admin, old.id)  # the signer reads version 1 ...
    republish(world, template_id, TEXT + "\n\n3. A new clause.")  # ... version 2 comes out
    resp = sign(admin, old.id, form=form)
    assert resp.status_code == 409
    assert "newer version" in resp.get_data(as_text=True)
    assert agreement_of(world, "gold", template_id, current=False).status == SUPERSEDED
    new = agreement_of(world, "gold", template_id)
    assert new.status == PENDING and new.signed_at is None
    # the hash of version 1 doesn't sign version 2 either
    resp = sign(admin, new.id, form=form)
    assert resp.status_code == 409
    assert "changed since you opened it" in resp.get_data(as_text=True)
    assert agreement_of(world, "gold", template_id).status == PENDING


def test_a_second_submission_changes_nothing(world, client_as):
    template_id = publish(world)
    agreement = agreement_of(world, "gold", template_id)
    admin = client_as(world.users["gold_admin"])
    form = shown(admin, agreement.id)
    assert sign(admin, agreement.id, form=form).status_code == 302
    first = agreement_of(world, "gold", template_id)
    again = sign(admin, agreement.id, form=form)
    assert again.status_code == 404 or "already signed" in again.get_data(as_text=True)
    after = agreement_of(world, "gold", template_id)
    assert (after.signed_at, after.signed_sha256) == (first.signed_at, first.signed_sha256)
    assert len(audit_entries(world.tenant, "agreements.signed")) == 1


def test_a_wrong_name_is_refused_with_the_expected_name(world, client_as):
    template_id = publish(world)
    agreement = agreement_of(world, "gold", template_id)
    resp = sign(client_as(world.users["gold_admin"]), agreement.id, name="Someone Else")
    assert resp.status_code == 409
    assert "Gina Gold" in resp.get_data(as_text=True)
    assert agreement_of(world, "gold", template_id).status == PENDING


def test_an_impersonating_vendor_user_can_never_sign(world, client_as):
    template_id = publish(world)
    agreement = agreement_of(world, "gold", template_id)
    admin = client_as(world.users["gold_admin"])
    form = shown(admin, agreement.id)
    vendor_id = world.users["vendor_admin"].id

    def impersonate() -> None:  # what the core's back office sets when a vendor acts as a user
        if getattr(g, "viewer", None) is not None and g.viewer.is_partner:
            g.viewer = dataclasses.replace(g.viewer, impersonated_by=vendor_id)

    funcs = world.app.before_request_funcs.setdefault(None, [])
    funcs.append(impersonate)
    try:
        page = admin.get(f"/agreements/{agreement.id}").get_data(as_text=True)
        assert "Signing is not possible" in page and "full_name" not in page
        assert sign(admin, agreement.id, form=form).status_code == 404
    finally:
        funcs.remove(impersonate)
    assert agreement_of(world, "gold", template_id).status == PENDING


def test_only_holders_of_the_signer_permission_sign(world, client_as):
    template_id = publish(world)
    agreement = agreement_of(world, "gold", template_id)
    member = client_as(world.users["gold_user"])
    page = member.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "Waiting for an authorised signer" in page
    assert member.get(f"/agreements/{agreement.id}/document.pdf").status_code == 404
    form = shown(client_as(world.users["gold_admin"]), agreement.id)
    assert sign(member, agreement.id, "Gus Gold", form=form).status_code == 404
    assert agreement_of(world, "gold", template_id).status == PENDING
    # vendor staff never sign, even holding the permission
    set_permission(world.tenant, "agreements.sign", "vendor_admin", granted=True)
    vendor = client_as(world.users["vendor_admin"])
    data = {"csrf_token": vendor.csrf_token, "full_name": "Vera Admin", "confirm": "y", **form}
    assert vendor.post(f"/agreements/{agreement.id}", data=data).status_code == 404
    # granted to partner users, the member signs
    set_permission(world.tenant, "agreements.sign", "partner_user", granted=True)
    assert sign(member, agreement.id, "Gus Gold").status_code == 302
    assert agreement_of(world, "gold", template_id).signer_name == "Gus Gold"


def test_another_partner_gets_the_unknown_page(world, client_as):
    template_id = publish(world)
    agreement = agreement_of(world, "gold", template_id)
    sign(client_as(world.users["gold_admin"]), agreement.id)
    silver = client_as(world.users["silver_admin"])
    assert unknown_page(silver).status_code == 404
    for path in ("", "/document.pdf", "/signed.pdf"):
        # the same page as for an agreement that doesn't exist
        unknown = silver.get(f"/agreements/{2**62}{path}")
        resp = silver.get(f"/agreements/{agreement.id}{path}")
        assert not differs_from_unknown(resp, unknown), path
    other_tenant = client_as(world.other["users"]["vendor_admin"], tenant=world.other_tenant)
    assert other_tenant.get(f"/agreements/{agreement.id}/signed.pdf").status_code == 404


def test_a_new_version_asks_to_sign_again_and_keeps_the_old_signature(world, client_as):
    template_id = publish(world)
    first = agreement_of(world, "gold", template_id)
    admin = client_as(world.users["gold_admin"])
    sign(admin, first.id)
    with api.tenant_scope(world.tenant.id):
        assert widgets.summaries([world.partners["gold"].id])[0].text == "Signed 1 of 1"
    republish(world, template_id, TEXT + "\n\n3. Updated terms.")
    new = agreement_of(world, "gold", template_id)
    assert new.id != first.id and new.status == PENDING
    old = agreement_of(world, "gold", template_id, current=False)
    assert old.status in (SIGNED, COUNTERSIGNED) and old.signed_file
    with api.tenant_scope(world.tenant.id):
        line = widgets.summaries([world.partners["gold"].id])[0]
    assert line.text == "Signed 0 of 1" and line.needs_action
    page = admin.get("/agreements/").get_data(as_text=True)
    assert "Earlier versions" in page
    assert sign(admin, new.id).status_code == 302
    assert agreement_of(world, "gold", template_id).is_signed


def test_the_vendor_counter_signs_and_the_signed_pdf_follows(world, client_as, mailbox):
    template_id = publish(world, countersign=True)
    agreement = agreement_of(world, "gold", template_id)
    sign(client_as(world.users["gold_admin"]), agreement.id)
    signed = agreement_of(world, "gold", template_id)
    assert signed.status == SIGNED and signed.awaits_countersignature
    # the channel manager may read but not counter-sign
    manager = client_as(world.users["channel_manager"])
    assert manager.post_form(f"/agreements/manage/agreements/{signed.id}", {}).status_code == 404
    vendor = client_as(world.users["vendor_admin"])
    resp = vendor.post_form(f"/agreements/manage/agreements/{signed.id}", {})
    assert resp.status_code == 302
    done = agreement_of(world, "gold", template_id)
    assert done.status == COUNTERSIGNED and done.countersigner_name == "Vera Admin"
    assert done.signed_sha256 != signed.signed_sha256
    pdf = client_as(world.users["gold_user"]).get(f"/agreements/{done.id}/signed.pdf")
    assert hashlib.sha256(pdf.data).hexdigest() == done.signed_sha256
    assert any("Counter-signed" in m["Subject"] for m in mailbox)


def test_a_missing_value_is_named_to_the_vendor_and_never_half_filled(world, client_as):
    with api.tenant_scope(world.tenant.id):
        api.session.get(api.Partner, world.partners["gold"].id).country = None
        api.session.commit()
    vendor = client_as(world.users["vendor_admin"])
    resp = vendor.post_form(
        "/agreements/manage/new",
        {
            "name": "Reseller terms",
            "kind": "reseller",
            "program_id": str(world.program.id),
            "lock": LOCK_PORTAL,
            "default_language": "en",
            "title_en": "Reseller terms",
            "body_en": TEXT,
        },
    )
    assert resp.status_code == 302
    edit = resp.headers["Location"]
    template_id = int(edit.rstrip("/").rsplit("/", 1)[-1])
    published = vendor.post_form(f"/agreements/manage/{template_id}/publish", {}, form_page=edit)
    page = vendor.get(published.headers["Location"]).get_data(as_text=True)
    gold = world.partners["gold"].name
    plain = page.replace("\u2068", "").replace("\u2069", "")  # names are isolated
    assert f"{gold} has no country; fill it in or remove {{{{partner.country}}}}" in plain
    agreement = agreement_of(world, "gold", template_id)
    admin = client_as(world.users["gold_admin"])
    # not locked out by a document that can't be made, and never shown half of one
    assert admin.get("/dashboard").status_code == 200
    page = admin.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "Your agreement is being prepared" in page and "full_name" not in page
    assert admin.get(f"/agreements/{agreement.id}/document.pdf").status_code == 404


def test_an_unknown_placeholder_is_refused_when_saving(world, client_as):
    vendor = client_as(world.users["vendor_admin"])
    resp = vendor.post_form(
        "/agreements/manage/new",
        {
            "name": "NDA",
            "kind": "nda",
            "program_id": str(world.program.id),
            "lock": "none",
            "default_language": "en",
            "body_en": "Between {{partner.nmae}} and us.",
        },
    )
    assert resp.status_code == 422
    assert "Unknown placeholder {{partner.nmae}}" in resp.get_data(as_text=True)
    with api.tenant_scope(world.tenant.id):
        assert api.session.scalars(select(AgreementTemplate)).all() == []


@pytest.mark.parametrize("language", ["de", "fr", "es", "ja", "ar"])
def test_the_document_is_made_in_the_signers_language(world, client_as, language):
    texts = {"en": TEXT, language: "# " + language + "\n\n{{partner.name}} · {{date}}"}
    template_id = publish(world, texts=texts)
    agreement = agreement_of(world, "gold", template_id)
    with api.tenant_scope(world.tenant.id):
        user = api.session.get(api.User, world.users["gold_admin"].id)
        user.locale = language
        api.session.commit()
    admin = client_as(world.users["gold_admin"])
    form = shown(admin, agreement.id)
    assert form["language"] == language
    assert sign(admin, agreement.id, form=form).status_code == 302
    assert agreement_of(world, "gold", template_id).language == language
