"""From a PatientState to the flat facts the conditions read.

Both engines read the same facts, built here once, so they cannot disagree about what the
patient said. Scalar fields keep their names; a set field becomes one boolean per member
(``axspa_features.buttock_pain``) plus a count (``axspa_features.count``), so a rule can say
"4 or more features" without a condition node that durable-rules cannot express.
"""

from __future__ import annotations

from typing import Any

from .fields import FIELDS
from .patient import PatientState

#: Fields that describe preferences or answers no rule reads as a fact (they steer ranking).
#: Lists (preferences, clinician clearance) are read by the policy, not by conditions.
_NOT_FACTS = frozenset(name for name, f in FIELDS.items() if f.kind in ("list", "startback"))
_SET_FIELDS = tuple(f for f in FIELDS.values() if f.kind == "set")
_SCALARS = tuple(name for name, f in FIELDS.items() if f.kind != "set" and name not in _NOT_FACTS)


def count_key(field: str) -> str:
    return f"{field}.count"


def member_key(field: str, member: str) -> str:
    return f"{field}.{member}"


def fact_keys() -> frozenset[str]:
    """Every fact key a condition may read (besides ``flag.<rule id>``)."""
    keys = set(_SCALARS)
    for spec in _SET_FIELDS:
        keys.add(count_key(spec.name))
        keys.update(member_key(spec.name, m) for m in spec.choices)
    return frozenset(keys)


def fact_kinds() -> dict[str, tuple[str, tuple[str, ...]]]:
    """(kind, allowed values) of every fact key, so a rule base can reject a literal that could
    never match (``Is("leg_pain", "left")``) or that two engines would compare differently."""
    kinds = {name: (FIELDS[name].kind, FIELDS[name].choices) for name in _SCALARS}
    for spec in _SET_FIELDS:
        kinds[count_key(spec.name)] = ("int", ())
        kinds.update({member_key(spec.name, m): ("bool", ()) for m in spec.choices})
    return kinds


def patient_facts(state: PatientState) -> dict[str, Any]:
    """The facts of one patient; ``None`` means not answered."""
    facts: dict[str, Any] = {name: getattr(state, name) for name in _SCALARS}
    for spec in _SET_FIELDS:
        members = getattr(state, spec.name)
        facts[count_key(spec.name)] = len(members)
        for member in spec.choices:
            facts[member_key(spec.name, member)] = member in members
    return facts
