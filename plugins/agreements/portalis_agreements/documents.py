"""An agreement's document for one partner and signer: the filled text as HTML for the page
and as PDF for signing, and the signed PDF with its signature page.

The document is made again on every view (nothing half-made is stored); the PDF bytes
depend only on the version, the partner's and program's details, the signer, the language
and the date, so the SHA-256 a signer's form carries identifies exactly what they read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date
from markupsafe import Markup

from portalis import api

from . import pdf
from .i18n import _
from .models import AgreementTemplate, TemplateVersion
from .placeholders import Filling, MissingValues, fill


@dataclass(frozen=True)
class Rendered:
    language: str
    title: str
    html: Markup
    pdf: bytes
    sha256: str


@dataclass(frozen=True)
class Signer:
    name: str
    email: str


#: What a vendor's preview fills in for the person who signs.
SAMPLE_SIGNER = Signer("Jane Doe", "jane.doe@example.com")


def language_for(version: TemplateVersion, template: AgreementTemplate, wanted: str | None) -> str:
    """The reader's language if the version is written in it, else the template's default
    language, else the first language it has."""
    languages = version.languages()
    for lang in (wanted, (wanted or "").split("-")[0], template.default_language):
        if lang and lang in languages:
            return lang
    return languages[0] if languages else template.default_language


def vendor_name() -> str:
    tenant = api.session.get(api.Tenant, api.current_tenant_id())
    return tenant.name if tenant is not None else ""


def today() -> dt.date:
    return api.utcnow().date()


def filling(
    partner: Any, program: Any, signer: Signer | None, language: str, date: dt.date
) -> Filling:
    return Filling(
        language=language,
        partner_name=partner.name,
        partner_country=partner.country,
        partner_website=partner.website,
        partner_email=partner.contact_email,
        partner_phone=partner.phone,
        program_name=api.localized(program.name, program.name_i18n, language),
        vendor_name=vendor_name(),
        signer_name=signer.name if signer else None,
        signer_email=signer.email if signer else None,
        date=date,
    )


def _frame(version: TemplateVersion, title: str, language: str) -> pdf.Frame:
    with api.force_locale(language):  # the document's language, whoever reads it
        published = format_date(version.published_at.date(), format="long", locale=language)
        subtitle = _(
            "Version %(number)s · published %(date)s", number=version.number, date=published
        )
        footer = _("%(title)s, version %(number)s", title=title, number=version.number)
    return pdf.Frame(
        language=language,
        vendor=vendor_name(),
        title=title,
        subtitle=subtitle,
        footer=footer,
        created=version.published_at,
    )


def render(
    version: TemplateVersion,
    template: AgreementTemplate,
    partner: Any,
    program: Any,
    *,
    signer: Signer | None,
    language: str,
    date: dt.date | None = None,
) -> Rendered:
    """The filled document; raises :class:`MissingValues` if the partner lacks a value."""
    values = filling(partner, program, signer, language, date or today())
    title = fill(version.titles.get(language) or template.name, values, markdown=False)
    body = fill(version.bodies.get(language) or "", values)
    html = api.render_markdown(body)
    data = pdf.document(_frame(version, title, language), str(html))
    return Rendered(language, title, html, data, hashlib.sha256(data).hexdigest())


def _utc(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else ""


def signed_pdf(
    agreement: Any,
    version: TemplateVersion,
    document_pdf: bytes,
    title: str,
    counter_signature: str,
) -> bytes:
    """The document's pages followed by its signature page (in the document's language).
    ``agreement`` is the agreement or a copy of its signature columns."""
    language = agreement.language or "en"
    with api.force_locale(language):  # the document's language, whoever reads it
        rows = [
            (_("Document"), f"{title} ({_('version %(number)s', number=version.number)})"),
            (_("Signed by"), agreement.signer_name or ""),
            (_("E-mail address"), agreement.signer_email or ""),
            (_("Signed at (UTC)"), _utc(agreement.signed_at)),
            (_("IP address"), agreement.signer_ip or ""),
            (_("Browser"), agreement.signer_user_agent or ""),
            (_("SHA-256 of the document"), agreement.document_sha256 or ""),
            (_("Counter-signature"), counter_signature),
        ]
        heading = _("Signature page")
        note = _(
            "Signed electronically: the signer typed their name and confirmed the document "
            "whose SHA-256 is shown above. The pages before this one are that document as it "
            "was shown."
        )
    sig = pdf.signature_page(_frame(version, title, language), heading, rows, note)
    return pdf.with_signature_page(document_pdf, sig)


def counter_signature_text(agreement: Any) -> str:
    language = agreement.language or "en"
    with api.force_locale(language):  # the document's language, whoever reads it
        if not agreement.requires_countersignature:
            return _("Not required")
        if agreement.countersigned_at is None:
            return _("Awaiting the vendor's counter-signature")
        return _(
            "%(name)s, %(when)s",
            name=agreement.countersigner_name or "",
            when=_utc(agreement.countersigned_at),
        )


__all__ = [
    "SAMPLE_SIGNER",
    "MissingValues",
    "Rendered",
    "Signer",
    "counter_signature_text",
    "filling",
    "language_for",
    "render",
    "signed_pdf",
]
