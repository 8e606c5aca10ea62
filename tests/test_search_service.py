"""The portal search: documents fed through the public API, filtered inside the backend
by tenant, plugin enablement, program, tier and partner — counts and facets included."""

import datetime as dt

from portalis.api import SearchDocument, hookimpl, search_index
from portalis.db import db
from portalis.plugins.contract import PluginInfo
from portalis.tenancy import tenant_scope
from portalis.testing.fixtures import build_app


def _doc(
    world, doc_id, title, body, *, tiers=None, partners=None, plugin="core", tenant=None, kind="pdf"
):
    t = tenant or world.tenant
    return SearchDocument(
        tenant_id=t.id,
        doc_id=doc_id,
        plugin=plugin,
        program_id=None,
        tier_ids=tiers,
        partner_ids=partners,
        audience="partner",
        language="en",
        title=title,
        body=body,
        tags=(),
        facets={"type": kind},
        url=f"/docs/{doc_id}",
        updated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )


def _index(world, docs, tenant=None):
    with world.app.app_context(), tenant_scope((tenant or world.tenant).id):
        search_index(docs)
        db.session.commit()


def test_search_hides_what_the_tier_may_not_open_including_counts_and_facets(world, client_as):
    gold = world.tiers["gold"].id
    _index(
        world,
        [
            _doc(
                world,
                "a",
                "Quantum router datasheet",
                "The quantum router handles partner traffic.",
                tiers=(gold,),
                kind="datasheet",
            ),
            _doc(
                world, "b", "Quantum pricing overview", "Quantum pricing for everyone.", kind="pdf"
            ),
        ],
    )
    gold_page = client_as(world.users["gold_user"]).get("/search/?q=quantum").get_data(as_text=True)
    silver_page = (
        client_as(world.users["silver_user"]).get("/search/?q=quantum").get_data(as_text=True)
    )
    assert "Quantum router datasheet" in gold_page and "2 results" in gold_page
    assert "Quantum router datasheet" not in silver_page
    assert "1 result" in silver_page
    assert "datasheet" not in silver_page.lower()  # not even as a facet value


def test_search_never_crosses_tenants(world, client_as):
    _index(
        world,
        [_doc(world, "x", "Zebra integration guide", "zebra zebra", tenant=world.other_tenant)],
        tenant=world.other_tenant,
    )
    page = client_as(world.users["gold_user"]).get("/search/?q=zebra").get_data(as_text=True)
    assert "Zebra integration guide" not in page and "0 results" in page


def test_documents_of_a_plugin_switched_off_are_not_found(world, client_as):
    _index(world, [_doc(world, "p1", "Falcon campaign kit", "falcon", plugin="ghostplugin")])
    page = client_as(world.users["gold_user"]).get("/search/?q=falcon").get_data(as_text=True)
    assert "Falcon campaign kit" not in page


def test_live_search_returns_a_fragment_and_did_you_mean(world, client_as):
    _index(
        world, [_doc(world, "r", "Registration handbook", "How registration works for partners.")]
    )
    client = client_as(world.users["gold_user"])
    frag = client.get("/search/live?q=registration", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "Registration handbook" in frag and "<html" not in frag
    miss = client.get("/search/?q=registraton").get_data(as_text=True)
    assert "Did you mean" in miss and "registration" in miss


def test_search_input_is_treated_as_text(world, client_as):
    client = client_as(world.users["gold_user"])
    for q in [
        '"unclosed',
        "a OR OR",
        "*",
        "-",
        "' OR 1=1 --",
        "x" * 500,
        "<script>alert(1)</script>",
    ]:
        resp = client.get("/search/", query_string={"q": q})
        assert resp.status_code == 200
        assert "<script>alert(1)</script>" not in resp.get_data(as_text=True)


class Library:
    PLUGIN = PluginInfo(name="library", title="Library", version="1.0")

    @hookimpl
    def portalis_search_documents(self, tenant_id):
        return [
            SearchDocument(
                tenant_id=tenant_id,
                doc_id="lib:1",
                plugin="library",
                program_id=None,
                tier_ids=None,
                partner_ids=None,
                audience="all",
                language="en",
                title="Owl observation notes",
                body="owls at night",
                tags=(),
                facets={},
                url="/library/1",
                updated_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
            )
        ]


def test_reindex_command_rebuilds_from_the_plugins(world, portalis_database_url, tmp_path):
    app = build_app(portalis_database_url, tmp_path, plugins=[], extra_plugins=[Library()])
    db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["search", "reindex", "--tenant", world.tenant.slug], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "1 documents" in result.output
    with app.app_context():
        from portalis.context import Viewer

        viewer = Viewer(
            tenant_id=world.tenant.id,
            user_id=1,
            role="vendor_admin",
            enabled_plugins=frozenset({"library"}),
        )
        res = app.extensions["portalis_search"].search(viewer, "owls")
    assert [h.title for h in res.hits] == ["Owl observation notes"]
