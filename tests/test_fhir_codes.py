"""The code tables: every row checked (Verhoeff for SNOMED CT, mod 10 for LOINC), sourced,
and pointing at a real field."""

from __future__ import annotations

import pytest

from spinerules.fhir import codes
from spinerules.fields import FIELDS

SCT_ROWS = [r for r in codes.rows() if r.system == "sct"]
LOINC_ROWS = [r for r in codes.rows() if r.system == "loinc" and not r.code.startswith("LA")]


@pytest.mark.parametrize("row", SCT_ROWS, ids=lambda r: r.code)
def test_every_snomed_id_has_its_verhoeff_check_digit_and_is_a_concept(row: codes.CodeRow) -> None:
    assert codes.verhoeff_ok(row.code)
    assert codes.concept_partition_ok(row.code)
    # any other last digit fails: the check would catch a one-digit typo in the table
    wrong = [d for d in "0123456789" if d != row.code[-1] and codes.verhoeff_ok(row.code[:-1] + d)]
    assert wrong == []


@pytest.mark.parametrize("row", LOINC_ROWS, ids=lambda r: r.code)
def test_every_loinc_code_has_its_check_digit(row: codes.CodeRow) -> None:
    assert codes.loinc_check_ok(row.code)
    body, digit = row.code.split("-")
    assert not codes.loinc_check_ok(f"{body}-{(int(digit) + 1) % 10}")


def test_verhoeff_against_the_published_example_and_transpositions() -> None:
    assert codes.verhoeff_ok("2363") and not codes.verhoeff_ok("2364")
    assert codes.verhoeff_ok("138875005")  # the SNOMED CT root concept
    assert not codes.verhoeff_ok("183875005")  # adjacent transposition of the root
    assert not codes.verhoeff_ok("12a") and not codes.verhoeff_ok("")


def test_every_row_has_a_source_and_a_real_field() -> None:
    for row in codes.rows():
        assert len(row.source) > 10, row
        assert row.field is None or row.field in FIELDS, row
        assert row.display.strip(), row


def test_no_code_appears_twice() -> None:
    keys = [(r.system, r.code.upper()) for r in codes.rows()]
    assert len(keys) == len(set(keys))


def test_271594007_is_syncope_and_answers_no_field() -> None:
    (row,) = codes.lookup("sct", "271594007")
    assert row.display == "Syncope" and row.field is None
    assert not any(r.field == "saddle_anaesthesia" for r in codes.rows())


def test_the_issue_research_codes_that_were_verified_are_in_and_map_as_stated() -> None:
    expected = {
        "192970008": None,  # cauda equina syndrome: an alert for a clinician, not a field
        "267064002": "urinary_retention",
        "72042002": "faecal_incontinence",
        "386661006": "fever",
        "266987004": "history_of_cancer",
        "448765001": "unexplained_weight_loss",
        "228388006": "iv_drug_use",
        "370388006": "immunosuppressed",
        "64859006": "osteoporosis",
        "233985008": "known_aortic_aneurysm",
        "73211009": "diabetes",
    }
    for code, field in expected.items():
        (row,) = codes.lookup("sct", code)
        assert row.field == field, code
    assert codes.lookup("sct", "279039007")[0].use == "episode"
    assert codes.lookup("loinc", "91351-7")[0].field == "startback"


def test_icd10_longest_prefix_wins() -> None:
    assert codes.lookup("icd10", "C50.9")[0].field == "history_of_cancer"
    assert codes.lookup("icd10", "C44.91")[0].use == "exclude"
    assert codes.lookup("icd10", "Z85.828")[0].use == "exclude"
    assert codes.lookup("icd10", "Z85.3")[0].use == "history"
    assert codes.lookup("icd10", "M54.50")[0].use == "episode"
    assert codes.lookup("icd10", "X99") == ()


@pytest.mark.parametrize(
    ("system", "code", "says"),
    [
        ("icd10", "73211009", "looks like a SNOMED CT id"),
        ("sct", "E11.9", "looks like an ICD-10 code"),
        ("sct", "73211008", "Verhoeff"),
        ("loinc", "39156-4", "check digit"),
        ("loinc", "64859006", "looks like a SNOMED CT id"),
        ("icd10", "diabetes", "not an ICD-10 code"),
    ],
)
def test_malformed_codes_are_named(system: str, code: str, says: str) -> None:
    problem = codes.code_problem(system, code)
    assert problem is not None and says in problem


def test_labels_agree_across_editions_but_not_across_concepts() -> None:
    (never,) = codes.lookup("sct", "266919005")
    assert not codes.label_contradicts(never, "Never smoker")
    (faeces,) = codes.lookup("sct", "72042002")
    assert not codes.label_contradicts(faeces, "Fecal incontinence")
    assert codes.label_contradicts(faeces, "Trichomonal vaginitis")
