"""STarT Back scoring through ``assess`` (clinical.md section 5, C10, C13).

The external vectors come from /work/shared/fixtures/startback/score_test_vectors.json
(transcribed from awell-health/awell-score's unit tests): Q01–Q08 are 0/1 and Q09 is 0..4.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import spinerules
from spinerules import Assessment
from vignettes import ENGINES, complete_screen

v = complete_screen
VECTORS = Path("/work/shared/fixtures/startback/score_test_vectors.json")
ITEMS = tuple(f"item{n}" for n in range(1, 10))
ITEM9 = ("not_at_all", "slightly", "moderately", "very_much", "extremely")
NO = {**{f"item{n}": False for n in range(1, 9)}, "item9": "not_at_all"}


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _assess(state: dict[str, Any], engine: str) -> Assessment:
    return spinerules.assess(state, engine=engine)


def _scored(answers: dict[str, Any], engine: str, **state: Any) -> spinerules.StartBack:
    a = _assess(v(startback=answers, **state), engine)
    assert a.startback is not None, f"not scored; missing {a.startback_missing}"
    assert a.startback_missing == ()
    return a.startback


def _answers(total: int, subscale: int, item9: str = "very_much") -> dict[str, Any]:
    """Answers realising a total and a psychosocial subscale (items 5–9)."""
    physical = total - subscale
    assert 0 <= physical <= 4 and 0 <= subscale <= 5
    answers: dict[str, Any] = dict(NO)
    for n in range(1, physical + 1):
        answers[f"item{n}"] = True
    psych = ["item9", "item5", "item6", "item7", "item8"][:subscale]
    for item in psych:
        answers[item] = item9 if item == "item9" else True
    return answers


def _from_fixture(item_input: dict[str, int]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for key, value in item_input.items():
        n = int(key.removeprefix("Q"))
        if n == 9:
            answers["item9"] = ITEM9[value]
        else:  # 0/1 -> False/True; anything else is passed through to be rejected
            answers[f"item{n}"] = {0: False, 1: True}.get(value, value)
    return answers


def _fixture_cases() -> list[Any]:
    data = json.loads(VECTORS.read_text())["start_back_screening_tool"]
    return [pytest.param(case, id=case["name"]) for case in data["cases"]]


FIXTURE_CASES = _fixture_cases()


def test_fixture_has_cases() -> None:
    names = {p.id for p in FIXTURE_CASES}
    assert {"min", "median", "max", "random", "classifyRisk-unit", "invalid-Q01=2"} <= names


@pytest.mark.parametrize("case", FIXTURE_CASES)
def test_fixture_vector(engine: str, case: dict[str, Any]) -> None:
    given, expected = case["input"], case["expected"]
    if expected.get("error") == "validation":
        with pytest.raises(spinerules.InvalidPatientState) as error:
            _assess(v(startback=_from_fixture(given)), engine)
        assert "startback.item1" in str(error.value)
        return
    if "totalScore" in given:  # a classifier-only case: build answers that realise it
        answers = _answers(given["totalScore"], given["subscaleScore"])
        expected = {"total": given["totalScore"], "subscale": given["subscaleScore"], **expected}
    else:
        answers = _from_fixture(given)
    score = _scored(answers, engine)
    assert (score.total, score.subscale, score.risk) == (
        expected["total"],
        expected["subscale"],
        expected["risk"],
    )


WORKED = [
    (0, 0, "low"),
    (3, 3, "low"),
    (4, 0, "medium"),
    (4, 2, "medium"),
    (4, 3, "medium"),
    (4, 4, "high"),
    (5, 4, "high"),
    (9, 5, "high"),
]


@pytest.mark.parametrize(("total", "subscale", "risk"), WORKED, ids=str)
@pytest.mark.parametrize("item9", ["very_much", "extremely"])
def test_worked_checks(engine: str, total: int, subscale: int, risk: str, item9: str) -> None:
    score = _scored(_answers(total, subscale, item9), engine)
    assert (score.total, score.subscale, score.risk) == (total, subscale, risk)


@pytest.mark.parametrize(
    ("item9", "points"),
    [("not_at_all", 0), ("slightly", 0), ("moderately", 0), ("very_much", 1), ("extremely", 1)],
)
def test_item9_scores_only_very_much_or_extremely(engine: str, item9: str, points: int) -> None:
    # Items 1–3 agreed: total 3 (low) unless item 9 scores, which makes 4 (medium).
    answers = {**NO, "item1": True, "item2": True, "item3": True, "item9": item9}
    score = _scored(answers, engine)
    assert score.total == 3 + points
    assert score.subscale == points
    assert score.risk == ("medium" if points else "low")


def test_moderately_is_not_high(engine: str) -> None:
    answers = {**NO, "item5": True, "item6": True, "item7": True, "item9": "moderately"}
    score = _scored(answers, engine)
    assert (score.total, score.subscale, score.risk) == (3, 3, "low")
    score = _scored({**answers, "item9": "very_much"}, engine)
    assert (score.total, score.subscale, score.risk) == (4, 4, "high")


def test_subscale_is_checked_before_total(engine: str) -> None:
    # total 4 with subscale 4: high, not medium; total 3 never reaches high.
    assert _scored(_answers(4, 4), engine).risk == "high"
    assert _scored(_answers(8, 4), engine).risk == "high"
    assert _scored(_answers(7, 3, "extremely"), engine).risk == "medium"


@pytest.mark.parametrize("item", ITEMS)
def test_missing_item_is_not_scored(engine: str, item: str) -> None:
    answers = {k: val for k, val in _answers(6, 4).items() if k != item}
    a = _assess(v(startback=answers), engine)
    assert a.startback is None
    assert a.startback_missing == (item,)
    assert a.to_dict()["startback"] is None
    # the JSON form still says it was not scored, and which item is missing
    as_json = json.dumps(a.to_dict())
    assert "not scored" in as_json.lower()
    assert item in as_json


def test_null_item_is_missing(engine: str) -> None:
    a = _assess(v(startback={**NO, "item4": None, "item9": None}), engine)
    assert a.startback is None
    assert a.startback_missing == ("item4", "item9")


def test_no_startback_is_not_scored(engine: str) -> None:
    a = _assess(v(), engine)
    assert a.startback is None
    assert set(a.startback_missing) == set(ITEMS)
    assert a.to_dict()["startback"] is None


@pytest.mark.parametrize(
    ("flag", "urgency"),
    [
        pytest.param({"saddle_anaesthesia": True}, "emergency", id="emergency"),
        pytest.param({"fever": True}, "urgent", id="urgent"),
    ],
)
def test_c10_scored_whatever_the_urgency_but_no_matched_care_without_a_plan(
    engine: str, flag: dict[str, Any], urgency: str
) -> None:
    a = _assess(v(startback=_answers(5, 4), **flag), engine)
    assert a.urgency.value == urgency
    assert a.recommendations == ()
    assert a.startback is not None
    assert (a.startback.total, a.startback.subscale, a.startback.risk) == (5, 4, "high")
    assert a.startback.matched_care is None
    assert a.to_dict()["startback"]["risk"] == "high"
    assert a.to_dict()["startback"]["matched_care"] is None


#: Section 5 and R3-18: each stratum's advice names its route in lay words. Read for meaning,
#: not exact prose: the route (who to ask, self-referral) and what the care is.
ROUTES = {
    "low": ("yourself",),
    "medium": ("physiotherapy", "gp", "refer yourself"),
    "high": ("physiotherapy", "gp", "worry", "low mood", "refer yourself"),
}


@pytest.mark.parametrize(
    ("total", "subscale", "risk"),
    [
        pytest.param(2, 1, "low", id="low"),
        pytest.param(5, 2, "medium", id="medium"),
        pytest.param(6, 5, "high", id="high"),
    ],
)
def test_matched_care_with_a_plan(engine: str, total: int, subscale: int, risk: str) -> None:
    a = _assess(v(startback=_answers(total, subscale)), engine)
    assert a.recommendations
    assert a.startback is not None and a.startback.risk == risk
    care = a.startback.matched_care
    assert care is not None
    low = care.lower()
    for words in ROUTES[risk]:
        assert words in low, (risk, words)
    # low risk is self-management: no referral route is offered
    assert ("refer" in low) is (risk != "low")
    # every stratum gets advice, reassurance and keep-active messages
    for advice in ("advice", "reassurance", "active"):
        assert advice in low, (risk, advice)


def test_matched_care_never_says_self_management_only_beside_a_review(engine: str) -> None:
    a = _assess(
        v(startback=_answers(1, 0), leg_weakness="stable", leg_weakness_sides="one_side"), engine
    )
    assert a.urgency.value == "soon"
    assert a.recommendations
    assert a.startback is not None and a.startback.risk == "low"
    care = a.startback.matched_care
    assert care is not None  # a plan is shown, so matched care is too
    assert "self-management only" not in care.lower()
    # beside a flag that asks for a review, the care says the review comes first
    assert "review" in care.lower()
    plain = _assess(v(startback=_answers(1, 0)), engine).startback
    assert plain is not None and plain.matched_care is not None
    assert "review" not in plain.matched_care.lower()


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param({"history_of_cancer": True}, id="limits-plan-flag"),
        pytest.param({"fever": None}, id="incomplete-screen"),
    ],
)
def test_c10_scored_but_no_matched_care_under_a_limited_plan(
    engine: str, limit: dict[str, Any]
) -> None:
    """Principle 2 and 3: "no matched-care or 'do not' list" beside a limited plan; the score
    itself is still reported (C10)."""
    a = _assess(v(startback=_answers(5, 2), **limit), engine)
    assert a.recommendations and a.urgency.value in ("soon", "self_care")
    assert a.startback is not None and a.startback.risk == "medium"
    assert a.startback.matched_care is None
    assert a.advice_against == ()


def test_startback_credits_keele(engine: str) -> None:
    score = _scored(_answers(0, 0), engine)
    assert "keele" in score.credit.lower()
