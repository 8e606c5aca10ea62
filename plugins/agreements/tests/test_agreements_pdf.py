"""The PDF side: deterministic bytes (the hash a signer's form carries can be checked),
right-to-left text laid out paragraph by paragraph, literal markers kept as text."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import BytesIO

from pypdf import PdfReader

from portalis import api
from portalis_agreements import pdf
from portalis_agreements.placeholders import escape_markdown


def _frame(language: str) -> pdf.Frame:
    return pdf.Frame(language, "Acme Cloud", "Reseller terms", "Version 2", "Reseller terms, v2",
                     dt.datetime(2026, 1, 5, tzinfo=dt.UTC))  # fmt: skip


def test_the_same_inputs_give_the_same_bytes():
    html = str(api.render_markdown("# Terms\n\nBetween **Acme** and Contoso.\n\n1. One\n2. Two"))
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
    parser.feed(
        str(api.render_markdown("## البند\n\nنص **Acme** -- و a__b\n\n1. أول\n2. ثان\n\n- نقطة"))
    )
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
    assert (
        str(api.render_markdown(escape_markdown("*Acme* <b>Ltd</b> [x](http://e.vil)"))).count(
            "<em>"
        )
        == 0
    )
    assert "&lt;b&gt;" in str(api.render_markdown(escape_markdown("<b>Ltd</b>")))


def test_tables_code_and_small_headings_print_in_any_script():
    """The portal's Markdown (api.render_markdown) has tables and code: the PDF draws them
    in the document's font, so Japanese in code or a table prints instead of failing."""
    source = (
        "##### 条件\n\n`日本語` です\n\n```\n第1条\n```\n\n| 席 | 価格 |\n|---|---|\n| 10 | 5 |"
    )
    html = str(api.render_markdown(source))
    text = PdfReader(BytesIO(pdf.document(_frame("ja"), html))).pages[0].extract_text()
    text = "".join(ch for ch in text if ch.isprintable() and not ch.isspace())
    for word in ("条件", "日本語", "第1条", "価格"):
        assert word in text, word
    parser = pdf._Blocks()
    parser.feed(str(api.render_markdown("###### البند\n\n| الاسم | Acme |\n|---|---|\n| a | b |")))
    parser.close()
    assert parser.blocks == [("h4", "البند"), ("p", "الاسم · Acme"), ("p", "a · b")]
