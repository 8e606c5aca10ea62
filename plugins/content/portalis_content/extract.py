"""Text of documents for the search index: PDF (pypdf), DOCX, PPTX and XLSX.

Bounded so a hostile or huge document can't hold the worker: at most ``MAX_PAGES`` PDF
pages and ``MAX_CHARS`` characters of text are read.
"""

from __future__ import annotations

import re
from pathlib import Path

#: Types whose text is extracted for search.
EXTRACTABLE = frozenset({"pdf", "docx", "pptx", "xlsx"})
MAX_PAGES = 500
MAX_CHARS = 400_000
_SPACE = re.compile(r"[ \t\r\f\v]+")
_LINES = re.compile(r"\n{3,}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _tidy(text: str) -> str:
    text = _CONTROL.sub(" ", text)
    text = _SPACE.sub(" ", text)
    return _LINES.sub("\n\n", text).strip()[:MAX_CHARS]


def extract_text(path: Path, file_type: str) -> str:
    """The document's text ("" for types without text)."""
    if file_type == "pdf":
        return _tidy(_pdf(path))
    if file_type == "docx":
        return _tidy(_docx(path))
    if file_type == "pptx":
        return _tidy(_pptx(path))
    if file_type == "xlsx":
        return _tidy(_xlsx(path))
    return ""


def _pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path), strict=False)
    parts: list[str] = []
    size = 0
    for i, page in enumerate(reader.pages):
        if i >= MAX_PAGES or size > MAX_CHARS:
            break
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
    return "\n".join(parts)


def _docx(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
        parts += [p.text for p in section.footer.paragraphs]
    return "\n".join(p for p in parts if p)


def _pptx(path: Path) -> str:
    from pptx import Presentation

    deck = Presentation(str(path))
    parts: list[str] = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                for row in shape.table.rows:
                    parts.append(" ".join(cell.text for cell in row.cells))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(p for p in parts if p)


def _xlsx(path: Path) -> str:
    """Shared strings of a workbook: the words in its cells (no formula evaluation)."""
    import xml.etree.ElementTree as ET  # noqa: S405 - OOXML from a ZIP checked at upload
    import zipfile

    parts: list[str] = []
    with zipfile.ZipFile(path) as zf:
        if "xl/sharedStrings.xml" in zf.namelist():
            data = zf.read("xl/sharedStrings.xml")
            if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                return ""
            root = ET.fromstring(data)  # noqa: S314 - no DTD/entities (refused above)
            for node in root.iter():
                if node.tag.endswith("}t") and node.text:
                    parts.append(node.text)
    return "\n".join(parts)
