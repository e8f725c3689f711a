"""``assess_many``: each call is its own stream (issue 8, item 8: no per-call state in globals)."""

from __future__ import annotations

from typing import Any

import pytest

import spinerules
from spinerules import assess
from spinerules.batch import RowError, assess_many

CHRONIC: dict[str, Any] = {"age": 40, "pain_duration_days": 200, "leg_pain": "none"}


def _profiles(results: list[Any]) -> set[str]:
    return {a.ruleset.profile for a in results}


def test_interleaved_streams_keep_their_own_options() -> None:
    """A ``nice`` stream read alternately with an ``acp`` stream stays ``nice`` throughout."""
    nice = assess_many([CHRONIC] * 4, profile="nice", engine="python")
    acp = assess_many([CHRONIC] * 4, profile="acp", engine="python")
    got: dict[str, list[Any]] = {"nice": [], "acp": []}
    for _ in range(4):
        got["nice"].append(next(nice))
        got["acp"].append(next(acp))
    assert _profiles(got["nice"]) == {"nice"}
    assert _profiles(got["acp"]) == {"acp"}
    expected = {p: assess(CHRONIC, profile=p, engine="python").to_dict() for p in ("nice", "acp")}
    for profile, results in got.items():
        assert [r.to_dict() for r in results] == [expected[profile]] * 4


def test_a_stream_started_later_does_not_change_one_in_progress() -> None:
    first = assess_many([CHRONIC] * 3, profile="acp", engine="python")
    assert next(first).ruleset.profile == "acp"
    assert next(assess_many([CHRONIC], profile="nice", engine="python")).ruleset.profile == "nice"
    assert [a.ruleset.profile for a in first] == ["acp", "acp"]


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "2"])
def test_workers_and_chunksize_must_be_positive_integers(bad: Any) -> None:
    with pytest.raises(ValueError, match="workers"):
        list(assess_many([CHRONIC], workers=bad))
    with pytest.raises(ValueError, match="chunksize"):
        list(assess_many([CHRONIC], chunksize=bad))


def test_a_bad_profile_is_one_error_not_a_row_error_per_row() -> None:
    from spinerules import InvalidPatientState

    with pytest.raises(InvalidPatientState, match="profile"):
        list(assess_many([CHRONIC] * 3, profile="nicee"))


def test_row_errors_keep_their_position_between_good_rows() -> None:
    rows = [CHRONIC, {"age": "forty", "pain_duration_days": 3}, CHRONIC]
    results = list(assess_many(rows, engine="python"))
    assert isinstance(results[1], RowError) and results[1].row == 1
    assert results[1].fields == ("age",)
    assert [type(r).__name__ for r in results] == ["Assessment", "RowError", "Assessment"]


def test_rule_bases_and_programs_are_cached_within_a_bound() -> None:
    """A thresholds sweep (here 70 values) must not keep 70 rule bases and programs for ever."""
    from spinerules import registry
    from spinerules.engine import get_engine
    from spinerules.engine import python as python_engine

    engine = get_engine("python")
    for age in range(40, 110):
        thresholds = spinerules.Thresholds(malignancy_age=age)
        result = spinerules.assess(
            {"age": 55, "pain_duration_days": 10, "history_of_cancer": True},
            engine="python",
            thresholds=thresholds,
        )
        assert result.urgency.value != "self_care"  # a cancer history is a flag at any cut-off
    assert len(registry._state["rule_bases"]) <= registry.RULE_BASE_CACHE_SIZE
    assert len(engine._programs) <= python_engine.PROGRAM_CACHE_SIZE  # type: ignore[attr-defined]


DYING_WORKER = """
import json, sys
from dying_row import DyingRow
from spinerules import EngineError
from spinerules.batch import assess_many

rows = [{"age": 40, "pain_duration_days": 10}] * 70 + [DyingRow()] + [{"age": 41, "pain_duration_days": 3}] * 30
seen = 0
try:
    for result in assess_many(rows, workers=2, chunksize=16, engine="python"):
        seen += 1
    print(json.dumps({"seen": seen, "error": None}))
except EngineError as error:
    print(json.dumps({"seen": seen, "error": str(error)}))
"""


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    """multiprocessing.Pool replaced a dead worker and waited for its lost chunk for ever."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    tests = Path(__file__).resolve().parent
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tests), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", DYING_WORKER],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tests,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["error"] is not None and "a worker process stopped" in out["error"], out
    first, last = map(int, out["error"].split("rows ")[1].split(" were")[0].split(".."))
    assert first == out["seen"] and first <= 70 <= last  # the rows before arrived, in order


def test_a_row_that_cannot_be_sent_to_a_worker_is_still_a_row_error() -> None:
    rows: list[Any] = [{"age": 40, "pain_duration_days": 10}] * 5
    rows.insert(2, {"age": 40, "pain_duration_days": 10, "fever": lambda: True})  # no pickle
    results = list(assess_many(rows, workers=2, chunksize=2, engine="python"))
    assert [type(r).__name__ for r in results] == ["Assessment"] * 2 + ["RowError"] + [
        "Assessment"
    ] * 3
    error = results[2]
    assert isinstance(error, RowError) and error.row == 2 and "fever" in error.message
