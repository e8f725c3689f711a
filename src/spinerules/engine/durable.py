"""The durable-rules engine, safe by construction (see shared/spec/engine-notes.md).

What durable-rules 2.0.28 does, and what this module does about it:

* Its default host starts background timer threads, and threads posting to it segfault the
  process: we use no host at all. Rulesets are created and facts asserted through the C
  extension's own functions (``durable_rules_engine``, the layer under ``durable.engine``),
  and one process-wide lock is held around every call into it, so no two threads (nor two
  engine instances) ever enter the C library at once.
* A ruleset holds at most 1,024 live sessions: each evaluation uses a fresh session id and
  deletes every session it opened in ``finally``.
* Exceptions in actions are swallowed into session state by durable's Python layer: we run no
  Python action inside durable. After each assert we take the queued actions one by one
  (``start_action_for_state``/``complete_and_start_action``), read only the rule name at the
  head of each (no JSON decoding, no state round trip) and record it; an error while
  recording is collected, the queue is still drained, and the error is raised as
  ``EngineError`` afterwards.
* ``none()`` is not undone by later facts: nothing here relies on negation; rules that read
  other rules' outcomes run in a later stratum, on a later fact that carries those outcomes.
* A missing or null property in a fact crashes the C extension (measured: segfault on a
  comparison with a missing property, hang on ``$nex``): each stratum's fact carries every
  property that stratum's rules in the ruleset read, an unknown answer as the sentinel
  ``UNKNOWN``, which every leaf guards against; the other strata's rules sit behind their own
  ``STRATUM`` guard, so the walk never reaches them for this fact (it finds a node's children
  through the fact's own properties).
* A fact that matches no rule raises ``MessageNotHandledException`` and still opens a session;
  deleting that session later segfaults (measured: 1 in a few thousand), not deleting it leaks
  towards the 1,024 cap. So every ruleset has a catch-all rule that matches every fact we
  assert (the property ``SEEN``), and every session we open is handled and deleted.
* Fact identity is a 32-bit hash of the content unless the fact has an ``id``: each fact of a
  session carries its stratum as ``id``, so two facts of one evaluation never collide.
* A rule holds at most 15 ``$and``/``$or`` nodes (error 113), the alpha walk's stack 64 nodes
  (error 303, or a segfault below the root), and every rule costs every session ~8 KB of
  set-up: ``durable_compile`` compiles each check to one nested rule where it fits (a few
  where it does not), models the network exactly as the C code builds it, and packs the rules
  into as few rulesets as its worst-case walk allows; one session per ruleset per evaluation
  takes one fact per stratum (``STRATUM`` guards keep each fact to its own stratum's rules).
* A ruleset cannot be replaced, and durable's Python layer never frees one: we delete the
  rulesets of a rule base evicted from the bounded program cache (under the lock, so no
  evaluation is using them).

Which inputs made a check hold is the python engine's answer by definition
(``Condition.inputs`` on the same facts): durable decides *whether* each check holds; the
inputs of the checks that held are then read off their condition trees.

``preflight`` is the pure-Python half of compilation (``durable_compile``, no C call): the
plugin registry runs it on each plugin's checks alone, on every Python, so a plugin whose rules
durable cannot take is dropped by itself instead of failing every assessment.
"""

from __future__ import annotations

import contextlib
import importlib
import itertools
import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..conditions import FLAG_PREFIX, Condition, is_conjunctive
from ..errors import EngineError
from ..rules import RuleBase
from .base import Fired
from .durable_compile import (
    MAX_PLUGIN_RULES,
    SEEN,
    SEEN_RULE,
    SLOT,
    STACK_BUDGET,
    STRATUM,
    UNKNOWN,
    definition,
    plan,
    preflight,
    prop,
)

__all__ = [
    "LIBRARY_LOCK",
    "MAX_PLUGIN_RULES",
    "PROGRAM_CACHE_SIZE",
    "SEEN",
    "STACK_BUDGET",
    "UNKNOWN",
    "DurableEngine",
    "preflight",
]

#: One lock for the C library, whatever the number of engine instances or of its users (the
#: course engine too): it is one library with one handle table, and it is not thread-safe.
LIBRARY_LOCK = threading.RLock()
#: Compiled rule bases kept (each holds its rulesets in C memory, freed on eviction).
PROGRAM_CACHE_SIZE = 32


@attrs.frozen
class _Ruleset:
    name: str
    handle: int


@attrs.frozen
class _Fact:
    """The fact one stratum asserts into one ruleset: the properties its rules there read."""

    ruleset: _Ruleset
    keys: tuple[str, ...]
    props: tuple[str, ...]
    fixed: Mapping[str, Any]  # id, catch-all, stratum guard, slot


@attrs.frozen
class _Program:
    strata: tuple[tuple[_Fact, ...], ...]  # per stratum, its facts (one per ruleset it uses)
    rule_keys: Mapping[str, str | None]  # durable rule name -> check key (None: catch-all)
    position: Mapping[str, int]  # check key -> its place in the rule base
    conditions: Mapping[str, Condition]
    #: per stratum, (flag fact key, check key) for the outcomes later strata read
    flags: tuple[tuple[tuple[str, str], ...], ...]
    rulesets: tuple[_Ruleset, ...]
    #: the inputs of checks whose every leaf must hold (all their keys, whatever the facts)
    all_inputs: Mapping[str, tuple[str, ...]]


