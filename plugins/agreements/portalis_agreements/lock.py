"""The lock: while a partner has a pending agreement whose template locks something, the
core sends the partner's page requests to the agreement (``portalis_access_blockers``).

One query per request: the partner's pending, current agreements of live, locking
templates, with the version's placeholders and the partner's details. An agreement whose
text needs a value the partner lacks can't be signed yet:

* values only the vendor supplies (the country, the contact e-mail address): "being
  prepared" — it doesn't lock (the vendor was told when publishing);
* values the partner's admins fill in on the company profile (website, phone number): it
  keeps locking, and sends them to the profile page saying what to add. Otherwise a
  partner admin could lift a lock by emptying the phone number.
"""

from __future__ import annotations

from sqlalchemy import select

from portalis import api

from .i18n import _
from .models import LOCK_NONE, LOCK_PORTAL, PENDING, Agreement, AgreementTemplate, TemplateVersion
from .placeholders import PROFILE_FIELDS, missing_partner_fields

#: At most this many blockers per request (one per locking agreement).
LIMIT = 5
#: The core's company profile page, where partner admins fill in their website and phone.
PROFILE_ENDPOINT = "company.profile"


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
        lacking = set(missing_partner_fields(placeholders or [], partner))
        if not lacking <= PROFILE_FIELDS:
            continue  # being prepared by the vendor: nothing to sign yet, nothing locked
        plugins = None if lock == LOCK_PORTAL else frozenset(lock_plugins or [])
        if plugins is not None and not plugins:
            continue
        agreement = api.isolate(name)
        if lacking:
            blocker = api.AccessBlocker(
                key=f"agreements.profile.{agreement_id}",
                message=add_message(lacking, agreement),
                endpoint=PROFILE_ENDPOINT,
                plugins=plugins,
            )
        else:
            blocker = api.AccessBlocker(
                key=f"agreements.sign.{agreement_id}",
                message=_("Sign “%(agreement)s” to continue.", agreement=agreement),
                endpoint="agreements.show",
                url_values={"agreement_id": agreement_id},
                plugins=plugins,
            )
        out.append(blocker)
    return out


def add_message(lacking: set[str], agreement: str) -> str:
    """What to add on the company profile, one whole sentence per case (translatable)."""
    if lacking == {"partner.phone"}:
        return _("Add your company's phone number to sign “%(agreement)s”.", agreement=agreement)
    if lacking == {"partner.website"}:
        return _("Add your company's website to sign “%(agreement)s”.", agreement=agreement)
    return _(
        "Add your company's website and phone number to sign “%(agreement)s”.",
        agreement=agreement,
    )
