"""The deals plugin honours the permissions it declares, as a vendor admin sets them on
"Roles & permissions" (``/admin/roles``): each one opens exactly its pages, buttons, nav
items and widgets, and a grant never widens which registrations a viewer sees.

Grants are changed through the real page, as a vendor admin would."""

from __future__ import annotations

import csv
import io

import pytest
from deals_helpers import deal_id_from, form_data

from portalis.testing.kit import audit_entries

DEFAULTS = {
    "deals.register": ["partner_admin", "partner_user"],
    "deals.view_company": ["partner_admin"],
    "deals.review": ["vendor_admin", "channel_manager"],
    "deals.export": ["vendor_admin", "channel_manager"],
}


@pytest.fixture
def set_roles(world, client_as):
    """``set_roles(**{"deals.export": [...roles]})``: tick those roles for those
    permissions on the vendor admin's "Roles & permissions" page and save."""

    def save(tenant_users=None, **wanted):
        grid = {**DEFAULTS, **{name.replace("__", "."): roles for name, roles in wanted.items()}}
        admin = client_as((tenant_users or world.users)["vendor_admin"])
        resp = admin.post_form(
            "/admin/roles",
            {
                "permission": list(grid),
                "grant": [f"{p}:{r}" for p, roles in grid.items() for r in roles],
            },
            follow_redirects=True,
        )
        assert resp.status_code == 200
        assert "Permissions saved" in resp.get_data(as_text=True)

    return save


def _csv(resp):
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))


def _text(client, path):
    resp = client.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    return resp.get_data(as_text=True)


# --- deals.export ------------------------------------------------------------------------


def test_revoking_export_from_channel_managers_removes_the_route_and_the_button(
    world, client_as, register, set_roles
):
    register(world.users["gold_user"])
    manager = client_as(world.users["channel_manager"])
    assert 'href="/deals/review/export.csv' in _text(manager, "/deals/review")
    assert manager.get("/deals/review/export.csv").status_code == 200

    set_roles(deals__export=["vendor_admin"])

    assert manager.get("/deals/review/export.csv").status_code == 404
    assert manager.get("/deals/review/export.csv?status=all").status_code == 404
    queue = _text(manager, "/deals/review")
    assert "Woodgrove" in queue  # still reviews: only the export is gone
    assert "export.csv" not in queue and "Export CSV" not in queue
    admin = client_as(world.users["vendor_admin"])
    assert "Woodgrove" in "".join(str(r) for r in _csv(admin.get("/deals/review/export.csv")))
    assert 'href="/deals/review/export.csv' in _text(admin, "/deals/review")


def test_partners_have_no_export_by_default(world, client_as, register):
    register(world.users["gold_user"])
    for name in ("gold_admin", "gold_user"):
        client = client_as(world.users[name])
        assert client.get("/deals/export.csv").status_code == 404
        assert client.get("/deals/review/export.csv").status_code == 404
        assert "export.csv" not in _text(client, "/deals/")
    # and vendor staff have no partner list to export from
    assert client_as(world.users["channel_manager"]).get("/deals/export.csv").status_code == 404


def test_export_granted_to_partner_users_holds_only_the_deals_on_their_list(
    world, client_as, register, set_roles
):
    own = register(
        world.users["gold_user"], customer_name="Litware", customer_website="litware.com"
    )
    gold_user = client_as(world.users["gold_user"])
    draft = deal_id_from(
        gold_user.post_form(
            "/deals/new",
            form_data(action="save", customer_name="Fabrikam", customer_website="fabrikam.com"),
        )
    )
    register(world.users["gold_admin"], customer_name="Proseware", customer_website="proseware.com")
    register(world.users["silver_admin"], customer_name="Contoso", customer_website="contoso.com")
    other = world.other["users"]
    register(other["gold_user"], customer_name="Tailspin", customer_website="tailspin.com")

    set_roles(deals__export=["vendor_admin", "channel_manager", "partner_user"])

    # the button sits on the list, carrying the list's filters
    listing = _text(gold_user, "/deals/")
    assert 'href="/deals/export.csv"' in listing
    assert 'href="/deals/export.csv?status=draft"' in _text(gold_user, "/deals/?status=draft")

    rows = _csv(gold_user.get("/deals/export.csv"))
    header, body = rows[0], rows[1:]
    assert header[:2] == ["ID", "Customer"]
    # vendor-side columns stay on the vendor's export
    assert "Partner" not in header and "Tier" not in header and "Conflicts" not in header
    assert sorted((int(r[0]), r[1]) for r in body) == sorted(
        [(own, "Litware"), (draft, "Fabrikam")]
    )
    # the list's filters apply to the export as well
    drafts = _csv(gold_user.get("/deals/export.csv?status=draft"))[1:]
    assert [r[1] for r in drafts] == ["Fabrikam"]
    # a partner user can't widen it to the company with the list's parameter
    widened = _csv(gold_user.get("/deals/export.csv?scope=company"))[1:]
    assert sorted(r[1] for r in widened) == ["Fabrikam", "Litware"]

    # the vendor's export stays a vendor page
    assert gold_user.get("/deals/review/export.csv").status_code == 404
    # partner admins were not ticked, and the other tenant's grants are its own
    gold_admin = client_as(world.users["gold_admin"])
    assert gold_admin.get("/deals/export.csv").status_code == 404
    assert "export.csv" not in _text(gold_admin, "/deals/")
    assert client_as(other["gold_user"]).get("/deals/export.csv").status_code == 404


