"""The features a template may lock are offered by their titles in the vendor's language
("Deal-Registrierung"), never by the plugins' technical names ("deals")."""

from __future__ import annotations

import re


def _options(html: str, name: str) -> dict[str, str]:
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no <select name={name}>"
    return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>(.*?)</option>', found.group(1)))


def test_the_lock_picker_names_features_by_their_translated_titles(world, client_as):
    html = (
        client_as(world.users["vendor_admin"])
        .get("/agreements/manage/new", headers={"Accept-Language": "de"})
        .get_data(as_text=True)
    )
    features = _options(html, "lock_plugins")
    assert features["deals"] == "Deal-Registrierung"
    assert features["content"] == "Inhaltsbibliothek"
    assert "agreements" not in features  # its own pages always stay open
    assert list(features.values()) == sorted(features.values(), key=str.casefold)
