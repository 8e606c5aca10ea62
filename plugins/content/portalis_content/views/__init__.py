"""Pages of the content library (``/content``): :mod:`.partner` for partners (and vendor
staff looking at what partners see), :mod:`.vendor` for the vendor's staff (``/manage``).
Importing this package registers both on :data:`bp`."""

from __future__ import annotations

from . import partner, vendor
from .blueprint import bp

__all__ = ["bp", "partner", "vendor"]
