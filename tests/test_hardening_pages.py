"""Issue #11, findings 5 and 8: nothing personal is cacheable, and every error is a
finished page in the right frame — never a bare "<h1>404</h1>", never an exception in the
log — with the right message (a host that is no portal says so)."""

from __future__ import annotations

import logging

import pytest

from portalis.testing.kit import route_url, rules_of, victim_values
from portalis.web.ratelimit import limiter

# --- Cache-Control ----------------------------------------------------------------------------

FILE_ENDPOINTS = {"static", "theme_static"}


@pytest.mark.parametrize("who", ["vendor_admin", "gold_admin", "silver_user"])
def test_every_page_for_a_signed_in_user_is_private_and_not_stored(world, client_as, who):
    app = world.app
    client = client_as(world.users[who])
    values = victim_values(world)
    checked = 0
    problems = []
    for rule in rules_of(app):
        if "GET" not in (rule.methods or ()) or rule.endpoint in FILE_ENDPOINTS:
            continue
        url = route_url(rule, values)
        resp = client.get(url)
        checked += 1
        cc = resp.headers.get("Cache-Control", "")
        if resp.mimetype == "text/html" or resp.status_code in (301, 302, 303, 404):
            if cc != "private, no-store" and not (
                "no-store" in cc and resp.headers.get("Content-Disposition")
            ):
                problems.append(f"{url} → {resp.status_code} Cache-Control: {cc!r}")
        elif "no-store" not in cc and not cc.startswith("private"):
            problems.append(f"{url} → {resp.status_code} {resp.mimetype} Cache-Control: {cc!r}")
    assert checked > 30
    assert problems == []


def test_htmx_partials_and_error_pages_are_not_stored_either(world, client_as):
    client = client_as(world.users["vendor_admin"])
    for resp in (
        client.get("/admin/partners", headers={"HX-Request": "true"}),
        client.get("/no-such-page"),
        client.get("/admin/partners/999999999"),
    ):
        assert resp.headers["Cache-Control"] == "private, no-store"


def test_the_sign_in_page_is_not_stored(world, client_as):
    resp = client_as(None).get("/login")
    assert resp.headers["Cache-Control"] == "private, no-store"  # it carries a CSRF token


def test_static_and_theme_files_keep_their_caching_when_signed_in(world, client_as):
    client = client_as(world.users["gold_admin"])
    for url in ("/static/css/portalis.css", "/theme/default/theme.css"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        cc = resp.headers.get("Cache-Control", "")
        assert "no-store" not in cc and "private" not in cc, (url, cc)


# --- error pages ------------------------------------------------------------------------------


def _no_errors_logged(caplog) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert bad == [], [f"{r.name}: {r.getMessage()} {r.exc_info}" for r in bad]


MISSING_FILES = [
    "/static/nope.css",
    "/static/css/nope.css",
    "/theme/default/nope.css",
    "/theme/nosuch/x.css",
]


@pytest.mark.parametrize("url", MISSING_FILES)
def test_a_missing_file_for_a_signed_in_user_is_the_portals_404(world, client_as, caplog, url):
    caplog.set_level(logging.INFO)
    client = client_as(world.users["gold_admin"])
    resp = client.get(url)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 404
    assert "Page not found" in body and "Back to the start page" in body
    assert world.users["gold_admin"].name in body  # the portal's frame, signed in
    assert 'class="sidebar"' in body
    _no_errors_logged(caplog)


@pytest.mark.parametrize("url", MISSING_FILES + ["/no-such-page"])
def test_a_404_for_a_signed_out_visitor_is_a_full_width_card(world, client_as, caplog, url):
    caplog.set_level(logging.INFO)
    resp = client_as(None).get(url)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 404
    assert 'class="auth-card"' in body and 'class="error-card"' in body
    assert 'class="topbar"' not in body  # not the app frame squeezed into the card's grid
    assert "Page not found" in body and f"{world.tenant.slug.title()} Partners" in body
    _no_errors_logged(caplog)


def _hosts(world):
    slug = world.tenant.slug
    return [
        f"{slug}.localhost:abc",
        f"{slug}.localhost:",
        f"{slug}.localhost:99999999999",
        f"{slug}.localhost:80:80",
        "[::1",
        "a b",
        "%00",
        f"{slug}.localhost/x",
        f"{slug}..localhost",
        "no-such-vendor.localhost",
        "evil.example",
    ]


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("path", ["/", "/dashboard", "/login", "/static/nope.css", "/deals/"])
def test_malformed_or_unknown_hosts_say_there_is_no_portal(
    world, client_as, caplog, signed_in, path
):
    caplog.set_level(logging.INFO)
    client = client_as(world.users["gold_admin"] if signed_in else None)
    for host in _hosts(world):
        resp = client.get(path, headers={"Host": host})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 404, (host, path, resp.status_code)
        assert "There is no portal at this address" in body, host
        assert "Page not found" not in body
        assert world.tenant.slug.title() not in body  # no tenant's brand
        assert "<h1>404</h1>" not in body
    _no_errors_logged(caplog)


def test_posts_to_a_malformed_host_fail_cleanly(world, client_as, caplog):
    caplog.set_level(logging.INFO)
    client = client_as(world.users["gold_admin"])
    for path in ("/login", "/locale", "/logout", "/forgot"):
        resp = client.post(
            path,
            data={"csrf_token": client.csrf_token, "locale": "de", "next": "/"},
            headers={"Host": f"{world.tenant.slug}.localhost:abc"},
        )
        assert resp.status_code == 404, path
        assert "There is no portal at this address" in resp.get_data(as_text=True)
    _no_errors_logged(caplog)


def test_the_bare_platform_host_still_greets(world, client_as):
    client = client_as(None)
    client.host = "localhost"
    resp = client.get("/")
    assert resp.status_code == 200
    assert "Portalis is running" in resp.get_data(as_text=True)


def test_too_many_requests_is_a_card_in_the_portals_brand(world, client_as, portalis_app, caplog):
    caplog.set_level(logging.INFO)
    portalis_app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    limiter.reset()
    try:
        client = client_as(None)
        codes = [
            client.post_form("/forgot", {"email": f"x{i}@x.test"}).status_code for i in range(3)
        ]
        resp = client.post_form("/forgot", {"email": "y@x.test"})
    finally:
        portalis_app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
        limiter.reset()
    assert codes == [200, 200, 429]
    body = resp.get_data(as_text=True)
    assert resp.status_code == 429
    assert 'class="auth-card"' in body and "Too many attempts" in body
    assert f"{world.tenant.slug.title()} Partners" in body
    _no_errors_logged(caplog)


def test_error_pages_are_translated(world, client_as):
    client = client_as(None)
    resp = client.get("/no-such-page", headers={"Accept-Language": "de"})
    assert resp.status_code == 404
    assert "Page not found" not in resp.get_data(as_text=True)
