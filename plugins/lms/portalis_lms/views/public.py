"""Public pages (no sign-in) on the tenant's host: a certificate's verification page and
its Open Badges 2.0 documents.

The verification page shows the holder's name, the certification, the issue and expiry
dates and the status said plainly — and nothing else (no e-mail address, no company, no
reason of a revocation). An unknown code — or another tenant's — gets a page of its own
saying there is no certificate with this code (404). Search engines are asked not to
index any of it. Codes are 144 random bits; a rate limit makes guessing pointless anyway.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from sqlalchemy import select

from portalis import api

from .. import badges, certification
from ..models import Certificate, Course, Path
from .blueprint import bp
from .certificates import certification_title, course_titles, status_labels

_MAX_CODE = 64
NOINDEX = "noindex, nofollow"


def _by_code(code: str) -> Certificate | None:
    if not code or len(code) > _MAX_CODE:
        return None
    return api.session.scalars(select(Certificate).where(Certificate.code == code)).first()


def _noindex(resp: Response) -> Response:
    resp.headers["X-Robots-Tag"] = NOINDEX
    return resp


@bp.route("/verify/<token:code>")
@api.public_page
@api.rate_limit("60 per minute")
def verify(code: str) -> Any:
    cert = _by_code(code)
    if cert is None:
        return _noindex(api.page("lms/public/unknown.html", status=404))
    path = api.session.get(Path, cert.path_id)
    status = certification.status(cert)
    return _noindex(
        api.page(
            "lms/public/verify.html",
            cert=cert,
            title=certification_title(cert, path),
            cert_status=status,
            # said plainly: an expiring certificate is still valid
            label=status_labels()["active" if status == "expiring" else status],
        )
    )


def _json(doc: dict[str, Any], status: int = 200) -> Response:
    resp = Response(
        json.dumps(doc, ensure_ascii=False, indent=2),
        status=status,
        mimetype="application/ld+json",
    )
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return _noindex(resp)


def _not_found_json() -> Response:
    return _json({"error": "not found"}, status=404)


@bp.route("/badges/assertions/<token:code>")
@api.public_page
@api.rate_limit("60 per minute")
def badge_assertion(code: str) -> Any:
    cert = _by_code(code)
    if cert is None:
        return _not_found_json()
    return _json(badges.assertion(cert))


def _tenant_locale() -> str:
    tenant = api.current_tenant()
    return (tenant.default_locale if tenant else None) or "en"


@bp.route("/badges/classes/<id:path_id>/<token:key>")
@api.public_page
def badge_class(path_id: int, key: str) -> Any:
    path = api.session.get(Path, path_id)
    # known only from an assertion (the key), and only once the path has certified someone
    if (
        path is None
        or not badges.class_key_ok(path_id, key)
        or not badges.path_has_certificates(path.id)
    ):
        return _not_found_json()
    locale = _tenant_locale()
    course_ids = certification.path_course_ids(path.id)
    courses = (
        list(api.session.scalars(select(Course).where(Course.id.in_(course_ids))))
        if course_ids
        else []
    )
    titles = course_titles(courses, locale)
    with api.force_locale(locale):
        doc = badges.badge_class(path, [titles[c] for c in course_ids if titles.get(c)])
    return _json(doc)


@bp.route("/badges/classes/<id:path_id>/<token:key>/image.png")
@api.public_page
def badge_image(path_id: int, key: str) -> Any:
    path = api.session.get(Path, path_id)
    if (
        path is None
        or not badges.class_key_ok(path_id, key)
        or not badges.path_has_certificates(path.id)
    ):
        api.not_found()
    resp = Response(badges.badge_png(), mimetype="image/png")
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


@bp.route("/badges/issuer")
@api.public_page
def badge_issuer() -> Any:
    return _json(badges.issuer())
