"""The FHIR Questionnaire of the patient-state vocabulary, and its QuestionnaireResponse.

Generated from ``fields.FIELDS`` so the form a clinic publishes cannot drift from validation:
one item per field, ``linkId`` = the field id, the text the field's lay question, the answer
type and options from the field spec. The core safety questions (policy, principle 3) come
first; findings only a clinician can give are marked with the ``asked-of`` extension. The
STarT Back items are a group of topic paraphrases (the Keele wording is licensed).

``questionnaire_response(state)`` writes a state as a response to it; reading a response back
(``extract``) gives the same state (a hypothesis property in tests/test_fhir_questionnaire.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..fields import FIELDS, STARTBACK_ITEMS, FieldSpec
from ..jsonio import nearest
from ..patient import PatientState, StartBackAnswers
from ..principles import CORE_SAFETY_QUESTIONS
from .primitives import parse_date, read_number
from .provenance import Collector, Evidence, Source
from .records import subject_ok

__all__ = [
    "ASKED_OF_URL",
    "CLINICIAN_ONLY",
    "CORE_URL",
    "QUESTIONNAIRE_URL",
    "answer_system",
    "extract",
    "questionnaire",
    "questionnaire_response",
]

BASE = "https://spinerules.dev/fhir"
QUESTIONNAIRE_URL = f"{BASE}/Questionnaire/patient-state"
ASKED_OF_URL = f"{BASE}/StructureDefinition/asked-of"
CORE_URL = f"{BASE}/StructureDefinition/core-safety-question"
_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"
_STARTBACK = "startback"
#: Answers read only from a response whose ``author`` is a Practitioner or PractitionerRole:
#: a clearance turns a ``soon`` red flag into a watch item and lifts the plan limit
#: (clinical.md section 3), so a person's own form must not carry one. The other clinician
#: findings (``pulsatile_abdominal_mass``, ``hla_b27``) are read from anyone: their "yes" only
#: adds, and their "no" satisfies no rule that unknown would not.
CLINICIAN_ONLY = frozenset({"clinician_cleared_flags"})


def answer_system(field: str) -> str:
    """The code system of one field's answer options (its choices are the codes)."""
    return f"{BASE}/CodeSystem/{field}"


def _words(choice: str) -> str:
    return choice.replace("_", " ")


def _order() -> list[str]:
    core = [name for name in CORE_SAFETY_QUESTIONS if name in FIELDS]
    return core + [name for name in FIELDS if name not in core]


def _options(field: str, spec: FieldSpec) -> list[dict[str, Any]]:
    system = answer_system(field)
    return [
        {"valueCoding": {"system": system, "code": c, "display": _words(c)}} for c in spec.choices
    ]


def _item(field: str, spec: FieldSpec, link_id: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "linkId": link_id,
        "text": spec.question,
        "extension": [{"url": ASKED_OF_URL, "valueCode": spec.asked_of}],
    }
    if field in CORE_SAFETY_QUESTIONS:
        item["extension"].append({"url": CORE_URL, "valueBoolean": True})
    if spec.required:
        item["required"] = True
    if spec.kind == "bool":
        item["type"] = "boolean"
    elif spec.kind in ("int", "float"):
        item["type"] = "integer" if spec.kind == "int" else "decimal"
        value = "valueInteger" if spec.kind == "int" else "valueDecimal"
        item["extension"] += [
            {"url": _MIN, value: spec.minimum},
            {"url": _MAX, value: spec.maximum},
        ]
    elif spec.kind in ("enum", "set"):
        item["type"] = "choice"
        item["answerOption"] = _options(link_id, spec)
        if spec.kind == "set":
            item["repeats"] = True
    elif spec.kind == "list":
        item["type"] = "string"
        item["repeats"] = True
    else:  # startback: a group of its items
        item["type"] = "group"
        item["item"] = [
            _item(name, sub, f"{_STARTBACK}.{name}") for name, sub in STARTBACK_ITEMS.items()
        ]
    return item


