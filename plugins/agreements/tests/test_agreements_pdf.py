"""The PDF side: deterministic bytes (the hash a signer's form carries can be checked),
right-to-left text laid out paragraph by paragraph, literal markers kept as text."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import BytesIO

from pypdf import PdfReader

from portalis_agreements import pdf
from portalis_agreements.markup import to_html
from portalis_agreements.placeholders import escape_markdown


def _frame(language: str) -> pdf.Frame:
    return pdf.Frame(language, "Acme Cloud", "Reseller terms", "Version 2", "Reseller terms, v2",
                     dt.datetime(2026, 1, 5, tzinfo=dt.UTC))  # fmt: skip


def test_the_same_inputs_give_the_same_bytes():
    html = str(to_html("# Terms\n\nBetween **Acme** and Contoso.\n\n1. One\n2. Two"))
    first = pdf.document(_frame("en"), html)
    assert first == pdf.document(_frame("en"), html)
    assert (
        hashlib.sha256(first).hexdigest()
        == hashlib.sha256(pdf.document(_frame("en"), html)).hexdigest()
    )
    text = PdfReader(BytesIO(first)).pages[0].extract_text()
    assert "Between" in text and "Contoso" in text


def test_right_to_left_blocks_number_lists_and_keep_markers_literal():
    parser = pdf._Blocks()
    parser.feed(str(to_html("## البند\n\nنص **Acme** -- و a__b\n\n1. أول\n2. ثان\n\n- نقطة")))
    parser.close()
    kinds = [k for k, _t in parser.blocks]
    texts = [t for _k, t in parser.blocks]
    assert kinds == ["h2", "p", "p", "p", "p"]
    assert texts[1] == "نص **Acme** \\-- و a\\__b"
    assert texts[2].startswith("1. ") and texts[3].startswith("2. ") and texts[4].startswith("• ")


def test_a_signature_page_is_appended_after_the_document_pages():
    doc = pdf.document(_frame("en"), "<p>Body</p>")
    sig = pdf.signature_page(_frame("en"), "Signature page", [("Signed by", "Gina Gold")], "Note")
    both = PdfReader(BytesIO(pdf.with_signature_page(doc, sig)))
    assert len(both.pages) == 2
    assert "Gina Gold" in both.pages[1].extract_text()


def test_values_are_escaped_for_markdown():
    assert str(to_html(escape_markdown("*Acme* <b>Ltd</b> [x](http://e.vil)"))).count("<em>") == 0
    assert "&lt;b&gt;" in str(to_html(escape_markdown("<b>Ltd</b>")))
