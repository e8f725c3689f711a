"""The CDS Services spinerules offers, and the FHIR data each asks the EHR to prefetch.

CDS Hooks 2.0, "Discovery": each service has ``hook``, ``title``, ``description``, ``id`` and
``prefetch`` (key -> FHIR query with ``{{context.patientId}}`` tokens). Prefetch templates keep
to the spec's recommended subset ("Prefetch query restrictions": type-level search on a
reference, ``_count``, ``_sort``).

Conditions are asked for whatever their clinical status: a resolved cancer answers
``history_of_cancer`` and a refuted diagnosis is an explicit "no" (docs/fhir.md, "Status"), so
filtering to active ones would lose answers. Observations are the most recent 100 (every
window spinerules reads is a year or less, docs/fhir.md "Windows"); the questionnaire answer is
the latest response to spinerules' own Questionnaire.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import attrs

from ..fhir import QUESTIONNAIRE_URL

PATIENT_VIEW = "spinerules-low-back-pain"
ORDER_SELECT = "spinerules-lumbar-imaging-select"
ORDER_SIGN = "spinerules-lumbar-imaging-sign"


@attrs.frozen
class Template:
    """One prefetch template: its key, query, and whether the whole result is needed (a
    searchset with a ``next`` page is incomplete) or a bounded recent slice is the point."""

    key: str
    query: str
    resource_type: str  # Patient for a read, Bundle for a search
    complete: bool = True


TEMPLATES: tuple[Template, ...] = (
    Template("patient", "Patient/{{context.patientId}}", "Patient"),
    Template("conditions", "Condition?patient={{context.patientId}}", "Bundle"),
    Template(
        "observations",
        "Observation?patient={{context.patientId}}&_sort=-date&_count=100",
        "Bundle",
        complete=False,
    ),
    Template(
        "questionnaireResponse",
        f"QuestionnaireResponse?patient={{{{context.patientId}}}}&questionnaire={QUESTIONNAIRE_URL}"
        "&_sort=-authored&_count=1",
        "Bundle",
        complete=False,
    ),
)


@attrs.frozen
class Service:
    id: str
    hook: str
    title: str
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "hook": self.hook,
            "title": self.title,
            "description": self.description,
            "id": self.id,
            "prefetch": {t.key: t.query for t in TEMPLATES},
        }


_IMAGING = (
    "Checks a draft order for lumbar spine CT or MRI (CPT 72131-72133, 72148, 72149, 72158, "
    "or the SNOMED CT procedures) against the person's red-flag screen: without a red flag, "
    "imaging is not recommended (NICE NG59, ACP); with one, every red flag is shown. "
    "Decision support, not a diagnosis."
)

SERVICES: MappingProxyType[str, Service] = MappingProxyType(
    {
        s.id: s
        for s in (
            Service(
                PATIENT_VIEW,
                "patient-view",
                "spinerules low back pain red-flag screen",
                "Screens the record and the person's latest spinerules questionnaire for red "
                "flags of low back pain (cauda equina, cancer, infection, fracture, axSpA, "
                "neurological and vascular causes): every red flag is a card; an incomplete "
                "screen asks the unanswered safety questions. Decision support, not a diagnosis.",
            ),
            Service(ORDER_SELECT, "order-select", "spinerules lumbar spine imaging", _IMAGING),
            Service(ORDER_SIGN, "order-sign", "spinerules lumbar spine imaging", _IMAGING),
        )
    }
)


def discovery() -> dict[str, Any]:
    """The discovery response (CDS Hooks 2.0, "Discovery", "Response")."""
    return {"services": [s.to_dict() for s in SERVICES.values()]}