def questionnaire(*, version: str | None = None, date: str | None = None) -> dict[str, Any]:
    """The published Questionnaire (FHIR R4), one item per field."""
    from .. import KNOWLEDGE_VERSION

    result: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": "spinerules-patient-state",
        "url": QUESTIONNAIRE_URL,
        "version": version or KNOWLEDGE_VERSION,
        "name": "SpinerulesPatientState",
        "title": "Low back pain: safety questions first, then your plan",
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "spinerules",
        "description": (
            "The spinerules patient-state vocabulary as questions in lay words. Decision "
            "support, not a diagnosis. The core safety questions come first; items whose "
            f"{ASKED_OF_URL} extension says 'clinician' are findings only a clinician can "
            "give. STarT Back items are topic paraphrases (tool (c) Keele University)."
        ),
        "item": [_item(name, FIELDS[name], name) for name in _order()],
    }
    if date is not None:
        result["date"] = date
    return result


# --- state -> response -------------------------------------------------------------------------


def _answers(field: str, spec: FieldSpec, value: object) -> list[dict[str, Any]]:
    if spec.kind == "bool":
        return [{"valueBoolean": value}]
    if spec.kind == "int":
        return [{"valueInteger": value}]
    if spec.kind == "float":
        return [{"valueDecimal": value}]
    if spec.kind in ("enum", "set"):
        chosen = [str(value)] if spec.kind == "enum" else [c for c in spec.choices if c in value]  # type: ignore[operator]
        system = answer_system(field)
        return [
            {"valueCoding": {"system": system, "code": c, "display": _words(c)}} for c in chosen
        ]
    return [{"valueString": v} for v in value]  # type: ignore[attr-defined]


def questionnaire_response(
    state: PatientState,
    *,
    subject: str | None = None,
    authored: str | None = None,
    status: str = "completed",
    author: str | None = None,
) -> dict[str, Any]:
    """A state as a QuestionnaireResponse to ``questionnaire()``: answered fields only (an
    unanswered question has no answer, never a "no"). ``author`` (``Practitioner/...``) is
    needed for ``clinician_cleared_flags`` to be read back (``CLINICIAN_ONLY``)."""
    items: list[dict[str, Any]] = []
    for name in _order():
        spec = FIELDS[name]
        value = state.value(name)
        if value is None or value == () or value == frozenset():
            continue
        if isinstance(value, StartBackAnswers):
            sub = [
                {
                    "linkId": f"{_STARTBACK}.{k}",
                    "answer": _answers(f"{_STARTBACK}.{k}", s, getattr(value, k)),
                }
                for k, s in STARTBACK_ITEMS.items()
                if getattr(value, k) is not None
            ]
            # an empty group still says the tool was given (StartBackAnswers() is not None)
            items.append({"linkId": name, "item": sub} if sub else {"linkId": name})
            continue
        items.append({"linkId": name, "answer": _answers(name, spec, value)})
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": QUESTIONNAIRE_URL,
        "status": status,
        "item": items,
    }
    if subject is not None:
        response["subject"] = {"reference": subject}
    if authored is not None:
        response["authored"] = authored
    if author is not None:
        response["author"] = {"reference": author}
    return response


# --- response -> evidence ----------------------------------------------------------------------

_VALUE_KEYS = {
    "bool": ("valueBoolean",),
    "int": ("valueInteger",),
    "float": ("valueDecimal", "valueInteger"),
    "enum": ("valueCoding", "valueString"),
    "set": ("valueCoding", "valueString"),
    "list": ("valueString",),
}