def test_export_granted_to_partner_admins_holds_their_company_and_no_other(
    world, client_as, register, set_roles
):
    register(world.users["gold_user"], customer_name="Litware", customer_website="litware.com")
    register(world.users["gold_admin"], customer_name="Proseware", customer_website="proseware.com")
    register(world.users["silver_admin"], customer_name="Contoso", customer_website="contoso.com")
    set_roles(deals__export=["vendor_admin", "channel_manager", "partner_admin"])

    gold_admin = client_as(world.users["gold_admin"])
    company = _csv(gold_admin.get("/deals/export.csv"))[1:]
    assert sorted(r[1] for r in company) == ["Litware", "Proseware"]
    mine = _csv(gold_admin.get("/deals/export.csv?scope=mine"))[1:]
    assert [r[1] for r in mine] == ["Proseware"]
    silver = _csv(client_as(world.users["silver_admin"]).get("/deals/export.csv"))[1:]
    assert [r[1] for r in silver] == ["Contoso"]


def test_partner_export_is_audited(world, client_as, register, set_roles):
    register(world.users["gold_user"])
    set_roles(deals__export=["vendor_admin", "channel_manager", "partner_user"])
    _csv(client_as(world.users["gold_user"]).get("/deals/export.csv?status=submitted"))
    entries = audit_entries(world.tenant, "deal.exported")
    assert [(e.actor_user_id, e.after["status"]) for e in entries] == [
        (world.users["gold_user"].id, "submitted")
    ]


# --- deals.register ----------------------------------------------------------------------


def test_without_register_a_partner_user_sees_their_deals_but_cannot_register(
    world, client_as, register, set_roles
):
    approved = register(
        world.users["gold_user"], customer_name="Litware", customer_website="litware.com"
    )
    manager = client_as(world.users["channel_manager"])
    manager.post_form(
        f"/deals/review/{approved}/approve", {}, form_page=f"/deals/review/{approved}"
    )
    user = client_as(world.users["gold_user"])
    draft = deal_id_from(
        user.post_form(
            "/deals/new",
            form_data(action="save", customer_name="Fabrikam", customer_website="fabrikam.com"),
        )
    )
    assert 'href="/deals/new"' in _text(user, "/deals/")
    assert 'href="/deals/new"' in _text(user, "/dashboard")

    set_roles(deals__register=["partner_admin"])

    # still sees their deals
    listing = _text(user, "/deals/")
    assert "Litware" in listing and "Fabrikam" in listing
    assert "Register a deal" not in listing and 'href="/deals/new"' not in listing
    detail = _text(user, f"/deals/{approved}")
    assert "Litware" in detail
    # read-only: no form that would answer 404
    for action in ("/extension", "/outcome", "/withdraw", "/edit"):
        assert f"/deals/{approved}{action}" not in detail
    draft_page = _text(user, f"/deals/{draft}")
    assert f"/deals/{draft}/edit" not in draft_page and f"/deals/{draft}/delete" not in draft_page
    dashboard = _text(user, "/dashboard")
    assert 'href="/deals/"' in dashboard  # the nav item and widget stay: the list is theirs
    assert "Register a deal" not in dashboard and 'href="/deals/new"' not in dashboard

    # and every registering route answers 404, like an unknown page
    assert user.get("/deals/new").status_code == 404
    assert user.post_form("/deals/new", form_data(), form_page="/deals/").status_code == 404
    assert user.get(f"/deals/{draft}/edit").status_code == 404
    assert user.get("/deals/check?customer_name=Litware").status_code == 404
    posts = {
        f"/deals/{draft}/edit": form_data(),
        f"/deals/{draft}/delete": {},
        f"/deals/{approved}/withdraw": {"reason": "gone"},
        f"/deals/{approved}/extension": {"until": "2099-01-01", "reason": "more time"},
        f"/deals/{approved}/outcome": {"outcome": "won"},
    }
    for path, data in posts.items():
        assert user.post_form(path, data, form_page="/deals/").status_code == 404, path

    # nothing changed: the draft is still there and the deal still protected
    detail = _text(client_as(world.users["gold_admin"]), f"/deals/{approved}")
    assert "Record outcome" in detail  # the partner admin kept the permission
    assert _text(user, f"/deals/{draft}").count("Fabrikam") >= 1

    # the partner admin still registers, and sees the button everywhere
    admin = client_as(world.users["gold_admin"])
    assert 'href="/deals/new"' in _text(admin, "/deals/")
    assert 'href="/deals/new"' in _text(admin, "/dashboard")
    deal_id_from(admin.post_form("/deals/new", form_data(customer_name="Proseware")))


