"""The demo world: two vendors with branded portals, four tiers, partners and users in
every role. Seeded once; plugins add their records through ``portalis_demo_data``."""

from __future__ import annotations

import random
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from .db import db
from .identity.passwords import hash_password
from .models import Partner, Program, Tenant, Tier, User
from .plugins.contract import DemoSeed
from .plugins.enablement import in_dependency_order, set_plugin
from .tenancy import tenant_scope, unscoped

DEMO_PASSWORD = "portalis-demo"  # noqa: S105 - printed on the demo banner on purpose


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    theme: str
    primary: str
    accent: str
    default_locale: str
    program: str
    partners: tuple[tuple[str, str, str, str], ...]  # name, country, tier, admin email local part
    #: the program's tier change policy: Acme moves partners automatically, Globex reviews
    tier_policy: str = "review"
    tier_grace_days: int = 30


#: The demo partners meet exactly the criteria of the tier they are seeded in (a test holds
#: this: a dry-run evaluation right after seeding moves nobody). The deals plugin's demo
#: data gives the first partner of a vendor the most won revenue, then falling by position
#: (see ``portalis_deals.demo.SCALE``); the thresholds sit well between those levels.
TIERS = (
    ("Registered", 0, "", {"deal_discount_pct": 0, "mdf_allowance": 0}, "#64748b"),
    (
        "Silver",
        1,
        "won_revenue_12m >= 25000 and approved_deals_12m >= 3",
        {"deal_discount_pct": 5, "mdf_allowance": 2000},
        "#94a3b8",
    ),
    (
        "Gold",
        2,
        "won_revenue_12m >= 250000 and approved_deals_12m >= 5",
        {"deal_discount_pct": 10, "mdf_allowance": 10000},
        "#d97706",
    ),
    (
        "Platinum",
        3,
        "won_revenue_12m >= 750000 and partner_users >= 2",
        {"deal_discount_pct": 15, "mdf_allowance": 50000},
        "#7c3aed",
    ),
)

TENANTS = (
    DemoTenant(
        "acme",
        "Acme Cloud",
        "default",
        "#4f46e5",
        "#0ea5e9",
        "en",
        "Acme Partner Network",
        (
            ("Northwind Traders", "US", "Platinum", "anna"),
            ("Contoso Systems", "GB", "Gold", "carl"),
            ("Fabrikam GmbH", "DE", "Gold", "greta"),
            ("Tailspin Consulting", "FR", "Silver", "lea"),
            ("Sakura Solutions K.K.", "JP", "Silver", "haruto"),
            ("Desert Bloom IT", "AE", "Registered", "omar"),
        ),
        tier_policy="automatic",
    ),
    DemoTenant(
        "globex",
        "Globex Security",
        "corporate",
        "#0f766e",
        "#f59e0b",
        "en",
        "Globex Partner Program",
        (
            ("Initech Solutions", "US", "Platinum", "peter"),
            ("Umbrella Networks", "GB", "Gold", "alice"),
            ("Hooli Integrators", "ES", "Gold", "sofia"),
            ("Stark Distribution", "DE", "Silver", "tony"),
        ),
        tier_policy="review",
    ),
)

LOCALE_BY_COUNTRY = {"DE": "de", "FR": "fr", "ES": "es", "JP": "ja", "AE": "ar"}

