"""Issue 12's acceptance, end to end in real Chromium on the seeded demo: a company applies
with the program's own questions, a channel manager reads every answer and approves it,
the new partner admin accepts the invitation, is kept out of the portal until they sign
the reseller agreement, signs it by typing their name, downloads the signed PDF (its
SHA-256 is the recorded one), completes the company profile and the first steps of the
onboarding checklist — and the dashboard then leads with the next step.

Everything happens through the pages, as the people involved would do it; the database is
only read, to find the mails the portal sent and to check what it recorded. Screenshots go
to /tmp/journey/ (the agreement and the dashboard also in Arabic), for a person to look at.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from portalis import api

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Gotham-Knight-1939"  # noqa: S105 - the new partner admin's choice
SHOTS = Path("/tmp/journey")  # noqa: S108 - for a person to look at after the run

COMPANY = "Wayne Enterprises"
CONTACT = "Bruce Wayne"
EMAIL = "bruce@wayne-enterprises.example"
ABOUT = "Security systems and managed networks for city infrastructure in Gotham."
VENDORS = "Cisco, Fortinet and Palo Alto Networks"
SIZE = "250+"
CERTIFICATE = "Wayne-reseller-certificate.pdf"


def _shot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky header lands mid-picture
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _switch_language(page, code: str, direction: str) -> None:
    """The language menu in the header, as a person uses it (it submits on change)."""
    page.select_option("#lang-select", code)
    page.wait_for_function(f"document.documentElement.dir === '{direction}'")


def _follow(page, link: str, url) -> None:
    """Click a link (the first of that name: the navigation's, whose name may end in a
    count badge: "Applications 3") and wait for its page."""
    name = re.compile(rf"^{re.escape(link)}( \d+)?$")
    page.get_by_role("link", name=name).first.click()
    page.wait_for_url(url)


def _submit(page, button: str) -> None:
    """Press a form's button and wait for the page the server answers with."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


#: The portal wraps names in bidi isolates (U+2066…U+2069); a reader never sees them.
_ISOLATES = dict.fromkeys(range(0x2066, 0x206A))


def _main(page) -> str:
    return page.locator("main").inner_text().translate(_ISOLATES)


def _flash(page) -> str:
    return " ".join(page.locator(".flash, .alert").all_inner_texts()).translate(_ISOLATES)


def _certificate_pdf(path: Path) -> Path:
    """A small, real PDF, as an applicant would attach."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.cell(0, 10, "Wayne Enterprises - certified network security reseller, 2024")
    path.write_bytes(bytes(pdf.output()))
    return path


def _logo_svg(path: Path) -> Path:
    path.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        '<rect width="64" height="64" rx="14" fill="#111827"/>'
        '<text x="32" y="41" font-family="Helvetica" font-size="24" font-weight="700" '
        'fill="#facc15" text-anchor="middle">WE</text></svg>'
    )
    return path


def _mails_to(app, email: str) -> list[tuple[str, str]]:
    """(subject, text) of every mail the portal sent to ``email``, oldest first."""
    sent = app.extensions["portalis_mail_sender"].sent
    return [(m["Subject"], m.get_body(("plain",)).get_content()) for m in sent if m["To"] == email]


def _invitation_link(app, email: str) -> str:
    links = [
        found.group(0)
        for _subject, text in _mails_to(app, email)
        if (found := re.search(r"https?://\S+/invite/\S+", text))
    ]
    assert len(links) == 1, _mails_to(app, email)
    return links[0]


def _read(app, fn):
    """Run ``fn()`` against the demo tenant's data (reading only)."""
    with app.app_context():
        with api.unscoped("the journey test finds the demo tenant"):
            tenant_id = api.session.scalar(select(api.Tenant.id).where(api.Tenant.slug == "acme"))
        try:
            with api.tenant_scope(tenant_id):
                return fn()
        finally:
            api.session.remove()


