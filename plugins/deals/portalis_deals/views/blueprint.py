"""The plugin's one blueprint; ``partner`` and ``vendor`` add their routes to it."""

from __future__ import annotations

from flask import Blueprint

from portalis import api

bp = Blueprint("deals", __name__, url_prefix="/deals")


def signed_in_user() -> api.User:
    """The user of this request (every deals page is behind a guard that requires one)."""
    user = api.current_user()
    assert user is not None  # the role guards ran first
    return user
