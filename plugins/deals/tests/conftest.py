"""Helpers for the deals tests. The fixtures (``world``, ``client_as``, ``mailbox`` …) come
from the ``portalis`` pytest plugin; this file only adds deal-specific shortcuts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from deals_helpers import deal_id_from, form_data
from sqlalchemy import event, select

from portalis import api


@pytest.fixture
def register(client_as: Any) -> Callable[..., int]:
    """``register(user, **fields)`` → id of a registration submitted through the form."""

    def make(user: Any, **fields: Any) -> int:
        client = client_as(user)
        return deal_id_from(client.post_form("/deals/new", form_data(**fields)))

    return make


@pytest.fixture
def load(world: Any) -> Callable[..., Any]:
    """``load(deal_id)`` → the deal as stored now (fresh from the database)."""
    from portalis_deals.models import Deal

    def get(deal_id: int, tenant: Any | None = None) -> Any:
        with api.tenant_scope((tenant or world.tenant).id):
            api.session.expire_all()
            return api.session.scalars(select(Deal).where(Deal.id == deal_id)).one()

    return get


@pytest.fixture
def as_tenant(world: Any) -> Callable[..., Any]:
    """``with as_tenant(): ...`` runs service code as the main tenant (commits at the end)."""

    @contextmanager
    def scope(tenant: Any | None = None) -> Iterator[None]:
        with api.tenant_scope((tenant or world.tenant).id):
            yield
            api.session.commit()

    return scope


@pytest.fixture
def count_statements(db_session: Any) -> Callable[..., Any]:
    """``with count_statements() as n: ...`` then ``n[0]`` = SQL statements executed
    (queries and writes, not transaction bookkeeping)."""

    @contextmanager
    def counting() -> Iterator[list[int]]:
        conn = db_session.get_bind()
        counter = [0]

        def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            # transaction bookkeeping (SAVEPOINT, RELEASE, BEGIN) isn't work
            if (
                not statement.lstrip()
                .upper()
                .startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN"))
            ):
                counter[0] += 1

        event.listen(conn, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(conn, "before_cursor_execute", before)

    return counting
