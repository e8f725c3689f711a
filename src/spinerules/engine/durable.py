"""The durable-rules engine, safe by construction (see shared/spec/engine-notes.md).

What durable-rules 2.0.28 does, and what this module does about it:

* Its default host starts background timer threads, and threads posting to it segfault the
  process: we use a host whose ``_run`` starts nothing, and one lock around every evaluation.
* A ruleset holds at most 1,024 live sessions: each evaluation uses a fresh session id and
  deletes every session it opened in ``finally``.
* Exceptions in actions are swallowed into session state: our actions only append to a list
  inside ``try``; any error is collected and raised as ``EngineError`` after the call.
* ``none()`` is not undone by later facts: nothing here relies on negation; rules that read
  other rules' outcomes run in a later stratum on a fact that carries those outcomes.
* A missing or null property in a fact crashes the C extension (measured: segfault on a
  comparison with a missing property, hang on ``$nex``): every property a ruleset reads is
  present, and an unknown answer is the sentinel ``UNKNOWN``, which every leaf guards against.
* A fact that matches no rule raises ``MessageNotHandledException`` and still opens a session;
  deleting that session later segfaults (measured: 1 in a few thousand), not deleting it leaks
  towards the 1,024 cap. So every ruleset has a ``seen`` rule that matches every fact we assert
  (the property ``SEEN``), and every session we open is handled and deleted.
* A rule's expression may hold at most 31 terms (error 113) and a fact walk at most 64 pending
  alpha nodes (error 303, "about 130 rules"): conditions are split into DNF conjunctions here,
  one durable rule each, and packed into rulesets whose alpha network cannot overflow that
  stack: terms are ordered so rules share prefixes, and a ruleset is closed before the worst
  case (the largest sum of fan-outs on a root-to-leaf path) would pass ``STACK_BUDGET``.
* A ruleset cannot be replaced: names carry the rule base's content hash, and compiled
  programs are cached per hash for the life of the process.

``durable_rules`` is the pure-Python half of compilation (the DNF split and the term paths, no
C call): the plugin registry runs it on each plugin's checks alone, on every Python, so a plugin
whose rules durable cannot take is dropped by itself instead of failing every assessment.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ..conditions import Condition, Conjunction
from ..errors import EngineError
from ..rules import RuleBase
from .base import Fired, publish_flags

#: The stand-in for None: never a valid answer. ASCII on purpose: a non-ASCII sentinel corrupted
#: the heap of durable-rules 2.0.28 (measured: "free(): invalid pointer").
UNKNOWN = "?unknown?"
SEEN = "spinerules_seen"
#: The alpha-node stack depth a ruleset may reach; the C walk's stack holds 64 (MAX_STACK_SIZE);
#: one more is the ``seen`` rule's node, and the rest is margin.
STACK_BUDGET = 60
#: The most durable rules (DNF conjunctions) one plugin's checks may expand to. The built-in
#: rule base compiles to about 400; eight red flags of "2 of 32 signs" compile to 3,968, which
#: durable takes but at several times the cost of every assessment, for every person. A plugin
#: past this is dropped (the registry checks it on every Python, so the rule base, and its
#: hash, do not depend on which engine is installed).
MAX_PLUGIN_RULES = 2048


def _prop(key: str) -> str:
    return key.replace(".", "__")


@attrs.frozen
class _Chunk:
    """One durable ruleset: some conjunctions, and the fact properties they read."""

    name: str
    keys: tuple[str, ...]


@attrs.frozen
class _Program:
    strata: tuple[tuple[_Chunk, ...], ...]
    conjunction_keys: Mapping[str, tuple[str, int]]  # durable rule name -> (check key, index)
    conjunctions: Mapping[str, tuple[Conjunction, ...]]  # check key -> its DNF
    conditions: Mapping[str, Condition]


def _terms(conjunction: Conjunction) -> dict[str, dict[str, Any]]:
    """The conjunction's durable terms, keyed by their canonical JSON (duplicates merged)."""
    terms = [t for leaf in conjunction for t in leaf.durable(_prop(leaf.key), UNKNOWN)]
    return {json.dumps(t, sort_keys=True): t for t in terms}


