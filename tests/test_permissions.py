"""Plugin permissions: default roles, per-tenant grants and revocations by vendor admins
("Roles & permissions"), tenant isolation, and one query per request for the overrides."""

import re

import pytest
from flask import Blueprint
from sqlalchemy import select

from portalis.api import Permission, PluginInfo, has_permission, hookimpl, permission_required
from portalis.db import db
from portalis.models import AuditEntry, ProgramPlugin, RolePermission
from portalis.tenancy import tenant_scope
from portalis.testing.fixtures import build_app


class LedgerPlugin:
    """A throwaway plugin whose pages are guarded by its own permissions."""

    PLUGIN = PluginInfo(
        name="ledger",
        title="Ledger",
        version="1.0",
        permissions=(
            Permission(
                "ledger.export",
                "Export the ledger",
                default_roles=("vendor_admin", "channel_manager"),
            ),
            Permission(
                "ledger.view", "See the ledger", default_roles=("partner_admin", "partner_user")
            ),
            Permission("ledger.close", "Close the books", default_roles=("vendor_admin",)),
        ),
    )

    def __init__(self):
        self.bp = Blueprint("ledger", __name__, url_prefix="/ledger")
        self.bp.add_url_rule("/", "index", lambda: "ledger home")
        self.bp.add_url_rule(
            "/export", "export", permission_required("ledger.export")(lambda: "ledger exported")
        )
        self.bp.add_url_rule("/checks", "checks", self.checks)

    @staticmethod
    def checks():
        names = ("ledger.export", "ledger.view", "ledger.close", "ledger.export", "no.such")
        return ",".join(n for n in names if has_permission(n))

    @hookimpl
    def portalis_blueprints(self):
        return [self.bp]


@pytest.fixture(scope="module")
def ledger_app(portalis_database_url, tmp_path_factory):
    return build_app(
        portalis_database_url,
        tmp_path_factory.mktemp("ledger"),
        plugins=[],
        extra_plugins=[LedgerPlugin()],
    )


@pytest.fixture
def ledger(world, ledger_app):
    """The ledger plugin switched on for both tenants' programs."""
    for tenant, program in (
        (world.tenant, world.program),
        (world.other_tenant, world.other["program"]),
    ):
        with tenant_scope(tenant.id):
            db.session.add(
                ProgramPlugin(program_id=program.id, plugin="ledger", enabled=True, settings={})
            )
            db.session.commit()
    return ledger_app


def _as(client_as, world, app, name, tenant_users=None):
    return client_as((tenant_users or world.users)[name], app=app)


def _overrides(tenant):
    with tenant_scope(tenant.id):
        rows = db.session.scalars(select(RolePermission)).all()
        return {(r.permission, r.role): r.granted for r in rows}


def _set(tenant, permission, role, granted):
    with tenant_scope(tenant.id):
        db.session.add(RolePermission(permission=permission, role=role, granted=granted))
        db.session.commit()


def _grid(permission_roles):
    """The POST a browser sends for the grid: every row shown, the ticked cells."""
    return {
        "permission": list(permission_roles),
        "grant": [f"{p}:{r}" for p, roles in permission_roles.items() for r in roles],
    }


DEFAULTS = {
    "ledger.export": ["vendor_admin", "channel_manager"],
    "ledger.view": ["partner_admin", "partner_user"],
    "ledger.close": ["vendor_admin"],
}


def test_default_roles_hold_without_overrides(world, client_as, ledger):
    expected = {
        "vendor_admin": "ledger.export,ledger.close,ledger.export",
        "channel_manager": "ledger.export,ledger.export",
        "gold_admin": "ledger.view",
        "gold_user": "ledger.view",
    }
    for name, answer in expected.items():
        c = _as(client_as, world, ledger, name)
        assert c.get("/ledger/checks").get_data(as_text=True) == answer, name
        status = c.get("/ledger/export").status_code
        assert status == (200 if name in ("vendor_admin", "channel_manager") else 404), name


def test_granting_export_to_partner_users_on_the_page_lets_them_export(world, client_as, ledger):
    user = _as(client_as, world, ledger, "gold_user")
    assert user.get("/ledger/export").status_code == 404

    admin = _as(client_as, world, ledger, "vendor_admin")
    wanted = dict(
        DEFAULTS, **{"ledger.export": ["vendor_admin", "channel_manager", "partner_user"]}
    )
    resp = admin.post_form("/admin/roles", _grid(wanted), follow_redirects=True)
    assert resp.status_code == 200
    assert "Permissions saved" in resp.get_data(as_text=True)
    assert _overrides(world.tenant) == {("ledger.export", "partner_user"): True}

    # the same signed-in client, next request: no restart, no new sign-in
    resp = user.get("/ledger/export")
    assert resp.status_code == 200 and resp.get_data(as_text=True) == "ledger exported"
    # partner admins were not ticked: the default (no) still holds for them
    assert _as(client_as, world, ledger, "gold_admin").get("/ledger/export").status_code == 404


