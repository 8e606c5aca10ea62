"""A tier criterion may name a metric with one text in quotes —
``active_certifications("Certified Sales Professional") >= 3`` — when the metric's
definition has ``compute_for``; anything else that looks like a call is refused with a
clear message, each named variant is computed once per evaluation batch, and the partner's
progress shows the label with the text."""

import datetime as dt

import pytest
from flask import g

from portalis.db import db
from portalis.models import Tier
from portalis.plugins.contract import MetricDefinition
from portalis.tenancy import tenant_scope
from portalis.tiers import criteria
from portalis.tiers.evaluation import evaluate_program

NAMED = MetricDefinition("region_deals", "Deals in region", lambda ids, program, now: {})
PLAIN = MetricDefinition("partner_users", "People", lambda ids, program, now: {})


def _named() -> MetricDefinition:
    return MetricDefinition(
        "region_deals",
        "Deals in region",
        lambda ids, program, now: {},
        compute_for=lambda ids, program, now, text: {},
    )


def test_a_metric_named_with_a_text_is_its_own_condition():
    (cond,) = criteria.conditions('region_deals("EMEA North") >= 3')
    assert (cond.metric, cond.argument, cond.op, cond.threshold) == (
        "region_deals",
        "EMEA North",
        ">=",
        3,
    )
    assert cond.key == 'region_deals("EMEA North")'
    (flipped,) = criteria.conditions("3 <= region_deals('EMEA North')")
    assert flipped == cond
    # the plain name stays the plain metric, keyed by its name as before
    (plain,) = criteria.conditions("region_deals >= 1")
    assert plain.argument is None and plain.key == "region_deals"
    # quotes and non-Latin letters in the text keep the key unambiguous and readable
    assert criteria.metric_key("m", 'Sales "Pro"') == 'm("Sales \\"Pro\\"")'
    assert criteria.metric_key("m", "Vertrieb Ä") == 'm("Vertrieb Ä")'


def test_values_are_read_per_named_variant():
    expr = 'region_deals("EMEA") >= 3 and (region_deals("APAC") >= 1 or region_deals >= 10)'
    values = {'region_deals("EMEA")': 3, 'region_deals("APAC")': 0, "region_deals": 10}
    assert criteria.evaluate(expr, values)
    assert not criteria.evaluate(expr, {**values, "region_deals": 9})
    # the plain value never stands in for a named one
    assert not criteria.evaluate('region_deals("EMEA") >= 3', {"region_deals": 50})
    prog = criteria.progress('region_deals("EMEA") >= 4', values)
    assert [(p.condition.key, p.value, p.met, p.missing) for p in prog] == [
        ('region_deals("EMEA")', 3.0, False, 1.0)
    ]
    assert criteria.needed([expr, 'region_deals("EMEA") >= 1', "partner_users >= 2"]) == (
        {"region_deals", "partner_users"},
        {("region_deals", "EMEA"), ("region_deals", "APAC")},
    )


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ('region_deals("EMEA", "APAC") >= 1', "region_deals(…) takes one text in quotes"),
        ("region_deals(3) >= 1", "region_deals(…) takes one text in quotes"),
        ("region_deals(EMEA) >= 1", "region_deals(…) takes one text in quotes"),
        ("region_deals() >= 1", "region_deals(…) takes one text in quotes"),
        ('region_deals(region="EMEA") >= 1', "region_deals(…) takes one text in quotes"),
        ('region_deals(*"EMEA") >= 1', "region_deals(…) takes one text in quotes"),
        ("region_deals(b'EMEA') >= 1", "region_deals(…) takes one text in quotes"),
        ('region_deals(f"{1}") >= 1', "region_deals(…) takes one text in quotes"),
        ('region_deals("   ") >= 1', "the text in region_deals(…) is empty"),
        (
            f'region_deals("{"x" * 201}") >= 1',
            "the text in region_deals(…) is longer than 200 characters",
        ),
        ('region_deals("EM\\x00EA") >= 1', "contains control characters"),
        ('partner_users("EMEA") >= 1', "the metric 'partner_users' takes no text in quotes"),
        ('regoin_deals("EMEA") >= 1', "unknown metric 'regoin_deals'"),
        ('region_deals("EMEA").real >= 1', "compare a metric name with a number"),
        ('region_deals("EMEA")("x") >= 1', "compare a metric name with a number"),
        ('region_deals("EMEA") >= "3"', "compare a metric name with a number"),
    ],
)
def test_anything_else_that_looks_like_a_call_is_refused(expr, message):
    with pytest.raises(criteria.CriteriaError) as caught:
        criteria.validate(expr, [_named(), PLAIN])
    assert message in str(caught.value)


