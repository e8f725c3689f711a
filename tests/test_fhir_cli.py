"""``spinerules assess bundle.json`` (FHIR detected by resourceType, issues on stderr),
``--format fhir`` and ``spinerules questionnaire --format fhir``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.fhir_helpers import ANNA, DARYL, validate

from spinerules.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_a_synthea_bundle_is_assessed_and_its_issues_are_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = _run(
        capsys, "assess", str(ANNA), "--reference-date", "2020-05-19", "--engine", "python"
    )
    assert status == 0
    assert "Answer these safety questions first" in out
    assert "spinerules: fhir information: Bundle.entry: not read" in err


def test_format_fhir_writes_a_valid_bundle_about_the_patient(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = _run(
        capsys,
        "assess",
        str(ANNA),
        "--reference-date",
        "2020-05-19",
        "--engine",
        "python",
        "--format",
        "fhir",
    )
    assert status == 0
    bundle = json.loads(out)
    validate(bundle)
    (risk,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "RiskAssessment"
    ]
    assert risk["subject"] == {"reference": "urn:uuid:0a56854c-d96f-e6b8-40fb-d55b3e438d27"}


def test_a_child_is_refused_with_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, "assess", str(DARYL), "--engine", "python")
    assert status == 2 and out == ""
    assert "spinerules: error: FHIR input cannot be assessed: age:" in err
    assert "16 and over" in err


@pytest.mark.parametrize(
    ("document", "says"),
    [
        (
            {"resourceType": "Encounter", "id": "e1"},
            "resourceType: 'Encounter' is not a resource spinerules reads",
        ),
        (
            {"resourceType": "Patient", "birthDate": "1970-01-01"},
            "no length of this back-pain episode",
        ),
    ],
)
def test_bad_fhir_is_one_clear_line(
    document: dict, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(document))
    status, _, err = _run(capsys, "assess", str(path), "--engine", "python")
    assert status == 2
    assert says in err
    assert len([line for line in err.splitlines() if "error" in line]) == 1


def test_a_deep_fhir_document_is_read_with_fhir_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep: dict = {"url": "x"}
    for _ in range(25):  # deeper than a patient document may be, within FHIR's limit
        deep = {"url": "x", "extension": [deep]}
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps({"resourceType": "Patient", "birthDate": "1970-01-01", "extension": [deep]})
    )
    status, _, err = _run(capsys, "assess", str(path), "--engine", "python")
    assert status == 2 and "back-pain episode" in err  # read, then refused for what it lacks
    flat = tmp_path / "flat.json"
    flat.write_text(json.dumps({"age": 40, "pain_duration_days": 3, "x": [deep]}))
    status, _, err = _run(capsys, "assess", str(flat), "--engine", "python")
    assert status == 2 and "nesting" in err  # a patient document keeps its own limit


def test_bad_reference_date(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(capsys, "assess", str(ANNA), "--reference-date", "19/05/2020")
    assert status == 2 and "--reference-date: '19/05/2020' is not allowed" in err


def test_questionnaire_command(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "questionnaire", "--format", "fhir")
    assert status == 0
    q = json.loads(out)
    validate(q)
    assert q["item"][0]["linkId"] == "saddle_anaesthesia"
