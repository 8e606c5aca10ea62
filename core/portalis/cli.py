"""``portalis`` command line: run, db, demo, tenants, users, plugins, tiers, worker."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click
from flask import Flask
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
        from .demo import DEMO_PASSWORD, logins, seed
        from .jobs import drain
        from .web.tenant_context import tenant_base_url

        created = seed()
        drain(app)  # deliver the events the seeding emitted (plugin.toggled …)
        click.echo(f"seeded: {', '.join(created)}" if created else "demo data already present")
        click.echo(f"instance: {app.instance_path}")
        click.echo(f"sign in with the password {DEMO_PASSWORD!r} (add the port you serve on):")
        for portal, email, role in logins():
            click.echo(f"  {tenant_base_url(portal, app):28} {email:32} {role}")

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
    @click.option(
        "--tenant", "slug", default=None, help="Only this tenant's programs (default: all)."
    )
    def plugins_list(slug: str | None) -> None:
        """Installed plugins, then which are on for each tenant's programs and for which tiers."""
        portal = app.extensions["portalis"]
        installed = [
            (p.info.name, p.info.version, p.distribution or "-") for p in portal.registry.optional
        ]
        click.echo("Installed plugins")
        _table(("plugin", "version", "distribution"), installed)
        click.echo("")
        click.echo("Per program (tiers: 'all' or the tiers allowed)")
        _table(("tenant", "program", "plugin", "state", "tiers"), plugin_states(app, slug))

    @plugins.command("enable")
    @click.option("--tenant", "slug", required=True)
    @click.option("--program", "program_slug", required=True)
    @click.argument("name")
    @click.option("--off", is_flag=True, help="Disable instead.")
    @click.option(
        "--tier",
        "tier_names",
        multiple=True,
        help="Allow only this tier (by name; repeat for several). Default: keep as it is.",
    )
    @click.option("--all-tiers", is_flag=True, help="Allow every tier of the program.")
    def plugins_enable(
        slug: str,
        program_slug: str,
        name: str,
        off: bool,
        tier_names: tuple[str, ...],
        all_tiers: bool,
    ) -> None:
        """Switch a plugin on (or --off) for a program, as the admin page does: the plugin's
        toggle hook runs, the change is audited and ``plugin.toggled`` is emitted."""
        from .jobs import drain
        from .models import Program, Tier
        from .plugins.enablement import KEEP, PluginToggleError, set_plugin

        if tier_names and all_tiers:
            raise click.UsageError("use --tier or --all-tiers, not both")
        # this app's plugins and jobs, even inside an outer app context (tests, embedding)
        with app.app_context(), tenant_scope(_tenant_id(slug)):
            program = db.session.scalars(
                select(Program).where(Program.slug == program_slug)
            ).first()
            if program is None:
                raise click.ClickException("no such program")
            allowed: Any = None if all_tiers else KEEP
            if tier_names:
                by_name = {
                    t.name.lower(): t.id
                    for t in db.session.scalars(select(Tier).where(Tier.program_id == program.id))
                }
                unknown = [t for t in tier_names if t.lower() not in by_name]
                if unknown:
                    raise click.ClickException(
                        f"no tier {', '.join(unknown)} in {program_slug} "
                        f"(tiers: {', '.join(sorted(by_name))})"
                    )
                allowed = [by_name[t.lower()] for t in tier_names]
            try:
                set_plugin(program, name, enabled=not off, allowed_tiers=allowed, actor="cli")
            except PluginToggleError as exc:
                db.session.rollback()
                raise click.ClickException(str(exc)) from exc
            db.session.commit()
        drain(app)
        click.echo(f"{name} {'disabled' if off else 'enabled'} for {slug}/{program_slug}")

    @app.cli.group("plugin")
    def plugin_group() -> None:
        """Write a new plugin."""

    @plugin_group.command("new")
    @click.argument("name")
    @click.option(
        "--path",
        "parent",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Folder to create the plugin's folder NAME in.",
    )
    def plugin_new(name: str, parent: Path) -> None:
        """Generate an installable plugin NAME in the documented shape (with a first
        migration, partner and vendor pages, a widget, a metric, translations and tests)."""
        from .scaffold import ScaffoldError, generate, next_steps

        try:
            target = generate(name, parent)
        except ScaffoldError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(next_steps(target.resolve(), name))

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


def plugin_states(app: Flask, slug: str | None = None) -> list[tuple[str, str, str, str, str]]:
    """``(tenant, program, plugin, "on"|"off", tiers)`` for every program of every tenant (or
    one) and every installed plugin; ``tiers`` is ``all`` or the allowed tiers' names."""
    from .models import Program, ProgramPlugin, Tenant, Tier

    portal = app.extensions["portalis"]
    installed = [p.info.name for p in portal.registry.optional]
    with unscoped("CLI lists plugin enablement across tenants"):
        q = select(Tenant.id, Tenant.slug).order_by(Tenant.slug)
        if slug:
            q = q.where(Tenant.slug == slug)
        tenants = db.session.execute(q).all()
    if slug and not tenants:
        raise click.ClickException(f"no tenant {slug!r}")
    out = []
    for tid, tslug in tenants:
        with tenant_scope(tid):
            tier_names = dict(db.session.execute(select(Tier.id, Tier.name)).all())
            rows = {(r.program_id, r.plugin): r for r in db.session.scalars(select(ProgramPlugin))}
            for program in db.session.scalars(select(Program).order_by(Program.slug)):
                stored = {n for (pid, n) in rows if pid == program.id}
                for name in installed + sorted(stored - set(installed)):
                    row = rows.get((program.id, name))
                    on = bool(row and row.enabled)
                    state = "on" if on else "off"
                    if name not in installed:
                        state += " (not installed)"
                    tiers = (
                        "all"
                        if row is None or not row.tier_ids
                        else ", ".join(tier_names.get(t, f"#{t}") for t in row.tier_ids)
                    )
                    out.append((tslug, program.slug, name, state, tiers if on else "-"))
        db.session.remove()
    return out


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    for line in (header, *rows):
        click.echo("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=False)).rstrip())


def current_app_commands(app: Flask) -> list[Any]:
    portal = app.extensions["portalis"]
    return [c for cmds in portal.registry.call_all("portalis_cli_commands") for c in cmds]
