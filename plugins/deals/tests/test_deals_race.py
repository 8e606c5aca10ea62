"""Concurrency on a real PostgreSQL: twenty registrations of one customer from two partners,
each approved by its own thread with its own connection at the same moment, end with
exactly one protected registration. The database's UNIQUE constraint decides, not luck.

Needs PostgreSQL on 127.0.0.1:5432 (user ``postgres``, trust auth) or
``PORTALIS_TEST_PG_URL``. When it is unreachable the test is skipped — unless ``CI=true``,
where an untested race guarantee must fail the build.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portalis import api
from portalis.testing.databases import sessions_bound_to, throwaway_database

THREADS = 20


@contextmanager
def _race_database() -> Iterator[str]:
    """A throwaway PostgreSQL database; skipped when unreachable, except in CI."""
    try:
        with throwaway_database(
            "postgresql", prefix="portalis_deals_race", connect_timeout=3
        ) as url:
            yield url
            return
    except OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI for the race test: {exc}")
        pytest.skip(f"PostgreSQL unreachable ({type(exc).__name__}); the race test needs it")


@pytest.fixture
def race_db(portalis_app: Any) -> Iterator[dict[str, Any]]:
    """A fresh PostgreSQL database with the schema, one tenant, two partners; the app's
    sessions are bound to it for the duration of the test."""
    stack = ExitStack()
    try:
        url = stack.enter_context(_race_database())
        engine = stack.enter_context(sessions_bound_to(url, pool_size=THREADS + 5))
        with portalis_app.app_context():
            with api.unscoped("race test creates its tenant"):
                tenant = api.Tenant(
                    slug=f"race{uuid.uuid4().hex[:6]}", name="Race", allowed_locales=["en"]
                )
                api.session.add(tenant)
                api.session.flush()
            with api.tenant_scope(tenant.id):
                program = api.Program(slug="partners", name="Race Program", currency="USD")
                api.session.add(program)
                api.session.flush()
                tier = api.Tier(
                    program_id=program.id,
                    rank=0,
                    name="Registered",
                    benefits={"deal_discount_pct": 5},
                )
                api.session.add(tier)
                api.session.flush()
                partners = [
                    api.Partner(name=n, program_id=program.id, tier_id=tier.id, country="US")
                    for n in ("Alpha IT", "Beta Systems")
                ]
                api.session.add_all(partners)
                api.session.flush()
                users = [
                    api.User(
                        email="manager@race.test",
                        name="Rita Reviewer",
                        role="channel_manager",
                        password_hash="x",
                    ),
                    api.User(
                        email="a@alpha.test",
                        name="Al Alpha",
                        role="partner_user",
                        partner_id=partners[0].id,
                        password_hash="x",
                    ),
                    api.User(
                        email="b@beta.test",
                        name="Bea Beta",
                        role="partner_user",
                        partner_id=partners[1].id,
                        password_hash="x",
                    ),
                ]
                api.session.add_all(users)
                api.session.commit()
                world = {
                    "app": portalis_app,
                    "engine": engine,
                    "tenant_id": tenant.id,
                    "program_id": program.id,
                    "partners": [p.id for p in partners],
                    "manager": users[0].id,
                    "sellers": [users[1].id, users[2].id],
                }
            api.session.remove()
        yield world
    finally:
        stack.close()


def _in_thread(world: dict[str, Any], fn: Any, errors: list[BaseException]) -> Any:
    def run(*args: Any) -> None:
        try:
            with world["app"].app_context(), api.tenant_request_context(world["tenant_id"]):
                fn(*args)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            api.session.remove()

    return run


def test_twenty_concurrent_approvals_protect_exactly_one(race_db):
    from portalis_deals import service
    from portalis_deals.models import Deal, DealConflict, DealProtection

    world = race_db
    barrier = threading.Barrier(THREADS, timeout=60)
    approved: list[int] = []
    errors: list[BaseException] = []
    close = (dt.date.today() + dt.timedelta(days=45)).isoformat()

    def register_and_approve(i: int) -> None:
        seller = api.session.get(api.User, world["sellers"][i % 2])
        data = {
            "customer_name": "Contoso Retail, Inc." if i % 2 else "CONTOSO RETAIL",
            "customer_website": f"https://shop{i}.contoso-retail.com",
            "country": "US",
            "contact_name": "Pat Doe",
            "contact_email": f"pat{i}@contoso-retail.com",
            "products": "Cloud Platform",
            "amount": 10_000 + i,
            "currency": "USD",
            "expected_close_date": dt.date.fromisoformat(close),
        }
        deal = service.create_draft(
            program_id=world["program_id"],
            partner_id=seller.partner_id,
            actor=seller,
            data=data,
            owner_id=seller.id,
        )
        service.submit(deal, seller)
        api.session.commit()
        deal_id = deal.id
        barrier.wait()  # everyone registered: now all reviewers click "approve" at once
        reviewer = api.session.get(api.User, world["manager"])
        locked = service.lock(deal_id)
        assert locked is not None
        outcome = service.approve(locked, reviewer)
        api.session.commit()
        if outcome.approved:
            approved.append(deal_id)

    threads = [
        threading.Thread(target=_in_thread(world, register_and_approve, errors), args=(i,))
        for i in range(THREADS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors

    with world["app"].app_context(), api.tenant_scope(world["tenant_id"]):
        statuses = dict(
            api.session.execute(
                select(Deal.status, func.count(Deal.id)).group_by(Deal.status)
            ).all()
        )
        protections = api.session.execute(
            select(DealProtection.deal_id, DealProtection.customer_key)
        ).all()
        flagged = api.session.scalars(
            select(DealConflict.deal_id).where(DealConflict.rule == "already_protected")
        ).all()
        api.session.remove()
    assert len(approved) == 1, approved
    assert statuses == {"approved": 1, "under_review": THREADS - 1}
    assert {deal_id for deal_id, _key in protections} == set(approved)
    assert sorted(key for _id, key in protections) == ["d:contoso-retail.com", "n:US:contosoretail"]
    assert len(set(flagged)) == THREADS - 1, "every loser is flagged as a conflict"


def test_two_reviewers_deciding_the_same_deal_at_once(race_db):
    """Row lock + status re-check: one approval, the others see it is already decided."""
    from portalis_deals import service
    from portalis_deals.models import Deal, DealTransition

    world = race_db
    with world["app"].app_context(), api.tenant_request_context(world["tenant_id"]):
        seller = api.session.get(api.User, world["sellers"][0])
        deal = service.create_draft(
            program_id=world["program_id"],
            partner_id=seller.partner_id,
            actor=seller,
            data={
                "customer_name": "Fabrikam Foods",
                "customer_website": "fabrikamfoods.com",
                "country": "US",
                "contact_name": "Sam",
                "contact_email": "sam@fabrikamfoods.com",
                "products": "Suite",
                "amount": 5000,
                "currency": "USD",
                "expected_close_date": dt.date.today() + dt.timedelta(days=30),
            },  # fmt: skip
            owner_id=seller.id,
        )
        service.submit(deal, seller)
        api.session.commit()
        deal_id = deal.id
        api.session.remove()

    barrier = threading.Barrier(8, timeout=60)
    results: list[str] = []
    errors: list[BaseException] = []

    def decide(i: int) -> None:
        reviewer = api.session.get(api.User, world["manager"])
        barrier.wait()
        locked = service.lock(deal_id)
        try:
            if i % 2:
                service.approve(locked, reviewer)
                results.append("approved")
            else:
                service.reject(locked, reviewer, "duplicate")
                results.append("rejected")
            api.session.commit()
        except service.TransitionError:
            api.session.rollback()
            results.append("refused")

    threads = [
        threading.Thread(target=_in_thread(world, decide, errors), args=(i,)) for i in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert results.count("refused") == 7
    with world["app"].app_context(), api.tenant_scope(world["tenant_id"]):
        final = api.session.get(Deal, deal_id).status
        decisions = api.session.scalars(
            select(DealTransition.event).where(
                DealTransition.deal_id == deal_id,
                DealTransition.event.in_(("approved", "rejected")),
            )
        ).all()
        api.session.remove()
    assert len(decisions) == 1 and final == decisions[0]
