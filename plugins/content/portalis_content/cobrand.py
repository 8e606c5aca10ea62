"""Co-branded PDFs: the partner's name and contact details stamped into zones the vendor
defined (page, x, y, width, height in PDF points from the page's bottom-left corner).

Each zone is drawn by reportlab on a transparent overlay page of the same size and merged
onto the original page with pypdf; the text is real text (searchable, selectable), shrunk
to fit its zone. Zones on page 0 repeat on every page.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_ZONES = 6
STYLES = ("band", "box", "plain")
_FONT = "PortalisVera"
_FONT_BOLD = "PortalisVeraBold"
_CJK_FONT = "HeiseiKakuGo-W5"


@dataclass(frozen=True)
class Stamp:
    """What is printed: the partner's name and up to two contact lines."""

    name: str
    lines: tuple[str, ...]


def stamp_for(partner: Any) -> Stamp:
    contact = " · ".join(v for v in (partner.contact_email, partner.phone) if v)
    website = (partner.website or "").removeprefix("https://").removeprefix("http://")
    lines = tuple(v for v in (contact, website.rstrip("/")) if v)
    return Stamp(name=partner.name, lines=lines)


def clean_zones(raw: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Zones with numbers in range; anything malformed is dropped."""
    out: list[dict[str, Any]] = []
    for zone in raw:
        try:
            z: dict[str, Any] = {
                "page": int(zone.get("page", 0)),
                "x": float(zone["x"]),
                "y": float(zone["y"]),
                "width": float(zone["width"]),
                "height": float(zone["height"]),
                "style": str(zone.get("style") or "band"),
            }
        except (KeyError, TypeError, ValueError):
            continue
        if z["style"] not in STYLES:
            z["style"] = "band"
        if not (0 <= z["page"] <= 10_000 and 0 <= z["x"] <= 5000 and 0 <= z["y"] <= 5000):
            continue
        if not (10 <= z["width"] <= 5000 and 8 <= z["height"] <= 5000):
            continue
        out.append(z)
    return out[:MAX_ZONES]


def footer_band(page_width: float = 595.0) -> dict[str, Any]:
    """A preset: a band across the bottom of every page."""
    return {
        "page": 0,
        "x": 36.0,
        "y": 18.0,
        "width": page_width - 72.0,
        "height": 42.0,
        "style": "band",
    }


def _fonts() -> None:
    from reportlab import rl_config
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    registered = pdfmetrics.getRegisteredFontNames()
    if _FONT not in registered:
        base = Path(rl_config.__file__).resolve().parent / "fonts"
        pdfmetrics.registerFont(TTFont(_FONT, str(base / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont(_FONT_BOLD, str(base / "VeraBd.ttf")))
    if _CJK_FONT not in registered:
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont(_CJK_FONT))


def _font_for(text: str, bold: bool) -> str:
    if any(ord(ch) > 0x2E7F for ch in text):
        return _CJK_FONT
    return _FONT_BOLD if bold else _FONT


def _draw_zone(canvas: Any, zone: Mapping[str, Any], stamp: Stamp) -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    x, y, w, h = zone["x"], zone["y"], zone["width"], zone["height"]
    style = zone.get("style", "band")
    if style in ("band", "box"):
        canvas.setFillColorRGB(1, 1, 1)
        canvas.setStrokeColorRGB(0.75, 0.77, 0.8)
        canvas.setLineWidth(0.6)
        canvas.rect(x, y, w, h, stroke=1 if style == "box" else 0, fill=1)
        if style == "band":
            canvas.line(x, y + h, x + w, y + h)
    pad = min(6.0, h / 6, w / 10)
    lines = [(stamp.name, True), *((line, False) for line in stamp.lines)]
    # drop contact lines until the name is still readable
    while True:
        size = (h - 2 * pad) / (len(lines) * 1.25 + 0.1)
        size = min(size, 14.0)
        widest = max(
            stringWidth(text, _font_for(text, bold), 1) * (1.0 if bold else 0.85)
            for text, bold in lines
        )
        if widest > 0:
            size = min(size, (w - 2 * pad) / widest)
        if size >= 5.5 or len(lines) == 1:
            break
        lines.pop()
    size = max(size, 4.0)
    total = sum(size * (1.0 if bold else 0.85) * 1.25 for _t, bold in lines)
    cursor = y + (h + total) / 2
    canvas.setFillColorRGB(0.1, 0.12, 0.16)
    for text, bold in lines:
        fs = size * (1.0 if bold else 0.85)
        cursor -= fs * 1.25
        canvas.setFont(_font_for(text, bold), fs)
        canvas.drawString(x + pad, cursor + fs * 0.25, text)


def cobrand_pdf(source: Path, zones: list[dict[str, Any]], stamp: Stamp) -> bytes:
    """The PDF at ``source`` with ``stamp`` drawn into ``zones``; the file is untouched."""
    from pypdf import PdfReader, PdfWriter
    from reportlab.pdfgen.canvas import Canvas

    _fonts()
    reader = PdfReader(str(source), strict=False)
    writer = PdfWriter(clone_from=reader)
    zones = clean_zones(zones)
    for index, page in enumerate(writer.pages, start=1):
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        # no zones defined: a footer band across every page
        mine = [z for z in zones if z["page"] in (0, index)] if zones else [footer_band(width)]
        if not mine:
            continue
        buf = io.BytesIO()
        canvas = Canvas(buf, pagesize=(width, height))
        for zone in mine:
            _draw_zone(canvas, zone, stamp)
        canvas.showPage()
        canvas.save()
        overlay = PdfReader(io.BytesIO(buf.getvalue())).pages[0]
        page.merge_translated_page(overlay, float(box.left), float(box.bottom), over=True)
    writer.add_metadata({"/Subject": f"Prepared for {stamp.name}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
