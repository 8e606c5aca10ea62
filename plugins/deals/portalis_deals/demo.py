"""Demo registrations: every partner gets deals in most states, with a believable history,
and the first two partners of each demo vendor fight over one customer (a live conflict)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from portalis import api

from . import service, sla
from .models import (
    APPROVED,
    DRAFT,
    EXPIRED,
    LOST,
    REJECTED,
    RETURNED,
    SUBMITTED,
    UNDER_REVIEW,
    WITHDRAWN,
    WON,
    Deal,
    DealExtensionRequest,
    DealProtection,
)

CUSTOMERS = (
    ("Blue Yonder Airlines", "blueyonderairlines.com", "US"),
    ("Litware, Inc.", "litware.com", "US"),
    ("Wingtip Toys", "wingtiptoys.com", "US"),
    ("Adventure Works Cycles", "adventure-works.com", "US"),
    ("Proseware, Inc.", "proseware.com", "US"),
    ("Trey Research", "treyresearch.net", "GB"),
    ("Lucerne Publishing", "lucernepublishing.com", "GB"),
    ("Margie's Travel", "margiestravel.com", "GB"),
    ("Coho Winery", "cohowinery.com", "FR"),
    ("Alpine Ski House", "alpineskihouse.com", "DE"),
    ("Graphic Design Institute", "graphicdesigninstitute.com", "US"),
    ("Humongous Insurance", "humongousinsurance.com", "US"),
    ("City Power & Light", "cpandl.com", "US"),
    ("Southridge Video", "southridgevideo.com", "GB"),
    ("Consolidated Messenger", "consolidatedmessenger.com", "US"),
    ("Wide World Importers", "wideworldimporters.com", "GB"),
    ("Tailwind Traders", "tailwindtraders.com", "US"),
    ("VanArsdel Ltd.", "vanarsdel.com", "GB"),
    ("Bellows College", "bellowscollege.com", "US"),
    ("A. Datum Corporation", "adatum.com", "US"),
    ("Nod Publishers", "nodpublishers.com", "FR"),
    ("Lamna Healthcare", "lamnahealthcare.com", "DE"),
    ("Müller Maschinenbau GmbH", "mueller-maschinenbau.de", "DE"),
    ("Yamada Shoji K.K.", "yamada-shoji.co.jp", "JP"),
    ("Société Lyonnaise de Logistique SA", "sll-logistique.fr", "FR"),
    ("Al Noor Trading LLC", "alnoor-trading.ae", "AE"),
    ("Contoso Pharmaceuticals", "contosopharma.com", "US"),
    ("Fabrikam Residences", "fabrikamresidences.com", "US"),
    ("Northwind Health", "northwindhealth.com", "US"),
    ("Best For You Organics", "bestforyouorganics.com", "US"),
    ("Olympia Logistics", "olympia-logistics.eu", "ES"),
    ("Sakura Denki Co., Ltd.", "sakura-denki.co.jp", "JP"),
)
PRODUCTS = (
    "Cloud Platform — Enterprise, 250 seats",
    "Backup & Recovery, 40 TB",
    "Security Suite Premium",
    "Analytics Add-on, 3-year term",
    "Managed Kubernetes, 12 nodes",
    "Cloud Platform — Business, 80 seats",
    "Professional services: migration",
)
CONTACTS = (
    "Jordan Lee",
    "Priya Patel",
    "Lukas Weber",
    "Camille Martin",
    "Kenji Sato",
    "Sofia García",
    "Omar Haddad",
    "Emma Brown",
)

# (status, days since first submission (or creation for drafts), amount, note)
SCENARIOS: tuple[tuple[str, int, int, str], ...] = (
    (WON, 300, 420_000, ""),
    (WON, 190, 310_000, ""),
    (WON, 75, 185_000, ""),
    (APPROVED, 80, 96_000, ""),  # expires soon: reminder due
    (APPROVED, 20, 240_000, ""),
    (UNDER_REVIEW, 4, 150_000, ""),
    (SUBMITTED, 1, 64_000, ""),
    (
        RETURNED,
        6,
        38_000,
        "Please add the customer's purchasing contact and the expected seat count.",
    ),
    (
        REJECTED,
        40,
        22_000,
        "The customer already buys directly from us under an enterprise agreement.",
    ),
    (LOST, 150, 75_000, ""),
    (EXPIRED, 200, 55_000, ""),
    (WITHDRAWN, 30, 18_000, "The customer postponed the project to next year."),
    (DRAFT, 0, 45_000, ""),
)
SCALE = (
    Decimal("1.0"),
    Decimal("0.6"),
    Decimal("0.55"),
    Decimal("0.3"),
    Decimal("0.2"),
    Decimal("0.1"),
)


def seed(demo: api.DemoSeed) -> None:
    program = api.session.get(api.Program, demo.program_id)
    currency = program.currency if program else "USD"
    settings = service.settings_for(demo.program_id)
    tenant = api.session.get(api.Tenant, demo.tenant_id)
    tz = sla.zone(tenant.timezone if tenant else "UTC")
    users = api.session.scalars(
        select(api.User).where(api.User.id.in_(list(demo.users.values())))
    ).all()
    manager = next((u for u in users if u.role == api.Role.CHANNEL_MANAGER), None) or next(
        u for u in users if u.role == api.Role.VENDOR_ADMIN
    )
    now = api.utcnow().replace(minute=0, second=0, microsecond=0)
    rng = demo.rng
    partner_ids = list(demo.partners.values())
    partners = {
        p.id: p
        for p in api.session.scalars(select(api.Partner).where(api.Partner.id.in_(partner_ids)))
    }
    people = {pid: [u for u in users if u.partner_id == pid] for pid in partner_ids}
    created: list[Deal] = []
    customer_no = 0
    for index, partner_id in enumerate(partner_ids):
        partner = partners[partner_id]
        staff = people[partner_id]
        admin = next((u for u in staff if u.role == api.Role.PARTNER_ADMIN), staff[0])
        sales = next((u for u in staff if u.role == api.Role.PARTNER_USER), admin)
        scale = SCALE[min(index, len(SCALE) - 1)]
        discount = service.decimal_pct(api.tier_benefit(partner.tier_id, "deal_discount_pct", 0))
        scenarios = SCENARIOS if index < 3 else SCENARIOS[2:9] + SCENARIOS[11:]
        for n, (status, days, amount, note) in enumerate(scenarios):
            name, domain, country = _customer(customer_no)
            customer_no += 1
            owner = sales if n % 2 else admin
            value = (
                Decimal(amount) * scale * Decimal(str(round(rng.uniform(0.85, 1.15), 2)))
            ).quantize(Decimal("1000"))
            deal = _deal(
                partner, owner, name, domain, country, max(value, Decimal("5000")), currency, rng
            )
            api.session.add(deal)
            api.session.flush()
            if status == UNDER_REVIEW:
                days = (4, 1, 2, 6, 1, 3)[index % 6]  # some overdue, most not
            _history(
                deal,
                status,
                days,
                note,
                owner,
                manager,
                now,
                settings,
                tz,
                discount,
                extension=index < 2,
            )
            created.append(deal)
    # the live conflict: the first two partners both registered Woodgrove Bank
    if len(partner_ids) >= 2:
        first, second = partners[partner_ids[0]], partners[partner_ids[1]]
        for partner, days, status, contact in (
            (first, 3, UNDER_REVIEW, "Jordan Lee"),
            (second, 1, SUBMITTED, "Priya Patel"),
        ):
            staff = people[partner.id]
            owner = next((u for u in staff if u.role == api.Role.PARTNER_USER), staff[0])
            deal = _deal(
                partner,
                owner,
                "Woodgrove Bank",
                "woodgrovebank.com",
                "US",
                Decimal("128000") if days == 3 else Decimal("135000"),
                currency,
                rng,
            )
            deal.contact_name = contact
            deal.contact_email = f"{contact.split()[0].lower()}@woodgrovebank.com"
            deal.customer_website = (
                "https://www.woodgrovebank.com" if days == 3 else "it.woodgrovebank.com"
            )
            deal.products = PRODUCTS[2]
            api.session.add(deal)
            api.session.flush()
            _history(deal, status, days, "", owner, manager, now, settings, tz, Decimal("0"))
            created.append(deal)
    # conflicts are detected in submission order, like the real thing
    for deal in sorted(
        (d for d in created if d.submitted_at), key=lambda d: (d.submitted_at, d.id)
    ):
        if deal.status in (SUBMITTED, UNDER_REVIEW, RETURNED, APPROVED):
            service.detect_conflicts(deal)
    api.session.flush()


_PREFIXES = (
    "Northgate",
    "Silverline",
    "Redwood",
    "Bluewater",
    "Ironbridge",
    "Brightpath",
    "Clearview",
    "Summit",
    "Harborview",
    "Evergreen",
    "Pinecrest",
    "Stonefield",
)
_SECTORS = (
    ("Logistics", "US"),
    ("Health Partners", "GB"),
    ("Manufacturing", "DE"),
    ("Retail Group", "US"),
    ("Energy", "FR"),
    ("Insurance", "US"),
    ("Foods", "ES"),
)


def _customer(n: int) -> tuple[str, str, str]:
    """A distinct fictional customer for each number (no accidental conflicts)."""
    if n < len(CUSTOMERS):
        return CUSTOMERS[n]
    k = n - len(CUSTOMERS)
    prefix = _PREFIXES[k % len(_PREFIXES)]
    sector, country = _SECTORS[(k // len(_PREFIXES)) % len(_SECTORS)]
    return f"{prefix} {sector}", f"{prefix}{sector.split()[0]}.com".lower(), country


def _deal(
    partner: Any,
    owner: Any,
    name: str,
    domain: str,
    country: str,
    amount: Decimal,
    currency: str,
    rng: Any,
) -> Deal:
    contact = rng.choice(CONTACTS)
    deal = Deal(
        program_id=partner.program_id,
        partner_id=partner.id,
        created_by_id=owner.id,
        owner_id=owner.id,
        status=DRAFT,
        customer_name=name,
        customer_website=f"www.{domain}",
        country=country,
        contact_name=contact,
        contact_email=f"{contact.split()[0].lower()}@{domain}",
        contact_phone=f"+1 555 01{rng.randint(10, 99)}",
        products=rng.choice(PRODUCTS),
        amount=amount,
        currency=currency,
        notes="",
    )
    deal.customer_domain = api.registrable_domain(domain)
    deal.name_key = api.name_block_key(name)
    return deal


def _t(
    deal: Deal,
    event: str,
    frm: str | None,
    to: str,
    actor: api.User | None,
    at: dt.datetime,
    reason: str = "",
) -> None:
    service.record_transition(deal, event, actor, frm, reason, at=at, to_status=to)


def _history(
    deal: Deal,
    status: str,
    days: int,
    note: str,
    owner: Any,
    manager: Any,
    now: dt.datetime,
    settings: service.Settings,
    tz: dt.tzinfo,
    discount: Decimal,
    *,
    extension: bool = False,
) -> None:
    start = now - dt.timedelta(days=days, hours=3)
    deal.created_at = start - dt.timedelta(hours=2)
    deal.expected_close_date = (now + dt.timedelta(days=45 + days % 40)).date()
    _t(deal, "created", None, DRAFT, owner, deal.created_at)
    if status == DRAFT:
        deal.updated_at = deal.created_at
        return
    deal.submitted_at = deal.last_submitted_at = start
    deal.sla_due_at = sla.add_business_hours(start, settings.review_sla_hours, tz)
    _t(deal, "submitted", DRAFT, SUBMITTED, owner, start)
    deal.status = SUBMITTED
    if status == SUBMITTED:
        return
    reviewed = start + dt.timedelta(hours=5)
    _t(deal, "review_started", SUBMITTED, UNDER_REVIEW, manager, reviewed)
    deal.status = UNDER_REVIEW
    deal.reviewer_id = manager.id
    if status == UNDER_REVIEW:
        if deal.sla_due_at and deal.sla_due_at < now:
            deal.sla_breached_at = deal.sla_due_at + dt.timedelta(minutes=10)
        return
    decided = start + dt.timedelta(hours=26)
    deal.sla_due_at = None
    if status == RETURNED:
        deal.status = RETURNED
        _t(deal, "returned", UNDER_REVIEW, RETURNED, manager, decided, note)
        return
    if status == WITHDRAWN:
        deal.status = WITHDRAWN
        deal.closed_at = decided
        _t(deal, "withdrawn", UNDER_REVIEW, WITHDRAWN, owner, decided, note)
        return
    deal.decided_at = decided
    if status == REJECTED:
        deal.status = REJECTED
        _t(deal, "rejected", UNDER_REVIEW, REJECTED, manager, decided, note)
        return
    deal.status = APPROVED
    deal.approved_at = decided
    deal.discount_pct = discount
    deal.protected_until = decided + dt.timedelta(days=settings.protection_days or 90)
    _t(deal, "approved", UNDER_REVIEW, APPROVED, manager, decided)
    if status == APPROVED:
        if deal.protected_until and deal.protected_until - now < dt.timedelta(
            days=settings.reminder_days_before
        ):
            deal.expiry_reminder_sent_at = now - dt.timedelta(hours=1)
        if extension and deal.expiry_reminder_sent_at:
            api.session.flush()
            api.session.add(
                DealExtensionRequest(
                    deal_id=deal.id,
                    requested_by_id=owner.id,
                    requested_until=(deal.protected_until + dt.timedelta(days=30)).date(),
                    reason="Procurement moved the signature to next month; the customer confirmed in writing.",
                    created_at=now - dt.timedelta(minutes=40),
                )
            )
            _t(
                deal,
                "extension_requested",
                APPROVED,
                APPROVED,
                owner,
                now - dt.timedelta(minutes=40),
                "Procurement moved the signature to next month; the customer confirmed in writing.",
            )
        for key in service.customer_keys(deal):
            api.session.add(
                DealProtection(program_id=deal.program_id, customer_key=key, deal_id=deal.id)
            )
        return
    closed = min(now - dt.timedelta(days=1), decided + dt.timedelta(days=max(20, days // 2)))
    if status == EXPIRED:
        closed = deal.protected_until or closed
    deal.status = status
    deal.closed_at = closed
    _t(deal, status, APPROVED, status, owner if status in (WON, LOST) else None, closed)
