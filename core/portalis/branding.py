"""Branding is data turned into CSS custom properties — never uploaded templates or CSS.

Every value is validated against a strict pattern before it reaches a ``<style>`` block,
so a vendor admin can't inject CSS or markup through their colours or font names.
"""

from __future__ import annotations

import re
from typing import Any

COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
FONT = re.compile(r"^[A-Za-z0-9 ,\-\"']{1,200}$")
RADIUS = re.compile(r"^(?:\d{1,2})px$")

#: brand key -> (CSS variable, validator)
FIELDS: dict[str, tuple[str, re.Pattern[str]]] = {
    "brand_primary": ("--brand-primary", COLOR),
    "brand_accent": ("--brand-accent", COLOR),
    "brand_font": ("--brand-font", FONT),
    "brand_radius": ("--brand-radius", RADIUS),
}

FALLBACK = {
    "brand_primary": "#4f46e5",
    "brand_accent": "#0ea5e9",
    "brand_font": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    "brand_radius": "8px",
}


def valid(key: str, value: Any) -> bool:
    spec = FIELDS.get(key)
    return bool(spec and isinstance(value, str) and spec[1].match(value))


def effective(
    theme_defaults: dict[str, Any],
    tenant_branding: dict[str, Any],
    program_branding: dict[str, Any] | None = None,
) -> dict[str, str]:
    """Theme defaults < tenant settings < program overrides (logo and accent only)."""
    out = dict(FALLBACK)
    for source in (theme_defaults, tenant_branding):
        out.update({k: v for k, v in source.items() if valid(k, v)})
    if program_branding:
        out.update(
            {k: v for k, v in program_branding.items() if k in ("brand_accent",) and valid(k, v)}
        )
    out["brand_primary_contrast"] = best_text_on(out["brand_primary"])
    return out


def css(values: dict[str, str]) -> str:
    decls = [f"{FIELDS[k][0]}: {values[k]};" for k in FIELDS if k in values and valid(k, values[k])]
    contrast = values.get("brand_primary_contrast")
    if contrast and COLOR.match(contrast):
        decls.append(f"--brand-primary-contrast: {contrast};")
    return ":root { " + " ".join(decls) + " }"


def _channel(c: float) -> float:
    c = c / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def luminance(hex_color: str) -> float:
    r, g, b = _rgb(hex_color)
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG 2.x contrast ratio, 1..21."""
    la, lb = sorted((luminance(fg), luminance(bg)), reverse=True)
    return round((la + 0.05) / (lb + 0.05), 2)


def best_text_on(bg: str) -> str:
    return (
        "#ffffff" if contrast_ratio("#ffffff", bg) >= contrast_ratio("#111827", bg) else "#111827"
    )
