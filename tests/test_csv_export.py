"""``api.rows_to_csv`` and ``api.csv_response``: the one spreadsheet-safe CSV every plugin's
export uses (deals, training reports). What a spreadsheet user would notice: a cell a
partner typed never runs as a formula, numbers can be summed, Excel reads the accents, the
download has a name and is not cached; and a streamed body still reads the tenant's rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from portalis import api
from portalis.tenancy import current_tenant_id
from portalis.web.csv_export import csv_cell


def _parse(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://evil","x")']
)
def test_formula_starters_are_shown_as_text(text):
    assert csv_cell(text) == "'" + text
    rows = _parse("".join(api.rows_to_csv(["Customer"], [[text]])))
    assert rows == [["Customer"], ["'" + text]]


def test_plain_text_and_empty_cells_are_unchanged():
    assert csv_cell("Acme") == "Acme"
    assert csv_cell("a = b") == "a = b"  # only the first character counts
    assert csv_cell(None) == ""
    assert csv_cell("") == ""


def test_numbers_stay_numbers():
    assert csv_cell(-3) == -3 and csv_cell(12.5) == 12.5
    assert csv_cell(Decimal("-1200.50")) == Decimal("-1200.50")
    assert csv_cell(True) == 1 and csv_cell(False) == 0
    text = "".join(api.rows_to_csv(["n", "amount", "ok"], [[-3, Decimal("1200.50"), True]]))
    assert text.splitlines()[1] == "-3,1200.50,1"  # raw: a spreadsheet sums them


def test_timestamps_are_utc_and_dates_iso():
    berlin = dt.timezone(dt.timedelta(hours=1))
    assert csv_cell(dt.datetime(2026, 3, 1, 10, 30, tzinfo=berlin)) == "2026-03-01 09:30:00"
    assert csv_cell(dt.datetime(2026, 3, 1, 10, 30)) == "2026-03-01 10:30:00"  # naive = UTC
    assert csv_cell(dt.date(2026, 3, 1)) == "2026-03-01"


def test_header_is_escaped_too_and_lines_end_in_crlf():
    chunks = list(api.rows_to_csv(["=Name", "Größe"], [["Zoë", 1], ["a,b", 2]]))
    assert chunks[0] == "\ufeff'=Name,Größe\r\n"  # the BOM once, with the header
    assert chunks[1:] == ["Zoë,1\r\n", '"a,b",2\r\n']


def test_rows_are_read_lazily():
    read: list[int] = []

    def rows():
        for i in range(3):
            read.append(i)
            yield [i]

    lines = api.rows_to_csv(["i"], rows())
    next(lines)  # the header
    assert read == []
    assert next(lines) == "0\r\n" and read == [0]


def test_csv_response_is_a_named_uncached_download(portalis_app):
    with portalis_app.test_request_context():
        resp = api.csv_response("deals-20260301.csv", ["Customer"], [["=cmd"], ["Acme"]])
        assert resp.mimetype == "text/csv"
        assert resp.headers["Content-Disposition"] == 'attachment; filename="deals-20260301.csv"'
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert _parse(resp.get_data(as_text=True)) == [["Customer"], ["'=cmd"], ["Acme"]]


def test_csv_response_cleans_the_file_name(portalis_app):
    with portalis_app.test_request_context():
        resp = api.csv_response('a"b\r\nc.csv', ["x"], [])
        assert resp.headers["Content-Disposition"] == 'attachment; filename="a b c.csv"'
        resp = api.csv_response("schulung-größe.csv", ["x"], [])
        disposition = resp.headers["Content-Disposition"]
        assert disposition.isascii()
        assert "filename*=UTF-8''schulung-gr%C3%B6%C3%9Fe.csv" in disposition


def test_streamed_rows_are_read_in_the_requests_tenant(portalis_app):
    seen: list[int | None] = []

    def rows():
        seen.append(current_tenant_id())
        yield ["x"]

    with portalis_app.test_request_context():
        with api.tenant_scope(4242):
            resp = api.csv_response("t.csv", ["h"], rows())
        assert current_tenant_id() is None  # the view has returned; the body is still to come
        assert _parse(resp.get_data(as_text=True)) == [["h"], ["x"]]
    assert seen == [4242]
