"""The plugin manager: built-ins first, then installed plugins, each isolated and accounted for.

* Built-in content is a set of default plugins registered through the public hooks.
* Installed plugins come from the entry-point group ``spinerules``. ``SPINERULES_LOAD_PLUGINS``
  (comma-separated names; empty = none) loads only those; ``SPINERULES_BLOCK_PLUGINS`` blocks
  named ones. The test suite sets ``SPINERULES_LOAD_PLUGINS=""`` so installed plugins cannot
  change its results.
* A plugin that fails to import, raises inside a hook, or contributes something invalid is
  skipped as a whole and reported (``failures``); the assessment still runs with every core
  red flag. ``SPINERULES_STRICT_PLUGINS=1`` turns such failures into errors.
* Isolation catches every ``BaseException`` a plugin raises (``SystemExit``, ``GeneratorExit``,
  its own subclasses) except ``KeyboardInterrupt``, which is the person's, not the plugin's.
* Hook names are checked per installed plugin, inside its isolation: a misspelt hook name drops
  that plugin (reported), instead of pluggy's ``check_pending()`` failing for every plugin.
  ``register()`` (in-process, by the caller's own code) still raises on a misspelt name.
* Each hook implementation gets a private copy of every attrs value it is handed (the
  ``Thresholds``); one that changes its copy (``object.__setattr__`` on a frozen instance) is
  dropped. The core is always built from the caller's thresholds, which no plugin sees. The
  ``register`` callback closes when the hook returns.

Isolation protects against plugin *mistakes*. It cannot protect against code that sets out to
patch spinerules in-process (a plugin runs with the same rights as spinerules itself).
"""

from __future__ import annotations

import difflib
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
    "spinerules.default_plugins.fhir_format",
    "spinerules.default_plugins.course",
)
BUILTIN = "spinerules"  # the name built-in contributions are attributed to


#: The one exception a plugin's code may pass through its isolation: the person pressed Ctrl-C.
_PASS_THROUGH = (KeyboardInterrupt,)


def describe_error(error: BaseException | str) -> str:
    """``SystemExit: 3``: an error as one short text, even if its ``__str__`` raises."""
    if isinstance(error, str):
        return error
    try:
        text = str(error)
    except _PASS_THROUGH:
        raise
    except BaseException:  # a plugin's exception whose __str__ fails
        text = "<unprintable>"
    name = type(error).__name__
    return f"{name}: {text}" if text else name


class PluginError(SpinerulesError):
    """A plugin failed (in strict mode), or contributed something invalid."""


