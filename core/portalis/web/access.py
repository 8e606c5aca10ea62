"""View guards. Not entitled answers 404, like an unknown URL: existence isn't revealed."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, url_for

from ..roles import PARTNER_ROLES, VENDOR_ROLES, Role

F = TypeVar("F", bound=Callable[..., Any])


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


def has_permission(name: str) -> bool:
    """Whether the signed-in user's role holds a plugin-declared permission.

    Permissions are declared in ``PluginInfo.permissions`` with the roles that get them;
    an undeclared permission is never granted (fail closed)."""
    user = g.get("user")
    if user is None:
        return False
    for perm in g.portal.permissions():
        if perm.name == name:
            return user.role in perm.default_roles
    return False


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
