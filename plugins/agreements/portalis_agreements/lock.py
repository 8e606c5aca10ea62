"""The lock: while a partner has a pending agreement whose template locks something, the
core sends the partner's page requests to the agreement (``portalis_access_blockers``).

One query per request: the partner's pending, current agreements of live, locking
templates, with the version's placeholders and the partner's details, so an agreement the
partner can't sign yet (a value its text needs is missing: "being prepared") never locks
anyone out.
"""

from __future__ import annotations

from sqlalchemy import select

from portalis import api

from .i18n import _
from .models import LOCK_NONE, LOCK_PORTAL, PENDING, Agreement, AgreementTemplate, TemplateVersion
from .placeholders import missing_partner_fields

#: At most this many blockers per request (one per locking agreement).
LIMIT = 5


def blockers(viewer: api.Viewer) -> list[api.AccessBlocker]:
    if not viewer.is_partner or viewer.partner_id is None:
        return []
    rows = api.session.execute(
        select(
            Agreement.id,
            AgreementTemplate.name,
            AgreementTemplate.lock,
            AgreementTemplate.lock_plugins,
            TemplateVersion.placeholders,
            api.Partner,
        )
        .join(AgreementTemplate, AgreementTemplate.id == Agreement.template_id)
        .join(TemplateVersion, TemplateVersion.id == Agreement.version_id)
        .join(api.Partner, api.Partner.id == Agreement.partner_id)
        .where(
            Agreement.partner_id == viewer.partner_id,
            Agreement.status == PENDING,
            Agreement.current.is_(True),
            AgreementTemplate.archived.is_(False),
            AgreementTemplate.lock != LOCK_NONE,
        )
        .order_by(Agreement.assigned_at, Agreement.id)
        .limit(LIMIT)
    ).all()
    out = []
    for agreement_id, name, lock, lock_plugins, placeholders, partner in rows:
        if missing_partner_fields(placeholders or [], partner):
            continue  # being prepared: nothing to sign yet, so nothing is locked
        plugins = None if lock == LOCK_PORTAL else frozenset(lock_plugins or [])
        if plugins is not None and not plugins:
            continue
        out.append(
            api.AccessBlocker(
                key=f"agreements.sign.{agreement_id}",
                message=_("Sign “%(agreement)s” to continue.", agreement=f"\u2068{name}\u2069"),
                endpoint="agreements.show",
                url_values={"agreement_id": agreement_id},
                plugins=plugins,
            )
        )
    return out
