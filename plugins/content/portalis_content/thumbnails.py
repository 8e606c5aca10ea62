"""Item thumbnails: any accepted image shrunk to a PNG, kept with the library's files.

Only the library has thumbnails, so this stays in the plugin; the file itself is stored
(and later sent) through the core's checked file storage like every other upload.
"""

from __future__ import annotations

import io
from typing import IO

from portalis import api

from .i18n import _
from .models import FILE_KIND

THUMB_SIDE = 480


def make_thumbnail(fh: IO[bytes]) -> str:
    """Decode an image (any accepted format), shrink it, store it as PNG; the stored name.
    Raises ``api.UploadRefused`` for anything that is not a usable picture."""
    from PIL import Image, UnidentifiedImageError

    fh.seek(0)
    try:
        with Image.open(fh) as img:
            img.load()
            if img.width < 8 or img.height < 8 or max(img.width, img.height) > 12_000:
                raise api.UploadRefused(
                    _("The thumbnail must be between 8 and 12,000 pixels wide.")
                )
            thumb = img.convert("RGBA")
            thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
            out = io.BytesIO()
            thumb.save(out, format="PNG", optimize=True)
    except api.UploadRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise api.UploadRefused(
            _("Upload the thumbnail as a PNG, JPEG, GIF or WebP image.")
        ) from exc
    finally:
        fh.seek(0)
    return store_png(out.getvalue())


def store_png(data: bytes) -> str:
    """Keep a PNG the library made itself (a thumbnail, a demo cover); the stored name."""
    return api.store_upload(io.BytesIO(data), kind=FILE_KIND, allowed={"png"}).name
