"""What each kind of FHIR record says about the patient-state fields.

One function per resource type (Patient, Condition, Observation, MedicationStatement) turns a
plain-JSON resource into ``Evidence`` for the fields its codes answer (``codes.tsv``), with the
status rules of docs/fhir.md: entered-in-error is ignored, refuted is an explicit "no" when
the code means the whole field (``_REFUTES_FIELD``),
inactive records answer only "ever had" fields, unconfirmed ones answer nothing, and a record
older than the field's window is stale. Nothing here decides between records: that is
``reading.resolve``. Every problem becomes an issue at its element path.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from . import codes
from .codes import CodeRow
from .primitives import ID, age_on, parse_date, read_number
from .provenance import Collector, Evidence, Source

__all__ = ["EXTRACTORS", "coded_rows", "reference_of", "round_half_up", "subject_ok"]

#: The codes whose refutation is an explicit "no" to their field: each means the whole field.
#: A refuted narrower code rules out that kind only (refuted HIV infection is not "not
#: immunosuppressed", refuted type 2 diabetes is not "no diabetes", refuted normal pregnancy is
#: not "not pregnant", a refuted C50.9 is not "never had any cancer"), so it answers nothing.
#: ICD-10 codes match exactly here, not by prefix: a subcode is narrower than its category.
#: A code not listed is not a "no": a row added to codes.tsv answers "no" only once added here.
_REFUTES_FIELD = frozenset(
    {
        ("sct", "267064002"),  # Retention of urine: urinary_retention
        ("sct", "72042002"),  # Incontinence of feces: faecal_incontinence
        ("sct", "386661006"),  # Fever: fever
        ("sct", "266987004"),  # History of malignant neoplasm: history_of_cancer
        ("sct", "363346000"),  # Malignant neoplastic disease: history_of_cancer
        ("sct", "448765001"),  # Unintentional weight loss: unexplained_weight_loss
        ("sct", "228388006"),  # Intravenous drug user: iv_drug_use
        ("sct", "370388006"),  # Patient immunocompromised: immunosuppressed
        ("sct", "64859006"),  # Osteoporosis: osteoporosis
        ("sct", "73211009"),  # Diabetes mellitus: diabetes
        ("sct", "38341003"),  # Hypertensive disorder: hypertension
        ("sct", "13645005"),  # Chronic obstructive lung disease: copd
        ("sct", "77386006"),  # Pregnant: pregnant
        ("icd10", "R33"),  # Retention of urine
        ("icd10", "R15"),  # Faecal incontinence
        ("icd10", "R63.4"),  # Abnormal weight loss
        ("icd10", "Z85"),  # Personal history of malignant neoplasm
    }
)
_ACTIVE = frozenset({"active", "recurrence", "relapse"})
_INACTIVE = frozenset({"inactive", "remission", "resolved"})
_UNCONFIRMED = frozenset({"provisional", "differential", "unconfirmed"})
_OBS_FINAL = frozenset({"final", "amended", "corrected"})
_OBS_IGNORED = frozenset({"entered-in-error", "cancelled"})
_FEVER_CELSIUS = 38.0  # clinical.md section 2: "measured temperature 38 °C or more"
_LONG_TERM_STEROID_DAYS = 90  # clinical.md section 2: "steroid tablets for 3 months or more"


def reference_of(entry_url: object, resource: Mapping[str, Any]) -> str | None:
    """How other resources in the input refer to this one: its fullUrl, else ``Type/id``."""
    if isinstance(entry_url, str) and entry_url:
        return entry_url
    rid = resource.get("id")
    return f"{resource.get('resourceType')}/{rid}" if isinstance(rid, str) else None


def round_half_up(value: float) -> int:
    """6.5 -> 7, 6.06 -> 6: a 0-10 rating is a whole number the person picks (docs/fhir.md)."""
    return math.floor(value + 0.5)


def _code_of(concept: object) -> Iterator[tuple[int, Mapping[str, Any]]]:
    codings = concept.get("coding") if isinstance(concept, Mapping) else None
    if isinstance(codings, list):
        for index, coding in enumerate(codings):
            if isinstance(coding, Mapping):
                yield index, coding


def coded_rows(
    c: Collector, concept: object, path: str, *, uses: frozenset[str] | None = None
) -> list[tuple[CodeRow, str, str]]:
    """The table rows a CodeableConcept's codings match, as (row, coding path, ``system|code``).

    Checks every coding of a known system on the way: a malformed code, a code of another
    system under this one (a SNOMED CT id under ICD-10), and a display that contradicts the
    table's meaning are issues, and such a coding answers nothing.
    """
    found: list[tuple[CodeRow, str, str]] = []
    for index, coding in _code_of(concept):
        where = f"{path}.coding[{index}]"
        system, code, display = coding.get("system"), coding.get("code"), coding.get("display")
        key = codes.system_key(system)
        # Another spelling of a known system or code is read as the canonical one, and said
        # (only for a coding the table knows: a whole CDA-converted record must not bury the
        # warnings that matter under one note per coding).
        respelt: list[tuple[str, str]] = []
        canonical = codes.canonical_system(system)
        if canonical is not None:
            respelt.append(
                (
                    f"{where}.system",
                    f"{str(system)[:80]!r} is not the canonical URI; read as {canonical}",
                )
            )
            system, key = canonical, codes.system_key(canonical)
        if key is None or not isinstance(code, str):
            if key is not None:
                c.issue("warning", f"{where}.code", f"a {key} coding without a code string")
            continue
        if key == "icd10" and (dotted := codes.dotted_icd10(code)) is not None:
            respelt.append(
                (
                    f"{where}.code",
                    f"ICD-10 code {code[:20]!r} read as {dotted} (the dotted, upper-case form)",
                )
            )
            code = dotted
        problem = codes.code_problem(key, code)
        if problem is not None:
            c.issue("warning", f"{where}.code", f"{problem} (system {system}); not used")
            continue
        rows = codes.lookup(key, code)
        if not rows or any(r.use == "exclude" for r in rows):
            continue  # unknown, or the longest prefix says "not this field" (C44 under C)
        for at, note in respelt:
            c.issue("information", at, note)
        row = rows[0]
        exact = row.code.upper() == code.strip().upper()  # a subcode's label names the subcode
        if exact and isinstance(display, str) and codes.label_contradicts(row, display):
            c.issue(
                "warning",
                f"{where}.display",
                f"the label {display[:80]!r} contradicts {key} {code} ({row.display}); "
                "which one was meant cannot be told, so it answers nothing",
                row.field,
            )
            continue
        if uses is not None:
            rows = tuple(r for r in rows if r.use in uses)
        found.extend((r, where, f"{system}|{code}") for r in rows)
    return found


def _text_only(c: Collector, concept: object, path: str, kind: str) -> None:
    """A concept with text and no coding answers nothing (free text is not read), but is
    said: "Cauda equina syndrome" typed as text must reach a clinician, not vanish."""
    if not isinstance(concept, Mapping) or concept.get("coding"):
        return
    text = concept.get("text")
    if isinstance(text, str) and text.strip():
        c.issue(
            "information",
            f"{path}.text",
            f"a {kind} with text only ({text[:80]!r}) and no coding is not read; a clinician should read it",
        )


def _status_code(concept: object) -> str | None:
    for _, coding in _code_of(concept):
        code = coding.get("code")
        if isinstance(code, str):
            return code
    return None


def _date(
    c: Collector, resource: Mapping[str, Any], path: str, *names: str
) -> tuple[dt.date | None, str | None]:
    """The first of ``names`` present (``onsetPeriod.start`` allowed), parsed; an unparseable
    date is an issue and gives None."""
    for name in names:
        head, _, tail = name.partition(".")
        value = resource.get(head)
        if tail and isinstance(value, Mapping):
            value = value.get(tail)
        elif tail:
            value = None
        if value is None:
            continue
        parsed = parse_date(value)
        if parsed is None:
            c.issue(
                "warning", f"{path}.{name}", f"{str(value)[:60]!r} is not a FHIR date or dateTime"
            )
            return None, None
        return parsed[0], str(value)
    return None, None


def _window(c: Collector, field: str, day: dt.date | None) -> str | None:
    """None when the record is recent enough for the field, else the note why not."""
    return c.stale(field, day)


def _stale_yes(c: Collector, path: str, field: str, what: str, why: str) -> None:
    """A "yes" dropped for its date is said as an issue, not only in the provenance: a
    red-flag finding left unknown must be asked about, and a clinician reading the issues
    should see that the record holds it."""
    c.issue(
        "warning",
        path,
        f"{what} says yes to {field}, but {why}: not used as an answer about now; ask the person",
        field,
    )


def _plain_reference(ref: object) -> object:
    """``Patient/p1`` for a versioned (``Patient/p1/_history/2``) or absolute
    (``https://host/fhir/Patient/p1``) reference to it: the same Patient, whose records must
    not be dropped as someone else's."""
    if not isinstance(ref, str) or ref.startswith(("urn:", "#")):
        return ref
    parts = ref.split("/_history/")[0].rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else ref


def subject_ok(c: Collector, resource: Mapping[str, Any], path: str, kind: str) -> bool:
    subject = resource.get("subject")
    ref = subject.get("reference") if isinstance(subject, Mapping) else None
    if not c.patient_refs or ref is None:
        return True
    if ref in c.patient_refs or _plain_reference(ref) in c.patient_refs:
        return True
    c.issue(
        "warning",
        f"{path}.subject.reference",
        f"{kind} is about {str(ref)[:80]!r}, not the Patient read; not used",
    )
    return False


def _source(
    resource: Mapping[str, Any],
    path: str,
    element: str,
    ref: str | None,
    code: str | None,
    date: str | None,
) -> Source:
    rid = resource.get("id")
    return Source(
        resource_type=str(resource.get("resourceType")),
        id=rid if isinstance(rid, str) else None,
        path=path,
        element=element,
        code=code,
        date=date,
        reference=ref,
    )


# --- Patient ---------------------------------------------------------------------------------


def patient(c: Collector, resource: Mapping[str, Any], path: str, ref: str | None) -> None:
    """Age at the reference date from ``birthDate``; sex from ``gender``."""
    birth = resource.get("birthDate")
    if birth is None:
        c.issue("error", f"{path}.birthDate", "no birthDate: the age cannot be known", "age")
    else:
        parsed = parse_date(birth)
        if parsed is None:
            c.issue("error", f"{path}.birthDate", f"{str(birth)[:40]!r} is not a FHIR date", "age")
        else:
            day, precision = parsed
            note = f"age on {c.reference_date.isoformat()} from birthDate {birth}"
            if precision != "day":
                note += (
                    f" (only the {precision} is known: the earliest day is taken, the older age)"
                )
                c.issue(
                    "warning",
                    f"{path}.birthDate",
                    f"birthDate {birth} gives the {precision} only; the older age is used",
                    "age",
                )
            age = age_on(day, c.reference_date)
            c.add(
                Evidence(
                    "age",
                    age,
                    _source(resource, path, "Patient.birthDate", ref, None, str(birth)),
                    "used",
                    note,
                    c.reference_date,
                )
            )
    gender = resource.get("gender")
    if gender is not None:
        if gender in ("female", "male", "other", "unknown"):
            c.add(
                Evidence(
                    "sex",
                    gender,
                    _source(resource, path, "Patient.gender", ref, None, None),
                    "used",
                    "Patient.gender (administrative gender)",
                    c.reference_date,
                )
            )
        else:
            c.issue(
                "warning",
                f"{path}.gender",
                f"{str(gender)[:40]!r} is not an R4 administrative gender",
                "sex",
            )
    if resource.get("deceasedBoolean") is True or "deceasedDateTime" in resource:
        c.issue("warning", f"{path}.deceased[x]", "the Patient is recorded as deceased")


# --- Condition -------------------------------------------------------------------------------


def condition(c: Collector, resource: Mapping[str, Any], path: str, ref: str | None) -> None:
    """Conditions answer the fields their code rows name, by the row's ``use``."""
    matches = coded_rows(
        c,
        resource.get("code"),
        f"{path}.code",
        uses=frozenset({"current", "history", "recent", "episode", "alert"}),
    )
    if not matches:
        _text_only(c, resource.get("code"), f"{path}.code", "Condition")
    if not matches or not subject_ok(c, resource, path, "this Condition"):
        return
    verification = _status_code(resource.get("verificationStatus"))
    clinical = _status_code(resource.get("clinicalStatus"))
    if clinical is None and verification != "entered-in-error":
        abated = any(k.startswith("abatement") for k in resource)
        clinical = "resolved" if abated else "active"
        c.issue(
            "information",
            f"{path}.clinicalStatus",
            f"no clinicalStatus; read as {clinical} ({'an abatement is given' if abated else 'no abatement is given'})",
        )
    day, written = _date(c, resource, path, "onsetDateTime", "onsetPeriod.start", "recordedDate")
    for row, where, code in matches:
        source = _source(
            resource,
            path,
            where.removeprefix(path).replace(".code", "Condition.code", 1),
            ref,
            code,
            written,
        )
        field = row.field or "pain_duration_days"
        if verification == "entered-in-error":
            c.add(
                Evidence(
                    field,
                    None,
                    source,
                    "entered-in-error",
                    "verificationStatus entered-in-error: ignored",
                    day,
                )
            )
            continue
        if verification in _UNCONFIRMED:
            c.add(
                Evidence(
                    field,
                    None,
                    source,
                    "unconfirmed",
                    f"verificationStatus {verification}: not an answer",
                    day,
                )
            )
            c.issue(
                "warning",
                f"{path}.verificationStatus",
                f"{row.display} is {verification}: a clinician should confirm it; left unknown",
                row.field,
            )
            continue
        if row.use == "alert":
            if verification != "refuted" and clinical in _ACTIVE:
                c.issue(
                    "warning",
                    f"{path}.code",
                    f"the record holds an active {row.display}: a clinician must see this",
                )
            continue
        if row.use == "episode":
            _episode(c, resource, path, source, clinical, verification, day)
            continue
        if verification == "refuted":
            if (row.system, code.partition("|")[2].strip().upper()) not in _REFUTES_FIELD:
                note = (
                    f"verificationStatus refuted: it rules out {row.display} only, which "
                    f"is narrower than {field}; not an answer"
                )
                c.add(Evidence(field, None, source, "refuted", note, day))
            elif row.use == "recent" and (why := _window(c, field, day)) is not None:
                c.add(Evidence(field, None, source, "stale", f"refuted, but {why}", day))
            else:
                c.add(
                    Evidence(
                        field,
                        False,
                        source,
                        "refuted",
                        "verificationStatus refuted: read as an explicit no",
                        day,
                    )
                )
            continue
        active = clinical in _ACTIVE
        if row.use == "history":
            c.add(
                Evidence(
                    field,
                    True,
                    source,
                    "used",
                    f"a {clinical} record of {row.display}: it answers 'ever had'",
                    day,
                )
            )
        elif not active:
            c.add(
                Evidence(
                    field,
                    None,
                    source,
                    "inactive",
                    f"clinicalStatus {clinical}: says nothing about now",
                    day,
                )
            )
        elif row.use == "recent" and (why := _window(c, field, day)) is not None:
            c.add(Evidence(field, None, source, "stale", why, day))
            _stale_yes(c, f"{path}.onset[x]", field, f"an active record of {row.display}", why)
        else:
            c.add(Evidence(field, True, source, "used", f"an active record of {row.display}", day))


def _episode(
    c: Collector,
    resource: Mapping[str, Any],
    path: str,
    source: Source,
    clinical: str | None,
    verification: str | None,
    day: dt.date | None,
) -> None:
    field = "pain_duration_days"
    if verification == "refuted" or clinical not in _ACTIVE:
        c.add(
            Evidence(
                field,
                None,
                source,
                "inactive",
                f"a {verification if verification == 'refuted' else clinical} back-pain record is not this episode",
                day,
            )
        )
        return
    if day is None:
        c.add(
            Evidence(
                field,
                None,
                source,
                "not-an-answer",
                "an active back-pain record without an onset date",
            )
        )
        c.issue(
            "warning",
            f"{path}.onset[x]",
            "an active back-pain Condition without an onset date: the episode's length is unknown",
            field,
        )
        return
    days = (c.reference_date - day).days
    if not 0 <= days <= 36500:
        c.issue(
            "warning",
            f"{path}.onset[x]",
            f"an onset {days} days before the reference date is not allowed (0..36500)",
            field,
        )
        return
    c.add(
        Evidence(
            field,
            days,
            source,
            "used",
            f"days from the onset of this back-pain episode to {c.reference_date.isoformat()}",
            day,
        )
    )


# --- Observation ------------------------------------------------------------------------------


def observation(c: Collector, resource: Mapping[str, Any], path: str, ref: str | None) -> None:
    matches = coded_rows(c, resource.get("code"), f"{path}.code")
    if not matches:
        _text_only(c, resource.get("code"), f"{path}.code", "Observation")
    if not matches or not subject_ok(c, resource, path, "this Observation"):
        return
    status = resource.get("status")
    if not isinstance(status, str):  # a list or an object: no status to trust (and unhashable)
        status = None
    day, written = _date(
        c,
        resource,
        path,
        "effectiveDateTime",
        "effectiveInstant",
        "effectivePeriod.end",
        "effectivePeriod.start",
        "issued",
    )
    # The first coding that answers a field: a "known" coding first in the list (Body height
    # beside Body temperature) must not hide the one after it.
    answering = [m for m in matches if m[0].use != "known" and m[0].field is not None]
    if not answering:
        return
    row, where, code = answering[0]
    assert row.field is not None
    source = _source(
        resource,
        path,
        where.removeprefix(path).replace(".code", "Observation.code", 1),
        ref,
        code,
        written,
    )
    field = row.field
    if status in _OBS_IGNORED or status not in _OBS_FINAL:
        why = "entered-in-error" if status == "entered-in-error" else "unconfirmed"
        c.add(Evidence(field, None, source, why, f"status {status}: not used", day))
        if status not in _OBS_IGNORED:
            c.issue(
                "information",
                f"{path}.status",
                f"an Observation with status {str(status)[:30]!r} is not used",
                field,
            )
        return
    if "dataAbsentReason" in resource:
        c.add(Evidence(field, None, source, "not-an-answer", "dataAbsentReason: no value", day))
        return
    handler = _MEASURES.get(row.code)
    if handler is not None:
        handler(c, resource, path, source, day)
    elif row.field and row.use in ("current", "history", "recent"):
        _finding(c, resource, path, source, row, day)


def _finding(
    c: Collector,
    resource: Mapping[str, Any],
    path: str,
    source: Source,
    row: CodeRow,
    day: dt.date | None,
) -> None:
    """An Observation whose code is a finding (Fever, Retention of urine): present unless its
    value says no (valueBoolean false, or the coded No)."""
    field = row.field or "-"
    value: bool | None = True
    if "valueBoolean" in resource:
        value = resource["valueBoolean"] if type(resource["valueBoolean"]) is bool else None
    elif "valueCodeableConcept" in resource:
        answers = {
            r.code
            for r, _, _ in coded_rows(
                c,
                resource["valueCodeableConcept"],
                f"{path}.valueCodeableConcept",
                uses=frozenset({"value"}),
            )
        }
        value = (
            True
            if answers & {"373066001", "LA33-6"}
            else False
            if answers & {"373067005", "LA32-8"}
            else None
        )
    if value is None:
        c.issue(
            "warning",
            f"{path}.value[x]",
            f"the value of this {row.display} finding is neither yes nor no; not used",
            row.field,
        )
        return
    if row.use == "recent" and (why := _window(c, field, day)) is not None:
        # an old "no" is no more an answer about now than an old "yes"
        c.add(Evidence(field, None, source, "stale", why, day))
        if value:
            _stale_yes(c, f"{path}.effective[x]", field, f"an Observation of {row.display}", why)
        return
    c.add(
        Evidence(
            field,
            value,
            source,
            "used",
            f"an Observation of {row.display}: {'present' if value else 'absent'}",
            day,
        )
    )


def _quantity(
    c: Collector, holder: Mapping[str, Any], path: str
) -> tuple[float | int | None, str | None]:
    if "valueQuantity" in holder:
        q = holder["valueQuantity"]
        value = read_number(q.get("value")) if isinstance(q, Mapping) else None
        if value is None:
            c.issue("warning", f"{path}.valueQuantity.value", "no number in valueQuantity")
        unit = (q.get("code") or q.get("unit")) if isinstance(q, Mapping) else None
        return value, unit if isinstance(unit, str) else None
    if "valueInteger" in holder:
        value = read_number(holder["valueInteger"])
        if type(value) is not int:
            c.issue("warning", f"{path}.valueInteger", "valueInteger is not an integer")
            return None, None
        return value, None
    c.issue("warning", f"{path}.value[x]", "no numeric value")
    return None, None


def _dated(
    c: Collector, field: str, value: object, source: Source, day: dt.date | None, note: str
) -> None:
    why = _window(c, field, day)
    if why is not None:
        c.add(Evidence(field, None, source, "stale", f"{value!r}: {why}", day))
    else:
        c.add(Evidence(field, value, source, "used", note, day))


def _bmi(
    c: Collector, resource: Mapping[str, Any], path: str, source: Source, day: dt.date | None
) -> None:
    value, unit = _quantity(c, resource, path)
    if value is None:
        return
    if unit not in (None, "kg/m2", "kg/m^2"):
        c.issue(
            "warning", f"{path}.valueQuantity.code", f"BMI in {unit!r}, not kg/m2; not used", "bmi"
        )
        return
    if not 10 <= value <= 80:
        c.issue(
            "warning",
            f"{path}.valueQuantity.value",
            f"BMI {value} is outside 10..80; not used",
            "bmi",
        )
        return
    _dated(c, "bmi", float(value), source, day, f"BMI {value} kg/m2")


def _pain(
    c: Collector,
    value: float | int | None,
    path: str,
    source: Source,
    day: dt.date | None,
    what: str,
) -> None:
    if value is None:
        return
    if not 0 <= value <= 10:
        c.issue("warning", path, f"{what} {value} is outside 0..10; not used", "pain_intensity")
        return
    score = value if type(value) is int else round_half_up(value)
    note = f"{what} {value}" + (
        "" if score == value and type(value) is int else f", rounded to {score}"
    )
    _dated(c, "pain_intensity", score, source, day, note)


def _pain_severity(
    c: Collector, resource: Mapping[str, Any], path: str, source: Source, day: dt.date | None
) -> None:
    value, _ = _quantity(c, resource, path)
    _pain(c, value, f"{path}.value[x]", source, day, "pain severity 0-10")


def _peg(
    c: Collector, resource: Mapping[str, Any], path: str, source: Source, day: dt.date | None
) -> None:
    """PEG: its first item (75893-8, average pain in the past week) is ``pain_intensity``."""
    components = resource.get("component")
    found = False
    for index, component in enumerate(components if isinstance(components, list) else ()):
        if not isinstance(component, Mapping):
            continue
        where = f"{path}.component[{index}]"
        if any(
            r.code == "75893-8" for r, _, _ in coded_rows(c, component.get("code"), f"{where}.code")
        ):
            found = True
            value, _ = _quantity(c, component, where)
            item = _at_element(
                source, f"Observation.component[{index}]", "http://loinc.org|75893-8"
            )
            _pain(c, value, f"{where}.value[x]", item, day, "PEG average pain in the past week")
    if not found:
        c.issue(
            "information",
            f"{path}.component",
            "a PEG panel without its pain item (75893-8)",
            "pain_intensity",
        )


def _at_element(source: Source, element: str, code: str) -> Source:
    return Source(
        source.resource_type, source.id, source.path, element, code, source.date, source.reference
    )


def _smoking(
    c: Collector, resource: Mapping[str, Any], path: str, source: Source, day: dt.date | None
) -> None:
    concept = resource.get("valueCodeableConcept")
    rows = coded_rows(c, concept, f"{path}.valueCodeableConcept", uses=frozenset({"value"}))
    smoking = [r for r, _, _ in rows if r.field == "smokes_or_smoked"]
    if not smoking:
        c.issue(
            "information",
            f"{path}.valueCodeableConcept",
            "a smoking status this table does not know; not used",
            "smokes_or_smoked",
        )
        return
    code = smoking[0].code
    if code == "266927001":  # consumption unknown
        c.add(
            Evidence(
                "smokes_or_smoked", None, source, "not-an-answer", "smoking status unknown", day
            )
        )
        return
    value = code != "266919005"
    element = Source(
        source.resource_type,
        source.id,
        source.path,
        "Observation.valueCodeableConcept",
        f"http://snomed.info/sct|{code}",
        source.date,
        source.reference,
    )
    c.add(
        Evidence(
            "smokes_or_smoked", value, element, "used", f"smoking status {smoking[0].display}", day
        )
    )


def _temperature(
    c: Collector, resource: Mapping[str, Any], path: str, source: Source, day: dt.date | None
) -> None:
    value, unit = _quantity(c, resource, path)
    if value is None:
        return
    if unit in ("[degF]", "degF", "°F"):
        value = (value - 32) * 5 / 9
    elif unit not in (None, "Cel", "°C", "C"):
        c.issue(
            "warning", f"{path}.valueQuantity.code", f"a temperature in {unit!r}; not used", "fever"
        )
        return
    if not 25 <= value <= 45:
        c.issue(
            "warning",
            f"{path}.valueQuantity.value",
            f"a body temperature of {value:.1f} °C is not plausible; not used",
            "fever",
        )
        return
    if value < _FEVER_CELSIUS:
        c.add(
            Evidence(
                "fever",
                None,
                source,
                "not-an-answer",
                f"{value:.1f} °C: below 38 °C, but one normal reading does not rule out a fever or rigors",
                day,
            )
        )
        return
    if (why := _window(c, "fever", day)) is not None:
        _stale_yes(c, f"{path}.effective[x]", "fever", f"a temperature of {value:.1f} °C", why)
    _dated(
        c, "fever", True, source, day, f"a measured temperature of {value:.1f} °C (38 °C or more)"
    )


def _startback_total(
    c: Collector, resource: Mapping[str, Any], path: str, source: Source, day: dt.date | None
) -> None:
    c.issue(
        "information",
        path,
        "a STarT Back total score cannot answer its nine items; startback is left unknown (answer the items in the questionnaire)",
        "startback",
    )


_MEASURES: dict[
    str, Callable[[Collector, Mapping[str, Any], str, Source, dt.date | None], None]
] = {
    "39156-5": _bmi,
    "72514-3": _pain_severity,
    "75893-8": _pain_severity,
    "91148-7": _peg,
    "72166-2": _smoking,
    "8310-5": _temperature,
    "8331-1": _temperature,
    "91351-7": _startback_total,
}


# --- MedicationStatement ------------------------------------------------------------------------


def medication_statement(
    c: Collector, resource: Mapping[str, Any], path: str, ref: str | None
) -> None:
    """ATC-coded statements: systemic glucocorticoids for 90 days or more answer
    ``long_term_corticosteroids``; immunosuppressants and antineoplastics taken now answer
    ``immunosuppressed``."""
    concept = resource.get("medicationCodeableConcept")
    if concept is None and "medicationReference" in resource:
        c.issue(
            "information",
            f"{path}.medicationReference",
            "a medication by reference is not followed; code it in medicationCodeableConcept",
        )
        return
    matches = coded_rows(
        c, concept, f"{path}.medicationCodeableConcept", uses=frozenset({"current"})
    )
    if not matches or not subject_ok(c, resource, path, "this MedicationStatement"):
        return
    status = resource.get("status")
    if not isinstance(status, str):  # a list or an object is no status: nothing is read from it
        status = None
    start, written = _date(c, resource, path, "effectivePeriod.start", "effectiveDateTime")
    end, _ = _date(c, resource, path, "effectivePeriod.end")
    for row, where, code in matches:
        field = row.field or "-"
        source = _source(
            resource,
            path,
            where.removeprefix(path).replace(
                ".medicationCodeableConcept", "MedicationStatement.medicationCodeableConcept", 1
            ),
            ref,
            code,
            written,
        )
        if status == "entered-in-error":
            c.add(
                Evidence(
                    field,
                    None,
                    source,
                    "entered-in-error",
                    "status entered-in-error: ignored",
                    start,
                )
            )
        elif status in ("not-taken", "intended", "unknown", "on-hold") or status is None:
            c.add(
                Evidence(
                    field,
                    None,
                    source,
                    "not-an-answer",
                    f"status {status}: not taking it says nothing either way",
                    start,
                )
            )
        elif field == "long_term_corticosteroids":
            if start is None:
                c.add(
                    Evidence(
                        field,
                        None,
                        source,
                        "not-an-answer",
                        "no start date: how long is unknown",
                        start,
                    )
                )
                continue
            until = end or c.reference_date if status == "active" else end
            if until is None:
                c.add(
                    Evidence(
                        field,
                        None,
                        source,
                        "not-an-answer",
                        f"status {status} without an end date: how long is unknown",
                        start,
                    )
                )
                continue
            days = (until - start).days
            if days >= _LONG_TERM_STEROID_DAYS:
                c.add(
                    Evidence(
                        field,
                        True,
                        source,
                        "used",
                        f"{row.display} for {days} days (90 or more)",
                        start,
                    )
                )
            else:
                c.add(
                    Evidence(
                        field,
                        None,
                        source,
                        "not-an-answer",
                        f"{row.display} for {days} days: a short course says nothing about long-term use",
                        start,
                    )
                )
        elif status == "active":
            c.add(Evidence(field, True, source, "used", f"taking {row.display} now", start))
        else:
            c.add(
                Evidence(
                    field,
                    None,
                    source,
                    "inactive",
                    f"status {status}: says nothing about now",
                    start,
                )
            )


EXTRACTORS: Mapping[str, Callable[[Collector, Mapping[str, Any], str, str | None], None]] = {
    "Patient": patient,
    "Condition": condition,
    "Observation": observation,
    "MedicationStatement": medication_statement,
}


def check_id(c: Collector, resource: Mapping[str, Any], path: str) -> None:
    rid = resource.get("id")
    if rid is not None and not (isinstance(rid, str) and ID.fullmatch(rid)):
        c.issue(
            "warning",
            f"{path}.id",
            f"{str(rid)[:70]!r} is not a valid FHIR id (1-64 of A-Z a-z 0-9 - .)",
        )
