"""Assembling a RuleBase and the format registry from plugins, validating every contribution.

A plugin's contributions are accepted or rejected as one unit: if any of them is invalid (a
taken id, an activity without a dose or evidence, an unknown evidence id or fact), none is
used, the plugin is reported in ``Plugins.failures`` (or, in strict mode, raises), and the
rule base is built from everything else. Built-in contributions must always validate.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .conditions import FLAG_PREFIX, Condition
from .errors import RuleBaseError
from .facts import fact_kinds
from .fields import ACTIVITY_ID_PATTERN
from .knowledge import KNOWLEDGE_VERSION
from .plugins import BUILTIN, PluginError, Plugins
from .rules import (
    Activity,
    AdviceAgainst,
    Evidence,
    RedFlag,
    RuleBase,
    SafetyNetCard,
    WatchItem,
    check_literals,
)
from .thresholds import Thresholds

_HOOKS = (
    ("register_evidence", (Evidence,)),
    ("register_red_flags", (RedFlag, WatchItem, SafetyNetCard)),
    ("register_activities", (Activity,)),
    ("register_advice_against", (AdviceAgainst,)),
)


_ID = re.compile(ACTIVITY_ID_PATTERN)


class _Invalid(Exception):
    pass


def _conditions(rule: Any) -> list[Condition]:
    if isinstance(rule, RedFlag | WatchItem | Activity | AdviceAgainst | SafetyNetCard):
        return [c for _, c in rule.checks()]
    return []


def _validate(
    plugin: str,
    items: list[Any],
    evidence: set[str],
    ids: set[str],
    facts: Mapping[str, tuple[str, tuple[str, ...]]],
    all_ids: set[str],
) -> None:
    for item in items:
        if isinstance(item, Evidence):
            if not item.id or item.id in evidence:
                raise _Invalid(f"evidence id {item.id!r} is already registered")
            continue
        if not isinstance(getattr(item, "id", None), str) or not _ID.fullmatch(item.id):
            raise _Invalid(
                f"{type(item).__name__} id {getattr(item, 'id', None)!r} is not snake_case ({_ID.pattern})"
            )
        if item.id in ids:
            raise _Invalid(
                f"{type(item).__name__} id {item.id!r} is already registered (a plugin cannot replace a rule)"
            )
        if isinstance(item, Activity):
            if not isinstance(item.eligibility, Condition):
                raise _Invalid(f"activity {item.id!r} has no eligibility condition")
            if not item.dose.strip():
                raise _Invalid(f"activity {item.id!r} has no dose")
        if not item.evidence:
            raise _Invalid(f"{item.id!r} cites no evidence")
        cited = [link.evidence_id for link in item.evidence]
        unknown = [e for e in cited if e not in evidence]
        if unknown:
            raise _Invalid(f"{item.id!r} cites unknown evidence {', '.join(map(repr, unknown))}")
        if set(cited) == {"seed_article"}:
            raise _Invalid(f"{item.id!r} rests on seed_article alone (expert opinion)")
        for condition in _conditions(item):
            try:
                check_literals(item.id, condition, facts)
            except RuleBaseError as error:
                raise _Invalid(str(error)) from error
            for key in condition.keys():
                target = key[len(FLAG_PREFIX) :] if key.startswith(FLAG_PREFIX) else None
                if target is not None and target not in all_ids:
                    raise _Invalid(f"{item.id!r} reads the outcome of unknown rule {target!r}")
                if target is None and key not in facts:
                    raise _Invalid(f"{item.id!r} reads unknown fact {key!r}")


def build_rule_base(plugins: Plugins, thresholds: Thresholds) -> RuleBase:
    """Collect every plugin's contributions, drop invalid plugins whole, build the RuleBase."""
    collected: dict[str, dict[str, list[Any]]] = {}
    failed: set[str] = {f.plugin for f in plugins.failures if f.stage == "import"}
    for hook, types in _HOOKS:
        before = len(plugins.failures)
        for plugin, items in plugins.call_each(hook, thresholds=thresholds).items():
            wrong = [i for i in items if not isinstance(i, types)]
            if wrong:
                expected = " or ".join(t.__name__ for t in types)
                _reject(
                    plugins,
                    plugin,
                    _Invalid(f"{hook} registered {type(wrong[0]).__name__}, expected {expected}"),
                    failed,
                )
            collected.setdefault(plugin, {}).setdefault(hook, []).extend(items)
        failed |= {f.plugin for f in plugins.failures[before:]}
    order = sorted(collected, key=lambda n: (n != BUILTIN, n))
    facts = fact_kinds()
    # Validate until stable: rejecting one plugin can orphan another's citations or flag reads.
    while True:
        kept = [p for p in order if p not in failed]
        evidence_of = {p: collected[p].get("register_evidence", []) for p in kept}
        rules_of = {
            p: [i for h, its in collected[p].items() if h != "register_evidence" for i in its]
            for p in kept
        }
        all_ids = {r.id for p in kept for r in rules_of[p]}
        evidence: set[str] = set()
        ids: set[str] = set()
        rejected = False
        for plugin in kept:
            try:
                _validate(plugin, evidence_of[plugin], evidence, set(), facts, all_ids)
            except _Invalid as error:
                _reject(plugins, plugin, error, failed)
                rejected = True
                continue
            evidence |= {e.id for e in evidence_of[plugin]}
        for plugin in kept:
            if plugin in failed:
                continue
            try:
                _validate(plugin, rules_of[plugin], evidence, ids, facts, all_ids)
                if len({r.id for r in rules_of[plugin]}) != len(rules_of[plugin]):
                    raise _Invalid("registers the same id twice")
            except _Invalid as error:
                _reject(plugins, plugin, error, failed)
                rejected = True
                continue
            ids |= {r.id for r in rules_of[plugin]}
        if not rejected:
            break

    def pick(hook: str, kind: type) -> list[Any]:
        return [i for p in kept for i in collected[p].get(hook, []) if isinstance(i, kind)]

    # The version names the plugins whose rules or evidence are in it (not those that added nothing).
    extra = [p for p in kept if p != BUILTIN and any(collected[p].values())]
    for plugin in kept:
        plugins.contributions[plugin] = [
            getattr(i, "id", "?") for items in collected[plugin].values() for i in items
        ]
    return RuleBase.build(
        red_flags=pick("register_red_flags", RedFlag),
        watch_items=pick("register_red_flags", WatchItem),
        activities=pick("register_activities", Activity),
        advice_against=pick("register_advice_against", AdviceAgainst),
        evidence=pick("register_evidence", Evidence),
        cards=pick("register_red_flags", SafetyNetCard),
        thresholds=thresholds,
        version="+".join([KNOWLEDGE_VERSION, *extra]),
        fact_keys=facts,
    )