#: Company profiles of the demo partners: type, industries, countries served, languages,
#: expertise, a description and the head office (street, postcode, city). The first
#: partners of each vendor have a complete profile (logo included), the last ones a partial
#: one, so the completeness column and the "still missing" hint have something to show.
PROFILES: dict[
    str, tuple[str, list[str], list[str], list[str], list[str], str, tuple[str, ...]]
] = {
    "Northwind Traders": (
        "var",
        ["retail", "logistics"],
        ["US", "CA", "MX"],
        ["en", "es"],
        ["Cloud migration", "Data platforms", "Managed backup"],
        "Northwind resells and runs Acme Cloud for retailers and logistics companies across "
        "North America, from the first workshop to 24/7 operations.",
        ("Head office", "2200 Pike Street", "98101", "Seattle", "WA"),
    ),
    "Contoso Systems": (
        "msp",
        ["financial_services", "public_sector"],
        ["GB", "IE"],
        ["en"],
        ["Kubernetes", "Zero trust", "Compliance (ISO 27001)"],
        "Managed cloud services for banks, insurers and councils in the UK and Ireland.",
        ("London", "1 Canada Square", "E14 5AB", "London", ""),
    ),
    "Fabrikam GmbH": (
        "system_integrator",
        ["manufacturing", "automotive"],
        ["DE", "AT", "CH"],
        ["de", "en"],
        ["SAP on Acme", "Industrial IoT", "Edge computing"],
        "Fabrikam integriert Acme Cloud in Fertigung und Automobilindustrie – von der "
        "Planung bis zum Betrieb.",
        ("Zentrale", "Leopoldstraße 10", "80802", "München", "Bayern"),
    ),
    "Tailspin Consulting": (
        "consultant",
        ["healthcare"],
        ["FR", "BE"],
        ["fr"],
        ["Cloud strategy"],
        "",
        ("Paris", "", "75002", "Paris", ""),
    ),
    "Sakura Solutions K.K.": (
        "reseller",
        ["education", "technology"],
        ["JP"],
        ["ja", "en"],
        [],
        "Acme Cloud の導入と教育機関向けのサポートを提供しています。",
        (),
    ),
    "Desert Bloom IT": ("referral", [], ["AE", "SA", "QA"], ["ar", "en"], [], "", ()),
    "Initech Solutions": (
        "msp",
        ["financial_services", "technology"],
        ["US"],
        ["en"],
        ["SOC 2", "Endpoint security", "Incident response"],
        "Initech runs Globex security for mid-size banks and fintechs, with a 24/7 SOC in Austin.",
        ("HQ", "4120 Freidrich Lane", "78744", "Austin", "TX"),
    ),
    "Umbrella Networks": (
        "distributor",
        ["telecommunications"],
        ["GB", "IE", "NL"],
        ["en", "nl"],
        ["Network security", "SD-WAN"],
        "Value-added distribution of Globex products to 300 resellers in the UK, Ireland and "
        "the Benelux.",
        ("Head office", "10 Queen Street Place", "EC4R 1BE", "London", ""),
    ),
    "Hooli Integrators": (
        "system_integrator",
        ["retail", "hospitality"],
        ["ES", "PT"],
        ["es", "pt", "en"],
        ["PCI DSS", "Retail networks"],
        "",
        (),
    ),
    "Stark Distribution": ("distributor", [], ["DE"], ["de"], [], "", ()),
}


def _demo_logo(name: str, colour: str) -> bytes:
    """A small SVG logo: the company's initials on a rounded square in ``colour``."""
    initials = "".join(w[0] for w in name.split()[:2]).upper()
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" rx="14" fill="{colour}"/>'
        '<text x="32" y="41" font-family="Helvetica, Arial, sans-serif" font-size="24" '
        f'font-weight="700" fill="#ffffff" text-anchor="middle">{initials}</text></svg>'
    ).encode()


_LOGO_COLOURS = ("#2563eb", "#0f766e", "#b45309", "#7c3aed", "#be123c", "#0369a1")


def _seed_profile(tenant: Tenant, partner: Partner, position: int) -> None:
    """Fill the demo partner's company profile (see PROFILES)."""
    from .companies.profile import LOGO_KIND, profile_completeness
    from .uploads import store_image

    spec = PROFILES.get(partner.name)
    if spec is None:
        return
    kind, industries, regions, languages, expertise, description, office = spec
    partner.partner_type = kind
    partner.industries = sorted(industries)
    partner.service_regions = sorted(regions)
    partner.languages = sorted(languages)
    partner.expertise = list(expertise)
    partner.description = description
    partner.phone = f"+1 555 01{position:02d}" if partner.country == "US" else None
    if office:
        label, street, postcode, city, region = office
        partner.addresses = [
            {
                "label": label,
                "street": street,
                "postcode": postcode,
                "city": city,
                "region": region,
                "country": partner.country or "",
            }
        ]
    if position < 3:
        colour = _LOGO_COLOURS[position % len(_LOGO_COLOURS)]
        partner.logo = store_image(tenant.id, LOGO_KIND, _demo_logo(partner.name, colour)).name
        partner.phone = partner.phone or f"+44 20 7946 01{position:02d}"
    if profile_completeness(partner) >= 1.0:
        partner.profile_completed_at = partner.created_at


