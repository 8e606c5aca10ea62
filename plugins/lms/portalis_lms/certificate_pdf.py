"""The certificate as a PDF: A4 landscape, in the holder's language, in the tenant's brand.

What it says: the tenant's name (and logo, where the branding has a PNG one), the holder,
the certification (in the holder's language where the path has that translation and its
name is still the one issued, else as issued), the issue and expiry dates (Babel, in the
holder's language and time zone), the certificate's code and a QR code to the public
verification page. A certificate that is no longer valid when downloaded says so.

Fonts: DejaVu Sans where the system has it (Latin, Greek, Cyrillic, Arabic), else
reportlab's own Vera (Latin only); Japanese, Chinese and Korean text uses the CID font
HeiseiKakuGo-W5 (not embedded: PDF readers bring it). Arabic: reportlab here has no bidi
support, so right-to-left runs are shaped with HarfBuzz (``uharfbuzz``) into DejaVu's
Arabic presentation forms and laid out in visual order by a simple bidi pass (runs of
right-to-left and left-to-right text, numbers left-to-right) — enough for names, labels
and dates. **Limits:** without DejaVu Sans (or without ``uharfbuzz``) Arabic is printed in
the tenant's default language (English if that is right-to-left too), a Latin-script name
still prints correctly; the text layer of an Arabic certificate holds presentation forms
(copy-paste gives look-alike characters).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import unicodedata
from pathlib import Path as FsPath
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import url_for

from portalis import api

from . import certification
from .models import Certificate, Path

_SANS = "LmsSans"
_SANS_BOLD = "LmsSansBold"
_CJK = "HeiseiKakuGo-W5"
_DEJAVU = FsPath("/usr/share/fonts/truetype/dejavu")
RTL_LANGUAGES = ("ar", "he", "fa", "ur")
PAGE = (842.0, 595.0)  # A4 landscape, points


def _fonts() -> None:
    from reportlab import rl_config
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    registered = pdfmetrics.getRegisteredFontNames()
    if _SANS not in registered:
        regular, bold = _DEJAVU / "DejaVuSans.ttf", _DEJAVU / "DejaVuSans-Bold.ttf"
        if not (regular.is_file() and bold.is_file()):
            base = FsPath(rl_config.__file__).resolve().parent / "fonts"
            regular, bold = base / "Vera.ttf", base / "VeraBd.ttf"
        pdfmetrics.registerFont(TTFont(_SANS, str(regular)))
        pdfmetrics.registerFont(TTFont(_SANS_BOLD, str(bold)))
    if _CJK not in registered:
        pdfmetrics.registerFont(UnicodeCIDFont(_CJK))


def _dejavu() -> FsPath | None:
    regular = _DEJAVU / "DejaVuSans.ttf"
    return regular if regular.is_file() and (_DEJAVU / "DejaVuSans-Bold.ttf").is_file() else None


def rtl_supported() -> bool:
    """Whether right-to-left text can be printed (DejaVu Sans and HarfBuzz are there)."""
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return _dejavu() is not None


@functools.lru_cache(maxsize=2)
def _shaper(bold: bool) -> tuple[Any, dict[int, int]]:
    """A HarfBuzz font of DejaVu Sans and its glyph → character map."""
    import uharfbuzz as hb
    from reportlab.pdfbase.ttfonts import TTFontFile

    path = _DEJAVU / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    font = hb.Font(hb.Face(path.read_bytes()))
    reverse: dict[int, int] = {}
    for char, glyph in sorted(TTFontFile(str(path)).charToGlyph.items()):
        # prefer the presentation forms (U+FB50…U+FEFF): they are what the shaper picks
        if glyph not in reverse or char >= 0xFB50:
            reverse[glyph] = char
    return font, reverse


def _shape_rtl(run: str, bold: bool) -> str:
    import uharfbuzz as hb

    font, reverse = _shaper(bold)
    buf = hb.Buffer()
    buf.add_str(run)
    buf.guess_segment_properties()
    buf.direction = "rtl"
    hb.shape(font, buf, {})
    return "".join(chr(reverse.get(info.codepoint, 0xFFFD)) for info in buf.glyph_infos)


def _strong(ch: str) -> str:
    kind = unicodedata.bidirectional(ch)
    if kind in ("R", "AL"):
        return "R"
    if kind in ("L", "EN", "AN"):
        return "L"
    return "N"


def visual(text: str, bold: bool = False) -> str:
    """``text`` as it must be drawn left to right: right-to-left runs shaped and
    reversed, runs ordered by the paragraph's direction (its first strong letter)."""
    kinds = [_strong(ch) for ch in text]
    if "R" not in kinds or not rtl_supported():
        return text
    base = next((k for k in kinds if k != "N"), "L")
    resolved = []
    for i, kind in enumerate(kinds):
        if kind == "N":
            before = next((k for k in reversed(kinds[:i]) if k != "N"), base)
            after = next((k for k in kinds[i + 1 :] if k != "N"), base)
            kind = before if before == after else base
        resolved.append(kind)
    runs: list[tuple[str, str]] = []
    for ch, kind in zip(text, resolved, strict=True):
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + ch)
        else:
            runs.append((kind, ch))
    drawn = [_shape_rtl(chunk, bold) if kind == "R" else chunk for kind, chunk in runs]
    return "".join(reversed(drawn) if base == "R" else drawn)