def test_revoking_export_from_channel_managers_hides_the_page_from_them(world, client_as, ledger):
    manager = _as(client_as, world, ledger, "channel_manager")
    assert manager.get("/ledger/export").status_code == 200

    admin = _as(client_as, world, ledger, "vendor_admin")
    wanted = dict(DEFAULTS, **{"ledger.export": ["vendor_admin"]})
    admin.post_form("/admin/roles", _grid(wanted))
    assert _overrides(world.tenant) == {("ledger.export", "channel_manager"): False}

    resp = manager.get("/ledger/export")
    assert resp.status_code == 404
    unknown = manager.get("/no-such-page")
    assert unknown.status_code == 404
    assert admin.get("/ledger/export").status_code == 200


def test_another_tenants_overrides_do_not_apply(world, client_as, ledger):
    other_users = world.other["users"]
    _set(world.other_tenant, "ledger.export", "partner_user", True)
    _set(world.other_tenant, "ledger.export", "channel_manager", False)

    assert _as(client_as, world, ledger, "gold_user").get("/ledger/export").status_code == 404
    assert _as(client_as, world, ledger, "channel_manager").get("/ledger/export").status_code == 200
    # ...while they do apply in their own tenant
    assert (
        _as(client_as, world, ledger, "gold_user", other_users).get("/ledger/export").status_code
        == 200
    )
    assert (
        _as(client_as, world, ledger, "channel_manager", other_users)
        .get("/ledger/export")
        .status_code
        == 404
    )
    # and the other tenant's grid shows its own state, not ours
    page = _as(client_as, world, ledger, "vendor_admin").get("/admin/roles")
    assert "Default:" not in page.get_data(as_text=True)


@pytest.mark.parametrize("name", ["channel_manager", "gold_admin", "gold_user"])
def test_only_vendor_admins_open_or_post_the_page(world, client_as, ledger, name):
    c = _as(client_as, world, ledger, name)
    assert c.get("/admin/roles").status_code == 404
    token = c.csrf("/profile")
    wanted = {p: ["partner_user"] for p in DEFAULTS}
    assert c.post("/admin/roles", data={**_grid(wanted), "csrf_token": token}).status_code == 404
    assert (
        c.post(
            "/admin/roles/reset", data={"permission": "ledger.export", "csrf_token": token}
        ).status_code
        == 404
    )
    assert _overrides(world.tenant) == {}


def test_anonymous_is_sent_to_sign_in(world, client_as, ledger):
    resp = client_as(None, app=ledger).get("/admin/roles")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_the_grid_shows_permissions_by_plugin_with_effective_state_and_defaults(
    world, client_as, ledger
):
    _set(world.tenant, "ledger.export", "partner_user", True)
    _set(world.tenant, "ledger.close", "vendor_admin", False)
    html = _as(client_as, world, ledger, "vendor_admin").get("/admin/roles").get_data(as_text=True)
    assert "<h2>Ledger</h2>" in html
    for label in ("Export the ledger", "See the ledger", "Close the books"):
        assert label in html
    for role in ("Vendor admin", "Channel manager", "Partner admin", "Partner user"):
        assert f">{role}</th>" in html

    def checked(cell):
        box = re.search(rf'<input type="checkbox" name="grant" value="{cell}"([^>]*)>', html)
        assert box, cell
        return "checked" in box.group(1)

    assert checked("ledger.export:partner_user") and checked("ledger.export:channel_manager")
    assert not checked("ledger.export:partner_admin")
    assert not checked("ledger.close:vendor_admin")
    assert checked("ledger.view:partner_admin")
    # a marker for each of the two overridden cells, and a reset for their two rows only
    assert html.count("Default: off") == 1 and html.count("Default: on") == 1
    assert 'form="reset-ledger.export"' in html and 'form="reset-ledger.close"' in html
    assert 'form="reset-ledger.view"' not in html


def test_reset_to_defaults_removes_the_overrides_and_is_audited(world, client_as, ledger):
    _set(world.tenant, "ledger.export", "partner_user", True)
    _set(world.tenant, "ledger.export", "channel_manager", False)
    _set(world.tenant, "ledger.view", "partner_user", False)
    admin = _as(client_as, world, ledger, "vendor_admin")
    resp = admin.post_form(
        "/admin/roles/reset",
        {"permission": "ledger.export"},
        form_page="/admin/roles",
        follow_redirects=True,
    )
    assert "“Export the ledger” is back to its default roles." in resp.get_data(as_text=True)
    assert _overrides(world.tenant) == {("ledger.view", "partner_user"): False}
    assert _as(client_as, world, ledger, "channel_manager").get("/ledger/export").status_code == 200
    with tenant_scope(world.tenant.id):
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "permissions.reset")
        ).one()
    assert entry.object_id == "ledger.export"
    assert entry.before == {"ledger.export": ["vendor_admin", "partner_user"]}
    assert entry.after == {"ledger.export": ["vendor_admin", "channel_manager"]}