def test_without_register_the_empty_list_offers_no_registration(world, client_as, set_roles):
    set_roles(deals__register=["partner_admin"])
    listing = _text(client_as(world.users["gold_user"]), "/deals/")
    assert "No deal registrations yet" in listing
    assert "Register a deal" not in listing and 'href="/deals/new"' not in listing


def test_register_granted_to_vendor_staff_opens_no_partner_page(world, client_as, set_roles):
    set_roles(deals__register=["partner_admin", "partner_user", "channel_manager"])
    manager = client_as(world.users["channel_manager"])
    assert manager.get("/deals/new").status_code == 404
    assert manager.get("/deals/").status_code == 404
    # the vendor registers for a partner from the review pages, with deals.review
    assert manager.get("/deals/review/new").status_code == 200


# --- deals.review ------------------------------------------------------------------------

REVIEW_GETS = (
    "/deals/review",
    "/deals/review?status=all",
    "/deals/review/pipeline",
    "/deals/review/new",
    "/deals/review/partner-users",
    "/deals/check?customer_name=Woodgrove",
)


def test_revoking_review_from_channel_managers_removes_the_queue_and_its_nav_item(
    world, client_as, register, set_roles
):
    deal_id = register(world.users["gold_user"])
    manager = client_as(world.users["channel_manager"])
    dashboard = _text(manager, "/admin/")
    assert 'href="/deals/review"' in dashboard and "Deal review" in dashboard

    set_roles(deals__review=["vendor_admin"])

    for path in (*REVIEW_GETS, f"/deals/review/{deal_id}"):
        assert manager.get(path).status_code == 404, path
    for action in ("start", "approve", "reject", "return", "outcome"):
        resp = manager.post_form(
            f"/deals/review/{deal_id}/{action}",
            {"reason": "no", "outcome": "won"},
            form_page="/admin/",
        )
        assert resp.status_code == 404, action
    bulk = manager.post_form(
        "/deals/review/bulk", {"action": "approve", "ids": [deal_id]}, form_page="/admin/"
    )
    assert bulk.status_code == 404
    dashboard = _text(manager, "/admin/")
    assert "/deals/review" not in dashboard  # neither the nav item nor the widget
    assert "Deal review" not in dashboard and "Deal registrations to review" not in dashboard

    # nothing was decided, and the vendor admin still reviews
    admin = client_as(world.users["vendor_admin"])
    assert "Deal review" in _text(admin, "/admin/")
    assert "Submitted" in _text(admin, f"/deals/review/{deal_id}")
    # the other tenant's channel managers keep their default
    other_manager = client_as(world.other["users"]["channel_manager"])
    assert other_manager.get("/deals/review").status_code == 200


def test_review_granted_to_partner_roles_opens_nothing(world, client_as, register, set_roles):
    deal_id = register(world.users["gold_user"])
    everyone = ["vendor_admin", "channel_manager", "partner_admin", "partner_user"]
    set_roles(deals__review=everyone, deals__export=everyone)
    for name in ("gold_admin", "gold_user"):
        client = client_as(world.users[name])
        for path in (*REVIEW_GETS[:-1], f"/deals/review/{deal_id}", "/deals/review/export.csv"):
            assert client.get(path).status_code == 404, (name, path)
        resp = client.post_form(
            f"/deals/review/{deal_id}/approve", {"reason": ""}, form_page="/deals/"
        )
        assert resp.status_code == 404
        assert "/deals/review" not in _text(client, "/dashboard")
    # the partner still gets only its own hint, never the vendor's list of matches
    hint = _text(client_as(world.users["silver_admin"]), "/deals/check?customer_name=Woodgrove")
    assert "/deals/review/" not in hint and "Gold" not in hint


def test_the_vendor_hint_needs_review_and_the_partner_hint_register(
    world, client_as, register, set_roles
):
    register(world.users["gold_user"])
    manager = client_as(world.users["channel_manager"])
    assert "/deals/review/" in _text(manager, "/deals/check?customer_name=Woodgrove%20Bank")
    silver = client_as(world.users["silver_user"])
    assert silver.get("/deals/check?customer_name=Woodgrove%20Bank").status_code == 200
    set_roles(deals__register=["partner_admin"], deals__review=["vendor_admin"])
    assert manager.get("/deals/check?customer_name=Woodgrove%20Bank").status_code == 404
    assert silver.get("/deals/check?customer_name=Woodgrove%20Bank").status_code == 404
    silver_admin = client_as(world.users["silver_admin"])
    assert silver_admin.get("/deals/check?customer_name=Woodgrove%20Bank").status_code == 200


def test_the_roles_page_says_which_side_each_permission_is_for(world, client_as):
    page = _text(client_as(world.users["vendor_admin"]), "/admin/roles")
    assert "Review deal registrations (vendor staff only)" in page
    assert "Register and update deals (partner roles only)" in page
