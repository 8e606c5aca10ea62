"""Open Badges 2.0 with hosted verification: an Assertion per certificate, a BadgeClass
per path and the tenant as the Issuer (Profile), each a public JSON-LD document at its
own URL on the tenant's host (https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html).

* The recipient is the holder's e-mail address, hashed (``sha256$…`` of address + salt;
  the salt is derived from the certificate's code, so the document is stable).
* ``expires`` is the certificate's expiry; a revoked certificate's assertion says
  ``revoked: true`` with the fixed :data:`REVOCATION_REASON` — never the vendor's own
  reason, which is free text about a person and stays internal (the certificates page,
  the audit log). The text is English and not translated: the document is read by
  machines (badge backpacks, verifiers) and has no reader's language. A renewed one stays
  valid as what it was (its own dates), like the verification page says "renewed".
* The BadgeClass image is a PNG drawn here (the tenant's brand colours).
* The BadgeClass and its image live at ``/lms/badges/classes/<path_id>/<key>``, where
  ``key`` is an HMAC of the tenant and path under the portal's secret key: stable (one
  badge class per path, whichever certificate points at it) but known only from an
  assertion, so nobody can walk the path ids to read the names of a vendor's paths.

Needs a request context on the tenant's host (URLs are built with ``url_for``).
"""

from __future__ import annotations

import hashlib
import hmac
import io
from typing import Any

from flask import url_for

from portalis import api

from .models import Certificate, Path, PathCourse

#: What a revoked certificate's public assertion gives as ``revocationReason``.
REVOCATION_REASON = "Revoked by the issuer."

CONTEXT = "https://w3id.org/openbadges/v2"


def _iso(value: Any) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def class_key(path_id: int) -> str:
    """The unguessable part of a path's BadgeClass URL."""
    from flask import current_app

    secret = str(current_app.secret_key or "").encode()
    message = f"lms-badge-class:{api.current_tenant_id()}:{path_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:20]


def class_key_ok(path_id: int, key: str) -> bool:
    return hmac.compare_digest(class_key(path_id), key or "")


def class_url(path_id: int) -> str:
    return url_for("lms.badge_class", path_id=path_id, key=class_key(path_id), _external=True)


def salt_for(cert: Certificate) -> str:
    return hashlib.sha256(f"portalis-lms-badge:{cert.code}".encode()).hexdigest()[:16]


def hashed_identity(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def assertion(cert: Certificate) -> dict[str, Any]:
    user = api.session.get(api.User, cert.user_id)
    salt = salt_for(cert)
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": url_for("lms.badge_assertion", code=cert.code, _external=True),
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": salt,
            "identity": hashed_identity(user.email if user else "", salt),
        },
        "badge": class_url(cert.path_id),
        "verification": {"type": "hosted"},
        "issuedOn": _iso(cert.issued_at),
        "evidence": url_for("lms.verify", code=cert.code, _external=True),
    }
    if cert.expires_at is not None:
        doc["expires"] = _iso(cert.expires_at)
    if cert.revoked_at is not None:
        doc["revoked"] = True
        doc["revocationReason"] = REVOCATION_REASON
    return doc


def badge_class(path: Path, course_titles: list[str]) -> dict[str, Any]:
    from .i18n import _

    narrative = (
        _(
            "Complete every course of the learning path: %(courses)s.",
            courses=", ".join(course_titles),
        )
        if course_titles
        else _("Complete every course of the learning path.")
    )
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": class_url(path.id),
        "name": path.certification,
        "description": (path.description or "").strip()[:1000] or path.title,
        "image": url_for(
            "lms.badge_image", path_id=path.id, key=class_key(path.id), _external=True
        ),
        "criteria": {"narrative": narrative},
        "issuer": url_for("lms.badge_issuer", _external=True),
    }


def issuer() -> dict[str, Any]:
    tenant = api.current_tenant()
    return {
        "@context": CONTEXT,
        "type": "Profile",
        "id": url_for("lms.badge_issuer", _external=True),
        "name": tenant.name if tenant else "",
        "url": url_for("portal.home", _external=True),
    }


def path_has_certificates(path_id: int) -> bool:
    from sqlalchemy import select

    return (
        api.session.scalar(select(Certificate.id).where(Certificate.path_id == path_id).limit(1))
        is not None
    )


def course_count(path_id: int) -> int:
    from sqlalchemy import func, select

    return (
        api.session.scalar(select(func.count(PathCourse.id)).where(PathCourse.path_id == path_id))
        or 0
    )


def _hex(color: str) -> tuple[int, int, int]:
    h = color.lstrip("#")
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    try:
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    except ValueError:
        return (79, 70, 229)


def brand_colours() -> tuple[str, str]:
    """The tenant's primary and accent colours (validated hex), or the portal's defaults."""
    import re

    tenant = api.current_tenant()
    branding = (tenant.branding or {}) if tenant else {}
    ok = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
    primary = branding.get("brand_primary")
    accent = branding.get("brand_accent")
    return (
        primary if isinstance(primary, str) and ok.match(primary) else "#4f46e5",
        accent if isinstance(accent, str) and ok.match(accent) else "#0ea5e9",
    )


def badge_png(size: int = 400) -> bytes:
    """The badge image: a medal in the tenant's colours with a check mark (no text, so it
    reads the same in every language)."""
    from PIL import Image, ImageDraw

    primary, accent = (_hex(c) for c in brand_colours())
    scale = 4  # drawn large, scaled down: smooth edges
    s = size * scale
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    # ribbons
    draw.polygon(
        [
            (s * 0.30, s * 0.55),
            (s * 0.18, s * 0.98),
            (s * 0.32, s * 0.90),
            (s * 0.42, s * 1.0),
            (s * 0.50, s * 0.62),
        ],
        fill=accent,
    )
    draw.polygon(
        [
            (s * 0.70, s * 0.55),
            (s * 0.82, s * 0.98),
            (s * 0.68, s * 0.90),
            (s * 0.58, s * 1.0),
            (s * 0.50, s * 0.62),
        ],
        fill=accent,
    )
    # medal
    draw.ellipse([s * 0.14, s * 0.04, s * 0.86, s * 0.76], fill=primary)
    draw.ellipse(
        [s * 0.20, s * 0.10, s * 0.80, s * 0.70], outline=(255, 255, 255), width=int(s * 0.018)
    )
    # check mark
    draw.line(
        [(s * 0.35, s * 0.41), (s * 0.46, s * 0.52), (s * 0.66, s * 0.29)],
        fill=(255, 255, 255),
        width=int(s * 0.055),
        joint="curve",
    )
    img = img.resize((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
