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
