"""Demo library: a few dozen items per demo tenant, with real documents.

PDFs are written with reportlab (so search finds words inside them), one Word and one
PowerPoint file with python-docx/python-pptx, plus links and pages; several languages,
version histories, tier- and company-restricted items, a scheduled and an expired item,
co-brandable PDFs and ninety days of downloads. Text is extracted synchronously here
(the demo runs in one transaction) and everything is indexed for search.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from portalis import api

from . import access, service, thumbnails
from .models import Collection, CollectionItem, Download, Folder, Item, Translation

#: A word that appears only inside the Gold pricing PDF (not in its title or description):
#: search for it as a Gold partner and as a Silver partner to see permissions at work.
GOLD_ONLY_WORD = "Quillstone"


@dataclass
class Doc:
    title: str
    description: str
    paragraphs: list[str]
    table: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Spec:
    key: str
    folder: str | None
    kind: str  # pdf, docx, pptx, link, page
    product: str
    tags: list[str]
    docs: dict[str, Doc]  # language -> document
    visibility: str = "everyone"
    tiers: tuple[str, ...] = ()
    partner_rank: int | None = None  # "partners": the n-th partner of the seed
    cobrand: str | None = None  # "footer" or "cover"
    versions: int = 1
    age_days: int = 60
    updated_days: int | None = None
    publish_in_days: int | None = None
    expired_days_ago: int | None = None
    url: str = ""
    body: dict[str, str] = field(default_factory=dict)
    color: tuple[int, int, int] = (79, 70, 229)


CASES = (
    (
        "Harbor Logistics",
        "logistics",
        "recovered 40 warehouses from a ransomware attack in four hours",
        (14, 116, 144),
    ),
    (
        "Alpenbank",
        "banking",
        "passed its regulator's retention audit with write-once storage",
        (22, 101, 52),
    ),
    (
        "Clinique Saint-Roch",
        "healthcare",
        "protects patient records across twelve sites",
        (190, 18, 60),
    ),
    (
        "Kobe Precision Works",
        "manufacturing",
        "connected 30 factories with zero-touch gateways",
        (67, 56, 202),
    ),
)


def _case_studies(vendor: str) -> list[Spec]:
    """Customer stories: customer-facing PDFs, co-brandable, several in more languages."""
    out = []
    for n, (customer, industry, result, color) in enumerate(CASES):
        docs = {
            "en": Doc(
                f"Case study: {customer}",
                f"How a {industry} company {result}.",
                [
                    f"{customer} {result} with {vendor}.",
                    "The challenge: legacy tools, a small IT team and growing pressure from auditors and insurers.",
                    "The solution was rolled out by a certified local partner in less than a month.",
                    "The result: measurable savings in the first year and a recovery plan the board understands.",
                ],
                [
                    ("Industry", industry.title()),
                    ("Rollout", "4 weeks"),
                    ("Partner", "certified reseller"),
                ],
            )
        }
        if n % 2 == 0:
            docs["de"] = Doc(
                f"Fallstudie: {customer}",
                "Wie ein Kunde mit unserer Lösung Zeit und Kosten spart.",
                [
                    f"{customer} setzt auf {vendor}.",
                    "Die Einführung dauerte weniger als einen Monat.",
                ],
            )
        if n == 2:
            docs["fr"] = Doc(
                f"Étude de cas : {customer}",
                "Comment un établissement de santé protège ses données.",
                [f"{customer} protège les dossiers des patients de douze sites avec {vendor}."],
            )
        if n == 3:
            docs["ja"] = Doc(
                f"導入事例：{customer}",
                "30の工場をゼロタッチで接続した方法。",
                [f"{customer} は {vendor} のゲートウェイで30の工場を接続しました。"],
            )
        out.append(
            Spec(
                f"case-{n}",
                "Customer stories",
                "pdf",
                "",
                ["Case study", industry.title(), "Customer-facing"],
                docs,
                cobrand="footer" if n % 2 else None,
                age_days=30 + 40 * n,
                color=color,
            )
        )
    return out


def _specs(vendor: str) -> list[Spec]:
    backup = f"{vendor} Cloud Backup"
    gateway = f"{vendor} Edge Gateway"
    vault = f"{vendor} Data Vault"
    p = Doc  # short alias
    return [
        Spec(
            "backup-datasheet",
            "Product datasheets",
            "pdf",
            backup,
            ["Datasheet", "Backup"],
            {
                "en": p(
                    f"{backup} datasheet",
                    "Features, editions and technical specifications on two pages.",
                    [
                        f"{backup} protects servers, laptops and SaaS applications with immutable, encrypted snapshots stored in three regions.",
                        "Recovery point objectives down to five minutes and instant mount of virtual machines shorten outages from hours to minutes.",
                        "Ransomware detection compares every snapshot with its predecessor and alerts on mass encryption before the damage spreads.",
                        "Editions: Essentials for small offices, Business with Microsoft 365 protection, and Enterprise with air-gapped vaults and legal hold.",
                    ],
                    [
                        ("Encryption", "AES-256 at rest, TLS 1.3 in transit"),
                        ("Retention", "7 days to 10 years"),
                        ("Regions", "EU, US, APAC"),
                        ("Certifications", "ISO 27001, SOC 2 Type II"),
                    ],
                ),
                "de": p(
                    f"{backup} Datenblatt",
                    "Funktionen, Editionen und technische Daten auf zwei Seiten.",
                    [
                        f"{backup} schützt Server, Laptops und SaaS-Anwendungen mit unveränderlichen, verschlüsselten Snapshots in drei Regionen.",
                        "Wiederherstellungspunkte bis hinunter zu fünf Minuten und das sofortige Einbinden virtueller Maschinen verkürzen Ausfälle von Stunden auf Minuten.",
                        "Die Ransomware-Erkennung vergleicht jeden Snapshot mit seinem Vorgänger und warnt bei massenhafter Verschlüsselung.",
                    ],
                    [
                        ("Verschlüsselung", "AES-256 im Ruhezustand, TLS 1.3"),
                        ("Aufbewahrung", "7 Tage bis 10 Jahre"),
                        ("Zertifizierungen", "ISO 27001, SOC 2 Typ II"),
                    ],
                ),
                "fr": p(
                    f"{backup} – fiche technique",
                    "Fonctionnalités, éditions et caractéristiques techniques en deux pages.",
                    [
                        f"{backup} protège les serveurs, les ordinateurs portables et les applications SaaS grâce à des instantanés chiffrés et immuables.",
                        "Des points de reprise toutes les cinq minutes et le montage instantané des machines virtuelles réduisent les interruptions.",
                        "La détection des rançongiciels compare chaque instantané au précédent et alerte en cas de chiffrement massif.",
                    ],
                    [
                        ("Chiffrement", "AES-256 au repos, TLS 1.3"),
                        ("Conservation", "7 jours à 10 ans"),
                    ],
                ),
                "ja": p(
                    f"{backup} データシート",
                    "機能、エディション、技術仕様を2ページにまとめました。",
                    [
                        f"{backup} は、サーバー、ノートPC、SaaSアプリケーションを暗号化された不変のスナップショットで保護します。",
                        "5分単位の復旧ポイントと仮想マシンの即時マウントにより、停止時間を数時間から数分に短縮します。",
                        "ランサムウェア検知は各スナップショットを前回と比較し、大量暗号化を早期に警告します。",
                    ],
                    [("暗号化", "AES-256、TLS 1.3"), ("保持期間", "7日から10年")],
                ),
            },
            cobrand="footer",
            versions=2,
            age_days=120,
            updated_days=6,
            color=(37, 99, 235),
        ),
        Spec(
            "gateway-datasheet",
            "Product datasheets",
            "pdf",
            gateway,
            ["Datasheet", "Networking"],
            {
                "en": p(
                    f"{gateway} datasheet",
                    "Secure branch connectivity with zero-touch deployment.",
                    [
                        f"{gateway} connects branch offices to the cloud with SD-WAN path selection, a next-generation firewall and zero-trust network access in one appliance.",
                        "Zero-touch provisioning lets a store manager plug the device in; configuration arrives from the central console within minutes.",
                        "Throughput ranges from 500 Mbit/s on the G100 to 20 Gbit/s on the G9000 with all inspection engines switched on.",
                    ],
                    [
                        ("Models", "G100, G500, G2000, G9000"),
                        ("Firewall throughput", "up to 20 Gbit/s"),
                        ("Management", "cloud console, REST API"),
                    ],
                ),
                "de": p(
                    f"{gateway} Datenblatt",
                    "Sichere Anbindung von Filialen mit Zero-Touch-Bereitstellung.",
                    [
                        f"{gateway} verbindet Filialen mit der Cloud: SD-WAN, Firewall der nächsten Generation und Zero-Trust-Zugriff in einem Gerät.",
                        "Dank Zero-Touch-Bereitstellung genügt es, das Gerät einzustecken; die Konfiguration kommt in wenigen Minuten aus der zentralen Konsole.",
                    ],
                    [("Modelle", "G100, G500, G2000, G9000")],
                ),
            },
            age_days=200,
            color=(13, 148, 136),
        ),
        Spec(
            "vault-datasheet",
            "Product datasheets",
            "pdf",
            vault,
            ["Datasheet", "Storage", "Compliance"],
            {
                "en": p(
                    f"{vault} datasheet",
                    "Object storage with compliance locks for regulated industries.",
                    [
                        f"{vault} stores petabytes of unstructured data with write-once-read-many locks that satisfy SEC 17a-4 and GDPR retention rules.",
                        "Tiering moves cold objects to archive storage automatically, cutting storage bills by up to 60 percent.",
                    ],
                    [("Durability", "eleven nines"), ("Protocols", "S3, NFS, SMB")],
                )
            },
            age_days=300,
            color=(124, 58, 237),
        ),
        Spec(
            "gold-pricing",
            "Pricing and programs",
            "pdf",
            backup,
            ["Pricing", "Gold"],
            {
                "en": p(
                    "Gold and Platinum partner price list",
                    "Partner buy prices and deal discounts for Gold and Platinum partners.",
                    [
                        f"This price list applies to Gold and Platinum partners of the {vendor} partner network from the first of this quarter.",
                        f"Volume orders above 500 seats qualify for the {GOLD_ONLY_WORD} rebate: an additional four percent back on every renewal booked within twelve months.",
                        "Registered deals approved in the portal receive the tier discount on top of the list discount; unregistered deals receive the list discount only.",
                        "Prices exclude taxes. Quotes are valid for thirty days. Contact your channel manager for multi-year terms.",
                    ],
                    [
                        ("Essentials, per seat / month", "USD 3.20"),
                        ("Business, per seat / month", "USD 5.90"),
                        ("Enterprise, per seat / month", "USD 9.40"),
                        ("Gold deal discount", "10 %"),
                        ("Platinum deal discount", "15 %"),
                    ],
                ),
                "de": p(
                    "Preisliste für Gold- und Platinum-Partner",
                    "Einkaufspreise und Deal-Rabatte für Gold- und Platinum-Partner.",
                    [
                        f"Diese Preisliste gilt für Gold- und Platinum-Partner des {vendor} Partnernetzwerks ab dem ersten Tag dieses Quartals.",
                        f"Bestellungen über 500 Lizenzen erhalten den {GOLD_ONLY_WORD}-Bonus: zusätzlich vier Prozent auf jede Verlängerung innerhalb von zwölf Monaten.",
                    ],
                    [
                        ("Essentials, pro Lizenz / Monat", "USD 3,20"),
                        ("Business, pro Lizenz / Monat", "USD 5,90"),
                    ],
                ),
            },
            visibility="tiers",
            tiers=("Gold", "Platinum"),
            cobrand="footer",
            versions=3,
            age_days=150,
            updated_days=4,
            color=(217, 119, 6),
        ),
        Spec(
            "platinum-roadmap",
            "Pricing and programs",
            "pdf",
            vault,
            ["Roadmap", "Confidential"],
            {
                "en": p(
                    "Product roadmap briefing (Platinum, under NDA)",
                    "What ships in the next three quarters. Confidential.",
                    [
                        "Next quarter: cross-region replication for the Data Vault and a native connector for Google Workspace.",
                        "In two quarters: customer-managed keys in hardware security modules and a partner API for white-label reporting.",
                        "Dates are targets, not commitments. Do not share this document with customers.",
                    ],
                )
            },
            visibility="tiers",
            tiers=("Platinum",),
            age_days=20,
            color=(109, 40, 217),
        ),
        Spec(
            "program-guide",
            "Pricing and programs",
            "pdf",
            "",
            ["Program", "Tiers"],
            {
                "en": p(
                    "Partner program guide",
                    "Tiers, benefits, requirements and how to move up.",
                    [
                        f"The {vendor} partner network has four tiers: Registered, Silver, Gold and Platinum. Your tier is evaluated every night from your deal registrations and revenue.",
                        "Silver partners receive a five percent deal discount and market development funds; Gold adds a dedicated channel manager; Platinum adds roadmap briefings.",
                        "Register every opportunity in the portal: approved registrations are protected for ninety days.",
                    ],
                    [
                        ("Silver", "3 approved deals in 12 months"),
                        ("Gold", "USD 250,000 won revenue and 5 approved deals"),
                        ("Platinum", "USD 1,000,000 won revenue and 3 certified users"),
                    ],
                ),
                "fr": p(
                    "Guide du programme partenaires",
                    "Niveaux, avantages, exigences et comment progresser.",
                    [
                        f"Le réseau de partenaires {vendor} compte quatre niveaux : Registered, Silver, Gold et Platinum.",
                        "Enregistrez chaque opportunité dans le portail : les enregistrements approuvés sont protégés pendant quatre-vingt-dix jours.",
                    ],
                ),
                "ja": p(
                    "パートナープログラムガイド",
                    "ティア、特典、要件、そしてランクアップの方法。",
                    [
                        f"{vendor} パートナーネットワークには、Registered、Silver、Gold、Platinum の4つのティアがあります。",
                        "すべての商談をポータルで登録してください。承認された登録は90日間保護されます。",
                    ],
                ),
            },
            age_days=400,
            color=(71, 85, 105),
        ),
        Spec(
            "backup-brochure",
            "Marketing campaigns",
            "pdf",
            backup,
            ["Brochure", "Customer-facing", "Co-branded"],
            {
                "en": p(
                    "Ransomware recovery in minutes — customer brochure",
                    "A customer-facing brochure, co-branded with your company's details.",
                    [
                        "One in three companies was hit by ransomware last year. Most paid, and most did not get all their data back.",
                        f"With {backup}, your data is copied every few minutes into an immutable vault that no attacker can encrypt or delete.",
                        "When the worst happens, you pick a clean snapshot and are back in business the same morning.",
                        "Ask your local partner for a free thirty-day trial and a recovery workshop.",
                    ],
                ),
                "de": p(
                    "Ransomware-Wiederherstellung in Minuten – Kundenbroschüre",
                    "Eine Broschüre für Kunden, mit Ihren Firmendaten versehen.",
                    [
                        "Jedes dritte Unternehmen wurde im letzten Jahr von Ransomware getroffen.",
                        f"Mit {backup} werden Ihre Daten alle paar Minuten in einen unveränderlichen Tresor kopiert.",
                        "Fragen Sie Ihren Partner vor Ort nach einer kostenlosen 30-Tage-Testversion.",
                    ],
                ),
            },
            cobrand="footer",
            age_days=45,
            color=(220, 38, 38),
        ),
        Spec(
            "roi-onepager",
            "Marketing campaigns",
            "pdf",
            vault,
            ["ROI", "Customer-facing", "Co-branded"],
            {
                "en": p(
                    "Storage savings one-pager",
                    "How much a customer saves with automatic tiering — with your contact box.",
                    [
                        "A typical mid-sized company stores 400 terabytes, of which 70 percent has not been read for a year.",
                        f"{vault} moves those objects to archive storage automatically and brings them back in seconds when needed.",
                        "Result: up to sixty percent lower storage cost with no change to applications.",
                    ],
                    [("Before", "USD 92,000 per year"), ("After", "USD 37,000 per year")],
                )
            },
            cobrand="cover",
            age_days=12,
            color=(5, 150, 105),
        ),
        Spec(
            "q3-launch",
            "Marketing campaigns",
            "pdf",
            gateway,
            ["Launch", "Campaign"],
            {
                "en": p(
                    "Q3 launch kit: Edge Gateway G9000",
                    "Messaging, e-mail templates and social posts for the G9000 launch.",
                    [
                        "The G9000 doubles inspection throughput. Launch messaging, e-mail templates and social posts are ready for you."
                    ],
                )
            },
            publish_in_days=10,
            age_days=3,
            color=(2, 132, 199),
        ),
        Spec(
            "spring-promo",
            "Marketing campaigns",
            "pdf",
            backup,
            ["Promotion"],
            {
                "en": p(
                    "Spring promotion: three months free",
                    "Terms of the spring promotion (ended).",
                    [
                        "New customers who signed before the end of spring received three months free on annual plans."
                    ],
                )
            },
            expired_days_ago=7,
            age_days=100,
            color=(190, 24, 93),
        ),
        Spec(
            "battlecard",
            "Sales playbooks",
            "pptx",
            gateway,
            ["Competitive", "Sales"],
            {
                "en": p(
                    "Competitive battlecard: Edge Gateway",
                    "How we win against the three most common competitors, slide by slide.",
                    [
                        "Lead with total cost of ownership: one appliance replaces router, firewall and VPN concentrator.",
                        "Objection: 'We already have a firewall.' Answer: keep it in the data centre and use the gateway in branches.",
                        "Proof point: a retailer with 800 stores rolled out in six weeks with zero-touch provisioning.",
                    ],
                )
            },
            age_days=30,
            updated_days=2,
            versions=2,
            color=(15, 118, 110),
        ),
        Spec(
            "discovery-questions",
            "Sales playbooks",
            "docx",
            backup,
            ["Discovery", "Sales"],
            {
                "en": p(
                    "Discovery call questions for backup opportunities",
                    "Twenty questions that qualify a backup opportunity in one call.",
                    [
                        "How many servers, laptops and Microsoft 365 users need protection today?",
                        "When did you last test a full restore, and how long did it take?",
                        "Who would decide, who would pay, and what happens if nothing changes this year?",
                    ],
                ),
                "de": p(
                    "Fragen für das Erstgespräch bei Backup-Chancen",
                    "Zwanzig Fragen, die eine Backup-Chance in einem Gespräch qualifizieren.",
                    [
                        "Wie viele Server, Laptops und Microsoft-365-Nutzer müssen heute geschützt werden?",
                        "Wann haben Sie zuletzt eine vollständige Wiederherstellung getestet?",
                    ],
                ),
            },
            age_days=90,
            color=(79, 70, 229),
        ),
        Spec(
            "onboarding-page",
            "Training and certification",
            "page",
            "",
            ["Onboarding"],
            {
                "en": p("Your first 30 days as a partner", "A checklist for new partners.", []),
                "fr": p(
                    "Vos 30 premiers jours de partenaire",
                    "Une liste de contrôle pour les nouveaux partenaires.",
                    [],
                ),
            },
            body={
                "en": "## Week 1\n\n- Invite your sales team to the portal\n- Complete the **Sales Foundations** course\n\n## Week 2–4\n\n1. Register your first deal\n2. Book a joint call with your channel manager\n3. Download the [program guide](#) and co-branded brochures\n",
                "fr": "## Semaine 1\n\n- Invitez votre équipe commerciale sur le portail\n- Suivez le cours **Sales Foundations**\n\n## Semaines 2 à 4\n\n1. Enregistrez votre première opportunité\n2. Planifiez un appel avec votre responsable partenaire\n",
            },
            age_days=70,
            color=(234, 88, 12),
        ),
        Spec(
            "demo-video",
            "Training and certification",
            "link",
            backup,
            ["Video", "Demo"],
            {
                "en": p(
                    f"{backup} product demo (video, 12 minutes)",
                    "A recorded walkthrough of setup, backup policies and a restore.",
                    [],
                )
            },
            url="https://video.example.com/watch/cloud-backup-demo",
            age_days=25,
            color=(30, 64, 175),
        ),
        Spec(
            "cert-path",
            "Training and certification",
            "pdf",
            "",
            ["Certification", "Training"],
            {
                "en": p(
                    "Certification paths for partner engineers",
                    "Which courses and exams lead to each certification.",
                    [
                        "Certified Backup Associate: two online courses and a forty-question exam.",
                        "Certified Security Engineer: three courses, a lab assessment and a proctored exam, renewed every two years.",
                    ],
                )
            },
            age_days=160,
            color=(100, 116, 139),
        ),
        Spec(
            "brand-page",
            "Brand assets",
            "page",
            "",
            ["Brand", "Logo"],
            {
                "en": p(
                    "Brand guidelines for partners",
                    "How to use our name and logo next to yours.",
                    [],
                )
            },
            body={
                "en": "Use the **partner badge** of your tier on your website and in proposals.\n\n| Do | Don't |\n|---|---|\n| Keep clear space around the logo | Stretch or recolour it |\n| Write the product names in full | Abbreviate them |\n",
            },
            age_days=220,
            color=(71, 85, 105),
        ),
        Spec(
            "partner-plan",
            None,
            "pdf",
            "",
            ["Account plan"],
            {
                "en": p(
                    "Joint business plan",
                    "Targets, joint activities and contacts agreed for this year.",
                    [
                        "Target: double the number of protected seats in the mid-market segment.",
                        "Joint activities: two webinars, one customer event and a co-funded campaign in the second half.",
                    ],
                )
            },
            visibility="partners",
            partner_rank=0,
            age_days=15,
            color=(147, 51, 234),
        ),
        Spec(
            "draft-whitepaper",
            "Marketing campaigns",
            "pdf",
            vault,
            ["Whitepaper"],
            {
                "en": p(
                    "Draft: data sovereignty whitepaper",
                    "Not ready yet.",
                    ["Draft text under legal review."],
                )
            },
            visibility="hidden",
            age_days=1,
            color=(148, 163, 184),
        ),
    ]


# --- file makers ----------------------------------------------------------------------------


def _pdf(doc: Doc, vendor: str, language: str, spec: Spec) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font, bold = "Helvetica", "Helvetica-Bold"
    if language == "ja":
        if "HeiseiKakuGo-W5" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
        font = bold = "HeiseiKakuGo-W5"
    r, g, b = (c / 255 for c in spec.color)
    accent = colors.Color(r, g, b)
    h1 = ParagraphStyle(
        "h1", fontName=bold, fontSize=22, leading=27, textColor=accent, spaceAfter=8
    )
    lead = ParagraphStyle(
        "lead",
        fontName=font,
        fontSize=12,
        leading=16,
        textColor=colors.HexColor("#475569"),
        spaceAfter=14,
    )
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15, spaceAfter=9)
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=54,
        rightMargin=54,
        topMargin=64,
        bottomMargin=90,
        title=doc.title,
        author=vendor,
    )

    def frame(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFillColor(accent)
        canvas.rect(0, A4[1] - 28, A4[0], 28, stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        canvas.setFont("Helvetica-Bold", 10)
        canvas.drawString(54, A4[1] - 19, vendor)
        canvas.restoreState()

    story: list[Any] = [Paragraph(doc.title, h1), Paragraph(doc.description, lead)]
    story += [Paragraph(text, body) for text in doc.paragraphs]
    if doc.table:
        story.append(Spacer(1, 8))
        table = Table(list(doc.table), colWidths=[190, 290])
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), font, 9.5),
                    ("FONT", (0, 0), (0, -1), bold, 9.5),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#cbd5e1")),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ]
            )
        )
        story.append(table)
    pdf.build(story, onFirstPage=frame, onLaterPages=frame)
    return out.getvalue()


def _docx(doc: Doc) -> bytes:
    import docx

    d = docx.Document()
    d.add_heading(doc.title, 0)
    d.add_paragraph(doc.description)
    for i, text in enumerate(doc.paragraphs, start=1):
        d.add_paragraph(f"{i}. {text}")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def _pptx(doc: Doc) -> bytes:
    from pptx import Presentation

    deck = Presentation()
    title = deck.slides.add_slide(deck.slide_layouts[0])
    title.shapes.title.text = doc.title
    title.placeholders[1].text = doc.description
    for text in doc.paragraphs:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = text.split(":")[0][:60]
        slide.placeholders[1].text = text
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _cover(title: str, label: str, color: tuple[int, int, int]) -> bytes:
    """A simple cover image for the library's cards."""
    from PIL import Image, ImageDraw, ImageFont

    w, h = 480, 270
    img = Image.new("RGB", (w, h), color)
    draw = ImageDraw.Draw(img)
    for i in range(h):  # a soft vertical gradient
        shade = int(40 * i / h)
        draw.line([(0, i), (w, i)], fill=tuple(max(0, c - shade) for c in color))
    draw.rectangle([0, h - 8, w, h], fill=(255, 255, 255))
    try:
        big = ImageFont.load_default(size=30)
        small = ImageFont.load_default(size=16)
    except TypeError:  # pragma: no cover - Pillow without FreeType
        big = small = ImageFont.load_default()
    draw.text((28, 26), label.upper(), font=small, fill=(255, 255, 255))
    y = 64
    for line in textwrap.wrap(title, 26)[:4]:
        draw.text((28, y), line, font=big, fill=(255, 255, 255))
        y += 38
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


