"""Every change that reduces someone's access signs them out at once — every browser, on
its next request — and undoing the change does not bring the old cookie back. Changes that
only add access sign nobody out. (docs/security.md, "Sessions end when access is reduced")
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portalis.db import db
from portalis.identity import sessions
from portalis.identity.sessions import end_sessions, set_role
from portalis.models import AuditEntry, Partner, Program, Tier, User, UserSession
from portalis.roles import Role
from portalis.tenancy import tenant_scope
from portalis.testing.fixtures import TEST_PASSWORD
from portalis.tiers.evaluation import apply_change


def signed_in(client, path: str = "/profile") -> bool:
    """Whether ``client``'s cookie still opens ``path``; signed out means the sign-in page."""
    r = client.get(path)
    if r.status_code == 302 and "/login" in r.headers["Location"]:
        return False
    assert r.status_code == 200, (path, r.status_code)
    return True


def can_sign_in(client_as, user) -> bool:
    anon = client_as(None)
    r = anon.post(
        "/login",
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": anon.csrf_token},
    )
    assert r.status_code in (302, 401)
    return r.status_code == 302


def session_count(world, user_id: int) -> int:
    with tenant_scope(world.tenant.id):
        return db.session.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id)
        )


def ended_reasons(world, user_id: int) -> list[str]:
    with tenant_scope(world.tenant.id):
        rows = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "user.sessions_ended", AuditEntry.object_id == str(user_id)
            )
        ).all()
        return [r.after["reason"] for r in rows]


def post(client, path: str, data: dict | None = None):
    r = client.post(path, data={**(data or {}), "csrf_token": client.csrf_token})
    assert r.status_code in (302, 303), (path, r.status_code)
    return r


@pytest.fixture
def ids(world):
    """Ids read before any request (requests detach the fixture's objects)."""
    with tenant_scope(world.tenant.id):
        return {
            "tenant": world.tenant.id,
            "program": world.program.id,
            **{f"user:{k}": u.id for k, u in world.users.items()},
            **{f"partner:{k}": p.id for k, p in world.partners.items()},
            **{f"tier:{k}": t.id for k, t in world.tiers.items()},
        }


# --- deactivation ------------------------------------------------------------------------


def test_vendor_admin_deactivates_staff_and_reactivation_does_not_revive(world, client_as, ids):
    manager = world.users["channel_manager"]
    browser, phone = client_as(manager), client_as(manager)
    assert signed_in(browser, "/admin/partners") and signed_in(phone)
    admin = client_as(world.users["vendor_admin"])
    post(admin, f"/admin/users/{ids['user:channel_manager']}/active")
    assert not signed_in(browser, "/admin/partners")
    assert not signed_in(phone)
    assert session_count(world, ids["user:channel_manager"]) == 0
    assert ended_reasons(world, ids["user:channel_manager"]) == ["deactivated"]
    assert not can_sign_in(client_as, manager)
    post(admin, f"/admin/users/{ids['user:channel_manager']}/active")  # active again
    assert not signed_in(browser) and not signed_in(phone)
    assert can_sign_in(client_as, manager)
    assert signed_in(admin)  # the admin who did it is untouched


def test_vendor_admin_deactivates_a_partner_user(world, client_as, ids):
    user = world.users["silver_user"]
    browser = client_as(user)
    assert signed_in(browser, "/dashboard")
    admin = client_as(world.users["vendor_admin"])
    post(admin, f"/admin/users/{ids['user:silver_user']}/active")
    assert not signed_in(browser, "/dashboard")
    assert not signed_in(browser, "/deals/")  # a plugin's page sends them to sign in too
    post(admin, f"/admin/users/{ids['user:silver_user']}/active")  # active again
    assert not signed_in(browser, "/deals/")
    assert not signed_in(browser, "/dashboard")


def test_partner_admin_deactivates_a_colleague(world, client_as, ids):
    colleague = client_as(world.users["gold_user"])
    assert signed_in(colleague, "/dashboard")
    post(client_as(world.users["gold_admin"]), f"/team/{ids['user:gold_user']}/deactivate")
    assert not signed_in(colleague, "/dashboard")
    assert ended_reasons(world, ids["user:gold_user"]) == ["deactivated"]
    post(client_as(world.users["vendor_admin"]), f"/admin/users/{ids['user:gold_user']}/active")
    assert not signed_in(colleague, "/dashboard")