def test_a_company_applies_is_approved_signs_and_starts_onboarding(live_portal, chromium, tmp_path):
    from portalis_agreements.models import Agreement

    live, app = live_portal, live_portal.app
    SHOTS.mkdir(exist_ok=True)
    certificate = _certificate_pdf(tmp_path / CERTIFICATE)
    logo = _logo_svg(tmp_path / "wayne-logo.svg")
    agreement_page = re.compile(r"/agreements/\d+$")

    # --- 0. The vendor admin prepares the program: a file question joins the demo's two
    # questions on the application form, and the reseller agreement (which the demo
    # leaves unlocking) keeps the portal locked until it is signed.
    vendor = chromium.new_context().new_page()
    live.sign_in(vendor, "admin@acme.example")
    _follow(vendor, "Programs & tiers", "**/admin/programs")
    _follow(vendor, "Acme Partner Network", re.compile(r"/admin/programs/\d+$"))
    _follow(vendor, "Application form", "**/application-form")
    vendor.get_by_label("Question", exact=True).fill("Reseller certificate")
    vendor.get_by_label("Answer", exact=True).select_option("file")
    vendor.get_by_label("Help text", exact=True).fill("Your certificate from another vendor.")
    _submit(vendor, "Add question")
    assert "Question added. Applicants see it from now on." in _flash(vendor)
    public_link = vendor.locator("main a[href*='/apply/']").first.get_attribute("href")

    _follow(vendor, "Agreements", "**/agreements/manage/")
    _follow(vendor, "Reseller agreement", re.compile(r"/agreements/manage/\d+$"))
    vendor.get_by_label("While unsigned, lock").select_option(label="The whole portal until signed")
    _submit(vendor, "Save draft")
    assert "Draft saved." in _flash(vendor)
    vendor.context.close()

    # --- 1. Wayne Enterprises follows the program's link and applies, answering the
    # program's own questions and attaching a PDF.
    applicant = chromium.new_context().new_page()
    applicant.goto(public_link)
    applicant.get_by_label("Company name").fill(COMPANY)
    applicant.get_by_label("Country").select_option(label="United States")
    applicant.get_by_label("Website").fill("https://www.wayne-enterprises.example")
    applicant.get_by_label("Your name").fill(CONTACT)
    applicant.get_by_label("Your work e-mail").fill(EMAIL)
    applicant.get_by_label("What do you sell, and to whom?").fill(ABOUT)
    applicant.get_by_label("Which vendors do you sell today?").fill(VENDORS)
    applicant.get_by_label("Company size").select_option(SIZE)
    applicant.get_by_label("Reseller certificate").set_input_files(certificate)
    _shot(applicant, "01-application-form")
    applicant.get_by_role("button", name="Send application").click()
    applicant.wait_for_url("**/apply/thanks")
    assert "Thank you for applying" in _main(applicant)
    [(subject, _text)] = _mails_to(app, EMAIL)  # the confirmation the page promises
    assert subject == "We received your application to Acme Cloud Partners"
    applicant.context.close()

    # --- 2. The channel manager reads everything the applicant wrote, opens the
    # attachment, and approves.
    manager = chromium.new_context(accept_downloads=True).new_page()
    manager.on("dialog", lambda dialog: dialog.accept())  # "Approve Wayne Enterprises?"
    live.sign_in(manager, "manager@acme.example")
    _follow(manager, "Applications", "**/admin/applications")
    manager.locator("tr", has_text=EMAIL).get_by_role("link", name=COMPANY).click()
    manager.wait_for_url(re.compile(r"/applications/\d+$"))
    answers = manager.locator(
        "section.card", has=manager.get_by_role("heading", name="Answers")
    ).inner_text()
    for text in (ABOUT, VENDORS, SIZE, CERTIFICATE):
        assert text in answers, (text, answers)
    with manager.expect_download() as got:
        manager.get_by_role("link", name=CERTIFICATE).click()
    assert Path(got.value.path()).read_bytes() == certificate.read_bytes()
    _shot(manager, "02-application-review")
    manager.get_by_role("button", name="Approve").click()
    manager.wait_for_url(re.compile(r"/admin/partners/\d+$"))
    assert f"{COMPANY} approved; invitation sent to {EMAIL}." in _flash(manager)
    _shot(manager, "03-approved-partner")

    # --- 3. Bruce follows the invitation in his mail, chooses a password, and lands on
    # the agreement: every other page sends him back to it until he signs.
    bruce = chromium.new_context(accept_downloads=True).new_page()
    bruce.goto(_invitation_link(app, EMAIL))
    assert bruce.get_by_label("Your name").input_value() == CONTACT
    bruce.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    bruce.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    bruce.get_by_role("button", name="Join the portal").click()
    bruce.wait_for_url(agreement_page)
    locked = "Sign “Reseller agreement” to continue."
    assert locked in _flash(bruce)
    for elsewhere in ("/dashboard", "/company", "/onboarding/", "/team"):
        bruce.goto(live.url("acme", elsewhere))
        assert agreement_page.search(bruce.url), (elsewhere, bruce.url)
        assert locked in _flash(bruce)
    _shot(bruce, "04-locked-at-agreement")
    _switch_language(bruce, "ar", "rtl")  # the language menu works while locked
    assert agreement_page.search(bruce.url)
    _shot(bruce, "04-locked-at-agreement-ar")
    _switch_language(bruce, "en", "ltr")

    # --- 4. He signs by typing his name. The hash he was shown is the one recorded; the
    # signed PDF and the document as shown download with the recorded hashes.
    shown_hash = bruce.locator("code.hash").first.inner_text().strip()
    bruce.get_by_label("Your full name").fill(CONTACT)
    bruce.get_by_label("I have read this agreement and sign it on behalf of my company.").check()
    _submit(bruce, "Sign the agreement")
    assert "Signed. The signed PDF is ready to download." in _flash(bruce)
    agreement_id = int(bruce.url.rsplit("/", 1)[1])
    status, signer, document_hash, signed_hash = _read(
        app,
        lambda: api.session.execute(
            select(
                Agreement.status,
                Agreement.signer_name,
                Agreement.document_sha256,
                Agreement.signed_sha256,
            ).where(Agreement.id == agreement_id)
        ).one(),
    )
    assert (status, signer) == ("signed", CONTACT)  # awaiting Acme's counter-signature
    assert document_hash == shown_hash
    assert signed_hash in _main(bruce)
    with bruce.expect_download() as got:
        bruce.get_by_role("link", name="Download the signed PDF").click()
    signed_pdf = Path(got.value.path()).read_bytes()
    assert signed_pdf.startswith(b"%PDF")
    assert hashlib.sha256(signed_pdf).hexdigest() == signed_hash
    with bruce.expect_download() as got:
        bruce.get_by_role("link", name="The document as shown").click()
    assert hashlib.sha256(Path(got.value.path()).read_bytes()).hexdigest() == shown_hash
    _shot(bruce, "05-signed")

    _follow(bruce, "Dashboard", "**/dashboard")  # unlocked
    _shot(bruce, "06-dashboard-unlocked")

    # --- 5. He completes the company profile; at 100 % its checklist task ticks itself
    # (the core's partner.profile_completed milestone).
    _follow(bruce, "Company profile", "**/company")
    form = bruce.locator("form.company-form")
    form.get_by_label("Logo").set_input_files(logo)
    form.get_by_label("Description").fill(
        "Wayne Enterprises designs, installs and runs secure networks for Gotham's "
        "hospitals, utilities and city services."
    )
    form.get_by_label("Partner type").select_option(label="System integrator")
    form.get_by_label("Phone").fill("+1 555 0139")
    office = form.locator("fieldset.address-block").first
    office.get_by_label("Street and number").fill("1007 Mountain Drive")
    office.get_by_label("Postcode").fill("10001")
    office.get_by_label("City").fill("Gotham")
    office.get_by_label("Country").select_option(label="United States")
    form.get_by_label("United States", exact=True).check()  # countries served
    form.get_by_label("Public sector").check()
    form.get_by_label("English", exact=True).check()
    form.get_by_label("Expertise").fill("Network security, Critical infrastructure")
    _submit(bruce, "Save company profile")
    assert "Your company profile is complete. Thank you!" in _flash(bruce)
    assert "Profile 100% complete" in _main(bruce)
    _shot(bruce, "07-company-profile")

    # --- 6. The checklist: the agreement and profile steps are done by themselves; the
    # next one is his team. He invites a colleague and ticks the step.
    _follow(bruce, "Onboarding", "**/onboarding/")
    assert "2 of 5 tasks done" in _main(bruce)
    for done in ("Sign the partner agreement", "Complete your company profile"):
        assert "Done" in bruce.locator(".timeline-item", has_text=done).inner_text()
    steps = bruce.locator(".timeline-item")
    assert "Next step" in steps.first.inner_text()
    assert "Invite your sales team" in steps.first.inner_text()
    _follow(bruce, "Team", "**/team")
    invite = bruce.locator("form", has=bruce.get_by_role("button", name="Send invitation"))
    invite.get_by_label("Name").fill("Alfred Pennyworth")
    invite.get_by_label("E-mail").fill("alfred@wayne-enterprises.example")
    _submit(bruce, "Send invitation")
    assert "Invitation sent to alfred@wayne-enterprises.example." in _flash(bruce)
    _follow(bruce, "Onboarding", "**/onboarding/")
    with bruce.expect_navigation():
        bruce.locator(".timeline-item", has_text="Invite your sales team").get_by_role(
            "button", name="Mark as done"
        ).click()
    assert "“Invite your sales team” is done." in _flash(bruce)
    _shot(bruce, "08-checklist")

    # --- 7. The dashboard shows his progress, leading with the next step; the channel
    # manager sees the same on the partner list.
    _follow(bruce, "Dashboard", "**/dashboard")
    card = bruce.locator(".card", has_text="Your progress").first
    progress = card.inner_text()
    assert "3 of 5 tasks done" in progress, progress
    assert "Next step" in progress
    assert card.get_by_role("link", name="Register your first deal").count() == 1
    _shot(bruce, "09-dashboard-next-step")

    _follow(manager, "Partners", "**/admin/partners")
    row = manager.locator("tr", has_text=COMPANY).first.inner_text()
    assert "3 of 5 · next: Register your first deal" in row, row

    # --- The signed agreement and the dashboard in Arabic, through the language menu.
    bruce.goto(live.url("acme", f"/agreements/{agreement_id}"))
    _switch_language(bruce, "ar", "rtl")
    _shot(bruce, "10-agreement-signed-ar")
    _follow(bruce, "لوحة المعلومات", "**/dashboard")
    assert bruce.evaluate("document.documentElement.dir") == "rtl"
    _shot(bruce, "11-dashboard-ar")
