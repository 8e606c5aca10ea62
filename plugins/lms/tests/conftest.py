"""Shortcuts for the training tests. The fixtures (``world``, ``client_as``, ``mailbox``,
``clock`` …) come from the ``portalis`` pytest plugin; the content library is loaded too,
for library-file lessons."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from portalis import api


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """Every test here runs with lms and content, whatever else is installed."""
    for item in items:
        if "lms/tests" in str(item.fspath) and not item.get_closest_marker("plugins"):
            item.add_marker(pytest.mark.plugins("lms", "content"))


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
