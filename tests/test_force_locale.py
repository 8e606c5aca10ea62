"""``api.force_locale``: a block in a language other than the reader's (a mail in its
recipient's language, a contract in the language it is written in) — in a request and in
a job, and the reader's language comes back afterwards."""

from decimal import Decimal

import pytest

from portalis import api
from portalis.i18n import gettext


def test_in_a_request_the_block_speaks_the_forced_language(world, portalis_app):
    with portalis_app.test_request_context(
        base_url=f"http://{world.host()}", headers={"Accept-Language": "en"}
    ):
        assert gettext("Tier updated.") == "Tier updated."
        with api.force_locale("de"):
            assert api.current_locale() == "de"
            assert gettext("Tier updated.") == "Stufe aktualisiert."
            assert api.money(Decimal("1234.5"), "EUR") == "1.234,50\xa0€"
        assert api.current_locale() != "de"
        assert gettext("Tier updated.") == "Tier updated."


def test_in_a_job_too_and_the_language_comes_back_after_an_error(portalis_app):
    with portalis_app.app_context():
        assert api.current_locale() == "en"
        with pytest.raises(RuntimeError), api.force_locale("de"):
            assert api.current_locale() == "de"
            assert gettext("Tier updated.") == "Stufe aktualisiert."
            raise RuntimeError
        assert api.current_locale() == "en"
        assert gettext("Tier updated.") == "Tier updated."
