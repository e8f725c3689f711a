"""The course rule base, assembled from plugins through ``register_course_rules``.

Built-in course rules are a default plugin (``spinerules.default_plugins.course``) registered
through the same hook a third party uses. Each plugin's contributions are checked as one unit
(exact types, plain values, a rule base of its own that builds, conditions durable can take)
and a plugin that fails is dropped whole and reported, as for the other hooks.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import Any

import attrs

from .. import conditions as _conditions
from ..conditions import Condition
from ..engine import durable as durable_engine
from ..errors import RuleBaseError
from ..levels import Grade, Urgency
from ..plugins import BUILTIN, PluginError, Plugins
from ..registry import get_plugins
from ..rules import Evidence, EvidenceLink, RuleBase
from .facts import fact_keys
from .parameters import CourseThresholds
from .rules import CourseRule, CourseRuleBase

HOOK = "register_course_rules"
_NODES = frozenset(
    node
    for node in vars(_conditions).values()
    if isinstance(node, type) and issubclass(node, Condition) and attrs.has(node)
)
_RECORDS = frozenset({CourseRule, Evidence, EvidenceLink, *_NODES})
_VALUES = frozenset({str, int, float, bool, type(None), Urgency, Grade})


def _plain(value: Any, where: str, depth: int = 0) -> None:
    if depth > 64:
        raise RuleBaseError(f"{where} is nested too deeply")
    kind = type(value)
    if kind in _VALUES:
        return
    if kind is tuple:
        for n, item in enumerate(value):
            _plain(item, f"{where}[{n}]", depth + 1)
        return
    if kind in _RECORDS:
        for field in attrs.fields(kind):
            _plain(getattr(value, field.name), f"{where}.{field.name}", depth + 1)
        return
    raise RuleBaseError(f"{where} is a {kind.__name__}, not a spinerules value")


def build_course_rule_base(
    plugins: Plugins, rule_base: RuleBase, thresholds: CourseThresholds
) -> CourseRuleBase:
    flags = tuple(f.id for f in rule_base.red_flags)
    keys = fact_keys(flags)
    collected = plugins.call_each(
        HOOK, None, thresholds=rule_base.thresholds, course_thresholds=thresholds, red_flags=flags
    )
    evidence: dict[str, Evidence] = dict(rule_base.evidence)
    rules: list[CourseRule] = []
    dropped: list[tuple[str, str, str]] = []
    for plugin in sorted(collected, key=lambda p: (p != BUILTIN, p)):
        items = collected[plugin]
        try:
            for n, item in enumerate(items):
                if type(item) not in (CourseRule, Evidence):
                    raise RuleBaseError(
                        f"{HOOK} registered {type(item).__name__}, expected CourseRule or Evidence"
                    )
                if plugin != BUILTIN:
                    _plain(item, f"{type(item).__name__} #{n + 1}")
            if plugin != BUILTIN:
                items = copy.deepcopy(items)
            own_evidence = {e.id: e for e in items if type(e) is Evidence}
            taken = [e for e in own_evidence if e in evidence]
            if taken:
                raise RuleBaseError(f"evidence id {taken[0]!r} is already registered")
            own = [r for r in items if type(r) is CourseRule]
            taken_rules = {r.id for r in rules} & {r.id for r in own}
            if taken_rules:
                raise RuleBaseError(
                    f"course rule id {sorted(taken_rules)[0]!r} is already registered "
                    "(a plugin cannot replace a rule)"
                )
            CourseRuleBase.build([*rules, *own], {**evidence, **own_evidence}, keys, "check")
            if plugin != BUILTIN:
                durable_engine.preflight([(r.id, r.condition) for r in own])
        except Exception as error:  # RuleBaseError, EngineError, ValueError ...
            if plugin == BUILTIN:
                raise PluginError(f"built-in course rules are invalid: {error}") from error
            failure = plugins.fail(plugin, HOOK, f"{type(error).__name__}: {error}")
            dropped.append((failure.plugin, failure.stage, failure.error))
            continue
        evidence.update(own_evidence)
        rules.extend(own)
    built = CourseRuleBase.build(rules, evidence, keys, rule_base.hash + repr(thresholds))
    return attrs.evolve(built, plugins_dropped=tuple(dropped))


_lock = threading.Lock()
_cache: OrderedDict[tuple[Plugins, str, CourseThresholds], CourseRuleBase] = OrderedDict()


def course_rule_base(
    rule_base: RuleBase,
    thresholds: CourseThresholds | None = None,
    plugins: Plugins | None = None,
) -> CourseRuleBase:
    """The course rules for this rule base (built-ins plus every loaded plugin), cached."""
    t = thresholds or CourseThresholds()
    manager = plugins or get_plugins()
    key = (manager, rule_base.hash, t)  # the manager itself: an id could be reused
    with _lock:
        found = _cache.get(key)
        if found is None:
            found = _cache[key] = build_course_rule_base(manager, rule_base, t)
            while len(_cache) > 16:
                _cache.popitem(last=False)
        return found
