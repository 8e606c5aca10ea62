"""A plugin the checklist has never heard of — here a stand-in for the agreements plugin —
declares "agreement.signed"; the vendor picks it for a task, and the event completes the
task for the partner who signed. Onboarding imports nothing of that plugin."""

from __future__ import annotations

from sqlalchemy import select

from portalis import api
from portalis.testing.fixtures import build_app


class Signatures:
    """Declares the milestone and emits it, like the agreements plugin does."""

    PLUGIN = api.PluginInfo(name="signatures", title="Signatures", version="1.0")

    @api.hookimpl
    def portalis_milestones(self):
        return [api.Milestone("agreement.signed", "Agreement signed")]


def test_a_milestone_of_another_plugin_completes_the_task(
    world, portalis_database_url, tmp_path, client_as
):
    from portalis_onboarding import progress
    from portalis_onboarding.models import Task

    app = build_app(
        portalis_database_url,
        tmp_path,
        plugins=["onboarding", "deals"],
        extra_plugins=[Signatures()],
    )
    manager = client_as(world.users["channel_manager"], app=app)
    page = f"/onboarding/programs/{world.program.id}/tasks/new"
    assert "Automatically: Agreement signed" in manager.get(page).get_data(as_text=True)
    resp = manager.post_form(
        page,
        {
            "title": "Sign the reseller agreement",
            "owner_side": "partner",
            "owner_user_id": "0",
            "due_days": "7",
            "milestone": "agreement.signed",
        },
        form_page=page,
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    gold, silver = world.partners["gold"], world.partners["silver"]
    with app.test_request_context(base_url=f"http://{world.host()}"):
        with api.tenant_scope(world.tenant.id):
            task = api.session.scalars(select(Task)).one()
            api.emit("agreement.signed", {"partner_id": gold.id, "agreement_id": 1})
            api.session.commit()  # delivered after the commit, through the jobs runner
        with api.tenant_scope(world.tenant.id):
            api.session.expire_all()
            states = progress.for_partners([gold.id, silver.id])
    assert states[gold.id].items[0].done and states[gold.id].complete
    assert states[gold.id].items[0].state.completed_by_event == "agreement.signed"
    assert not states[silver.id].items[0].done
    assert task.milestone == "agreement.signed"
