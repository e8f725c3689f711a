"""The columnar screen and assess_many agree with assess(), row for row."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.strategies import patient_states

import spinerules
from spinerules import assess
from spinerules.batch import RowError, assess_many
from spinerules.columnar import screen_table, table_from_dicts
from spinerules.fields import AXSPA_FEATURES, FIELDS, STARTBACK_ITEM9_CHOICES
from spinerules.registry import default_rule_base

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "patients"
ACTIVITIES = [a.id for a in default_rule_base().activities if a.kind == "exercise"]
ACTIVITY_IDS = st.sampled_from(ACTIVITIES)
RED_FLAGS = [f.id for f in default_rule_base().red_flags]
#: The soon flags a clearance most often acts on (section 3): the limits-plan flags first.
OFTEN_SOON = [
    "cancer_history",
    "malignancy_weight_loss_age",
    "infection_risk_factor",
    "fracture_fragility",
    "radicular_sensory",
    "malignancy_weak_combination",
]


def _expected(state: Any) -> dict[str, Any]:
    a = assess(state, engine="python")
    return {
        "urgency": a.urgency.value,
        "red_flags": [f.id for f in a.red_flags],
        "startback_risk": a.startback.risk if a.startback else None,
        "recommendations": [r.id for r in a.recommendations],
        "error": None,
    }


ROWS_SEEN: list[int] = []


def _random_row(rnd: random.Random) -> dict[str, Any]:
    """A valid flat patient dict drawn from the vocabulary itself: every optional field is
    unanswered about a third of the time, so unknowns are everywhere."""
    row: dict[str, Any] = {
        "age": rnd.randint(16, 95),
        "pain_duration_days": rnd.choice([0, 5, 27, 28, 42, 43, 84, 85, 91, 400]),
    }
    for name, spec in FIELDS.items():
        if spec.required or rnd.random() < 0.35:
            continue
        if spec.kind == "bool":
            row[name] = rnd.random() < 0.3
        elif spec.kind == "enum":
            row[name] = rnd.choice(spec.choices)
        elif spec.kind == "int":
            row[name] = rnd.randint(int(spec.minimum or 0), min(int(spec.maximum or 100), 120))
        elif spec.kind == "float":
            row[name] = round(rnd.uniform(15, 45), 1)
        elif name == "axspa_features":
            row[name] = rnd.sample(AXSPA_FEATURES[1:], rnd.randint(0, 5))
        elif name in ("preferred_activities", "avoid_activities"):
            row[name] = rnd.sample(ACTIVITIES, rnd.randint(0, 3))
        elif name == "clinician_cleared_flags":
            # Revision 3 (section 3): a clearance turns a fired soon flag into a watch item.
            pool = OFTEN_SOON if rnd.random() < 0.7 else RED_FLAGS
            row[name] = rnd.sample(pool, rnd.randint(0, 2))
        elif name == "startback":
            answers: dict[str, Any] = {
                f"item{n}": rnd.random() < 0.5 for n in range(1, 9) if rnd.random() < 0.95
            }
            answers["item9"] = rnd.choice(STARTBACK_ITEM9_CHOICES)
            row[name] = answers
    if "first_back_pain_age" in row:
        row["first_back_pain_age"] = rnd.randint(0, row["age"])
    return row


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_columnar_screen_equals_assess_row_for_row(seed: int) -> None:
    """Differential over 50 x 250 = 12,500 generated rows, unknowns included (hypothesis picks
    the population seeds; a failure reports the seed and the row)."""
    rnd = random.Random(seed)
    rows = [_random_row(rnd) for _ in range(250)]
    out = screen_table(table_from_dicts(rows))
    assert out["row"].to_list() == list(range(len(rows)))
    for row, got in zip(rows, out.iter_rows(named=True), strict=True):
        got.pop("row")
        assert got == _expected(row), row
    ROWS_SEEN.append(len(rows))


def test_the_differential_covered_ten_thousand_rows() -> None:
    """Runs after the property above (file order): it must have seen at least 10,000 rows."""
    assert sum(ROWS_SEEN) >= 10_000, sum(ROWS_SEEN)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(patient_states(ids=ACTIVITY_IDS), min_size=1, max_size=12))
def test_columnar_screen_equals_assess_on_shrinkable_states(states: list[Any]) -> None:
    """The same differential on the shared PatientState strategy (shrinks to a minimal case)."""
    out = screen_table(table_from_dicts(states))
    for state, got in zip(states, out.iter_rows(named=True), strict=True):
        got.pop("row")
        assert got == _expected(state), state.to_dict()


def _example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


BAD_ROWS = [
    ({"age": 15, "pain_duration_days": 3}, "age"),
    ({"age": 40, "pain_duration_days": 3, "leg_pain": "left"}, "leg_pain"),
    ({"age": 40, "pain_duration_days": 3, "pain_intensity": 11}, "pain_intensity"),
    ({"age": 40}, "pain_duration_days"),
    ({"age": 40, "pain_duration_days": 3, "first_back_pain_age": 50}, "first_back_pain_age"),
    (
        {"age": 40, "pain_duration_days": 3, "preferred_activities": ["jogging"]},
        "preferred_activities",
    ),
    ({"age": 40, "pain_duration_days": 3, "axspa_features": ["itchy"]}, "axspa_features"),
    # Revision 3 (C5): advice and comfort are not activities a person can prefer or avoid.
    (
        {"age": 40, "pain_duration_days": 3, "preferred_activities": ["stay_active"]},
        "preferred_activities",
    ),
    (
        {"age": 40, "pain_duration_days": 3, "avoid_activities": ["superficial_heat"]},
        "avoid_activities",
    ),
    # Section 3: clinician_cleared_flags names red flags of the rule base.
    (
        {"age": 40, "pain_duration_days": 3, "clinician_cleared_flags": ["walking"]},
        "clinician_cleared_flags",
    ),
    (
        {"age": 40, "pain_duration_days": 3, "clinician_cleared_flags": ["ces_saddle"] * 2},
        "clinician_cleared_flags",
    ),
]


def test_bad_rows_are_reported_and_the_rest_screened() -> None:
    good = [_example("emergency_cauda_equina"), _example("sciatica"), _example("chronic")]
    rows = [good[0], *(bad for bad, _ in BAD_ROWS), good[1], good[2]]
    out = screen_table(table_from_dicts(rows))
    assert out.height == len(rows)  # nothing dropped
    errors = out["error"].to_list()
    for n, (_, field) in enumerate(BAD_ROWS, start=1):
        assert errors[n] is not None and field in errors[n], (n, errors[n])
        assert out["urgency"][n] is None
    for n, state in ((0, good[0]), (len(rows) - 2, good[1]), (len(rows) - 1, good[2])):
        got = out.row(n, named=True)
        got.pop("row")
        assert got == _expected(state)


def test_unknown_column_is_a_table_error_with_a_suggestion() -> None:
    table = table_from_dicts([{"age": 40, "pain_duration_days": 3}]).with_columns(
        pl.lit(True).alias("saddle_anesthesia")
    )
    with pytest.raises(spinerules.InvalidPatientState, match="saddle_anaesthesia"):
        screen_table(table)


def test_csv_round_trip_with_semicolon_lists(tmp_path: Path) -> None:
    path = tmp_path / "patients.csv"
    path.write_text(
        "age,pain_duration_days,leg_pain,preferred_activities,saddle_anaesthesia\n"
        "40,200,none,yoga;walking,false\n"
        "55,3,both_sides,,true\n"
    )
    from spinerules.columnar import read_table

    out = screen_table(read_table(path))
    assert out["error"].to_list() == [None, None]
    assert out["urgency"].to_list()[1] == "emergency"
    first = {
        "age": 40,
        "pain_duration_days": 200,
        "leg_pain": "none",
        "saddle_anaesthesia": False,
        "preferred_activities": ["yoga", "walking"],
    }
    assert out["recommendations"][0].to_list() == _expected(first)["recommendations"]


@pytest.mark.parametrize("workers", [1, 2])
def test_assess_many_streams_in_order_with_row_errors(workers: int) -> None:
    rows: list[dict[str, Any]] = [
        _example("sciatica"),
        {"age": 15, "pain_duration_days": 3},
        _example("chronic"),
    ]
    results = list(assess_many(rows * 20, workers=workers, engine="python"))
    assert len(results) == 60
    for n, result in enumerate(results):
        if n % 3 == 1:
            assert isinstance(result, RowError) and result.row == n and "age" in result.fields
        else:
            assert isinstance(result, spinerules.Assessment)
            assert result.to_dict() == assess(rows[n % 3], engine="python").to_dict()


def test_cli_screen_writes_results_and_prints_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from spinerules.cli import main

    source = tmp_path / "patients.csv"
    source.write_text(
        "age,pain_duration_days,leg_pain,saddle_anaesthesia\n"
        "40,200,none,false\n55,3,both_sides,true\n30,10,left,\n"
    )
    target = tmp_path / "results.parquet"
    assert main(["screen", str(source), "-o", str(target), "--chunk", "2"]) == 0
    results = pl.read_parquet(target)
    assert results["row"].to_list() == [0, 1, 2]  # chunks keep the row numbers
    assert results["urgency"].to_list() == ["self_care", "emergency", None]
    assert results["error"][2].startswith('leg_pain: "left" is not allowed; expected one of none')
    out = capsys.readouterr()
    assert "urgency emergency" in out.out and "family cauda_equina" in out.out
    assert "rows with errors" in out.out and "3/3 rows" in out.err
