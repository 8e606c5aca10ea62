"""Tier change policy and grace period (issue #11, finding 10; features.md §2.8 items 4, 5, 8).

The scheduled evaluation applies changes (``automatic``) or proposes them for a channel
manager (``review``); a demotion first leaves the partner "at risk" until the grace period
ends, and nothing changes if it meets the criteria again before then. The seeded demo meets
its own criteria.

The fixture world's metrics are driven through ``partner_users`` (users with an account):
Silver needs 1, Gold 2, Platinum 3. Both fixture partners have two users, so the Silver
partner qualifies for Gold (a promotion), and deactivating one of the Gold partner's users
makes it Silver material (a demotion).
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from portalis.db import db
from portalis.models import AuditEntry, Partner, Program, Tenant, Tier, TierChange, User
from portalis.models.programs import TierReview
from portalis.tenancy import tenant_scope, unscoped
from portalis.tiers import evaluation

NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
GRACE = 30


@contextmanager
def in_tenant(world):
    with (
        world.app.test_request_context(base_url=f"http://{world.host()}"),
        tenant_scope(world.tenant.id),
    ):
        yield


def _setup(world, policy, grace=GRACE):
    with tenant_scope(world.tenant.id):
        program = db.session.get(Program, world.program.id)
        program.tier_policy = policy
        program.tier_grace_days = grace
        for name, crit in (
            ("silver", "partner_users >= 1"),
            ("gold", "partner_users >= 2"),
            ("platinum", "partner_users >= 3"),
        ):
            db.session.get(Tier, world.tiers[name].id).criteria = crit
        db.session.commit()


def _set_active(world, user_key, active):
    with tenant_scope(world.tenant.id):
        db.session.get(User, world.users[user_key].id).active = active
        db.session.commit()


def _run(world, now):
    """The job body, as the scheduler runs it in the tenant."""
    with in_tenant(world):
        evaluation.scheduled_evaluation(now=now)


def _tier(world, key):
    with tenant_scope(world.tenant.id):
        tier_id = db.session.get(Partner, world.partners[key].id).tier_id
        return db.session.get(Tier, tier_id).name


def _reviews(world, key):
    with tenant_scope(world.tenant.id):
        return [
            (r.state, r.to_tier_id, r.due_at)
            for r in db.session.scalars(
                select(TierReview)
                .where(TierReview.partner_id == world.partners[key].id)
                .order_by(TierReview.id)
            )
        ]


def _changes(world, key):
    with tenant_scope(world.tenant.id):
        return db.session.scalars(
            select(TierChange).where(TierChange.partner_id == world.partners[key].id)
        ).all()


def _mail_to(mailbox, user):
    return [m for m in mailbox if m["To"] == user.email]


# --- defaults and the policy form -------------------------------------------------------


def test_a_new_program_proposes_changes_and_has_a_grace_period_by_default(world, client_as):
    admin = client_as(world.users["vendor_admin"])
    form = admin.get("/admin/programs/new").get_data(as_text=True)
    assert '<option selected value="review">' in form and 'value="30"' in form
    resp = admin.post_form(
        "/admin/programs/new",
        {
            "name": "Resellers",
            "slug": "resellers",
            "currency": "USD",
            "tier_policy": "review",
            "tier_grace_days": "30",
        },
    )
    assert resp.status_code == 302
    with tenant_scope(world.tenant.id):
        program = db.session.scalars(select(Program).where(Program.slug == "resellers")).one()
        assert (program.tier_policy, program.tier_grace_days) == ("review", 30)
        # the model's own default too (programs made in code, e.g. by a plugin or the CLI)
        bare = Program(slug="bare", name="Bare", currency="USD")
        db.session.add(bare)
        db.session.flush()
        assert (bare.tier_policy, bare.tier_grace_days) == ("review", 30)


def test_the_program_page_says_what_the_daily_evaluation_does_and_saves_the_policy(
    world, client_as
):
    _setup(world, "review")
    admin = client_as(world.users["vendor_admin"])
    url = f"/admin/programs/{world.program.id}"
    page = admin.get(url).get_data(as_text=True)
    assert "the daily evaluation moves nobody" in page
    assert "after 30 days at risk" in page
    assert "The evaluation runs once a day; it has not run for this program yet." in page
    assert "Partners move only when you run an evaluation" not in page
    resp = admin.post_form(
        f"{url}/tier-policy", {"tier_policy": "automatic", "tier_grace_days": "14"}, form_page=url
    )
    assert resp.status_code == 302
    page = admin.get(url).get_data(as_text=True)
    assert "Automatic: the daily evaluation applies promotions at once" in page
    assert "at risk for 14 days and then moves down" in page
    with tenant_scope(world.tenant.id):
        program = db.session.get(Program, world.program.id)
        assert (program.tier_policy, program.tier_grace_days) == ("automatic", 14)
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "program.tier_policy_updated")
        ).one()
        assert entry.before == {"tier_policy": "review", "tier_grace_days": 30}
        assert entry.after == {"tier_policy": "automatic", "tier_grace_days": 14}


@pytest.mark.parametrize(
    "data",
    [
        {"tier_policy": "sometimes", "tier_grace_days": "30"},
        {"tier_policy": "automatic", "tier_grace_days": "-1"},
        {"tier_policy": "automatic", "tier_grace_days": "366"},
        {"tier_policy": "automatic", "tier_grace_days": "9" * 400},
        {"tier_policy": "automatic", "tier_grace_days": "thirty"},
        {"tier_policy": "automatic", "tier_grace_days": ""},
    ],
)
def test_a_bad_policy_is_refused_and_nothing_changes(world, client_as, data):
    _setup(world, "review")
    admin = client_as(world.users["vendor_admin"])
    url = f"/admin/programs/{world.program.id}"
    resp = admin.post_form(f"{url}/tier-policy", data, form_page=url)
    assert resp.status_code == 302
    assert "The tier change policy was not saved" in admin.get(url).get_data(as_text=True)
    with tenant_scope(world.tenant.id):
        program = db.session.get(Program, world.program.id)
        assert (program.tier_policy, program.tier_grace_days) == ("review", 30)


def test_only_a_vendor_admin_sets_the_policy(world, client_as):
    url = f"/admin/programs/{world.program.id}"
    manager = client_as(world.users["channel_manager"])
    assert "tier-policy" not in manager.get(url).get_data(as_text=True).split('id="tier-policy"')[1]
    resp = manager.post_form(
        f"{url}/tier-policy", {"tier_policy": "automatic", "tier_grace_days": "0"}, form_page=url
    )
    assert resp.status_code == 404
    with tenant_scope(world.tenant.id):
        assert db.session.get(Program, world.program.id).tier_policy == "review"


def test_saving_a_tier_says_nobody_moves_now(world, client_as):
    _setup(world, "review")
    admin = client_as(world.users["vendor_admin"])
    url = f"/admin/programs/{world.program.id}/tiers/{world.tiers['gold'].id}"
    resp = admin.post_form(
        url,
        {"name": "Gold", "rank": 2, "criteria": "partner_users >= 5", "color": "#d97706"},
        follow_redirects=True,
    )
    body = resp.get_data(as_text=True)
    assert "Nobody moves now" in body and "a channel manager approves or rejects" in body
    assert _tier(world, "gold") == "Gold"  # stricter criteria, and still nobody moved


# --- automatic ---------------------------------------------------------------------------


def test_automatic_applies_a_promotion_at_once(world, mailbox, monkeypatch):
    _setup(world, "automatic")
    emitted = []
    original = evaluation.events.emit
    monkeypatch.setattr(
        evaluation.events,
        "emit",
        lambda name, *a, **k: emitted.append(name) or original(name, *a, **k),
    )
    _run(world, NOW)
    assert _tier(world, "silver") == "Gold"
    (change,) = _changes(world, "silver")
    assert change.source == "evaluation" and change.metrics["partner_users"] == 2
    assert "partner.tier_changed" in emitted
    assert _mail_to(mailbox, world.users["silver_admin"])
    assert _tier(world, "gold") == "Gold" and _changes(world, "gold") == []


def test_automatic_demotion_waits_for_the_grace_period_and_the_partner_sees_until_when(
    world, client_as, mailbox
):
    _setup(world, "automatic")
    _set_active(world, "gold_user", False)  # 1 user left: Silver material
    _run(world, NOW)
    assert _tier(world, "gold") == "Gold"
    assert _changes(world, "gold") == []
    assert not _mail_to(mailbox, world.users["gold_admin"])
    (review,) = _reviews(world, "gold")
    assert review[0] == "at_risk" and review[1] == world.tiers["silver"].id
    assert review[2] == NOW + dt.timedelta(days=GRACE)

    partner = client_as(world.users["gold_admin"])
    tier_page = partner.get("/tier").get_data(as_text=True)
    assert "Gold until March 31, 2027 unless you meet its criteria again" in tier_page
    assert "If not, your company moves to Silver on that date." in tier_page
    dashboard = partner.get("/dashboard").get_data(as_text=True)
    assert "Gold until March 31, 2027" in dashboard
    assert "To keep Gold:" in dashboard  # what is missing, on the widget itself

    vendor = client_as(world.users["channel_manager"])
    detail = vendor.get(f"/admin/partners/{world.partners['gold'].id}").get_data(as_text=True)
    assert "At risk: keeps Gold until March 31, 2027" in detail
    assert "Then it moves to Silver." in detail
    evaluate = vendor.get(f"/admin/programs/{world.program.id}/evaluate").get_data(as_text=True)
    assert "1 partner at risk" in evaluate and "March 31, 2027" in evaluate

    # a day later it is still at risk, with the same date (the grace period does not restart)
    _run(world, NOW + dt.timedelta(days=1))
    assert _reviews(world, "gold") == [review]


def test_the_at_risk_date_is_in_the_partners_language(world, client_as):
    _setup(world, "automatic")
    with tenant_scope(world.tenant.id):
        db.session.get(User, world.users["gold_admin"].id).locale = "de"
        db.session.commit()
    _set_active(world, "gold_user", False)
    _run(world, NOW)
    page = client_as(world.users["gold_admin"]).get("/tier").get_data(as_text=True)
    assert "31. März 2027" in page
    assert "Gold bis 31. März 2027" in page


def test_after_the_grace_date_the_demotion_applies(world, mailbox):
    _setup(world, "automatic")
    _set_active(world, "gold_user", False)
    _run(world, NOW)
    _run(world, NOW + dt.timedelta(days=GRACE - 1))
    assert _tier(world, "gold") == "Gold"
    _run(world, NOW + dt.timedelta(days=GRACE, hours=1))
    assert _tier(world, "gold") == "Silver"
    (change,) = _changes(world, "gold")
    assert change.source == "evaluation" and change.metrics["partner_users"] == 1
    assert [r[0] for r in _reviews(world, "gold")] == ["applied"]
    assert _mail_to(mailbox, world.users["gold_admin"])


def test_meeting_the_criteria_again_clears_the_risk(world, client_as):
    _setup(world, "automatic")
    _set_active(world, "gold_user", False)
    _run(world, NOW)
    _set_active(world, "gold_user", True)
    _run(world, NOW + dt.timedelta(days=10))
    assert [r[0] for r in _reviews(world, "gold")] == ["cleared"]
    _run(world, NOW + dt.timedelta(days=GRACE + 5))
    assert _tier(world, "gold") == "Gold" and _changes(world, "gold") == []
    assert "until" not in client_as(world.users["gold_admin"]).get("/tier").get_data(as_text=True)
    # falling again later starts a new, full grace period
    _set_active(world, "gold_user", False)
    later = NOW + dt.timedelta(days=60)
    _run(world, later)
    assert _reviews(world, "gold")[-1][0] == "at_risk"
    assert _reviews(world, "gold")[-1][2] == later + dt.timedelta(days=GRACE)


def test_no_grace_period_means_a_demotion_applies_at_once(world):
    _setup(world, "automatic", grace=0)
    _set_active(world, "gold_user", False)
    _run(world, NOW)
    assert _tier(world, "gold") == "Silver"


# --- review ------------------------------------------------------------------------------


def test_review_policy_moves_nobody_and_records_proposals(world, mailbox, client_as):
    _setup(world, "review")
    _set_active(world, "gold_user", False)
    _run(world, NOW)
    assert (_tier(world, "silver"), _tier(world, "gold")) == ("Silver", "Gold")
    assert _changes(world, "silver") == [] and _changes(world, "gold") == []
    assert mailbox == []
    assert [r[0] for r in _reviews(world, "silver")] == ["proposed"]  # promotions: at once
    assert [r[0] for r in _reviews(world, "gold")] == ["at_risk"]  # demotions: grace first
    with tenant_scope(world.tenant.id):
        assert db.session.get(Program, world.program.id).tiers_evaluated_at == NOW

    # after the grace period the demotion is proposed — still nobody moves
    _run(world, NOW + dt.timedelta(days=GRACE + 1))
    assert _tier(world, "gold") == "Gold"
    assert [r[0] for r in _reviews(world, "gold")] == ["proposed"]

    # the channel manager sees both, with the metric values why
    page = (
        client_as(world.users["channel_manager"])
        .get(f"/admin/programs/{world.program.id}/evaluate")
        .get_data(as_text=True)
    )
    assert "2 proposals wait for approval" in page
    assert world.partners["gold"].name in page and world.partners["silver"].name in page
    # the condition is isolated left-to-right, so ">=" is not mirrored in Arabic
    assert "No longer meets: \u2066partner_users &gt;= 2\u2069" in page
    assert "<code>partner_users</code> = 1" in page
    # and the partners see that the vendor is deciding
    silver = client_as(world.users["silver_admin"]).get("/tier").get_data(as_text=True)
    assert "Your company qualifies for Gold. Your vendor is reviewing the move" in silver
    gold = client_as(world.users["gold_admin"]).get("/tier").get_data(as_text=True)
    assert "Your vendor is reviewing a move to Silver" in gold


def test_approving_a_proposal_applies_it_with_audit_event_and_mail(
    world, client_as, mailbox, monkeypatch
):
    _setup(world, "review")
    _run(world, NOW)
    with tenant_scope(world.tenant.id):
        review_id = db.session.scalars(
            select(TierReview.id).where(TierReview.partner_id == world.partners["silver"].id)
        ).one()
    emitted = []
    original = evaluation.events.emit
    monkeypatch.setattr(
        evaluation.events,
        "emit",
        lambda name, *a, **k: emitted.append(name) or original(name, *a, **k),
    )
    manager = client_as(world.users["channel_manager"])
    url = f"/admin/programs/{world.program.id}"
    resp = manager.post_form(
        f"{url}/proposals",
        {"action": "approve", "review": str(review_id)},
        form_page=f"{url}/evaluate",
    )
    assert resp.status_code == 302
    assert _tier(world, "silver") == "Gold"
    (change,) = _changes(world, "silver")
    assert change.actor_user_id == world.users["channel_manager"].id
    assert change.metrics["partner_users"] == 2
    assert [r[0] for r in _reviews(world, "silver")] == ["applied"]
    assert "partner.tier_changed" in emitted
    assert _mail_to(mailbox, world.users["silver_admin"])
    with tenant_scope(world.tenant.id):
        assert db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "partner.tier_changed",
                AuditEntry.object_id == str(world.partners["silver"].id),
            )
        ).first()
    # the next run finds nothing to do
    _run(world, NOW + dt.timedelta(days=1))
    assert len(_changes(world, "silver")) == 1


def test_approve_all_and_reject(world, client_as):
    _setup(world, "review", grace=0)
    _set_active(world, "gold_user", False)
    _run(world, NOW)  # both proposed at once (no grace)
    manager = client_as(world.users["channel_manager"])
    url = f"/admin/programs/{world.program.id}"
    with tenant_scope(world.tenant.id):
        gold_review = db.session.scalars(
            select(TierReview.id).where(TierReview.partner_id == world.partners["gold"].id)
        ).one()
    manager.post_form(
        f"{url}/proposals", {"action": "reject", "review": str(gold_review)}, form_page=url
    )
    assert _tier(world, "gold") == "Gold"
    assert [r[0] for r in _reviews(world, "gold")] == ["rejected"]
    with tenant_scope(world.tenant.id):
        assert db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "partner.tier_proposal_rejected")
        ).one()
    manager.post_form(f"{url}/proposals", {"action": "approve", "review": "all"}, form_page=url)
    assert _tier(world, "silver") == "Gold"  # the one still proposed
    assert _tier(world, "gold") == "Gold"  # the rejected one stays rejected


def test_a_rejected_promotion_is_not_proposed_again_during_the_grace_period(world):
    _setup(world, "review", grace=10)
    _run(world, NOW)
    with in_tenant(world):
        (rid,) = [r.id for r in evaluation.open_reviews(world.program.id) if r.state == "proposed"]
        assert evaluation.reject(world.program.id, [rid], actor_user_id=None, now=NOW) == 1
        db.session.commit()
    _run(world, NOW + dt.timedelta(days=1))
    assert [r[0] for r in _reviews(world, "silver")] == ["rejected"]
    with in_tenant(world):
        (d,) = [
            d
            for d in evaluation.evaluate_program(
                world.program.id, dry_run=True, now=NOW + dt.timedelta(days=1)
            )
            if d.partner_id == world.partners["silver"].id
        ]
        assert d.outcome == "held"
    _run(world, NOW + dt.timedelta(days=11))
    assert [r[0] for r in _reviews(world, "silver")] == ["rejected", "proposed"]


def test_a_proposal_made_stale_by_a_manual_change_moves_nobody(world, client_as):
    _setup(world, "review")
    _run(world, NOW)
    admin = client_as(world.users["vendor_admin"])
    pid = world.partners["silver"].id
    admin.post_form(
        f"/admin/partners/{pid}/tier",
        {"tier_id": world.tiers["platinum"].id, "reason": "Strategic"},
        form_page=f"/admin/partners/{pid}",
    )
    # the manual change closed the open proposal
    assert [r[0] for r in _reviews(world, "silver")] == ["superseded"]
    url = f"/admin/programs/{world.program.id}"
    admin.post_form(f"{url}/proposals", {"action": "approve", "review": "all"}, form_page=url)
    assert _tier(world, "silver") == "Platinum"


@pytest.mark.parametrize(
    "data",
    [
        {"action": "approve", "review": "9" * 30},
        {"action": "approve", "review": "-1"},
        {"action": "reject", "review": "x\x00"},
        {"action": "approve"},
    ],
)
def test_hostile_proposal_posts_never_fail(world, client_as, data):
    manager = client_as(world.users["channel_manager"])
    url = f"/admin/programs/{world.program.id}"
    resp = manager.post_form(f"{url}/proposals", data, form_page=url)
    assert resp.status_code == 302
    assert (
        manager.post_form(f"{url}/proposals", {"action": "delete"}, form_page=url).status_code
        == 400
    )


def test_a_partner_cannot_decide_proposals(world, client_as):
    _setup(world, "review")
    _run(world, NOW)
    partner = client_as(world.users["silver_admin"])
    url = f"/admin/programs/{world.program.id}"
    resp = partner.post_form(
        f"{url}/proposals", {"action": "approve", "review": "all"}, form_page="/tier"
    )
    assert resp.status_code == 404
    assert _tier(world, "silver") == "Silver"


# --- manual override ---------------------------------------------------------------------


def test_a_manual_override_still_pins_the_tier(world, client_as):
    _setup(world, "automatic")
    _set_active(world, "gold_user", False)
    _run(world, NOW)  # at risk
    admin = client_as(world.users["vendor_admin"])
    pid = world.partners["gold"].id
    admin.post_form(
        f"/admin/partners/{pid}/tier",
        {"tier_id": world.tiers["gold"].id, "locked": "y", "reason": "Strategic partner"},
        form_page=f"/admin/partners/{pid}",
    )
    assert "until" not in client_as(world.users["gold_admin"]).get("/tier").get_data(as_text=True)
    _run(world, NOW + dt.timedelta(days=GRACE + 1))
    assert _tier(world, "gold") == "Gold"
    assert _changes(world, "gold") == []
    assert [r[0] for r in _reviews(world, "gold")] == ["superseded"]


def test_apply_now_on_the_preview_moves_at_once(world, client_as):
    """A person who previews and clicks "apply now" decides: no grace, no proposal."""
    _setup(world, "review")
    _set_active(world, "gold_user", False)
    manager = client_as(world.users["channel_manager"])
    url = f"/admin/programs/{world.program.id}/evaluate"
    page = manager.get(url).get_data(as_text=True)
    assert "At risk until" in page  # what the daily run would do with the demotion
    assert "Proposed for approval at the next run" in page
    manager.post_form(url)
    assert (_tier(world, "gold"), _tier(world, "silver")) == ("Silver", "Gold")


# --- the demo ----------------------------------------------------------------------------


def test_the_demo_meets_its_own_criteria(fresh_database, tmp_path, portalis_app):
    """Right after `portalis demo`, an evaluation moves nobody and puts nobody at risk, and
    the scheduled run (what happens ~20 s after `scripts/serve` starts) changes nothing."""
    from portalis.demo import TENANTS, seed
    from portalis.migrate import upgrade
    from portalis.testing.fixtures import build_app

    app = build_app(fresh_database, tmp_path)
    try:
        with app.app_context():
            upgrade()
            seed()
            db.session.commit()
            with unscoped("the test lists the demo tenants"):
                tenants = {t.slug: t.id for t in db.session.scalars(select(Tenant))}
            assert set(tenants) == {spec.slug for spec in TENANTS}
            policies = {}
            for slug, tid in tenants.items():
                with (
                    app.test_request_context(base_url=f"http://{slug}.localhost"),
                    tenant_scope(tid),
                ):
                    for program in db.session.scalars(select(Program)).all():
                        policies[slug] = program.tier_policy
                        decisions = evaluation.evaluate_program(program.id, dry_run=True)
                        assert decisions, slug
                        moves = [
                            (d.partner_name, d.from_tier.name, d.to_tier.name, d.metrics)
                            for d in decisions
                            if d.changes
                        ]
                        assert moves == [], f"{slug}: the demo contradicts its criteria: {moves}"
                        assert all(d.outcome == "none" for d in decisions)
                    evaluation.scheduled_evaluation()
                    assert db.session.scalar(select(func.count(TierChange.id))) == 0
                    assert db.session.scalar(select(func.count(TierReview.id))) == 0
            # both policies are on show
            assert policies == {"acme": "automatic", "globex": "review"}
            # the banner's tier labels are the seeded tiers, which the evaluation keeps
            with unscoped("the test reads the demo partners"):
                seeded = {
                    p.name: db.session.get(Tier, p.tier_id).name
                    for p in db.session.scalars(select(Partner))
                }
            for spec in TENANTS:
                for name, _country, tier, _local in spec.partners:
                    assert seeded[name] == tier
            db.session.remove()
    finally:
        from portalis.db import db as database

        database.configure(portalis_app.config["DATABASE_URL"])


def test_an_unmet_condition_shows_its_number_in_the_readers_locale(portalis_app):
    """Stored as data and formatted when shown: 1,000,000 — never "1e+06" — and
    "1.000.000" for a German reader."""
    from flask_babel import force_locale

    from portalis.web.templating import condition_text

    cond = {"metric": "won_revenue_12m", "op": ">=", "threshold": 1000000.0}
    with portalis_app.test_request_context():
        assert condition_text(cond) == "won_revenue_12m >= 1,000,000"
        with force_locale("de"):
            assert condition_text(cond) == "won_revenue_12m >= 1.000.000"