def seed() -> list[str]:
    """Create the demo tenants. Returns the slugs created (empty if already seeded)."""
    with unscoped("demo seeding checks which tenants exist"):
        existing = set(db.session.scalars(select(Tenant.slug)))
    created = []
    pw_hash = hash_password(DEMO_PASSWORD)
    for spec in TENANTS:
        if spec.slug in existing:
            continue
        tenant = Tenant(
            slug=spec.slug,
            name=spec.name,
            theme=spec.theme,
            default_locale=spec.default_locale,
            allowed_locales=["en", "de", "fr", "es", "ja", "ar"],
            timezone="Europe/Berlin" if spec.slug == "globex" else "America/New_York",
            currency="USD" if spec.slug == "acme" else "EUR",
            branding={
                "portal_name": f"{spec.name} Partners",
                "brand_primary": spec.primary,
                "brand_accent": spec.accent,
            },
        )
        db.session.add(tenant)
        db.session.flush()
        with tenant_scope(tenant.id):
            _seed_tenant(tenant, spec, pw_hash)
        created.append(spec.slug)
    db.session.commit()
    return created


def _seed_profile_review(program: Program, partners: dict[str, int]) -> None:
    """Globex reviews public profile changes: one waits for approval in the demo."""
    from .companies.profile_fields import DEFAULT_PUBLIC_FIELDS
    from .models import PartnerProfileChange, ProgramProfileSettings

    db.session.add(
        ProgramProfileSettings(
            program_id=program.id,
            public_fields=[*DEFAULT_PUBLIC_FIELDS, "addresses"],
            approval_required=True,
        )
    )
    partner = db.session.get(Partner, partners["Umbrella Networks"])
    if partner is None:
        return
    new = {
        "description": partner.description + " Now also in Belgium and Luxembourg.",
        "service_regions": sorted([*partner.service_regions, "BE", "LU"]),
    }
    db.session.add(
        PartnerProfileChange(
            partner_id=partner.id,
            state="pending",
            changes=new,
            previous={k: getattr(partner, k) for k in new},
        )
    )


def _seed_tenant(tenant: Tenant, spec: DemoTenant, pw_hash: str) -> None:
    domain = f"{spec.slug}.example"
    program = Program(
        slug="partners",
        name=spec.program,
        currency=tenant.currency,
        description="",
        tier_policy=spec.tier_policy,
        tier_grace_days=spec.tier_grace_days,
    )
    db.session.add(program)
    db.session.flush()
    tiers: dict[str, Tier] = {}
    for name, rank, crit, benefits, color in TIERS:
        t = Tier(
            program_id=program.id,
            name=name,
            rank=rank,
            criteria=crit,
            benefits=benefits,
            color=color,
        )
        db.session.add(t)
        tiers[name] = t
    db.session.flush()
    portal = current_app.extensions["portalis"]
    for name in in_dependency_order(p.info.name for p in portal.registry.optional):
        set_plugin(program, name, enabled=True, actor="demo")
    users: dict[str, int] = {}
    for local, name, role in (
        ("admin", "Vera Vendor", "vendor_admin"),
        ("manager", "Max Manager", "channel_manager"),
    ):
        u = User(email=f"{local}@{domain}", name=name, role=role, password_hash=pw_hash)
        db.session.add(u)
        db.session.flush()
        users[u.email] = u.id
    partners: dict[str, int] = {}
    for position, (pname, country, tier_name, admin_local) in enumerate(spec.partners):
        p = Partner(
            name=pname,
            country=country,
            program_id=program.id,
            tier_id=tiers[tier_name].id,
            website=f"https://www.{pname.split()[0].lower()}.example",
            contact_email=f"{admin_local}@{pname.split()[0].lower()}.example",
        )
        db.session.add(p)
        db.session.flush()
        _seed_profile(tenant, p, position)
        partners[pname] = p.id
        pdomain = f"{pname.split()[0].lower()}.example"
        loc = LOCALE_BY_COUNTRY.get(country)
        admin = User(
            email=f"{admin_local}@{pdomain}",
            name=admin_local.title() + " Admin",
            role="partner_admin",
            partner_id=p.id,
            password_hash=pw_hash,
            locale=loc,
        )
        member = User(
            email=f"sales@{pdomain}",
            name="Sam Sales",
            role="partner_user",
            partner_id=p.id,
            password_hash=pw_hash,
            locale=loc,
        )
        db.session.add_all([admin, member])
        db.session.flush()
        users[admin.email] = admin.id
        users[member.email] = member.id
    if spec.slug == "globex":
        _seed_profile_review(program, partners)
    demo = DemoSeed(
        tenant_id=tenant.id,
        tenant_slug=tenant.slug,
        program_id=program.id,
        tiers={k: v.id for k, v in tiers.items()},
        partners=partners,
        users=users,
        rng=random.Random(f"portalis-demo-{spec.slug}"),  # noqa: S311 - demo data, not security
    )
    portal.registry.call_all("portalis_demo_data", seed=demo)
    db.session.flush()