# --- company suspended -------------------------------------------------------------------


def test_suspending_a_company_signs_out_all_its_people(world, client_as, ids):
    gold_admin, gold_user = world.users["gold_admin"], world.users["gold_user"]
    a, b = client_as(gold_admin), client_as(gold_user)
    silver = client_as(world.users["silver_user"])
    assert signed_in(a, "/dashboard") and signed_in(b, "/deals/")
    staff = client_as(world.users["channel_manager"])
    post(staff, f"/admin/partners/{ids['partner:gold']}/status", {"status": "suspended"})
    assert not signed_in(a, "/dashboard")
    assert not signed_in(b, "/deals/")
    assert signed_in(silver, "/dashboard")  # another company is untouched
    assert ended_reasons(world, ids["user:gold_admin"]) == ["partner_suspended"]
    assert ended_reasons(world, ids["user:gold_user"]) == ["partner_suspended"]
    assert not can_sign_in(client_as, gold_user)  # a suspended company's people can't sign in
    post(staff, f"/admin/partners/{ids['partner:gold']}/status", {"status": "active"})
    assert not signed_in(a, "/dashboard")  # the old cookies stay dead after reactivation
    assert not signed_in(b, "/dashboard")
    assert can_sign_in(client_as, gold_user)


# --- role lowered ------------------------------------------------------------------------


def test_lowering_a_role_signs_out_and_raising_it_again_does_not_revive(world, client_as, ids):
    admin = world.users["gold_admin"]
    browser = client_as(admin)
    assert signed_in(browser, "/team")
    with tenant_scope(ids["tenant"]):
        user = db.session.get(User, ids["user:gold_admin"])
        assert set_role(user, Role.PARTNER_USER) is True
        db.session.commit()
    assert not signed_in(browser, "/dashboard")
    assert ended_reasons(world, ids["user:gold_admin"]) == ["role_lowered"]
    with tenant_scope(ids["tenant"]):
        user = db.session.get(User, ids["user:gold_admin"])
        assert set_role(user, Role.PARTNER_ADMIN) is False
        db.session.commit()
    assert not signed_in(browser, "/dashboard")


def test_demoting_an_admin_on_the_team_page_signs_them_out(world, client_as, ids):
    """The Team page goes through set_role: the demoted admin's browsers are signed out, the
    audit says why, and making them admin again doesn't bring the old cookie back."""
    gus = ids["user:gold_user"]
    admin = client_as(world.users["gold_admin"])
    post(admin, f"/team/{gus}/role", {"role": "partner_admin"})
    laptop, phone = client_as(world.users["gold_user"]), client_as(world.users["gold_user"])
    assert signed_in(laptop, "/team") and signed_in(phone, "/dashboard")  # an admin now
    assert ended_reasons(world, gus) == []  # a promotion signs nobody out
    post(admin, f"/team/{gus}/role", {"role": "partner_user"})
    assert session_count(world, gus) == 0
    assert not signed_in(laptop, "/team") and not signed_in(phone, "/dashboard")
    assert ended_reasons(world, gus) == ["role_lowered"]
    assert signed_in(admin, "/team")  # the admin who did it is untouched
    post(admin, f"/team/{gus}/role", {"role": "partner_admin"})  # admin again
    assert not signed_in(laptop, "/dashboard") and not signed_in(phone, "/dashboard")
    assert can_sign_in(client_as, world.users["gold_user"])


def test_stepping_down_keeps_this_browser_and_signs_out_the_others(world, client_as, ids):
    me = ids["user:gold_admin"]
    admin = client_as(world.users["gold_admin"])
    post(admin, f"/team/{ids['user:gold_user']}/role", {"role": "partner_admin"})
    other_browser = client_as(world.users["gold_admin"])
    assert signed_in(other_browser, "/team")
    r = admin.post_form(
        f"/team/{me}/role", {"role": "partner_user"}, form_page="/team", follow_redirects=True
    )
    assert r.status_code == 200  # still signed in here, on the dashboard: the team page is gone
    assert "Your other sessions were signed out" in r.get_data(as_text=True)
    assert admin.get("/team").status_code == 404
    assert not signed_in(other_browser, "/dashboard")
    assert session_count(world, me) == 1
    assert ended_reasons(world, me) == ["role_lowered"]


