"""Read a FHIR R4 Bundle, QuestionnaireResponse or single resource into a PatientState.

``read(resource)`` walks plain JSON (no model classes on this path), collects what each record
says (``records``, ``questionnaire.extract``), decides each field from its evidence
(``resolve``), and builds the ``PatientState``. It raises only for input that is not a FHIR
resource it can read at all (``InvalidFHIRInput``, one message naming the element); anything
wrong inside a readable resource is an ``Issue`` and the rest is still read.

Deciding a field (docs/fhir.md, "Decisions"):

* no evidence: the field stays None. A record never answers a question by absence.
* yes/no fields: any used "yes" wins over a "no" (a refuted Condition, a never-smoker
  status, a person's "no"), and the disagreement is reported: adding a symptom never lowers
  urgency (principle 4), so a conflict keeps the more serious answer.
* other fields: the newest evidence wins (a person's answer before a record of the same
  day); older ones are kept as ``superseded``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from .. import jsonio
from ..errors import InvalidPatientState
from ..fields import FIELDS
from ..jsonio import quote
from ..patient import PatientState
from . import questionnaire, records
from .provenance import SEVERITIES, Collector, Evidence, FieldProvenance, Issue

__all__ = [
    "DEFAULT_WINDOWS",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_ENTRIES",
    "MAX_NODES",
    "READABLE",
    "InvalidFHIRInput",
    "Reading",
    "read",
    "read_json",
]

#: A patient's whole record as one Bundle can run to megabytes (a Synthea patient is 0.3-3 MB).
MAX_BYTES = 32 * 1024 * 1024
#: FHIR nests deeper than the flat patient form (extensions in extensions, nested items).
MAX_DEPTH = 64
MAX_ENTRIES = 20_000
#: JSON values (objects, arrays, scalars) in one input, whatever its shape.
MAX_NODES = 5_000_000
READABLE = ("Bundle", "QuestionnaireResponse", *records.EXTRACTORS)

#: How recent a record must be, in days before the reference date, to answer a field about
#: now (docs/fhir.md, "Windows"). Fields not named here take any date.
DEFAULT_WINDOWS: Mapping[str, int] = MappingProxyType(
    {
        "pain_intensity": 14,  # "average pain last week": a rating from the last 2 weeks
        "fever": 7,
        "urinary_retention": 14,
        "faecal_incontinence": 14,
        "unexplained_weight_loss": 180,
        "pregnant": 280,
        "bmi": 365,
    }
)


class InvalidFHIRInput(InvalidPatientState):
    """The input is not a FHIR resource spinerules can read (``fields`` names the element)."""


@attrs.frozen
class Reading:
    """What a FHIR input says: the state (None when a required field could not be mapped or
    the state is not valid; ``issues`` says why), the values mapped, each field's provenance,
    and the issues found."""

    state: PatientState | None
    values: Mapping[str, object]
    provenance: Mapping[str, FieldProvenance]
    issues: tuple[Issue, ...]
    reference_date: dt.date
    patient_ref: str | None = None

    def require_state(self) -> PatientState:
        """The state, or ``InvalidFHIRInput`` with the errors that kept it from being built."""
        if self.state is not None:
            return self.state
        errors = [i for i in self.issues if i.severity == "error"]
        raise InvalidFHIRInput(
            "FHIR input cannot be assessed: " + "; ".join(f"{i.path}: {i.message}" for i in errors),
            fields=tuple(i.path for i in errors),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference_date": self.reference_date.isoformat(),
            "patient": self.patient_ref,
            "state": self.state.to_dict() if self.state is not None else None,
            "provenance": {k: v.to_dict() for k, v in self.provenance.items()},
            "issues": [i.to_dict() for i in self.issues],
        }


# --- the door ------------------------------------------------------------------------------------


def _fail(path: str, message: str) -> InvalidFHIRInput:
    return InvalidFHIRInput(f"FHIR input: {path}: {message}", fields=(path,))


def _check_shape(resource: object) -> None:
    """Depth and size bounded before anything is read, without recursion; the error names
    the element where the limit was passed."""
    stack: list[tuple[object, str, int]] = [(resource, _root(resource), 1)]
    nodes = 0
    while stack:
        value, path, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise _fail(path, f"more than {MAX_NODES:,} JSON values; expected a smaller input")
        if depth > MAX_DEPTH:
            raise _fail(
                path[:200],
                f"nesting {depth} levels deep is not allowed; expected at most {MAX_DEPTH}",
            )
        if isinstance(value, Mapping):
            stack.extend((v, f"{path}.{k}", depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value))


def _root(resource: object) -> str:
    kind = resource.get("resourceType") if isinstance(resource, Mapping) else None
    return kind if isinstance(kind, str) and kind.isalpha() and len(kind) < 40 else "$"


def _door(resource: object) -> str:
    """The resourceType, once the input is known to be a FHIR resource spinerules reads."""
    if not isinstance(resource, Mapping):
        raise _fail(
            "$",
            f"{quote(resource, 40)} is not allowed; expected a FHIR resource (a JSON object with a resourceType)",
        )
    kind = resource.get("resourceType")
    if kind is None:
        hint = (
            " (a spinerules patient state? pass it to spinerules.assess)"
            if any(k in FIELDS for k in resource)
            else ""
        )
        raise _fail(
            "resourceType",
            f"missing: this is not a FHIR resource{hint}; expected one of {', '.join(READABLE)}",
        )
    if kind not in READABLE:
        raise _fail(
            "resourceType",
            f"{quote(kind, 40)} is not a resource spinerules reads; expected one of {', '.join(READABLE)}",
        )
    _check_shape(resource)
    if kind == "Bundle":
        entries = resource.get("entry", [])
        if not isinstance(entries, list):
            raise _fail("Bundle.entry", "must be a list of entries")
        if len(entries) > MAX_ENTRIES:
            raise _fail(
                "Bundle.entry",
                f"{len(entries):,} entries are more than the limit of {MAX_ENTRIES:,}",
            )
    return str(kind)


# --- walking -----------------------------------------------------------------------------------


def _patient_refs(url: object, resource: Mapping[str, Any]) -> set[str]:
    refs = {r for r in (records.reference_of(url, resource),) if r}
    rid = resource.get("id")
    if isinstance(rid, str):
        refs |= {f"Patient/{rid}", f"urn:uuid:{rid}"}
    return refs


def _read_one(
    c: Collector, kind: str, resource: Mapping[str, Any], path: str, ref: str | None
) -> None:
    records.check_id(c, resource, path)
    if kind == "QuestionnaireResponse":
        questionnaire.extract(c, resource, path, ref)
    else:
        records.EXTRACTORS[kind](c, resource, path, ref)


def _walk_bundle(c: Collector, bundle: Mapping[str, Any]) -> str | None:
    entries = [e if isinstance(e, Mapping) else None for e in bundle.get("entry", [])]
    resources: list[tuple[int, Mapping[str, Any], str | None]] = []
    for index, entry in enumerate(entries):
        path = f"Bundle.entry[{index}]"
        resource = entry.get("resource") if entry is not None else None
        if entry is None:
            c.issue("warning", path, "an entry must be an object; skipped")
        elif not isinstance(resource, Mapping) or not isinstance(resource.get("resourceType"), str):
            c.issue("warning", f"{path}.resource", "no resource with a resourceType; skipped")
        else:
            resources.append((index, resource, entry.get("fullUrl")))
    patients = [(i, r, u) for i, r, u in resources if r["resourceType"] == "Patient"]
    patient_ref = None
    if patients:
        index, resource, url = patients[0]
        c.patient_refs |= _patient_refs(url, resource)
        patient_ref = records.reference_of(url, resource)
        for other, _, _ in patients[1:]:
            c.issue(
                "warning",
                f"Bundle.entry[{other}].resource",
                "a second Patient: only the first is read, and records about others are not used",
            )
    skipped: Counter[str] = Counter()
    for index, resource, url in resources:
        kind = resource["resourceType"]
        path = f"Bundle.entry[{index}].resource"
        if kind == "Patient" and patients and index != patients[0][0]:
            continue
        if kind in READABLE and kind != "Bundle":
            try:
                _read_one(c, kind, resource, path, records.reference_of(url, resource))
            except Exception as error:  # a shape no reader foresaw: this entry only
                c.issue("warning", path, f"could not be read ({type(error).__name__}); skipped")
        else:
            skipped[kind] += 1
    if skipped:
        listed = ", ".join(f"{n} {k}" for k, n in sorted(skipped.items()))
        c.issue("information", "Bundle.entry", f"not read (no field comes from them): {listed}")
    return patient_ref


# --- deciding --------------------------------------------------------------------------------


def _decide(
    field: str, items: list[Evidence], issues: list[Issue]
) -> tuple[object, tuple[Evidence, ...]]:
    answers = [e for e in items if e.status in ("used", "refuted") and e.value is not None]
    if not answers:
        return None, tuple(items)
    if FIELDS[field].kind == "bool" if field in FIELDS else False:
        value: object = any(e.value is True for e in answers)
        losers = [e for e in answers if e.value is not value]
        if losers:
            winners = [e for e in answers if e.value is value]
            issues.append(
                Issue(
                    "warning",
                    losers[0].source.path,
                    f"{field}: the record says both yes ({_where(winners[0])}) and no "
                    f"({_where(losers[0])}); the yes is kept (a conflict keeps the more serious answer)",
                    field,
                )
            )
        kept = tuple(attrs.evolve(e, status="outweighed") if e in losers else e for e in items)
        return value, kept
    newest = max(answers, key=lambda e: (e.day or dt.date.min, e.from_person))
    kept = tuple(
        e if e is newest or e not in answers else attrs.evolve(e, status="superseded")
        for e in items
    )
    return newest.value, kept


def _where(e: Evidence) -> str:
    return f"{e.source.resource_type}/{e.source.id or '?'}"


def _build(values: dict[str, object], issues: list[Issue]) -> PatientState | None:
    """The state, dropping (and reporting) an optional field the state refuses; None when a
    required one is missing or refused."""
    values = dict(values)
    for name, spec in FIELDS.items():
        value = values.get(name)
        if spec.required and value is None:
            issues.append(Issue("error", name, _missing(name), name))
        elif spec.required and isinstance(value, int) and not spec.minimum <= value <= spec.maximum:  # type: ignore[operator]
            why = " (spinerules is for people aged 16 and over)" if name == "age" else ""
            issues.append(
                Issue(
                    "error", name, f"{value} is outside {spec.minimum}..{spec.maximum}{why}", name
                )
            )
    if any(i.severity == "error" and i.field in ("age", "pain_duration_days") for i in issues):
        return None
    for _ in range(len(FIELDS)):
        try:
            return PatientState.from_dict(values)
        except InvalidPatientState as error:
            fields = [f.split(".")[0] for f in error.fields]
            required = [f for f in fields if f in FIELDS and FIELDS[f].required]
            if required or not fields:
                issues.append(
                    Issue(
                        "error",
                        ", ".join(required or ["state"]),
                        str(error),
                        required[0] if required else None,
                    )
                )
                return None
            for name in dict.fromkeys(fields):
                issues.append(Issue("warning", name, f"not used: {error}", name))
                values.pop(name, None)
    return None


def _missing(name: str) -> str:
    if name == "age":
        return "no age: the Patient has no usable birthDate and the questionnaire no 'age' answer"
    return (
        "no length of this back-pain episode: no active low back pain Condition with an onset "
        "date, and no 'pain_duration_days' answer in a QuestionnaireResponse"
    )


def read(
    resource: object,
    *,
    reference_date: dt.date | None = None,
    windows: Mapping[str, int] | None = None,
) -> Reading:
    """Map a FHIR R4 Bundle, QuestionnaireResponse, or a single Patient, Condition,
    Observation or MedicationStatement to a ``Reading``.

    ``reference_date`` is the day the state describes (default: today): the age is the age on
    that day, and records about "now" count only within ``windows`` days before it
    (``DEFAULT_WINDOWS``, overridden per field). Raises ``InvalidFHIRInput`` only when the input
    is not a resource it reads at all (not an object, no or another resourceType, too deep,
    too large).
    """
    kind = _door(resource)
    assert isinstance(resource, Mapping)
    day = reference_date or dt.date.today()
    c = Collector(day, {**DEFAULT_WINDOWS, **(windows or {})})
    patient_ref = None
    if kind == "Bundle":
        patient_ref = _walk_bundle(c, resource)
    else:
        if kind == "Patient":
            c.patient_refs |= _patient_refs(None, resource)
            patient_ref = records.reference_of(None, resource)
        _read_one(c, kind, resource, kind, records.reference_of(None, resource))
    by_field: dict[str, list[Evidence]] = {}
    for e in c.evidence:
        if (
            e.day is not None
            and e.day > day
            and e.status in ("used", "refuted")
            and e.value is not None
        ):
            if e.value is True:  # a dropped "yes" is said, not only kept in the provenance
                c.issue(
                    "warning",
                    e.source.path,
                    f"says yes to {e.field}, but is dated {e.day.isoformat()}, after the "
                    f"reference date {day.isoformat()}: not used; ask the person",
                    e.field,
                )
            e = attrs.evolve(
                e,
                status="stale",
                value=None,
                note=f"{e.note}; dated after the reference date {day.isoformat()}",
            )
        by_field.setdefault(e.field, []).append(e)
    issues = list(c.issues)
    values: dict[str, object] = {}
    provenance: dict[str, FieldProvenance] = {}
    for field in (f for f in FIELDS if f in by_field):
        value, kept = _decide(field, by_field[field], issues)
        provenance[field] = FieldProvenance(field, value, kept)
        if value is not None:
            values[field] = value
    state = _build(values, issues)
    # errors, then warnings, then notes (stable): a reader that shows the first few, as the
    # CLI does, shows a clinician alert before a note about how a code was spelt
    issues.sort(key=lambda i: SEVERITIES.index(i.severity))
    if state is not None:  # what the state holds, derived values included
        held = state.to_dict()  # once: it was built per field, most of a read's time
        values = {k: v for k, v in values.items() if k in held}
    return Reading(
        state=state,
        values=MappingProxyType(values),
        provenance=MappingProxyType(provenance),
        issues=tuple(issues),
        reference_date=day,
        patient_ref=patient_ref,
    )


def read_json(data: str | bytes, *, source: str = "FHIR input", **options: Any) -> Reading:
    """``read`` of a JSON document, parsed strictly by ``jsonio`` (duplicate keys, NaN, size up
    to ``MAX_BYTES``, nesting up to ``MAX_DEPTH``)."""
    return read(
        jsonio.loads(data, source=source, max_bytes=MAX_BYTES, max_depth=MAX_DEPTH), **options
    )
