"""``api.mail_users``: one mail per person of a group, each in that person's language, none
twice — the one way the core and the plugins notify groups of people."""

from types import SimpleNamespace

from portalis import api


def test_each_person_gets_one_mail_in_their_own_language(world, portalis_app, mailbox):
    admin, user = world.users["gold_admin"], world.users["gold_user"]
    with (
        portalis_app.test_request_context(base_url=f"http://{world.host()}"),
        api.tenant_scope(world.tenant.id),
    ):
        admin = api.session.merge(admin)
        user = api.session.merge(user)
        admin.locale, user.locale = "de", "fr"
        nobody = SimpleNamespace(email=None, locale="en", name="Nobody")
        # the admin comes twice (an overlapping group) and someone has no address
        sent = api.mail_users(
            [admin, user, admin, nobody], "password_reset", link="https://example.test/r"
        )
        api.session.commit()
    assert sent == 2
    by_address = {m["To"]: m for m in mailbox}
    assert sorted(by_address) == sorted([admin.email, user.email])
    assert len(mailbox) == 2
    german, french = by_address[admin.email], by_address[user.email]
    assert german["Content-Language"] == "de"
    assert german["Subject"].startswith("Neues Passwort für")
    assert french["Content-Language"] == "fr"
    assert french["Subject"].startswith("Choisissez un nouveau mot de passe")
    # each mail greets its own reader
    assert admin.name in german.get_body(("plain",)).get_content()
    assert user.name in french.get_body(("plain",)).get_content()


def test_nobody_to_tell_sends_nothing(world, portalis_app, mailbox):
    with (
        portalis_app.test_request_context(base_url=f"http://{world.host()}"),
        api.tenant_scope(world.tenant.id),
    ):
        assert api.mail_users([], "password_reset", link="https://example.test/r") == 0
        api.session.commit()
    assert mailbox == []
