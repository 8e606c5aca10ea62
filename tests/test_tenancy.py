"""Tenant scoping fails closed, filters automatically, and comes only from the host."""

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portalis.db import db
from portalis.models import Partner, Tier, User
from portalis.tenancy import ScopeError, tenant_scope, unscoped


def test_query_without_tenant_scope_raises(world):
    with pytest.raises(ScopeError):
        db.session.scalars(select(Partner)).all()


def test_count_without_tenant_scope_raises(world):
    with pytest.raises(ScopeError):
        db.session.scalar(select(func.count()).select_from(Partner))


def test_bulk_update_without_scope_raises(world):
    with pytest.raises(ScopeError):
        db.session.execute(update(Partner).values(status="suspended"))


def test_scoped_queries_see_only_own_tenant(world):
    other_partner_ids = {p.id for p in world.other["partners"].values()}
    with tenant_scope(world.tenant.id):
        names = set(db.session.scalars(select(Partner.name)))
        ids = set(db.session.scalars(select(Partner.id)))
        count = db.session.scalar(select(func.count()).select_from(Partner))
        joined = (
            db.session.execute(select(User.email).join(Partner, Partner.id == User.partner_id))
            .scalars()
            .all()
        )
    assert names == {p.name for p in world.partners.values()}
    assert not ids & other_partner_ids
    assert count == 2
    assert all(world.tenant.slug in email for email in joined)


def test_scoped_bulk_update_touches_only_own_tenant(world):
    with tenant_scope(world.tenant.id):
        db.session.execute(update(Partner).values(status="suspended"))
        db.session.commit()
    with unscoped("test inspects every tenant"):
        statuses = dict(db.session.execute(select(Partner.tenant_id, Partner.status)).all())
    assert statuses[world.tenant.id] == "suspended"
    assert statuses[world.other_tenant.id] == "active"


def test_get_of_other_tenants_row_returns_nothing(world):
    foreign = world.other["partners"]["gold"].id
    db.session.remove()  # a fresh session per request, as the app does
    with tenant_scope(world.tenant.id):
        assert db.session.get(Partner, foreign) is None


def test_flush_outside_scope_raises(world):
    db.session.add(Partner(name="Loose", program_id=world.program.id, tenant_id=world.tenant.id))
    with pytest.raises(ScopeError):
        db.session.flush()
    db.session.rollback()


def test_new_rows_are_stamped_with_the_active_tenant(world):
    with tenant_scope(world.tenant.id):
        p = Partner(name="Stamped", program_id=world.program.id, tier_id=world.tiers["silver"].id)
        db.session.add(p)
        db.session.flush()
        assert p.tenant_id == world.tenant.id
        db.session.rollback()


def test_writing_into_another_tenant_raises(world):
    with tenant_scope(world.tenant.id):
        db.session.add(
            Partner(
                name="Smuggled",
                program_id=world.other["program"].id,
                tenant_id=world.other_tenant.id,
            )
        )
        with pytest.raises(ScopeError):
            db.session.flush()
        db.session.rollback()


def test_cross_tenant_reference_is_refused_by_the_database(world):
    # a partner of tenant A pointing at a tier of tenant B: the composite FK refuses it
    with unscoped("test writes a deliberately broken row"):
        db.session.add(
            Partner(
                name="Confused",
                tenant_id=world.tenant.id,
                program_id=world.program.id,
                tier_id=world.other["tiers"]["gold"].id,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_unscoped_requires_a_reason():
    with pytest.raises(ValueError), unscoped(""):
        pass


def test_unknown_host_is_404(world, client_as):
    client = client_as(None)
    client.host = "nosuchvendor.localhost"
    resp = client.get("/login")
    assert resp.status_code == 404
    # the issue (#11, finding 8): say there is no portal here, not "Page not found"
    assert "There is no portal at this address" in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "trick",
    [
        {"headers": {"X-Forwarded-Host": "{other}.localhost"}},
        {"headers": {"X-Tenant": "{other}"}},
        {"query_string": {"tenant": "{other}"}},
    ],
)
def test_tenant_never_comes_from_headers_or_parameters(world, client_as, trick):
    client = client_as(world.users["gold_admin"])
    kwargs = {
        k: {kk: vv.format(other=world.other_tenant.slug) for kk, vv in v.items()}
        for k, v in trick.items()
    }
    body = client.get("/admin/partners", **kwargs).get_data(as_text=True) + client.get(
        "/team", **kwargs
    ).get_data(as_text=True)
    for partner in world.other["partners"].values():
        assert partner.name not in body
    assert "Gina Gold" in body  # still served as the own tenant


def test_session_cookie_is_per_host(world, client_as):
    client = client_as(world.users["vendor_admin"])
    assert client.get("/admin/").status_code == 200
    client.host = f"{world.other_tenant.slug}.localhost"
    resp = client.get("/admin/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_tier_rows_are_scoped_in_joins(world):
    with tenant_scope(world.other_tenant.id):
        rows = db.session.execute(
            select(Partner.name, Tier.name).join(Tier, Tier.id == Partner.tier_id)
        ).all()
    assert {r[0] for r in rows} == {p.name for p in world.other["partners"].values()}