def test_the_longest_text_is_allowed_and_parse_alone_checks_only_the_shape():
    text = "x" * criteria.MAX_ARGUMENT
    assert criteria.validate(f'region_deals("{text}") >= 1', [_named()]) is not None
    # without definitions only the shape is checked (evaluation reads what was saved) …
    assert criteria.parse('anything("EMEA") >= 1') is not None
    # … and names without definitions of their arguments take none
    with pytest.raises(criteria.CriteriaError, match="takes no text in quotes"):
        criteria.parse('region_deals("EMEA") >= 1', {"region_deals"})
    # a metric without compute_for never takes one, from the definitions
    with pytest.raises(criteria.CriteriaError, match="takes no text in quotes"):
        criteria.validate('region_deals("EMEA") >= 1', [NAMED])


def test_refusals_are_translated(portalis_app):
    with pytest.raises(criteria.CriteriaError) as caught:
        criteria.validate('partner_users("EMEA") >= 1', [PLAIN])
    with portalis_app.test_request_context():
        g.portalis_pseudo = True  # gettext brackets what it translated
        shown = caught.value.translated()
    assert shown.startswith("⟦") and "partner_users" in shown


@pytest.fixture
def region_metric(world, monkeypatch):
    """``region_deals("…")``: deals of a region per partner, recording each batch asked."""
    calls: list[tuple[str, tuple[int, ...]]] = []
    values = {
        "EMEA": {world.partners["silver"].id: 4},
        "APAC": {world.partners["gold"].id: 1},
    }

    def compute_for(ids: list[int], program_id: int, now: dt.datetime, text: str):
        calls.append((text, tuple(sorted(ids))))
        return values.get(text, {})

    metric = MetricDefinition(
        "region_deals",
        "Deals in region",
        lambda ids, program_id, now: {pid: 100 for pid in ids},
        compute_for=compute_for,
    )
    portal = world.app.extensions["portalis"]
    defs = [*portal.metric_definitions(), ("core", metric)]
    monkeypatch.setattr(portal, "metric_definitions", lambda: defs)
    with tenant_scope(world.tenant.id):
        for name, crit in (
            ("silver", 'region_deals("EMEA") >= 1'),
            ("gold", 'region_deals("EMEA") >= 3'),
            ("platinum", 'region_deals("EMEA") >= 10 or region_deals("APAC") >= 2'),
        ):
            db.session.get(Tier, world.tiers[name].id).criteria = crit
        db.session.commit()
    return calls


def test_evaluation_computes_each_named_variant_once_per_batch(world, portalis_app, region_metric):
    with (
        portalis_app.test_request_context(base_url=f"http://{world.host()}"),
        tenant_scope(world.tenant.id),
    ):
        decisions = {d.partner_id: d for d in evaluate_program(world.program.id, dry_run=True)}
    both = tuple(sorted((world.partners["gold"].id, world.partners["silver"].id)))
    # EMEA is in three tiers' criteria, APAC in one: one batch each, never one per partner
    assert sorted(region_metric) == [("APAC", both), ("EMEA", both)]
    silver = decisions[world.partners["silver"].id]
    assert (silver.from_tier.name, silver.to_tier.name) == ("Silver", "Gold")
    assert silver.metrics['region_deals("EMEA")'] == 4
    assert silver.metrics["region_deals"] == 100  # the plain metric, not the named one
    gold = decisions[world.partners["gold"].id]
    assert (gold.from_tier.name, gold.to_tier.name) == ("Gold", "Registered")
    assert gold.failed == [{"metric": 'region_deals("EMEA")', "op": ">=", "threshold": 3.0}]


def test_progress_shows_the_label_with_the_text(world, client_as, region_metric):
    body = client_as(world.users["silver_user"]).get("/tier").get_data(as_text=True)
    assert "Next: Gold" in body
    assert "\u2068Deals in region\u2069: \u2068EMEA\u2069" in body


def test_tier_editor_takes_named_metrics_and_refuses_a_text_where_none_fits(
    world, client_as, region_metric
):
    admin = client_as(world.users["vendor_admin"])
    url = f"/admin/programs/{world.program.id}/tiers/{world.tiers['gold'].id}"
    form = admin.get(url).get_data(as_text=True)
    assert "region_deals(&#34;…&#34;)" in form or 'region_deals("…")' in form
    resp = admin.post_form(
        url, {"name": "Gold", "rank": 2, "criteria": 'partner_users("x") >= 1', "color": "#d97706"}
    )
    assert resp.status_code == 422
    assert "takes no text in quotes" in resp.get_data(as_text=True)
    resp = admin.post_form(
        url,
        {"name": "Gold", "rank": 2, "criteria": 'region_deals("APAC") >= 2', "color": "#d97706"},
    )
    assert resp.status_code == 302
    with tenant_scope(world.tenant.id):
        assert db.session.get(Tier, world.tiers["gold"].id).criteria == 'region_deals("APAC") >= 2'
