"""spinerules.fhir.read: Synthea bundles, provenance, status rules, data quality, bad input."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.fhir_helpers import (
    ANNA,
    DARYL,
    FIXTURES,
    ICD10,
    SCT,
    back_pain,
    bundle,
    condition,
    load,
    patient,
)

import spinerules
from spinerules import fhir
from spinerules.fhir import reading
from spinerules.fields import FIELDS
from spinerules.principles import CORE_SAFETY_QUESTIONS

DAY = dt.date(2024, 1, 20)


def _read(*resources: dict, day: dt.date = DAY) -> fhir.Reading:
    return fhir.read(bundle(patient(), back_pain(), *resources), reference_date=day)


def _statuses(r: fhir.Reading, field: str) -> list[str]:
    return [e.status for e in r.provenance[field].evidence]


# --- Synthea ---------------------------------------------------------------------------------


def test_anna_maps_each_field_with_its_provenance() -> None:
    r = fhir.read(load(ANNA), reference_date=dt.date(2020, 5, 19))
    assert dict(r.values) == {
        "age": 36,
        "sex": "female",
        "bmi": 28.21,
        "pain_duration_days": 2295,
        "pain_intensity": 0,
        "smokes_or_smoked": False,
    }
    assert r.state is not None and r.state.age == 36
    assert r.patient_ref == "urn:uuid:0a56854c-d96f-e6b8-40fb-d55b3e438d27"
    (age,) = r.provenance["age"].sources
    assert (age.resource_type, age.element, age.date) == (
        "Patient",
        "Patient.birthDate",
        "1984-01-16",
    )
    (episode,) = r.provenance["pain_duration_days"].sources
    assert episode.resource_type == "Condition"
    assert episode.id == "8ded196c-bc5c-80cd-e9b5-b69300c87c92"
    assert episode.code == f"{SCT}|278860009"
    assert episode.element == "Condition.code.coding[0]"
    assert episode.date == "2014-02-05T19:41:48-05:00"
    (bmi,) = r.provenance["bmi"].sources
    assert bmi.code == "http://loinc.org|39156-5" and bmi.date.startswith("2020-05-18")
    (pain,) = r.provenance["pain_intensity"].sources
    assert pain.code == "http://loinc.org|72514-3" and pain.date.startswith("2020-05-18")
    # every older pain rating is kept, and says why it was not used
    statuses = set(_statuses(r, "pain_intensity")) - {"used"}
    assert statuses <= {"stale", "superseded"} and statuses
    # nine "never smoker" statuses, all used, none contradicted
    assert _statuses(r, "smokes_or_smoked") == ["used"] * 9


def test_anna_resolved_pregnancies_and_normal_temperatures_answer_nothing() -> None:
    r = fhir.read(load(ANNA), reference_date=dt.date(2020, 5, 19))
    assert r.state is not None and r.state.pregnant is None and r.state.fever is None
    assert _statuses(r, "pregnant") == ["inactive"] * 4
    assert _statuses(r, "fever") == ["not-an-answer"] * 2
    assert "below 38" in r.provenance["fever"].evidence[0].note


def test_anna_with_core_questions_unanswered_is_an_incomplete_screen() -> None:
    r = fhir.read(load(ANNA), reference_date=dt.date(2020, 5, 19))
    a = spinerules.assess(r.require_state(), engine="python")
    assert a.screen_complete is False
    assert set(CORE_SAFETY_QUESTIONS) <= set(a.unanswered)
    assert all(r.require_state().value(q) is None for q in CORE_SAFETY_QUESTIONS)


def test_peg_decimal_item_is_rounded_and_says_so() -> None:
    # 2014-04-07: PEG item 75893-8 = 4.3375 (Synthea writes decimals); the 72514-3 rating of
    # 2014-04-14 is after the reference date and not used.
    r = fhir.read(load(ANNA), reference_date=dt.date(2014, 4, 10))
    assert r.values["pain_intensity"] == 4
    (used,) = [e for e in r.provenance["pain_intensity"].evidence if e.status == "used"]
    assert used.source.element == "Observation.component[2]"
    assert used.source.code == "http://loinc.org|75893-8"
    assert "4.3375" in used.note and "rounded to 4" in used.note
    after = [
        e for e in r.provenance["pain_intensity"].evidence if "after the reference date" in e.note
    ]
    assert after and all(e.status == "stale" for e in after)


def test_round_half_up_is_not_bankers_rounding() -> None:
    from spinerules.fhir.records import round_half_up

    assert [round_half_up(x) for x in (6.06, 6.5, 7.5, 0.49, 9.5)] == [6, 7, 8, 0, 10]


@pytest.mark.parametrize("day", [dt.date(2020, 5, 19), None])
def test_daryl_a_child_is_refused_clearly(day: dt.date | None) -> None:
    r = fhir.read(load(DARYL), reference_date=day)
    assert r.state is None
    errors = {i.field: i.message for i in r.issues if i.severity == "error"}
    assert "16 and over" in errors["age"]
    assert "pain_duration_days" in errors
    with pytest.raises(fhir.InvalidFHIRInput, match="age"):
        r.require_state()


# --- absence, negation, status ------------------------------------------------------------------


def test_absence_never_answers_a_symptom() -> None:
    r = _read()
    state = r.require_state()
    for name in FIELDS:
        if name in ("age", "sex", "pain_duration_days"):
            continue
        assert state.value(name) in (None, (), frozenset()), name
        assert name not in r.provenance
    assert r.values == {"age": 53, "sex": "female", "pain_duration_days": 10}


def test_refuted_is_an_explicit_no_and_is_stated() -> None:
    r = _read(condition("d1", "73211009", verification="refuted"))
    assert r.values["diabetes"] is False
    assert _statuses(r, "diabetes") == ["refuted"]


def test_entered_in_error_inactive_and_unconfirmed_answer_nothing() -> None:
    r = _read(
        condition("o1", "64859006", verification="entered-in-error"),
        condition("o2", "64859006", clinical="resolved"),
        condition("d1", "73211009", verification="provisional"),
    )
    state = r.require_state()
    assert state.osteoporosis is None and state.diabetes is None
    assert _statuses(r, "osteoporosis") == ["entered-in-error", "inactive"]
    assert _statuses(r, "diabetes") == ["unconfirmed"]
    assert any(i.field == "diabetes" and "provisional" in i.message for i in r.issues)


def test_a_resolved_cancer_is_still_a_history_of_cancer() -> None:
    r = _read(condition("c1", "363346000", clinical="resolved", onset="2001-05-01"))
    assert r.values["history_of_cancer"] is True
    assert "ever had" in r.provenance["history_of_cancer"].evidence[0].note


def test_icd10_prefixes_and_the_skin_cancer_exclusion() -> None:
    r = _read(
        condition("c1", "C44.91", system=ICD10, clinical="resolved"),
        condition("e1", "E11.9", system=ICD10),
    )
    assert "history_of_cancer" not in r.values
    assert r.values["diabetes"] is True
    (source,) = r.provenance["diabetes"].sources
    assert source.code == f"{ICD10}|E11.9"


def test_a_recent_field_needs_a_recent_record() -> None:
    old = condition("f1", "386661006", onset="2023-12-01")
    assert _read(old).require_state().fever is None
    assert _read(condition("f2", "386661006", onset="2024-01-18")).require_state().fever is True
    # the window is a parameter
    wide = fhir.read(bundle(patient(), back_pain(), old), reference_date=DAY, windows={"fever": 60})
    assert wide.require_state().fever is True


def test_a_conflict_keeps_the_more_serious_answer_and_says_so() -> None:
    qr = fhir.questionnaire_response(
        spinerules.PatientState(age=53, pain_duration_days=10, fever=False), authored="2024-01-20"
    )
    qr["id"] = "qr1"
    r = _read(qr, condition("f2", "386661006", onset="2024-01-19"))
    assert r.values["fever"] is True
    assert sorted(_statuses(r, "fever")) == ["outweighed", "used"]
    assert any(i.field == "fever" and "both yes" in i.message for i in r.issues)


def test_records_about_someone_else_are_not_used() -> None:
    r = _read(condition("d1", "73211009", subject="Patient/other"))
    assert "diabetes" not in r.values
    assert any("not the Patient read" in i.message for i in r.issues)


def test_steroids_need_90_days() -> None:
    def statement(sid: str, start: str, end: str) -> dict:
        return {
            "resourceType": "MedicationStatement",
            "id": sid,
            "status": "completed",
            "subject": {"reference": "Patient/p1"},
            "medicationCodeableConcept": {
                "coding": [
                    {
                        "system": "http://www.whocc.no/atc",
                        "code": "H02AB06",
                        "display": "prednisolone",
                    }
                ]
            },
            "effectivePeriod": {"start": start, "end": end},
        }

    assert (
        _read(statement("m1", "2023-01-01", "2023-01-10")).require_state().long_term_corticosteroids
        is None
    )
    r = _read(statement("m2", "2023-01-01", "2023-06-01"))
    assert r.values["long_term_corticosteroids"] is True
    assert "151 days" in r.provenance["long_term_corticosteroids"].evidence[0].note


# --- data quality ------------------------------------------------------------------------------


def test_a_snomed_code_under_the_icd10_system_is_an_issue_not_an_answer() -> None:
    r = _read(condition("d1", "73211009", system=ICD10))
    assert "diabetes" not in r.values
    (issue,) = [i for i in r.issues if "SNOMED" in i.message]
    assert issue.path == "Bundle.entry[2].resource.code.coding[0].code"


def test_a_label_that_contradicts_its_code_answers_nothing() -> None:
    # 271594007 is syncope: a label saying saddle anaesthesia cannot be trusted either way
    r = _read(condition("s1", "271594007", display="Saddle anesthesia", onset="2024-01-19"))
    assert r.require_state().saddle_anaesthesia is None
    (issue,) = [i for i in r.issues if "contradicts" in i.message]
    assert issue.path == "Bundle.entry[2].resource.code.coding[0].display"
    assert "Syncope" in issue.message


def test_a_failed_check_digit_is_an_issue() -> None:
    r = _read(condition("d1", "73211008"))
    assert "diabetes" not in r.values
    assert any("Verhoeff" in i.message for i in r.issues)


def test_bad_ids_dates_and_entries_are_issues_and_the_rest_is_read() -> None:
    broken = bundle(patient(), back_pain(), condition("bad id!", "73211009"))
    broken["entry"] += ["not an entry", {"fullUrl": "x"}]
    broken["entry"].append({"resource": condition("o1", "64859006", onset="2024-13-45")})
    r = fhir.read(broken, reference_date=DAY)
    paths = {i.path: i.message for i in r.issues}
    assert "not a valid FHIR id" in paths["Bundle.entry[2].resource.id"]
    assert "an entry must be an object" in paths["Bundle.entry[3]"]
    assert "no resource" in paths["Bundle.entry[4].resource"]
    assert "not a FHIR date" in paths["Bundle.entry[5].resource.onsetDateTime"]
    assert r.values["diabetes"] is True  # the bad id is reported, the record still read
    assert r.values["osteoporosis"] is True  # osteoporosis takes any date; the bad one is reported
    assert r.require_state().age == 53


# --- single resources and the official examples ---------------------------------------------------


def test_official_r4_examples_read_as_single_resources() -> None:
    p = fhir.read(load(FIXTURES / "fhir-r4" / "Patient-example.json"), reference_date=DAY)
    assert p.values["age"] == 49 and p.values["sex"] == "male"
    assert p.state is None  # no back-pain episode in a Patient alone: said, not guessed
    bmi = fhir.read(
        load(FIXTURES / "fhir-r4" / "Observation-bmi.json"), reference_date=dt.date(1999, 7, 2)
    )
    assert bmi.values["bmi"] == pytest.approx(16.2)
    qr = fhir.read(
        load(FIXTURES / "fhir-r4" / "QuestionnaireResponse-f201.json"), reference_date=DAY
    )
    assert any(i.path == "QuestionnaireResponse.questionnaire" for i in qr.issues) or qr.issues


# --- bad input ---------------------------------------------------------------------------------


def test_a_patient_state_is_not_fhir() -> None:
    with pytest.raises(
        fhir.InvalidFHIRInput, match=r"resourceType: missing.*spinerules.assess"
    ) as e:
        fhir.read({"age": 40, "pain_duration_days": 3})
    assert e.value.fields == ("resourceType",)


@pytest.mark.parametrize("kind", ["Encounter", "Patientt", 7])
def test_a_wrong_resource_type_is_one_clear_error(kind: object) -> None:
    with pytest.raises(
        fhir.InvalidFHIRInput,
        match=r"resourceType: .* is not a resource spinerules reads; expected one of Bundle",
    ):
        fhir.read({"resourceType": kind})


def test_not_an_object() -> None:
    with pytest.raises(fhir.InvalidFHIRInput, match=r"\$: \[1, 2\] is not allowed"):
        fhir.read([1, 2])


def test_deep_nesting_names_the_element() -> None:
    deep: dict = {"url": "x"}
    for _ in range(reading.MAX_DEPTH + 5):
        deep = {"url": "x", "extension": [deep]}
    with pytest.raises(
        fhir.InvalidFHIRInput, match=r"Patient\.extension\[0\]\.extension\[0\].*levels deep"
    ) as e:
        fhir.read({"resourceType": "Patient", "extension": [deep]})
    assert e.value.fields[0].startswith("Patient.extension[0]")


def test_too_many_entries_and_too_many_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_ENTRIES", 3)
    with pytest.raises(
        fhir.InvalidFHIRInput, match=r"Bundle\.entry: 4 entries are more than the limit of 3"
    ):
        fhir.read(bundle(patient(), back_pain(), patient("p2"), patient("p3")))
    monkeypatch.setattr(reading, "MAX_BYTES", 100)
    with pytest.raises(spinerules.InvalidPatientState, match="larger than the limit of 100 bytes"):
        fhir.read_json(json.dumps(bundle(patient(), back_pain())))


def test_read_json_rejects_duplicate_keys() -> None:
    with pytest.raises(spinerules.InvalidPatientState, match="duplicate key 'birthDate'"):
        fhir.read_json(
            '{"resourceType": "Patient", "birthDate": "1970-01-01", "birthDate": "1990-01-01"}'
        )