def logins() -> list[tuple[str, str, str]]:
    """(portal, e-mail, role) for the banner printed by scripts/serve."""
    out = []
    for spec in TENANTS:
        domain = f"{spec.slug}.example"
        out.append((spec.slug, f"admin@{domain}", "vendor admin"))
        out.append((spec.slug, f"manager@{domain}", "channel manager"))
        pname, _c, tier, local = spec.partners[0]
        out.append(
            (spec.slug, f"{local}@{pname.split()[0].lower()}.example", f"partner admin ({tier})")
        )
        out.append(
            (spec.slug, f"sales@{pname.split()[0].lower()}.example", f"partner user ({tier})")
        )
        pname, _c, tier, local = spec.partners[-1]
        out.append(
            (spec.slug, f"{local}@{pname.split()[0].lower()}.example", f"partner admin ({tier})")
        )
    return out


#: (first name, last name, language) of the people asking to join in the demo
_JOINERS = (("Nina", "Newcomer", "de"), ("Omar", "Haddad", "ar"), ("Lena", "Berg", None))


def seed_join_requests(seed: DemoSeed) -> None:
    """Pending join requests: one at the first partner's domain (its admins decide), one
    from a free-mail address and one invitation outside a partner's domain (the vendor
    decides both). Called through the core's ``portalis_demo_data``, so the demo and the
    contract kit's scenes (isolation, bad input) both have some."""
    from .models import JoinRequest

    partners = db.session.scalars(
        select(Partner).where(Partner.id.in_(seed.partners.values())).order_by(Partner.id)
    ).all()
    if not partners:
        return
    first, last = partners[0], partners[-1]
    domain = first.email_domain or f"{first.name.split()[0].lower()}.example"
    inviter = db.session.scalars(
        select(User.id).where(User.partner_id == last.id, User.role == "partner_admin")
    ).first()
    rows = [
        JoinRequest(
            email=f"{_JOINERS[0][0].lower()}.{_JOINERS[0][1].lower()}@{domain}",
            name=f"{_JOINERS[0][0]} {_JOINERS[0][1]}",
            locale=_JOINERS[0][2],
            partner_id=first.id,
            candidate_ids=[first.id],
            source="self",
        ),
        JoinRequest(
            email=f"{_JOINERS[1][0].lower()}.{_JOINERS[1][1].lower()}.{seed.tenant_slug}@gmail.com",
            name=f"{_JOINERS[1][0]} {_JOINERS[1][1]}",
            locale=_JOINERS[1][2],
            candidate_ids=[],
            source="self",
        ),
    ]
    if inviter is not None:
        rows.append(
            JoinRequest(
                email=f"{_JOINERS[2][0].lower()}.{_JOINERS[2][1].lower()}@freelance-consulting.example",
                name=f"{_JOINERS[2][0]} {_JOINERS[2][1]}",
                partner_id=last.id,
                candidate_ids=[last.id],
                source="invite",
                requested_by_id=inviter,
            )
        )
    db.session.add_all(rows)
    db.session.flush()


