"""Background jobs: the certificate lifecycle (reminders, expiry), hourly per tenant.

Idempotent — it may run twice, or not at all for a while:

* **Reminders** at the path's ``reminder_days`` offsets before expiry (e.g. 60/30/7):
  each offset is mailed once (``reminders_sent``). An offset counts only if the
  certificate was issued before it came (a 20-day certificate gets no "60 days left"
  mail). If the job didn't run for a while and several offsets came due, only the
  nearest one is mailed and the others are marked sent — no burst of stale reminders.
  ``reminded_down_to`` keeps the smallest offset dealt with, so the job loads a
  certificate only when an offset below it has come (filtered in SQL, per path): fully
  reminded certificates, and those waiting for their next offset, stay in the database.
* **Expiry**: a current certificate whose ``expires_at`` passed is noted once
  (``expiry_noted_at``, claimed by a conditional update so two runs at once note it
  once), ``lms.certificate_expired`` is emitted and the holder is mailed.

Only programs that enable the plugin are looked at; renewed and revoked certificates
are left alone.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sqlalchemy import and_, or_, select, update

from portalis import api

from . import certification, notify
from .models import Certificate, Path


def due_reminder(cert: Certificate, offsets: list[int], now: dt.datetime) -> tuple[int, list[int]]:
    """The offset to mail now (0: none) and every offset that is due (to mark sent)."""
    if cert.expires_at is None or cert.expires_at <= now:
        return 0, []
    sent = set(cert.reminders_sent or [])
    due = sorted(
        {
            int(days)
            for days in offsets
            if isinstance(days, int)
            and days > 0
            and days not in sent
            and cert.expires_at - dt.timedelta(days=days) <= now
            and cert.issued_at <= cert.expires_at - dt.timedelta(days=days)
        }
    )
    return (due[0], due) if due else (0, [])


def certificate_lifecycle() -> None:
    """Remind holders before expiry and note expired certificates (idempotent)."""
    now = api.utcnow()
    program_ids = list(api.programs_with_plugin("lms"))
    if not program_ids:
        return
    current = (
        select(Certificate, Path)
        .join(Path, Path.id == Certificate.path_id)
        .where(
            Path.program_id.in_(program_ids),
            Certificate.superseded_at.is_(None),
            Certificate.revoked_at.is_(None),
            Certificate.expires_at.is_not(None),
        )
    )
    # expired since the last run
    for cert, path in api.session.execute(
        current.where(
            Certificate.expires_at <= now, Certificate.expiry_noted_at.is_(None)
        ).order_by(Certificate.id)
    ).all():
        claimed = _rowcount(
            api.session.execute(
                update(Certificate)
                .where(Certificate.id == cert.id, Certificate.expiry_noted_at.is_(None))
                .values(expiry_noted_at=now)
                .execution_options(synchronize_session=False)
            )
        )
        if not claimed:
            continue
        api.session.refresh(cert)
        api.audit(
            "lms.certificate_expired", "lms_certificate", cert.id, after={"user": cert.user_id}
        )
        api.emit(
            certification.CERTIFICATE_EXPIRED,
            certification._payload(cert),
            program_id=path.program_id,
        )
        notify.certificate_expired(cert, path)
    # reminders: certificates with an offset that has come and is below the ones dealt with
    come = [
        and_(
            Certificate.path_id == path_id,
            or_(Certificate.reminded_down_to.is_(None), Certificate.reminded_down_to > days),
            Certificate.expires_at <= now + dt.timedelta(days=days),
        )
        for path_id, offsets in api.session.execute(
            select(Path.id, Path.reminder_days).where(Path.program_id.in_(program_ids))
        )
        for days in set(offsets or [])
        if isinstance(days, int) and days > 0
    ]
    if not come:
        return
    for cert, path in api.session.execute(
        current.where(Certificate.expires_at > now, or_(*come))
        .order_by(Certificate.id)
        .with_for_update(of=Certificate, skip_locked=True)
    ).all():
        offsets = list(path.reminder_days or [])
        offset, due = due_reminder(cert, offsets, now)
        assert cert.expires_at is not None
        # every offset whose moment has passed is dealt with now: mailed, marked sent,
        # or it came before the certificate was issued (never mailed)
        passed = [
            d
            for d in offsets
            if isinstance(d, int) and d > 0 and cert.expires_at - dt.timedelta(days=d) <= now
        ]
        if passed:
            earlier = [] if cert.reminded_down_to is None else [cert.reminded_down_to]
            cert.reminded_down_to = min(passed + earlier)
        if not offset:
            continue
        cert.reminders_sent = sorted(set(cert.reminders_sent or []) | set(due))
        days_left = max(1, math.ceil((cert.expires_at - now) / dt.timedelta(days=1)))
        notify.expiry_reminder(cert, path, days_left)


def _rowcount(result: Any) -> int:
    """Rows an UPDATE touched (the Result type doesn't promise the attribute)."""
    return int(getattr(result, "rowcount", 0) or 0)