def _answer_value(
    c: Collector, field: str, spec: FieldSpec, answer: Mapping[str, Any], where: str
) -> tuple[bool, object]:
    """(ok, value) of one answer; not ok is an issue already reported."""
    keys = [k for k in answer if k.startswith("value")]
    allowed = _VALUE_KEYS[spec.kind]
    if len(keys) != 1 or keys[0] not in allowed:
        c.issue(
            "warning",
            where,
            f"{field}: expected one of {', '.join(allowed)}, got {', '.join(keys) or 'no value'}",
            field,
        )
        return False, None
    key = keys[0]
    raw = answer[key]
    if key == "valueCoding":
        code = raw.get("code") if isinstance(raw, Mapping) else None
        system = raw.get("system") if isinstance(raw, Mapping) else None
        if system not in (None, answer_system(field)):
            c.issue(
                "warning",
                f"{where}.valueCoding.system",
                f"{field}: {str(system)[:80]!r} is not {answer_system(field)}",
                field,
            )
            return False, None
        raw = code
    elif key == "valueDecimal" or key == "valueInteger":
        raw = read_number(raw)
    value: object = raw
    if spec.kind in ("enum", "set") and raw not in spec.choices:
        near = nearest(raw, spec.choices)
        hint = f"; did you mean {near!r}?" if near else ""
        c.issue(
            "warning",
            where,
            f"{field}: {str(raw)[:40]!r} is not one of {', '.join(spec.choices)}{hint}",
            field,
        )
        return False, None
    if spec.kind == "bool" and type(raw) is not bool:
        c.issue("warning", where, f"{field}: valueBoolean must be true or false", field)
        return False, None
    if spec.kind == "int" and type(raw) is not int:
        c.issue("warning", where, f"{field}: valueInteger must be an integer", field)
        return False, None
    if spec.kind == "float" and raw is None:
        c.issue("warning", where, f"{field}: valueDecimal must be a number", field)
        return False, None
    if spec.kind == "list" and not isinstance(raw, str):
        c.issue("warning", where, f"{field}: valueString must be a string", field)
        return False, None
    return True, value


def _read_item(
    c: Collector, item: Mapping[str, Any], where: str, field: str, spec: FieldSpec
) -> tuple[bool, object]:
    answers = item.get("answer")
    if answers is None or answers == []:
        return False, None  # not answered: unknown, never "no"
    if not isinstance(answers, list):
        c.issue("warning", f"{where}.answer", f"{field}: answer must be a list", field)
        return False, None
    values: list[object] = []
    for index, answer in enumerate(answers):
        ok, value = (
            _answer_value(c, field, spec, answer, f"{where}.answer[{index}]")
            if isinstance(answer, Mapping)
            else (False, None)
        )
        if not ok:
            return False, None
        values.append(value)
    if spec.kind in ("set", "list"):
        return True, values
    if len(values) > 1 and len(set(map(repr, values))) > 1:
        c.issue(
            "warning",
            f"{where}.answer",
            f"{field}: {len(values)} different answers to one question cannot both be trusted; left unknown",
            field,
        )
        return False, None
    return True, values[0]