def durable_rules(
    checks: Iterable[tuple[str, Condition]],
) -> list[tuple[str, int, Conjunction, dict[str, dict[str, Any]]]]:
    """Every durable rule the checks compile to: (check key, conjunction index, conjunction,
    its terms). Raises EngineError for a check durable cannot take (too many alternatives, a
    conjunction too long for the alpha-node stack, a tree too deep to rewrite)."""
    compiled = []
    for key, condition in checks:
        try:
            dnf = condition.dnf()
        except (ValueError, RecursionError) as error:
            raise EngineError(
                f"check {key!r} cannot be compiled for durable-rules: {error}"
            ) from error
        for index, conjunction in enumerate(dnf):
            terms = _terms(conjunction)
            if len(terms) >= STACK_BUDGET:
                raise EngineError(f"check {key!r} has a conjunction too long for durable")
            compiled.append((key, index, conjunction, terms))
    return compiled


def preflight(checks: Iterable[tuple[str, Condition]], limit: int = MAX_PLUGIN_RULES) -> int:
    """Check that durable can take these checks, without registering anything (durable-rules
    never frees a ruleset); returns how many durable rules they compile to."""
    count = len(durable_rules(checks))
    if count > limit:
        raise EngineError(
            f"the checks compile to {count} durable rules (limit {limit} per plugin); "
            "split wide at_least/any_of conditions into fewer alternatives"
        )
    return count


def _stack_bound(trie: dict[str, Any]) -> int:
    """The most alpha nodes durable's fact walk can hold on its stack for this network.

    The walk is depth-first and pushes every matching child of a node before descending, so the
    stack never holds more than the sum of the fan-outs along one root-to-leaf path (assuming
    every test matches, the worst case).
    """
    if not trie:
        return 0
    return len(trie) + max(_stack_bound(child) for child in trie.values())


@attrs.define
class _Pack:
    """A ruleset being filled: its rules, its alpha network (as a trie of terms), its keys."""

    rules: dict[str, Any] = attrs.Factory(dict)
    trie: dict[str, Any] = attrs.Factory(dict)
    keys: dict[str, None] = attrs.Factory(dict)

    def fits(self, path: list[str]) -> bool:
        trial = _copy_trie(self.trie)
        _insert(trial, path)
        return _stack_bound(trial) <= STACK_BUDGET

    def add(
        self, name: str, rule: dict[str, Any], path: list[str], conjunction: Conjunction
    ) -> None:
        self.rules[name] = rule
        _insert(self.trie, path)
        self.keys.update(dict.fromkeys(leaf.key for leaf in conjunction))


def _insert(trie: dict[str, Any], path: list[str]) -> None:
    for term in path:
        trie = trie.setdefault(term, {})


def _copy_trie(trie: dict[str, Any]) -> dict[str, Any]:
    return {term: _copy_trie(child) for term, child in trie.items()}