_FILE_TYPES = {"pdf": "pdf", "docx": "docx", "pptx": "pptx"}
_LABELS = {"pdf": "PDF", "docx": "Word", "pptx": "PowerPoint", "link": "Video", "page": "Guide"}


def _zones(kind: str | None) -> list[dict[str, Any]]:
    if kind == "cover":
        return [{"page": 1, "x": 340.0, "y": 640.0, "width": 200.0, "height": 64.0, "style": "box"}]
    if kind == "footer":
        return [{"page": 0, "x": 54.0, "y": 24.0, "width": 487.0, "height": 44.0, "style": "band"}]
    return []


# --- seeding --------------------------------------------------------------------------------


def seed(s: api.DemoSeed) -> None:
    tenant = api.session.get(api.Tenant, s.tenant_id)
    vendor = tenant.name if tenant else s.tenant_slug.title()
    if vendor.endswith((" Cloud", " Security")):
        vendor = vendor.rsplit(" ", 1)[0]
    now = api.utcnow()
    rng = s.rng
    admin_id = api.session.scalar(
        select(api.User.id)
        .where(api.User.role == api.Role.VENDOR_ADMIN)
        .order_by(api.User.id)
        .limit(1)
    )
    partners = list(
        api.session.scalars(
            select(api.Partner)
            .where(api.Partner.program_id == s.program_id)
            .order_by(api.Partner.id)
        )
    )
    folders: dict[str, Folder] = {}
    for pos, (name, desc) in enumerate(
        (
            ("Product datasheets", "Specifications and editions of every product."),
            ("Sales playbooks", "Battlecards, discovery questions and objection handling."),
            ("Marketing campaigns", "Customer-facing material, many of it co-branded for you."),
            ("Pricing and programs", "Price lists, program rules and roadmap briefings."),
            ("Training and certification", "Courses, certification paths and demo videos."),
            ("Brand assets", "Logos, partner badges and how to use them."),
            ("Customer stories", "Case studies to share with prospects."),
        )
    ):
        f = Folder(name=name, description=desc, position=pos)
        api.session.add(f)
        folders[name] = f
    api.session.flush()

    items: dict[str, Item] = {}
    for spec in _specs(vendor) + _case_studies(vendor):
        created = now - dt.timedelta(days=spec.age_days, hours=rng.randint(0, 20))
        kind = spec.kind if spec.kind in ("link", "page") else "file"
        item = Item(
            program_id=s.program_id,
            folder_id=folders[spec.folder].id if spec.folder else None,
            kind=kind,
            default_language="en",
            product=spec.product,
            visibility=spec.visibility,
            cobrandable=bool(spec.cobrand),
            cobrand_zones=_zones(spec.cobrand),
            created_by_id=admin_id,
            created_at=created,
            updated_at=created,
            publish_at=now + dt.timedelta(days=spec.publish_in_days)
            if spec.publish_in_days
            else None,
            expires_at=now - dt.timedelta(days=spec.expired_days_ago)
            if spec.expired_days_ago
            else None,
        )
        api.session.add(item)
        api.session.flush()
        service.set_tags(item, spec.tags)
        tier_ids = [s.tiers[t] for t in spec.tiers if t in s.tiers]
        partner_ids = (
            [partners[spec.partner_rank].id]
            if spec.partner_rank is not None and len(partners) > spec.partner_rank
            else []
        )
        service.set_access(item, tier_ids, partner_ids)
        main_doc = spec.docs["en"]
        item.thumbnail = thumbnails.store_png(
            _cover(main_doc.title, _LABELS.get(spec.kind, "PDF"), spec.color)
        )
        for lang, doc in spec.docs.items():
            tr = Translation(
                item_id=item.id,
                language=lang,
                title=doc.title,
                description=doc.description,
                url=spec.url if kind == "link" else "",
                body=spec.body.get(lang, "") if kind == "page" else "",
                created_at=created,
                updated_at=created,
            )
            api.session.add(tr)
            api.session.flush()
            if kind != "file":
                continue
            versions = spec.versions if lang == "en" else 1
            for n in range(1, versions + 1):
                data = _make(spec, doc, vendor, lang, n, versions)
                stored = service.store_file(io.BytesIO(data))
                slug = doc.title if lang == "en" else spec.docs["en"].title
                version = service.add_version(
                    item,
                    tr,
                    stored,
                    f"{slug}.{spec.kind}",
                    user_id=admin_id,
                    note="" if n == 1 else "Updated figures",
                )
                stamp = created + dt.timedelta(days=(n - 1) * 20)
                if n == versions and n > 1 and spec.updated_days is not None:
                    stamp = now - dt.timedelta(days=spec.updated_days)
                version.created_at = stamp
                tr.updated_at = stamp
                service.extract_now(version)
        stamps = [created]
        if spec.updated_days is not None:
            stamps.append(now - dt.timedelta(days=spec.updated_days))
        item.updated_at = max(stamps)
        items[spec.key] = item
    api.session.flush()

    for pos, (title, desc, keys) in enumerate(
        (
            (
                "Ransomware campaign kit",
                "Everything for a ransomware-recovery campaign: brochure, datasheet and demo.",
                ["backup-brochure", "backup-datasheet", "demo-video", "discovery-questions"],
            ),
            (
                "New partner onboarding",
                "Start here: the program, certifications and brand rules.",
                ["onboarding-page", "program-guide", "cert-path", "brand-page"],
            ),
        )
    ):
        coll = Collection(title=title, description=desc, position=pos)
        api.session.add(coll)
        api.session.flush()
        for i, key in enumerate(keys):
            api.session.add(
                CollectionItem(collection_id=coll.id, item_id=items[key].id, position=i)
            )

    _downloads(s, items, partners, now)
    service.index_items([i.id for i in items.values()])
    api.session.flush()


