"""A pending company-profile change is decided once: approve and reject (or two clicks) at
the same moment end with exactly one decision, the profile's values match it, and the
partner's admins get one mail. The second decision is told "already decided" and writes
nothing.

The concurrent test runs on the run's database (``PORTALIS_TEST_DB``) in a database of
its own, with two threads and two connections: on PostgreSQL the decisions really overlap
(the loser waits for the winner's row lock); on SQLite, which has one writer, the two
threads interleave in a fixed order — both read the change while it is pending, then
decide one after the other — the stale read that used to let both through.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from sqlalchemy import func, select

from portalis import api
from portalis.companies import profile_changes
from portalis.companies.profile_changes import ChangeNotPending
from portalis.db import db
from portalis.models import (
    AuditEntry,
    OutboxMessage,
    Partner,
    PartnerProfileChange,
    ProgramProfileSettings,
)
from portalis.tenancy import tenant_scope
from portalis.testing.databases import sessions_bound_to, test_database_kind, throwaway_database
from portalis.testing.kit import audit_entries

NEW_TEXT = "We run Acme networks for hospitals."
ADMIN_EMAIL = "ada@alpha.test"

# --- one after the other, through the pages (both databases) -------------------------------


def _pending_change(world: Any, client_as: Any) -> int:
    with tenant_scope(world.tenant.id):
        db.session.add(
            ProgramProfileSettings(
                program_id=world.program.id, public_fields=["description"], approval_required=True
            )
        )
        db.session.commit()
    client_as(world.users["gold_admin"]).post_form("/company", {"description": NEW_TEXT})
    with tenant_scope(world.tenant.id):
        change = profile_changes.pending_change(world.partners["gold"].id)
        assert change is not None
        return change.id


@pytest.mark.parametrize("first", ["approve", "reject"])
def test_a_second_decision_is_refused_and_writes_nothing(world, client_as, mailbox, first):
    change_id = _pending_change(world, client_as)
    gold = world.partners["gold"].id
    manager = client_as(world.users["channel_manager"])
    base = f"/admin/partners/{gold}/profile-changes/{change_id}"
    data = {"approve": {}, "reject": {"reason": "Please no superlatives."}}
    second = "reject" if first == "approve" else "approve"
    manager.post_form(f"{base}/{first}", data[first], form_page=f"/admin/partners/{gold}")
    resp = manager.post_form(
        f"{base}/{second}",
        data[second],
        form_page=f"/admin/partners/{gold}",
        follow_redirects=True,
    )
    assert "This change was already decided or replaced; nothing was done." in resp.get_data(
        as_text=True
    )
    with tenant_scope(world.tenant.id):
        db.session.expire_all()
        change = db.session.get(PartnerProfileChange, change_id)
        description = db.session.get(Partner, gold).description
        assert change.state == ("approved" if first == "approve" else "rejected")
        assert change.reason == ("" if first == "approve" else "Please no superlatives.")
    assert description == (NEW_TEXT if first == "approve" else "")
    decided = [
        e.action
        for e in audit_entries(world.tenant)
        if e.action.startswith("partner.profile_change_")
    ]
    assert decided.count("partner.profile_change_approved") == (first == "approve")
    assert decided.count("partner.profile_change_rejected") == (first == "reject")
    assert len([m for m in mailbox if m["To"] == world.users["gold_admin"].email]) == 1


# --- at the same moment, two threads with their own connections ------------------------------


@pytest.fixture
def decide_db(portalis_app: Any) -> Iterator[dict[str, Any]]:
    """A database of the run's kind of its own (committed rows, seen by every thread) with
    one tenant, a partner with an admin, a channel manager and a pending change; the app's
    sessions are bound to it for the test."""
    stack = ExitStack()
    try:
        url = stack.enter_context(throwaway_database(prefix="portalis_profile_decide"))
        stack.enter_context(sessions_bound_to(url))
        with portalis_app.app_context():
            with api.unscoped("the decision test creates its tenant"):
                tenant = api.Tenant(
                    slug=f"decide{uuid.uuid4().hex[:6]}", name="Decide", allowed_locales=["en"]
                )
                api.session.add(tenant)
                api.session.flush()
            with api.tenant_scope(tenant.id):
                program = api.Program(slug="partners", name="Program", currency="USD")
                api.session.add(program)
                api.session.flush()
                partner = api.Partner(name="Alpha IT", program_id=program.id, country="US")
                api.session.add(partner)
                api.session.flush()
                api.session.add_all(
                    [
                        api.User(
                            email=ADMIN_EMAIL,
                            name="Ada Admin",
                            role="partner_admin",
                            partner_id=partner.id,
                            password_hash="x",
                        ),
                        api.User(
                            email="rita@vendor.test",
                            name="Rita Reviewer",
                            role="channel_manager",
                            password_hash="x",
                        ),
                        ProgramProfileSettings(
                            program_id=program.id,
                            public_fields=["description"],
                            approval_required=True,
                        ),
                    ]
                )
                change = PartnerProfileChange(
                    partner_id=partner.id,
                    state="pending",
                    changes={"description": NEW_TEXT},
                    previous={"description": ""},
                )
                api.session.add(change)
                api.session.commit()
                world = {
                    "app": portalis_app,
                    "tenant_id": tenant.id,
                    "partner_id": partner.id,
                    "change_id": change.id,
                }
            api.session.remove()
        yield world
    finally:
        stack.close()


def _in_thread(world: dict[str, Any], fn: Any, outcome: dict[str, Any]) -> Any:
    def run(name: str) -> None:
        try:
            with world["app"].app_context(), api.tenant_request_context(world["tenant_id"]):
                fn(name)
            outcome[name] = "decided"
        except ChangeNotPending:
            outcome[name] = "already decided"
        except BaseException as exc:  # reported by the main thread
            outcome[name] = exc
        finally:
            api.session.remove()

    return run


@pytest.mark.parametrize("head_start", ["approve", "reject"])
def test_approve_and_reject_at_once_decide_exactly_once(decide_db, head_start):
    w = decide_db
    concurrent = test_database_kind() == "postgresql"
    loaded = threading.Barrier(2, timeout=30)  # both hold the change as 'pending'
    first_done = threading.Event()  # SQLite: the second decides after the first committed
    outcome: dict[str, Any] = {}

    def decide(name: str) -> None:
        change = api.session.get(PartnerProfileChange, w["change_id"])
        assert change is not None and change.state == "pending" and change.changes
        loaded.wait()
        try:
            if name != head_start:
                if concurrent:
                    time.sleep(0.1)  # arrive while the other holds its lock
                else:
                    assert first_done.wait(30)
            if name == "approve":
                profile_changes.approve_change(change)
            else:
                profile_changes.reject_change(change, "Please no superlatives.")
            if name == head_start and concurrent:
                time.sleep(0.3)  # keep the lock while the other one arrives
            api.session.commit()
        finally:
            if name == head_start:
                first_done.set()

    threads = [
        threading.Thread(target=_in_thread(w, decide, outcome), args=(name,))
        for name in ("approve", "reject")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcome.values(), key=str) == ["already decided", "decided"], outcome
    winner = next(name for name, result in outcome.items() if result == "decided")
    with w["app"].app_context(), api.tenant_scope(w["tenant_id"]):
        change = api.session.get(PartnerProfileChange, w["change_id"])
        partner = api.session.get(Partner, w["partner_id"])
        assert change is not None and partner is not None
        assert change.state == ("approved" if winner == "approve" else "rejected")
        assert partner.description == (NEW_TEXT if winner == "approve" else "")
        mails = api.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to == ADMIN_EMAIL)
        )
        assert mails == 1
        actions = api.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("partner.profile_change_%"))
        ).all()
        assert sorted(actions) == [f"partner.profile_change_{change.state}"]
