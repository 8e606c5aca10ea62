"""Countries, currencies, time zones and web addresses (#11, finding 11).

Free-text boxes corrupted data quietly: "Germany" typed into a two-letter box was stored as
GE (Georgia), "United States" as UN, "acme.com" without a scheme. Every such field is now a
picker over a vocabulary named in the viewer's language, or a checked web address: anything
else is refused with a message and nothing is stored, and nothing is cut to fit.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portalis import api
from portalis.db import db
from portalis.models import Application, Partner, Program, Tenant, User
from portalis.tenancy import tenant_scope, unscoped
from portalis.web.fields import (
    COUNTRY_CODES,
    CURRENCY_CODES,
    WebsiteError,
    normalize_website,
    time_zone_names,
)


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _select(html: str, name: str) -> str:
    m = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert m, f"no <select name={name}> on the page"
    return m.group(1)


def _options(html: str, name: str) -> dict[str, str]:
    return dict(
        re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', _select(html, name))
    )


def _selected(html: str, name: str) -> str | None:
    m = re.search(
        r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected',
        _select(html, name),
    )
    return (m.group(1) or m.group(2)) if m else None


def _error_for(html: str, field: str) -> str:
    m = re.search(rf'id="{field}-error"[^>]*>([^<]+)<', html)
    return m.group(1) if m else ""


def _partners_named(world, name: str) -> list[Partner]:
    with tenant_scope(world.tenant.id):
        return list(db.session.scalars(select(Partner).where(Partner.name == name)))


def _applications_named(world, name: str) -> list[Application]:
    with tenant_scope(world.tenant.id):
        return list(db.session.scalars(select(Application).where(Application.company_name == name)))


APPLY = {"company": "Fabrikam Logistik", "name": "Jonas", "email": "jonas@fabrikam.test"}


# --- the vocabularies ----------------------------------------------------------------------------


def test_countries_are_iso_countries_not_regions_or_groupings():
    assert {"DE", "US", "GE", "JP", "SA", "BR"} <= COUNTRY_CODES
    for code in ("001", "150", "419", "EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"):
        assert code not in COUNTRY_CODES
    assert all(len(c) == 2 and c.isalpha() and c.isupper() for c in COUNTRY_CODES)
    assert 240 <= len(COUNTRY_CODES) <= 252


def test_currencies_are_the_active_iso_4217_ones():
    assert {"EUR", "USD", "JPY", "SAR", "CHF", "GBP"} <= CURRENCY_CODES
    for retired in ("DEM", "FRF", "HRK", "XXX", "XAU", "EURO", "ABC"):
        assert retired not in CURRENCY_CODES


def test_time_zones_are_iana_names():
    zones = time_zone_names()
    assert {"Europe/Berlin", "America/New_York", "Asia/Riyadh", "UTC"} <= zones
    assert "Mars/Olympus_Mons" not in zones and "localtime" not in zones


# --- web addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("acme.com", "https://acme.com"),
        ("  www.acme.com/partners  ", "https://www.acme.com/partners"),
        ("HTTP://WWW.Acme.COM/Partners?x=1", "http://www.acme.com/Partners?x=1"),
        ("https://acme.com:8443/a", "https://acme.com:8443/a"),
        ("acme.com:8080", "https://acme.com:8080"),
        ("xn--bcher-kva.example", "https://bücher.example"),
        ("bücher.example", "https://bücher.example"),
        ("https://شركة.example/", "https://شركة.example/"),
        ("", ""),
    ],
)
def test_web_addresses_are_normalised(portalis_app, typed, stored):
    with portalis_app.app_context():
        assert normalize_website(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "javascript://acme.com/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "mailto:sales@acme.com",
        "ftp://acme.com",
        "https://user:secret@acme.com",
        "sales@acme.com",
        "localhost",
        "http://localhost:5000",
        "https://127.0.0.1/",
        "acme",
        "acme .com",
        "acme.com\x00",
        "acme.com\u202e",
        "https://-acme.com",
        "https://acme.c0m",
        "https://[::1",
        "https:acme.com",
        "a" * 300 + ".com",
        "https://acme.com/" + "x" * 260,
    ],
)
def test_other_schemes_and_non_addresses_are_refused(portalis_app, typed):
    with portalis_app.app_context(), pytest.raises(WebsiteError):
        normalize_website(typed)


# --- the public application ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "germany", "united_states"),
    [
        ("de", "Deutschland", "Vereinigte Staaten"),
        ("ar", "ألمانيا", "الولايات المتحدة"),
        ("en", "Germany", "United States"),
    ],
)
def test_the_application_offers_countries_by_name_in_the_viewers_language(
    world, client_as, lang, germany, united_states
):
    html = _text(client_as(None).get("/apply", headers={"Accept-Language": lang}))
    options = _options(html, "country")
    assert options["DE"] == germany
    assert options["US"] == united_states
    assert options["GE"] != germany  # Georgia is its own entry
    assert not re.search(r'<input[^>]*name="country"', html)  # no free-text box
    assert "maxlength" not in re.search(r'<select[^>]*name="country"[^>]*>', html).group(0)
    names = [n for v, n in options.items() if v]
    assert len(names) == len(COUNTRY_CODES)
    if lang == "de":  # sorted by the localized name, umlauts with their base letter
        assert names.index("Oman") < names.index("Österreich") < names.index("Pakistan")
        assert names.index("Ägypten") < names.index("Albanien")


@pytest.mark.parametrize("typed", ["Germany", "United States", "001", "EU", "UN", "D", "DEU", "ZZ"])
def test_a_country_that_is_not_a_code_from_the_list_is_refused_and_nothing_is_stored(
    world, client_as, typed
):
    resp = client_as(None).post_form("/apply", {**APPLY, "country": typed})
    html = _text(resp)
    assert resp.status_code == 422
    assert _error_for(html, "country") in (
        "Choose a country from the list.",
        "This field is required.",
    )
    assert "Thank you for applying" not in html
    assert _applications_named(world, APPLY["company"]) == []


def test_country_and_website_are_stored_checked_and_normalised(world, client_as):
    resp = client_as(None).post_form(
        "/apply",
        {**APPLY, "country": "de", "website": "fabrikam-logistik.example/de"},
        follow_redirects=True,
    )
    assert "Thank you for applying" in _text(resp)
    (application,) = _applications_named(world, APPLY["company"])
    assert application.country == "DE"
    assert application.website == "https://fabrikam-logistik.example/de"


def test_a_dangerous_website_is_refused_with_a_message_in_the_viewers_language(world, client_as):
    resp = client_as(None).post_form(
        "/apply",
        {**APPLY, "country": "DE", "website": "javascript:alert(document.cookie)"},
        headers={"Accept-Language": "de"},
    )
    assert resp.status_code == 422
    error = _error_for(_text(resp), "website")
    assert (
        error and "https" in error and error != "Only web addresses (http or https) are accepted."
    )
    assert _applications_named(world, APPLY["company"]) == []


def test_the_website_box_reads_left_to_right_and_is_never_cut(world, client_as):
    html = _text(client_as(None).get("/apply", headers={"Accept-Language": "ar"}))
    box = re.search(r'<input[^>]*name="website"[^>]*>', html).group(0)
    assert 'dir="ltr"' in box and 'inputmode="url"' in box and "maxlength" not in box
    email = re.search(r'<input[^>]*name="email"[^>]*>', html).group(0)
    assert 'dir="ltr"' in email


# --- the partner admin ------------------------------------------------------------------------


def test_vendor_staff_add_a_partner_with_a_country_and_website_from_the_pickers(world, client_as):
    admin = client_as(world.users["vendor_admin"])
    html = _text(admin.get("/admin/partners/new", headers={"Accept-Language": "de"}))
    assert _options(html, "country")["DE"] == "Deutschland"
    form = {
        "name": "Contoso Pharma",
        "program_id": world.program.id,
        "tier_id": world.tiers["silver"].id,
        "contact_email": "sales@contoso.test",
    }
    refused = admin.post_form("/admin/partners/new", {**form, "country": "United States"})
    assert refused.status_code == 422 and _partners_named(world, "Contoso Pharma") == []
    refused = admin.post_form(
        "/admin/partners/new", {**form, "country": "US", "website": "ftp://contoso.test"}
    )
    assert refused.status_code == 422 and _partners_named(world, "Contoso Pharma") == []
    ok = admin.post_form(
        "/admin/partners/new", {**form, "country": "us", "website": "www.contoso.example"}
    )
    assert ok.status_code == 302
    (partner,) = _partners_named(world, "Contoso Pharma")
    assert (partner.country, partner.website) == ("US", "https://www.contoso.example")


# --- branding settings and programs ------------------------------------------------------------


def _settings(**overrides):
    data = {
        "portal_name": "Acme Partner Hub",
        "theme": "default",
        "brand_primary": "#123456",
        "brand_accent": "#0ea5e9",
        "default_locale": "en",
        "allowed_locales": ["en", "de", "ar"],
        "timezone": "Europe/Berlin",
        "currency": "EUR",
        "font": "system",
    }
    data.update(overrides)
    return data


def _tenant(world) -> Tenant:
    with unscoped("test reads the tenant"):
        db.session.expire_all()
        return db.session.get(Tenant, world.tenant.id)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("timezone", "Mars/Olympus_Mons"),
        ("timezone", "Berlin"),
        ("timezone", "GMT+2"),
        ("timezone", "x" * 500),
        ("currency", "EURO"),
        ("currency", "ABC"),
        ("currency", "DEM"),
        ("currency", "€"),
        ("currency", "Euro"),
    ],
)
def test_settings_refuse_an_unknown_time_zone_or_currency(world, client_as, field, value):
    before = _tenant(world)
    zone, currency = before.timezone, before.currency
    resp = client_as(world.users["vendor_admin"]).post_form(
        "/admin/settings", _settings(**{field: value})
    )
    assert resp.status_code == 422
    expected = {
        "timezone": "Choose a time zone from the list.",
        "currency": "Choose a currency from the list.",
    }[field]
    assert _error_for(_text(resp), field) == expected
    after = _tenant(world)
    assert (after.timezone, after.currency) == (zone, currency)


def test_settings_offer_localized_pickers_and_store_the_codes(world, client_as):
    admin = client_as(world.users["vendor_admin"])
    html = _text(admin.get("/admin/settings", headers={"Accept-Language": "de"}))
    zones = _options(html, "timezone")
    assert zones["Europe/Berlin"] == "Deutschland — Berlin"
    assert zones["America/New_York"] == "Vereinigte Staaten — New York"
    assert _options(html, "currency")["EUR"] == "EUR — Euro"
    assert (
        admin.post_form(
            "/admin/settings", _settings(timezone="Asia/Tokyo", currency="jpy")
        ).status_code
        == 302
    )
    tenant = _tenant(world)
    assert (tenant.timezone, tenant.currency) == ("Asia/Tokyo", "JPY")


def test_a_value_stored_before_the_pickers_is_shown_and_kept_not_rewritten(world, client_as):
    with unscoped("test stores old values"):
        tenant = db.session.get(Tenant, world.tenant.id)
        tenant.timezone, tenant.currency = "US/Eastern", "HRK"  # an alias; a retired currency
        db.session.commit()
    admin = client_as(world.users["vendor_admin"])
    html = _text(admin.get("/admin/settings"))
    assert _selected(html, "timezone") == "US/Eastern"
    assert _selected(html, "currency") == "HRK"
    resp = admin.post_form("/admin/settings", _settings(timezone="US/Eastern", currency="HRK"))
    assert resp.status_code == 302
    tenant = _tenant(world)
    assert (tenant.timezone, tenant.currency) == ("US/Eastern", "HRK")
    # …but another retired currency is not accepted in its place
    assert admin.post_form("/admin/settings", _settings(currency="DEM")).status_code == 422


def test_a_new_program_takes_a_currency_from_the_list(world, client_as):
    admin = client_as(world.users["vendor_admin"])
    form = {
        "name": "Distributors",
        "slug": "distributors",
        "tier_policy": "review",
        "tier_grace_days": "30",
    }
    assert admin.post_form("/admin/programs/new", {**form, "currency": "Dollar"}).status_code == 422
    assert admin.post_form("/admin/programs/new", {**form, "currency": "chf"}).status_code == 302
    with tenant_scope(world.tenant.id):
        program = db.session.scalars(select(Program).where(Program.slug == "distributors")).one()
        assert program.currency == "CHF"


# --- the profile ------------------------------------------------------------------------------


def test_the_profile_time_zone_is_a_localized_picker(world, client_as):
    user = world.users["gold_user"]
    client = client_as(user)
    html = _text(client.get("/profile", headers={"Accept-Language": "ar"}))
    zones = _options(html, "timezone")
    assert zones["Asia/Riyadh"] == "المملكة العربية السعودية — الرياض"
    assert zones[""]  # "the portal's time zone"
    bad = client.post_form(
        "/profile", {"name": "Gia Gold", "locale": "", "timezone": "Atlantis/Capital"}
    )
    assert bad.status_code != 302
    assert _error_for(_text(bad), "timezone") == "Choose a time zone from the list."
    good = client.post_form(
        "/profile", {"name": "Gia Gold", "locale": "", "timezone": "Asia/Riyadh"}
    )
    assert good.status_code == 302
    with tenant_scope(world.tenant.id):
        assert db.session.get(User, user.id).timezone == "Asia/Riyadh"
    client.post_form("/profile", {"name": "Gia Gold", "locale": "", "timezone": ""})
    with tenant_scope(world.tenant.id):
        db.session.expire_all()
        assert db.session.get(User, user.id).timezone is None


# --- plugins get the same fields -------------------------------------------------------------


def test_plugins_get_the_fields_from_the_api():
    for name in ("CountryField", "CurrencyField", "TimeZoneField", "WebsiteField"):
        assert name in api.__all__ and getattr(api, name)
