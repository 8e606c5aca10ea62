"""The company profile's routes in the isolation walk and the bad-input sweep, with real
victim data: the gold partner has a complete profile, a logo and a change waiting for
approval; the silver partner, the other tenant and anonymous visitors must see none of it
and change none of it, and no hostile value gets a server error."""

from __future__ import annotations

import io

from PIL import Image

from portalis.db import db
from portalis.models import Partner, PartnerProfileChange, ProgramProfileSettings
from portalis.tenancy import tenant_scope
from portalis.testing.kit import (
    Actor,
    fingerprint,
    rules_of,
    sample_values,
    sweep,
    victim_values,
    walk,
)
from portalis.uploads import store_image

PROFILE_ENDPOINTS = ("company.", "company_logos.", "admin.profile_change", "admin.program_profile")
SECRET_DESCRIPTION = "Gold secret plans for the Nordic healthcare market"
SECRET_PROPOSAL = "Gold proposal nobody else may read yet"


def _rules(app):
    return [r for r in rules_of(app) if r.endpoint.startswith(PROFILE_ENDPOINTS)]


def _seed(world):
    png = io.BytesIO()
    Image.new("RGBA", (32, 32), (0, 128, 0, 255)).save(png, format="PNG")
    with (
        world.app.test_request_context(base_url=f"http://{world.host()}"),
        tenant_scope(world.tenant.id),
    ):
        db.session.add(
            ProgramProfileSettings(
                program_id=world.program.id, public_fields=["website"], approval_required=True
            )
        )
        gold = db.session.get(Partner, world.partners["gold"].id)
        gold.description = SECRET_DESCRIPTION
        gold.phone = "+1 555 0199"
        gold.logo = store_image(world.tenant.id, "company-logos", png.getvalue()).name
        db.session.add(
            PartnerProfileChange(
                partner_id=gold.id,
                changes={"description": SECRET_PROPOSAL},
                previous={"description": SECRET_DESCRIPTION},
            )
        )
        db.session.commit()


def test_profile_routes_leak_nothing_and_change_nothing(world, client_as):
    _seed(world)
    rules = _rules(world.app)
    assert {r.endpoint for r in rules} >= {
        "company.profile",
        "company_logos.logo",
        "admin.profile_change_approve",
        "admin.profile_change_reject",
        "admin.program_profile_settings",
    }
    values = victim_values(world, "gold")
    with tenant_scope(world.tenant.id):
        values["name"] = db.session.get(Partner, world.partners["gold"].id).logo
    assert values["profile_change_id"]  # the walk points at the gold partner's change
    secrets = {SECRET_DESCRIPTION, SECRET_PROPOSAL}
    before = fingerprint(world.tenant.id, [world.partners["silver"].id])
    actors = [
        Actor("other tenant's partner admin", world.other["users"]["gold_admin"], secrets),
        Actor("other tenant's vendor admin", world.other["users"]["vendor_admin"], secrets),
        Actor("another partner's admin", world.users["silver_admin"], secrets),
        Actor("another partner's member", world.users["silver_user"], secrets),
        Actor("anonymous", None, secrets, tenant=world.tenant),
    ]
    report = walk(rules, actors, client_as, values)
    assert not report.problems, "\n".join(report.problems)
    after = fingerprint(world.tenant.id, [world.partners["silver"].id])
    assert before == after, [t for t in before if before[t] != after.get(t)]
    # the logo is not public in this program: only insiders get it
    logo_url = f"/logos/{world.partners['gold'].id}/{values['name']}"
    assert client_as(None, world.tenant).get(logo_url).status_code == 404
    assert client_as(world.users["silver_admin"]).get(logo_url).status_code == 404
    assert client_as(world.users["gold_user"]).get(logo_url).status_code == 200


def test_hostile_input_on_profile_forms_gets_no_server_error(world, client_as):
    _seed(world)
    actors = [
        ("anonymous", None),
        ("partner admin", world.users["gold_admin"]),
        ("partner member", world.users["gold_user"]),
        ("channel manager", world.users["channel_manager"]),
        ("vendor admin", world.users["vendor_admin"]),
    ]
    report = sweep(
        world.app,
        actors,
        client_as,
        victim_values(world, "gold"),
        # the partner page carries the approve / reject forms
        rules=[
            *_rules(world.app),
            *[r for r in rules_of(world.app) if r.endpoint == "admin.partner_detail"],
        ],
        more_values=sample_values(world),
    )
    assert not report.problems, "\n".join(report.problems)
    assert {
        "POST company.profile",
        "POST admin.program_profile_settings",
        "POST admin.profile_change_reject",
    } <= set(report.form_endpoints)
