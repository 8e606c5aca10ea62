"""A tier rule can count one named certification:
``active_certifications("Certified Acme Cloud Sales Professional") >= 1`` counts the
company's people with an active certificate of the paths of that certification name (as
the path stores it, ignoring case and surrounding spaces), and the tier evaluation's dry
run shows the promotion it enables."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from lms_helpers import make_course, make_path

from portalis import api
from portalis.tiers.evaluation import evaluate_program

pytestmark = pytest.mark.plugins("lms")

CLOUD = "Certified Acme Cloud Sales Professional"
ENGINEER = "Zertifizierter Acme Ärzte-Techniker"  # a capital non-ASCII letter matches itself
RULE = f'active_certifications("{CLOUD}") >= 1'


def _complete(world: Any, user_id: int, course_id: int) -> None:
    """The person takes the course and completes every lesson (committed, so the completion
    event is delivered and the certificate issued, as in production)."""
    from portalis_lms import certification, progress
    from portalis_lms.models import Course

    with api.tenant_scope(world.tenant.id):
        viewer = certification.viewer_for(api.session.get(api.User, user_id))
        course = api.session.get(Course, course_id)
        run = progress.enrol(course, viewer)
        for lesson in progress.lessons_for(course_id, run.language):
            progress.complete_lesson(run, lesson)
        api.session.commit()


def _named(world: Any, text: str, now: dt.datetime | None = None) -> dict[int, float]:
    from portalis_lms import metrics

    definition = next(d for d in metrics.DEFINITIONS if d.name == "active_certifications")
    assert definition.compute_for is not None
    with api.tenant_scope(world.tenant.id):
        ids = [p.id for p in world.partners.values()]
        return dict(definition.compute_for(ids, world.program.id, now or api.utcnow(), text))


@pytest.fixture
def certified(world: Any) -> dict[str, int]:
    """Silver's user holds the cloud certification; Gold's two people the engineer one."""
    cloud_course = make_course(world, "Selling Acme Cloud")
    engineer_course = make_course(world, "Installing Acme")
    make_path(world, "Cloud sales", [cloud_course], certification=CLOUD, validity_days=365)
    make_path(world, "Engineering", [engineer_course], certification=ENGINEER, validity_days=None)
    users = {k: u.id for k, u in world.users.items()}
    _complete(world, users["silver_user"], cloud_course)
    for key in ("gold_user", "gold_admin"):
        _complete(world, users[key], engineer_course)
    return {k: p.id for k, p in world.partners.items()}


def test_a_named_certification_counts_only_its_own_active_certificates(world, certified, clock):
    gold, silver = certified["gold"], certified["silver"]
    assert _named(world, CLOUD) == {silver: 1.0}
    assert _named(world, ENGINEER) == {gold: 2.0}
    # as the path stores it, ignoring case and the spaces around it
    assert _named(world, f"  {CLOUD.upper()} ") == {silver: 1.0}
    assert _named(world, "Certified Acme Cloud") == {}  # no partial match
    # the plain metric still counts any certification
    from portalis_lms import metrics

    plain = next(d for d in metrics.DEFINITIONS if d.name == "active_certifications")
    with api.tenant_scope(world.tenant.id):
        any_ = plain.compute([gold, silver], world.program.id, api.utcnow())
    assert dict(any_) == {gold: 2.0, silver: 1.0}
    # the cloud certificate expires after a year (the engineer one never does)
    clock.advance(days=366)
    assert _named(world, CLOUD) == {}
    assert _named(world, ENGINEER) == {gold: 2.0}


def test_a_tier_rule_on_a_named_certification_promotes_in_the_dry_run(
    world, certified, client_as, portalis_app
):
    silver_tier_id, program_id = world.tiers["silver"].id, world.program.id
    admin = client_as(world.users["vendor_admin"])
    url = f"/admin/programs/{program_id}/tiers/{world.tiers['gold'].id}"
    form = {"name": "Gold", "rank": 2, "color": "#d97706"}
    refused = admin.post_form(url, {**form, "criteria": 'training_completions_90d("x") >= 1'})
    assert refused.status_code == 422
    assert "takes no text in quotes" in refused.get_data(as_text=True)
    assert admin.post_form(url, {**form, "criteria": RULE}).status_code == 302

    with (
        portalis_app.test_request_context(base_url=f"http://{world.host()}"),
        api.tenant_scope(world.tenant.id),
    ):
        decisions = {d.partner_id: d for d in evaluate_program(program_id, dry_run=True)}
        silver_tier = api.session.get(api.Partner, certified["silver"]).tier_id
    silver = decisions[certified["silver"]]
    assert (silver.from_tier.name, silver.to_tier.name) == ("Silver", "Gold")
    assert silver.metrics[f'active_certifications("{CLOUD}")'] == 1
    assert silver_tier == silver_tier_id  # a dry run moves nobody
    # Gold's people hold another certification: the rule no longer holds for them
    gold = decisions[certified["gold"]]
    assert gold.metrics["active_certifications"] == 2
    assert gold.failed == [
        {"metric": f'active_certifications("{CLOUD}")', "op": ">=", "threshold": 1.0}
    ]
    # the partner sees the rule with the certification's name
    page = client_as(world.users["silver_user"]).get("/tier").get_data(as_text=True)
    assert f"\u2068People with an active certification\u2069: \u2068{CLOUD}\u2069" in page
