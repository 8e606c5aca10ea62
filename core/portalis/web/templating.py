"""What every template can use: tenant, viewer, navigation, brand CSS, formatting."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from flask import Flask, current_app, g, request, session, url_for
from flask_babel import format_date, format_datetime, format_decimal, format_percent
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .. import branding
from ..i18n import (
    current_locale,
    listing,
    locale_direction,
    locale_display_name,
    localized,
    money,
)
from ..plugins.contract import NavItem, resolve_text
from ..portal import flatten
from ..roles import role_label


def nav_items() -> dict[str, list[NavItem]]:
    viewer = g.get("viewer")
    if viewer is None or viewer.is_anonymous:
        return {}
    items = flatten(g.portal.collect("portalis_nav_items", viewer))
    sections: dict[str, list[NavItem]] = {}
    for item in sorted(items, key=lambda i: (i.order, i.label)):
        sections.setdefault(item.section, []).append(item)
    return sections


def nav_url(item: NavItem) -> str:
    try:
        return url_for(item.endpoint, **item.url_values)
    except Exception:
        return "#"


def is_active(item: NavItem) -> bool:
    try:
        return request.path == url_for(item.endpoint, **item.url_values) or (
            request.endpoint is not None
            and request.endpoint.split(".")[0] == item.endpoint.split(".")[0]
            and item.endpoint.split(".")[0] not in ("portal", "admin")
        )
    except Exception:
        return False


def brand() -> dict[str, str]:
    """Theme defaults < tenant branding < the viewer's program (logo, accent); once per request."""
    cached = g.get("portalis_brand")
    if cached is not None:
        return cached
    tenant = g.get("tenant")
    themes = current_app.extensions["portalis_themes"]
    theme = themes.manifests.get(tenant.theme if tenant else "default", themes.manifests["default"])
    tb = (tenant.branding or {}) if tenant else {}
    pb: dict[str, str] = {}
    viewer = g.get("viewer")
    if tenant is not None and viewer is not None and viewer.program_id:
        from ..db import db
        from ..models import Program

        program = db.session.get(Program, viewer.program_id)
        pb = (program.branding or {}) if program else {}
    values = branding.effective(theme.get("defaults", {}), tb, pb)
    dark = theme.get("color_scheme") == "dark"
    logo = (
        pb.get("logo")
        or (tb.get("logo_dark") if dark else tb.get("logo_light"))
        or tb.get("logo_light")
        or tb.get("logo_dark")
    )
    values["logo_url"] = url_for("brand_asset", name=logo) if logo else ""
    values["favicon_url"] = url_for("brand_asset", name=tb["favicon"]) if tb.get("favicon") else ""
    g.portalis_brand = values
    return values


