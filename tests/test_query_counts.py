"""A page's SQL statement count must not grow with the data (no N+1)."""

import pytest

from portalis.db import db
from portalis.models import Partner, User
from portalis.tenancy import tenant_scope


def _add_partners(world, n):
    with tenant_scope(world.tenant.id):
        for i in range(n):
            p = Partner(
                name=f"Bulk Partner {i:03}",
                program_id=world.program.id,
                tier_id=world.tiers["silver"].id,
            )
            db.session.add(p)
            db.session.flush()
            db.session.add(
                User(
                    email=f"u{i}@bulk{i}.test",
                    name=f"Bulk User {i}",
                    role="partner_user",
                    partner_id=p.id,
                )
            )
        db.session.commit()


#: Statements a page may take (the test's own SAVEPOINT/RELEASE pair included): the core's
#: dozen (tenant, session, viewer, the page's own reads) plus one or two for each bundled
#: plugin that shows something on it (a nav badge, a dashboard card, an access blocker). It
#: grows with the plugins installed, never with the data: that is what the tests assert.
BUDGET = 22


def _count(client, path):
    resp = client.get(path)
    assert resp.status_code == 200, path
    return int(resp.headers["X-SQL-Statements"])


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/partners", "/admin/programs", "/admin/programs/{program}", "/admin/audit"],
)
def test_vendor_pages_do_not_grow_with_partners(world, client_as, path):
    url = path.format(program=world.program.id)
    admin = client_as(world.users["vendor_admin"])
    before = _count(admin, url)
    _add_partners(world, 30)
    after = _count(admin, url)
    assert after == before, f"{url}: {before} statements with 2 partners, {after} with 32"
    assert after <= BUDGET


@pytest.mark.parametrize("path", ["/dashboard", "/tier", "/team"])
def test_partner_pages_stay_within_budget(world, client_as, path):
    client = client_as(world.users["gold_admin"])
    before = _count(client, path)
    _add_partners(world, 30)
    assert _count(client, path) == before
    assert before <= BUDGET
