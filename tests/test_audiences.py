"""The audience rule every plugin shares (``api.audience_clause``, ``api.audience_reach``,
``api.VISIBILITIES``): everyone in the program, chosen tiers, chosen partner companies or
nobody but the vendor's staff — checked on tables of a plugin of our own, the way the
content library, courses and paths use it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import BigInteger, Column, MetaData, String, Table, insert, select

from portalis import api
from portalis.context import Viewer
from portalis.db import db
from portalis.tenancy import tenant_scope

metadata = MetaData()
things = Table(
    "test_audience_things",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("program_id", BigInteger),
    Column("visibility", String(10)),
)
thing_tiers = Table(
    "test_audience_thing_tiers",
    metadata,
    Column("thing_id", BigInteger),
    Column("tier_id", BigInteger),
)
thing_partners = Table(
    "test_audience_thing_partners",
    metadata,
    Column("thing_id", BigInteger),
    Column("partner_id", BigInteger),
)


@pytest.fixture
def scene(world) -> Iterator[dict[str, int]]:
    """Things of every kind of audience (their ids by name), in tables of the test's own
    (created in the test's transaction, gone with it)."""
    connection = db.session.connection()
    metadata.create_all(connection)
    with tenant_scope(world.tenant.id):
        other_program = api.Program(slug="distributors", name="Distributors")
        db.session.add(other_program)
        db.session.flush()
        program, other = world.program.id, other_program.id
    gold, silver = world.tiers["gold"].id, world.tiers["silver"].id
    rows = {
        "for everyone": (1, program, "everyone"),
        "for gold": (2, program, "tiers"),
        "for the silver company": (3, program, "partners"),
        "hidden": (4, program, "hidden"),
        "another program's": (5, other, "everyone"),
        "for no tier chosen": (6, program, "tiers"),
        "for gold and silver": (7, program, "tiers"),
    }
    db.session.execute(
        insert(things), [{"id": i, "program_id": p, "visibility": v} for i, p, v in rows.values()]
    )
    db.session.execute(
        insert(thing_tiers),
        [
            {"thing_id": 2, "tier_id": gold},
            {"thing_id": 7, "tier_id": gold},
            {"thing_id": 7, "tier_id": silver},
            # a tier of the right name on a hidden thing changes nothing
            {"thing_id": 4, "tier_id": gold},
        ],
    )
    db.session.execute(
        insert(thing_partners), [{"thing_id": 3, "partner_id": world.partners["silver"].id}]
    )
    yield {name: row[0] for name, row in rows.items()}
    db.session.rollback()
    metadata.drop_all(db.session.connection(), checkfirst=True)


def _seen(world, viewer: Viewer, scene: dict[str, int]) -> set[str]:
    names = {i: name for name, i in scene.items()}
    clause = api.audience_clause(
        viewer,
        things.c.id,
        program_id=things.c.program_id,
        visibility=things.c.visibility,
        tier_link=(thing_tiers.c.thing_id, thing_tiers.c.tier_id),
        partner_link=(thing_partners.c.thing_id, thing_partners.c.partner_id),
    )
    return {names[i] for i in db.session.scalars(select(things.c.id).where(clause))}


def _viewer(world, key: str) -> Viewer:
    with tenant_scope(world.tenant.id):
        user = db.session.get(api.User, world.users[key].id)
        return world.app.extensions["portalis"].viewer_for(world.tenant.id, user)


def test_a_partner_sees_their_programs_things_for_everyone_their_tier_and_company(world, scene):
    assert _seen(world, _viewer(world, "gold_user"), scene) == {
        "for everyone",
        "for gold",
        "for gold and silver",
    }
    assert _seen(world, _viewer(world, "silver_admin"), scene) == {
        "for everyone",
        "for the silver company",
        "for gold and silver",
    }


def test_the_current_tier_counts(world, scene):
    with tenant_scope(world.tenant.id):
        gold = db.session.get(api.Partner, world.partners["gold"].id)
        gold.tier_id = world.tiers["silver"].id
        db.session.flush()
    assert _seen(world, _viewer(world, "gold_user"), scene) == {
        "for everyone",
        "for gold and silver",
    }
    # without a tier: only what is for everyone (or for the company)
    with tenant_scope(world.tenant.id):
        gold.tier_id = None
        db.session.flush()
    assert _seen(world, _viewer(world, "gold_user"), scene) == {"for everyone"}


def test_vendor_staff_see_everything_and_anonymous_visitors_nothing(world, scene):
    for key in ("vendor_admin", "channel_manager"):
        assert _seen(world, _viewer(world, key), scene) == set(scene), key
    assert _seen(world, Viewer(tenant_id=world.tenant.id), scene) == set()


def test_a_partner_of_another_program_sees_none_of_this_ones(world, scene):
    with tenant_scope(world.tenant.id):
        distributors = db.session.scalars(
            select(api.Program).where(api.Program.slug == "distributors")
        ).one()
        gold = db.session.get(api.Partner, world.partners["gold"].id)
        gold.program_id = distributors.id
        gold.tier_id = None
        db.session.flush()
    assert _seen(world, _viewer(world, "gold_admin"), scene) == {"another program's"}


def test_the_choices_in_the_order_forms_offer_them():
    assert api.VISIBILITIES == ("everyone", "tiers", "partners", "hidden")


def test_the_reach_counts_active_partner_people_of_active_companies(world):
    program = world.program.id
    gold, silver = world.tiers["gold"].id, world.tiers["silver"].id
    with tenant_scope(world.tenant.id):
        # the world: gold and silver companies, an admin and a user each, and vendor staff
        assert api.audience_reach(program, "everyone") == (4, 2)
        assert api.audience_reach(program, "tiers", [gold]) == (2, 1)
        assert api.audience_reach(program, "tiers", [gold, silver]) == (4, 2)
        assert api.audience_reach(
            program, "partners", partner_ids=[world.partners["silver"].id]
        ) == (2, 1)
        # nobody: hidden, nothing chosen, no program, an unknown choice
        assert api.audience_reach(program, "hidden", [gold]) == (0, 0)
        assert api.audience_reach(program, "tiers") == (0, 0)
        assert api.audience_reach(program, "partners", [gold], []) == (0, 0)
        assert api.audience_reach(None, "everyone") == (0, 0)
        assert api.audience_reach(program, "anyone") == (0, 0)
        # someone who left and a company that isn't active any more are not counted
        db.session.get(api.User, world.users["gold_user"].id).active = False
        db.session.get(api.Partner, world.partners["silver"].id).status = "suspended"
        db.session.flush()
        assert api.audience_reach(program, "everyone") == (1, 1)
        # another tenant's partners never count
        other = world.other
        assert api.audience_reach(other["program"].id, "everyone") == (0, 0)


def test_another_programs_partners_are_not_reached(world):
    with tenant_scope(world.tenant.id):
        distributors = api.Program(slug="distributors", name="Distributors")
        db.session.add(distributors)
        db.session.flush()
        assert api.audience_reach(distributors.id, "everyone") == (0, 0)
        assert api.audience_reach(distributors.id, "tiers", [world.tiers["gold"].id]) == (0, 0)