class DurableEngine:
    """Evaluates a RuleBase on durable-rules. One instance per process is enough."""

    name = "durable"

    def __init__(self) -> None:
        from durable import engine as durable_engine  # import here: absent on Python 3.13+

        class QuietHost(durable_engine.Host):  # type: ignore[misc]
            """A host without the background timer loops (screening needs no timers)."""

            def _run(self) -> None:
                return None

        self._host = QuietHost()
        self._lock = threading.RLock()
        self._programs: dict[str, _Program] = {}
        self._session = itertools.count(1)
        self._sink: list[str] | None = None
        self._errors: list[BaseException] = []

    # Compilation -------------------------------------------------------------------------

    def _action(self, rule_name: str) -> Callable[[Any], None]:
        def action(closure: Any) -> None:
            try:
                if self._sink is None:
                    raise EngineError(f"durable rule {rule_name} fired outside an evaluation")
                self._sink.append(rule_name)
            except BaseException as error:  # collected and re-raised after the call
                self._errors.append(error)

        return action

    @staticmethod
    def _seen(closure: Any) -> None:
        """Matches every fact, so no assert goes unhandled (see the module docstring)."""

    def _compile(self, rule_base: RuleBase) -> _Program:
        names: dict[str, tuple[str, int]] = {}
        dnfs: dict[str, tuple[Conjunction, ...]] = {}
        conditions: dict[str, Condition] = {}
        definitions: dict[str, dict[str, Any]] = {}
        strata: list[tuple[_Chunk, ...]] = []
        serial = itertools.count()
        for level, stratum in enumerate(rule_base.strata):
            compiled = durable_rules((check.key, check.condition) for check in stratum)
            for check in stratum:
                conditions[check.key] = check.condition
                dnfs[check.key] = ()
            for key, _, conjunction, _ in compiled:
                dnfs[key] += (conjunction,)
            # Most shared terms first, so conjunctions share alpha-node prefixes: a narrow
            # network packs many rules into one ruleset (each ruleset costs one assert).
            frequency = Counter(term for *_, terms in compiled for term in terms)
            packs = [_Pack()]
            for key, index, conjunction, terms in compiled:
                path = sorted(terms, key=lambda t: (-frequency[t], t))
                if not packs[-1].fits(path):
                    packs.append(_Pack())
                rule_name = f"r{next(serial)}"
                expression = (
                    terms[path[0]] if len(path) == 1 else {"$and": [terms[t] for t in path]}
                )
                rule = {"all": [{"m": expression}], "run": self._action(rule_name)}
                packs[-1].add(rule_name, rule, path, conjunction)
                names[rule_name] = (key, index)
            chunks = []
            for number, pack in enumerate(p for p in packs if p.rules):
                name = f"spinerules_{rule_base.hash}_{level}_{number}"
                seen = {"all": [{"m": {SEEN: 1}}], "run": self._seen}
                definitions[name] = {**pack.rules, SEEN: seen}
                chunks.append(_Chunk(name, tuple(pack.keys)))
            strata.append(tuple(chunks))
        try:
            self._host.register_rulesets(definitions)
        except Exception as error:
            raise EngineError(f"durable-rules rejected the rule base: {error}") from error
        return _Program(tuple(strata), names, dnfs, conditions)

    def program(self, rule_base: RuleBase) -> _Program:
        with self._lock:
            found = self._programs.get(rule_base.hash)
            if found is None:
                found = self._programs[rule_base.hash] = self._compile(rule_base)
            return found

    # Evaluation --------------------------------------------------------------------------

    def evaluate(self, rule_base: RuleBase, facts: Mapping[str, Any]) -> Fired:
        program = self.program(rule_base)
        known = dict(facts)
        hits: dict[str, set[int]] = {}
        with self._lock:
            sid = str(next(self._session))
            opened: list[str] = []
            self._sink, self._errors = [], []
            try:
                for chunks, stratum in zip(program.strata, rule_base.strata, strict=True):
                    for chunk in chunks:
                        fact: dict[str, Any] = {"sid": sid, SEEN: 1}
                        for key in chunk.keys:
                            value = known[key]
                            fact[_prop(key)] = UNKNOWN if value is None else value
                        opened.append(chunk.name)
                        self._host.assert_fact(chunk.name, fact)
                        if self._errors:
                            raise EngineError(
                                f"an action failed in {chunk.name}"
                            ) from self._errors[0]
                    for rule_name in self._sink:
                        key, index = program.conjunction_keys[rule_name]
                        hits.setdefault(key, set()).add(index)
                    self._sink.clear()
                    publish_flags(known, stratum, {k: () for k in hits})
            except EngineError:
                raise
            except Exception as error:
                raise EngineError(f"durable-rules failed: {error}") from error
            finally:
                self._sink = None
                for name in opened:
                    self._host.delete_state(name, sid)
        fired: Fired = {}
        for key, indexes in hits.items():
            used = {leaf.key for i in indexes for leaf in program.conjunctions[key][i]}
            fired[key] = tuple(k for k in program.conditions[key].keys() if k in used)
        return fired
