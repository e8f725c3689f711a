"""The python engine: the rule base compiled to Python functions, one per stratum.

``reference_evaluate`` walks the condition trees directly, node by node: it is the oracle the
differential tests hold both engines to. It shares nothing with durable's DNF rewriting, and
nothing with the code generation here except the trees themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from ..rules import RuleBase
from .base import Fired, publish_flags
from .codegen import compile_checks

_Stratum = Callable[[dict[str, Any]], list[str]]


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
        self._programs: dict[str, tuple[_Stratum, ...]] = {}
        self._lock = threading.Lock()

    def program(self, rule_base: RuleBase) -> tuple[_Stratum, ...]:
        found = self._programs.get(rule_base.hash)
        if found is None:
            with self._lock:
                found = tuple(
                    compile_checks([(c.key, c.condition) for c in stratum])
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
        for run, stratum in zip(self.program(rule_base), rule_base.strata, strict=True):
            for key in run(known):
                fired[key] = conditions[key].inputs(known)
            publish_flags(known, stratum, fired)
        return fired
