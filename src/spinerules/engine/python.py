"""The python engine: the rule base compiled to Python functions, one per stratum.

``reference_evaluate`` walks the condition trees directly, node by node: it is the oracle the
differential tests hold both engines to. It shares nothing with durable's DNF rewriting, and
nothing with the code generation here except the trees themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..conditions import FLAG_PREFIX
from ..rules import RuleBase
from .base import Fired, keys_read, publish_flags
from .codegen import compile_checks

_Stratum = Callable[[dict[str, Any]], list[str]]
#: Per stratum, the (fact key, check key) of its outcomes that some condition reads.
_Published = tuple[tuple[str, str], ...]


def reference_evaluate(rule_base: RuleBase, facts: Mapping[str, Any]) -> Fired:
    """Evaluate every check by walking its condition tree (slow, obviously right)."""
    known = dict(facts)
    fired: Fired = {}
    for stratum in rule_base.strata:
        for check in stratum:
            if check.condition.evaluate(known):
                fired[check.key] = check.condition.inputs(known)
        publish_flags(known, stratum, fired)
    return fired


#: Compiled rule bases kept (recompiling one takes ~20 ms): a bound, so a caller building many
#: rule bases (a thresholds sweep, generated tests) does not grow the process for ever.
PROGRAM_CACHE_SIZE = 64


class PythonEngine:
    name = "python"

    def __init__(self) -> None:
        self._programs: dict[str, tuple[tuple[_Stratum, _Published], ...]] = {}
        self._lock = threading.Lock()

    def program(self, rule_base: RuleBase) -> tuple[tuple[_Stratum, _Published], ...]:
        """Each stratum's compiled checks, and the outcomes later strata read (only those are
        published: with 1,000 plugin activities, publishing every outcome cost more than
        evaluating them)."""
        found = self._programs.get(rule_base.hash)
        if found is None:
            with self._lock:
                read = keys_read(rule_base)
                found = tuple(
                    (
                        compile_checks([(c.key, c.condition) for c in stratum]),
                        tuple(
                            (FLAG_PREFIX + c.key, c.key)
                            for c in stratum
                            if FLAG_PREFIX + c.key in read
                        ),
                    )
                    for stratum in rule_base.strata
                )
                self._programs[rule_base.hash] = found
                while len(self._programs) > PROGRAM_CACHE_SIZE:  # oldest first (insertion order)
                    del self._programs[next(iter(self._programs))]
        return found

    def evaluate(self, rule_base: RuleBase, facts: Mapping[str, Any]) -> Fired:
        known = dict(facts)
        fired: Fired = {}
        conditions = rule_base.conditions
        for run, published in self.program(rule_base):
            for key in run(known):
                fired[key] = conditions[key].inputs(known)
            for fact, key in published:
                known[fact] = key in fired
        return fired
