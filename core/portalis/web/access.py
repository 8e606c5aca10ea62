"""View guards. Not entitled answers 404, like an unknown URL: existence isn't revealed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, NoReturn, TypeVar

from flask import abort, g, redirect, request, url_for
from sqlalchemy import select

from ..db import db
from ..models import RolePermission
from ..plugins.contract import Permission
from ..roles import PARTNER_ROLES, VENDOR_ROLES, Role
from ..tenancy import current_tenant_id

F = TypeVar("F", bound=Callable[..., Any])


def not_found() -> NoReturn:
    """Answer 404 — also for records that exist but aren't the viewer's."""
    abort(404)


#: The attribute :func:`public_page` sets on a view (``functools.wraps`` carries it on to
#: any decorator applied above it).
PUBLIC_PAGE = "portalis_public_page"


def public_page(view: F) -> F:
    """Mark a plugin's view as a public page: anonymous visitors and every signed-in viewer
    (whatever their program or tier) may open it wherever the plugin is switched on in any
    of the tenant's programs; where it is on nowhere in the tenant the route answers the
    unknown page's 404, as any route of the plugin does. No sign-in redirect, no access
    blocker. Put it *below* the route decorator (``@bp.route(...)`` then
    ``@api.public_page``), so the function the route registers carries the mark. The view
    itself decides what it shows: it must show nothing personal beyond what it is for
    (a certificate's holder and dates, a campaign's landing text)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)

    setattr(wrapper, PUBLIC_PAGE, True)
    return wrapper  # type: ignore[return-value]


def is_public_page(view: Callable[..., Any] | None) -> bool:
    """Whether ``view`` (a registered view function) was marked with :func:`public_page`."""
    return bool(getattr(view, PUBLIC_PAGE, False))


def login_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def roles_required(*roles: str) -> Callable[[F], F]:
    def deco(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = g.get("user")
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return deco


vendor_staff = roles_required(*VENDOR_ROLES)
vendor_admin = roles_required(Role.VENDOR_ADMIN)
partner_member = roles_required(*PARTNER_ROLES)
partner_admin = roles_required(Role.PARTNER_ADMIN)


def role_overrides() -> dict[tuple[str, str], bool]:
    """This tenant's changes to the default roles: ``{(permission, role): granted}``.

    Read once per request (one query) and kept in ``g`` under the tenant's id, so a grant
    changed by a vendor admin applies from the next request on, without a restart."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        return {}
    cache: dict[int, dict[tuple[str, str], bool]] = g.setdefault("_role_overrides", {})
    if tenant_id not in cache:
        rows = db.session.execute(
            select(RolePermission.permission, RolePermission.role, RolePermission.granted)
        ).all()
        cache[tenant_id] = {(perm, role): granted for perm, role, granted in rows}
    return cache[tenant_id]


def forget_role_overrides() -> None:
    """Drop the request's cached overrides (after they were changed in this request)."""
    g.pop("_role_overrides", None)


def role_holds(
    perm: Permission, role: str, overrides: Mapping[tuple[str, str], bool] | None = None
) -> bool:
    """Whether ``role`` holds ``perm`` in this tenant: its override, else the default."""
    if overrides is None:
        overrides = role_overrides()
    granted = overrides.get((perm.name, str(role)))
    return role in perm.default_roles if granted is None else granted


def has_permission(name: str) -> bool:
    """Whether the signed-in user's role holds a plugin-declared permission.

    Permissions are declared in ``PluginInfo.permissions`` with the roles that get them by
    default; a vendor admin may grant or revoke them per role for the tenant ("Roles &
    permissions"). An undeclared permission is never granted (fail closed)."""
    user = g.get("user")
    if user is None:
        return False
    perm = g.portal.permission(name)
    if perm is None:
        return False
    return role_holds(perm, user.role)


def permission_required(name: str) -> Callable[[F], F]:
    """View guard for a plugin permission; without it the page answers 404."""

    def deco(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if g.get("user") is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not has_permission(name):
                abort(404)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return deco
