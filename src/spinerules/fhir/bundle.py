"""An Assessment as a FHIR R4 Bundle: what spinerules concluded, for an EHR to file.

* ``RiskAssessment``: the urgency (its headline as text) and, when scored, the STarT Back
  risk (an ``Observation`` of LOINC 91351-7 with the psychosocial subscale as a component is
  its basis); the disclaimer is its first note.
* one ``Flag`` per red flag (a banner an EHR shows), pointing through the R4 ``flag-detail``
  extension to a ``DetectedIssue`` that holds the evidence: the answers it fired on (and,
  given a ``Reading``, the FHIR resources they came from), the action and the citations.
  Principle 5: every red flag of the assessment is there, with its tier and action unchanged.
* a ``CarePlan`` with ``intent: proposal``: each recommendation an activity with its dose
  (``scheduledString``), reason and cautions; each "do not" an activity with
  ``doNotPerform: true``; the safety-net cards as notes.
* a ``GuidanceResponse`` naming the rule-base version and hash (``data-requested`` when the
  screen is incomplete, with the unanswered questions), and a ``Provenance``.

Ids are UUIDs derived from the assessment, the patient reference and the time, so the same
assessment written twice at one time gives the same Bundle.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterable
from typing import Any

from ..assessment import Assessment, RedFlagFinding
from ..formats.view import TIMEFRAME_WORDS, headline
from ..levels import Urgency
from .provenance import Issue
from .questionnaire import BASE, QUESTIONNAIRE_URL
from .reading import Reading

__all__ = ["MEDIA_TYPE", "render_fhir", "to_bundle"]

MEDIA_TYPE = "application/fhir+json"
_LOINC = "http://loinc.org"
_RISK = "http://terminology.hl7.org/CodeSystem/risk-probability"
_RISK_WORDS = {
    "low": "Low likelihood",
    "moderate": "Moderate likelihood",
    "high": "High likelihood",
}
_STARTBACK_RISK = {"low": "low", "medium": "moderate", "high": "high"}
_URGENCY_RISK = {
    Urgency.EMERGENCY: "high",
    Urgency.URGENT: "high",
    Urgency.SOON: "moderate",
    Urgency.SELF_CARE: "low",
}
_FLAG_DETAIL = "http://hl7.org/fhir/StructureDefinition/flag-detail"


class _Ids:
    """Deterministic urn:uuid ids, one per resource, from a seed."""

    def __init__(self, seed: str) -> None:
        self._seed = seed

    def __call__(self, name: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{BASE}/{self._seed}/{name}"))


def _ref(rid: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{rid}"}


def _code(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _risk(level: str) -> dict[str, Any]:
    return {"coding": [_code(_RISK, level, _RISK_WORDS[level])]}


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | frozenset):
        return ", ".join(map(str, value))
    return str(value)


def _input_sources(reading: Reading | None, fields: Iterable[str]) -> list[dict[str, str]]:
    if reading is None:
        return []
    refs: dict[str, None] = {}
    for field in fields:
        provenance = reading.provenance.get(field)
        for source in provenance.sources if provenance else ():
            if source.reference:
                refs[source.reference] = None
    return [{"reference": r} for r in refs]


def _detected_issue(
    f: RedFlagFinding,
    rid: str,
    subject: dict[str, Any],
    when: str,
    device: str,
    reading: Reading | None,
) -> dict[str, Any]:
    inputs = [(name, value) for name, value in f.inputs]
    citations = "; ".join(e.citation for e in f.evidence)
    issue: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "id": rid,
        "status": "final",
        "code": {"coding": [_code(f"{BASE}/CodeSystem/red-flag", f.id, f.title)], "text": f.title},
        "severity": "high" if f.urgency >= Urgency.URGENT else "moderate",
        "patient": subject,
        "identifiedDateTime": when,
        "author": _ref(device),
        "detail": (
            f"{f.title} (red flag {f.id}, {f.family}). What to do: {f.action} How soon: "
            f"{TIMEFRAME_WORDS[f.timeframe]}." + (f" Evidence: {citations}." if citations else "")
        ),
        "mitigation": [{"action": {"text": f.action}}],
    }
    evidence: dict[str, Any] = {}
    if inputs:
        evidence["code"] = [
            {
                "coding": [_code(QUESTIONNAIRE_URL, name)],
                "text": f"{name} = {_value_text(value)}",
            }
            for name, value in inputs
        ]
    detail = _input_sources(reading, (name for name, _ in inputs))
    if detail:
        evidence["detail"] = detail
    if evidence:
        issue["evidence"] = [evidence]
    doi = next((e.doi for e in f.evidence if e.doi), None)
    if doi:
        issue["reference"] = f"https://doi.org/{doi}"
    return issue


def _flag(
    f: RedFlagFinding, rid: str, issue_id: str, subject: dict[str, Any], when: str, device: str
) -> dict[str, Any]:
    return {
        "resourceType": "Flag",
        "id": rid,
        "extension": [{"url": _FLAG_DETAIL, "valueReference": _ref(issue_id)}],
        "status": "active",
        "category": [
            {
                "coding": [
                    _code(
                        "http://terminology.hl7.org/CodeSystem/flag-category",
                        "clinical",
                        "Clinical",
                    )
                ]
            }
        ],
        "code": {
            "coding": [_code(f"{BASE}/CodeSystem/red-flag", f.id, f.title)],
            "text": f"{f.title}. {f.action}",
        },
        "subject": subject,
        "period": {"start": when},
        "author": _ref(device),
    }


def _startback_observation(
    a: Assessment, rid: str, subject: dict[str, Any], when: str
) -> dict[str, Any] | None:
    sb = a.startback
    if sb is None:
        return None
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "category": [
            {
                "coding": [
                    _code(
                        "http://terminology.hl7.org/CodeSystem/observation-category",
                        "survey",
                        "Survey",
                    )
                ]
            }
        ],
        "code": {
            "coding": [_code(_LOINC, "91351-7", "Total score [STarT Back]")],
            "text": "STarT Back total score",
        },
        "subject": subject,
        "effectiveDateTime": when,
        "valueInteger": sb.total,
        "interpretation": [{"text": f"STarT Back risk {sb.risk}"}],
        "component": [
            {
                "code": {
                    "coding": [_code(f"{BASE}/CodeSystem/startback", "psychosocial-subscale")],
                    "text": "STarT Back psychosocial subscale score",
                },
                "valueInteger": sb.subscale,
            }
        ],
        "note": [{"text": sb.credit}],
    }


def _risk_assessment(
    a: Assessment, rid: str, subject: dict[str, Any], when: str, device: str, basis: str | None
) -> dict[str, Any]:
    predictions: list[dict[str, Any]] = [
        {
            "outcome": {
                "coding": [_code(f"{BASE}/CodeSystem/urgency", a.urgency.value)],
                "text": headline(a),
            },
            "qualitativeRisk": _risk(_URGENCY_RISK[a.urgency]),
            "rationale": (
                f"{len(a.red_flags)} red flag(s) listed"
                + ("" if a.screen_complete else "; the safety screen is incomplete")
            ),
        }
    ]
    if a.startback is not None:
        sb = a.startback
        predictions.append(
            {
                "outcome": {
                    "coding": [_code(_LOINC, "91351-7", "Total score [STarT Back]")],
                    "text": f"STarT Back risk {sb.risk}",
                },
                "qualitativeRisk": _risk(_STARTBACK_RISK.get(sb.risk, "moderate")),
                "rationale": f"total {sb.total} of 9, psychosocial subscale {sb.subscale} of 5",
            }
        )
    notes = [{"text": a.disclaimer}]
    if a.questions:
        notes.append({"text": "Unanswered questions: " + " ".join(q.text for q in a.questions)})
    # Principle 9: nothing reassuring beside an emergency. At urgent and above a watch item is
    # still recorded, by its title, but without its advice ("common and rarely serious").
    if a.urgency < Urgency.URGENT:
        notes += [{"text": f"Worth knowing ({w.id}): {w.title}. {w.advice}"} for w in a.watch]
    else:
        notes += [{"text": f"Also noted ({w.id}): {w.title}."} for w in a.watch]
    resource: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "id": rid,
        "status": "final",
        "method": {
            "coding": [
                _code(f"{BASE}/CodeSystem/method", "spinerules", "spinerules red-flag screen")
            ],
            "text": f"spinerules rules {a.ruleset.version}",
        },
        "code": {"text": "Low back pain: red-flag screen and STarT Back stratification"},
        "subject": subject,
        "occurrenceDateTime": when,
        "performer": _ref(device),
        "prediction": predictions,
        "note": notes,
    }
    if basis:
        resource["basis"] = [_ref(basis)]
    if a.red_flags:
        resource["mitigation"] = " ".join(f.action for f in a.red_flags)
    return resource


def _care_plan(
    a: Assessment, rid: str, subject: dict[str, Any], when: str, device: str
) -> dict[str, Any]:
    activities: list[dict[str, Any]] = []
    for r in a.recommendations:
        detail: dict[str, Any] = {
            "kind": "CommunicationRequest" if r.kind == "advice" else "ServiceRequest",
            "code": {
                "coding": [_code(f"{BASE}/CodeSystem/activity", r.id, r.name)],
                "text": r.name,
            },
            "reasonCode": [{"text": r.reason}],
            "status": "not-started",
            "doNotPerform": False,
            "scheduledString": r.dose,
            "description": f"{r.name}. Why: {r.reason} Dose: {r.dose} Progression: {r.progression}",
        }
        activity: dict[str, Any] = {"detail": detail}
        if r.cautions:
            activity["progress"] = [{"text": c} for c in r.cautions]
        activities.append(activity)
    for item in a.advice_against:
        activities.append(
            {
                "detail": {
                    "kind": "ServiceRequest",
                    "code": {
                        "coding": [_code(f"{BASE}/CodeSystem/advice-against", item.id)],
                        "text": item.text,
                    },
                    "status": "not-started",
                    "doNotPerform": True,
                    "description": item.text + (f" {item.note}" if item.note else ""),
                }
            }
        )
    notes = [{"text": a.disclaimer}]
    notes += [{"text": f"{card.title} " + " ".join(card.items)} for card in a.safety_net]
    plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": rid,
        "status": "draft",
        "intent": "proposal",
        "title": "Low back pain: proposed plan",
        "description": headline(a),
        "subject": subject,
        "created": when,
        "author": _ref(device),
        "note": notes,
    }
    if activities:
        plan["activity"] = activities
    return plan


def _operation_outcome(issues: Iterable[Issue], rid: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "id": rid,
        "issue": [
            {
                "severity": i.severity,
                "code": "processing",
                "diagnostics": i.message,
                "expression": [i.path],
            }
            for i in issues
        ],
    }


def _guidance(
    a: Assessment,
    rid: str,
    subject: dict[str, Any],
    when: str,
    device: str,
    plan: str,
    outcome: str | None,
) -> dict[str, Any]:
    rs = a.ruleset
    resource: dict[str, Any] = {
        "resourceType": "GuidanceResponse",
        "id": rid,
        "identifier": [{"system": f"{BASE}/ruleset", "value": f"{rs.version}+{rs.hash}"}],
        "moduleUri": f"{BASE}/rules/{rs.version}",
        "status": "success" if a.screen_complete else "data-requested",
        "subject": subject,
        "occurrenceDateTime": when,
        "performer": _ref(device),
        "note": [
            {
                "text": (
                    f"spinerules rule base {rs.version} (hash {rs.hash}), engine {rs.engine}, "
                    f"profile {rs.profile}"
                    + (
                        f", {len(rs.plugins_dropped)} plugin(s) dropped"
                        if rs.plugins_dropped
                        else ""
                    )
                )
            },
            {"text": a.disclaimer},
        ],
        "result": _ref(plan),
    }
    if outcome:
        resource["evaluationMessage"] = [_ref(outcome)]
    if a.unanswered:
        resource["dataRequirement"] = [
            {
                "type": "QuestionnaireResponse",
                "codeFilter": [
                    {
                        "path": "item.linkId",
                        "code": [_code(QUESTIONNAIRE_URL, name) for name in a.unanswered],
                    }
                ],
            }
        ]
    return resource


def _device(rid: str, version: str) -> dict[str, Any]:
    from .. import __version__

    return {
        "resourceType": "Device",
        "id": rid,
        "deviceName": [{"name": f"spinerules {__version__}", "type": "manufacturer-name"}],
        "version": [{"value": version}],
        "note": [{"text": "Decision support software, not a medical device."}],
    }


def to_bundle(
    assessment: Assessment,
    patient_ref: str | None = None,
    *,
    when: dt.datetime | None = None,
    reading: Reading | None = None,
) -> dict[str, Any]:
    """The assessment as a FHIR R4 ``collection`` Bundle (plain JSON).

    ``patient_ref`` is the subject (``Patient/123`` or a fullUrl); without it the subject is
    a display-only reference. ``when`` stamps every resource (default: now, UTC). With the
    ``reading`` the assessment was made from, each red flag's evidence points to the FHIR
    resources its answers came from, the Provenance lists them as sources, and the reading's
    issues travel as an OperationOutcome.
    """
    a = assessment
    stamp = (when or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")
    digest = hashlib.sha256(
        json.dumps([a.to_dict(), patient_ref, stamp], sort_keys=True, default=str).encode()
    ).hexdigest()[:32]
    ids = _Ids(digest)
    subject: dict[str, Any] = (
        {"reference": patient_ref}
        if patient_ref
        else {"display": "the person assessed (no Patient reference given)"}
    )
    device = ids("device")
    resources: list[dict[str, Any]] = [_device(device, a.ruleset.version)]
    observation = _startback_observation(a, ids("startback"), subject, stamp)
    if observation:
        resources.append(observation)
    resources.append(
        _risk_assessment(
            a, ids("risk"), subject, stamp, device, observation["id"] if observation else None
        )
    )
    for index, f in enumerate(a.red_flags):
        issue_id = ids(f"issue/{index}/{f.id}")
        resources.append(_detected_issue(f, issue_id, subject, stamp, device, reading))
        resources.append(_flag(f, ids(f"flag/{index}/{f.id}"), issue_id, subject, stamp, device))
    plan = ids("careplan")
    resources.append(_care_plan(a, plan, subject, stamp, device))
    outcome = None
    if reading is not None and reading.issues:
        outcome = ids("outcome")
        resources.append(_operation_outcome(reading.issues, outcome))
    resources.append(_guidance(a, ids("guidance"), subject, stamp, device, plan, outcome))
    sources = _input_sources(reading, reading.provenance) if reading else []
    provenance: dict[str, Any] = {
        "resourceType": "Provenance",
        "id": ids("provenance"),
        "target": [_ref(r["id"]) for r in resources],
        "recorded": stamp,
        "activity": {
            "coding": [
                _code("http://terminology.hl7.org/CodeSystem/v3-DataOperation", "CREATE", "create")
            ]
        },
        "agent": [
            {
                "type": {
                    "coding": [
                        _code(
                            "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                            "assembler",
                            "Assembler",
                        )
                    ]
                },
                "who": _ref(device),
            }
        ],
    }
    if sources:
        provenance["entity"] = [{"role": "source", "what": s} for s in sources]
    resources.append(provenance)
    return {
        "resourceType": "Bundle",
        "id": ids("bundle"),
        "type": "collection",
        "timestamp": stamp,
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources],
    }


def render_fhir(
    assessment: Assessment,
    *,
    patient_ref: str | None = None,
    when: dt.datetime | None = None,
    reading: Reading | None = None,
    indent: int | None = 2,
) -> str:
    """The ``fhir`` output format: ``to_bundle`` as JSON text."""
    bundle = to_bundle(assessment, patient_ref, when=when, reading=reading)
    return json.dumps(bundle, indent=indent, ensure_ascii=False) + "\n"
