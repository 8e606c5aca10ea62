"""The admin blueprint object, on its own so the page modules can share it without an
import cycle through the package."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
