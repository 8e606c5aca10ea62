"""Background jobs: the certificate lifecycle (reminders, expiry), hourly per tenant."""

from __future__ import annotations


def certificate_lifecycle() -> None:
    """Remind holders before expiry and note expired certificates (idempotent)."""
