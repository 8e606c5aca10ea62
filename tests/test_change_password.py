"""The change-password page (/account/password), for every signed-in role.

Decision (docs/security.md, "Sessions end when access is reduced"): "Sign out my other
sessions" starts ticked; this browser stays signed in with a new session token; unticked,
the other browsers stay signed in. A wrong current password changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portalis.db import db
from portalis.identity.passwords import verify_password
from portalis.models import AuditEntry, User, UserSession
from portalis.tenancy import tenant_scope
from portalis.testing.fixtures import TEST_PASSWORD

NEW = "a much better passphrase"
URL = "/account/password"


def _user(world, user) -> User:
    user_id = user.id
    db.session.remove()  # a fresh read, not the test's copy
    with tenant_scope(world.tenant.id):
        found = db.session.get(User, user_id)
        assert found is not None
        return found


def _sessions(world, user) -> int:
    with tenant_scope(world.tenant.id):
        return db.session.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
        )


def _post(client, current=TEST_PASSWORD, new=NEW, confirm=None, others=True, **extra):
    data = {"current": current, "password": new, "confirm": new if confirm is None else confirm}
    if others:
        data["sign_out_others"] = "y"
    data.update(extra)
    return client.post(URL, data={**data, "csrf_token": client.csrf_token})


def _signed_in(client) -> bool:
    r = client.get("/profile")
    if r.status_code == 302:
        assert "/login" in r.headers["Location"]
        return False
    assert r.status_code == 200
    return True


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _input(page: str, name: str) -> str:
    """The <input> tag named ``name``."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, name
    return match.group(0)


@pytest.mark.parametrize("who", ["vendor_admin", "channel_manager", "gold_admin", "gold_user"])
def test_every_role_changes_the_password_and_other_sessions_end(world, client_as, who):
    user = world.users[who]
    here, elsewhere = client_as(user), client_as(user)
    page = here.get(URL)
    assert page.status_code == 200
    assert 'name="current"' in _text(page)
    assert "checked" in _input(_text(page), "sign_out_others")  # starts ticked
    r = _post(here)
    assert r.status_code == 302 and r.headers["Location"].endswith("/profile")
    done = here.get(r.headers["Location"])
    assert "Your password was changed. You are signed out everywhere else." in _text(done)
    assert verify_password(_user(world, user).password_hash, NEW)
    assert _signed_in(here)  # this browser stays signed in
    assert not _signed_in(elsewhere)  # the other one is signed out at once
    assert _sessions(world, user) == 1
    # the new password signs in; the old one no longer does
    anon = client_as(None)
    bad = anon.post(
        "/login",
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": anon.csrf_token},
    )
    assert bad.status_code == 401
    good = anon.post(
        "/login", data={"email": user.email, "password": NEW, "csrf_token": anon.csrf_token}
    )
    assert good.status_code == 302


def test_this_browser_gets_a_new_session_token(world, client_as):
    user = world.users["gold_user"]
    here = client_as(user)
    with here.session_transaction(base_url=f"http://{here.host}") as sess:
        before = sess["sid"]
    assert _post(here).status_code == 302
    with here.session_transaction(base_url=f"http://{here.host}") as sess:
        assert sess["sid"] != before
    assert _signed_in(here)


def test_unticked_other_sessions_stay_signed_in(world, client_as):
    user = world.users["gold_admin"]
    here, elsewhere = client_as(user), client_as(user)
    r = _post(here, others=False)
    assert r.status_code == 302
    assert "Your password was changed." in _text(here.get(r.headers["Location"]))
    assert verify_password(_user(world, user).password_hash, NEW)
    assert _signed_in(here)
    assert _signed_in(elsewhere)
    assert _sessions(world, user) == 2  # the old token of this browser is gone, not added


def test_wrong_current_password_changes_nothing(world, client_as):
    user = world.users["gold_user"]
    before = _user(world, user).password_hash
    here, elsewhere = client_as(user), client_as(user)
    r = _post(here, current="not my password")
    assert r.status_code == 422
    assert "This is not your current password." in _text(r)
    assert 'aria-invalid="true"' in _input(_text(r), "current")
    assert _user(world, user).password_hash == before
    assert _signed_in(here) and _signed_in(elsewhere)
    with tenant_scope(world.tenant.id):
        assert not db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action.in_(["user.password_changed", "user.sessions_ended"]),
                AuditEntry.object_id == str(user.id),
            )
        ).all()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"new": "short"}, "password", "Use at least 10 characters."),
        ({"confirm": "something else entirely"}, "confirm", "The two passwords differ."),
        ({"new": TEST_PASSWORD}, "password", "Choose a password different from the current one."),
        ({"current": ""}, "current", "This field is required."),
        ({"new": "", "confirm": ""}, "password", "This field is required."),
    ],
)
def test_new_password_rules_answer_with_a_field_error(world, client_as, data, field, message):
    user = world.users["channel_manager"]
    before = _user(world, user).password_hash
    here = client_as(user)
    r = _post(here, **data)
    assert r.status_code == 422
    page = _text(r)
    assert message in page
    assert f'id="{field}-error"' in page
    assert _user(world, user).password_hash == before


