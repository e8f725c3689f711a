"""The built-in red flags compiled into ONE zen-engine expression (GoRules' ZEN, a Rust VM).

The peer of the "evaluation only" row: a team that keeps its rules in spinerules' condition
trees but evaluates them with zen. Every check of every built-in red flag (``RedFlag.checks()``:
the flag's own condition, each escalation and-ed with it, and each conditional action note) is
translated by one dispatch table, condition class by condition class, into one expression

    map(filter([["<key>", <condition>], ...], #[1]), #[0])

compiled once with ``zen.compile_expression`` and evaluated per patient on the flat JSON dict,
so zen returns the check keys that held; ``benchmarks/run.py`` compares them with spinerules'
python engine on the whole population (a mismatch is a failed check).

What the translation has to reproduce exactly, since zen reads the raw dict and spinerules the
validated facts:

* Unknown is neither yes nor no (``conditions.py``): an absent key reads as ``null`` in zen;
  ``x == v`` is false on ``null`` (``Is``); ``IsNot`` is ``x != null and x != v``; a ``Compare``
  is guarded with ``x != null`` (zen raises on ``null > 3``; ``and`` short-circuits);
  ``Known``/``Unknown`` are ``x != null``/``x == null``.
* Set fields become facts in ``spinerules.facts``: ``<field>.<member>`` (a boolean, never
  unknown: an unanswered set is empty) and ``<field>.count``. Here ``"m" in (field ?? [])`` and
  ``len(field ?? [])``, and the one derived member, ``onset_before_35`` (present whenever
  ``first_back_pain_age`` is known and below ``fields.AXSPA_ONSET_AGE``), is derived in the
  expression too.
* ``flag.<id>`` (a condition reading another check's outcome: ``fracture_neuro``, a
  ``cancer_history`` note) is that check's condition inlined (``not (...)`` for ``not_flag``),
  since one expression has no strata.
* ``AtLeast(k, ...)`` is ``count([...], #) >= k``.

Only valid patients are given to it (the population is valid): zen does no validation, which is
part of what the spinerules row pays for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import zen

from spinerules import default_rule_base
from spinerules import fields as vocabulary
from spinerules.conditions import (
    FLAG_PREFIX,
    AllOf,
    AnyOf,
    AtLeast,
    Compare,
    Condition,
    Is,
    IsNot,
    Known,
    Unknown,
)

__all__ = ["EXPRESSION", "KEYS", "compile_red_flags", "screen", "setup"]

#: Filled in by ``setup``: the expression source and the check keys it can return.
EXPRESSION = ""
KEYS: frozenset[str] = frozenset()
_compiled: Any = None


def _literal(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value)  # a string, double-quoted and escaped


class _Translator:
    """Condition trees to zen source, one function per condition class (the dispatch table)."""

    def __init__(self, conditions: Mapping[str, Condition], onset: int) -> None:
        self.conditions = conditions  # check key -> condition, for inlining flag.<key>
        self.sets: dict[str, str] = {}  # fact key -> "count" or the member
        self.field_of: dict[str, str] = {}
        for spec in vocabulary.FIELDS.values():
            if spec.kind == "set":
                self.sets[f"{spec.name}.count"] = "count"
                self.field_of[f"{spec.name}.count"] = spec.name
                for member in spec.choices:
                    self.sets[f"{spec.name}.{member}"] = member
                    self.field_of[f"{spec.name}.{member}"] = spec.name
        self.onset = onset
        self.table: dict[type, Callable[[Any], str]] = {
            Is: self._is,
            IsNot: self._is_not,
            Compare: self._compare,
            Known: self._known,
            Unknown: self._unknown,
            AllOf: lambda c: "(" + " and ".join(self(m) for m in c.members) + ")",
            AnyOf: lambda c: "(" + " or ".join(self(m) for m in c.members) + ")",
            AtLeast: lambda c: (
                f"(count([{', '.join(self(m) for m in c.members)}], #) >= {c.count})"
            ),
        }

    def __call__(self, condition: Condition) -> str:
        translate = self.table.get(type(condition))
        if translate is None:
            raise TypeError(f"zen peer: no translation for {type(condition).__name__}")
        return translate(condition)

    # Facts: a plain field, a set member, a set count (the latter two never unknown).

    def _fact(self, key: str) -> tuple[str, bool]:
        """(zen source of the fact's value, whether it can be unknown)."""
        if key not in self.sets:
            return key, True
        field = self.field_of[key]
        listed = f"({field} ?? [])"
        derived = (
            f"({self._known_field('first_back_pain_age')} and first_back_pain_age < {self.onset})"
        )
        onset = vocabulary.AXSPA_ONSET_FEATURE
        if self.sets[key] == "count":
            if field != "axspa_features":
                return f"len({listed})", False
            extra = f"({derived} and not ({_literal(onset)} in {listed}) ? 1 : 0)"
            return f"(len({listed}) + {extra})", False
        member = f"({_literal(self.sets[key])} in {listed})"
        if field == "axspa_features" and self.sets[key] == onset:
            member = f"({member} or {derived})"
        return member, False

    @staticmethod
    def _known_field(name: str) -> str:
        return f"{name} != null"

    def _flag(self, condition: Is | IsNot) -> str | None:
        if not condition.key.startswith(FLAG_PREFIX):
            return None
        held = self(self.conditions[condition.key[len(FLAG_PREFIX) :]])
        positive = (
            condition.value is True if isinstance(condition, Is) else condition.value is False
        )
        return held if positive else f"(not {held})"

    def _is(self, c: Is) -> str:
        inlined = self._flag(c)
        if inlined is not None:
            return inlined
        value, _ = self._fact(c.key)
        if c.key in self.sets and self.sets[c.key] != "count":
            return value if c.value is True else f"(not {value})"
        return f"({value} == {_literal(c.value)})"  # false on null and on another type

    def _is_not(self, c: IsNot) -> str:
        inlined = self._flag(c)
        if inlined is not None:
            return inlined
        value, unknowable = self._fact(c.key)
        if c.key in self.sets and self.sets[c.key] != "count":
            return value if c.value is False else f"(not {value})"
        test = f"{value} != {_literal(c.value)}"
        return f"({value} != null and {test})" if unknowable else f"({test})"

    def _compare(self, c: Compare) -> str:
        value, unknowable = self._fact(c.key)
        test = f"{value} {c.op} {_literal(c.value)}"
        return f"({value} != null and {test})" if unknowable else f"({test})"

    def _known(self, c: Known) -> str:
        value, unknowable = self._fact(c.key)
        return f"({value} != null)" if unknowable else "true"

    def _unknown(self, c: Unknown) -> str:
        value, unknowable = self._fact(c.key)
        return f"({value} == null)" if unknowable else "false"


def compile_red_flags(rule_base: Any) -> tuple[str, frozenset[str]]:
    """The one expression for every check of every red flag, and the keys it can return."""
    checks = [
        (str(key), condition) for flag in rule_base.red_flags for key, condition in flag.checks()
    ]
    translate = _Translator(dict(checks), vocabulary.AXSPA_ONSET_AGE)
    pairs = ", ".join(f"[{_literal(key)}, {translate(condition)}]" for key, condition in checks)
    return f"map(filter([{pairs}], #[1]), #[0])", frozenset(key for key, _ in checks)


def setup(rule_base: Any = None) -> None:
    """Translate and compile once (``zen.compile_expression``); ``screen`` then evaluates."""
    global EXPRESSION, KEYS, _compiled
    EXPRESSION, KEYS = compile_red_flags(rule_base or default_rule_base())
    _compiled = zen.compile_expression(EXPRESSION)


def screen(patient: Mapping[str, Any]) -> list[str]:
    """The red-flag check keys that held for this patient (flat JSON dict in)."""
    return _compiled.evaluate(patient)  # type: ignore[no-any-return]