def _make(spec: Spec, doc: Doc, vendor: str, lang: str, n: int, total: int) -> bytes:
    if spec.kind == "docx":
        return _docx(doc)
    if spec.kind == "pptx":
        return _pptx(doc)
    if total > 1 and n < total:  # older versions say so, and miss the newest paragraph
        older = Doc(doc.title, doc.description, doc.paragraphs[:-1] or doc.paragraphs, doc.table)
        return _pdf(older, vendor, lang, spec)
    return _pdf(doc, vendor, lang, spec)


def _downloads(
    s: api.DemoSeed, items: dict[str, Item], partners: list[Any], now: dt.datetime
) -> None:
    """Ninety days of downloads by partner users, of items they may see."""
    rng = s.rng
    users = list(
        api.session.execute(
            select(api.User.id, api.User.partner_id, api.User.locale).where(
                api.User.partner_id.is_not(None)
            )
        )
    )
    by_partner: dict[int, list[tuple[int, str | None]]] = {}
    for uid, pid, loc in users:
        if pid is not None:
            by_partner.setdefault(pid, []).append((uid, loc))
    rank = {
        tid: r
        for tid, r in api.session.execute(
            select(api.Tier.id, api.Tier.rank).where(api.Tier.program_id == s.program_id)
        )
    }
    entries = {e.item.id: e for e in service.entries(list(items.values()), None, now=now)}
    for partner in partners:
        people = by_partner.get(partner.id) or []
        if not people:
            continue
        viewer = api.Viewer(
            tenant_id=s.tenant_id,
            user_id=people[0][0],
            role=api.Role.PARTNER_USER,
            partner_id=partner.id,
            program_id=partner.program_id,
            tier_id=partner.tier_id,
            tier_rank=rank.get(partner.tier_id or 0),
        )
        visible = list(api.session.scalars(access.visible(select(Item.id), viewer, now)))
        activity = 2 + 3 * (rank.get(partner.tier_id or 0) or 0)
        for item_id in visible:
            entry = entries.get(item_id)
            if entry is None or entry.translation is None:
                continue
            for _ in range(rng.randint(0, activity)):
                uid, loc = rng.choice(people)
                tr = service.choose(entry.translations, loc, entry.item.default_language)
                when = now - dt.timedelta(days=rng.uniform(0.2, 88))
                if when < entry.item.created_at:
                    continue
                version = entry.version if tr is entry.translation else None
                api.session.add(
                    Download(
                        item_id=item_id,
                        translation_id=tr.id if tr else None,
                        version_id=version.id if version else None,
                        version_number=(
                            version.number
                            if version
                            else (1 if entry.item.kind == "file" else None)
                        ),
                        user_id=uid,
                        partner_id=partner.id,
                        language=tr.language if tr else "",
                        cobranded=bool(entry.item.cobrandable),
                        created_at=when,
                    )
                )