def test_the_email_address_is_not_a_password(world, client_as):
    user = world.users["gold_admin"]
    r = _post(client_as(user), new=user.email.upper())
    assert r.status_code == 422
    assert "Your password must differ from your e-mail address." in _text(r)


@pytest.mark.parametrize(
    "data",
    [
        {"current": "x" * 5000, "password": "y" * 5000, "confirm": "y" * 5000},
        {"current": "\x00", "password": "\x00" * 12, "confirm": "\x00" * 12},
        {"current": TEST_PASSWORD, "password": "ü" * 2000, "confirm": "ü" * 2000},
        {"sign_out_others": "maybe"},
        {},
    ],
)
def test_hostile_input_never_answers_500(world, client_as, data):
    user = world.users["gold_user"]
    before = _user(world, user).password_hash
    here = client_as(user)
    r = here.post(URL, data={**data, "csrf_token": here.csrf_token})
    assert r.status_code == 422
    assert _user(world, user).password_hash == before


def test_invalid_utf8_never_answers_500(world, client_as):
    here = client_as(world.users["gold_user"])
    body = (
        b"current=%ff%fe&password=%c3%28aaaaaaaaaa&confirm=%c3%28aaaaaaaaaa&csrf_token="
        + (here.csrf_token or "").encode()
    )
    r = here.post(URL, data=body, content_type="application/x-www-form-urlencoded")
    assert r.status_code < 500


def test_signed_out_visitors_are_sent_to_sign_in(world, client_as):
    anon = client_as(None)
    r = anon.get(URL)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_wrong_guesses_are_rate_limited_per_person(world, client_as):
    user = world.users["silver_user"]
    here = client_as(user)
    for _ in range(5):
        assert _post(here, current="wrong guess").status_code == 422
    limited = _post(here)  # even the right password waits now
    assert limited.status_code == 429
    assert "Too many attempts" in _text(limited)
    assert verify_password(_user(world, user).password_hash, TEST_PASSWORD)
    # another person on the same address is not affected
    other = client_as(world.users["silver_admin"])
    assert _post(other).status_code == 302


def test_mistakes_in_the_new_password_do_not_count_as_guesses(world, client_as):
    here = client_as(world.users["gold_admin"])
    for _ in range(8):
        assert _post(here, new="short").status_code == 422
    assert _post(here).status_code == 302


def test_a_reset_link_sent_before_the_change_stops_working(world, client_as, mailbox):
    user = world.users["gold_user"]
    anon = client_as(None)
    anon.post("/forgot", data={"email": user.email, "csrf_token": anon.csrf_token})
    link = re.search(
        r"https?://[^\s\"<>]+/reset/[^\s\"<>]+", mailbox[-1].get_body().get_content()
    ).group(0)
    path = "/" + link.split("/", 3)[3]
    assert anon.get(path).status_code == 200  # the link works (looking doesn't use it)
    assert _post(client_as(user)).status_code == 302
    assert anon.get(path).status_code == 400


def test_the_profile_page_and_the_menu_link_to_it(world, client_as):
    for who in ("gold_user", "vendor_admin"):
        page = _text(client_as(world.users[who]).get("/profile"))
        assert f'href="{URL}"' in page
        assert "Change password" in page


@pytest.mark.parametrize(
    ("locale", "heading"),
    [
        ("de", "Passwort ändern"),
        ("fr", "Modifier le mot de passe"),
        ("es", "Cambiar la contraseña"),
        ("ja", "パスワードを変更"),
        ("ar", "تغيير كلمة المرور"),
    ],
)
def test_the_page_is_translated(world, client_as, locale, heading):
    user = world.users["gold_user"]
    with tenant_scope(world.tenant.id):
        db.session.get(User, user.id).locale = locale
        db.session.commit()
    here = client_as(user)
    page = _text(here.get(URL))
    assert heading in page
    r = _post(here, current="wrong guess")
    assert r.status_code == 422
    assert "This is not your current password." not in _text(r)
