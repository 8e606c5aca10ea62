"""Every response carries the portal's security headers — pages, errors, files — so no
page can be framed, sniffed into another type or run a script from elsewhere."""

import pytest

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@pytest.mark.parametrize(
    "who,path",
    [
        (None, "/login"),
        (None, "/no-such-page"),
        ("gold_user", "/dashboard"),
        ("gold_user", "/deals/"),
        ("vendor_admin", "/admin/"),
        ("vendor_admin", "/admin/roles"),
        (None, "/static/vendor/icons.svg"),
    ],
)
def test_security_headers_on_every_kind_of_response(world, client_as, who, path):
    client = client_as(world.users[who] if who else None)
    resp = client.get(path)
    assert resp.status_code in (200, 404)
    for header, value in EXPECTED.items():
        assert resp.headers.get(header) == value, header
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
