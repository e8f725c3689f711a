"""Check-ins and episodes: validated like a PatientState, a clear error naming the field."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_helpers import START, checkin_dict
from spinerules import InvalidPatientState
from spinerules.course import CheckIn, Episode, Peg


def test_a_checkin_is_the_flat_state_with_three_more_keys() -> None:
    data = checkin_dict(0, 6)
    c = CheckIn.from_dict(data)
    assert c.date == START
    assert c.exercise_sessions_done == 4
    assert c.peg == Peg(6, 5, 6)
    assert c.peg.score == round(17 / 3, 2)
    assert c.state.pain_intensity == 6
    assert CheckIn.from_dict(c.to_dict()) == c


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"exercise_sessions_done": -1}, "exercise_sessions_done"),
        ({"exercise_sessions_done": 51}, "exercise_sessions_done"),
        ({"exercise_sessions_done": 3.0}, "exercise_sessions_done"),
        ({"exercise_sessions_done": True}, "exercise_sessions_done"),
        ({"peg": {"pain": 11, "enjoyment": 1, "activity": 1}}, "peg.pain"),
        ({"peg": {"pain": 1, "enjoyment": -1, "activity": 1}}, "peg.enjoyment"),
        ({"peg": {"pain": 1, "enjoyment": 1}}, "peg.activity"),
        ({"peg": {"pain": 1, "enjoyment": 1, "activity": 1, "mood": 2}}, "peg.mood"),
        ({"peg": [1, 2, 3]}, "peg"),
        ({"date": "2026-13-01"}, "date"),
        ({"date": "5 Jan 2026"}, "date"),
        ({"date": None}, "date"),
        ({"pain_intensity": 12}, "pain_intensity"),
        ({"agee": 40}, "agee"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, object], field: str) -> None:
    data = {**checkin_dict(0, 5), **change}
    if change.get("date", "") is None:
        del data["date"]
    with pytest.raises(InvalidPatientState) as raised:
        CheckIn.from_dict(data)
    assert field in str(raised.value).split(":")[0] or field in raised.value.fields


def test_a_date_in_the_future_is_refused_naming_the_date() -> None:
    with pytest.raises(InvalidPatientState, match=r"^date: .* in the future"):
        CheckIn.from_dict(checkin_dict(3), today=START)


def test_an_episode_is_strictly_in_date_order() -> None:
    a, b = CheckIn.from_dict(checkin_dict(0)), CheckIn.from_dict(checkin_dict(1))
    assert Episode("p1", [a, b]).baseline == a
    with pytest.raises(InvalidPatientState, match=r"^date: .* not after the previous"):
        Episode("p1", [b, a])
    with pytest.raises(InvalidPatientState, match=r"^date"):
        Episode("p1", [a, a])


@pytest.mark.parametrize("person", ["", "a b", "x" * 65, 7, None, "-lead", "é"])
def test_a_person_id_is_pseudonymous_and_short(person: object) -> None:
    with pytest.raises(InvalidPatientState, match=r"^person:"):
        Episode(person, [])  # type: ignore[arg-type]


def test_unanswered_sessions_are_unknown_not_zero() -> None:
    data = checkin_dict(0)
    del data["exercise_sessions_done"]
    assert CheckIn.from_dict(data).exercise_sessions_done is None


@given(st.integers(0, 10), st.integers(0, 10), st.integers(0, 10))
def test_peg_score_is_the_mean_of_its_items(p: int, e: int, a: int) -> None:
    assert Peg(p, e, a).score == round((p + e + a) / 3, 2)


def test_a_checkin_date_is_a_date() -> None:
    c = CheckIn.from_dict(checkin_dict(0))
    with pytest.raises(InvalidPatientState, match=r"^date"):
        CheckIn(dt.datetime(2026, 1, 1), c.state)


def test_the_public_api_exports_the_course_values() -> None:
    import spinerules
    from spinerules import course

    assert spinerules.CheckIn is course.CheckIn and spinerules.checkin is course.checkin
    assert {"CheckIn", "Episode", "checkin"} <= set(spinerules.__all__)
