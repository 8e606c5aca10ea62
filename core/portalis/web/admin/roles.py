"""Roles & permissions: which roles hold each plugin-declared permission, per tenant.

Plugins declare permissions with default roles (``PluginInfo.permissions``); a vendor admin
grants or revokes them per role here. Only differences from the default are stored
(``role_permissions``), so a plugin update that changes a default still reaches tenants
who never touched that permission.

The page itself is guarded by the vendor admin *role*, not by a permission, so no change
made here can lock every vendor admin out of it.
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, request, url_for
from sqlalchemy import select

from ... import audit
from ...db import db
from ...i18n import gettext as _
from ...models import RolePermission
from ...plugins.contract import Permission, PluginInfo, resolve_text
from ...roles import Role
from ..access import forget_role_overrides, role_holds, role_overrides, vendor_admin
from ..rendering import page
from .blueprint import bp

#: Columns of the grid: the vendor's team first, then the partner companies' people.
ROLES: tuple[Role, ...] = (
    Role.VENDOR_ADMIN,
    Role.CHANNEL_MANAGER,
    Role.PARTNER_ADMIN,
    Role.PARTNER_USER,
)


class BadGrant(ValueError):
    """A submitted cell names a permission or role that doesn't exist."""


def _declared() -> dict[str, Permission]:
    return {p.name: p for p in g.portal.permissions()}


def _holders(perm: Permission, overrides: dict[tuple[str, str], bool]) -> list[str]:
    return [r.value for r in ROLES if role_holds(perm, r, overrides)]


def _groups(overrides: dict[tuple[str, str], bool]) -> list[dict[str, Any]]:
    """Plugins with their permissions and, per role, the effective and default grant."""
    groups: list[dict[str, Any]] = []
    by_plugin: list[tuple[PluginInfo, list[Permission]]] = g.portal.permissions_by_plugin()
    enabled = g.portal.enabled_plugins_anywhere() if by_plugin else frozenset()
    for info, perms in by_plugin:
        rows = []
        for perm in perms:
            cells = [
                {
                    "role": r.value,
                    "granted": role_holds(perm, r, overrides),
                    "default": r in perm.default_roles,
                }
                for r in ROLES
            ]
            rows.append(
                {
                    "perm": perm,
                    "label": resolve_text(perm.label),
                    "cells": cells,
                    "changed": any(c["granted"] != c["default"] for c in cells),
                }
            )
        groups.append(
            {
                "info": info,
                "title": resolve_text(info.title),
                "enabled": info.name in enabled,
                "rows": rows,
            }
        )
    groups.sort(key=lambda grp: grp["title"].casefold())
    return groups


def _wanted(declared: dict[str, Permission]) -> dict[str, set[str]]:
    """The submitted grid: for each permission row on the page, the roles ticked.

    Raises :class:`BadGrant` for anything that isn't a declared permission or a role,
    before anything is written."""
    role_names = {r.value for r in ROLES}
    shown = request.form.getlist("permission")
    cells = request.form.getlist("grant")
    if not shown or len(shown) > len(declared) or len(cells) > len(shown) * len(role_names):
        raise BadGrant
    wanted: dict[str, set[str]] = {}
    for name in shown:
        if name not in declared:
            raise BadGrant
        wanted[name] = set()
    for cell in cells:
        name, sep, role = cell.rpartition(":")
        if not sep or name not in wanted or role not in role_names:
            raise BadGrant
        wanted[name].add(role)
    return wanted


def _store(perm: Permission, roles: set[str], existing: dict[str, RolePermission]) -> None:
    """Keep one override row per role whose wanted grant differs from the default."""
    for r in ROLES:
        want = r.value in roles
        row = existing.get(r.value)
        if want == (r in perm.default_roles):
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(RolePermission(permission=perm.name, role=r.value, granted=want))
        elif row.granted != want:
            row.granted = want


@bp.route("/roles", methods=["GET", "POST"])
@vendor_admin
def roles() -> Any:
    status = 200
    if request.method == "POST":
        declared = _declared()
        try:
            wanted = _wanted(declared)
        except BadGrant:
            flash(
                _(
                    "Nothing was saved: the form named a permission or role this portal "
                    "doesn't have. Reload the page and try again."
                ),
                "error",
            )
            status = 400
        else:
            overrides = role_overrides()
            before: dict[str, list[str]] = {}
            after: dict[str, list[str]] = {}
            rows = db.session.scalars(
                select(RolePermission).where(RolePermission.permission.in_(list(wanted)))
            ).all()
            existing: dict[str, dict[str, RolePermission]] = {}
            for row in rows:
                existing.setdefault(row.permission, {})[row.role] = row
            for name, roles_wanted in wanted.items():
                perm = declared[name]
                old = _holders(perm, overrides)
                new: list[str] = [r.value for r in ROLES if r.value in roles_wanted]
                if old != new:
                    before[name], after[name] = old, new
                    _store(perm, roles_wanted, existing.get(name, {}))
            if after:
                audit.record(
                    "permissions.changed", "role_permissions", None, before=before, after=after
                )
                db.session.commit()
                forget_role_overrides()
                flash(
                    _(
                        "Permissions saved. They apply from everyone's next page view; "
                        "nobody needs to sign in again."
                    ),
                    "success",
                )
            else:
                flash(_("Nothing changed."), "info")
            return redirect(url_for("admin.roles"))
    return page(
        "admin/roles.html",
        groups=_groups(role_overrides()),
        roles=ROLES,
        status=status,
    )


@bp.route("/roles/reset", methods=["POST"])
@vendor_admin
def roles_reset() -> Any:
    perm = _declared().get(request.form.get("permission", ""))
    if perm is None:
        flash(
            _(
                "Nothing was reset: this portal has no such permission. "
                "Reload the page and try again."
            ),
            "error",
        )
        return redirect(url_for("admin.roles"))
    overrides = role_overrides()
    before = _holders(perm, overrides)
    for row in db.session.scalars(
        select(RolePermission).where(RolePermission.permission == perm.name)
    ):
        db.session.delete(row)
    after = [r.value for r in ROLES if r in perm.default_roles]
    if before != after:
        audit.record(
            "permissions.reset",
            "role_permissions",
            perm.name,
            before={perm.name: before},
            after={perm.name: after},
        )
    db.session.commit()
    forget_role_overrides()
    flash(
        _("“%(permission)s” is back to its default roles.", permission=resolve_text(perm.label)),
        "success",
    )
    return redirect(url_for("admin.roles"))