@pytest.mark.parametrize(
    ("who", "role"), [("gold_user", Role.PARTNER_ADMIN), ("channel_manager", Role.VENDOR_ADMIN)]
)
def test_a_promotion_signs_nobody_out(world, client_as, ids, who, role):
    browser = client_as(world.users[who])
    assert signed_in(browser)
    with tenant_scope(ids["tenant"]):
        assert set_role(db.session.get(User, ids[f"user:{who}"]), role) is False
        db.session.commit()
    assert signed_in(browser)
    assert ended_reasons(world, ids[f"user:{who}"]) == []


def test_vendor_admin_to_channel_manager_is_lowered(world, client_as, ids):
    browser = client_as(world.users["vendor_admin"])
    with tenant_scope(ids["tenant"]):
        set_role(db.session.get(User, ids["user:vendor_admin"]), Role.CHANNEL_MANAGER)
        db.session.commit()
    assert not signed_in(browser)


def test_a_role_never_crosses_from_partner_to_vendor(world, ids):
    with tenant_scope(ids["tenant"]):
        user = db.session.get(User, ids["user:gold_user"])
        with pytest.raises(ValueError):
            set_role(user, Role.VENDOR_ADMIN)
        assert user.role == Role.PARTNER_USER


# --- tier lowered or program changed -----------------------------------------------------


def test_manual_demotion_signs_out_the_company(world, client_as, ids):
    gold = client_as(world.users["gold_user"])
    silver = client_as(world.users["silver_user"])
    staff = client_as(world.users["channel_manager"])
    path = f"/admin/partners/{ids['partner:gold']}/tier"
    post(staff, path, {"tier_id": ids["tier:silver"], "reason": "No deals this year"})
    assert not signed_in(gold, "/dashboard")
    assert signed_in(silver, "/dashboard")
    assert ended_reasons(world, ids["user:gold_user"]) == ["tier_lowered"]
    post(staff, path, {"tier_id": ids["tier:gold"], "reason": "Mistake"})  # back up again
    assert not signed_in(gold, "/dashboard")


def test_manual_promotion_signs_nobody_out(world, client_as, ids):
    silver_admin, silver_user = (client_as(world.users[k]) for k in ("silver_admin", "silver_user"))
    staff = client_as(world.users["channel_manager"])
    post(
        staff,
        f"/admin/partners/{ids['partner:silver']}/tier",
        {"tier_id": ids["tier:gold"], "reason": "Big win"},
    )
    assert signed_in(silver_admin, "/dashboard") and signed_in(silver_user, "/tier")
    assert ended_reasons(world, ids["user:silver_user"]) == []


def test_pinning_the_same_tier_signs_nobody_out(world, client_as, ids):
    gold = client_as(world.users["gold_user"])
    post(
        client_as(world.users["channel_manager"]),
        f"/admin/partners/{ids['partner:gold']}/tier",
        {"tier_id": ids["tier:gold"], "locked": "y", "reason": "Strategic"},
    )
    assert signed_in(gold, "/dashboard")


def test_evaluation_demotion_signs_out_and_promotion_does_not(world, client_as, ids):
    with tenant_scope(ids["tenant"]):
        # every partner with a user qualifies for Silver, nobody for Gold; Silver Reseller
        # starts at Registered, so the evaluation promotes it and demotes Gold Reseller
        db.session.get(Tier, ids["tier:silver"]).criteria = "partner_users >= 1"
        db.session.get(Partner, ids["partner:silver"]).tier_id = ids["tier:registered"]
        db.session.commit()
    gold = client_as(world.users["gold_admin"])
    silver = client_as(world.users["silver_admin"])
    post(client_as(world.users["channel_manager"]), f"/admin/programs/{ids['program']}/evaluate")
    with tenant_scope(ids["tenant"]):
        db.session.expire_all()
        assert db.session.get(Partner, ids["partner:gold"]).tier_id == ids["tier:silver"]
        assert db.session.get(Partner, ids["partner:silver"]).tier_id == ids["tier:silver"]
    assert not signed_in(gold, "/dashboard")
    assert signed_in(silver, "/dashboard")
    assert ended_reasons(world, ids["user:gold_admin"]) == ["tier_lowered"]
    assert ended_reasons(world, ids["user:silver_admin"]) == []