def _reject(plugins: Plugins, plugin: str, error: Exception, failed: set[str]) -> None:
    if plugin in failed:
        return
    if plugin == BUILTIN:
        raise PluginError(f"built-in content is invalid: {error}")
    plugins.fail(plugin, "validation", str(error))
    failed.add(plugin)


@attrs.frozen
class OutputFormat:
    """A registered output format."""

    name: str
    render: Callable[..., str]
    media_type: str
    description: str
    plugin: str


def build_formats(plugins: Plugins) -> dict[str, OutputFormat]:
    formats: dict[str, OutputFormat] = {}
    for plugin, items in sorted(
        plugins.call_each("register_formats").items(), key=lambda kv: (kv[0] != BUILTIN, kv[0])
    ):
        accepted: dict[str, OutputFormat] = {}
        try:
            for item in items:
                args, options = item if isinstance(item, tuple) else ((item,), {})
                name, render = (*args, None, None)[:2]
                if not isinstance(name, str) or not name.strip():
                    raise _Invalid("a format needs a non-empty name")
                if name in formats or name in accepted:
                    raise _Invalid(f"format {name!r} is already registered")
                if not callable(render):
                    raise _Invalid(f"format {name!r} has no render function")
                accepted[name] = OutputFormat(
                    name,
                    render,
                    options.get("media_type", "text/plain"),
                    options.get("description", ""),
                    plugin,
                )
        except _Invalid as error:
            _reject(plugins, plugin, error, set())
            continue
        formats.update(accepted)
        plugins.contributions.setdefault(plugin, []).extend(f"format:{name}" for name in accepted)
    return formats


_lock = threading.Lock()
_state: dict[str, Any] = {}


def get_plugins() -> Plugins:
    """The process-wide plugin manager (built on first use from the environment)."""
    with _lock:
        if "plugins" not in _state:
            _state["plugins"] = Plugins()
        return _state["plugins"]  # type: ignore[no-any-return]


def reset_plugins(plugins: Plugins | None = None) -> None:
    """Forget the plugin manager and everything built from it (tests; after installing a plugin)."""
    with _lock:
        _state.clear()
        if plugins is not None:
            _state["plugins"] = plugins


def current_rule_base(thresholds: Thresholds | None = None) -> RuleBase:
    """The rule base of the built-ins and every loaded plugin, cached per thresholds."""
    t = thresholds or Thresholds()
    plugins = get_plugins()
    with _lock:
        cache: dict[Thresholds, RuleBase] = _state.setdefault("rule_bases", {})
        if t not in cache:
            cache[t] = build_rule_base(plugins, t)
        return cache[t]


def current_formats() -> dict[str, OutputFormat]:
    plugins = get_plugins()
    with _lock:
        if "formats" not in _state:
            _state["formats"] = build_formats(plugins)
        return _state["formats"]  # type: ignore[no-any-return]
