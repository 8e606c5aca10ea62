"""Tenant settings: brand, theme, languages. Branding is data, never templates."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_babel import format_decimal

from ... import audit, branding
from ...db import db
from ...i18n import SHIPPED_LOCALES, locale_display_name
from ...i18n import gettext as _
from ...uploads import UploadError, path_of, store_image
from ..access import vendor_admin
from ..fields import select_choices
from ..forms import FONT_STACKS, TenantSettingsForm
from ..rendering import page
from .blueprint import bp

LINK = re.compile(r"^\s*(?P<label>[^|]{1,60}?)\s*\|\s*(?P<url>https?://[^\s|]{1,300})\s*$")


def contrast_warnings(primary: str, accent: str) -> list[str]:
    """Colour pairs under WCAG AA (4.5:1 for text), with the measured ratio."""
    warnings = []
    text_on = branding.best_text_on(primary) if branding.COLOR.match(primary or "") else None
    if text_on:
        ratio = branding.contrast_ratio(text_on, primary)
        if ratio < 4.5:
            warnings.append(
                _(
                    "Text on the primary colour has a contrast of %(ratio)s:1; WCAG AA needs 4.5:1.",
                    ratio=format_decimal(ratio),
                )
            )
    for name, colour in ((_("Primary colour"), primary), (_("Accent colour"), accent)):
        if branding.COLOR.match(colour or ""):
            ratio = branding.contrast_ratio(colour, "#ffffff")
            if ratio < 3:
                warnings.append(
                    _(
                        "%(name)s on white has a contrast of %(ratio)s:1; links and buttons need at least 3:1.",
                        name=name,
                        ratio=format_decimal(ratio),
                    )
                )
    return warnings


def parse_footer_links(text: str) -> tuple[list[dict[str, str]], list[str]]:
    links, bad = [], []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        m = LINK.match(line)
        if m:
            links.append({"label": m["label"], "url": m["url"]})
        else:
            bad.append(line.strip()[:80])
    return links, bad


def _font_key(stack: str | None) -> str:
    return next((k for k, v in FONT_STACKS.items() if v == stack), "system")


@bp.route("/settings", methods=["GET", "POST"])
@vendor_admin
def settings() -> Any:
    tenant = g.tenant
    themes = current_app.extensions["portalis_themes"]
    b = tenant.branding or {}
    form = TenantSettingsForm(
        portal_name=b.get("portal_name") or tenant.name,
        theme=tenant.theme,
        brand_primary=b.get("brand_primary", "#4f46e5"),
        brand_accent=b.get("brand_accent", "#0ea5e9"),
        default_locale=tenant.default_locale,
        allowed_locales=tenant.allowed_locales,
        timezone=tenant.timezone,
        currency=tenant.currency,
        font=_font_key(b.get("brand_font")),
        signin_text=b.get("signin_text", ""),
        footer_links="\n".join(
            f"{link['label']} | {link['url']}" for link in b.get("footer_links", [])
        ),
        email_header=b.get("email_header", ""),
        email_footer=b.get("email_footer", ""),
    )
    form.theme.choices = select_choices(
        (n, themes.manifests[n].get("title", n)) for n in themes.names()
    )
    form.default_locale.choices = select_choices(
        (c, locale_display_name(c)) for c in SHIPPED_LOCALES
    )
    form.allowed_locales.choices = select_choices(
        (c, locale_display_name(c)) for c in SHIPPED_LOCALES
    )
    form.font.choices = select_choices(
        [
            ("system", _("System (neutral)")),
            ("humanist", _("Humanist (friendly)")),
            ("geometric", _("Geometric (modern)")),
            ("grotesque", _("Grotesque (corporate)")),
            ("serif", _("Serif (classic)")),
        ]
    )
    if request.method == "POST" and form.validate():
        errors = False
        for field in (form.brand_primary, form.brand_accent):
            if not branding.COLOR.match(field.data or ""):
                field.errors.append(_("Use a colour like #1a2b3c."))
                errors = True
        if form.default_locale.data not in (form.allowed_locales.data or []):
            form.allowed_locales.errors.append(
                _("The default language must be one of the languages offered.")
            )
            errors = True
        links, bad = parse_footer_links(form.footer_links.data or "")
        if bad:
            form.footer_links.errors.append(
                _(
                    "Write each link as: label | https://address. Not understood: %(line)s",
                    line=bad[0],
                )
            )
            errors = True
        uploads: dict[str, str] = {}
        if not errors:
            for key, field in (
                ("logo_light", form.logo_light),
                ("logo_dark", form.logo_dark),
                ("favicon", form.favicon),
            ):
                file = field.data
                if file and getattr(file, "filename", ""):
                    try:
                        uploads[key] = store_image(
                            tenant.id, "branding", file.read(), allow_svg=key != "favicon"
                        ).name
                    except UploadError as exc:
                        field.errors.append(_(str(exc)))
                        errors = True
        if not errors:
            before = {
                "theme": tenant.theme,
                "branding": dict(b),
                "locales": list(tenant.allowed_locales),
            }
            new = {
                **b,
                "portal_name": form.portal_name.data.strip(),
                "brand_primary": form.brand_primary.data,
                "brand_accent": form.brand_accent.data,
                "brand_font": FONT_STACKS.get(form.font.data, FONT_STACKS["system"]),
                "signin_text": (form.signin_text.data or "").strip(),
                "footer_links": links,
                "email_header": (form.email_header.data or "").strip(),
                "email_footer": (form.email_footer.data or "").strip(),
                **uploads,
            }
            if form.remove_logos.data:
                for key in ("logo_light", "logo_dark", "favicon"):
                    new.pop(key, None)
            tenant.theme = form.theme.data
            tenant.branding = new
            tenant.default_locale = form.default_locale.data
            tenant.allowed_locales = list(form.allowed_locales.data)
            tenant.timezone = form.timezone.data
            tenant.currency = form.currency.data
            audit.record(
                "tenant.settings_updated",
                "tenant",
                tenant.id,
                before=before,
                after={"theme": tenant.theme, "branding": new, "locales": tenant.allowed_locales},
            )
            db.session.commit()
            flash(_("Settings saved. Partners see the change on their next page."), "success")
            return redirect(url_for("admin.settings"))
    warnings = contrast_warnings(form.brand_primary.data or "", form.brand_accent.data or "")
    return page(
        "admin/settings.html", form=form, warnings=warnings, status=422 if form.errors else 200
    )


@bp.route("/settings/preview", methods=["POST"])
@vendor_admin
def settings_preview() -> Any:
    """htmx live preview of colours before saving."""
    primary = request.form.get("brand_primary", "")
    accent = request.form.get("brand_accent", "")
    values = branding.effective({}, {"brand_primary": primary, "brand_accent": accent})
    return page(
        "admin/_brand_preview.html", values=values, warnings=contrast_warnings(primary, accent)
    )


def serve_brand_asset(name: str) -> Any:
    """Logos and favicons of the current tenant only; never active content."""
    tenant = g.get("tenant")
    path = path_of(tenant.id, "branding", name) if tenant else None
    if path is None:
        abort(404)
    resp = send_file(
        path, mimetype="image/svg+xml" if name.endswith(".svg") else "image/png", max_age=86400
    )
    resp.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
