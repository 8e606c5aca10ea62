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

        def _duplicate_invite(flush):
            from portalis.api import current_viewer
            from portalis.models import User

            taken = db.session.get(User, current_viewer().user_id).email
            db.session.add(User(email=taken, name="Twin", role="partner_user", password_hash=None))
            if flush:
                db.session.flush()  # the constraint refuses it inside the view
            return "invited"

        def twin_in_view():
            return _duplicate_invite(flush=True)

        def twin_at_commit():
            return _duplicate_invite(flush=False)  # refused only when the core commits

        def nameless():
            from portalis.api import current_viewer

            db.session.get(Partner, current_viewer().partner_id).name = None
            return "saved"  # NOT NULL refuses it at commit: a bug, not a race

        for name, view in (
            ("ok", ok),
            ("refused", refused),
            ("missing", missing),
            ("crash", crash),
            ("twin_in_view", twin_in_view),
            ("twin_at_commit", twin_at_commit),
            ("nameless", nameless),
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


@pytest.mark.parametrize("route", ["twin_in_view", "twin_at_commit"])
def test_a_write_refused_by_a_constraint_says_so_and_keeps_nothing(world, client, route):
    """Two people saving at once: the database refuses the second write (here the same
    e-mail twice); the visitor learns nothing was saved, not "something went wrong"."""
    from portalis.models import User

    before = _company_name(world)
    resp = client.post_form(f"/rename/{route}", form_page="/dashboard")
    assert resp.status_code == 409
    assert "Changed at the same time" in resp.get_data(as_text=True)
    assert resp.headers["Cache-Control"] == "private, no-store"
    with tenant_scope(world.tenant.id):
        assert db.session.scalars(select(User).where(User.name == "Twin")).all() == []
    assert _company_name(world) == before


def test_other_constraint_failures_are_errors_not_races(world, client):
    """Only a UNIQUE conflict means "someone saved at the same time"; a NOT NULL failure is
    a bug and must not be dressed up as a harmless 409."""
    before = _company_name(world)
    resp = client.post_form("/rename/nameless", form_page="/dashboard")
    assert resp.status_code == 500
    assert "Changed at the same time" not in resp.get_data(as_text=True)
    assert _company_name(world) == before
