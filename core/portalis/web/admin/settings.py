from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, redirect, request, url_for

from ... import audit, branding
from ...db import db
from ...i18n import SHIPPED_LOCALES, locale_display_name
from ...i18n import gettext as _
from ..access import vendor_admin
from ..forms import TenantSettingsForm
from ..rendering import page
from . import bp


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
                    ratio=ratio,
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
                        ratio=ratio,
                    )
                )
    return warnings


@bp.route("/settings", methods=["GET", "POST"])
@vendor_admin
def settings() -> Any:
    tenant = g.tenant
    themes = current_app.extensions["portalis_themes"]
    form = TenantSettingsForm(
        portal_name=tenant.branding.get("portal_name") or tenant.name,
        theme=tenant.theme,
        brand_primary=tenant.branding.get("brand_primary", "#4f46e5"),
        brand_accent=tenant.branding.get("brand_accent", "#0ea5e9"),
        default_locale=tenant.default_locale,
        allowed_locales=tenant.allowed_locales,
        timezone=tenant.timezone,
        currency=tenant.currency,
    )
    form.theme.choices = [(n, themes.manifests[n].get("title", n)) for n in themes.names()]
    form.default_locale.choices = [(c, locale_display_name(c)) for c in SHIPPED_LOCALES]
    form.allowed_locales.choices = [(c, locale_display_name(c)) for c in SHIPPED_LOCALES]
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
        from zoneinfo import available_timezones

        if form.timezone.data not in available_timezones():
            form.timezone.errors.append(_("Unknown time zone."))
            errors = True
        if not errors:
            before = {
                "theme": tenant.theme,
                "branding": dict(tenant.branding),
                "locales": list(tenant.allowed_locales),
            }
            tenant.theme = form.theme.data
            tenant.branding = {
                **tenant.branding,
                "portal_name": form.portal_name.data.strip(),
                "brand_primary": form.brand_primary.data,
                "brand_accent": form.brand_accent.data,
            }
            tenant.default_locale = form.default_locale.data
            tenant.allowed_locales = list(form.allowed_locales.data)
            tenant.timezone = form.timezone.data
            tenant.currency = form.currency.data.upper()
            audit.record(
                "tenant.settings_updated",
                "tenant",
                tenant.id,
                before=before,
                after={
                    "theme": tenant.theme,
                    "branding": tenant.branding,
                    "locales": tenant.allowed_locales,
                },
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
        "admin/_brand_preview.html",
        values=values,
        css=branding.css(values),
        warnings=contrast_warnings(primary, accent),
    )
