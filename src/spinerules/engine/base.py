"""The engine contract and what every engine shares: strata and the flags between them."""

from __future__ import annotations

from collections.abc import Mapping
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


def publish_flags(facts: dict[str, Any], stratum: tuple[Check, ...], fired: Fired) -> None:
    """Make a finished stratum's outcomes readable as ``flag.<key>`` by later strata.

    Every key of the stratum is published, true or false, so a later ``not_flag`` reads a
    known ``False`` rather than an unknown (which would never satisfy it).
    """
    for check in stratum:
        facts[FLAG_PREFIX + check.key] = check.key in fired