def seed_applications(seed: DemoSeed) -> None:
    """Partner applications in every stage, with two extra questions on the program's
    form: two new ones (one repeating the first partner's domain, so the review shows a
    possible duplicate), one being vetted, one approved (three days from application to
    approval, for the KPI) and one declined with its reason sent. Called through the
    core's ``portalis_demo_data``, so the demo and the contract kit's scenes have some."""
    import datetime as dt
    from typing import Any

    from .db import utcnow
    from .models import Application, ApplicationField

    partners = db.session.scalars(
        select(Partner).where(Partner.id.in_(seed.partners.values())).order_by(Partner.id)
    ).all()
    manager = next((uid for email, uid in seed.users.items() if email.startswith("manager@")), None)
    db.session.add_all(
        [
            ApplicationField(
                program_id=seed.program_id,
                key="vendors",
                label="Which vendors do you sell today?",
                kind="text",
                required=True,
                position=1,
            ),
            ApplicationField(
                program_id=seed.program_id,
                key="size",
                label="Company size",
                kind="choice",
                choices=["1-10", "11-50", "51-250", "250+"],
                position=2,
            ),
        ]
    )
    now = utcnow()
    slug = seed.tenant_slug

    def answers(vendors: str, size: str) -> dict[str, Any]:
        return {
            "vendors": {
                "label": "Which vendors do you sell today?",
                "kind": "text",
                "value": vendors,
            },
            "size": {"label": "Company size", "kind": "choice", "value": size},
            "_about": {
                "label": "What do you sell, and to whom?",
                "kind": "text",
                "value": "Managed networks and security for mid-sized manufacturers.",
            },
        }

    first_domain = partners[0].email_domain if partners else None
    rows = [
        Application(
            stage="new",
            company_name="Wayne Enterprises",
            website="https://www.wayne-enterprises.example",
            country="US",
            contact_name="Bruce Wayne",
            contact_email=f"bruce.{slug}@wayne-enterprises.example",
            locale="en",
            answers=answers("Cisco, Fortinet", "51-250"),
            created_at=now - dt.timedelta(hours=5),
        ),
        Application(
            stage="vetting",
            company_name="Kobayashi Systems",
            website="https://kobayashi-systems.example",
            country="JP",
            contact_name="Kobayashi Yui",
            contact_email=f"yui.{slug}@kobayashi-systems.example",
            locale="ja",
            owner_id=manager,
            answers=answers("NEC, Fujitsu", "11-50"),
            created_at=now - dt.timedelta(days=2),
        ),
        Application(
            stage="declined",
            company_name="Umbrella Trading GmbH",
            country="DE",
            contact_name="Albert Wesker",
            contact_email=f"wesker.{slug}@umbrella-trading.example",
            locale="de",
            answers=answers("—", "1-10"),
            decline_reason="We only accept resellers with a service team at the moment.",
            reason_sent=True,
            decided_by_id=manager,
            created_at=now - dt.timedelta(days=12),
            decided_at=now - dt.timedelta(days=10),
        ),
    ]
    if partners and first_domain:
        first = partners[0]
        rows.append(
            Application(
                stage="new",
                company_name=f"{first.name} Europe",
                website=f"https://eu.{first_domain}",
                country="NL",
                contact_name="Eva de Vries",
                contact_email=f"eva.{slug}@eu.{first_domain}",
                locale="en",
                answers=answers("Cisco", "11-50"),
                created_at=now - dt.timedelta(hours=20),
            )
        )
    if partners:
        last = partners[-1]
        rows.append(
            Application(
                stage="approved",
                company_name=last.name,
                website=last.website,
                country=last.country,
                contact_name="Approved Applicant",
                contact_email=f"approved.{slug}@{last.email_domain or 'example.com'}",
                locale="en",
                answers=answers("HPE", "51-250"),
                partner_id=last.id,
                decided_by_id=manager,
                created_at=now - dt.timedelta(days=40),
                decided_at=now - dt.timedelta(days=37),
            )
        )
    for row in rows:
        row.program_id = seed.program_id
        row.updated_at = row.decided_at or row.created_at
    db.session.add_all(rows)
    db.session.flush()