def _font(text: str, bold: bool = False) -> str:
    if any(
        0x2E80 <= ord(ch) <= 0x9FFF
        or 0xAC00 <= ord(ch) <= 0xD7AF
        or 0xF900 <= ord(ch) <= 0xFAFF
        or 0xFF00 <= ord(ch) <= 0xFFEF
        for ch in text
    ):
        return _CJK
    return _SANS_BOLD if bold else _SANS


def _rgb(color: str) -> tuple[float, float, float]:
    h = color.lstrip("#")
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    return int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255


def _is_rtl(locale: str) -> bool:
    return locale.split("_")[0].split("-")[0] in RTL_LANGUAGES


def document_locale(user: api.User | None) -> str:
    """The language the certificate is written in: the holder's (a right-to-left one only
    where it can be printed)."""
    tenant = api.current_tenant()
    fallback = (tenant.default_locale if tenant else None) or "en"
    wanted = (user.locale if user is not None else None) or fallback
    for candidate in (wanted, fallback, "en"):
        if not _is_rtl(candidate) or rtl_supported():
            return candidate
    return "en"


def _zone(user: api.User | None) -> ZoneInfo:
    tenant = api.current_tenant()
    for name in ((user.timezone if user else None), (tenant.timezone if tenant else None)):
        if name:
            try:
                return ZoneInfo(name)
            except (KeyError, ValueError, OSError):
                continue
    return ZoneInfo("UTC")


def _date(value: dt.datetime, locale: str, zone: ZoneInfo) -> str:
    try:
        return str(format_date(value.astimezone(zone).date(), format="long", locale=locale))
    except (ValueError, LookupError):
        return str(format_date(value.astimezone(zone).date(), format="long", locale="en"))


def _logo() -> Any:
    """The tenant's logo as a reportlab image reader, if the branding has a PNG one."""
    from reportlab.lib.utils import ImageReader

    tenant = api.current_tenant()
    branding = (tenant.branding or {}) if tenant else {}
    for key in ("logo_light", "logo_dark"):
        name = branding.get(key)
        if isinstance(name, str) and name.endswith(".png"):
            path = api.stored_file_path("branding", name)
            if path is not None:
                try:
                    return ImageReader(str(path))
                except Exception:  # a damaged file: the certificate goes without it
                    return None
    return None


def _fit(canvas: Any, text: str, bold: bool, size: float, max_width: float) -> tuple[str, float]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font = _font(text, bold)
    width = stringWidth(text, font, size)
    if width > max_width and width > 0:
        size = max(9.0, size * max_width / width)
    return font, size


def _centred(
    canvas: Any,
    y: float,
    text: str,
    size: float,
    *,
    bold: bool = False,
    color: tuple[float, float, float] = (0.1, 0.12, 0.16),
) -> None:
    text = visual(text, bold)
    font, size = _fit(canvas, text, bold, size, PAGE[0] - 160)
    canvas.setFont(font, size)
    canvas.setFillColorRGB(*color)
    canvas.drawCentredString(PAGE[0] / 2, y, text)


