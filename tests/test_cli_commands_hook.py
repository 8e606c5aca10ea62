"""``portalis_cli_commands``: a plugin's click commands appear under ``portalis …`` and run
in an app context without a tenant, entering one with ``api.tenant_scope``."""

import click
from sqlalchemy import select

from portalis import api
from portalis.testing.fixtures import build_app


class ReportPlugin:
    PLUGIN = api.PluginInfo(name="report", title="Report", version="1.0")

    @api.hookimpl
    def portalis_cli_commands(self):
        @click.command("partner-count")
        @click.argument("tenant_id", type=int)
        def partner_count(tenant_id):
            """Print how many partners a tenant has."""
            with api.tenant_scope(tenant_id):
                names = api.session.scalars(select(api.Partner.name)).all()
            click.echo(f"{len(names)} partners: {', '.join(sorted(names))}")

        return [partner_count]


def test_a_plugin_command_runs_under_portalis_in_the_given_tenant(
    world, portalis_database_url, tmp_path
):
    app = build_app(portalis_database_url, tmp_path, plugins=[], extra_plugins=[ReportPlugin()])
    result = app.test_cli_runner().invoke(args=["partner-count", str(world.tenant.id)])
    assert result.exit_code == 0, result.output
    expected = sorted(p.name for p in world.partners.values())
    assert result.output.strip() == f"{len(expected)} partners: {', '.join(expected)}"
    other = app.test_cli_runner().invoke(args=["partner-count", str(world.other_tenant.id)])
    assert all(name not in other.output for name in expected)  # only that tenant's rows


def test_plugin_commands_are_listed_in_the_help(portalis_database_url, tmp_path):
    app = build_app(portalis_database_url, tmp_path, plugins=[], extra_plugins=[ReportPlugin()])
    result = app.test_cli_runner().invoke(args=["--help"])
    assert "partner-count" in result.output
