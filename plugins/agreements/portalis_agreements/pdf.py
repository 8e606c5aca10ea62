"""Agreement PDFs with fpdf2: the document a partner signs, and its signature page.

Fonts are vendored in ``fonts/`` (so a PDF looks the same on every server): DejaVu Sans
for Latin, Greek, Cyrillic and Arabic, Noto Sans JP (regular weight only) as the
fallback for Japanese. Arabic needs its letters joined and the line laid out right to
left: fpdf2 does that with HarfBuzz (``uharfbuzz``, a dependency of this plugin); where
it is missing, Arabic letters print unjoined — see the README.

The bytes are deterministic: the same inputs give the same PDF (the creation date is the
version's publication time, not "now"), which is what lets the signer's form carry the
SHA-256 of the document shown and the server check it against the document it makes
again when the form comes back.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from fpdf import FPDF, XPos, YPos
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace, TextStyle

FONT_DIR = Path(__file__).resolve().parent / "fonts"
RTL_LANGUAGES = ("ar", "he", "fa", "ur")
INK = (31, 41, 55)
MUTED = (100, 110, 125)
RULE = (210, 214, 220)

log = logging.getLogger(__name__)


def shaping_available() -> bool:
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class Frame:
    """What every page of a document carries, already in the document's language."""

    language: str
    vendor: str
    title: str
    subtitle: str
    footer: str
    created: dt.datetime


