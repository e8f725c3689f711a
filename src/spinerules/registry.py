"""Assembling a RuleBase and the format registry from plugins, validating every contribution.

A plugin's contributions are accepted or rejected as one unit: if any of them is invalid (a
taken id, an activity without a dose or evidence, an unknown evidence id or fact), none is
used, the plugin is reported in ``Plugins.failures`` (or, in strict mode, raises), and the
rule base is built from everything else. Built-in contributions must always validate.

What a plugin hands over is checked before anything else reads it: only the contribution types
themselves (not subclasses, which could override ``checks()``), made only of plain values
(``str``, numbers, tuples, the spinerules enums and condition nodes), and copied, so a plugin
that keeps a reference cannot change a rule after it was checked. Each plugin's checks are then
compiled on their own for both engines (python code generation; durable's DNF split and rule
budget, on every Python), so one plugin whose rules cannot compile is dropped alone. The rule
base records who was dropped (``RuleBase.plugins_dropped``, shown in every assessment).
"""

from __future__ import annotations

import copy
import enum
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import attrs

from . import conditions as _conditions_module
from .conditions import FLAG_PREFIX, Condition
from .engine import durable as durable_engine
from .engine.codegen import compile_checks
from .errors import RuleBaseError
from .facts import fact_kinds
from .fields import ACTIVITY_ID_PATTERN
from .knowledge import KNOWLEDGE_VERSION
from .levels import Grade, Timeframe, Urgency
from .plugins import BUILTIN, PluginError, PluginFailure, Plugins, describe_error
from .rules import (
    Activity,
    AdviceAgainst,
    ConditionalText,
    Escalation,
    Evidence,
    EvidenceLink,
    Exclusion,
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


_PASS_THROUGH = (KeyboardInterrupt,)
#: Exactly these types (no subclasses) may make up a contribution.
_VALUES: frozenset[type] = frozenset({str, int, float, bool, type(None), Urgency, Timeframe, Grade})
_RECORDS: frozenset[type] = frozenset(
    {
        Evidence,
        EvidenceLink,
        ConditionalText,
        Escalation,
        Exclusion,
        RedFlag,
        WatchItem,
        Activity,
        AdviceAgainst,
        SafetyNetCard,
        *(
            node
            for node in vars(_conditions_module).values()
            if isinstance(node, type) and issubclass(node, Condition) and attrs.has(node)
        ),
    }
)
#: Deeper than any rule needs; past it the engines' compilers run out of stack.
MAX_DEPTH = 64


def _plain(value: Any, where: str, depth: int = 0) -> None:
    """Raise _Invalid unless ``value`` is made only of the types above (no plugin code can run
    when spinerules later reads, hashes, compares or copies it)."""
    if depth > MAX_DEPTH:
        raise _Invalid(f"{where} is nested more than {MAX_DEPTH} levels deep")
    kind = type(value)
    if kind in _VALUES:
        if kind is float and value != value:
            raise _Invalid(f"{where} is nan")
        return
    if kind is tuple:
        for n, item in enumerate(value):
            _plain(item, f"{where}[{n}]", depth + 1)
        return
    if kind in _RECORDS:
        for field in attrs.fields(kind):
            _plain(getattr(value, field.name), f"{where}.{field.name}", depth + 1)
        try:  # again: object.__setattr__ after construction skips the validators
            attrs.validate(value)
        except (ValueError, TypeError) as error:
            raise _Invalid(f"{where}: {error}") from error
        return
    what = (
        "a subclass of a spinerules type"
        if isinstance(value, (*_RECORDS, enum.Enum, str, int, float, tuple))
        else "not a spinerules value"
    )
    raise _Invalid(f"{where} is {kind.__name__} ({what})")


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
    from .formats.markers import headline_in_contribution  # the format contract's matcher

    for item in items:
        if (problem := headline_in_contribution(item)) is not None:
            raise _Invalid(problem)  # "Self-care: ..." on a card beside an emergency
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


def _collect(
    plugins: Plugins, thresholds: Thresholds, dropped: dict[str, PluginFailure]
) -> dict[str, dict[str, list[Any]]]:
    """Every plugin's contributions per hook: of the right types, plain, and copied."""
    collected: dict[str, dict[str, list[Any]]] = {}
    for hook, types in _HOOKS:
        for plugin, items in plugins.call_each(hook, dropped, thresholds=thresholds).items():
            try:
                for n, item in enumerate(items):
                    if type(item) not in types:
                        expected = " or ".join(t.__name__ for t in types)
                        raise _Invalid(
                            f"{hook} registered {type(item).__name__}, expected {expected}"
                        )
                    if plugin != BUILTIN:
                        _plain(item, f"{type(item).__name__} #{n + 1}")
            except RecursionError:
                _reject(
                    plugins,
                    plugin,
                    _Invalid(f"{hook}: a contribution is nested too deeply"),
                    dropped,
                )
                continue
            except _Invalid as error:
                _reject(plugins, plugin, error, dropped)
                continue
            if plugin != BUILTIN:
                items = copy.deepcopy(items)  # the plugin may keep references; we keep our own
            collected.setdefault(plugin, {}).setdefault(hook, []).extend(items)
    return collected


def _compiles(plugin: str, rules: list[Any]) -> None:
    """Compile one plugin's checks on their own, for both engines (raises _Invalid)."""
    checks = [check for rule in rules for check in rule.checks()]
    try:
        compile_checks(checks)
    except _PASS_THROUGH:
        raise
    except BaseException as error:  # SyntaxError, RecursionError, MemoryError ...
        raise _Invalid(f"python engine: {describe_error(error)}") from error
    try:
        durable_engine.preflight(checks)
    except RecursionError as error:
        raise _Invalid("durable engine: the checks are nested too deeply") from error
    except RuleBaseError as error:
        raise _Invalid(str(error)) from error
    except Exception as error:  # EngineError
        raise _Invalid(f"durable engine: {error}") from error


def build_rule_base(plugins: Plugins, thresholds: Thresholds) -> RuleBase:
    """Collect every plugin's contributions, drop invalid plugins whole, build the RuleBase.

    The built-ins and every plugin receive their own copy of ``thresholds``; the rule base is
    built with the caller's.
    """
    dropped: dict[str, PluginFailure] = {f.plugin: f for f in plugins.load_failures}
    collected = _collect(plugins, thresholds, dropped)
    order = sorted(collected, key=lambda n: (n != BUILTIN, n))
    facts = fact_kinds()
    compiled: dict[str, str | None] = {}  # plugin -> why its checks do not compile
    # Validate until stable: rejecting one plugin can orphan another's citations or flag reads.
    while True:
        kept = [p for p in order if p == BUILTIN or p not in dropped]  # the core is never dropped
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
            except (_Invalid, RecursionError) as error:
                _reject(plugins, plugin, error, dropped)
                rejected = True
                continue
            evidence |= {e.id for e in evidence_of[plugin]}
        for plugin in kept:
            if plugin in dropped:
                continue
            try:
                _validate(plugin, rules_of[plugin], evidence, ids, facts, all_ids)
                if len({r.id for r in rules_of[plugin]}) != len(rules_of[plugin]):
                    raise _Invalid("registers the same id twice")
            except (_Invalid, RecursionError) as error:
                _reject(plugins, plugin, error, dropped)
                rejected = True
                continue
            if plugin != BUILTIN and plugin not in compiled:
                try:
                    _compiles(plugin, rules_of[plugin])
                    compiled[plugin] = None
                except _Invalid as error:
                    compiled[plugin] = str(error)
            if compiled.get(plugin):
                _reject(plugins, plugin, _Invalid(compiled[plugin]), dropped, stage="compile")
                rejected = True
                continue
            ids |= {r.id for r in rules_of[plugin]}
        if rejected:
            continue
        try:
            rule_base = _assemble(plugins, collected, kept, thresholds, facts)
        except (RuleBaseError, ValueError, RecursionError) as error:
            # Valid one by one, not together (rules of two plugins reading each other in a
            # cycle, say): drop the first plugin whose addition breaks the build, and retry.
            _reject(plugins, _culprit(plugins, collected, kept, thresholds, facts), error, dropped)
            continue
        break
    return attrs.evolve(
        rule_base,
        plugins_dropped=tuple((f.plugin, f.stage, f.error) for f in dropped.values()),
    )


def _assemble(
    plugins: Plugins | None,
    collected: dict[str, dict[str, list[Any]]],
    kept: list[str],
    thresholds: Thresholds,
    facts: Mapping[str, tuple[str, tuple[str, ...]]],
    evidence_from: list[str] | None = None,
) -> RuleBase:
    def pick(hook: str, kind: type, source: list[str] = kept) -> list[Any]:
        return [i for p in source for i in collected[p].get(hook, []) if type(i) is kind]

    # The version names the plugins whose rules or evidence are in it (not those that added nothing).
    extra = [p for p in kept if p != BUILTIN and any(collected[p].values())]
    rule_base = RuleBase.build(
        red_flags=pick("register_red_flags", RedFlag),
        watch_items=pick("register_red_flags", WatchItem),
        activities=pick("register_activities", Activity),
        advice_against=pick("register_advice_against", AdviceAgainst),
        evidence=pick("register_evidence", Evidence, evidence_from or kept),
        cards=pick("register_red_flags", SafetyNetCard),
        thresholds=thresholds,
        version="+".join([KNOWLEDGE_VERSION, *extra]),
        fact_keys=facts,
    )
    if plugins is not None:
        for plugin in kept:
            plugins.contributions[plugin] = [
                getattr(i, "id", "?") for items in collected[plugin].values() for i in items
            ]
    return rule_base


def _culprit(
    plugins: Plugins,
    collected: dict[str, dict[str, list[Any]]],
    kept: list[str],
    thresholds: Thresholds,
    facts: Mapping[str, tuple[str, tuple[str, ...]]],
) -> str:
    """The first plugin (in order) whose rules, added to those before it, break the build."""
    for end in range(1, len(kept) + 1):
        try:
            _assemble(None, collected, kept[:end], thresholds, facts, evidence_from=kept)
        except (RuleBaseError, ValueError, RecursionError):
            return kept[end - 1]
    raise PluginError("the rule base fails to build, yet every prefix of it builds")


def _reject(
    plugins: Plugins,
    plugin: str,
    error: BaseException,
    dropped: dict[str, PluginFailure],
    stage: str = "validation",
) -> None:
    if plugin in dropped:
        return
    if plugin == BUILTIN:
        raise PluginError(f"built-in content is invalid: {error}")
    text = str(error) if isinstance(error, _Invalid | RuleBaseError) else describe_error(error)
    dropped[plugin] = plugins.fail(plugin, stage, text)


@attrs.frozen
class OutputFormat:
    """A registered output format."""

    name: str
    render: Callable[..., str]
    media_type: str
    description: str
    plugin: str


def _guarded(render: Callable[..., str], name: str, plugin: str) -> Callable[..., str]:
    """A plugin's render function that cannot end the process: a ``SystemExit``,
    ``GeneratorExit`` or other non-``Exception`` it raises becomes a ``PluginError`` (an ordinary
    exception, which ``spinerules.render`` reports as a ``RenderError`` naming the format and
    the plugin). ``KeyboardInterrupt`` passes; ordinary exceptions pass unchanged."""

    def guarded(assessment: Any, **options: Any) -> str:
        try:
            return render(assessment, **options)
        except (Exception, *_PASS_THROUGH):
            raise
        except BaseException as error:
            raise PluginError(describe_error(error)) from None

    return guarded


def build_formats(plugins: Plugins) -> dict[str, OutputFormat]:
    formats: dict[str, OutputFormat] = {}
    for plugin, items in sorted(
        plugins.call_each("register_formats").items(), key=lambda kv: (kv[0] != BUILTIN, kv[0])
    ):
        accepted: dict[str, OutputFormat] = {}
        try:
            for item in items:
                args, options = item if type(item) is tuple else ((item,), {})
                name, render = (*args, None, None)[:2]
                if type(name) is not str or not name.strip():
                    raise _Invalid("a format needs a non-empty name")
                if name in formats or name in accepted:
                    raise _Invalid(f"format {name!r} is already registered")
                if not callable(render):
                    raise _Invalid(f"format {name!r} has no render function")
                media_type = options.get("media_type", "text/plain")
                description = options.get("description", "")
                if type(media_type) is not str or type(description) is not str:
                    raise _Invalid(f"format {name!r}: media_type and description must be strings")
                accepted[name] = OutputFormat(
                    name,
                    render if plugin == BUILTIN else _guarded(render, name, plugin),
                    media_type,
                    description,
                    plugin,
                )
        except _Invalid as error:
            _reject(plugins, plugin, error, {})
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


@lru_cache(maxsize=32)
def default_rule_base(thresholds: Thresholds | None = None) -> RuleBase:
    """The built-in rule base alone (no installed plugins), built through the plugin hooks.

    Cached: building validates and hashes. Use it when a result must not depend on what else is
    installed; ``assess()`` uses the built-ins plus every loaded plugin.
    """
    return build_rule_base(Plugins(load_entry_points=False), thresholds or Thresholds())


#: Rule bases kept per distinct ``Thresholds`` (least recently used dropped first): a caller
#: sweeping cut-offs must not grow the process without bound.
RULE_BASE_CACHE_SIZE = 16


#: The defaults, built once: a Thresholds validates 31 cut-offs as it is made.
_DEFAULT_THRESHOLDS = Thresholds()


def current_rule_base(thresholds: Thresholds | None = None) -> RuleBase:
    """The rule base of the built-ins and every loaded plugin, cached per thresholds."""
    t = thresholds or _DEFAULT_THRESHOLDS
    plugins = get_plugins()
    with _lock:
        cache: OrderedDict[Thresholds, RuleBase] = _state.setdefault("rule_bases", OrderedDict())
        if t in cache:
            cache.move_to_end(t)
            return cache[t]
        cache[t] = rule_base = build_rule_base(plugins, t)
        while len(cache) > RULE_BASE_CACHE_SIZE:
            cache.popitem(last=False)
        return rule_base


def current_formats() -> dict[str, OutputFormat]:
    plugins = get_plugins()
    with _lock:
        if "formats" not in _state:
            _state["formats"] = build_formats(plugins)
        return _state["formats"]  # type: ignore[no-any-return]
