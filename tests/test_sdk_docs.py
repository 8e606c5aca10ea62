"""docs/plugins.md is the SDK guide a plugin author outside this repository follows alone.
These tests keep it true:

* every field of ``PluginInfo`` and the other value types is in its table, with its real
  default; every fixture the ``portalis`` pytest plugin registers, every macro of
  ``macros/ui.html`` (with its arguments), every icon of ``portalis.icons.ICONS``, every
  check of the contract kit, and the readable core model columns (which must exist) are
  listed;
* the worked example is the scaffold: each block marked ``<!-- example: PATH -->`` occurs
  verbatim in what ``portalis plugin new hello`` writes to ``PATH`` (CI installs and tests
  that generated plugin, so the example is code that runs);
* the events and jobs examples (``<!-- run: events -->``, ``<!-- run: jobs -->``) are
  loaded as plugins into an app and do what the docs say: an event emitted in a view
  reaches ``portalis_event``; a job enqueued in a view and a periodic job run in the
  tenant's scope.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import inspect
import re
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from portalis import api
from portalis.db import db
from portalis.icons import ICONS
from portalis.jobs import Scheduler
from portalis.models import AuditEntry
from portalis.scaffold import generate
from portalis.testing import contract, fixtures
from portalis.testing.fixtures import HostClient, World, build_app

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
UI_MACROS = ROOT / "core" / "portalis" / "templates" / "macros" / "ui.html"
EXAMPLE_PLUGIN = "hello"


def section(heading: str) -> str:
    """The text under ``heading`` (a whole heading line, e.g. "### `Widget`") up to the next
    heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    start = DOC.index(f"\n{heading}\n") + 1
    higher = re.compile(rf"^#{{1,{len(level)}}} ", re.M)
    ends = [m.start() for m in higher.finditer(DOC[start + len(heading) :])]
    return DOC[start : start + len(heading) + ends[0]] if ends else DOC[start:]


