"""Shortcuts for the onboarding tests. The fixtures (``world``, ``client_as``, ``mailbox``
…) come from the ``portalis`` pytest plugin; deals is loaded too, for its milestone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select

from portalis import api


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """Every test here runs with onboarding and deals (whose ``deal.submitted`` is a
    milestone), whatever else is installed."""
    for item in items:
        if "onboarding/tests" in str(item.fspath) and not item.get_closest_marker("plugins"):
            item.add_marker(pytest.mark.plugins("onboarding", "deals"))


@pytest.fixture
def as_tenant(world: Any) -> Callable[..., Any]:
    """``with as_tenant(): ...`` runs service code as the main tenant, committed at the end
    (so events are delivered, through the jobs runner, as in production)."""

    @contextmanager
    def scope(tenant: Any | None = None) -> Iterator[None]:
        with api.tenant_scope((tenant or world.tenant).id):
            yield
            api.session.commit()

    return scope


@pytest.fixture
def checklist(world: Any, as_tenant: Any) -> Callable[..., list[int]]:
    """``checklist(*specs)`` → ids of tasks added to the main program; each spec is a
    dict of :func:`portalis_onboarding.service.add_task` values (title at least)."""
    from portalis_onboarding import service

    def make(*specs: dict[str, Any]) -> list[int]:
        ids = []
        with as_tenant():
            for spec in specs:
                values = {
                    "description": "",
                    "owner_side": "partner",
                    "owner_user_id": None,
                    "due_days": None,
                    "milestone": "",
                    **spec,
                }
                ids.append(service.add_task(world.program.id, **values).id)
        return ids

    return make


@pytest.fixture
def state_of(world: Any) -> Callable[..., Any]:
    """``state_of(partner)`` → that partner's progress as stored now."""
    from portalis_onboarding import progress

    def read(partner: Any) -> Any:
        with api.tenant_scope(world.tenant.id):
            api.session.expire_all()
            return progress.for_partner(partner.id)

    return read


@pytest.fixture
def partner_now(world: Any) -> Callable[..., Any]:
    """``partner_now(partner)`` → the partner row as stored now."""

    def read(partner: Any) -> Any:
        with api.tenant_scope(world.tenant.id):
            api.session.expire_all()
            return api.session.scalars(
                select(api.Partner).where(api.Partner.id == partner.id)
            ).one()

    return read
