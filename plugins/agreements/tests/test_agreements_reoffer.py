"""Asked again, and not let off: an agreement withdrawn earlier is offered again when the
partner is picked again (a template restored, the vendor's rules widened back); a partner
can't escape a lock by emptying its phone number or changing its own partner type."""

from __future__ import annotations

from typing import Any

from test_agreements_flows import agreement_of, publish, sign

from portalis import api
from portalis_agreements import jobs, service
from portalis_agreements.models import (
    LOCK_PLUGINS,
    LOCK_PORTAL,
    PENDING,
    WITHDRAWN,
    AgreementTemplate,
)


def _plain(resp: Any) -> str:
    return resp.get_data(as_text=True).replace("\u2068", "").replace("\u2069", "")


def _change(world: Any, template_id: int, **values: Any) -> None:
    """The vendor saves the template with some settings changed (the rest as they are)."""
    with api.tenant_scope(world.tenant.id):
        template = api.session.get(AgreementTemplate, template_id)
        current = {
            k: getattr(template, k)
            for k in (
                "program_id",
                "name",
                "kind",
                "lock",
                "lock_plugins",
                "partner_types",
                "countries",
                "requires_countersignature",
                "default_language",
                "draft_titles",
                "draft_bodies",
            )
        }
        service.save_template(template, **{**current, **values})
        api.session.commit()


def test_archiving_and_restoring_a_template_asks_partners_to_sign_again(world, client_as):
    template_id = publish(world, lock=LOCK_PORTAL)
    with api.tenant_scope(world.tenant.id):
        service.archive(api.session.get(AgreementTemplate, template_id), True)
        api.session.commit()
    assert agreement_of(world, "gold", template_id).status == WITHDRAWN
    admin = client_as(world.users["gold_admin"])
    assert admin.get("/dashboard").status_code == 200  # archived: nothing to sign

    with api.tenant_scope(world.tenant.id):
        service.archive(api.session.get(AgreementTemplate, template_id), False)
        api.session.commit()
    agreement = agreement_of(world, "gold", template_id)
    assert agreement.status == PENDING
    resp = admin.get("/dashboard")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/agreements/{agreement.id}")
    assert sign(admin, agreement.id).status_code == 302
    assert admin.get("/dashboard").status_code == 200


def test_a_partner_picked_again_by_the_vendors_rules_is_asked_again(world, client_as):
    template_id = publish(world, countries=["US"])  # gold is in the US
    _change(world, template_id, countries=["DE"])
    assert agreement_of(world, "gold", template_id).status == WITHDRAWN
    _change(world, template_id, countries=["US", "DE"])
    agreement = agreement_of(world, "gold", template_id)
    assert agreement.status == PENDING
    page = client_as(world.users["gold_admin"]).get("/agreements/").get_data(as_text=True)
    assert "Reseller terms" in page and "Read and sign" in page


def test_changing_its_own_partner_type_does_not_withdraw_what_a_partner_must_sign(world, client_as):
    with api.tenant_scope(world.tenant.id):
        api.session.get(api.Partner, world.partners["gold"].id).partner_type = "msp"
        api.session.commit()
    template_id = publish(world, lock=LOCK_PLUGINS)
    _change(world, template_id, partner_types=["msp"], lock_plugins=["deals"])
    agreement = agreement_of(world, "gold", template_id)
    assert agreement.status == PENDING

    admin = client_as(world.users["gold_admin"])
    admin.post_form(  # only deals are locked: the company profile stays open
        "/company",
        {"description": "We resell software.", "partner_type": "reseller"},
        content_type="multipart/form-data",
    )
    with api.tenant_scope(world.tenant.id):
        assert api.session.get(api.Partner, world.partners["gold"].id).partner_type == "reseller"
        jobs.sync_assignments()  # the hourly job
        api.session.commit()
    assert agreement_of(world, "gold", template_id).status == PENDING
    resp = admin.get("/deals/")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/agreements/{agreement.id}")
    # the vendor changing the template's rules decides again
    _change(world, template_id, partner_types=["msp", "isv"])
    assert agreement_of(world, "gold", template_id).status == WITHDRAWN
    assert admin.get("/deals/").status_code == 200


def test_emptying_the_phone_number_keeps_the_lock_and_leads_to_the_profile(world, client_as):
    with api.tenant_scope(world.tenant.id):
        api.session.get(api.Partner, world.partners["gold"].id).phone = "+1 555 0100"
        api.session.commit()
    template_id = publish(
        world,
        lock=LOCK_PLUGINS,
        texts={"en": "Between {{partner.name}} (call {{partner.phone}}) and {{vendor.name}}."},
    )
    _change(world, template_id, lock_plugins=["deals"])
    agreement = agreement_of(world, "gold", template_id)
    admin = client_as(world.users["gold_admin"])
    locked = admin.get("/deals/")
    assert locked.status_code == 303
    assert locked.headers["Location"].endswith(f"/agreements/{agreement.id}")

    saved = admin.post_form(
        "/company",
        {"description": "We resell software.", "phone": ""},
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    still = admin.get("/deals/")
    assert still.status_code == 303 and still.headers["Location"].endswith("/company")
    profile = _plain(admin.get("/company"))
    assert "Add your company&#39;s phone number to sign “Reseller terms”." in profile
    page = _plain(admin.get(f"/agreements/{agreement.id}"))
    assert "Add your company&#39;s phone number to sign “Reseller terms”." in page
    assert "Open the company profile" in page and "full_name" not in page

    admin.post_form(
        "/company",
        {"description": "We resell software.", "phone": "+1 555 0199"},
        content_type="multipart/form-data",
    )
    back = admin.get("/deals/")
    assert back.status_code == 303
    assert back.headers["Location"].endswith(f"/agreements/{agreement.id}")
    assert "+1 555 0199" in _plain(admin.get(f"/agreements/{agreement.id}"))
    assert sign(admin, agreement.id).status_code == 302
    assert admin.get("/deals/").status_code == 200


def test_a_value_only_the_vendor_supplies_does_not_lock(world, client_as):
    with api.tenant_scope(world.tenant.id):
        api.session.get(api.Partner, world.partners["gold"].id).country = None
        api.session.commit()
    template_id = publish(world, lock=LOCK_PORTAL, texts={"en": "For {{partner.country}}."})
    agreement = agreement_of(world, "gold", template_id)
    admin = client_as(world.users["gold_admin"])
    assert admin.get("/dashboard").status_code == 200
    assert "Your agreement is being prepared" in _plain(admin.get(f"/agreements/{agreement.id}"))
