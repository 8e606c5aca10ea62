"""Learning paths → certificates: issue, renew, expire, revoke.

* :func:`on_event` hears ``lms.course_completed`` (after the commit, in a job) and issues a
  certificate for every path of which the person has now completed every course (their
  open runs, :class:`~.models.Enrolment` with ``completed_at``) — a path they may follow
  now (program, audience, published and not retired, decided by :mod:`access`).
* :func:`issue` snapshots what the certificate says (the holder's name, the certification's
  name in the path's default language) and gives it an unguessable ``code`` for the public
  verification page and ``expires_at = issued_at + validity_days`` (never, without one).
  At most one *current* certificate per person and path is the database's rule
  (``uq_lms_certificates_current``): a second delivery of the same event, or two at once,
  issue one certificate.
* A current certificate is replaced only by a **recertification**:
  :func:`start_recertification` (allowed once the certificate is expiring or expired)
  archives the person's runs and quiz attempts of the path's courses (SCORM attempts belong
  to a run and are archived with it); when the courses are completed again — every open
  run completed after the current certificate was issued — a NEW certificate is issued with
  a new issue date, and the old one gets ``superseded_at``/``superseded_by_id`` ("renewed").
  Dates of an issued certificate never change.
* :func:`revoke` (the vendor's staff) ends a certificate with a reason; the public page
  says so. A revoked certificate does **not** come back by itself: while the person's
  latest certificate of the path is revoked and not released, :func:`issue` refuses
  (:class:`IssueRefused`) — completing a course shared with another path, or a course
  the vendor adds to the path, issues nothing. The vendor's staff decide:
  :func:`release` ("Let them earn it again") marks the revoked certificate released
  (``superseded_at``, while it stays "revoked": :func:`status` checks revocation first,
  and a revoked row is outside ``uq_lms_certificates_current`` either way) and archives
  the person's runs and quiz attempts of the path's courses, so they take them again and
  the path's completion issues a new certificate.

No request objects; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portalis import api

from . import access
from .i18n import _l
from .models import Certificate, Enrolment, Path, PathCourse, QuizAttempt
from .progress import COURSE_COMPLETED

#: Emitted when a certificate is issued (first time or renewal): {"certificate_id",
#: "path_id", "user_id", "partner_id"}.
CERTIFICATE_ISSUED = "lms.certificate_issued"
#: Emitted once when a current certificate passes its expiry date (by the hourly job).
CERTIFICATE_EXPIRED = "lms.certificate_expired"

#: A certificate is "expiring" this long before its expiry date.
EXPIRING_WITHIN = dt.timedelta(days=30)

#: The statuses of a certificate, as :func:`status` says them.
STATUSES = ("active", "expiring", "expired", "revoked", "renewed")

MILESTONES = [api.Milestone(CERTIFICATE_ISSUED, _l("A certification earned"))]


class RecertificationRefused(ValueError):
    """Recertification is not open for this person and path (nothing was archived)."""


class IssueRefused(ValueError):
    """The person's latest certificate of the path is revoked and the vendor has not let
    them earn it again (:func:`release`): nothing is issued."""


# --- reading -----------------------------------------------------------------------------


def status(cert: Certificate, now: dt.datetime | None = None) -> str:
    """One of :data:`STATUSES`: revoked and renewed first (they end a certificate whatever
    its dates), then expired (``expires_at`` passed), expiring (within 30 days), active."""
    now = now or api.utcnow()
    if cert.revoked_at is not None:
        return "revoked"
    if cert.superseded_at is not None:
        return "renewed"
    if cert.expires_at is not None:
        if cert.expires_at <= now:
            return "expired"
        if cert.expires_at - now <= EXPIRING_WITHIN:
            return "expiring"
    return "active"


def current_certificate(path_id: int, user_id: int) -> Certificate | None:
    """The person's current certificate of the path (neither renewed nor revoked; it may
    have expired), if any."""
    return api.session.scalars(
        select(Certificate).where(
            Certificate.path_id == path_id,
            Certificate.user_id == user_id,
            Certificate.superseded_at.is_(None),
            Certificate.revoked_at.is_(None),
        )
    ).first()


def current_certificates(user_id: int) -> list[Certificate]:
    """The person's current certificates (one per path at most), newest first."""
    return list(
        api.session.scalars(
            select(Certificate)
            .where(
                Certificate.user_id == user_id,
                Certificate.superseded_at.is_(None),
                Certificate.revoked_at.is_(None),
            )
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def path_course_ids(path_id: int) -> list[int]:
    """The path's courses, in order."""
    return list(
        api.session.scalars(
            select(PathCourse.course_id)
            .where(PathCourse.path_id == path_id)
            .order_by(PathCourse.position, PathCourse.id)
        )
    )


def open_runs(user_id: int, course_ids: Sequence[int]) -> dict[int, Enrolment]:
    """The person's open runs (archived ones aside) of these courses, by course."""
    if not course_ids:
        return {}
    runs = api.session.scalars(
        select(Enrolment).where(
            Enrolment.user_id == user_id,
            Enrolment.course_id.in_(list(course_ids)),
            Enrolment.archived_at.is_(None),
        )
    )
    return {run.course_id: run for run in runs}


def completed_path(path_id: int, user_id: int) -> list[Enrolment] | None:
    """The open, completed runs of every course of the path, or ``None`` while one is
    missing (a path without courses is never complete)."""
    course_ids = path_course_ids(path_id)
    runs = open_runs(user_id, course_ids)
    if not course_ids or any(
        cid not in runs or runs[cid].completed_at is None for cid in course_ids
    ):
        return None
    return [runs[cid] for cid in course_ids]


def viewer_for(user: api.User) -> api.Viewer | None:
    """The person as a viewer (for :mod:`access`, outside a request): their company's
    program and *current* tier. ``None`` for anyone but an active partner's person."""
    if user.partner_id is None or not user.active:
        return None
    partner = api.session.get(api.Partner, user.partner_id)
    if partner is None or partner.status != "active":
        return None
    tier = api.session.get(api.Tier, partner.tier_id) if partner.tier_id else None
    return api.Viewer(
        tenant_id=user.tenant_id,
        user_id=user.id,
        role=api.Role(user.role),
        partner_id=partner.id,
        program_id=partner.program_id,
        tier_id=partner.tier_id,
        tier_rank=tier.rank if tier is not None else None,
        locale=user.locale or "en",
    )


def can_recertify(cert: Certificate | None, now: dt.datetime | None = None) -> bool:
    """Recertification opens when the current certificate is expiring or has expired."""
    return cert is not None and status(cert, now) in ("expiring", "expired")


# --- issuing -----------------------------------------------------------------------------


def on_event(event: api.Event) -> None:
    """A completed course may complete paths: issue their certificates."""
    if event.name != COURSE_COMPLETED:
        return
    payload = event.payload
    user = api.session.get(api.User, payload.get("user_id"))
    course_id = payload.get("course_id")
    if user is None or course_id is None:
        return
    viewer = viewer_for(user)
    if viewer is None:
        return
    paths = api.session.scalars(
        access.visible_paths(
            select(Path)
            .join(PathCourse, PathCourse.path_id == Path.id)
            .where(PathCourse.course_id == course_id)
            .order_by(Path.position, Path.id),
            viewer,
        )
    ).all()
    for path in paths:
        if completed_path(path.id, user.id) is not None:
            try:
                issue(path, user)
            except IssueRefused:
                continue


def new_code() -> str:
    """A random, unguessable verification code (24 URL-safe characters, 144 bits)."""
    return secrets.token_urlsafe(18)


def issue(path: Path, user: api.User, now: dt.datetime | None = None) -> tuple[Certificate, bool]:
    """Issue the person's certificate of ``path`` if they have completed it; returns the
    person's current certificate and whether it was issued just now.

    Nothing happens while a current certificate exists, unless every course run of the
    path was completed after it was issued (a recertification): then the new certificate
    supersedes it. Two deliveries at once issue one certificate — the database allows one
    current certificate per person and path, and the loser returns the winner's.

    Raises :class:`IssueRefused` while the person's latest certificate of the path is
    revoked and not released (:func:`release`).
    """
    now = now or api.utcnow()
    blocking = revoked_unreleased(path.id, user.id)
    if blocking is not None:
        raise IssueRefused(blocking.id)
    runs = completed_path(path.id, user.id)
    current = _current_for_update(path.id, user.id)
    if runs is None:
        if current is None:
            raise ValueError("the path is not complete")
        return current, False
    if current is not None and not all(
        run.completed_at is not None and run.completed_at > current.issued_at for run in runs
    ):
        return current, False
    cert = Certificate(
        path_id=path.id,
        user_id=user.id,
        partner_id=user.partner_id,
        code=new_code(),
        # the name only: the certificate is public, the e-mail address never is
        holder_name=(user.name or "").strip() or user.email.split("@")[0],
        certification=path.certification,
        issued_at=now,
        expires_at=(now + dt.timedelta(days=path.validity_days)) if path.validity_days else None,
        reminders_sent=[],
    )
    try:
        with api.session.begin_nested():
            if current is not None:
                # free the "one current certificate" slot before taking it
                current.superseded_at = now
                api.session.flush()
            api.session.add(cert)
            api.session.flush()
            if current is not None:
                current.superseded_by_id = cert.id
                api.session.flush()
    except IntegrityError:
        api.session.expire_all()
        winner = current_certificate(path.id, user.id)
        if winner is None:  # not the race we expected
            raise
        return winner, False
    api.audit(
        "lms.certificate_renewed" if current is not None else "lms.certificate_issued",
        "lms_certificate",
        cert.id,
        before={"certificate": current.id} if current is not None else None,
        after={
            "path": path.id,
            "user": user.id,
            "holder": cert.holder_name,
            "certification": cert.certification,
            "expires_at": cert.expires_at.isoformat() if cert.expires_at else None,
        },
    )
    api.emit(CERTIFICATE_ISSUED, _payload(cert), program_id=path.program_id)
    from . import notify

    notify.certificate_issued(cert, path, user)
    return cert, True


def latest_certificate(path_id: int, user_id: int) -> Certificate | None:
    """The person's most recently issued certificate of the path, whatever its status."""
    return api.session.scalars(
        select(Certificate)
        .where(Certificate.path_id == path_id, Certificate.user_id == user_id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(1)
    ).first()


def revoked_unreleased(path_id: int, user_id: int) -> Certificate | None:
    """The person's latest certificate of the path if it is revoked and the vendor has not
    let them earn it again — while there is one, nothing is issued for the path."""
    latest = latest_certificate(path_id, user_id)
    if latest is not None and latest.revoked_at is not None and latest.superseded_at is None:
        return latest
    return None


def _current_for_update(path_id: int, user_id: int) -> Certificate | None:
    """The current certificate, its row locked (PostgreSQL) so two renewals queue."""
    return api.session.scalars(
        select(Certificate)
        .where(
            Certificate.path_id == path_id,
            Certificate.user_id == user_id,
            Certificate.superseded_at.is_(None),
            Certificate.revoked_at.is_(None),
        )
        .with_for_update()
    ).first()


def _payload(cert: Certificate) -> dict[str, Any]:
    return {
        "certificate_id": cert.id,
        "path_id": cert.path_id,
        "user_id": cert.user_id,
        "partner_id": cert.partner_id,
    }


# --- recertification and revocation ------------------------------------------------------


def start_recertification(path: Path, user: api.User, now: dt.datetime | None = None) -> int:
    """Archive the person's runs and quiz attempts of the path's courses so they take the
    courses again; the current certificate stays valid until the new one replaces it.
    Returns how many runs were archived. Raises :class:`RecertificationRefused` unless the
    current certificate is expiring or expired."""
    now = now or api.utcnow()
    current = current_certificate(path.id, user.id)
    if not can_recertify(current, now):
        raise RecertificationRefused(path.id)
    archived = _archive_runs(user.id, path_course_ids(path.id), now)
    api.audit(
        "lms.recertification_started",
        "lms_path",
        path.id,
        after={"user": user.id, "certificate": current.id if current else None, "runs": archived},
    )
    return archived


def _archive_runs(user_id: int, course_ids: Sequence[int], now: dt.datetime) -> int:
    """Archive the person's open runs and quiz attempts of these courses (SCORM attempts
    belong to a run); returns how many runs."""
    course_ids = list(course_ids)
    if not course_ids:
        return 0
    archived = _rowcount(
        api.session.execute(
            update(Enrolment)
            .where(
                Enrolment.user_id == user_id,
                Enrolment.course_id.in_(course_ids),
                Enrolment.archived_at.is_(None),
            )
            .values(archived_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    quiz_ids = select(QuizAttempt.id).where(
        QuizAttempt.user_id == user_id,
        QuizAttempt.archived_at.is_(None),
        QuizAttempt.enrolment_id.in_(
            select(Enrolment.id).where(
                Enrolment.user_id == user_id, Enrolment.course_id.in_(course_ids)
            )
        ),
    )
    api.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id.in_(quiz_ids.scalar_subquery()))
        .values(archived_at=now)
        .execution_options(synchronize_session=False)
    )
    api.session.expire_all()
    return int(archived or 0)


def revoke(cert: Certificate, reason: str, now: dt.datetime | None = None) -> bool:
    """End a certificate for ``reason`` (shown to the vendor; the public page says only
    "revoked"). False if it was already revoked."""
    if cert.revoked_at is not None:
        return False
    cert.revoked_at = now or api.utcnow()
    cert.revoked_reason = reason.strip()[:500]
    api.audit(
        "lms.certificate_revoked",
        "lms_certificate",
        cert.id,
        after={"reason": cert.revoked_reason, "user": cert.user_id, "path": cert.path_id},
    )
    return True


def release(cert: Certificate, now: dt.datetime | None = None) -> bool:
    """Let them earn it again: the revoked certificate no longer stops its path from
    issuing (``superseded_at`` marks it released; it stays revoked), and the person's runs
    and quiz attempts of the path's courses are archived so they take them again. False
    unless the certificate is revoked and not released yet."""
    if cert.revoked_at is None or cert.superseded_at is not None:
        return False
    now = now or api.utcnow()
    cert.superseded_at = now
    api.session.flush()
    runs = _archive_runs(cert.user_id, path_course_ids(cert.path_id), now)
    api.audit(
        "lms.certificate_released",
        "lms_certificate",
        cert.id,
        after={"user": cert.user_id, "path": cert.path_id, "runs": runs},
    )
    return True


def _rowcount(result: Any) -> int:
    """Rows an UPDATE touched (the Result type doesn't promise the attribute)."""
    return int(getattr(result, "rowcount", 0) or 0)