def render(cert: Certificate, now: dt.datetime | None = None) -> bytes:
    """The certificate's PDF (bytes). Needs a request context on the tenant's host (the
    verification URL); ``send``-style callers in jobs wrap it in
    ``api.tenant_request_context()``."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.pdfgen.canvas import Canvas

    from . import badges
    from .i18n import _

    _fonts()
    now = now or api.utcnow()
    user = api.session.get(api.User, cert.user_id)
    path = api.session.get(Path, cert.path_id)
    tenant = api.current_tenant()
    locale = document_locale(user)
    zone = _zone(user)
    primary_hex, accent_hex = badges.brand_colours()
    primary, accent = _rgb(primary_hex), _rgb(accent_hex)
    verify_url = url_for("lms.verify", code=cert.code, _external=True)
    status = certification.status(cert, now)

    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=PAGE, pageCompression=1)
    w, h = PAGE
    with api.force_locale(locale):
        title = (
            api.localized(cert.certification, path.certification_i18n, locale)
            if path is not None and path.certification == cert.certification
            else cert.certification
        )
        canvas.setTitle(_("Certificate: %(certification)s", certification=title))
        canvas.setAuthor(tenant.name if tenant else "")
        canvas.setSubject(cert.holder_name)
        # frame
        canvas.setStrokeColorRGB(*primary)
        canvas.setLineWidth(10)
        canvas.rect(20, 20, w - 40, h - 40)
        canvas.setStrokeColorRGB(*accent)
        canvas.setLineWidth(1.5)
        canvas.rect(34, 34, w - 68, h - 68)
        # brand
        top = h - 70
        logo = _logo()
        if logo is not None:
            iw, ih = logo.getSize()
            lh = 44.0
            lw = min(220.0, iw * lh / ih if ih else lh)
            canvas.drawImage(
                logo, (w - lw) / 2, top - lh + 10, lw, lh, mask="auto", preserveAspectRatio=True
            )
            top -= lh + 8
        if tenant is not None:
            _centred(canvas, top - 8, tenant.name, 16, bold=True, color=primary)
        # the certificate
        _centred(canvas, h - 190, _("Certificate"), 38, bold=True)
        _centred(canvas, h - 232, _("This certifies that"), 14, color=(0.35, 0.38, 0.43))
        _centred(canvas, h - 280, cert.holder_name, 32, bold=True)
        canvas.setStrokeColorRGB(*accent)
        canvas.setLineWidth(1)
        canvas.line(w / 2 - 180, h - 292, w / 2 + 180, h - 292)
        _centred(canvas, h - 322, _("has earned the certification"), 14, color=(0.35, 0.38, 0.43))
        _centred(canvas, h - 360, title, 24, bold=True, color=primary)
        # dates and code, bottom left
        lines = [
            _("Issued on %(date)s", date=_date(cert.issued_at, locale, zone)),
            _("Valid until %(date)s", date=_date(cert.expires_at, locale, zone))
            if cert.expires_at is not None
            else _("Does not expire"),
            _("Certificate code: %(code)s", code=cert.code),
        ]
        if status in ("expired", "revoked", "renewed"):
            lines.append(
                {
                    "expired": _("This certificate has expired."),
                    "revoked": _(
                        "This certificate has been revoked by the issuer. It is no longer valid."
                    ),
                    "renewed": _("This certificate has been replaced by a newer certificate."),
                }[status]
            )
        rtl = _is_rtl(locale)
        y = 130.0
        for i, line in enumerate(lines):
            line = visual(line, i == 3)
            font, size = _fit(canvas, line, i == 3, 11, w - 340)
            canvas.setFont(font, size)
            canvas.setFillColorRGB(*((0.6, 0.1, 0.1) if i == 3 else (0.2, 0.22, 0.26)))
            if rtl:
                canvas.drawRightString(w - 70, y, line)
            else:
                canvas.drawString(70, y, line)
            y -= 18
        # QR code to the verification page, in the corner facing the dates
        qr = QrCodeWidget(verify_url, barLevel="M")
        x0, y0, x1, y1 = qr.getBounds()
        side = 104.0
        drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        drawing.add(qr)
        qr_x = 70.0 if rtl else w - 70 - side
        renderPDF.draw(drawing, canvas, qr_x, 62)
        canvas.setFillColorRGB(0.35, 0.38, 0.43)
        caption = visual(_("Check this certificate:"))
        url_text = verify_url if len(verify_url) < 90 else verify_url[:87] + "…"
        if rtl:
            canvas.setFont(_font(caption), 8)
            canvas.drawString(70, 52, caption)
            canvas.setFont(_SANS, 7)
            canvas.drawString(70, 42, url_text)
        else:
            canvas.setFont(_font(caption), 8)
            canvas.drawRightString(w - 70, 52, caption)
            canvas.setFont(_SANS, 7)
            canvas.drawRightString(w - 70, 42, url_text)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()
