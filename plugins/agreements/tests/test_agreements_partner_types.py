"""Templates for some partner types only: the editor offers the company profile's types
(``api.COMPANY_PARTNER_TYPES``) in the vendor's language, and a partner whose profile
takes such a type is asked to sign at once."""

from __future__ import annotations

import re

from sqlalchemy import select

from portalis import api
from portalis_agreements import service
from portalis_agreements.models import PENDING, Agreement, AgreementTemplate


def _choices(html: str, name: str) -> dict[str, str]:
    """The ticks of a checkbox list: value → its label as shown."""
    return {
        value: re.sub(r"<[^>]+>", "", label).strip()
        for value, label in re.findall(
            rf'<input type="checkbox" name="{name}" value="([^"]*)"[^>]*>(.*?)</label>', html, re.S
        )
    }


def _agreements(world, partner: str) -> list[Agreement]:
    with api.tenant_scope(world.tenant.id):
        return list(
            api.session.scalars(
                select(Agreement)
                .where(Agreement.partner_id == world.partners[partner].id)
                .execution_options(populate_existing=True)
            )
        )


def test_the_editor_offers_the_profiles_partner_types_in_the_vendors_language(world, client_as):
    admin = client_as(world.users["vendor_admin"])
    page = admin.get("/agreements/manage/new", headers={"Accept-Language": "de"})
    html = page.get_data(as_text=True)
    types = _choices(html, "partner_types")
    assert list(types) == list(api.COMPANY_PARTNER_TYPES)
    assert types["system_integrator"] == "Systemintegrator"
    assert types["consultant"] == "Beratungsunternehmen"


def test_a_partner_becoming_a_managed_service_provider_is_asked_to_sign(world, client_as, mailbox):
    with api.tenant_scope(world.tenant.id):
        template = service.save_template(
            AgreementTemplate(),
            program_id=world.program.id,
            name="MSP terms",
            kind="reseller",
            lock="none",
            partner_types=["msp"],
            countries=[],
            requires_countersignature=False,
            default_language="en",
            draft_titles={"en": "MSP terms"},
            draft_bodies={"en": "Between {{vendor.name}} and {{partner.name}}."},
        )
        service.publish(template, None)
        api.session.commit()
    # nobody has a partner type yet: nobody is asked
    assert _agreements(world, "gold") == [] and _agreements(world, "silver") == []

    gold = client_as(world.users["gold_admin"])
    resp = gold.post_form(
        "/company",
        {"description": "We run networks for hospitals.", "partner_type": "msp"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    [agreement] = _agreements(world, "gold")
    assert agreement.status == PENDING
    assert _agreements(world, "silver") == []
    assert "MSP terms" in gold.get("/agreements/").get_data(as_text=True)

    # a reseller is not a managed service provider
    silver = client_as(world.users["silver_admin"])
    silver.post_form(
        "/company",
        {"description": "We resell software.", "partner_type": "reseller"},
        content_type="multipart/form-data",
    )
    assert _agreements(world, "silver") == []
