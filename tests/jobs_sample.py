"""Job bodies for tests/test_jobs.py (jobs are imported by path, like in production)."""

from sqlalchemy import select

from portalis.db import db
from portalis.models import Partner
from portalis.tenancy import current_tenant_id

CALLS: list[tuple[int | None, list[str]]] = []


def record_partners() -> None:
    """Sees only the partners of the tenant that enqueued it."""
    CALLS.append((current_tenant_id(), sorted(db.session.scalars(select(Partner.name)))))


def rename_partner(partner_id: int, name: str) -> None:
    db.session.get(Partner, partner_id).name = name


def always_fails() -> None:
    CALLS.append((current_tenant_id(), ["attempt"]))
    raise RuntimeError("upstream down")
