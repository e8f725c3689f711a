"""Safety review of spinerules.fhir.read: no red flag lost or hidden, no "no" without evidence
about now, no traceback from a hostile resource. Each test names the hole it closes."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from tests.fhir_helpers import ICD10, LOINC, SCT, back_pain, bundle, condition, patient

import spinerules
from spinerules import fhir
from spinerules.fhir import codes, records

DAY = dt.date(2024, 1, 20)
RECENT = "2024-01-19"


def _read(*resources: dict[str, Any]) -> fhir.Reading:
    return fhir.read(bundle(patient(), back_pain(), *resources), reference_date=DAY)


def _observation(coding: list[dict[str, Any]], **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": coding},
        "effectiveDateTime": RECENT,
        **value,
    }


def _warned(r: fhir.Reading, field: str, words: str) -> bool:
    return any(i.field == field and words in i.message for i in r.issues)


# --- a "yes" that was missed ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "code"),
    [
        ("urn:oid:2.16.840.1.113883.6.96", "267064002"),  # SNOMED CT by its HL7 OID
        ("https://snomed.info/sct", "267064002"),
        ("http://snomed.info/sct/", "267064002"),
        ("urn:oid:2.16.840.1.113883.6.90", "R33.9"),  # ICD-10-CM by its OID
        ("http://hl7.org/fhir/sid/icd-10-cm", "R339"),  # ICD-10-CM as claims write it
        (ICD10, " r33.9 "),
    ],
)
def test_a_coded_urinary_retention_is_read_whatever_the_spelling(system: str, code: str) -> None:
    r = _read(condition("u1", code, system=system, onset=RECENT))
    assert r.values.get("urinary_retention") is True
    assert any(i.severity == "information" and "read as" in i.message for i in r.issues)
    (source,) = r.provenance["urinary_retention"].sources
    assert (
        source.code is not None
        and source.code.split("|")[0] in codes.SYSTEMS["sct"] + (codes.SYSTEMS["icd10"])
    )


def test_dotted_icd10_leaves_canonical_codes_and_non_codes_alone() -> None:
    assert codes.dotted_icd10("R33.9") is None
    assert codes.dotted_icd10("R339") == "R33.9"
    assert codes.dotted_icd10("E1165") == "E11.65"
    assert codes.dotted_icd10("73211009") is None
    assert codes.canonical_system("http://snomed.info/sct") is None
    assert codes.canonical_system("http://example.org/sct") is None


def test_a_known_coding_first_does_not_hide_a_fever_after_it() -> None:
    obs = _observation(
        [{"system": LOINC, "code": "8302-2"}, {"system": LOINC, "code": "8310-5"}],
        valueQuantity={"value": 39.5, "unit": "Cel", "code": "Cel"},
    )
    r = _read(obs)
    assert r.values.get("fever") is True
    (source,) = r.provenance["fever"].sources
    assert source.element == "Observation.code.coding[1]"


def test_questions_nested_under_an_answer_are_read() -> None:
    qr = {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "item": [
            {
                "linkId": "leg_pain",
                "answer": [
                    {
                        "valueCoding": {"code": "one_side"},
                        "item": [
                            {"linkId": "saddle_anaesthesia", "answer": [{"valueBoolean": True}]}
                        ],
                    }
                ],
            }
        ],
    }
    r = _read(qr)
    assert r.values["saddle_anaesthesia"] is True
    (source,) = r.provenance["saddle_anaesthesia"].sources
    assert source.element == "QuestionnaireResponse.item[0].answer[0].item[0].answer"


@pytest.mark.parametrize(
    "subject", ["Patient/p1/_history/3", "https://ehr.example/fhir/Patient/p1"]
)
def test_a_versioned_or_absolute_reference_to_the_patient_is_the_patient(subject: str) -> None:
    r = _read(condition("u1", "267064002", onset=RECENT, subject=subject))
    assert r.values.get("urinary_retention") is True
    other = _read(condition("u1", "267064002", onset=RECENT, subject="https://x/Patient/p2"))
    assert "urinary_retention" not in other.values


# --- a "no" without evidence ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "system", "field"),
    [
        ("86406008", SCT, "immunosuppressed"),  # HIV: one cause of immunosuppression of many
        ("44054006", SCT, "diabetes"),  # type 2 only
        ("72892002", SCT, "pregnant"),  # a refuted *normal* pregnancy
        ("233985008", SCT, "known_aortic_aneurysm"),  # abdominal only
        ("C50.9", ICD10, "history_of_cancer"),  # one cancer, not "never any cancer"
        ("E11.9", ICD10, "diabetes"),
    ],
)
def test_a_refuted_narrower_code_does_not_answer_no(code: str, system: str, field: str) -> None:
    r = _read(condition("n1", code, system=system, verification="refuted", onset=RECENT))
    assert field not in r.values
    (evidence,) = r.provenance[field].evidence
    assert evidence.status == "refuted" and "narrower" in evidence.note


def test_a_refuted_whole_field_code_is_still_a_no() -> None:
    r = _read(condition("n1", "370388006", verification="refuted"))
    assert r.values["immunosuppressed"] is False


def test_every_code_that_refutes_its_field_is_a_table_row() -> None:
    table = {(row.system, row.code) for row in codes.rows()}
    assert table >= records._REFUTES_FIELD


def test_an_old_refuted_symptom_is_not_a_no_about_now() -> None:
    r = _read(condition("f1", "386661006", verification="refuted", onset="2010-01-01"))
    assert "fever" not in r.values
    assert [e.status for e in r.provenance["fever"].evidence] == ["stale"]


def test_an_old_absent_finding_is_not_a_no_about_now() -> None:
    obs = _observation([{"system": SCT, "code": "267064002"}], valueBoolean=False)
    obs["effectiveDateTime"] = "2015-01-19"
    r = _read(obs)
    assert "urinary_retention" not in r.values
    recent = _read(_observation([{"system": SCT, "code": "267064002"}], valueBoolean=False))
    assert recent.values["urinary_retention"] is False


def test_an_old_questionnaire_answer_about_now_is_not_an_answer() -> None:
    state = spinerules.PatientState(age=53, pain_duration_days=10, fever=True, diabetes=False)
    r = _read(fhir.questionnaire_response(state, authored="2023-01-01", subject="Patient/p1"))
    assert "fever" not in r.values  # fever needs the last 7 days
    assert r.values["diabetes"] is False  # no window: any date
    assert _warned(r, "fever", "answered yes")


def test_another_persons_questionnaire_is_not_used() -> None:
    state = spinerules.PatientState(
        age=53, pain_duration_days=10, saddle_anaesthesia=False, fever=False
    )
    r = _read(fhir.questionnaire_response(state, authored="2024-01-20", subject="Patient/p2"))
    assert "saddle_anaesthesia" not in r.values and "fever" not in r.values
    assert any("not the Patient read" in i.message for i in r.issues)


# --- a "yes" dropped for its date is said ------------------------------------------------------


@pytest.mark.parametrize("onset", [None, "2023-12-01", "2024-02-01"])
def test_a_yes_dropped_for_its_date_is_a_warning(onset: str | None) -> None:
    r = _read(condition("u1", "267064002", onset=onset))
    assert "urinary_retention" not in r.values
    assert _warned(r, "urinary_retention", "ask the person")


def test_an_old_high_temperature_is_a_warning() -> None:
    obs = _observation(
        [{"system": LOINC, "code": "8310-5"}], valueQuantity={"value": 101.5, "code": "[degF]"}
    )
    obs["effectiveDateTime"] = "2023-06-01"
    r = _read(obs)
    assert "fever" not in r.values
    assert _warned(r, "fever", "38.6 °C says yes to fever")


def test_a_text_only_condition_is_said() -> None:
    text_only = condition("t1", "0")
    text_only["code"] = {"text": "Cauda equina syndrome"}
    r = _read(text_only)
    assert any("text only ('Cauda equina syndrome')" in i.message for i in r.issues)


# --- hostile input -----------------------------------------------------------------------------


def test_a_status_that_is_not_a_string_is_no_traceback() -> None:
    obs = _observation(
        [{"system": LOINC, "code": "8310-5"}], valueQuantity={"value": 39.5, "code": "Cel"}
    )
    obs["status"] = ["final"]
    r = fhir.read(obs, reference_date=DAY)  # a single resource: no per-entry safety net
    assert "fever" not in r.values
    statement = {
        "resourceType": "MedicationStatement",
        "status": {"code": "active"},
        "medicationCodeableConcept": {
            "coding": [{"system": "http://www.whocc.no/atc", "code": "L04AX03"}]
        },
    }
    assert "immunosuppressed" not in fhir.read(statement, reference_date=DAY).values


def test_a_long_display_is_checked_in_linear_time() -> None:
    hostile = condition("u1", "267064002", display=" " * 200_000 + "x", onset=RECENT)
    start = time.perf_counter()
    r = _read(hostile)
    assert time.perf_counter() - start < 2.0
    assert any("contradicts" in i.message for i in r.issues)
    row = codes.lookup("sct", "267064002")[0]
    assert not codes.label_contradicts(row, "Retention of urine (disorder)   ")


def test_a_refutation_dated_after_the_reference_date_is_not_a_no() -> None:
    r = _read(condition("n1", "370388006", verification="refuted", onset="2024-03-01"))
    assert "immunosuppressed" not in r.values
    assert [e.status for e in r.provenance["immunosuppressed"].evidence] == ["stale"]


def test_a_persons_own_form_cannot_clear_a_red_flag() -> None:
    state = spinerules.PatientState(
        age=60,
        pain_duration_days=30,
        history_of_cancer=True,
        clinician_cleared_flags=("cancer_history",),
    )
    own = fhir.read(fhir.questionnaire_response(state, authored="2024-01-20"), reference_date=DAY)
    assert "clinician_cleared_flags" not in own.values
    assert _warned(own, "clinician_cleared_flags", "not a Practitioner")
    flags = spinerules.assess(own.require_state(), engine="python").red_flags
    assert [f.id for f in flags] == ["cancer_history"]
    signed = fhir.read(
        fhir.questionnaire_response(state, authored="2024-01-20", author="Practitioner/c1"),
        reference_date=DAY,
    )
    assert signed.require_state().clinician_cleared_flags == ("cancer_history",)


def test_respelt_codes_the_table_does_not_know_are_not_noise_and_warnings_come_first() -> None:
    unknown = condition("x1", "22298006", system="urn:oid:2.16.840.1.113883.6.96")  # not mapped
    alert = condition("ces", "192970008", onset=RECENT)
    note = condition("d1", "73211009", clinical=None)  # an information issue, read first
    r = _read(note, *[dict(unknown, id=f"x{n}") for n in range(60)], alert)
    assert not any("canonical URI" in i.message for i in r.issues)
    severities = [i.severity for i in r.issues]
    assert severities == sorted(severities, key=["error", "warning", "information"].index)
    assert "Cauda equina syndrome" in r.issues[0].message