def test_moving_to_another_program_signs_out(world, client_as, ids):
    browser = client_as(world.users["silver_user"])
    with tenant_scope(ids["tenant"]):
        other = Program(slug="resellers", name="Resellers", currency="USD")
        db.session.add(other)
        db.session.flush()
        top = Tier(program_id=other.id, rank=9, name="Elite", criteria="", benefits={})
        db.session.add(top)
        db.session.flush()
        partner = db.session.get(Partner, ids["partner:silver"])
        apply_change(partner, top, source="manual", reason="Moved to resellers")
        assert partner.program_id == other.id  # the tier's program, never a mismatch
        db.session.commit()
    assert not signed_in(browser, "/dashboard")
    assert ended_reasons(world, ids["user:silver_user"]) == ["program_changed"]


# --- passwords ---------------------------------------------------------------------------


def test_password_reset_signs_out_every_browser(world, client_as, mailbox, ids):
    user = world.users["gold_user"]
    browser, phone = client_as(user), client_as(user)
    anon = client_as(None)
    anon.post("/forgot", data={"email": user.email, "csrf_token": anon.csrf_token})
    link = re.search(
        r"https?://[^\s\"<>]+/reset/[^\s\"<>]+", mailbox[-1].get_body().get_content()
    ).group(0)
    path = "/" + link.split("/", 3)[3]
    new = "another long secret"
    post(anon, path, {"password": new, "confirm": new})
    assert not signed_in(browser) and not signed_in(phone)
    assert ended_reasons(world, ids["user:gold_user"]) == ["password_reset"]


# --- the one function --------------------------------------------------------------------


def test_end_sessions_follows_the_callers_transaction(world, client_as, ids):
    browser = client_as(world.users["gold_user"])
    with tenant_scope(ids["tenant"]):
        assert end_sessions([ids["user:gold_user"]], reason="deactivated") == 1
        db.session.rollback()  # the change that reduced access failed: nobody is signed out
    assert signed_in(browser)
    assert session_count(world, ids["user:gold_user"]) == 1


def test_end_sessions_keeps_the_excepted_browser_and_other_people(world, client_as, ids):
    user = world.users["gold_user"]
    keep, lose = client_as(user), client_as(user)
    colleague = client_as(world.users["gold_admin"])
    with keep.session_transaction(base_url=f"http://{keep.host}") as sess:
        token = sess["sid"]
    with tenant_scope(ids["tenant"]):
        assert (
            end_sessions([ids["user:gold_user"]], reason="password_changed", except_token=token)
            == 1
        )
        db.session.commit()
    assert signed_in(keep) and not signed_in(lose) and signed_in(colleague)


def test_end_sessions_refuses_an_unknown_reason(world, ids):
    with tenant_scope(ids["tenant"]), pytest.raises(ValueError):
        end_sessions([ids["user:gold_user"]], reason="because")


def test_nobody_signed_in_means_no_audit_noise(world, ids):
    with tenant_scope(ids["tenant"]):
        assert end_sessions([ids["user:silver_user"]], reason="deactivated") == 0
    assert ended_reasons(world, ids["user:silver_user"]) == []


def test_every_reason_is_used_somewhere():
    """A reason nobody passes is a path someone forgot to wire (or a stale name)."""
    from pathlib import Path

    root = Path(sessions.__file__).resolve().parents[1]
    code = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py"))
    for reason in sessions.REASONS:
        # once where REASONS names it, at least once more where a change passes it
        assert code.count(f'"{reason}"') >= 2, reason
