"""The content library's one blueprint; :mod:`.partner` and :mod:`.vendor` add its routes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("content", __name__, url_prefix="/content")
