"""``portalis`` command line: run, db, demo, tenants, users, plugins, tiers, worker."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup
from sqlalchemy import select

from .db import db
from .tenancy import tenant_scope, unscoped


def _tenant_id(slug: str) -> int:
    from .models import Tenant

    with unscoped("CLI looks up a tenant by slug"):
        tid = db.session.scalars(select(Tenant.id).where(Tenant.slug == slug)).first()
    if tid is None:
        raise click.ClickException(f"no tenant {slug!r}")
    return tid


def register_cli(app: Flask) -> None:
    # Commands use ``app`` (this app), not ``current_app``: an outer app context (tests,
    # embedding) must not redirect them to another app's plugins.
    @app.cli.group("db")
    def db_group() -> None:
        """Database migrations (core and every installed plugin)."""

    @db_group.command("upgrade")
    @click.option("--plugin", default=None, help="Only this distribution ('core' or a plugin).")
    def db_upgrade(plugin: str | None) -> None:
        from .migrate import upgrade

        for name in upgrade(only=plugin):
            click.echo(f"upgraded {name}")

    @db_group.command("revision")
    @click.option("--plugin", default="core")
    @click.option("-m", "--message", required=True)
    def db_revision(plugin: str, message: str) -> None:
        from .migrate import revision

        revision(plugin, message)

    @app.cli.command("demo")
    def demo_cmd() -> None:
        """Seed the demo tenants (once)."""
        from .demo import seed

        created = seed()
        click.echo(f"seeded: {', '.join(created)}" if created else "demo data already present")

    @app.cli.group("tenants")
    def tenants() -> None:
        """Manage tenants (platform operators)."""

    @tenants.command("list")
    def tenants_list() -> None:
        from .models import Tenant

        with unscoped("operator lists tenants"):
            for t in db.session.scalars(select(Tenant).order_by(Tenant.slug)):
                click.echo(f"{t.slug}\t{t.name}\t{'active' if t.active else 'inactive'}")

    @tenants.command("create")
    @click.argument("slug")
    @click.argument("name")
    @click.option("--admin-email", required=True)
    def tenants_create(slug: str, name: str, admin_email: str) -> None:
        from .models import Program, Tenant, Tier, User

        with unscoped("operator creates a tenant"):
            tenant = Tenant(
                slug=slug, name=name, allowed_locales=["en"], branding={"portal_name": name}
            )
            db.session.add(tenant)
            db.session.flush()
        with tenant_scope(tenant.id):
            program = Program(slug="partners", name=f"{name} Partner Program")
            db.session.add(program)
            db.session.flush()
            db.session.add(Tier(program_id=program.id, rank=0, name="Registered"))
            user = User(
                email=admin_email.lower(), name=admin_email, role="vendor_admin", password_hash=None
            )
            db.session.add(user)
            db.session.commit()
            from .identity.tokens import make_token

            with app.test_request_context(base_url=f"http://{slug}.{app.config['BASE_DOMAIN']}"):
                from flask import url_for

                click.echo(
                    url_for("auth.accept_invite", token=make_token(user, "invite"), _external=True)
                )

    @app.cli.group("users")
    def users() -> None:
        """Manage users of a tenant."""

    @users.command("list")
    @click.option("--tenant", "slug", required=True)
    def users_list(slug: str) -> None:
        from .models import User

        with tenant_scope(_tenant_id(slug)):
            for u in db.session.scalars(select(User).order_by(User.email)):
                click.echo(f"{u.id}\t{u.email}\t{u.role}\t{'active' if u.active else 'inactive'}")

    @users.command("set-password")
    @click.option("--tenant", "slug", required=True)
    @click.argument("email")
    @click.password_option()
    def users_set_password(slug: str, email: str, password: str) -> None:
        from .identity.passwords import hash_password, password_problem
        from .models import User

        problem = password_problem(password, email)
        if problem:
            raise click.ClickException(problem)
        with tenant_scope(_tenant_id(slug)):
            user = db.session.scalars(select(User).where(User.email == email.lower())).first()
            if user is None:
                raise click.ClickException("no such user")
            user.password_hash = hash_password(password)
            db.session.commit()
        click.echo("password set")

    @app.cli.group("plugins")
    def plugins() -> None:
        """Installed plugins and their enablement."""

    @plugins.command("list")
    def plugins_list() -> None:
        portal = app.extensions["portalis"]
        for p in portal.registry.plugins.values():
            click.echo(f"{p.info.name}\t{p.info.version}\t{p.distribution or '(core)'}")

    @plugins.command("enable")
    @click.option("--tenant", "slug", required=True)
    @click.option("--program", "program_slug", required=True)
    @click.argument("name")
    @click.option("--off", is_flag=True, help="Disable instead.")
    def plugins_enable(slug: str, program_slug: str, name: str, off: bool) -> None:
        from .models import Program, ProgramPlugin

        portal = app.extensions["portalis"]
        if name not in portal.registry.plugins or name == "core":
            raise click.ClickException(f"plugin {name!r} is not installed")
        with tenant_scope(_tenant_id(slug)):
            program = db.session.scalars(
                select(Program).where(Program.slug == program_slug)
            ).first()
            if program is None:
                raise click.ClickException("no such program")
            row = db.session.scalars(
                select(ProgramPlugin).where(
                    ProgramPlugin.program_id == program.id, ProgramPlugin.plugin == name
                )
            ).first()
            if row is None:
                row = ProgramPlugin(
                    program_id=program.id,
                    plugin=name,
                    settings=dict(portal.registry.info(name).settings_defaults),
                )
                db.session.add(row)
            row.enabled = not off
            db.session.flush()
            portal.registry.call_one(
                name, "portalis_plugin_toggled", program_id=program.id, enabled=row.enabled
            )
            db.session.commit()
        click.echo(f"{name} {'disabled' if off else 'enabled'} for {slug}/{program_slug}")

    @app.cli.group("tiers")
    def tiers() -> None:
        """Tier evaluation."""

    @tiers.command("evaluate")
    @click.option("--tenant", "slug", default=None, help="One tenant (default: all).")
    @click.option(
        "--dry-run", is_flag=True, help="Show who would change tier and why; change nothing."
    )
    def tiers_evaluate(slug: str | None, dry_run: bool) -> None:
        from .tiers.evaluation import evaluate_all

        for _tid, tslug in each_tenant(app, slug):
            for _pid, decisions in evaluate_all(dry_run=dry_run).items():
                for d in decisions:
                    if d.changes or (d.locked and d.from_tier is not d.to_tier):
                        frm = d.from_tier.name if d.from_tier else "-"
                        to = d.to_tier.name if d.to_tier else "-"
                        verb = (
                            "locked, stays" if d.locked else ("would move" if dry_run else "moved")
                        )
                        why = ", ".join(f"{k}={v:g}" for k, v in sorted(d.metrics.items()))
                        click.echo(f"{tslug}\t{d.partner_name}\t{frm} -> {to}\t{verb}\t{why}")

    @app.cli.group("search")
    def search() -> None:
        """The portal-wide search index."""

    @search.command("reindex")
    @click.option("--tenant", "slug", default=None, help="One tenant (default: every tenant).")
    def search_reindex(slug: str | None) -> None:
        """Rebuild the index from every plugin's documents (portalis_search_documents)."""
        service = app.extensions["portalis_search"]
        portal = app.extensions["portalis"]
        for tid, tslug in each_tenant(app, slug):
            docs = [
                d
                for _p, batch in portal.registry.call_robust(
                    "portalis_search_documents", None, tid, tenant_id=tid
                )
                for d in batch
            ]
            with click.progressbar(
                length=len(docs), label=f"{tslug}: {len(docs)} documents"
            ) as bar:
                service.reindex(tid, docs, progress=bar.update)
            db.session.commit()

    @app.cli.command("worker")
    def worker() -> None:
        """Run background jobs from Redis (JOBS_BACKEND=rq)."""
        if app.config["JOBS_BACKEND"] != "rq":
            raise click.ClickException("set PORTALIS_JOBS_BACKEND=rq and PORTALIS_REDIS_URL first")
        from rq import Worker

        runner = app.extensions["portalis_jobs"]
        Worker([runner.queue], connection=runner.redis).work(with_scheduler=True)

    for cmd in current_app_commands(app):
        app.cli.add_command(cmd)


def each_tenant(app: Flask, slug: str | None) -> Iterator[tuple[int, str]]:
    """Yield ``(id, slug)`` for one tenant or all, each inside that tenant's scope and a
    request context on its host (templates and links work); jobs are drained at the end."""
    from .jobs import drain
    from .models import Tenant

    with unscoped("CLI lists the tenants a command acts on"):
        q = select(Tenant.id, Tenant.slug).order_by(Tenant.slug)
        if slug:
            q = q.where(Tenant.slug == slug)
        targets = db.session.execute(q).all()
    if not targets:
        raise click.ClickException("no such tenant")
    for tid, tslug in targets:
        with (
            tenant_scope(tid),
            app.test_request_context(base_url=f"http://{tslug}.{app.config['BASE_DOMAIN']}"),
        ):
            yield tid, tslug
            db.session.remove()
    drain(app)


def current_app_commands(app: Flask) -> list[Any]:
    portal = app.extensions["portalis"]
    return [c for cmds in portal.registry.call_all("portalis_cli_commands") for c in cmds]


def main() -> None:
    from .app import create_app

    group = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True)
    sys.exit(group.main(prog_name="portalis"))
