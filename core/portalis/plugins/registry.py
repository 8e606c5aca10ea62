"""Discovers installed plugins, checks them, and calls their hooks for one program.

All installed plugins are registered once per app (never at runtime); per-program
enablement is applied when a hook is *called*: a loop over the implementations that skips
plugins not enabled for the viewer (robust for display hooks and events), and pluggy's
``subset_hook_caller`` to call one plugin alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

import pluggy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from .. import HOOK_API_VERSION
from . import hookspecs
from .contract import PluginInfo

log = logging.getLogger("portalis.plugins")

ENTRY_POINT_GROUP = "portalis.plugins"
CORE_PLUGIN_NAME = "core"


class PluginError(RuntimeError):
    """A plugin can't be loaded: incompatible, misspelt hook, missing dependency."""


@dataclass(frozen=True)
class LoadedPlugin:
    info: PluginInfo
    module: Any
    distribution: str | None


class PluginRegistry:
    """One per app, so tests can build apps with different plugin sets side by side."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("portalis")
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, LoadedPlugin] = {}

    # discovery ---------------------------------------------------------------------------
    def load(
        self,
        only: Iterable[str] | None = None,
        extra: Iterable[Any] = (),
        core: Any | None = None,
    ) -> None:
        """Register ``core`` (the core's own hook implementations, always on), every
        entry-point plugin (or only those named), and ``extra`` objects (test plugins).
        Raises :class:`PluginError` on any problem: a portal that silently runs without a
        plugin is worse than one that won't start. The app factory hands in ``core``, so
        this module never imports the code that builds on it."""
        if core is not None:
            self._register(core, None)
        wanted = set(only) if only is not None else None
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if wanted is not None and ep.name not in wanted:
                continue
            try:
                module = ep.load()
            except Exception as exc:
                raise PluginError(f"plugin {ep.name!r} failed to import: {exc}") from exc
            self._register(module, ep.dist.name if ep.dist else None)
        for obj in extra:
            self._register(obj, None)
        if wanted is not None:
            missing = wanted - set(self.plugins)
            if missing:
                raise PluginError(f"plugins not installed: {', '.join(sorted(missing))}")
        for plugin in self.plugins.values():
            for dep in plugin.info.requires_plugins:
                if dep not in self.plugins:
                    raise PluginError(f"plugin {plugin.info.name!r} requires plugin {dep!r}")
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(str(exc)) from exc

    def _register(self, obj: Any, dist: str | None) -> None:
        info = getattr(obj, "PLUGIN", None)
        if not isinstance(info, PluginInfo):
            raise PluginError(f"{obj!r} has no PLUGIN = PluginInfo(...)")
        try:
            spec = SpecifierSet(info.requires_core)
        except InvalidSpecifier as exc:
            raise PluginError(f"plugin {info.name!r}: bad requires_core: {exc}") from exc
        if Version(HOOK_API_VERSION) not in spec:
            raise PluginError(
                f"plugin {info.name!r} needs hook API {info.requires_core}, "
                f"this core provides {HOOK_API_VERSION}"
            )
        if info.name in self.plugins:
            raise PluginError(f"two plugins are named {info.name!r}")
        self.pm.register(obj, name=info.name)
        self.plugins[info.name] = LoadedPlugin(info, obj, dist)

    # introspection -----------------------------------------------------------------------
    @property
    def optional(self) -> list[LoadedPlugin]:
        """Plugins a vendor can switch per program (everything but the core)."""
        return [p for n, p in sorted(self.plugins.items()) if n != CORE_PLUGIN_NAME]

    def info(self, name: str) -> PluginInfo:
        return self.plugins[name].info

    # calling -----------------------------------------------------------------------------
    def call_robust(
        self, hook_name: str, enabled: Iterable[str] | None, log_tenant: int | None, **kwargs: Any
    ) -> Iterator[tuple[str, Any]]:
        """Call each enabled implementation, yielding ``(plugin, result)``; an implementation
        that raises is logged with plugin and tenant and left out."""
        allowed = None if enabled is None else set(enabled) | {CORE_PLUGIN_NAME}
        caller = getattr(self.pm.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):
            if allowed is not None and impl.plugin_name not in allowed:
                continue
            try:
                result = impl.function(*[kwargs[a] for a in impl.argnames])
            except Exception:
                log.exception(
                    "hook %s failed in plugin %s (tenant %s); left out",
                    hook_name,
                    impl.plugin_name,
                    log_tenant,
                )
                continue
            if result is not None:
                yield impl.plugin_name, result

    def call_closed(
        self, hook_name: str, enabled: Iterable[str], **kwargs: Any
    ) -> list[tuple[str, Any]]:
        """Gated, propagating call for *fail-closed* hooks: an implementation that raises
        fails the request instead of being left out (which would allow what it guards)."""
        allowed = set(enabled) | {CORE_PLUGIN_NAME}
        caller = getattr(self.pm.hook, hook_name)
        out = []
        for impl in reversed(caller.get_hookimpls()):
            if impl.plugin_name not in allowed:
                continue
            result = impl.function(*[kwargs[a] for a in impl.argnames])
            if result is not None:
                out.append((impl.plugin_name, result))
        return out

    def call_all_named(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Ungated, propagating call that says which plugin returned what."""
        caller = getattr(self.pm.hook, hook_name)
        out = []
        for impl in reversed(caller.get_hookimpls()):
            result = impl.function(*[kwargs[a] for a in impl.argnames])
            if result is not None:
                out.append((impl.plugin_name, result))
        return out

    def call_all(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Ungated, propagating call: start-up registries (blueprints, metrics, CLI)."""
        return list(getattr(self.pm.hook, hook_name)(**kwargs))

    def call_one(self, plugin: str, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call a hook on one plugin only (e.g. ``portalis_plugin_toggled``)."""
        others = [p.module for n, p in self.plugins.items() if n != plugin]
        return list(self.pm.subset_hook_caller(hook_name, remove_plugins=others)(**kwargs))
