"""CSV downloads that are safe to open in a spreadsheet (``api.rows_to_csv``,
``api.csv_response``) — one rule for every plugin's export.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
as a formula by Excel, LibreOffice and Google Sheets ("CSV injection"): a partner could type
``=HYPERLINK("http://evil", "click")`` as a customer name. Such cells get a leading
apostrophe, which spreadsheets show as text and never evaluate. Numbers stay numbers
(written raw, so a spreadsheet can sum them; ``-3`` is a number, not a formula), booleans
are ``1``/``0``, timestamps ``YYYY-MM-DD HH:MM:SS`` in UTC (say "(UTC)" in the header),
dates ISO, ``None`` empty. The text starts with a byte-order mark so Excel reads UTF-8.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flask import Response, stream_with_context

from ..tenancy import current_tenant_id, tenant_scope
from ..uploads import clean_filename

#: A text cell starting with one of these is a formula to a spreadsheet.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """One cell as :func:`rows_to_csv` writes it: text that cannot run as a formula,
    numbers raw, timestamps in UTC, ``None`` empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # the core stores UTC; a naive value is UTC too
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def rows_to_csv(header: Sequence[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The CSV text line by line (``\\r\\n``): a BOM and the header first, every cell
    through :func:`csv_cell`. Lazy: ``rows`` is read one row at a time."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")

    def flush() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate(0)
        return text

    writer.writerow([csv_cell(h) for h in header])
    yield "\ufeff" + flush()  # BOM: Excel then reads the file as UTF-8
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        yield flush()


def _disposition(filename: str) -> str:
    name = clean_filename(filename, fallback="export.csv")
    if name.isascii():
        return f'attachment; filename="{name}"'
    fallback = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def csv_response(filename: str, header: Sequence[Any], rows: Iterable[Iterable[Any]]) -> Response:
    """``rows`` as a streamed CSV download named ``filename`` (cleaned like any download
    name): ``text/csv``, an attachment, ``Cache-Control: no-store``, ``nosniff``.

    ``rows`` may be a generator that reads the database as it goes (a ``yield_per``
    query): it runs after the view returned, in the request's tenant scope again. The
    caller has already limited it to what the viewer may see."""
    tenant_id = current_tenant_id()

    def lines() -> Iterator[str]:
        if tenant_id is None:
            yield from rows_to_csv(header, rows)
            return
        with tenant_scope(tenant_id):
            yield from rows_to_csv(header, rows)

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": _disposition(filename),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
