"""Hypothesis strategies for patient states, shared by every test module.

Generated from ``FIELDS`` so a new field is covered without touching this file; only the
cross-field rules (first_back_pain_age <= age, no listed onset_before_35 from 35 on) are
written out here, because the field table cannot say them.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from spinerules.fields import AXSPA_FEATURES, FIELDS, STARTBACK_ITEMS, FieldSpec
from spinerules.patient import PatientState

__all__ = [
    "ABSENT",
    "activity_ids",
    "field_values",
    "patient_states",
    "valid_patient_dicts",
]

ABSENT: Any = object()
"""Drawn instead of a value when the key is to be left out of the dict altogether."""

ONSET = "onset_before_35"


def activity_ids() -> st.SearchStrategy[str]:
    """Any well-formed id; pass the rule base's own ids when the test needs known activities."""
    return st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)


def field_values(
    spec: FieldSpec, ids: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[Any]:
    """Valid non-null JSON values for one field, judged on its own (no cross-field rules).

    With ``ids`` (the rule base's exercises), ``clinician_cleared_flags`` draws the rule base's
    red-flag ids, so the state passes ``assess()`` as well as ``PatientState``.
    """
    if spec.name == "clinician_cleared_flags" and ids is not None:
        from spinerules.registry import default_rule_base

        flags = [f.id for f in default_rule_base().red_flags]
        return st.lists(st.sampled_from(flags), unique=True, max_size=4)
    ids = activity_ids() if ids is None else ids
    if spec.kind == "bool":
        return st.booleans()
    if spec.kind == "int":
        return st.integers(spec.minimum, spec.maximum)  # type: ignore[arg-type]
    if spec.kind == "float":
        # JSON integers are valid numbers (C13: bmi 30 is accepted and stored as 30.0).
        return st.floats(spec.minimum, spec.maximum) | st.integers(spec.minimum, spec.maximum)  # type: ignore[arg-type]
    if spec.kind == "enum":
        return st.sampled_from(spec.choices)
    if spec.kind == "set":
        return st.lists(st.sampled_from(spec.choices), unique=True)
    if spec.kind == "list":
        return st.lists(ids, unique=True, max_size=4)
    optional = {name: st.none() | field_values(item, ids) for name, item in STARTBACK_ITEMS.items()}
    return st.fixed_dictionaries({}, optional=optional)


@st.composite
def valid_patient_dicts(
    draw: st.DrawFn, ids: st.SearchStrategy[str] | None = None
) -> dict[str, Any]:
    """Flat JSON dicts that ``PatientState.from_dict`` must accept.

    Each optional field is absent, null or a value, so "not asked" is covered both ways.
    """
    ids = activity_ids() if ids is None else ids
    data: dict[str, Any] = {}
    for name, spec in FIELDS.items():
        values = field_values(spec, ids)
        if name == "first_back_pain_age":
            values = st.integers(0, data["age"])
        elif name == "axspa_features" and (data.get("first_back_pain_age") or 0) >= 35:
            later = [feature for feature in AXSPA_FEATURES if feature != ONSET]
            values = st.lists(st.sampled_from(later), unique=True)
        value = draw(values if spec.required else st.one_of(st.just(ABSENT), st.none(), values))
        if value is not ABSENT:
            data[name] = value
    return data


def patient_states(ids: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[PatientState]:
    """Valid ``PatientState`` objects, covering every field, null included."""
    return valid_patient_dicts(ids).map(PatientState.from_dict)
