"""Drive Debian's Chromium through the demo and save screenshots (see scripts/screenshots)."""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
PASSWORD = "portalis-demo"  # noqa: S105 - the demo password printed by scripts/serve
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

SHOTS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    # (tenant, user, locale, [(path, file name)])
    (
        "acme",
        "anna@northwind.example",
        "en",
        [
            ("/dashboard", "acme-partner-dashboard"),
            ("/tier", "acme-partner-tier"),
            ("/team", "acme-partner-team"),
            ("/deals/", "acme-partner-deals"),
            ("/deals/new", "acme-partner-deal-register"),
            ("/content/", "acme-partner-content"),
            ("/search/?q=backup", "acme-partner-search"),
            ("/account/password", "acme-account-password"),
            ("/company", "acme-partner-company-profile"),
            ("/onboarding/", "acme-partner-onboarding"),
            ("/agreements/", "acme-partner-agreements"),
            ("/lms/", "acme-partner-training"),
            ("/lms/my", "acme-partner-my-learning"),
            ("/lms/courses/1", "acme-partner-course"),
            ("/lms/paths/1", "acme-partner-learning-path"),
            ("/lms/certificates", "acme-partner-certificates"),
        ],
    ),
    (
        "globex",
        "peter@initech.example",
        "en",
        [("/dashboard", "globex-partner-dashboard"), ("/deals/", "globex-partner-deals")],
    ),
    (
        "acme",
        "greta@fabrikam.example",
        "de",
        [
            ("/dashboard", "acme-partner-dashboard-de"),
            ("/lms/lessons/3/quiz", "acme-partner-quiz-de"),
        ],
    ),
    (
        "acme",
        "omar@desert.example",
        "ar",
        [
            ("/dashboard", "acme-partner-dashboard-ar"),
            ("/company", "acme-partner-company-profile-ar"),
            ("/onboarding/", "acme-partner-onboarding-ar"),
            ("/lms/", "acme-partner-training-ar"),
        ],
    ),
    (
        "acme",
        "admin@acme.example",
        "en",
        [
            ("/admin/", "acme-admin-overview"),
            ("/admin/partners", "acme-admin-partners"),
            ("/admin/partners/1", "acme-admin-partner-detail"),
            ("/admin/programs/1", "acme-admin-program"),
            ("/admin/programs/1/evaluate", "acme-admin-tier-evaluation"),
            ("/admin/settings", "acme-admin-settings"),
            ("/admin/roles", "acme-admin-roles"),
            ("/admin/audit", "acme-admin-audit"),
            ("/deals/review", "acme-admin-deal-review"),
            ("/deals/review/pipeline", "acme-admin-deal-pipeline"),
            ("/content/manage/", "acme-admin-content"),
            ("/admin/applications", "acme-admin-applications"),
            ("/admin/applications/1", "acme-admin-application-review"),
            ("/admin/join-requests", "acme-admin-join-requests"),
            ("/agreements/manage/", "acme-admin-agreements"),
            ("/onboarding/manage", "acme-admin-onboarding"),
            ("/lms/manage/", "acme-admin-courses"),
            ("/lms/manage/courses/1", "acme-admin-course"),
            ("/lms/manage/paths/", "acme-admin-paths"),
            ("/lms/manage/certificates", "acme-admin-certificates"),
            ("/lms/manage/reports", "acme-admin-training-reports"),
        ],
    ),
    ("globex", "admin@globex.example", "en", [("/admin/", "globex-admin-overview")]),
    (
        "globex",
        "admin@globex.example",
        "ar",
        [
            ("/admin/roles", "globex-admin-roles-ar"),
            ("/deals/review", "globex-admin-deal-review-ar"),
        ],
    ),
]


def login(page: Page, base: str, email: str, locale: str) -> None:
    page.goto(f"{base}/login")
    if locale != "en":
        page.select_option("#lang-select", locale)
        page.wait_for_load_state("networkidle")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_load_state("networkidle")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        anon = browser.new_page(viewport={"width": 1280, "height": 800})
        anon.goto(f"http://acme.localhost:{PORT}/login")
        anon.screenshot(path=OUT / "acme-sign-in.png")
        anon.goto(f"http://globex.localhost:{PORT}/login")
        anon.screenshot(path=OUT / "globex-sign-in.png")
        anon.goto(f"http://acme.localhost:{PORT}/apply")
        anon.screenshot(path=OUT / "acme-apply.png", full_page=True)
        anon.goto(f"http://globex.localhost:{PORT}/join")
        anon.screenshot(path=OUT / "globex-join.png", full_page=True)
        for tenant, email, locale, pages in SHOTS:
            context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale)
            page = context.new_page()
            base = f"http://{tenant}.localhost:{PORT}"
            login(page, base, email, locale)
            for path, name in pages:
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=OUT / f"{name}.png", full_page=True)
                print(f"saved docs/screenshots/{name}.png")
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
