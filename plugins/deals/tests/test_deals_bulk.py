"""Bulk decisions in the review queue (``POST /deals/review/bulk``): the action is exactly
the one named (no default, nothing assumed), the selection is exactly the rows ticked
that the reviewer may see, a decision is confirmed before it applies (a rejection with
its reason), and the queue then says what happened to each row. Every refusal leaves the
database as it was."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from portalis import api
from portalis.testing.kit import audit_entries

TEMPLATES = Path(__file__).resolve().parents[1] / "portalis_deals" / "templates"


def _deal(world, *, partner="gold", status="submitted", name="Bulk Customer", other=False):
    """One registration inserted directly; ``other`` puts it in the other tenant."""
    from portalis_deals.models import Deal

    side = world.other if other else None
    tenant = world.other_tenant if other else world.tenant
    program = side["program"] if side else world.program
    partners = side["partners"] if side else world.partners
    users = side["users"] if side else world.users
    now = api.utcnow()
    with api.tenant_scope(tenant.id):
        deal = Deal(
            program_id=program.id,
            partner_id=partners[partner].id,
            created_by_id=users[f"{partner}_user"].id,
            owner_id=users[f"{partner}_user"].id,
            customer_name=name,
            customer_domain=re.sub(r"\W", "", name.lower()) + ".example.com",
            name_key=re.sub(r"\W", "", name.lower())[:4],
            country="US",
            amount=Decimal(5000),
            currency="USD",
            status=status,
            submitted_at=None if status == "draft" else now - dt.timedelta(days=3),
            last_submitted_at=None if status == "draft" else now - dt.timedelta(days=3),
        )
        api.session.add(deal)
        api.session.commit()
        return deal.id


@pytest.fixture
def three(world):
    return [_deal(world, name=n) for n in ("Alpha Corp", "Bravo Ltd", "Charlie Inc")]


@pytest.fixture
def manager(world, client_as):
    return client_as(world.users["channel_manager"])


def _statuses(world, load, ids):
    return [load(i).status for i in ids]


def _post(manager, data, **kw):
    return manager.post_form("/deals/review/bulk", data, form_page="/deals/review", **kw)


# --- refusals: nothing assumed, nothing changed -------------------------------------------


@pytest.mark.parametrize(
    "action",
    [None, "", "explode", "APPROVE", ["approve", "reject"], ["reject", "reject"]],
    ids=["missing", "empty", "unknown", "wrong-case", "two-actions", "repeated"],
)
def test_an_action_that_is_not_exactly_one_known_action_is_refused(
    world, manager, load, three, action
):
    data = {"ids": [str(i) for i in three[:2]], "reason": "Not ours", "confirm": action}
    if action is not None:
        data["action"] = action
    resp = _post(manager, data, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "Choose what to do with the selected registrations: approve or reject." in page
    assert "Nothing was changed." in page
    assert _statuses(world, load, three) == ["submitted"] * 3


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([], "Select at least one registration."),
        (["1", "x"], "The selection could not be read. Nothing was changed."),
        (["-1"], "The selection could not be read. Nothing was changed."),
        (["99999999999999999999"], "The selection could not be read. Nothing was changed."),
        ([str(i) for i in range(1, 202)], "Select at most 200 registrations at a time."),
    ],
    ids=["empty", "garbage", "negative", "beyond-bigint", "too-many"],
)
def test_a_selection_that_cannot_be_read_is_refused_whole(
    world, manager, load, three, ids, message
):
    # a real id rides along: a tampered form is not half-applied
    resp = _post(
        manager,
        {"action": "approve", "ids": [str(three[0]), *ids] if ids else [], "confirm": "approve"},
        follow_redirects=True,
    )
    assert message in resp.get_data(as_text=True)
    assert _statuses(world, load, three) == ["submitted"] * 3


def test_reject_without_a_reason_keeps_the_selection_and_changes_nothing(
    world, manager, load, three
):
    resp = _post(
        manager,
        {
            "action": "reject",
            "ids": [str(i) for i in three[:2]],
            "reason": "  ",
            "confirm": "reject",
        },
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Give the partners a reason for the rejection." in page
    # the confirmation page still carries exactly the two ticked rows, and the action
    assert sorted(int(x) for x in re.findall(r'name="ids" value="(\d+)"', page)) == sorted(
        three[:2]
    )
    assert 'name="action" value="reject"' in page
    assert _statuses(world, load, three) == ["submitted"] * 3


def test_a_confirmation_of_another_action_applies_nothing(world, manager, load, three):
    resp = _post(
        manager,
        {"action": "approve", "ids": [str(three[0])], "reason": "x", "confirm": "reject"},
    )
    assert resp.status_code == 422
    assert "Approve 1 registration?" in resp.get_data(as_text=True)
    resp = _post(
        manager,
        {"action": "reject", "ids": [str(three[0])], "reason": "x", "confirm": "approve"},
    )
    assert resp.status_code == 422
    assert "Reject 1 registration?" in resp.get_data(as_text=True)
    assert _statuses(world, load, three) == ["submitted"] * 3


def test_the_first_post_only_asks_naming_the_action_and_the_count(world, manager, load, three):
    resp = _post(
        manager, {"action": "reject", "ids": [str(i) for i in three[:2]], "reason": "Duplicate"}
    )
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "<h1>Reject 2 registrations?</h1>" in page
    assert re.search(r'name="confirm" value="reject"[^>]*>\s*Reject 2 registrations\s*<', page)
    assert "Alpha Corp" in page and "Bravo Ltd" in page and "Charlie Inc" not in page
    assert "Duplicate" in page  # the reason, to read once more
    assert _statuses(world, load, three) == ["submitted"] * 3


def test_a_partner_cannot_post_a_bulk_decision(world, client_as, load, three):
    for who in ("gold_admin", "gold_user"):
        resp = client_as(world.users[who]).post_form(
            "/deals/review/bulk",
            {"action": "approve", "ids": [str(three[0])], "confirm": "approve"},
            form_page="/deals/",
        )
        assert resp.status_code == 404
    assert _statuses(world, load, three) == ["submitted"] * 3


# --- applying: exactly the selection, per-row outcome, audited ----------------------------


def test_confirmed_reject_applies_to_exactly_the_selected_rows(world, manager, load, three):
    resp = _post(
        manager,
        {
            "action": "reject",
            "ids": [str(three[0]), str(three[2])],
            "reason": "Direct deal already in progress",
            "confirm": "reject",
        },
    )
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/deals/review")
    assert _statuses(world, load, three) == ["rejected", "submitted", "rejected"]
    with api.tenant_scope(world.tenant.id):
        from portalis_deals.models import DealTransition

        reasons = api.session.scalars(
            select(DealTransition.reason).where(
                DealTransition.deal_id.in_(three), DealTransition.event == "rejected"
            )
        ).all()
        assert reasons == ["Direct deal already in progress"] * 2
        [entry] = audit_entries(world.tenant, "deal.bulk_decided")
        assert entry.after["action"] == "reject"
        assert entry.after["selected"] == [three[0], three[2]]
        assert entry.after["outcomes"] == {str(three[0]): "rejected", str(three[2]): "rejected"}
        assert entry.actor_user_id == world.users["channel_manager"].id


def test_rows_the_reviewer_cannot_see_are_reported_and_never_touched(world, manager, load):
    mine = _deal(world, name="Delta Co")
    draft = _deal(world, name="Echo Draft", status="draft")
    foreign = _deal(world, name="Foxtrot Abroad", other=True)
    decided = _deal(world, name="Golf Decided", status="approved")
    resp = _post(
        manager,
        {
            "action": "reject",
            "ids": [str(mine), str(draft), str(foreign), str(decided)],
            "reason": "No",
            "confirm": "reject",
        },
        follow_redirects=True,
    )
    page = resp.get_data(as_text=True)
    assert load(mine).status == "rejected"
    assert load(draft).status == "draft"
    assert load(decided).status == "approved"
    assert load(foreign, world.other_tenant).status == "submitted"
    # what happened, per row; the other tenant's row says no more than a missing id would
    outcomes = dict(re.findall(r'data-deal-id="(\d+)" data-outcome="(\w+)"', page))
    assert outcomes == {
        str(mine): "rejected",
        str(draft): "not_found",
        str(foreign): "not_found",
        str(decided): "not_open",
    }
    assert "Foxtrot Abroad" not in page and "Echo Draft" not in page
    assert "Skipped: no longer waiting for review" in page
    assert "1 registration rejected." in page
    assert "1 registration was skipped: it is no longer waiting for review." in page
    assert "2 registrations were skipped: not found." in page


def test_the_queue_says_what_happened_to_each_row_once(world, manager, load, three):
    _post(
        manager,
        {"action": "approve", "ids": [str(three[1]), str(three[0])], "confirm": "approve"},
    )
    assert _statuses(world, load, three) == ["approved", "approved", "submitted"]
    page = manager.get("/deals/review").get_data(as_text=True)
    result = page[
        page.index('id="bulk-result"') : page.index("</section>", page.index('id="bulk-result"'))
    ]
    assert "What happened to the registrations you approved" in result
    assert re.findall(r'data-deal-id="(\d+)" data-outcome="(\w+)"', result) == [
        (str(three[1]), "approved"),
        (str(three[0]), "approved"),
    ]
    assert "Bravo Ltd" in result and "Alpha Corp" in result and "Charlie Inc" not in result
    # shown once: the next visit is the plain queue again
    assert 'id="bulk-result"' not in manager.get("/deals/review").get_data(as_text=True)


def test_a_blocked_approval_is_reported_as_such(world, manager, load):
    first = _deal(world, name="Hotel Group", partner="gold")
    second = _deal(world, name="Hotel Group", partner="silver")
    _post(manager, {"action": "approve", "ids": [str(first)], "confirm": "approve"})
    resp = _post(
        manager,
        {"action": "approve", "ids": [str(second)], "confirm": "approve"},
        follow_redirects=True,
    )
    page = resp.get_data(as_text=True)
    assert load(first).status == "approved"
    assert load(second).status == "under_review"
    assert f'data-deal-id="{second}" data-outcome="blocked"' in page
    assert "already protects this customer" in page


@pytest.mark.parametrize(
    "nxt",
    [
        "//evil.example/deals/review",
        "https://evil.example/deals/review",
        "/deals/review\\@evil.example",
        "/\t/evil.example",
        "/deals/review/../../admin",
        "javascript:alert(1)",
    ],
)
def test_the_way_back_is_always_the_queue(world, manager, three, nxt):
    resp = _post(
        manager,
        {"action": "approve", "ids": [str(three[0])], "confirm": "approve", "next": nxt},
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] in ("/deals/review", f"http://{world.host()}/deals/review")


def test_the_way_back_keeps_the_reviewers_filters(world, manager, three):
    resp = _post(
        manager,
        {
            "action": "approve",
            "ids": [str(three[0])],
            "confirm": "approve",
            "next": "/deals/review?sort=amount&conflict=no",
        },
    )
    assert resp.headers["Location"].endswith("/deals/review?sort=amount&conflict=no")


# --- the queue's controls -------------------------------------------------------------------


def test_the_queue_preselects_no_action(world, manager, three):
    page = manager.get("/deals/review").get_data(as_text=True)
    select_html = re.search(r'<select id="bulk-action".*?</select>', page, re.S).group(0)
    assert "required" in select_html.split(">", 1)[0]
    assert re.findall(r"<option[^>]*selected[^>]*>", select_html) == ['<option value="" selected>']
    assert page.count('name="action"') == 1  # one action field in the whole page


def test_no_list_reload_listens_to_controls_outside_its_own_form():
    """htmx's ``from:<selector>`` listens to EVERY matching element of the page: a filter
    form with ``change from:select`` reloaded the list when the bulk action changed, and
    the reload reset the action to its default. Triggers name their own form's events."""
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for trigger in re.findall(r'hx-trigger[\'"]?\s*[=:]\s*[\'"]([^\'"]*)', path.read_text()):
            for source in re.findall(r"from:\s*([^,\s]+)", trigger):
                if not source.startswith(("#", "closest", "find", "this")):
                    offenders.append(f"{path.relative_to(TEMPLATES)}: from:{source}")
    assert offenders == []


@pytest.mark.parametrize(
    "field",
    ["action", "ids", "reason", "confirm", "next"],
)
@pytest.mark.parametrize(
    "value",
    ["x" * 100_000, "a\x00b", "\udcff", "-1", "9" * 400, "", "../../", "%00"],
    ids=["long", "nul", "lone-surrogate", "negative", "huge", "empty", "dots", "enc-nul"],
)
def test_hostile_values_never_break_or_half_apply(world, manager, load, three, field, value):
    data = {
        "action": "reject",
        "ids": [str(three[0])],
        "reason": "Duplicate",
        "confirm": "reject",
        "next": "/deals/review",
    }
    data[field] = value.encode("utf-8", "surrogateescape") if value == "\udcff" else value
    resp = _post(manager, data)
    assert resp.status_code in (200, 302, 422)
    # applied exactly when the hostile field still leaves a complete, confirmed rejection:
    # a hostile way back (it falls back to the queue) or a reason that is still a reason
    applies = field == "next" or (field == "reason" and value not in ("", "x" * 100_000))
    assert load(three[0]).status == ("rejected" if applies else "submitted")
    assert load(three[1]).status == "submitted"
    if resp.status_code == 302:
        assert resp.headers["Location"].split("?")[0].endswith("/deals/review")
