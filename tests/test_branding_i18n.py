"""Branding per tenant (data, validated, instant, isolated) and localization choices."""

import io
import re

from PIL import Image
from sqlalchemy import select

from portalis.branding import contrast_ratio
from portalis.db import db
from portalis.models import Tenant
from portalis.tenancy import unscoped


def _png(w=64, h=32, color=(200, 30, 30)):
    buf = io.BytesIO()
    Image.new("RGB", (w, h), color).save(buf, format="PNG")
    return buf.getvalue()


def _settings(world, **overrides):
    data = {
        "portal_name": "Acme Partner Hub",
        "theme": "default",
        "brand_primary": "#123456",
        "brand_accent": "#0ea5e9",
        "default_locale": "en",
        "allowed_locales": ["en", "de", "ar"],
        "timezone": "Europe/Berlin",
        "currency": "EUR",
        "font": "serif",
        "footer_links": "Privacy | https://acme.example/privacy",
    }
    data.update(overrides)
    return data


def test_brand_change_applies_on_next_request_and_only_to_that_tenant(world, client_as):
    admin = client_as(world.users["vendor_admin"])
    resp = admin.post_form("/admin/settings", _settings(world))
    assert resp.status_code == 302
    page = client_as(world.users["gold_user"]).get("/dashboard").get_data(as_text=True)
    assert "--brand-primary: #123456" in page
    assert "Acme Partner Hub" in page
    assert 'href="https://acme.example/privacy"' in page
    other = client_as(world.other["users"]["gold_user"]).get("/dashboard").get_data(as_text=True)
    assert "#123456" not in other and "Acme Partner Hub" not in other


def test_branding_values_cannot_inject_css_or_markup(world, client_as):
    admin = client_as(world.users["vendor_admin"])
    resp = admin.post_form(
        "/admin/settings", _settings(world, brand_primary="red;}</style><script>alert(1)</script>")
    )
    assert resp.status_code == 422
    assert 'id="brand_primary-error"' in resp.get_data(
        as_text=True
    ) or "brand_primary" in re.findall(
        r'has-error">[^<]*<label for="(\w+)"', resp.get_data(as_text=True)
    )
    resp = admin.post_form("/admin/settings", _settings(world, brand_primary="#12345g"))
    assert "Use a colour like #1a2b3c." in resp.get_data(as_text=True)
    page = client_as(world.users["gold_user"]).get("/dashboard").get_data(as_text=True)
    assert "<script>alert(1)" not in page


def test_logo_upload_is_reencoded_and_served_without_active_content(world, client_as):
    admin = client_as(world.users["vendor_admin"])
    data = _settings(world)
    data["logo_light"] = (io.BytesIO(_png() + b"<script>trailing</script>"), "logo.png")
    resp = admin.post_form(
        "/admin/settings", data, form_page="/admin/settings", content_type="multipart/form-data"
    )
    assert resp.status_code == 302
    page = client_as(world.users["gold_user"]).get("/dashboard").get_data(as_text=True)
    src = re.search(r'class="brand-logo" src="([^"]+)"', page).group(1)
    logo = client_as(world.users["gold_user"]).get(src)
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    assert b"<script>" not in logo.data
    assert logo.headers["X-Content-Type-Options"] == "nosniff"
    # another tenant can't fetch it through its own host
    assert client_as(world.other["users"]["gold_user"]).get(src).status_code == 404


def test_svg_logo_loses_scripts_and_handlers(world, client_as):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)"><script>alert(2)</script><rect width="10" height="10" fill="#f00"/><foreignObject><p>x</p></foreignObject></svg>'
    admin = client_as(world.users["vendor_admin"])
    data = _settings(world)
    data["logo_light"] = (io.BytesIO(svg), "logo.svg")
    assert (
        admin.post_form("/admin/settings", data, content_type="multipart/form-data").status_code
        == 302
    )
    page = admin.get("/admin/").get_data(as_text=True)
    src = re.search(r'class="brand-logo" src="([^"]+)"', page).group(1)
    body = admin.get(src)
    assert b"<rect" in body.data
    assert (
        b"script" not in body.data
        and b"onload" not in body.data
        and b"foreignObject" not in body.data
    )
    assert "sandbox" in body.headers["Content-Security-Policy"]


