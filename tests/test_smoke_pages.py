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
