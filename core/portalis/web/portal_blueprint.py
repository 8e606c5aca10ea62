"""The partner portal's blueprint (endpoints ``portal.*``), on its own so the modules that
add pages to it — ``partner.py`` (dashboard, tier, profile) and ``team.py`` — import it
without importing each other."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__)