def test_a_non_image_upload_gets_a_clear_message_and_changes_nothing(world, client_as):
    admin = client_as(world.users["vendor_admin"])
    data = _settings(world, portal_name="Should Not Save")
    data["logo_light"] = (io.BytesIO(b"%PDF-1.4 not an image"), "logo.png")
    resp = admin.post_form("/admin/settings", data, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "Upload a PNG, JPEG, GIF, WebP or SVG image." in resp.get_data(as_text=True)
    with unscoped("test reads the tenant"):
        assert (
            db.session.get(Tenant, world.tenant.id).branding.get("portal_name") != "Should Not Save"
        )


def test_low_contrast_colours_are_flagged_with_the_ratio(world, client_as):
    admin = client_as(world.users["vendor_admin"])
    resp = admin.post_form(
        "/admin/settings/preview",
        {"brand_primary": "#ffff66", "brand_accent": "#eeeeee"},
        form_page="/admin/settings",
    )
    body = resp.get_data(as_text=True)
    assert f"{contrast_ratio('#eeeeee', '#ffffff')}:1" in body


def test_locale_follows_user_choice_then_browser_then_tenant_default(world, client_as, db_session):
    user = world.users["gold_user"]
    client = client_as(user)
    assert 'lang="de"' in client.get(
        "/dashboard", headers={"Accept-Language": "de-DE,de;q=0.9"}
    ).get_data(as_text=True)
    assert 'lang="en"' in client.get("/dashboard", headers={"Accept-Language": "sv-SE"}).get_data(
        as_text=True
    )
    client.post_form("/locale", {"locale": "ar"}, form_page="/dashboard")
    page = client.get("/dashboard", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in page


def test_anonymous_language_choice_on_sign_in_page(world, client_as):
    client = client_as(None)
    client.post_form("/locale", {"locale": "ja"}, form_page="/login")
    assert 'lang="ja"' in client.get("/login").get_data(as_text=True)


def test_language_not_offered_by_the_tenant_is_refused(world, client_as):
    with unscoped("test edits a tenant"):
        db.session.get(Tenant, world.tenant.id).allowed_locales = ["en", "de"]
        db.session.commit()
    client = client_as(None)
    client.post_form("/locale", {"locale": "ja"}, form_page="/login")
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)


def test_money_is_formatted_by_babel_in_the_viewers_locale(world, client_as):
    client = client_as(world.users["gold_user"])
    en = client.get("/tier", headers={"Accept-Language": "en"}).get_data(as_text=True)
    de = client.get("/tier", headers={"Accept-Language": "de"}).get_data(as_text=True)
    # amounts keep their own currency; the locale decides separators and symbol position
    assert "$0.00" in en
    assert "0,00\xa0$" in de


def test_themes_are_layered_and_switchable_per_tenant(world, client_as):
    with unscoped("test switches a theme"):
        t = db.session.scalars(select(Tenant).where(Tenant.id == world.tenant.id)).one()
        t.theme = "corporate"
        db.session.commit()
    page = client_as(world.users["gold_user"]).get("/dashboard").get_data(as_text=True)
    assert "/theme/corporate/theme.css" in page
    assert '<meta name="color-scheme" content="dark">' in page  # the theme's block override
    assert "Gus Gold" in page  # …on top of the core layout
    other = client_as(world.other["users"]["gold_user"]).get("/dashboard").get_data(as_text=True)
    assert "/theme/default/theme.css" in other


def test_tier_names_can_be_given_per_language(world, client_as):
    admin = client_as(world.users["vendor_admin"])
    url = f"/admin/programs/{world.program.id}/tiers/{world.tiers['gold'].id}"
    crit = "partner_users >= 2"
    resp = admin.post_form(
        url,
        {
            "name": "Gold",
            "rank": 2,
            "criteria": crit,
            "color": "#d97706",
            "name_i18n-de": "Gold-Partner",
            "name_i18n-ja": "ゴールド",
        },
    )
    assert resp.status_code == 302
    client = client_as(world.users["gold_user"])
    assert "Gold-Partner" in client.get("/tier", headers={"Accept-Language": "de"}).get_data(
        as_text=True
    )
    assert "ゴールド" in client.get("/tier", headers={"Accept-Language": "ja"}).get_data(
        as_text=True
    )
    fr = client.get("/tier", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Gold-Partner" not in fr and "Gold" in fr  # falls back to the default name
