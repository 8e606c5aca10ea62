"""Demo data for ``portalis demo`` (and the contract tests): a reseller agreement in six
languages with two published versions and a mutual NDA. Every partner but the newest signed
version 1 and the NDA; the first (by name) signed version 2 too, counter-signed by the
vendor; the others have version 2 to sign, and the newest partner everything.

Nothing is locked in the demo, so every demo partner can walk the whole portal; switch a
template's "While unsigned, lock" on to see the lock.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portalis import api

from . import service
from .models import Agreement, AgreementTemplate

RESELLER_V1 = {
    "en": (
        "Reseller agreement",
        "# Reseller agreement\n\nBetween **{{vendor.name}}** and **{{partner.name}}**, "
        "a member of the {{program.name}}.\n\n1. The partner may resell the vendor's products.\n"
        "2. Prices follow the partner price list in force.\n",
    ),
    "de": (
        "Wiederverkäufervertrag",
        "# Wiederverkäufervertrag\n\nZwischen **{{vendor.name}}** und **{{partner.name}}**, "
        "Mitglied im {{program.name}}.\n\n1. Der Partner darf die Produkte des Herstellers "
        "weiterverkaufen.\n2. Es gilt die jeweils aktuelle Partnerpreisliste.\n",
    ),
}

RESELLER_V2 = {
    "en": (
        "Reseller agreement",
        "# Reseller agreement\n\nThis agreement is made on {{date}} between **{{vendor.name}}** "
        "(the vendor) and **{{partner.name}}** (the partner), {{partner.website}}, a member of "
        "the {{program.name}}.\n\n## 1. Appointment\n\nThe vendor appoints the partner as a "
        "non-exclusive reseller of its products.\n\n## 2. Prices and payment\n\n1. Prices follow "
        "the partner price list in force.\n2. Invoices are payable within 30 days.\n\n"
        "## 3. Confidentiality\n\nBoth parties keep each other's confidential information "
        "secret during this agreement and for three years after it.\n\n"
        "Signed for the partner by {{signer.name}} ({{signer.email}}).\n",
    ),
    "de": (
        "Wiederverkäufervertrag",
        "# Wiederverkäufervertrag\n\nDieser Vertrag wird am {{date}} zwischen **{{vendor.name}}** "
        "(Hersteller) und **{{partner.name}}** (Partner), {{partner.website}}, Mitglied im "
        "{{program.name}}, geschlossen.\n\n## 1. Ernennung\n\nDer Hersteller ernennt den Partner "
        "zum nicht exklusiven Wiederverkäufer seiner Produkte.\n\n## 2. Preise und Zahlung\n\n"
        "1. Es gilt die jeweils aktuelle Partnerpreisliste.\n2. Rechnungen sind innerhalb von "
        "30 Tagen zahlbar.\n\n## 3. Vertraulichkeit\n\nBeide Parteien behandeln vertrauliche "
        "Informationen der anderen während der Laufzeit und drei Jahre danach vertraulich.\n\n"
        "Für den Partner unterzeichnet von {{signer.name}} ({{signer.email}}).\n",
    ),
    "fr": (
        "Contrat de revendeur",
        "# Contrat de revendeur\n\nLe présent contrat est conclu le {{date}} entre "
        "**{{vendor.name}}** (le fournisseur) et **{{partner.name}}** (le partenaire), "
        "{{partner.website}}, membre du {{program.name}}.\n\n## 1. Désignation\n\nLe "
        "fournisseur désigne le partenaire comme revendeur non exclusif de ses produits.\n\n"
        "## 2. Prix et paiement\n\n1. Les prix suivent la liste de prix partenaire en vigueur.\n"
        "2. Les factures sont payables sous 30 jours.\n\n## 3. Confidentialité\n\nLes parties "
        "gardent secrètes les informations confidentielles de l'autre pendant le contrat et "
        "trois ans après.\n\nSigné pour le partenaire par {{signer.name}} ({{signer.email}}).\n",
    ),
    "es": (
        "Contrato de revendedor",
        "# Contrato de revendedor\n\nEste contrato se celebra el {{date}} entre "
        "**{{vendor.name}}** (el fabricante) y **{{partner.name}}** (el socio), "
        "{{partner.website}}, miembro del {{program.name}}.\n\n## 1. Designación\n\nEl "
        "fabricante designa al socio como revendedor no exclusivo de sus productos.\n\n"
        "## 2. Precios y pago\n\n1. Los precios siguen la lista de precios para socios vigente.\n"
        "2. Las facturas se pagan en 30 días.\n\n## 3. Confidencialidad\n\nAmbas partes "
        "mantienen en secreto la información confidencial de la otra durante el contrato y tres "
        "años después.\n\nFirmado por el socio: {{signer.name}} ({{signer.email}}).\n",
    ),
    "ja": (
        "再販契約",
        "# 再販契約\n\n本契約は、{{date}}に **{{vendor.name}}**（以下「ベンダー」）と "
        "**{{partner.name}}**（以下「パートナー」、{{partner.website}}、{{program.name}} "
        "の会員）との間で締結されます。\n\n## 第1条（指名）\n\nベンダーは、パートナーを自社製品の"
        "非独占的な再販業者として指名します。\n\n## 第2条（価格および支払い）\n\n"
        "1. 価格は有効なパートナー価格表に従います。\n2. 請求書は30日以内に支払うものとします。\n\n"
        "## 第3条（秘密保持）\n\n両当事者は、本契約期間中およびその後3年間、相手方の秘密情報を"
        "保持します。\n\nパートナーを代表して署名：{{signer.name}}（{{signer.email}}）\n",
    ),
    "ar": (
        "اتفاقية إعادة البيع",
        "# اتفاقية إعادة البيع\n\nأُبرمت هذه الاتفاقية في {{date}} بين **{{vendor.name}}** "
        "(المورّد) و**{{partner.name}}** (الشريك)، {{partner.website}}، العضو في "
        "{{program.name}}.\n\n## 1. التعيين\n\nيعيّن المورّد الشريك موزعًا غير حصري لمنتجاته.\n\n"
        "## 2. الأسعار والدفع\n\n1. تتبع الأسعار قائمة أسعار الشركاء السارية.\n"
        "2. تُدفع الفواتير خلال 30 يومًا.\n\n## 3. السرية\n\nيحافظ الطرفان على سرية المعلومات "
        "السرية للطرف الآخر طوال مدة الاتفاقية ولمدة ثلاث سنوات بعدها.\n\n"
        "وقّع نيابةً عن الشريك: {{signer.name}} ({{signer.email}}).\n",
    ),
}

NDA_V1 = {
    "en": (
        "Mutual non-disclosure agreement",
        "# Mutual non-disclosure agreement\n\n**{{vendor.name}}** and **{{partner.name}}** "
        "agree to keep each other's confidential information secret and to use it only for "
        "their partnership.\n",
    ),
    "de": (
        "Gegenseitige Geheimhaltungsvereinbarung",
        "# Gegenseitige Geheimhaltungsvereinbarung\n\n**{{vendor.name}}** und "
        "**{{partner.name}}** verpflichten sich, vertrauliche Informationen der anderen Seite "
        "geheim zu halten und nur für ihre Partnerschaft zu verwenden.\n",
    ),
}


def _template(
    seed: api.DemoSeed, name: str, kind: str, countersign: bool, texts: dict
) -> AgreementTemplate:
    return service.save_template(
        AgreementTemplate(),
        program_id=seed.program_id,
        name=name,
        kind=kind,
        requires_countersignature=countersign,
        default_language="en",
        draft_titles={k: v[0] for k, v in texts.items()},
        draft_bodies={k: v[1] for k, v in texts.items()},
    )


def _redraft(template: AgreementTemplate, texts: dict) -> None:
    template.draft_titles = {k: v[0] for k, v in texts.items()}
    template.draft_bodies = {k: v[1] for k, v in texts.items()}


def _admin(partner_id: int) -> Any:
    return api.session.scalars(
        select(api.User)
        .where(api.User.partner_id == partner_id, api.User.role == api.Role.PARTNER_ADMIN)
        .order_by(api.User.id)
    ).first()


def _sign(template: AgreementTemplate, partner_id: int, user: Any) -> Agreement | None:
    agreement = api.session.scalars(
        select(Agreement).where(
            Agreement.template_id == template.id,
            Agreement.partner_id == partner_id,
            Agreement.current.is_(True),
        )
    ).first()
    if agreement is None or user is None:
        return None
    try:
        shown = service.document_for(agreement, user, getattr(user, "locale", None))
    except service.MissingValues:
        return None
    return service.record_signature(
        agreement,
        shown,
        user=user,
        typed_name=getattr(user, "name", "") or "",
        ip="203.0.113.24",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0 Safari/537.36",
        notify_vendor=False,
    )


def seed(seed: api.DemoSeed) -> None:
    partners = sorted(seed.partners.items())
    if not partners:
        return
    # the newest partner (the last to join) has signed nothing yet; everyone else signed
    # version 1 and the NDA when they joined — which is what the onboarding checklist's
    # "agreement signed" step says of them too
    newest_id = list(seed.partners.values())[-1]
    veterans = [pid for _key, pid in partners if pid != newest_id]
    signed_id = veterans[0] if veterans else partners[0][1]
    reseller = _template(seed, "Reseller agreement", "reseller", True, RESELLER_V1)
    service.publish(reseller, None, notify_partners=False)
    for pid in veterans:
        _sign(reseller, pid, _admin(pid))
    # ... then version 2 came out in six languages: everyone signs again; the first partner
    # already did, and the vendor counter-signed
    _redraft(reseller, RESELLER_V2)
    service.publish(reseller, None, notify_partners=False)
    agreement = _sign(reseller, signed_id, _admin(signed_id))
    vendor_admin = api.session.scalars(
        select(api.User).where(api.User.role == api.Role.VENDOR_ADMIN).order_by(api.User.id)
    ).first()
    if agreement is not None and vendor_admin is not None:
        service.record_countersignature(agreement, vendor_admin, notify_partner=False)
    nda = _template(seed, "Mutual NDA", "nda", False, NDA_V1)
    service.publish(nda, None, notify_partners=False)
    for pid in veterans:
        _sign(nda, pid, _admin(pid))
    api.session.flush()