def extract(c: Collector, response: Mapping[str, Any], path: str, ref: str | None) -> None:
    """Evidence from a QuestionnaireResponse whose linkIds are field ids."""
    status = response.get("status")
    rid = response.get("id")
    authored, written = None, response.get("authored")
    if written is not None:
        parsed = parse_date(written)
        if parsed is None:
            c.issue("warning", f"{path}.authored", f"{str(written)[:40]!r} is not a FHIR dateTime")
            written = None
        else:
            authored = parsed[0]
    if status in ("entered-in-error", "stopped"):
        c.issue(
            "warning", f"{path}.status", f"a QuestionnaireResponse with status {status} is not read"
        )
        return
    if status not in ("completed", "amended"):
        c.issue(
            "information",
            f"{path}.status",
            f"status {str(status)[:20]!r}: the answers given so far are read",
        )
    if not subject_ok(c, response, path, "this QuestionnaireResponse"):
        return  # another person's answers, however complete, are not this person's
    url = response.get("questionnaire")
    if url is not None and str(url).split("|")[0] != QUESTIONNAIRE_URL:
        c.issue(
            "information",
            f"{path}.questionnaire",
            f"answers to {str(url)[:80]!r}, not {QUESTIONNAIRE_URL}: only linkIds that are spinerules field ids are read",
        )

    author = response.get("author")
    author_ref = author.get("reference") if isinstance(author, Mapping) else None
    by_clinician = isinstance(author_ref, str) and any(
        part in ("Practitioner", "PractitionerRole") for part in author_ref.split("/")[-2:-1]
    )

    def source(element: str) -> Source:
        return Source(
            "QuestionnaireResponse",
            rid if isinstance(rid, str) else None,
            path,
            element,
            None,
            written if isinstance(written, str) else None,
            ref,
        )

    def walk(items: object, where: str, element: str) -> None:
        if not isinstance(items, list):
            return
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                c.issue("warning", f"{where}[{index}]", "an item must be an object")
                continue
            here, el = f"{where}[{index}]", f"{element}[{index}]"
            link = item.get("linkId")
            if link == _STARTBACK:
                _startback(item, here, el)
                continue
            elif isinstance(link, str) and link in FIELDS:
                ok, value = _read_item(c, item, here, link, FIELDS[link])
                if ok and link in CLINICIAN_ONLY and not by_clinician:
                    c.issue(
                        "warning",
                        f"{here}.answer",
                        f"{link} is entered by a clinician only, and this response's author is "
                        "not a Practitioner: not used (the red flags stay listed)",
                        link,
                    )
                    ok = False
                why = c.stale(link, authored) if authored is not None else None
                if ok and why is not None:  # an old answer about now, yes or no, is not one
                    c.add(
                        Evidence(link, None, source(f"{el}.answer"), "stale", why, authored, True)
                    )
                    if value is True:
                        c.issue(
                            "warning",
                            f"{here}.answer",
                            f"{link}: answered yes, but {why}: not used as an answer about now; "
                            "ask the person",
                            link,
                        )
                elif ok:
                    c.add(
                        Evidence(
                            link,
                            value,
                            source(f"{el}.answer"),
                            "used",
                            "answered in the questionnaire",
                            authored or c.reference_date,
                            True,
                        )
                    )
            elif url is None or str(url).split("|")[0] == QUESTIONNAIRE_URL:
                near = nearest(link, FIELDS) if isinstance(link, str) else None
                hint = f"; did you mean {near!r}?" if near else ""
                if not item.get("item"):
                    c.issue(
                        "warning",
                        f"{here}.linkId",
                        f"{str(link)[:60]!r} is not a spinerules field{hint}; not read",
                    )
            walk(item.get("item"), f"{here}.item", f"{el}.item")
            # R4 lets questions nest under an answer (QuestionnaireResponse.item.answer.item)
            answers = item.get("answer")
            for ai, answer in enumerate(answers if isinstance(answers, list) else ()):
                if isinstance(answer, Mapping) and "item" in answer:
                    walk(answer["item"], f"{here}.answer[{ai}].item", f"{el}.answer[{ai}].item")

    def _startback(item: Mapping[str, Any], where: str, element: str) -> None:
        found: dict[str, object] = {}
        subitems = item.get("item")
        for index, sub in enumerate(subitems if isinstance(subitems, list) else ()):
            link = sub.get("linkId") if isinstance(sub, Mapping) else None
            name = link.removeprefix(f"{_STARTBACK}.") if isinstance(link, str) else None
            if name not in STARTBACK_ITEMS:
                c.issue(
                    "warning",
                    f"{where}.item[{index}].linkId",
                    f"{str(link)[:40]!r} is not a STarT Back item (startback.item1 .. startback.item9)",
                )
                continue
            assert isinstance(sub, Mapping) and name is not None
            ok, value = _read_item(
                c, sub, f"{where}.item[{index}]", f"startback.{name}", STARTBACK_ITEMS[name]
            )
            if ok:
                found[name] = value
        if found or not subitems:
            c.add(
                Evidence(
                    _STARTBACK,
                    found,
                    source(f"{element}.item"),
                    "used",
                    f"{len(found)} of 9 STarT Back items answered in the questionnaire",
                    authored or c.reference_date,
                    True,
                )
            )

    walk(response.get("item"), f"{path}.item", "QuestionnaireResponse.item")
