"""What partners and the vendor's staff notice of the onboarding checklist: milestones
completing tasks through the event path, ticking by hand and who may, another partner's
checklist out of reach, finishing (event, tier move, mail, metric) and replayed events."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from portalis import api
from portalis.testing.kit import audit_entries, differs_from_unknown, set_permission


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _deal_form() -> dict[str, str]:
    return {
        "customer_name": "Woodgrove Bank",
        "customer_website": "https://www.woodgrovebank.com",
        "country": "US",
        "contact_name": "Jordan Lee",
        "contact_email": "jordan@woodgrovebank.com",
        "contact_phone": "+1 555 0100",
        "products": "Cloud Platform Enterprise, 250 seats",
        "amount": "125000.00",
        "currency": "USD",
        "expected_close_date": (dt.date.today() + dt.timedelta(days=60)).isoformat(),
        "notes": "",
        "action": "submit",
    }


def test_registering_a_deal_completes_the_first_deal_task(world, client_as, checklist, state_of):
    (deal_task,) = checklist(
        {"title": "Register your first deal", "milestone": "deal.submitted", "due_days": 60}
    )
    gold = client_as(world.users["gold_user"])
    assert gold.post_form("/deals/new", _deal_form(), form_page="/deals/new").status_code == 302

    item = next(i for i in state_of(world.partners["gold"]).items if i.task.id == deal_task)
    assert item.done and item.state.completed_by_event == "deal.submitted"
    # the other partner of the program registered nothing: its task is still open
    other = state_of(world.partners["silver"])
    assert not other.items[0].done
    page = _text(client_as(world.users["gold_admin"]).get("/onboarding/"))
    assert "Register your first deal" in page and "First deal registered" in page


def test_a_replayed_milestone_event_completes_nothing_twice(world, as_tenant, checklist, state_of):
    first, _ = checklist(
        {"title": "Complete your company profile", "milestone": "partner.profile_completed"},
        {"title": "Invite your sales team"},
    )
    gold = world.partners["gold"]
    for _attempt in range(3):  # delivered, then replayed twice by a retrying queue
        with as_tenant():
            api.emit(
                "partner.profile_completed", {"partner_id": gold.id}, program_id=gold.program_id
            )
    done = [e for e in audit_entries(world.tenant, "onboarding.task_completed")]
    assert len(done) == 1
    state = state_of(gold)
    assert state.done_count == 1 and not state.complete
    # an event naming no partner, or another tenant's partner, changes nothing
    other_partner = world.other["partners"]["gold"]
    with as_tenant():
        api.emit("partner.profile_completed", {"partner_id": other_partner.id})
        api.emit("partner.profile_completed", {"partner_id": "drop table"})
    assert len(audit_entries(world.tenant, "onboarding.task_completed")) == 1


def test_a_milestone_task_added_later_counts_partners_who_got_there_before(
    world, as_tenant, checklist, state_of
):
    checklist({"title": "Invite your sales team"})
    gold = world.partners["gold"]
    with as_tenant():
        api.emit("partner.profile_completed", {"partner_id": gold.id}, program_id=gold.program_id)
    (late,) = checklist(
        {"title": "Complete your company profile", "milestone": "partner.profile_completed"}
    )
    gold_item = next(i for i in state_of(gold).items if i.task.id == late)
    assert gold_item.done
    silver_item = next(i for i in state_of(world.partners["silver"]).items if i.task.id == late)
    assert not silver_item.done


def test_partner_admin_ticks_a_partner_task_a_colleague_only_when_it_is_theirs(
    world, client_as, checklist, state_of
):
    team, kickoff, profile = checklist(
        {"title": "Invite your sales team"},
        {"title": "Kick-off call with your channel manager", "owner_side": "vendor"},
        {"title": "Complete your company profile", "milestone": "partner.profile_completed"},
    )
    gold = world.partners["gold"]
    user = client_as(world.users["gold_user"])
    page = _text(user.get("/onboarding/"))
    assert "Invite your sales team" in page and "Mark as done" not in page
    resp = user.post(f"/onboarding/tasks/{team}/done", data={"csrf_token": user.csrf_token})
    assert resp.status_code == 303
    assert not state_of(gold).items[0].done

    admin = client_as(world.users["gold_admin"])
    # the admin gives the task to the colleague; now the colleague may tick it
    resp = admin.post_form(
        f"/onboarding/tasks/{team}/owner",
        {f"t{team}-assignee_id": str(world.users["gold_user"].id)},
        form_page="/onboarding/",
    )
    assert resp.status_code == 302
    assert "Owner: " in _text(admin.get("/onboarding/"))
    resp = user.post(f"/onboarding/tasks/{team}/done", data={"csrf_token": user.csrf_token})
    assert resp.status_code == 302
    assert state_of(gold).items[0].done
    assert "is done" in _text(user.get("/onboarding/"))

    # vendor-side and milestone tasks are visible but never ticked by the partner
    for task_id in (kickoff, profile):
        resp = admin.post(
            f"/onboarding/tasks/{task_id}/done", data={"csrf_token": admin.csrf_token}
        )
        assert resp.status_code == 303
        assert "The vendor&#39;s team or a milestone completes this task." in _text(
            admin.get("/onboarding/")
        )
    state = state_of(gold)
    assert [i.done for i in state.items] == [True, False, False]
    # a colleague without the permission is given it by the vendor admin: now they tick
    set_permission(world.tenant, "onboarding.complete", "partner_user", granted=True)
    resp = user.post(f"/onboarding/tasks/{team}/undo", data={"csrf_token": user.csrf_token})
    assert resp.status_code == 302 and not state_of(gold).items[0].done


def test_another_partners_checklist_and_tasks_are_out_of_reach(
    world, client_as, checklist, state_of
):
    (team,) = checklist({"title": "Invite your sales team"})
    silver_admin = client_as(world.users["silver_admin"])
    gold = world.partners["gold"]
    # the same 404 as for a record that doesn't exist (a page of this plugin, so its menu
    # entry is lit as on any of its pages)
    for path, missing in (
        (f"/onboarding/partners/{gold.id}", "/onboarding/partners/987654321"),
        ("/onboarding/manage", "/onboarding/partners/987654321"),
        (f"/onboarding/programs/{world.program.id}", "/onboarding/programs/987654321"),
        (f"/onboarding/tasks/{team}/edit", "/onboarding/tasks/987654321/edit"),
    ):
        resp = silver_admin.get(path)
        assert differs_from_unknown(resp, silver_admin.get(missing)) is None, path
    resp = silver_admin.post(
        f"/onboarding/partners/{gold.id}/tasks/{team}/done",
        data={"csrf_token": silver_admin.csrf_token},
    )
    assert resp.status_code == 404
    # ticking the program's task ticks it for the silver partner only
    silver_admin.post(
        f"/onboarding/tasks/{team}/done", data={"csrf_token": silver_admin.csrf_token}
    )
    assert not state_of(gold).items[0].done and state_of(world.partners["silver"]).items[0].done
    # another tenant's partner admin: the task id is unknown to them
    stranger = client_as(world.other["users"]["gold_admin"])
    resp = stranger.post(f"/onboarding/tasks/{team}/done", data={"csrf_token": stranger.csrf_token})
    assert resp.status_code == 404


def test_finishing_emits_the_event_moves_the_tier_and_tells_the_vendor(
    world, client_as, checklist, state_of, partner_now, mailbox, monkeypatch
):
    emitted = []
    real_emit = api.emit

    def spy(name, payload=None, **kw):
        emitted.append((name, dict(payload or {})))
        return real_emit(name, payload, **kw)

    monkeypatch.setattr(api, "emit", spy)
    team, kickoff = checklist(
        {"title": "Invite your sales team"},
        {"title": "Kick-off call with your channel manager", "owner_side": "vendor"},
    )
    manager = client_as(world.users["channel_manager"])
    page = f"/onboarding/programs/{world.program.id}"
    resp = manager.post_form(
        page,
        {"completion_tier_id": str(world.tiers["platinum"].id), "owner_id": "0"},
        form_page=page,
    )
    assert resp.status_code == 302
    silver = world.partners["silver"]
    admin = client_as(world.users["silver_admin"])
    admin.post(f"/onboarding/tasks/{team}/done", data={"csrf_token": admin.csrf_token})
    assert not state_of(silver).complete
    assert partner_now(silver).tier_id == world.tiers["silver"].id

    mailbox.clear()
    resp = manager.post(
        f"/onboarding/partners/{silver.id}/tasks/{kickoff}/done",
        data={"csrf_token": manager.csrf_token},
    )
    assert resp.status_code == 302
    state = state_of(silver)
    assert state.complete and state.fraction == 1.0
    assert ("onboarding.completed", {"partner_id": silver.id}) in emitted
    assert partner_now(silver).tier_id == world.tiers["platinum"].id
    assert len(audit_entries(world.tenant, "onboarding.completed")) == 1
    subjects = [(m["To"], m["Subject"]) for m in mailbox]
    assert any(
        to == world.users["channel_manager"].email and "completed onboarding" in subject
        for to, subject in subjects
    ), subjects
    # ticking again finishes nothing twice
    manager.post(
        f"/onboarding/partners/{silver.id}/tasks/{kickoff}/done",
        data={"csrf_token": manager.csrf_token},
    )
    assert [n for n, _ in emitted].count("onboarding.completed") == 1
    assert "Completed" in _text(admin.get("/onboarding/"))


def test_a_vendor_ticking_a_partners_task_tells_the_partners_admins(
    world, client_as, checklist, mailbox
):
    (team,) = checklist(
        {"title": "Invite your sales team"},
    )
    gold = world.partners["gold"]
    mailbox.clear()
    manager = client_as(world.users["channel_manager"])
    manager.post(
        f"/onboarding/partners/{gold.id}/tasks/{team}/done",
        data={"csrf_token": manager.csrf_token},
    )
    mails = [m for m in mailbox if m["To"] == world.users["gold_admin"].email]
    assert mails and "Invite your sales team" in mails[0]["Subject"]


def test_metric_onboarding_complete_is_one_only_for_finished_partners(
    world, as_tenant, client_as, checklist
):
    from portalis_onboarding import metrics

    (team,) = checklist({"title": "Invite your sales team"})
    admin = client_as(world.users["gold_admin"])
    admin.post(f"/onboarding/tasks/{team}/done", data={"csrf_token": admin.csrf_token})
    gold, silver = world.partners["gold"].id, world.partners["silver"].id
    with as_tenant():
        values = metrics.onboarding_complete([gold, silver], world.program.id, api.utcnow())
    assert values == {gold: 1.0}


def test_overdue_partner_tasks_are_announced_once(world, as_tenant, checklist, mailbox):
    from portalis_onboarding import jobs

    checklist(
        {"title": "Invite your sales team", "due_days": 7},
        {"title": "Kick-off call with your channel manager", "owner_side": "vendor", "due_days": 1},
    )
    later = api.utcnow() + dt.timedelta(days=8)
    mailbox.clear()
    with as_tenant():
        assert jobs.remind_overdue(now=api.utcnow()) == 0  # nothing due yet
        assert jobs.remind_overdue(now=later) == 2  # both partners, once each
        assert jobs.remind_overdue(now=later) == 0
    to_gold = [m for m in mailbox if m["To"] == world.users["gold_admin"].email]
    assert len(to_gold) == 1 and "overdue" in to_gold[0]["Subject"]
    assert "Kick-off" not in to_gold[0].get_body().get_content()  # the vendor's own task


def test_dashboard_leads_with_the_next_step_and_the_partner_list_shows_progress(
    world, client_as, checklist
):
    team, profile, kickoff = checklist(
        {"title": "Invite your sales team"},
        {"title": "Complete your company profile", "due_days": 14},
        {"title": "Kick-off call with your channel manager", "owner_side": "vendor"},
    )
    admin = client_as(world.users["gold_admin"])
    admin.post(f"/onboarding/tasks/{team}/done", data={"csrf_token": admin.csrf_token})
    dash = _text(admin.get("/dashboard"))
    assert "Next step" in dash and "Complete your company profile" in dash
    assert f"/onboarding/#task-{profile}" in dash
    from portalis_onboarding import widgets

    with api.tenant_scope(world.tenant.id):
        lines = {s.partner_id: s for s in widgets.summaries([world.partners["gold"].id])}
    line = lines[world.partners["gold"].id]
    assert line.text == "1 of 3 · next: Complete your company profile"
    assert abs(line.progress - 1 / 3) < 1e-9
    # the next step comes first on the checklist page
    page = _text(admin.get("/onboarding/"))
    assert page.index("Complete your company profile") < page.index("Kick-off call")
    assert page.index("Kick-off call") < page.index("Invite your sales team")


def test_changing_the_checklist_later(world, client_as, checklist, state_of):
    team, kickoff = checklist(
        {"title": "Invite your sales team"},
        {"title": "Kick-off call with your channel manager", "owner_side": "vendor"},
    )
    gold, silver = world.partners["gold"], world.partners["silver"]
    gold_admin = client_as(world.users["gold_admin"])
    gold_admin.post(f"/onboarding/tasks/{team}/done", data={"csrf_token": gold_admin.csrf_token})
    manager = client_as(world.users["channel_manager"])
    # removing the last open task finishes the partners who did the rest
    resp = manager.post(
        f"/onboarding/tasks/{kickoff}/archive", data={"csrf_token": manager.csrf_token}
    )
    assert resp.status_code == 302
    assert state_of(gold).complete and not state_of(silver).complete
    # a task added now is open for the partner still onboarding, not required of the other
    new_page = f"/onboarding/programs/{world.program.id}/tasks/new"
    resp = manager.post_form(
        new_page,
        {
            "title": "Take the sales training",
            "owner_side": "partner",
            "owner_user_id": "0",
            "due_days": "30",
            "milestone": "",
        },
        form_page=new_page,
    )
    assert resp.status_code == 302
    assert state_of(silver).total == 2 and not state_of(silver).complete
    gold_state = state_of(gold)
    assert gold_state.complete and gold_state.fraction == 1.0
    assert "Added after you finished" in _text(
        client_as(world.users["gold_admin"]).get("/onboarding/")
    )
    # reordering: the new task moves up
    new_id = state_of(silver).items[-1].task.id
    manager.post(
        f"/onboarding/tasks/{new_id}/move",
        data={"csrf_token": manager.csrf_token, "direction": "up"},
    )
    assert [i.task.title for i in state_of(silver).items] == [
        "Take the sales training",
        "Invite your sales team",
    ]


def test_bad_task_input_is_refused_with_a_message_and_nothing_saved(world, client_as):
    from portalis_onboarding.models import Task

    manager = client_as(world.users["channel_manager"])
    page = f"/onboarding/programs/{world.program.id}/tasks/new"
    base = {
        "title": "Sign the reseller agreement",
        "owner_side": "partner",
        "owner_user_id": "0",
        "due_days": "7",
        "milestone": "",
    }
    cases = {
        "unknown milestone": ({"milestone": "agreement.burned"}, "Not a valid choice"),
        "negative due days": ({"due_days": "-3"}, "Enter a whole number from 0 to 540."),
        "huge due days": ({"due_days": "9" * 400}, "Enter a whole number from 0 to 540."),
        "no title": ({"title": "   "}, "This field is required."),
        "unknown side": ({"owner_side": "robot"}, "Not a valid choice"),
        "foreign owner": (
            {"owner_side": "vendor", "owner_user_id": str(world.users["gold_admin"].id)},
            "Not a valid choice",
        ),
    }
    for label, (change, message) in cases.items():
        resp = manager.post_form(page, {**base, **change}, form_page=page)
        assert resp.status_code == 422, label
        assert message in _text(resp), label
    with api.tenant_scope(world.tenant.id):
        assert api.session.scalars(select(Task)).all() == []


def test_the_service_refuses_an_undeclared_milestone_and_negative_due_days(world, as_tenant):
    import pytest

    from portalis_onboarding import service

    values = {
        "title": "Sign it",
        "description": "",
        "owner_side": "partner",
        "owner_user_id": None,
        "due_days": 3,
        "milestone": "",
    }
    with as_tenant():
        with pytest.raises(service.OnboardingError, match="milestone does not exist"):
            service.add_task(world.program.id, **{**values, "milestone": "agreement.burned"})
        with pytest.raises(service.OnboardingError, match="between 0 and 540"):
            service.add_task(world.program.id, **{**values, "due_days": -1})


def test_vendor_pages_show_the_checklist_and_every_partners_progress(world, client_as, checklist):
    checklist(
        {
            "title": "Complete your company profile",
            "milestone": "partner.profile_completed",
            "due_days": 14,
        },
        {
            "title": "Kick-off call with your channel manager",
            "owner_side": "vendor",
            "owner_user_id": world.users["channel_manager"].id,
        },
    )
    manager = client_as(world.users["channel_manager"])
    overview = _text(manager.get("/onboarding/manage"))
    assert world.partners["gold"].name in overview and "0 of 2 tasks done" in overview
    editor = _text(manager.get(f"/onboarding/programs/{world.program.id}"))
    assert "Company profile completed" in editor and "14 days" in editor
    assert world.users["channel_manager"].name in editor
    detail = _text(manager.get(f"/onboarding/partners/{world.partners['gold'].id}"))
    assert "Mark as done" in detail and re.search(r"Due \w", detail)


def test_finishing_never_moves_a_partner_down(world, client_as, checklist, partner_now):
    (team,) = checklist({"title": "Invite your sales team"})
    manager = client_as(world.users["channel_manager"])
    page = f"/onboarding/programs/{world.program.id}"
    manager.post_form(
        page, {"completion_tier_id": str(world.tiers["silver"].id), "owner_id": "0"}, form_page=page
    )
    gold = world.partners["gold"]
    admin = client_as(world.users["gold_admin"])
    admin.post(f"/onboarding/tasks/{team}/done", data={"csrf_token": admin.csrf_token})
    assert "You have completed onboarding" in _text(admin.get("/onboarding/"))
    assert partner_now(gold).tier_id == world.tiers["gold"].id  # above Silver already