class DurableEngine:
    """Evaluates a RuleBase on durable-rules. One instance per process is enough."""

    name = "durable"

    def __init__(self) -> None:
        # The C extension under durable.engine; imported here: absent on Python 3.13+.
        self._c: Any = importlib.import_module("durable_rules_engine")
        self._lock = LIBRARY_LOCK
        self._programs: dict[str, _Program] = {}
        self._session = itertools.count(1)
        self._sink: list[str] | None = None

    # Compilation -------------------------------------------------------------------------

    def _compile(self, rule_base: RuleBase) -> _Program:
        layout = plan([[(c.key, c.condition) for c in stratum] for stratum in rule_base.strata])
        created: dict[int, _Ruleset] = {}
        try:
            for pack in layout.packs:
                name = f"spinerules_{rule_base.hash}_{pack.number}"
                handle = self._c.create_ruleset(name, json.dumps(definition(pack)))
                created[pack.number] = _Ruleset(name, handle)
        except Exception as error:
            self._delete(created.values())
            raise EngineError(f"durable-rules rejected the rule base: {error}") from error
        strata = []
        for level in range(len(rule_base.strata)):
            fixed = {"id": str(level), SEEN: 1, STRATUM: level, SLOT: 0}
            facts = []
            for pack in layout.packs:
                if level in pack.keys:
                    keys = tuple(pack.keys[level])
                    facts.append(_Fact(created[pack.number], keys, tuple(map(prop, keys)), fixed))
            strata.append(tuple(facts))
        checks = [c for stratum in rule_base.strata for c in stratum]
        read = {k for c in checks for k in c.condition.keys() if k.startswith(FLAG_PREFIX)}
        flags = tuple(
            tuple((FLAG_PREFIX + c.key, c.key) for c in stratum if FLAG_PREFIX + c.key in read)
            for stratum in rule_base.strata
        )
        return _Program(
            tuple(strata),
            {**layout.rule_keys, SEEN_RULE: None},
            {c.key: n for n, c in enumerate(checks)},
            {c.key: c.condition for c in checks},
            flags,
            tuple(created.values()),
            {c.key: c.condition.keys() for c in checks if is_conjunctive(c.condition)},
        )

    def _delete(self, rulesets: Iterable[_Ruleset]) -> None:
        for ruleset in rulesets:
            with contextlib.suppress(Exception):  # already gone: nothing left to free
                self._c.delete_ruleset(ruleset.handle)

    def _program(self, rule_base: RuleBase) -> _Program:
        """The compiled rule base (call with the lock held)."""
        found = self._programs.get(rule_base.hash)
        if found is None:
            found = self._programs[rule_base.hash] = self._compile(rule_base)
            while len(self._programs) > PROGRAM_CACHE_SIZE:  # oldest first (insertion order)
                self._delete(self._programs.pop(next(iter(self._programs))).rulesets)
        return found

    def program(self, rule_base: RuleBase) -> _Program:
        with self._lock:
            return self._program(rule_base)

    # Evaluation --------------------------------------------------------------------------

    def _run(self, fact: _Fact, text: str, errors: list[BaseException]) -> None:
        """Assert one fact and record the name of every rule it fired (lock held)."""
        c, handle = self._c, fact.ruleset.handle
        code, state = c.assert_fact(handle, text)
        if code != 0:  # 1: not handled, 2: already observed; neither can happen by design
            errors.append(EngineError(f"durable-rules refused a fact (code {code})"))
        sink = self._sink
        started = c.start_action_for_state(handle, state)
        message = None if started is None else started[1]
        while message is not None:
            try:
                if sink is None:
                    raise EngineError(f"durable rule fired outside an evaluation: {message:.40}")
                # The message is {"<rule name>": {...}}: read the name, nothing else.
                sink.append(message[2 : message.index('"', 2)])
            except BaseException as error:  # collected and raised after the queue is drained
                errors.append(error)
            message = c.complete_and_start_action(handle, state)

    def evaluate(self, rule_base: RuleBase, facts: Mapping[str, Any]) -> Fired:
        known = dict(facts)
        get = known.get
        held: set[str] = set()  # the checks that held (their inputs are read off at the end)
        with self._lock:
            program = self._program(rule_base)
            rule_keys = program.rule_keys
            sid = str(next(self._session))
            opened: dict[int, None] = {}
            errors: list[BaseException] = []
            self._sink = []
            done = False
            try:
                for level, stratum in enumerate(program.strata):
                    self._sink.clear()
                    for fact in stratum:
                        body = {
                            p: UNKNOWN if v is None else v
                            for p, v in zip(fact.props, map(get, fact.keys), strict=True)
                        }
                        body.update(fact.fixed, sid=sid)
                        opened[fact.ruleset.handle] = None
                        self._run(fact, json.dumps(body), errors)
                    if errors:
                        raise EngineError("a durable action failed") from errors[0]
                    for name in self._sink:
                        key = rule_keys.get(name, "")
                        if key is None:  # the catch-all
                            continue
                        if not key:
                            raise EngineError(f"durable-rules fired an unknown rule {name!r}")
                        held.add(key)
                    for flag, key in program.flags[level]:  # what later strata read
                        known[flag] = key in held
                done = True
            except EngineError:
                raise
            except Exception as error:
                raise EngineError(f"durable-rules failed: {error}") from error
            finally:
                self._sink = None
                failed = self._close(opened, sid)
                if failed is not None and done:  # else the first error is the one to see
                    raise EngineError(f"durable-rules could not close a session: {failed}")
        conditions, fixed = program.conditions, program.all_inputs
        fired: Fired = {}
        for key in sorted(held, key=program.position.__getitem__):
            inputs = fixed.get(key)
            fired[key] = conditions[key].inputs(known) if inputs is None else inputs
        return fired

    def _close(self, handles: Iterable[int], sid: str) -> Exception | None:
        """Delete the evaluation's session in every ruleset it opened (lock held); each is
        tried, and the first failure is returned."""
        failed: Exception | None = None
        for handle in handles:
            try:
                self._c.delete_state(handle, sid)
            except Exception as error:  # a session a failed assert never opened
                failed = failed or error
        return failed