class _Pdf(FPDF):
    def __init__(self, frame: Frame) -> None:
        super().__init__(format="A4", unit="mm")
        self.frame = frame
        self.rtl = frame.language.split("-")[0] in RTL_LANGUAGES
        self.set_creation_date(frame.created)
        self.set_title(frame.title)
        self.set_author(frame.vendor)
        self.set_creator("Portalis agreements")
        self.set_lang(frame.language)
        self.add_font("body", "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font("body", "I", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font("body", "BI", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.add_font("jp", "", str(FONT_DIR / "NotoSansJP-Regular.otf"))
        self.set_fallback_fonts(["jp"], exact_match=False)
        self.shaping = shaping_available()
        self.shape()
        if not self.shaping and self.rtl:
            log.warning("agreements: uharfbuzz is not installed; Arabic prints unjoined")
        self.set_margins(22, 22, 22)
        self.set_auto_page_break(True, margin=22)
        self.alias_nb_pages()

    def shape(self) -> None:
        """(Re)state the text direction: fpdf2 carries the direction of the last line it
        laid out into the next one, so a Latin name before Arabic text would flip it."""
        if self.shaping:
            self.set_text_shaping(True, direction="rtl" if self.rtl else "ltr")

    @property
    def align(self) -> str:
        return "R" if self.rtl else "L"

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("body", "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, f"{self.frame.footer}  ·  {self.page_no()}/{{nb}}", align="C")

    def heading(self) -> None:
        self.set_text_color(*MUTED)
        self.set_font("body", "", 9)
        self.shape()
        self.multi_cell(
            0, 5, self.frame.vendor, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(2)
        self.set_text_color(*INK)
        self.set_font("body", "B", 18)
        self.shape()
        self.multi_cell(
            0, 9, self.frame.title, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.set_font("body", "", 9)
        self.set_text_color(*MUTED)
        self.shape()
        self.multi_cell(
            0, 5, self.frame.subtitle, align=self.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.ln(3)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(6)
        self.set_text_color(*INK)


_STYLES = {
    "h1": TextStyle(
        b_margin=0.4, font_family="body", font_style="B", font_size_pt=15, color=INK, t_margin=5
    ),
    "h2": TextStyle(
        b_margin=0.4, font_family="body", font_style="B", font_size_pt=13, color=INK, t_margin=4
    ),
    "h3": TextStyle(
        b_margin=0.4, font_family="body", font_style="B", font_size_pt=11.5, color=INK, t_margin=3
    ),
    "h4": TextStyle(
        b_margin=0.4, font_family="body", font_style="B", font_size_pt=10.5, color=INK, t_margin=3
    ),
    "h5": TextStyle(
        b_margin=0.4, font_family="body", font_style="B", font_size_pt=10.5, color=INK, t_margin=3
    ),
    "h6": TextStyle(
        b_margin=0.4, font_family="body", font_style="B", font_size_pt=10.5, color=INK, t_margin=3
    ),
    # fpdf2 sets code in Courier, which has no Arabic, CJK or Cyrillic letters
    "code": FontFace(family="body", color=INK),
    "pre": TextStyle(font_family="body", font_size_pt=10, color=INK, t_margin=2.5),
    "a": FontFace(color=(29, 78, 216)),
    "p": TextStyle(font_family="body", font_size_pt=10.5, color=INK, t_margin=2.5),
    "li": TextStyle(color=INK, l_margin=7, t_margin=1),
    "ol": TextStyle(t_margin=2.5),
    "ul": TextStyle(t_margin=2.5),
}


_MARKERS = ("**", "__", "--")
_SIZES = {"h1": 15.0, "h2": 13.0, "h3": 11.5, "h4": 10.5}
#: Smaller headings drawn as the smallest one.
_HEADINGS = {"h5": "h4", "h6": "h4"}
#: Tags of api.render_markdown's HTML that start a paragraph of their own.
_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr")


class _Blocks(HTMLParser):
    """The sanitised HTML as blocks of fpdf2 markdown (``**bold**``, ``__italic__``):
    fpdf2's HTML writer lays Latin words and numbers inside Arabic text out backwards,
    while ``multi_cell`` runs the bidi algorithm over each paragraph."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self.kind = "p"
        self.parts: list[str] = []
        self.lists: list[list[int] | None] = []  # an <ol>'s counter, None for <ul>

    def _flush(self) -> None:
        text = " ".join("".join(self.parts).split())
        if text:
            self.blocks.append((self.kind, text))
        self.parts = []
        self.kind = "p"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._flush()
            kind = _HEADINGS.get(tag, tag)
            self.kind = kind if kind in _SIZES else "p"
            if tag == "li" and self.lists:
                counter = self.lists[-1]
                if counter is None:
                    self.parts.append("• ")
                else:
                    counter[0] += 1
                    self.parts.append(f"{counter[0]}. ")
        elif tag == "ol":
            self._flush()
            start = dict(attrs).get("start") or "1"
            self.lists.append([int(start) - 1 if start.isdigit() else 0])
        elif tag == "ul":
            self._flush()
            self.lists.append(None)
        elif tag in ("strong", "b"):
            self.parts.append("**")
        elif tag in ("em", "i"):
            self.parts.append("__")
        elif tag == "br":
            self.parts.append(" ")
        elif tag in ("td", "th") and "".join(self.parts).strip():
            self.parts.append(" · ")  # a table row is one line, its cells apart

    def handle_endtag(self, tag: str) -> None:
        if tag in ("strong", "b"):
            self.parts.append("**")
        elif tag in ("em", "i"):
            self.parts.append("__")
        elif tag in ("ol", "ul"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        for marker in _MARKERS:  # literal ** __ -- stay text
            data = data.replace(marker, "\\" + marker)
        self.parts.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _write_blocks(pdf: _Pdf, body_html: str) -> None:
    parser = _Blocks()
    parser.feed(body_html)
    parser.close()
    for kind, text in parser.blocks:
        size = _SIZES.get(kind)
        pdf.set_font("body", "B" if size else "", size or 10.5)
        pdf.set_text_color(*INK)
        pdf.ln(3 if size else 1.5)
        pdf.shape()
        pdf.multi_cell(
            0, (size or 10.5) * 0.55, text, markdown=True, align=pdf.align,
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )  # fmt: skip


_OPENING = re.compile(r"<(p|li|h1|h2|h3|h4|h5|h6|ol|ul)(\s[^>]*)?>")


def _write_body(pdf: _Pdf, body_html: str) -> None:
    pdf.set_font("body", "", 10.5)
    pdf.shape()
    # fpdf2's HTML writer takes line height and alignment as attributes of each block
    align = ' align="right"' if pdf.rtl else ""

    def attrs(match: re.Match[str]) -> str:
        tag, rest = match.group(1), match.group(2) or ""
        extra = ' line-height="1.4"' if tag in ("p", "li", "ol", "ul") else ""
        if tag not in ("ol", "ul"):
            extra += align
        return f"<{tag}{rest}{extra}>"

    if pdf.rtl:
        _write_blocks(pdf, body_html)
        return
    pdf.write_html(_OPENING.sub(attrs, body_html), tag_styles=_STYLES, li_prefix_color=INK)


def document(frame: Frame, body_html: str) -> bytes:
    """The document a partner reads and signs."""
    pdf = _Pdf(frame)
    pdf.add_page()
    pdf.heading()
    _write_body(pdf, body_html)
    return bytes(pdf.output())


def signature_page(frame: Frame, heading: str, rows: Sequence[tuple[str, str]], note: str) -> bytes:
    """A one-page PDF: the signature record as label/value rows."""
    pdf = _Pdf(frame)
    pdf.add_page()
    pdf.heading()
    pdf.set_font("body", "B", 14)
    pdf.multi_cell(0, 8, heading, align=pdf.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    label_w = 55
    value_w = pdf.w - pdf.l_margin - pdf.r_margin - label_w
    for label, value in rows:
        y = pdf.get_y()
        pdf.set_font("body", "B", 9.5)
        pdf.set_text_color(*MUTED)
        if pdf.rtl:
            pdf.set_xy(pdf.w - pdf.r_margin - label_w, y)
        pdf.shape()
        pdf.multi_cell(label_w, 6, label, align=pdf.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        after_label = pdf.get_y()
        pdf.set_font("body", "", 9.5)
        pdf.set_text_color(*INK)
        pdf.set_xy(pdf.l_margin if pdf.rtl else pdf.l_margin + label_w, y)
        # long values without spaces (hashes, user agents) wrap by character
        pdf.shape()
        pdf.multi_cell(
            value_w,
            6,
            value,
            align=pdf.align,
            wrapmode=WrapMode.CHAR,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_y(max(after_label, pdf.get_y()) + 1.5)
        pdf.set_draw_color(*RULE)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(1.5)
    pdf.ln(4)
    pdf.set_font("body", "", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.shape()
    pdf.multi_cell(0, 5, note, align=pdf.align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def with_signature_page(document_pdf: bytes, signature_pdf: bytes) -> bytes:
    """The document's own pages, unchanged, followed by the signature page."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(document_pdf)))
    writer.append(PdfReader(io.BytesIO(signature_pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
