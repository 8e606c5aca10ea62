"""Two people ticking at the same moment, each request with its own connection.

On PostgreSQL (``PORTALIS_TEST_DB=postgresql``) the two run in threads released together
by a barrier, on a database of their own; on SQLite (which serialises writers anyway) the
same steps run one after the other — a plain sequential test of the same outcome.

Without the partner's row lock, two partner admins ticking the last two tasks at once
each saw the other's task open and neither finished the checklist — for ever.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portalis import api
from portalis.models import AuditEntry
from portalis.testing.databases import (
    sessions_bound_to,
    test_database_kind,
    throwaway_database,
)


@contextmanager
def _database(kind: str, directory: Path) -> Iterator[str]:
    try:
        with throwaway_database(
            kind, directory=directory, prefix="portalis_onboarding_race", connect_timeout=3
        ) as url:
            yield url
    except OperationalError as exc:  # pragma: no cover - the run's own database is reachable
        pytest.fail(f"the test database is unreachable: {exc}")


@pytest.fixture
def race(portalis_app: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A database of the run's kind with the schema, one tenant, one partner with two open
    manual tasks and its admin; the app's sessions are bound to it during the test."""
    kind = test_database_kind()
    with _database(kind, tmp_path) as url, sessions_bound_to(url), portalis_app.app_context():
        yield _seed(portalis_app, kind)


def _seed(app: Any, kind: str) -> dict[str, Any]:
    from portalis_onboarding.models import Task

    with api.unscoped("race test creates its tenant"):
        tenant = api.Tenant(slug=f"race{uuid.uuid4().hex[:6]}", name="Race", allowed_locales=["en"])
        api.session.add(tenant)
        api.session.flush()
    with api.tenant_scope(tenant.id):
        program = api.Program(slug="partners", name="Race Program", currency="USD")
        api.session.add(program)
        api.session.flush()
        api.session.add(api.ProgramPlugin(program_id=program.id, plugin="onboarding", enabled=True))
        partner = api.Partner(name="Alpha IT", program_id=program.id, country="US")
        api.session.add(partner)
        api.session.flush()
        admin = api.User(
            email="a@alpha.test",
            name="Al Alpha",
            role="partner_admin",
            partner_id=partner.id,
            password_hash="x",
        )
        tasks = [
            Task(program_id=program.id, position=i, title=f"Step {i}", owner_side="partner")
            for i in (1, 2)
        ]
        api.session.add_all([admin, *tasks])
        api.session.commit()
        world = {
            "app": app,
            "threads": kind == "postgresql",
            "tenant_id": tenant.id,
            "program_id": program.id,
            "partner_id": partner.id,
            "admin_id": admin.id,
            "tasks": [t.id for t in tasks],
        }
    api.session.remove()
    return world


def _at_once(world: dict[str, Any], steps: list[Callable[[Callable[[], None]], None]]) -> None:
    """Run each step as its own request (own session, committed); in threads released
    together on PostgreSQL, one after the other on SQLite. A step calls ``together()``
    where the requests meet."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(steps), timeout=30) if world["threads"] else None

    def together() -> None:
        if barrier is not None:
            barrier.wait()

    def run(step: Callable[[Callable[[], None]], None]) -> None:
        try:
            with world["app"].app_context(), api.tenant_request_context(world["tenant_id"]):
                step(together)
                api.session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            api.session.remove()

    if barrier is None:
        for step in steps:
            run(step)
    else:
        threads = [threading.Thread(target=run, args=(step,)) for step in steps]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not errors, errors


def _tick(world: dict[str, Any], task_index: int, results: list[bool]) -> Any:
    from portalis_onboarding import progress, service
    from portalis_onboarding.models import Task

    def step(together: Callable[[], None]) -> None:
        task = api.session.get(Task, world["tasks"][task_index])
        partner = api.session.get(api.Partner, world["partner_id"])
        admin = api.session.get(api.User, world["admin_id"])
        progress.for_partner(world["partner_id"])  # the page was read before the click
        together()
        results.append(service.complete_task(task, partner, actor=admin))
        time.sleep(0.2)  # the other request runs while this one hasn't committed yet

    return step


def _count(world: dict[str, Any], model: Any, *where: Any) -> int:
    with world["app"].app_context(), api.tenant_scope(world["tenant_id"]):
        try:
            return int(api.session.scalar(select(func.count()).select_from(model).where(*where)))
        finally:
            api.session.remove()


def test_ticking_the_last_two_tasks_at_once_finishes_onboarding(race):
    from portalis_onboarding.models import Completion, TaskState

    results: list[bool] = []
    _at_once(race, [_tick(race, 0, results), _tick(race, 1, results)])

    assert results == [True, True]
    done = TaskState.completed_at.is_not(None)
    assert _count(race, TaskState, done) == 2
    assert _count(race, Completion, Completion.partner_id == race["partner_id"]) == 1
    assert _count(race, AuditEntry, AuditEntry.action == "onboarding.completed") == 1


def test_ticking_the_same_task_twice_at_once_records_it_once(race):
    from portalis_onboarding.models import TaskState

    results: list[bool] = []
    _at_once(race, [_tick(race, 0, results), _tick(race, 0, results)])

    assert sorted(results) == [False, True]
    assert _count(race, TaskState, TaskState.completed_at.is_not(None)) == 1
    ticked = AuditEntry.action == "onboarding.task_completed"
    assert _count(race, AuditEntry, ticked) == 1


def test_the_hourly_backstop_finishes_a_partner_whose_tasks_are_all_done(
    world, as_tenant, checklist, state_of, mailbox
):
    """A partner left with every task done and no completion (a finish lost to a failure)
    is finished by the hourly job, once, with the usual event, audit and mail."""
    from portalis_onboarding import jobs, plugin
    from portalis_onboarding.models import TaskState

    assert "onboarding.settle" in {j.name for j in plugin.portalis_periodic_jobs()}
    ids = checklist({"title": "Invite your sales team"}, {"title": "Kick-off call"})
    gold = world.partners["gold"]
    with as_tenant():  # written behind the service's back: no completion
        gold_id, gold_name = gold.id, gold.name
        for task_id in ids:
            api.session.add(
                TaskState(task_id=task_id, partner_id=gold_id, completed_at=api.utcnow())
            )
    assert not state_of(gold).complete
    mailbox.clear()

    with as_tenant():
        assert jobs.settle() == 1
    with as_tenant():
        assert jobs.settle() == 0  # idempotent
    assert state_of(gold).complete
    assert not state_of(world.partners["silver"]).complete
    with as_tenant():
        finished = api.session.scalars(
            select(AuditEntry.object_id).where(AuditEntry.action == "onboarding.completed")
        ).all()
    assert finished == [str(gold_id)]
    assert [m for m in mailbox if gold_name in m["Subject"]]  # the vendor is told
