"""Shared helpers for the FHIR tests: the fixture folder, small resource builders, and R4
validation with the fhir.resources 6.4 models (FHIR 4.0.1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fhir.resources import __fhir_version__, construct_fhir_element

#: ../shared/fixtures beside the repository (read-only test data, see each PROVENANCE.md).
FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"
SYNTHEA = FIXTURES / "synthea"
ANNA = SYNTHEA / "Anna632_Brekke496_0a56854c-d96f-e6b8-40fb-d55b3e438d27.trimmed.json"
DARYL = SYNTHEA / "Daryl568_Zemlak964_d6082275-bd0e-1ad4-4d3b-169b78db32f6.trimmed.json"
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"

assert __fhir_version__ == "4.0.1", "tests validate against FHIR R4 4.0.1 models"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def validate(resource: dict[str, Any]) -> None:
    """Raises when ``resource`` is not a valid FHIR R4 resource (and, for a Bundle, each entry)."""
    construct_fhir_element(resource["resourceType"], resource)
    for entry in resource.get("entry", []) if resource["resourceType"] == "Bundle" else []:
        inner = entry["resource"]
        construct_fhir_element(inner["resourceType"], inner)


def patient(pid: str = "p1", birth: str = "1970-03-01", gender: str = "female") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "birthDate": birth, "gender": gender}


def condition(
    cid: str,
    code: str,
    *,
    system: str = SCT,
    display: str | None = None,
    clinical: str | None = "active",
    verification: str | None = "confirmed",
    onset: str | None = "2024-01-10",
    subject: str = "Patient/p1",
) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": cid,
        "code": {"coding": [coding]},
        "subject": {"reference": subject},
    }
    if clinical:
        resource["clinicalStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": clinical,
                }
            ]
        }
    if verification:
        resource["verificationStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": verification,
                }
            ]
        }
    if onset:
        resource["onsetDateTime"] = onset
    return resource


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"{r['resourceType']}/{r['id']}" if "id" in r else None, "resource": r}
            for r in resources
        ],
    }


BACK_PAIN = ("lbp", "279039007", "Low back pain")


def back_pain(onset: str = "2024-01-10") -> dict[str, Any]:
    return condition(BACK_PAIN[0], BACK_PAIN[1], display=BACK_PAIN[2], onset=onset)
