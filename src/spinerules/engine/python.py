"""The reference engine: the condition tree evaluated directly, in plain Python.

It does not use the DNF the durable engine compiles, so a differential test between the two
also checks the DNF rewriting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..rules import RuleBase
from .base import Fired, publish_flags


class PythonEngine:
    name = "python"

    def evaluate(self, rule_base: RuleBase, facts: Mapping[str, Any]) -> Fired:
        known = dict(facts)
        fired: Fired = {}
        for stratum in rule_base.strata:
            for check in stratum:
                if check.condition.evaluate(known):
                    fired[check.key] = check.condition.inputs(known)
            publish_flags(known, stratum, fired)
        return fired
