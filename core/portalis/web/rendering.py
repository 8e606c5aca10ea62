"""Themed rendering and htmx partials.

Template lookup is layered: ``themes/<theme>/templates`` → each plugin's ``templates/``
→ the core's ``templates/``. A theme extends the next layer down explicitly with
``{% extends "core:layout.html" %}`` (or ``"plugin:deals/list.html"``), so it can
override one block instead of copying a page. One Jinja environment per theme, because
the same template name means a different file in each theme.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader

CORE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class Themes:
    def __init__(self, app: Flask, plugin_template_dirs: list[Path]) -> None:
        self.app = app
        self.themes_dir = Path(app.config["THEMES_DIR"])
        self.plugin_loaders = [FileSystemLoader(str(p)) for p in plugin_template_dirs]
        self.core_loader = FileSystemLoader(str(CORE_TEMPLATES))
        self._envs: dict[str, Environment] = {}
        self._lock = threading.Lock()
        self.manifests = self._read_manifests()

    def _read_manifests(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        if self.themes_dir.is_dir():
            for d in sorted(self.themes_dir.iterdir()):
                manifest = d / "theme.json"
                if manifest.is_file():
                    data = json.loads(manifest.read_text())
                    data.setdefault("name", d.name)
                    data.setdefault("defaults", {})
                    out[d.name] = data
        out.setdefault("default", {"name": "default", "title": "Default", "defaults": {}})
        return out

    def names(self) -> list[str]:
        return list(self.manifests)

    def env(self, theme: str) -> Environment:
        if theme not in self.manifests:
            theme = "default"
        env = self._envs.get(theme)
        if env is not None:
            return env
        with self._lock:
            loaders: list[Any] = []
            theme_templates = self.themes_dir / theme / "templates"
            if theme_templates.is_dir():
                loaders.append(FileSystemLoader(str(theme_templates)))
            loaders += self.plugin_loaders
            loaders.append(self.core_loader)
            loaders.append(
                PrefixLoader(
                    {"core": self.core_loader, "plugin": ChoiceLoader(self.plugin_loaders)},
                    delimiter=":",
                )
            )
            env = self.app.jinja_env.overlay(loader=ChoiceLoader(loaders))
            self._envs[theme] = env
            return env


def _context(extra: dict[str, Any]) -> dict[str, Any]:
    ctx: dict[str, Any] = {}
    current_app.update_template_context(ctx)
    ctx.update(extra)
    return ctx


def current_env() -> Environment:
    themes: Themes = current_app.extensions["portalis_themes"]
    tenant = getattr(g, "tenant", None)
    return themes.env(tenant.theme if tenant else "default")


def render(template: str, **context: Any) -> str:
    """Render a page with the current tenant's theme."""
    return current_env().get_template(template).render(_context(context))


def render_block(template: str, block: str, **context: Any) -> str:
    """Render one ``{% block %}`` of a page — the htmx partial for the same URL.

    Rendered with jinja2-fragments. A block rendered on its own doesn't see imports made
    at the top of the page: import the macros it uses inside the block."""
    from jinja2_fragments import render_block as _render_block

    return str(_render_block(current_env(), template, block, **_context(context)))


def is_htmx() -> bool:
    """True for htmx requests (2.x ``HX-Request``; history restores are full pages)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def page(
    template: str, *, partial: str | None = None, status: int = 200, **context: Any
) -> Response:
    """A full page, or just ``partial`` block when htmx asks; varies on ``HX-Request`` so
    caches never serve a fragment as a page."""
    body = (
        render_block(template, partial, **context)
        if partial and is_htmx()
        else render(template, **context)
    )
    resp = Response(body, status=status, mimetype="text/html")
    resp.vary.add("HX-Request")
    return resp
