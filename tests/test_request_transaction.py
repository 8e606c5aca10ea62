"""The request's transaction: kept when the visitor is told it worked, gone otherwise.

A plugin author's view that forgets ``api.session.commit()`` must not show "saved" and
lose the answer; a view that answers with an error must not leave half its writes."""

import pytest
from flask import Blueprint, abort
from sqlalchemy import select

from portalis.api import PluginInfo, hookimpl
from portalis.db import db
from portalis.models import Partner, ProgramPlugin
from portalis.tenancy import tenant_scope
from portalis.testing.fixtures import build_app


class RenamePlugin:
    """Routes that rename the viewer's company and then succeed, refuse or crash."""

    PLUGIN = PluginInfo(name="rename", title="Rename", version="1.0")

    def __init__(self):
        self.bp = Blueprint("rename", __name__, url_prefix="/rename")

        def _rename(name):
            from portalis.api import current_viewer

            db.session.get(Partner, current_viewer().partner_id).name = name
            db.session.flush()

        def ok():
            _rename("Renamed without commit")
            return "saved"

        def refused():
            _rename("Renamed then refused")
            return "that name is taken", 422

        def missing():
            _rename("Renamed then 404")
            abort(404)

        def crash():
            _rename("Renamed then crashed")
            raise RuntimeError("boom")

        for name, view in (
            ("ok", ok),
            ("refused", refused),
            ("missing", missing),
            ("crash", crash),
        ):
            self.bp.add_url_rule(f"/{name}", name, view, methods=["POST"])

    @hookimpl
    def portalis_blueprints(self):
        return [self.bp]


@pytest.fixture
def rename_app(portalis_app, portalis_database_url, tmp_path):
    return build_app(portalis_database_url, tmp_path, plugins=[], extra_plugins=[RenamePlugin()])


def _company_name(world):
    with tenant_scope(world.tenant.id):
        db.session.expire_all()
        return db.session.get(Partner, world.partners["gold"].id).name


@pytest.fixture
def client(world, client_as, rename_app):
    with tenant_scope(world.tenant.id):
        db.session.add(ProgramPlugin(program_id=world.program.id, plugin="rename", settings={}))
        db.session.commit()
    return client_as(world.users["gold_admin"], app=rename_app)


def test_a_successful_request_keeps_what_the_view_wrote_without_committing(world, client):
    resp = client.post_form("/rename/ok", form_page="/dashboard")
    assert resp.status_code == 200
    assert _company_name(world) == "Renamed without commit"


@pytest.mark.parametrize("route,status", [("refused", 422), ("missing", 404), ("crash", 500)])
def test_an_error_response_leaves_nothing_half_written(world, client, route, status):
    before = _company_name(world)
    resp = client.post_form(f"/rename/{route}", form_page="/dashboard")
    assert resp.status_code == status
    assert _company_name(world) == before
    with tenant_scope(world.tenant.id):
        names = set(db.session.scalars(select(Partner.name)))
    assert not any(n.startswith("Renamed") for n in names)
