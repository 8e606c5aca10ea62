"""Every visible string passed through gettext.

Every GET page of the app — core and every installed plugin — is rendered for each role
in a pseudo-locale where translated text comes back accented and bracketed ⟦…⟧. Any
visible text left outside brackets that isn't data (names, e-mails, numbers, dates,
codes) was not marked for translation. The machinery is the contract kit's
(portalis.testing.pseudo); each plugin runs it on its own pages through the contract.
"""

import pytest

from portalis.testing.kit import rules_of, seed_plugin_data, victim_values
from portalis.testing.pseudo import pseudo_locale, untranslated_on_pages


@pytest.fixture
def pseudo(world):
    seed_plugin_data(world)
    with pseudo_locale(world):
        yield world


def test_every_page_is_fully_translatable(pseudo, client_as):
    world = pseudo
    own = {**victim_values(world, "gold"), "any_id": 1}
    rules = [r for r in rules_of(world.app) if not r.endpoint.startswith("platform.")]
    pages, problems = untranslated_on_pages(
        world,
        client_as,
        rules,
        ("vendor_admin", "channel_manager", "gold_admin", "gold_user", None),
        own,
    )
    assert pages >= 20
    assert not problems, "\n".join(f"{k}: {sorted(v)}" for k, v in sorted(problems.items()))