def test_saving_records_before_and_after_and_restoring_a_default_stores_nothing(
    world, client_as, ledger
):
    admin = _as(client_as, world, ledger, "vendor_admin")
    changed = dict(DEFAULTS, **{"ledger.close": ["vendor_admin", "channel_manager"]})
    admin.post_form("/admin/roles", _grid(changed))
    assert _overrides(world.tenant) == {("ledger.close", "channel_manager"): True}
    # ticking the defaults again removes the override rather than storing a copy of them
    resp = admin.post_form("/admin/roles", _grid(DEFAULTS), follow_redirects=True)
    assert "Permissions saved" in resp.get_data(as_text=True)
    assert _overrides(world.tenant) == {}
    resp = admin.post_form("/admin/roles", _grid(DEFAULTS), follow_redirects=True)
    assert "Nothing changed." in resp.get_data(as_text=True)
    with tenant_scope(world.tenant.id):
        entries = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "permissions.changed")
            .order_by(AuditEntry.id)
        ).all()
    assert [(e.before, e.after) for e in entries] == [
        (
            {"ledger.close": ["vendor_admin"]},
            {"ledger.close": ["vendor_admin", "channel_manager"]},
        ),
        (
            {"ledger.close": ["vendor_admin", "channel_manager"]},
            {"ledger.close": ["vendor_admin"]},
        ),
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"permission": ["ledger.export", "ledger.nope"], "grant": ["ledger.export:partner_user"]},
        {"permission": ["ledger.export"], "grant": ["ledger.export:superuser"]},
        {"permission": ["ledger.export"], "grant": ["ledger.view:partner_user"]},
        {"permission": ["ledger.export"], "grant": ["ledger.export"]},
        {"permission": [], "grant": ["ledger.export:partner_user"]},
        {"permission": ["ledger.export"], "grant": ["ledger.export:partner_user"] * 500},
        {"permission": ["ledger.export"] * 200, "grant": []},
        {"permission": ["9" * 5000], "grant": [f"{'9' * 5000}:partner_user"]},
    ],
    ids=[
        "unknown-permission",
        "unknown-role",
        "row-not-shown",
        "no-role",
        "no-rows",
        "many-cells",
        "many-rows",
        "huge-value",
    ],
)
def test_bad_input_is_refused_clearly_and_nothing_is_written(world, client_as, ledger, data):
    admin = _as(client_as, world, ledger, "vendor_admin")
    resp = admin.post_form("/admin/roles", data, form_page="/admin/roles")
    assert resp.status_code == 400
    assert "Nothing was saved" in resp.get_data(as_text=True)
    assert _overrides(world.tenant) == {}
    with tenant_scope(world.tenant.id):
        assert not db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.startswith("permissions."))
        ).all()


def test_resetting_an_unknown_permission_says_so(world, client_as, ledger):
    _set(world.tenant, "ledger.export", "partner_user", True)
    admin = _as(client_as, world, ledger, "vendor_admin")
    resp = admin.post_form(
        "/admin/roles/reset",
        {"permission": "x" * 10000},
        form_page="/admin/roles",
        follow_redirects=True,
    )
    assert resp.status_code == 200
    assert "Nothing was reset" in resp.get_data(as_text=True)
    assert _overrides(world.tenant) == {("ledger.export", "partner_user"): True}


def test_vendor_admins_can_revoke_their_own_permissions_and_still_open_the_page(
    world, client_as, ledger
):
    admin = _as(client_as, world, ledger, "vendor_admin")
    admin.post_form("/admin/roles", _grid({p: [] for p in DEFAULTS}))
    assert admin.get("/ledger/export").status_code == 404
    assert admin.get("/ledger/checks").get_data(as_text=True) == ""
    assert admin.get("/admin/roles").status_code == 200
    admin.post_form("/admin/roles", _grid(DEFAULTS))
    assert admin.get("/ledger/export").status_code == 200


def _statements(client, path):
    resp = client.get(path)
    assert resp.status_code == 200, path
    return int(resp.headers["X-SQL-Statements"])


def test_overrides_are_read_with_one_query_per_request(world, client_as, ledger):
    user = _as(client_as, world, ledger, "gold_user")
    plain = _statements(user, "/ledger/")
    checks = _statements(user, "/ledger/checks")  # five permission checks
    assert checks == plain + 1
    for perm in DEFAULTS:
        for role in ("vendor_admin", "channel_manager", "partner_admin", "partner_user"):
            _set(world.tenant, perm, role, True)
    assert _statements(user, "/ledger/checks") == checks
    assert user.get("/ledger/checks").get_data(as_text=True).count("ledger.") == 4


def test_without_permission_declaring_plugins_the_page_explains_permissions(
    world, client_as, portalis_database_url, tmp_path
):
    bare = build_app(portalis_database_url, tmp_path, plugins=[])
    html = client_as(world.users["vendor_admin"], app=bare).get("/admin/roles")
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    assert "No permissions to assign yet" in text
    assert "which roles hold them by default" in text
    assert 'name="grant"' not in text


def test_vendor_admins_find_the_page_in_the_admin_navigation(world, client_as, ledger):
    nav = 'href="/admin/roles"'
    assert nav in _as(client_as, world, ledger, "vendor_admin").get("/admin/").get_data(
        as_text=True
    )
    assert nav not in (
        _as(client_as, world, ledger, "channel_manager").get("/admin/").get_data(as_text=True)
    )
