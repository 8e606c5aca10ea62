"""Pages of the ``deals`` blueprint (``/deals``): :mod:`.partner` for partner users,
:mod:`.vendor` for the vendor's staff (under ``/deals/review``).

Every record is looked up through :mod:`portalis_deals.access`, so another partner's (or
another tenant's) deal answers 404 exactly like an unknown id. The core gates the
blueprint per program and tier; nothing here checks enablement.
"""

from __future__ import annotations

from . import partner, vendor  # noqa: F401  (importing them adds their routes to bp)
from .blueprint import bp

__all__ = ["bp"]