def format_dt(value: dt.datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else str(format_datetime(value, fmt))


def format_d(value: dt.date | dt.datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        from flask_babel import to_user_timezone

        value = to_user_timezone(value).date()
    return str(format_date(value, fmt))


def number(value: int | float | Decimal | None) -> str:
    return "" if value is None else str(format_decimal(value))


def percent(value: float | Decimal | None) -> str:
    return "" if value is None else str(format_percent(value))


# --- text direction of user-entered values ---------------------------------------------------
# A name, e-mail address or phone number typed by a person keeps its own direction inside a
# page in any language: "Litware, Inc." must not become ".Litware, Inc" on an Arabic page,
# nor "+1 555 0150" become "0150 555 1+". See docs/translating.md.

FSI, PDI = "\u2068", "\u2069"  # first-strong isolate … pop directional isolate


def bdi(value: Any) -> Markup:
    """``{{ partner.name|bdi }}``: text of its own direction (the first strong letter
    decides), isolated from the sentence around it. Empty for ``None`` and ``""``."""
    if value is None or value == "":
        return Markup("")
    return Markup("<bdi>{}</bdi>").format(value)


def ltr(value: Any) -> Markup:
    """``{{ user.email|ltr }}``: text that always reads left to right — e-mail and web
    addresses, phone numbers, codes — isolated from the sentence around it."""
    if value is None or value == "":
        return Markup("")
    return Markup('<bdi dir="ltr">{}</bdi>').format(value)


def isolate(value: Any) -> str:
    """``{{ _("Welcome, %(name)s", name=user.name|isolate) }}``: the same isolation where
    markup can't go — inside a translated sentence, an attribute, a ``<title>`` or an
    ``<option>`` — with the Unicode isolate characters FSI … PDI."""
    if value is None or value == "":
        return ""
    return f"{FSI}{value}{PDI}"


_LATIN_SYMBOL = re.compile(r"[A-Za-z][A-Za-z.]*\$?")


def money_text(amount: Decimal | float | int | None, currency: str) -> str:
    """``money()`` for templates: on a right-to-left page a currency symbol in Latin letters
    is isolated, so "US$" doesn't turn into "$US" next to the number."""
    text = money(amount, currency)
    if text and locale_direction(current_locale()) == "rtl":
        text = _LATIN_SYMBOL.sub(lambda m: f"\u2066{m.group(0)}{PDI}", text)
    return text


def web_link(url: str | None, empty: str = "") -> Markup:
    """A stored web address as a link that opens outside the portal — only http(s)
    addresses become links; anything else stored before addresses were checked is shown
    as text. Shown without the scheme, left to right."""
    if not url:
        return Markup.escape(empty)
    text = str(url)
    lowered = text.lower()
    if lowered.startswith(("https://", "http://")):
        shown = text.split("://", 1)[1].rstrip("/")
        shown = (shown[4:] if shown.lower().startswith("www.") else shown) or text
        return Markup(
            '<a href="{}" dir="ltr" rel="noopener noreferrer nofollow" target="_blank">{}</a>'
        ).format(text, shown)
    return ltr(text)


def country_name(code: str | None) -> str:
    """A country's name in the viewer's language (an unknown code as it is). CLDR's names
    are translations too: the pseudo-locale marks them as such."""
    from ..companies.profile_fields import cldr_text
    from .fields import country_name as name

    return cldr_text(name(code))


def condition_text(condition: Any) -> str:
    """An unmet tier condition as "won_revenue_12m >= 1,000,000" with the number in the
    reader's locale (a stored ``{"metric", "op", "threshold"}``)."""
    if not isinstance(condition, dict):
        return str(condition)
    return f"{condition.get('metric')} {condition.get('op')} {number(condition.get('threshold'))}"


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        {
            "csrf_token": generate_csrf,
            "nav_items": nav_items,
            "nav_url": nav_url,
            "is_active": is_active,
            "brand": brand,
            # values are validated against strict patterns, so the CSS is safe unescaped
            "brand_css": lambda: Markup(branding.css(brand())),  # noqa: S704
            "resolve_text": resolve_text,
            "localized": localized,
            "money": money_text,
            "number": number,
            "percent": percent,
            "format_dt": format_dt,
            "format_d": format_d,
            "role_name": role_label,
            "condition_text": condition_text,
            "web_link": web_link,
            "country_name": country_name,
        }
    )
    app.jinja_env.filters.update({"bdi": bdi, "ltr": ltr, "isolate": isolate, "listing": listing})

    @app.context_processor
    def inject() -> dict[str, Any]:
        tenant = g.get("tenant")
        locale = current_locale()
        return {
            "tenant": tenant,
            "viewer": g.get("viewer"),
            "current_user_obj": g.get("user"),
            "locale": locale,
            "text_direction": locale_direction(locale),
            "html_lang": locale.replace("_", "-"),
            "available_locales": [
                (code, locale_display_name(code))
                for code in (tenant.allowed_locales if tenant else ["en"])
            ],
            "portal_name": (tenant.branding.get("portal_name") or tenant.name)
            if tenant
            else "Portalis",
            "session_locale": session.get("locale"),
            "theme_name": (tenant.theme if tenant else "default"),
        }