def table_rows(text: str) -> dict[str, list[str]]:
    """Rows of the markdown tables in ``text`` whose first cell is one backticked name:
    ``{name: [cells...]}``."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\| `([^`]+)` \|(.*)\|\s*$", line)
        if m:
            rows[m.group(1)] = [c.strip() for c in m.group(2).split(" | ")]
    return rows


def code_blocks(marker: str) -> list[tuple[str, str]]:
    """``(argument, code)`` of every fenced block right after ``<!-- marker: argument -->``."""
    pattern = rf"<!-- {marker}: ([^ ]+) -->\n```[a-z]*\n(.*?)\n```"
    return re.findall(pattern, DOC, flags=re.S)


# --- the values a plugin hands the core ------------------------------------------------------

VALUE_TYPES = [
    api.PluginInfo,
    api.Permission,
    api.NavItem,
    api.Widget,
    api.MetricDefinition,
    api.PeriodicJob,
    api.Event,
    api.DemoSeed,
]


def documented_default(f: dataclasses.Field[Any]) -> str:
    """How the docs' "default" column spells this field's default."""
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
        return "required"
    value = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
    if isinstance(value, dt.datetime):
        return "now"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value!r}`"


@pytest.mark.parametrize(
    ("cls", "field"),
    [(cls, f) for cls in VALUE_TYPES for f in dataclasses.fields(cls)],
    ids=lambda v: v.__name__ if isinstance(v, type) else v.name,
)
def test_every_field_is_in_its_table_with_its_default(cls, field):
    rows = table_rows(section(f"### `{cls.__name__}`"))
    assert field.name in rows, f"docs/plugins.md: {cls.__name__}.{field.name} has no row"
    type_, default, what = rows[field.name][0], rows[field.name][1], rows[field.name][2]
    assert type_ and what, f"{cls.__name__}.{field.name}: say its type and what it does"
    assert documented_default(field) in default, (
        f"{cls.__name__}.{field.name}: the docs say the default is {default}"
    )


@pytest.mark.parametrize("cls", VALUE_TYPES, ids=lambda c: c.__name__)
def test_no_field_is_documented_that_does_not_exist(cls):
    documented = set(table_rows(section(f"### `{cls.__name__}`")))
    assert documented <= {f.name for f in dataclasses.fields(cls)}


# --- fixtures ---------------------------------------------------------------------------------

FIXTURE_TYPE = type(pytest.fixture(lambda: None))


def registered_fixtures() -> list[str]:
    """The fixtures the ``portalis`` pytest plugin registers (``portalis.testing.fixtures``)."""
    return sorted(obj.name for obj in vars(fixtures).values() if isinstance(obj, FIXTURE_TYPE))


def test_the_fixture_list_is_found():
    names = registered_fixtures()
    assert {"portalis_app", "db_session", "world", "client_as", "enable_plugin"} <= set(names)


@pytest.mark.parametrize("name", registered_fixtures())
def test_every_fixture_is_in_the_fixture_table(name):
    assert name in table_rows(section("## Testing your plugin")), (
        f"fixture {name!r} is not in the fixture table of docs/plugins.md"
    )


def test_every_fixture_in_the_table_exists():
    rows = table_rows(section("## Testing your plugin"))
    fixture_rows = {n for n in rows if not n.startswith(("world.", "test_"))}
    assert fixture_rows <= set(registered_fixtures())


def test_the_plugins_marker_is_documented_and_registered(pytestconfig):
    assert '@pytest.mark.plugins("hello"' in section("## Testing your plugin")
    assert any(m.startswith("plugins(") for m in pytestconfig.getini("markers"))


def test_world_table_names_every_attribute_and_key(world):
    text = section("## Testing your plugin")
    for f in dataclasses.fields(World):
        assert f"`world.{f.name}" in text, f"world.{f.name} is not described"
    assert "`world.host(" in text and hasattr(world, "host")
    for group in ("tiers", "partners", "users"):
        row = next(line for line in text.splitlines() if line.startswith(f"| `world.{group}`"))
        for key in getattr(world, group):
            assert f'"{key}"' in row, f"world.{group}[{key!r}] is not described"
    assert set(world.other) == {"tenant", "program", "tiers", "partners", "users"}


def test_the_client_helpers_are_documented():
    text = section("## Testing your plugin")
    assert callable(HostClient.post_form) and hasattr(HostClient, "csrf_token")
    assert "client.post_form(path, data)" in text and "client.csrf_token" in text
    params = inspect.signature(HostClient.post_form)
    assert "form_page" in params.parameters and "`form_page=`" in text


# --- the contract kit ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "test_name",
    sorted(n for n in dir(contract.PluginContract) if n.startswith("test_")),
)
def test_every_contract_check_is_documented_with_the_function_it_calls(test_name):
    rows = table_rows(section("### The contract-test kit"))
    assert test_name in rows, f"PluginContract.{test_name} is not in the contract table"
    source = inspect.getsource(getattr(contract.PluginContract, test_name))
    called = re.search(r"(check_\w+)\(", source)
    assert called, f"{test_name} calls no check_* function"
    assert f"`{called.group(1)}(scene)`" in rows[test_name][0]


def test_the_check_functions_are_documented():
    text = section("### The contract-test kit")
    for name in contract.__all__:
        if name.startswith(("check_", "prepare_")) or name == "ContractViolation":
            assert f"{name}" in text, f"portalis.testing.contract.{name} is not documented"


# --- templates ----------------------------------------------------------------------------------


def ui_macros() -> list[tuple[str, str]]:
    return re.findall(r"{%-? macro (\w+)\((.*?)\) -?%}", UI_MACROS.read_text(encoding="utf-8"))


def test_the_macro_list_is_found():
    assert len(ui_macros()) >= 6


@pytest.mark.parametrize(("name", "args"), ui_macros(), ids=lambda v: v if "(" not in v else "")
def test_every_macro_is_documented_with_its_arguments(name, args):
    assert f"| `{name}({args})` |" in section("## Templates and the UI vocabulary")


def documented_icons() -> list[str]:
    text = DOC[DOC.index("<!-- icons -->") : DOC.index("<!-- /icons -->")]
    return re.findall(r"`([a-z-]+)`", text)


@pytest.mark.parametrize("icon", sorted(ICONS))
def test_every_icon_is_listed(icon):
    assert icon in documented_icons()


def test_only_icons_that_exist_are_listed():
    assert set(documented_icons()) <= ICONS


# --- core models --------------------------------------------------------------------------------


def documented_fields() -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    text = DOC[DOC.index("<!-- model-fields -->") : DOC.index("<!-- /model-fields -->")]
    listed = {model: re.findall(r"`(\w+)`", cells[0]) for model, cells in table_rows(text).items()}
    hidden_line = next(line for line in text.splitlines() if line.startswith("Not for plugins:"))
    hidden = re.findall(r"`(\w+)\.(\w+)`", hidden_line)
    return listed, hidden


def test_the_readable_models_are_the_ones_the_api_exports():
    listed, _hidden = documented_fields()
    assert set(listed) == {"Tenant", "Program", "Tier", "Partner", "User", "ProgramPlugin"}


@pytest.mark.parametrize("model", ["Tenant", "Program", "Tier", "Partner", "User", "ProgramPlugin"])
def test_every_listed_column_exists_and_every_column_is_listed_or_withheld(model):
    listed, hidden = documented_fields()
    columns = set(getattr(api, model).__table__.columns.keys())
    missing = sorted(set(listed[model]) - columns)
    assert missing == [], f"docs list {model} fields that don't exist: {missing}"
    withheld = {col for m, col in hidden if m == model}
    assert withheld <= columns
    unclassified = sorted(columns - set(listed[model]) - withheld)
    assert unclassified == [], (
        f"{model} has columns the docs neither list nor withhold: {unclassified}"
    )


# --- the worked example is the scaffold ---------------------------------------------------------


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(EXAMPLE_PLUGIN, tmp_path_factory.mktemp("scaffold"), installed=set())


def test_the_example_covers_the_main_files():
    paths = {path for path, _code in code_blocks("example")}
    for needed in (
        "pyproject.toml",
        "portalis_hello/plugin.py",
        "portalis_hello/models.py",
        "portalis_hello/access.py",
        "portalis_hello/views/partner.py",
        "portalis_hello/forms.py",
        "portalis_hello/migrations/env.py",
        "tests/test_contract.py",
    ):
        assert needed in paths, f"the docs' example shows no excerpt of {needed}"


@pytest.mark.parametrize(
    ("path", "code"), code_blocks("example"), ids=[p for p, _c in code_blocks("example")]
)
def test_each_example_block_is_in_the_generated_plugin(scaffold, path, code):
    generated = (scaffold / path).read_text(encoding="utf-8")
    assert code in generated, (
        f"docs/plugins.md shows a block of {path} that `portalis plugin new "
        f"{EXAMPLE_PLUGIN}` doesn't write; copy it again from the scaffold"
    )


# --- the events and jobs examples run ------------------------------------------------------------


@pytest.fixture(scope="module")
def example_apps(tmp_path_factory, portalis_database_url):
    """``example_apps("events")`` → an app with the docs' ``run: events`` block loaded as a
    plugin (written to a module, so jobs can import its functions by path)."""
    folder = tmp_path_factory.mktemp("doc_examples")
    sys.path.insert(0, str(folder))
    apps: dict[str, Any] = {}
    modules = []

    def make(tag: str) -> Any:
        if tag not in apps:
            blocks = [code for name, code in code_blocks("run") if name == tag]
            assert len(blocks) == 1, f"docs/plugins.md has no single <!-- run: {tag} --> block"
            module_name = f"sdk_doc_{tag}_{uuid.uuid4().hex[:8]}"
            (folder / f"{module_name}.py").write_text(blocks[0] + "\n", encoding="utf-8")
            module = importlib.import_module(module_name)
            modules.append(module_name)
            apps[tag] = build_app(
                portalis_database_url,
                tmp_path_factory.mktemp(f"instance_{tag}"),
                plugins=[],
                extra_plugins=[module],
            )
        return apps[tag]

    yield make
    sys.path.remove(str(folder))
    for name in modules:
        sys.modules.pop(name, None)


def audit_entries(tenant_id: int, action: str) -> list[AuditEntry]:
    with api.tenant_scope(tenant_id):
        return list(
            db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


def test_an_event_emitted_in_a_view_reaches_portalis_event(
    world, client_as, enable_plugin, example_apps
):
    app = example_apps("events")
    enable_plugin(world.program, "callback")
    enable_plugin(world.other["program"], "callback")
    gold = world.partners["gold"]
    client = client_as(world.users["gold_user"], app=app)
    resp = client.post("/callback/", data={"csrf_token": client.csrf_token})
    assert resp.status_code == 302
    entries = audit_entries(world.tenant.id, "callback.asked")
    assert [(e.object_type, e.object_id, e.after) for e in entries] == [
        ("partner", str(gold.id), {"partner": gold.name})
    ]
    assert audit_entries(world.other_tenant.id, "callback.asked") == []
    # the vendor admin reads it in the audit log
    log = client_as(world.users["vendor_admin"], app=app).get("/admin/audit?action=callback.")
    assert "callback.asked" in log.get_data(as_text=True)
    assert gold.name in log.get_data(as_text=True)


def test_no_event_when_the_plugin_is_off_for_the_program(
    world, client_as, enable_plugin, example_apps
):
    app = example_apps("events")
    enable_plugin(world.program, "callback", enabled=False)
    client = client_as(world.users["gold_user"], app=app)
    resp = client.post("/callback/", data={"csrf_token": client.csrf_token})
    assert resp.status_code == 404
    assert audit_entries(world.tenant.id, "callback.asked") == []


def _third_partner_in_the_other_tenant(world: World) -> None:
    other = world.other
    with api.tenant_scope(world.other_tenant.id):
        db.session.add(
            api.Partner(
                name="Globex Bronze Reseller",
                program_id=other["program"].id,
                tier_id=other["tiers"]["registered"].id,
            )
        )
        db.session.commit()


def test_a_job_enqueued_in_a_view_runs_in_the_tenant_scope(
    world, client_as, enable_plugin, example_apps
):
    app = example_apps("jobs")
    enable_plugin(world.program, "census")
    _third_partner_in_the_other_tenant(world)
    staff = client_as(world.users["channel_manager"], app=app)
    resp = staff.post(
        "/census/", data={"csrf_token": staff.csrf_token, "program_id": str(world.program.id)}
    )
    assert resp.status_code == 302
    counted = audit_entries(world.tenant.id, "census.counted")
    assert [(e.object_id, e.after) for e in counted] == [(str(world.program.id), {"partners": 2})]
    assert audit_entries(world.other_tenant.id, "census.counted") == []
    # another tenant's program is the unknown page, and queues nothing
    resp = staff.post(
        "/census/",
        data={"csrf_token": staff.csrf_token, "program_id": str(world.other["program"].id)},
    )
    assert resp.status_code == 404
    assert len(audit_entries(world.tenant.id, "census.counted")) == 1


def test_a_job_queued_by_a_user_deactivated_before_it_runs_does_nothing(world, example_apps):
    app = example_apps("jobs")
    module = app.extensions["portalis"].registry.plugins["census"].module
    user = world.users["channel_manager"]
    with app.app_context(), api.tenant_scope(world.tenant.id):
        db.session.get(api.User, user.id).active = False
        db.session.commit()
        api.enqueue(module.count_partners, program_id=world.program.id, actor_user_id=user.id)
    assert audit_entries(world.tenant.id, "census.counted") == []


def test_the_periodic_job_runs_once_per_tenant_in_its_scope(world, enable_plugin, example_apps):
    app = example_apps("jobs")
    enable_plugin(world.program, "census")
    enable_plugin(world.other["program"], "census")
    _third_partner_in_the_other_tenant(world)
    now = api.utcnow()
    with app.app_context():
        jobs = app.extensions["portalis"].periodic_jobs()
    assert "census.nightly" in [j.name for j in jobs]
    scheduler = Scheduler(app, app.extensions["portalis_jobs"].submit)
    scheduler.last_run = {j.name: now for j in jobs if j.name != "census.nightly"}  # only ours
    assert scheduler.tick(now) >= 2
    for tenant, program, partners in (
        (world.tenant, world.program, 2),
        (world.other_tenant, world.other["program"], 3),
    ):
        counted = audit_entries(tenant.id, "census.counted")
        assert [(e.object_id, e.after) for e in counted] == [
            (str(program.id), {"partners": partners})
        ]


def test_the_docs_name_the_current_hook_api_version_and_its_changes():
    from portalis import HOOK_API_VERSION

    assert f"Hook API version: **{HOOK_API_VERSION}**" in DOC
    assert re.search(rf"^### {re.escape(HOOK_API_VERSION)} ", section("## Changes"), re.M)
    changes = (ROOT / "docs" / "changes.md").read_text(encoding="utf-8")
    assert f"hook API {HOOK_API_VERSION}" in changes


def test_the_bundled_plugins_and_the_scaffold_accept_the_current_hook_api(scaffold):
    from packaging.specifiers import SpecifierSet

    from portalis import HOOK_API_VERSION

    plugin_files = [
        *ROOT.glob("plugins/*/portalis_*/plugin.py"),
        scaffold / "portalis_hello/plugin.py",
    ]
    for path in plugin_files:
        spec = re.search(r'requires_core="([^"]+)"', path.read_text(encoding="utf-8"))
        assert spec and HOOK_API_VERSION in SpecifierSet(spec.group(1)), path


#: ``portalis.api`` as hook API 1.0 shipped it: anything added since must be in the changes.
API_1_0 = frozenset(
    [
        "AwareDateTime",
        "Base",
        "BigId",
        "DemoSeed",
        "Event",
        "HOOK_API_VERSION",
        "MetricDefinition",
        "NavItem",
        "Partner",
        "PeriodicJob",
        "Permission",
        "PluginInfo",
        "Program",
        "ProgramPlugin",
        "ScopeError",
        "SearchDocument",
        "Tenant",
        "TenantScoped",
        "Tier",
        "Translator",
        "User",
        "Viewer",
        "Widget",
        "__version__",
        "audit",
        "current_locale",
        "current_tenant",
        "current_tenant_id",
        "current_user",
        "current_viewer",
        "emit",
        "enqueue",
        "enqueue_after_commit",
        "has_permission",
        "hookimpl",
        "is_htmx",
        "localized",
        "login_required",
        "money",
        "not_found",
        "page",
        "partner_admin",
        "partner_member",
        "permission_required",
        "plugin_settings",
        "programs_with_plugin",
        "rate_limit",
        "render",
        "render_block",
        "resolve_text",
        "run_migrations_env",
        "search_delete",
        "search_index",
        "send_mail",
        "session",
        "tenant_scope",
        "tier_benefit",
        "unscoped",
        "utcnow",
        "vendor_admin",
        "vendor_staff",
    ]
)


def test_every_api_name_added_since_1_0_is_in_the_changes():
    added = sorted(set(api.__all__) - API_1_0)
    assert added, "the 1.1 additions are known"
    changes = (ROOT / "docs" / "changes.md").read_text(encoding="utf-8")
    from portalis import HOOK_API_VERSION

    latest = section("## Changes")
    latest = latest[latest.index(f"### {HOOK_API_VERSION} ") :]
    for name in added:
        assert f"`{name}" in latest, f"docs/plugins.md, Changes: say that {name} was added"
        assert f"`{name}" in changes, f"docs/changes.md: say that {name} was added"
    removed = sorted(API_1_0 - set(api.__all__))
    assert removed == [], f"removing {removed} needs hook API 2.0 (and a deprecation first)"
