"""Plain helpers shared by the content-library tests: files to upload and ways to look
at what was stored. (Imported by name; fixtures live in conftest.py.)"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from portalis import api


def make_pdf(*lines: str, pages: int = 1, noise_pixels: int = 0) -> bytes:
    """A real PDF whose text pypdf can read back; ``noise_pixels`` adds a picture of random
    pixels (incompressible: about 3 bytes each) to make the file big."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    for page in range(pages):
        y = 780
        for line in lines:
            canvas.drawString(72, y, line)
            y -= 18
        canvas.drawString(72, 60, f"page {page + 1}")
        if noise_pixels and page == 0:
            import os

            from PIL import Image

            side = int(noise_pixels**0.5)
            noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
            canvas.drawImage(ImageReader(noise), 72, 200, width=300, height=300)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def make_docx(*paragraphs: str) -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def make_pptx(*texts: str) -> bytes:
    from pptx import Presentation

    deck = Presentation()
    for text in texts:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = text.split()[0]
        slide.placeholders[1].text = text
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def make_png(size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


#: What a Windows executable looks like (MZ header, PE signature); never run, only refused.
FAKE_EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + b"PE\x00\x00"
    + b"\x00" * 200
)


def uploads_dir(world: Any) -> Path:
    return Path(world.app.config["UPLOAD_DIR"]) / str(world.tenant.id) / "content"


def stored_files(world: Any) -> set[str]:
    folder = uploads_dir(world)
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def count(model: Any, world: Any) -> int:
    with api.tenant_scope(world.tenant.id):
        return int(api.session.scalar(select(func.count()).select_from(model)) or 0)


def item_id_from(resp: Any) -> int:
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    match = re.search(r"/content/manage/items/(\d+)$", resp.headers["Location"])
    assert match, resp.headers["Location"]
    return int(match.group(1))
