"""The plugin's one blueprint; ``partner`` and ``vendor`` add their routes to it. Also
the two helpers both sides use: the signed-in user and a streamed CSV download."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Blueprint, Response

from portalis import api

bp = Blueprint("deals", __name__, url_prefix="/deals")


def signed_in_user() -> api.User:
    """The user of this request (every deals page is behind a guard that requires one)."""
    user = api.current_user()
    assert user is not None  # the role guards ran first
    return user


def csv_download(
    header: list[str], stmt: Any, rows: Callable[[Iterable[Any]], Iterator[list[Any]]]
) -> Response:
    """Stream ``stmt``'s result as a CSV attachment (``api.csv_response``), ``rows``
    turning result rows into cells. The caller has already limited ``stmt`` to what the
    viewer may see."""

    def lines() -> Iterator[list[Any]]:
        # runs while the body streams, in the tenant's scope that csv_response re-enters
        yield from rows(api.session.execute(stmt.execution_options(yield_per=1000)))

    filename = f"deal-registrations-{api.utcnow():%Y%m%d-%H%M}.csv"
    return api.csv_response(filename, header, lines())
