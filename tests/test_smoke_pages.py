"""Every core page renders for the roles that may see it."""

import pytest

PARTNER_PAGES = ["/dashboard", "/tier", "/profile"]
PARTNER_ADMIN_PAGES = ["/team"]
VENDOR_PAGES = ["/admin/", "/admin/partners", "/admin/programs"]
VENDOR_ADMIN_PAGES = ["/admin/users", "/admin/settings", "/admin/audit", "/admin/programs/new"]


@pytest.mark.parametrize("path", PARTNER_PAGES + PARTNER_ADMIN_PAGES)
def test_partner_admin_sees_partner_pages(world, client_as, path):
    resp = client_as(world.users["gold_admin"]).get(path)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    assert "Gina Gold" in resp.get_data(as_text=True)


@pytest.mark.parametrize("path", VENDOR_PAGES + VENDOR_ADMIN_PAGES)
def test_vendor_admin_sees_admin_pages(world, client_as, path):
    resp = client_as(world.users["vendor_admin"]).get(path)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:2000]
    assert "Vera Admin" in resp.get_data(as_text=True)


def test_htmx_filter_returns_just_the_results_fragment(world, client_as):
    resp = client_as(world.users["vendor_admin"]).get(
        "/admin/partners?q=Gold", headers={"HX-Request": "true"}
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<html" not in body and world.partners["gold"].name in body
    assert world.partners["silver"].name not in body
    assert "HX-Request" in resp.headers["Vary"]
