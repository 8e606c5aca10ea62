"""Values from the visitor are parsed in ONE place (finding 1 of #11): query strings
through ``int_arg``/``id_arg``/``ids_arg``/``date_arg``/``choice_arg``/``text_arg``, id
choices through ``coerce_id``, numbers and dates in forms through ``BoundedIntegerField``
and ``BoundedDateField``, tier criteria through their parser. A huge, negative, malformed
or impossible value is ignored (query strings) or refused with a message (forms), never
an ``OverflowError`` and never half-written. The sweep over every route and form is
tests/test_input_sweep.py; these are the helpers and the review's own cases."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from portalis import api
from portalis.models import Tier
from portalis.tiers import criteria
from portalis.web.converters import (
    MAX_ID,
    choice_arg,
    coerce_id,
    date_arg,
    id_arg,
    ids_arg,
    int_arg,
    parse_int,
    text_arg,
)

HUGE = str(2**63)
ENORMOUS = "1" + "0" * 400


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("-3", -3),
        (str(2**63 - 1), 2**63 - 1),
        (HUGE, None),
        (ENORMOUS, None),
        ("1e3", None),
        ("٣", None),  # an Arabic-Indic digit: int() would take it, the database wouldn't
        ("12abc", None),
        ("", None),
        (None, None),
        ("\x00", None),
    ],
)
def test_parse_int_takes_ascii_integers_within_bigint(raw, expected):
    assert parse_int(raw) == expected


def test_query_string_helpers_fall_back_instead_of_failing():
    args = MultiDict(
        [
            ("page", ENORMOUS),
            ("tier", HUGE),
            ("partner", "17"),
            ("ids", "3"),
            ("ids", HUGE),
            ("ids", "3"),
            ("ids", "-1"),
            ("ids", "9"),
            ("from", "9999-12-31"),
            ("to", "2024-02-30"),
            ("on", "2031-01-15"),
            ("sort", "name; DROP TABLE"),
            ("q", "  caf\u00e9\x00 \u202e" + "x" * 500),
        ]
    )
    assert int_arg("page", 1, min=1, max=10_000, args=args) == 1
    assert int_arg("missing", 5, args=args) == 5
    assert id_arg("tier", args) is None
    assert id_arg("partner", args) == 17
    assert ids_arg("ids", args=args) == [3, 9]
    assert date_arg("from", args=args) is None
    assert date_arg("to", args=args) is None
    assert date_arg("on", args=args) == dt.date(2031, 1, 15)
    assert choice_arg("sort", ("name", "date"), "name", args=args) == "name"
    q = text_arg("q", 50, args=args)
    assert "\x00" not in q and len(q) == 50 and q.startswith("café")


def test_coerce_id_refuses_what_no_id_column_holds():
    assert coerce_id("0") == 0 and coerce_id(str(MAX_ID)) == MAX_ID
    for bad in (HUGE, ENORMOUS, "-1", "x", ""):
        with pytest.raises(ValueError):
            coerce_id(bad)


def _form(app, cls, data):
    from portalis.web.forms import PortalForm

    form_cls = type("F", (PortalForm,), {"field": cls})
    with app.test_request_context(method="POST", data=data):
        form = form_cls(meta={"csrf": False})
        ok = form.validate()
        return ok, form.field.data, list(form.field.errors)


@pytest.mark.parametrize("raw", [HUGE, ENORMOUS, "-1", "101", "1e3", "٣", "1.5", "x"])
def test_bounded_integer_field_refuses_with_a_message(portalis_app, raw):
    field = api.BoundedIntegerField("Discount", min=0, max=100)
    ok, data, errors = _form(portalis_app, field, {"field": raw})
    assert not ok and data is None or (data is not None and not 0 <= data <= 100)
    assert errors and "0" in errors[0] and "100" in errors[0]


def test_bounded_integer_field_takes_numbers_in_range(portalis_app):
    field = api.BoundedIntegerField("Discount", min=0, max=100)
    assert _form(portalis_app, field, {"field": "15"})[:2] == (True, 15)


@pytest.mark.parametrize("raw", ["9999-12-31", "0000-00-00", "2024-02-30", "1899-12-31", "x"])
def test_bounded_date_field_refuses_impossible_and_absurd_dates(portalis_app, raw):
    field = api.BoundedDateField("Until")
    ok, data, errors = _form(portalis_app, field, {"field": raw})
    assert not ok and data is None
    assert errors and "1900" in errors[0] and "2200" in errors[0]


def test_bounded_date_field_takes_a_real_date(portalis_app):
    ok, data, _errors = _form(portalis_app, api.BoundedDateField("Until"), {"field": "2200-12-31"})
    assert ok and data == dt.date(2200, 12, 31)


def test_text_fields_of_core_forms_drop_control_characters(portalis_app):
    from wtforms import StringField

    ok, data, _errors = _form(portalis_app, StringField("Name"), {"field": "Acme\x00 Ltd\x1b"})
    assert data == "Acme Ltd"


@pytest.mark.parametrize(
    "expr",
    [
        "approved_deals_12m >= " + "9" * 400,
        "approved_deals_12m >= 1e999",
        "approved_deals_12m >= -" + "9" * 30,
        "approved_deals_12m >= 10**400",
        "approved_deals_12m >= " + "-" * 1500 + "1",
        "(" * 300 + "approved_deals_12m >= 1" + ")" * 300,
        "approved_deals_12m >= 1\x00",
    ],
)
def test_criteria_refuse_absurd_numbers_and_nesting_with_a_message(expr):
    with pytest.raises(criteria.CriteriaError) as caught:
        criteria.parse(expr[:2000])
    assert str(caught.value) and caught.value.translated()


def test_criteria_keep_realistic_thresholds():
    assert criteria.evaluate("won_revenue_12m >= 1000000000000", {"won_revenue_12m": 2e12})


# --- the review's own cases, end to end ------------------------------------------------


def test_huge_ids_in_routes_and_query_strings_are_not_errors(world, client_as):
    admin = client_as(world.users["vendor_admin"])
    for url in (
        f"/admin/partners/{HUGE}",
        f"/admin/partners?tier={HUGE}&page={HUGE}",
        f"/admin/partners?tier={ENORMOUS}&page={ENORMOUS}&status=%FF",
        f"/admin/audit?before={HUGE}",
        f"/admin/audit?before={ENORMOUS}&action=%00",
        f"/admin/programs/{HUGE}/evaluate",
        f"/search/?q=x&page={ENORMOUS}&sort=%FF",
    ):
        resp = admin.get(url)
        assert resp.status_code in (200, 404), (url, resp.status_code)
    resp = admin.post(f"/admin/users/{HUGE}/active", data={"csrf_token": admin.csrf_token})
    assert resp.status_code == 404
    partner = client_as(world.users["gold_admin"])
    resp = partner.post(f"/team/{HUGE}/deactivate", data={"csrf_token": partner.csrf_token})
    assert resp.status_code == 404


@pytest.mark.plugins("deals")
def test_a_huge_number_in_the_review_queue_search_finds_nothing(world, client_as):
    manager = client_as(world.users["channel_manager"])
    for q in (HUGE, ENORMOUS, "١٢"):
        resp = manager.get(f"/deals/review?q={q}&partner={HUGE}&age={ENORMOUS}")
        assert resp.status_code == 200


def _tier_count(world) -> int:
    with api.tenant_scope(world.tenant.id):
        return int(api.session.scalar(select(func.count(Tier.id))) or 0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("criteria", "approved_deals_12m >= " + "9" * 400, "numbers in criteria"),
        ("rank", ENORMOUS, "Enter a whole number from 0 to 100."),
        ("deal_discount_pct", HUGE, "Enter a whole number from 0 to 100."),
        ("mdf_allowance", "-1", "Enter a whole number from 0 to"),
    ],
)
def test_a_tier_with_an_absurd_number_is_refused_and_nothing_is_saved(
    world, client_as, field, value, message
):
    admin = client_as(world.users["vendor_admin"])
    before = _tier_count(world)
    data = {
        "csrf_token": admin.csrf_token,
        "name": "Diamond",
        "rank": "9",
        "criteria": "approved_deals_12m >= 50",
        "deal_discount_pct": "20",
        "mdf_allowance": "5000",
        "color": "#336699",
        field: value,
    }
    resp = admin.post(f"/admin/programs/{world.program.id}/tiers/new", data=data)
    assert resp.status_code in (200, 422)
    assert message in resp.get_data(as_text=True)
    assert _tier_count(world) == before


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 90, 160)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.plugins("content")
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"expires_at": "9999-12-31"}, "Enter a date between 1900 and 2200."),
        ({"publish_at": "0000-00-00"}, "Enter a date between 1900 and 2200."),
        # a tampered hidden field: refused as a whole ("… Nothing was saved.")
        ({"program_id": HUGE}, "Nothing was saved."),
        ({"program_id": ENORMOUS}, "Nothing was saved."),
        ({"folder_id": HUGE}, "Nothing was saved."),
    ],
)
def test_an_upload_with_an_absurd_value_is_refused_and_nothing_is_stored(
    world, client_as, overrides, message
):
    from portalis_content.models import Item

    def items() -> int:
        with api.tenant_scope(world.tenant.id):
            return int(api.session.scalar(select(func.count(Item.id))) or 0)

    vendor = client_as(world.users["vendor_admin"])
    before = items()
    data = {
        "csrf_token": vendor.csrf_token,
        "kind": "file",
        "title": "Price list",
        "language": "en",
        "program_id": str(world.program.id),
        "folder_id": "0",
        "visibility": "everyone",
        "file": (io.BytesIO(_png()), "prices.png"),
        **overrides,
    }
    resp = vendor.post("/content/manage/new", data=data, content_type="multipart/form-data")
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert items() == before


@pytest.mark.parametrize("path", ["/apply/a%00b", "/apply/Partners", "/apply/" + "a" * 64])
def test_a_short_name_in_a_url_that_no_program_can_have_is_a_plain_404(world, client_as, path):
    # not a look-up that PostgreSQL refuses (NUL) or that could never match: the same 404
    # as an unknown program
    assert client_as(None).get(path).status_code == 404
    assert client_as(None).get("/apply/partners").status_code == 200