@attrs.frozen
class PluginFailure:
    """A plugin that was skipped, and why."""

    plugin: str
    stage: str  # "import", "hooks", a hook name, "validation" or "compile"
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
        #: Plugins dropped while loading (import, hook names): dropped from every rule base.
        self.load_failures: list[PluginFailure] = []
        self._dropped: set[str] = set()
        for module_name in DEFAULT_PLUGINS:
            module = importlib.import_module(module_name)
            self.pm.register(module, name=module_name)
            self.builtin.add(module_name)
        if load_entry_points:
            self._load_entry_points()
        self.pm.check_pending()

    def fail(self, plugin: str, stage: str, error: BaseException | str) -> PluginFailure:
        """Record (or, in strict mode, raise) a plugin's failure; returns the record."""
        text = describe_error(error)
        if strict():
            raise PluginError(f"plugin {plugin!r} failed in {stage}: {text}")
        failure = PluginFailure(plugin, stage, text)
        if failure not in self.failures:  # hooks run again per rule base; report once
            self.failures.append(failure)
        return failure

    def _load_entry_points(self) -> None:
        wanted, blocked = (
            _names("SPINERULES_LOAD_PLUGINS"),
            _names("SPINERULES_BLOCK_PLUGINS") or set(),
        )
        points = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name)
        for point in points:
            if (wanted is not None and point.name not in wanted) or point.name in blocked:
                continue
            if _reserved(point.name):  # it would be taken for (and dropped with) the built-ins
                self.load_failures.append(
                    self.fail(
                        f"{point.name} (entry point)",  # a label no plugin name can equal
                        "import",
                        f"the entry-point name {point.name!r} is reserved for spinerules' "
                        "built-in content; give the plugin its own name",
                    )
                )
                continue
            stage = "import"
            try:
                plugin = point.load()
                stage = "hooks"
                self.pm.register(plugin, name=point.name)
                self._check_hook_names(point.name)
            except _PASS_THROUGH:
                raise
            except BaseException as error:  # SystemExit at import included
                self._unload(point.name)
                self.load_failures.append(self.fail(point.name, stage, error))
                continue
            self.versions[point.name] = point.dist.version if point.dist else None

    def _check_hook_names(self, name: str) -> None:
        """``check_pending()`` for one plugin: every hook it implements must be in the contract."""
        for hook_name, caller in vars(self.pm.hook).items():
            if hook_name.startswith("_") or caller.has_spec():
                continue
            for impl in caller.get_hookimpls():
                if impl.plugin_name == name and not impl.optionalhook:
                    near = difflib.get_close_matches(hook_name, plugin_hook_names(), n=1)
                    hint = f"; did you mean {near[0]!r}?" if near else ""
                    raise pluggy.PluginValidationError(
                        impl.plugin, f"{hook_name!r} is not a spinerules hook{hint}"
                    )

    def _unload(self, name: str) -> None:
        """Take a half-registered plugin out again (pluggy registers hook by hook)."""
        self._dropped.add(name)  # call_each and info skip it even if pluggy cannot let go
        try:
            if self.pm.get_plugin(name) is not None:
                self.pm.unregister(name=name)
        except _PASS_THROUGH:
            raise
        except BaseException:  # its __eq__ raised, say
            pass

    def register(self, plugin: object, name: str) -> None:
        """Register an in-process plugin (a module or object with ``@hookimpl`` functions)."""
        self.pm.register(plugin, name=name)
        self.pm.check_pending()

    def display_name(self, plugin_name: str) -> str:
        return BUILTIN if plugin_name in self.builtin else plugin_name

    def call_each(
        self,
        hook: str,
        dropped: dict[str, PluginFailure] | None = None,
        **kwargs: Any,
    ) -> dict[str, list[Any]]:
        """Call every implementation of ``hook`` on its own, collecting what each registers.

        A raising implementation (any ``BaseException`` but ``KeyboardInterrupt``) aborts only
        itself (pluggy would abort the whole call); its contributions are discarded and the
        failure is reported, and recorded in ``dropped`` when given. Each implementation is
        handed its own copy of every attrs value in ``kwargs``; one that changes it is dropped.
        """
        collected: dict[str, list[Any]] = {}
        caller = getattr(self.pm.hook, hook)
        for impl in reversed(caller.get_hookimpls()):  # pluggy lists them last-registered first
            plugin = self.display_name(impl.plugin_name)
            if impl.plugin_name in self._dropped:
                continue  # dropped while loading
            items: list[Any] = []
            open_ = [True]

            def register(
                *args: Any, _items: list[Any] = items, _open: list[bool] = open_, **options: Any
            ) -> None:
                if not _open[0]:
                    raise PluginError(f"register() for {hook} called after the hook returned")
                _items.append(args[0] if len(args) == 1 and not options else (args, options))

            private = {name: _private_copy(value) for name, value in kwargs.items()}
            arguments = {"register": register, **private}
            try:
                if impl.hookwrapper or impl.wrapper:
                    raise PluginError("hook wrappers are not supported (register things instead)")
                impl.function(**{name: arguments[name] for name in impl.argnames})
                for name, value in kwargs.items():
                    _check_unchanged(name, private[name], value)
            except _PASS_THROUGH:
                raise
            except BaseException as error:  # SystemExit, GeneratorExit, a plugin's own class
                if impl.plugin_name in self.builtin:  # never drop the core: it is our bug
                    raise PluginError(f"built-in {hook} failed: {describe_error(error)}") from error
                failure = self.fail(plugin, hook, error)
                if dropped is not None:
                    dropped.setdefault(plugin, failure)
                continue
            finally:
                open_[0] = False
            collected.setdefault(plugin, []).extend(items)
        return collected

    def info(self) -> list[PluginInfo]:
        result = []
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None or name in self._dropped:
                continue
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or ()))
            result.append(PluginInfo(name, self.versions.get(name), hooks, name in self.builtin))
        return sorted(result, key=lambda p: (not p.builtin, p.name))


def _private_copy(value: Any) -> Any:
    """An attrs value handed to a plugin is a copy: the caller's is never within its reach."""
    return attrs.evolve(value) if attrs.has(type(value)) else value


def _check_unchanged(name: str, copy: Any, original: Any) -> None:
    """Raise if a plugin changed what it was handed (frozen attrs values can still be set with
    ``object.__setattr__``): its contributions were built from values nobody chose."""
    if not attrs.has(type(original)):
        return
    if type(copy) is not type(original):
        raise PluginError(f"changed the {name} it was handed (its type)")
    for field in attrs.fields(type(original)):
        before = getattr(original, field.name)
        after = getattr(copy, field.name, _MISSING)
        if type(after) is not type(before) or after != before:
            shown = "deleted" if after is _MISSING else repr(after)[:40]
            raise PluginError(
                f"changed the {name} it was handed ({field.name}: {before!r} -> {shown}); "
                "a hook must not modify its arguments"
            )


_MISSING = object()


def _reserved(name: str) -> bool:
    """Names that are, or could pass for, the built-in content's."""
    return name == BUILTIN or name.startswith(BUILTIN + ".") or name in DEFAULT_PLUGINS


def plugin_hook_names() -> list[str]:
    """Every hook of the contract (for the documentation and test-coverage checks)."""
    return sorted(n for n in dir(hookspecs) if n.startswith("register_"))
