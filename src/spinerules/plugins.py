"""The plugin manager: built-ins first, then installed plugins, each isolated and accounted for.

* Built-in content is a set of default plugins registered through the public hooks.
* Installed plugins come from the entry-point group ``spinerules``. ``SPINERULES_LOAD_PLUGINS``
  (comma-separated names; empty = none) loads only those; ``SPINERULES_BLOCK_PLUGINS`` blocks
  named ones. The test suite sets ``SPINERULES_LOAD_PLUGINS=""`` so installed plugins cannot
  change its results.
* A plugin that fails to import, raises inside a hook, or contributes something invalid is
  skipped as a whole and reported (``failures``); the assessment still runs with every core
  red flag. ``SPINERULES_STRICT_PLUGINS=1`` turns such failures into errors.
* ``check_pending()`` runs after loading, so a misspelt hook name is an error, not a silent no-op.
"""

from __future__ import annotations

import importlib
import os
from importlib import metadata
from typing import Any

import attrs
import pluggy

from . import hookspecs
from .errors import SpinerulesError

ENTRY_POINT_GROUP = "spinerules"
DEFAULT_PLUGINS = (
    "spinerules.default_plugins.evidence",
    "spinerules.default_plugins.red_flags",
    "spinerules.default_plugins.activities",
    "spinerules.default_plugins.advice_against",
    "spinerules.default_plugins.formats",
)
BUILTIN = "spinerules"  # the name built-in contributions are attributed to


class PluginError(SpinerulesError):
    """A plugin failed (in strict mode), or contributed something invalid."""


@attrs.frozen
class PluginFailure:
    """A plugin that was skipped, and why."""

    plugin: str
    stage: str  # "import", a hook name, or "validation"
    error: str


@attrs.frozen
class PluginInfo:
    """One loaded plugin, for ``spinerules plugins``."""

    name: str
    version: str | None
    hooks: tuple[str, ...]
    builtin: bool


def strict() -> bool:
    return os.environ.get("SPINERULES_STRICT_PLUGINS", "") not in ("", "0")


def _names(variable: str) -> set[str] | None:
    value = os.environ.get(variable)
    if value is None:
        return None
    return {n.strip() for n in value.split(",") if n.strip()}


class Plugins:
    """A pluggy manager plus the bookkeeping the hooks need: names, versions, failures."""

    def __init__(self, *, load_entry_points: bool = True) -> None:
        self.pm = pluggy.PluginManager("spinerules")
        self.pm.add_hookspecs(hookspecs)
        self.failures: list[PluginFailure] = []
        self.contributions: dict[
            str, list[str]
        ] = {}  # accepted ids per plugin, set by the registry
        self.versions: dict[str, str | None] = {}
        self.builtin: set[str] = set()
        for module_name in DEFAULT_PLUGINS:
            module = importlib.import_module(module_name)
            self.pm.register(module, name=module_name)
            self.builtin.add(module_name)
        if load_entry_points:
            self._load_entry_points()
        self.pm.check_pending()

    def fail(self, plugin: str, stage: str, error: BaseException | str) -> None:
        text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        if strict():
            raise PluginError(f"plugin {plugin!r} failed in {stage}: {text}")
        failure = PluginFailure(plugin, stage, text)
        if failure not in self.failures:  # hooks run again per rule base; report once
            self.failures.append(failure)

    def _load_entry_points(self) -> None:
        wanted, blocked = (
            _names("SPINERULES_LOAD_PLUGINS"),
            _names("SPINERULES_BLOCK_PLUGINS") or set(),
        )
        points = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name)
        for point in points:
            if (wanted is not None and point.name not in wanted) or point.name in blocked:
                continue
            try:
                plugin = point.load()
                self.pm.register(plugin, name=point.name)
            except Exception as error:
                self.fail(point.name, "import", error)
                continue
            self.versions[point.name] = point.dist.version if point.dist else None

    def register(self, plugin: object, name: str) -> None:
        """Register an in-process plugin (a module or object with ``@hookimpl`` functions)."""
        self.pm.register(plugin, name=name)
        self.pm.check_pending()

    def display_name(self, plugin_name: str) -> str:
        return BUILTIN if plugin_name in self.builtin else plugin_name

    def call_each(self, hook: str, **kwargs: Any) -> dict[str, list[Any]]:
        """Call every implementation of ``hook`` on its own, collecting what each registers.

        A raising implementation aborts only itself (pluggy would abort the whole call); its
        contributions are discarded and the failure is reported.
        """
        collected: dict[str, list[Any]] = {}
        caller = getattr(self.pm.hook, hook)
        for impl in reversed(caller.get_hookimpls()):  # pluggy lists them last-registered first
            items: list[Any] = []

            def register(*args: Any, _items: list[Any] = items, **options: Any) -> None:
                _items.append(args[0] if len(args) == 1 and not options else (args, options))

            arguments = {"register": register, **kwargs}
            try:
                impl.function(**{name: arguments[name] for name in impl.argnames})
            except Exception as error:
                self.fail(self.display_name(impl.plugin_name), hook, error)
                continue
            collected.setdefault(self.display_name(impl.plugin_name), []).extend(items)
        return collected

    def info(self) -> list[PluginInfo]:
        result = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None:
                continue
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or ()))
            result.append(PluginInfo(name, self.versions.get(name), hooks, name in self.builtin))
        return sorted(result, key=lambda p: (not p.builtin, p.name))


def plugin_hook_names() -> list[str]:
    """Every hook of the contract (for the documentation and test-coverage checks)."""
    return sorted(n for n in dir(hookspecs) if n.startswith("register_"))
