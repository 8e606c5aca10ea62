"""What a vendor types into the template form reaches the database clean: a NUL byte
pasted into the name, a title or the text is dropped (PostgreSQL refuses it in text, so it
was a server error there), on a new template and on an existing one alike."""

from __future__ import annotations

from sqlalchemy import select

from portalis import api
from portalis_agreements.models import AgreementTemplate


def _template_form(world, name: str, title: str, body: str) -> dict[str, str]:
    return {
        "name": name,
        "kind": "reseller",
        "program_id": str(world.program.id),
        "lock": "none",
        "default_language": "en",
        "title_en": title,
        "body_en": body,
    }


def _stored(world) -> AgreementTemplate:
    with api.tenant_scope(world.tenant.id):
        template = api.session.scalars(
            select(AgreementTemplate).execution_options(populate_existing=True)
        ).one()
        api.session.expunge(template)
        return template


def test_a_nul_byte_in_the_template_form_is_dropped(world, client_as):
    vendor = client_as(world.users["vendor_admin"])
    created = vendor.post_form(
        "/agreements/manage/new",
        _template_form(world, "Reseller\x00 terms", "Reseller\x00 terms", "Be\x00tween us."),
    )
    assert created.status_code == 302
    template = _stored(world)
    assert template.name == "Reseller terms"
    assert template.draft_titles["en"] == "Reseller terms"
    assert template.draft_bodies["en"] == "Between us."

    edit = f"/agreements/manage/{template.id}"
    saved = vendor.post_form(edit, _template_form(world, "\x00NDA\x00", "N\x00DA", "Se\x00cret."))
    assert saved.status_code == 302
    template = _stored(world)
    assert template.name == "NDA"
    assert template.draft_titles["en"] == "NDA"
    assert template.draft_bodies["en"] == "Secret."
    page = vendor.get(edit).get_data(as_text=True)
    assert 'value="NDA"' in page
