"""The FHIR Questionnaire of the vocabulary, and the state -> response -> state round trip."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from tests.fhir_helpers import validate
from tests.strategies import patient_states

import spinerules
from spinerules import fhir
from spinerules.fhir.questionnaire import ASKED_OF_URL, CORE_URL
from spinerules.fields import FIELDS, STARTBACK_ITEMS
from spinerules.principles import CORE_SAFETY_QUESTIONS


def _ext(item: dict, url: str) -> object:
    return next((e for e in item.get("extension", []) if e["url"] == url), {}).get(
        "valueCode",
        next((e.get("valueBoolean") for e in item.get("extension", []) if e["url"] == url), None),
    )


def test_questionnaire_validates_and_has_one_item_per_field() -> None:
    q = fhir.questionnaire()
    validate(q)
    items = q["item"]
    assert [i["linkId"] for i in items][: len(CORE_SAFETY_QUESTIONS)] == list(CORE_SAFETY_QUESTIONS)
    assert sorted(i["linkId"] for i in items) == sorted(FIELDS)
    for item in items:
        spec = FIELDS[item["linkId"]]
        assert item["text"] == spec.question
        assert _ext(item, ASKED_OF_URL) == spec.asked_of
        assert (_ext(item, CORE_URL) is True) == (item["linkId"] in CORE_SAFETY_QUESTIONS)
        assert item.get("required", False) == spec.required
        if spec.kind in ("enum", "set"):
            assert [o["valueCoding"]["code"] for o in item["answerOption"]] == list(spec.choices)
    clinician = {i["linkId"] for i in items if _ext(i, ASKED_OF_URL) == "clinician"}
    assert {"pulsatile_abdominal_mass", "hla_b27"} <= clinician
    (sb,) = [i for i in items if i["linkId"] == "startback"]
    assert [s["linkId"] for s in sb["item"]] == [f"startback.{k}" for k in STARTBACK_ITEMS]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patient_states())
def test_state_to_response_to_state_round_trips(state: spinerules.PatientState) -> None:
    response = fhir.questionnaire_response(state, authored="2024-01-20", author="Practitioner/c1")
    reading = fhir.read(response, reference_date=dt.date(2024, 1, 20))
    assert [i for i in reading.issues if i.severity != "information"] == []
    assert reading.state == state
    assert all(
        p.sources[0].resource_type == "QuestionnaireResponse" for p in reading.provenance.values()
    )


@settings(max_examples=25, deadline=None)
@given(patient_states())
def test_responses_validate_as_r4(state: spinerules.PatientState) -> None:
    validate(fhir.questionnaire_response(state, subject="Patient/p1", authored="2024-01-20"))


def test_an_unanswered_core_question_gives_an_incomplete_screen() -> None:
    state = spinerules.PatientState(age=40, pain_duration_days=5, saddle_anaesthesia=False)
    reading = fhir.read(fhir.questionnaire_response(state))
    assert reading.state == state
    assert spinerules.assess(reading.require_state(), engine="python").screen_complete is False


def test_bad_answers_are_issues_with_their_path() -> None:
    response = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "item": [
            {"linkId": "age", "answer": [{"valueInteger": 40}]},
            {"linkId": "pain_duration_days", "answer": [{"valueInteger": 5}]},
            {"linkId": "fever", "answer": [{"valueString": "yes"}]},
            {"linkId": "saddle_anesthesia", "answer": [{"valueBoolean": True}]},
            {"linkId": "leg_pain", "answer": [{"valueCoding": {"code": "one-side"}}]},
            {
                "linkId": "urinary_retention",
                "answer": [{"valueBoolean": True}, {"valueBoolean": False}],
            },
        ],
    }
    r = fhir.read(response)
    by_path = {i.path: i.message for i in r.issues}
    assert "expected one of valueBoolean" in by_path["QuestionnaireResponse.item[2].answer[0]"]
    assert "did you mean 'saddle_anaesthesia'" in by_path["QuestionnaireResponse.item[3].linkId"]
    assert "did you mean 'one_side'" in by_path["QuestionnaireResponse.item[4].answer[0]"]
    assert "cannot both be trusted" in by_path["QuestionnaireResponse.item[5].answer"]
    state = r.require_state()
    assert (state.fever, state.saddle_anaesthesia, state.leg_pain, state.urinary_retention) == (
        None,
    ) * 4
