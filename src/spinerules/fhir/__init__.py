"""FHIR R4 in and out (``pip install 'spinerules[fhir]'``; the reader needs nothing beyond the
standard library).

* ``read(resource)`` maps a Bundle, a QuestionnaireResponse or a single resource to a
  ``Reading``: ``.state`` (a ``PatientState``), ``.provenance`` per field and ``.issues``.
* ``questionnaire()`` is the published Questionnaire of the vocabulary;
  ``questionnaire_response(state)`` writes a state as a response to it.
* ``to_bundle(assessment, patient_ref)`` writes an assessment as a Bundle of RiskAssessment,
  Flag and DetectedIssue per red flag, CarePlan (intent proposal), GuidanceResponse and
  Provenance (also ``spinerules assess --format fhir``).

See docs/fhir.md for every mapping decision.
"""

from __future__ import annotations

from .bundle import to_bundle
from .provenance import Evidence, FieldProvenance, Issue, Source
from .questionnaire import QUESTIONNAIRE_URL, questionnaire, questionnaire_response
from .reading import DEFAULT_WINDOWS, InvalidFHIRInput, Reading, read, read_json

FHIR_VERSION = "4.0.1"

__all__ = [
    "DEFAULT_WINDOWS",
    "FHIR_VERSION",
    "QUESTIONNAIRE_URL",
    "Evidence",
    "FieldProvenance",
    "InvalidFHIRInput",
    "Issue",
    "Reading",
    "Source",
    "questionnaire",
    "questionnaire_response",
    "read",
    "read_json",
    "to_bundle",
]
