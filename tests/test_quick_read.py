"""The quick read of a field (``patient._quick``) is only a shortcut: whenever it decides, it
decides what the full read (``patient._read_field``) decides, for any value."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from spinerules.fields import FIELDS, STARTBACK_ITEMS
from spinerules.patient import _SLOW, _quick, _read_field

SPECS = {**FIELDS, **{f"startback.{n}": s for n, s in STARTBACK_ITEMS.items()}}

ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 40_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from([c for s in SPECS.values() for c in s.choices]),
    st.lists(st.text(max_size=8), max_size=2),
    st.just([]),
)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(sorted(SPECS)), ANY_VALUE)
def test_the_quick_read_agrees_with_the_full_read(name: str, value: Any) -> None:
    spec = SPECS[name]
    quick = _quick(spec)(value)
    if quick is _SLOW:
        return
    stored, problems = _read_field(spec, value, name)
    assert problems == []
    assert stored == quick and type(stored) is type(quick)


def test_the_quick_read_decides_the_usual_answers() -> None:
    # Without this the property above could pass with a quick read that never decides.
    assert _quick(FIELDS["fever"])(True) is True
    assert _quick(FIELDS["age"])(45) == 45
    assert _quick(FIELDS["age"])(45.0) is _SLOW  # a float is never an integer (C13)
    assert _quick(FIELDS["fever"])(1) is _SLOW
