"""Issue #11, findings 2, 3 and 7: redirects after sign-in and language change go only to
this portal; the sign-in limiter counts failures per tenant (not per Host spelling), per
account and per address, and never refuses a correct password for an address's volume;
"forgot password" does the same work for a known and an unknown address."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from portalis.jobs import JobSpec
from portalis.testing.fixtures import TEST_PASSWORD
from portalis.web.ratelimit import DEVICE_COOKIE, limiter
from portalis.web.redirects import is_safe_path, safe_next

# --- open redirects ---------------------------------------------------------------------------

#: targets a browser would follow to another site (or run as script), by family
HOSTILE = [
    # scheme-relative and extra slashes
    "//evil.example",
    "//evil.example/path?x=1",
    "///evil.example",
    "////evil.example",
    # backslashes (browsers read \ as /)
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    # tabs, CR, LF and other controls (browsers drop tab/CR/LF anywhere)
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "\x00//evil.example",
    "/\x0b/evil.example",
    "/\x7f/evil.example",
    "/\u0085/evil.example",
    # invisible format characters and line separators
    "/\u200b/evil.example",
    "/\u202e/evil.example",
    "/\u2028/evil.example",
    # encoded forms, single and double
    "%2F%2Fevil.example",
    "%2f%2fevil.example",
    "/%2Fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    "/%00/evil.example",
    "/%252F%252Fevil.example",
    "/%25252F/evil.example",
    "/%255Cevil.example",
    "/%2509/evil.example",
    # Unicode look-alikes of / and \
    "/\uff0fevil.example",
    "\uff0f\uff0fevil.example",
    "/\uff3cevil.example",
    # userinfo
    "//acme.localhost@evil.example",
    "/@evil.example",
    "/%40evil.example",
    # any scheme, and absolute URLs (also to this host: never needed, so never allowed)
    "https://evil.example",
    "http://evil.example/",
    "HTTPS://evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http://acme.localhost@evil.example/",
    "https://acme.localhost/dashboard",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    " javascript:alert(1)",
    "javascript%3Aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    # not a path at all
    "evil.example",
    "",
    "/" + "a" * 3000,
]

#: same-site paths the portal itself sends as ``next`` — kept as they are
SAFE = [
    "/",
    "/dashboard",
    "/tier",
    "/deals/review?status=submitted&page=2",
    "/search?q=a%2Fb",
    "/search?q=anna%40northwind.example",
    "/search?q=anna@northwind.example",
    "/content/items/3?lang=de#top",
    "/deals/?q=%E2%82%AC",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_next_refuses_every_bypass_family(value):
    assert not is_safe_path(value)
    assert safe_next(value, "/fallback") == "/fallback"


@pytest.mark.parametrize("value", SAFE)
def test_safe_next_keeps_same_site_paths(value):
    assert safe_next(value, "/fallback") == value


def test_safe_next_survives_undecodable_input():
    assert safe_next("/%ff%fe/evil", "/fallback") == "/fallback"
    assert safe_next(None, "/fallback") == "/fallback"


def _lands_home(resp, client) -> None:
    location = resp.headers["Location"]
    parts = urlsplit(location)
    assert parts.netloc in ("", client.host), location
    assert parts.path == "/", location
    assert not parts.path.startswith("//")


@pytest.mark.parametrize("value", HOSTILE)
def test_sign_in_never_redirects_off_site(world, client_as, value):
    client = client_as(None)
    resp = client.post_form(
        "/login",
        {"email": world.users["gold_admin"].email, "password": TEST_PASSWORD},
        query_string={"next": value},
    )
    assert resp.status_code == 302
    _lands_home(resp, client)


@pytest.mark.parametrize("value", HOSTILE)
def test_language_change_never_redirects_off_site(world, client_as, value):
    client = client_as(world.users["gold_user"])
    resp = client.post(
        "/locale", data={"csrf_token": client.csrf_token, "locale": "de", "next": value}
    )
    assert resp.status_code == 302
    _lands_home(resp, client)


def test_sign_in_and_language_change_keep_a_same_site_next(world, client_as):
    client = client_as(None)
    resp = client.post_form(
        "/login",
        {"email": world.users["gold_admin"].email, "password": TEST_PASSWORD},
        query_string={"next": "/tier?x=1"},
    )
    assert resp.headers["Location"] == "/tier?x=1"
    resp = client.post(
        "/locale",
        data={"csrf_token": client.csrf("/tier"), "locale": "de", "next": "/team?page=2"},
    )
    assert resp.headers["Location"] == "/team?page=2"


# --- the sign-in limiter ----------------------------------------------------------------------


@pytest.fixture
def limits(portalis_app):
    """Small limits for one test, in empty storage (the limiter is shared by all apps)."""
    saved = {
        k: portalis_app.config.get(k) for k in ("LOGIN_RATE_LIMIT", "LOGIN_ADDRESS_RATE_LIMIT")
    }
    portalis_app.config["LOGIN_RATE_LIMIT"] = "3 per 15 minutes"
    portalis_app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "5 per 15 minutes"
    limiter.reset()
    yield portalis_app.config
    portalis_app.config.update(saved)
    limiter.reset()


def _sign_in(client, email, password=TEST_PASSWORD, ip="192.0.2.10"):
    return client.post_form(
        "/login",
        {"email": email, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


PAUSED = "signing in is paused"


def _variants(world):
    slug = world.tenant.slug
    return [
        f"{slug.upper()}.localhost",
        f"{slug}.LOCALHOST",
        f"{slug}.localhost.",
        f"{slug}.localhost:5201",
        f"{slug}.localhost:8080",
        f"{slug.title()}.localhost.:5201",
    ]


@pytest.mark.parametrize("variant", range(6))
def test_a_paused_account_stays_paused_whatever_the_host_spelling(
    world, client_as, limits, variant
):
    email = world.users["gold_admin"].email
    attacker = client_as(None)
    for _ in range(3):
        assert _sign_in(attacker, email, "wrong guess").status_code == 401
    assert _sign_in(attacker, email).status_code == 429
    other = client_as(None)
    other.host = _variants(world)[variant]
    resp = _sign_in(other, email)
    assert resp.status_code == 429, other.host
    assert PAUSED in resp.get_data(as_text=True)
    assert other.get("/dashboard").status_code == 302  # not signed in


@pytest.mark.parametrize("variant", range(6))
def test_a_paused_address_stays_paused_whatever_the_host_spelling(
    world, client_as, limits, variant
):
    attacker = client_as(None)
    for i in range(5):  # one guess each at five accounts: password spraying
        assert _sign_in(attacker, f"someone{i}@x.test", "wrong guess").status_code == 401
    other = client_as(None)
    other.host = _variants(world)[variant]
    resp = _sign_in(other, "someone-else@x.test", "another guess")
    assert resp.status_code == 429, other.host
    assert PAUSED in resp.get_data(as_text=True)


def test_the_account_email_is_normalised(world, client_as, limits):
    email = world.users["gold_admin"].email
    client = client_as(None)
    for spelling in (email.upper(), f"  {email} ", email.title()):
        assert _sign_in(client, spelling, "wrong guess").status_code == 401
    assert _sign_in(client, email).status_code == 429


def test_an_account_is_paused_for_guesses_from_many_addresses(world, client_as, limits):
    email = world.users["gold_admin"].email
    for i in range(3):
        assert _sign_in(client_as(None), email, "wrong", ip=f"198.51.100.{i}").status_code == 401
    resp = _sign_in(client_as(None), email, ip="198.51.100.77")
    assert resp.status_code == 429
    body = resp.get_data(as_text=True)
    assert PAUSED in body and "Forgot your password?" in body
    assert 'name="password"' in body  # the sign-in form, not a dead end


def test_ipv6_neighbours_share_one_budget(world, client_as, limits):
    client = client_as(None)
    for i in range(5):
        ip = f"2001:db8:1:2::{i + 1}"
        assert _sign_in(client, f"spray{i}@x.test", "wrong", ip=ip).status_code == 401
    assert _sign_in(client, "spray9@x.test", "wrong", ip="2001:db8:1:2::ffff").status_code == 429
    assert _sign_in(client, "spray9@x.test", "wrong", ip="2001:db8:9:9::1").status_code == 401


def test_eleven_correct_sign_ins_from_one_address_all_succeed(world, client_as, portalis_app):
    portalis_app.config["LOGIN_RATE_LIMIT"] = "10 per 15 minutes"
    portalis_app.config.pop("LOGIN_ADDRESS_RATE_LIMIT", None)  # the default
    limiter.reset()
    try:
        users = [world.users[k] for k in ("gold_admin", "gold_user", "silver_admin", "silver_user")]
        codes = [
            _sign_in(client_as(None), users[i % len(users)].email, ip="203.0.113.5").status_code
            for i in range(25)
        ]
    finally:
        portalis_app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
        limiter.reset()
    assert codes == [302] * 25


def test_colleagues_behind_one_address_sign_in_while_a_typo_prone_one_is_paused(
    world, client_as, limits
):
    office = "203.0.113.9"
    clumsy = client_as(None)
    for _ in range(3):
        _sign_in(clumsy, world.users["gold_user"].email, "typo", ip=office)
    assert _sign_in(clumsy, world.users["gold_user"].email, ip=office).status_code == 429
    for key in ("gold_admin", "silver_admin", "silver_user"):
        assert _sign_in(client_as(None), world.users[key].email, ip=office).status_code == 302


def test_a_trusted_browser_signs_in_while_its_account_and_address_are_paused(
    world, client_as, limits
):
    email = world.users["gold_admin"].email
    owner = client_as(None)
    assert _sign_in(owner, email, ip="203.0.113.20").status_code == 302
    assert owner.get_cookie(DEVICE_COOKIE, domain=owner.host) is not None
    owner.post("/logout", data={"csrf_token": owner.csrf("/dashboard")})
    # an attacker pauses the account from elsewhere, and the owner's office address
    for i in range(3):
        _sign_in(client_as(None), email, "guess", ip=f"198.51.100.{i}")
    for i in range(5):
        _sign_in(client_as(None), f"x{i}@x.test", "guess", ip="203.0.113.20")
    assert _sign_in(client_as(None), email, ip="203.0.113.20").status_code == 429
    assert _sign_in(owner, email, ip="203.0.113.20").status_code == 302
    owner.post("/logout", data={"csrf_token": owner.csrf("/dashboard")})
    # the trusted cookie vouches for that account only
    assert _sign_in(owner, "x9@x.test", "guess", ip="203.0.113.20").status_code == 429
    # and has a failure budget of its own: a stolen cookie can't guess on and on
    for _ in range(3):
        assert _sign_in(owner, email, "guess", ip="203.0.113.20").status_code == 401
    assert _sign_in(owner, email, ip="203.0.113.20").status_code == 429


def test_a_forged_device_cookie_is_worthless(world, client_as, limits):
    email = world.users["gold_admin"].email
    for i in range(3):
        _sign_in(client_as(None), email, "guess", ip=f"198.51.100.{i}")
    client = client_as(None)
    client.set_cookie(DEVICE_COOKIE, "eyJ0IjoidDEifQ.forged.sig", domain=client.host)
    assert _sign_in(client, email).status_code == 429


def test_a_successful_sign_in_forgets_the_accounts_failures(world, client_as, limits):
    email = world.users["gold_admin"].email
    for _ in range(2):
        _sign_in(client_as(None), email, "typo")
    assert _sign_in(client_as(None), email).status_code == 302
    for _ in range(2):
        _sign_in(client_as(None), email, "typo")
    assert _sign_in(client_as(None), email).status_code == 302


def _link(message):
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://\S+", body).group(0)


def test_choosing_a_new_password_lifts_the_pause(world, client_as, limits, mailbox):
    email = world.users["silver_user"].email
    for _ in range(3):
        _sign_in(client_as(None), email, "guess", ip="198.51.100.1")
    client = client_as(None)
    assert _sign_in(client, email).status_code == 429
    client.post_form("/forgot", {"email": email})
    path = _link(mailbox[-1]).split(client.host, 1)[1]
    new = "a fresh long secret"
    assert client.post_form(path, {"password": new, "confirm": new}).status_code == 302
    assert _sign_in(client_as(None), email, new).status_code == 302


# --- forgot password: the same work for every address -----------------------------------------


class _Recorder:
    def __init__(self) -> None:
        self.specs: list[JobSpec] = []

    def submit(self, spec: JobSpec) -> None:
        self.specs.append(spec)


def _forgot(client, email):
    resp = client.post_form("/forgot", {"email": email})
    assert resp.status_code == 200
    assert "If an account exists" in resp.get_data(as_text=True)
    return resp


def test_forgot_password_does_the_same_work_for_known_and_unknown_addresses(
    world, client_as, portalis_app, mailbox
):
    jobs = portalis_app.extensions["portalis_jobs"]
    recorder = _Recorder()
    portalis_app.extensions["portalis_jobs"] = recorder
    try:
        known = _forgot(client_as(None), world.users["silver_user"].email)
        unknown = _forgot(client_as(None), "ghost@nowhere.test")
        inactive_lookalike = _forgot(client_as(None), "SILVER-nobody@x.test")
    finally:
        portalis_app.extensions["portalis_jobs"] = jobs
    counts = {r.headers["X-SQL-Statements"] for r in (known, unknown, inactive_lookalike)}
    assert len(counts) == 1, counts
    # each request queued exactly one job, the same one, and sent nothing itself
    assert [s.func for s in recorder.specs] == ["portalis.web.auth:send_reset_link"] * 3
    assert mailbox == []
    # the job, run, mails the known address only
    for spec in recorder.specs:
        jobs.submit(spec)
    assert [m["To"] for m in mailbox] == [world.users["silver_user"].email]


def test_forgot_password_mail_still_arrives(world, client_as, mailbox):
    client = client_as(None)
    _forgot(client, world.users["silver_user"].email.upper())
    assert len(mailbox) == 1 and mailbox[0]["To"] == world.users["silver_user"].email
    assert "/reset/" in _link(mailbox[0])


def test_a_new_password_ends_the_trust_a_browser_earned_with_the_old_one(
    world, client_as, limits, db_session
):
    from portalis.identity.passwords import hash_password
    from portalis.models import User
    from portalis.tenancy import tenant_scope

    email = world.users["gold_admin"].email
    owner = client_as(None)
    assert _sign_in(owner, email, ip="203.0.113.20").status_code == 302
    owner.post("/logout", data={"csrf_token": owner.csrf("/dashboard")})
    with tenant_scope(world.tenant.id):  # the owner resets the password (e.g. after a leak)
        db_session.get(User, world.users["gold_admin"].id).password_hash = hash_password(
            "a-brand-new-passphrase"
        )
        db_session.commit()
    for i in range(3):  # an attacker pauses the account
        _sign_in(client_as(None), email, "guess", ip=f"198.51.100.{i}")
    # the browser trusted under the old password is an ordinary browser now
    assert _sign_in(owner, email, "a-brand-new-passphrase", ip="203.0.113.20").status_code == 429
