"""Check keys: the name of one condition an engine evaluates, as a typed value.

A rule contributes several checks: its own condition, and, by kind of rule, tier escalations,
activity exclusions, conditional texts (cautions, action notes, card lines, replacement doses)
and a ranking boost. Engines only see the key's text (durable-rules names its rules with it,
the python engine and the columnar screen name their results with it), so the text must be
unique, and it must be written in exactly one place: here. Rules ask for their keys through
``CheckKey``; the policy and the columnar screen ask the rules. Nothing parses a key.

Text forms (stable: they appear in every assessment's trace and in durable rule names):

* ``<id>``: the rule's own condition;
* ``<id>@<tier>``, ``<id>@<tier>#<n>``: an escalation, the n-th to the same tier from 2 on;
* ``<id>!<exclusion>``: an activity exclusion;
* ``<id>?<part><n>``: the n-th conditional text of a part (``""`` for cautions, action notes
  and card lines; ``dose`` for replacement doses);
* ``<id>^rank_up``: an activity's ranking boost.
"""

from __future__ import annotations

import enum

import attrs

__all__ = ["CheckKey", "KeyPart"]


class KeyPart(enum.Enum):
    """Which part of a rule a check is; the value is the separator in the key's text."""

    OWN = ""
    ESCALATION = "@"
    EXCLUSION = "!"
    TEXT = "?"
    RANK_UP = "^"


@attrs.frozen(cache_hash=True)
class CheckKey:
    """One check of one rule. ``str(key)`` is the only way a key becomes text."""

    rule: str
    part: KeyPart = KeyPart.OWN
    detail: str = ""

    def __str__(self) -> str:
        if self.part is KeyPart.OWN:
            return self.rule
        return f"{self.rule}{self.part.value}{self.detail}"

    @classmethod
    def own(cls, rule: str) -> str:
        return str(cls(rule))

    @classmethod
    def escalation(cls, rule: str, tier: str, nth: int = 1) -> str:
        """``nth``: 1 for the first escalation to ``tier``, 2 for a second route to it, ..."""
        return str(cls(rule, KeyPart.ESCALATION, tier if nth == 1 else f"{tier}#{nth}"))

    @classmethod
    def exclusion(cls, rule: str, exclusion: str) -> str:
        return str(cls(rule, KeyPart.EXCLUSION, exclusion))

    @classmethod
    def text(cls, rule: str, index: int, part: str = "") -> str:
        return str(cls(rule, KeyPart.TEXT, f"{part}{index}"))

    @classmethod
    def rank_up(cls, rule: str) -> str:
        return str(cls(rule, KeyPart.RANK_UP, "rank_up"))
