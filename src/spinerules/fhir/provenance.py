"""Where each mapped answer came from, and what in the record could not be used.

A FHIR record is evidence, not an answer sheet: every value the reader maps carries the
resource, element, code and date it rests on (``Source``), and every record it read but did not
use (refuted, entered in error, inactive, too old, unconfirmed) is kept beside the field with
the reason, so "why is this field unknown?" has an answer too. Data-quality problems are
``Issue`` values with the element path (FHIRPath-style, from the top of the input), never
exceptions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

__all__ = ["SEVERITIES", "STATUSES", "Collector", "Evidence", "FieldProvenance", "Issue", "Source"]

SEVERITIES = ("error", "warning", "information")

#: What became of one piece of evidence. Only ``used`` answers a field.
STATUSES = (
    "used",  # this record gives the field's value
    "outweighed",  # a used record agreed on another value (a conflict, reported as an issue)
    "superseded",  # an older record of the same measure; the newest is used
    "refuted",  # verificationStatus refuted: used as an explicit "no" where the field allows
    "entered-in-error",  # ignored
    "inactive",  # inactive, resolved or in remission, for a field about now
    "stale",  # older than the field's window before the reference date
    "unconfirmed",  # provisional, differential, unconfirmed, preliminary: not an answer
    "not-an-answer",  # read, but says nothing either way (a normal temperature, a short course)
    "other-subject",  # about someone else than the Patient being read
)


@attrs.frozen
class Source:
    """One resource a field's evidence comes from.

    ``path`` locates it in the input (``Bundle.entry[12].resource``); ``element`` is the
    element read, relative to the resource (``Condition.code.coding[0]``); ``code`` is
    ``system|code`` of the matching coding; ``date`` the clinical date as written.
    """

    resource_type: str
    id: str | None
    path: str
    element: str
    code: str | None = None
    date: str | None = None
    reference: str | None = None  # how other resources refer to it (fullUrl or Type/id)

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class Evidence:
    """What one record says about one field: a value (None: nothing usable), its status and
    why, and the clinical date used to choose the newest."""

    field: str
    value: object
    source: Source
    status: str = attrs.field(validator=attrs.validators.in_(STATUSES))
    note: str = ""
    day: dt.date | None = None
    from_person: bool = False  # a QuestionnaireResponse answer (the person's own)

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "status": self.status,
            "note": self.note,
            "source": self.source.to_dict(),
        }


@attrs.frozen
class FieldProvenance:
    """A field's mapped value (None: unknown) and every piece of evidence behind it."""

    field: str
    value: object
    evidence: tuple[Evidence, ...]

    @property
    def sources(self) -> tuple[Source, ...]:
        """The sources of the value itself (status ``used``)."""
        return tuple(e.source for e in self.evidence if e.status == "used")

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "value": self.value,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@attrs.frozen
class Issue:
    """A data-quality problem or a notice, at an element path of the input."""

    severity: str = attrs.field(validator=attrs.validators.in_(SEVERITIES))
    path: str
    message: str
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"


@attrs.define
class Collector:
    """Evidence and issues gathered while walking the input (mutable while reading only)."""

    reference_date: dt.date
    windows: dict[str, int]
    evidence: list[Evidence] = attrs.Factory(list)
    issues: list[Issue] = attrs.Factory(list)
    patient_refs: set[str] = attrs.Factory(set)

    def add(self, evidence: Evidence) -> None:
        self.evidence.append(evidence)

    def issue(self, severity: str, path: str, message: str, field: str | None = None) -> None:
        self.issues.append(Issue(severity, path, message, field))

    def stale(self, field: str, day: dt.date | None) -> str | None:
        """None when a record of ``day`` is recent enough to answer ``field`` (its window
        before the reference date, if it has one), else the note why not."""
        days = self.windows.get(field)
        if days is None:
            return None
        if day is None:
            return f"no usable date, and {field} needs a record from the last {days} days"
        age = (self.reference_date - day).days
        if age > days:
            return f"{age} days before the reference date; {field} needs the last {days} days"
        return None
