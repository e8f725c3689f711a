"""spinerules.fhir.to_bundle and the ``fhir`` format: valid R4, every red flag, the disclaimer."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.fhir_helpers import ANNA, back_pain, bundle, condition, load, patient, validate
from tests.strategies import patient_states

import spinerules
from spinerules import fhir
from spinerules.formats.contract import check_output
from spinerules.registry import default_rule_base

EXERCISES = st.sampled_from([x.id for x in default_rule_base().activities if x.kind == "exercise"])

WHEN = dt.datetime(2024, 1, 20, 9, 30, tzinfo=dt.UTC)
CORE = {
    "saddle_anaesthesia": False, "urinary_retention": False, "urinary_incontinence": False,
    "faecal_incontinence": False, "leg_pain": "none", "leg_numbness_or_tingling": "none",
    "leg_weakness": "none", "history_of_cancer": False, "fever": False, "major_trauma": False,
}  # fmt: skip
STARTBACK = {f"item{i}": i % 2 == 0 for i in range(1, 9)} | {"item9": "very_much"}


def _assess(**answers: object) -> spinerules.Assessment:
    return spinerules.assess({"age": 45, "pain_duration_days": 20, **answers}, engine="python")


def _resources(b: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == kind]


def _check(a: spinerules.Assessment, b: dict) -> None:
    validate(b)
    flags, issues = _resources(b, "Flag"), _resources(b, "DetectedIssue")
    assert [f["code"]["coding"][0]["code"] for f in flags] == [f.id for f in a.red_flags]
    assert [i["code"]["coding"][0]["code"] for i in issues] == [f.id for f in a.red_flags]
    for flag, issue, finding in zip(flags, issues, a.red_flags, strict=True):
        assert flag["extension"][0]["valueReference"]["reference"] == f"urn:uuid:{issue['id']}"
        assert finding.action in issue["detail"] and finding.action in flag["code"]["text"]
        assert issue["mitigation"][0]["action"]["text"] == finding.action
    (risk,) = _resources(b, "RiskAssessment")
    assert risk["note"][0]["text"] == a.disclaimer
    if a.urgency >= spinerules.Urgency.URGENT:  # principle 9: nothing reassuring beside it
        assert not any(w.advice in n["text"] for n in risk["note"] for w in a.watch)
        assert all(any(w.title in n["text"] for n in risk["note"]) for w in a.watch)  # kept
    assert risk["prediction"][0]["outcome"]["coding"][0]["code"] == a.urgency.value
    (guidance,) = _resources(b, "GuidanceResponse")
    assert guidance["identifier"][0]["value"] == f"{a.ruleset.version}+{a.ruleset.hash}"
    assert guidance["status"] == ("success" if a.screen_complete else "data-requested")
    (plan,) = _resources(b, "CarePlan")
    assert plan["intent"] == "proposal"
    activities = [x["detail"] for x in plan.get("activity", []) if not x["detail"]["doNotPerform"]]
    assert [(d["code"]["coding"][0]["code"], d["scheduledString"]) for d in activities] == [
        (r.id, r.dose) for r in a.recommendations
    ]
    (provenance,) = _resources(b, "Provenance")
    ids = {e["resource"]["id"] for e in b["entry"]} - {provenance["id"]}
    assert {t["reference"].removeprefix("urn:uuid:") for t in provenance["target"]} == ids


def test_an_emergency_with_many_flags() -> None:
    a = _assess(
        **CORE | {"saddle_anaesthesia": True, "urinary_retention": True, "history_of_cancer": True}
    )
    assert a.urgency is spinerules.Urgency.EMERGENCY and len(a.red_flags) >= 3
    b = fhir.to_bundle(a, "Patient/p1", when=WHEN)
    _check(a, b)
    assert _resources(b, "CarePlan")[0].get("activity") is None  # no programme at emergency


def test_an_urgent_bundle_carries_no_watch_reassurance() -> None:
    a = _assess(
        **CORE
        | {
            "leg_pain": "one_side",
            "leg_numbness_or_tingling": "one_side",
            "leg_weakness": "stable",
        },
        leg_weakness_sides="both_sides",
        neuro_symptoms_course="stable_2_to_12_weeks",
    )
    assert a.urgency is spinerules.Urgency.URGENT and a.watch  # the case this test is about
    _check(a, fhir.to_bundle(a, "Patient/p1", when=WHEN))


def test_a_full_plan_with_startback() -> None:
    a = _assess(**CORE, startback=STARTBACK)
    assert a.screen_complete and a.recommendations and a.startback is not None
    b = fhir.to_bundle(a, "Patient/p1", when=WHEN)
    _check(a, b)
    (obs,) = _resources(b, "Observation")
    assert (
        obs["code"]["coding"][0]["code"] == "91351-7" and obs["valueInteger"] == a.startback.total
    )
    (risk,) = _resources(b, "RiskAssessment")
    assert risk["basis"][0]["reference"] == f"urn:uuid:{obs['id']}"
    assert any(x["detail"]["doNotPerform"] for x in _resources(b, "CarePlan")[0]["activity"])


def test_an_incomplete_screen_asks_for_its_questions() -> None:
    a = _assess()
    b = fhir.to_bundle(a, when=WHEN)
    _check(a, b)
    (guidance,) = _resources(b, "GuidanceResponse")
    asked = [c["code"] for c in guidance["dataRequirement"][0]["codeFilter"][0]["code"]]
    assert asked == list(a.unanswered)
    assert _resources(b, "RiskAssessment")[0]["subject"] == {
        "display": "the person assessed (no Patient reference given)"
    }


def test_the_same_assessment_at_the_same_time_gives_the_same_bundle() -> None:
    a = _assess(**CORE)
    assert fhir.to_bundle(a, "Patient/p1", when=WHEN) == fhir.to_bundle(a, "Patient/p1", when=WHEN)
    assert fhir.to_bundle(a, "Patient/p1", when=WHEN) != fhir.to_bundle(a, "Patient/p2", when=WHEN)


def test_evidence_points_to_the_records_it_came_from() -> None:
    r = fhir.read(
        bundle(
            patient(),
            back_pain(),
            condition("c1", "363346000", clinical="resolved"),
            condition("c2", "64859006", system="http://hl7.org/fhir/sid/icd-10"),
        ),
        reference_date=dt.date(2024, 1, 20),
    )
    state = r.require_state()
    a = spinerules.assess(state, engine="python")
    b = fhir.to_bundle(a, r.patient_ref, when=WHEN, reading=r)
    _check(a, b)
    cancer = [
        i
        for i in _resources(b, "DetectedIssue")
        if "history_of_cancer" in json.dumps(i["evidence"])
    ]
    assert cancer and {"reference": "Condition/c1"} in cancer[0]["evidence"][0]["detail"]
    (provenance,) = _resources(b, "Provenance")
    assert {"role": "source", "what": {"reference": "Condition/c1"}} in provenance["entity"]
    (outcome,) = _resources(b, "OperationOutcome")
    assert len(outcome["issue"]) == len(r.issues)


def test_the_fhir_format_keeps_the_format_contract() -> None:
    assert spinerules.registry.current_formats()["fhir"].media_type == "application/fhir+json"
    r = fhir.read(load(ANNA), reference_date=dt.date(2020, 5, 19))
    a = spinerules.assess(r.require_state(), engine="python")
    out = spinerules.render(a, "fhir", patient_ref=r.patient_ref, reading=r, when=WHEN)
    _check(a, json.loads(out))
    check_output(a, out, name="fhir", plugin="spinerules", media_type="application/fhir+json")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patient_states(ids=EXERCISES))
def test_every_red_flag_is_in_every_bundle(state: spinerules.PatientState) -> None:
    a = spinerules.assess(state, engine="python")
    out = spinerules.render(a, "fhir", patient_ref="Patient/p1", when=WHEN)
    _check(a, json.loads(out))
