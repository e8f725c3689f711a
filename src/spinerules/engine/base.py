"""The engine contract and what every engine shares: strata and the flags between them."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Protocol

from ..conditions import FLAG_PREFIX
from ..rules import Check, RuleBase

#: What an engine returns: every check key that held, with the fact keys that made it hold.
Fired = dict[str, tuple[str, ...]]


class Engine(Protocol):
    name: str

    def evaluate(self, rule_base: RuleBase, facts: Mapping[str, Any]) -> Fired:
        """Evaluate every check of ``rule_base`` on ``facts``, stratum by stratum."""
        ...


@lru_cache(maxsize=32)
def keys_read(rule_base: RuleBase) -> frozenset[str]:
    """Every fact key some check's condition reads (``flag.<key>`` ones included): an outcome
    no condition reads need not become a fact."""
    return frozenset(k for c in rule_base.checks for k in c.condition.keys())


def publish_flags(facts: dict[str, Any], stratum: tuple[Check, ...], fired: Fired) -> None:
    """Make a finished stratum's outcomes readable as ``flag.<key>`` by later strata.

    Every key of the stratum is published, true or false, so a later ``not_flag`` reads a
    known ``False`` rather than an unknown (which would never satisfy it).
    """
    for check in stratum:
        facts[FLAG_PREFIX + check.key] = check.key in fired
