"""The patient state: the one input every engine reads, validated once at the door.

A wrong value here is worse than a crash later: a misspelt red-flag field silently ignored would
be a missed red flag. So construction itself validates (``PatientState(...)`` and ``from_dict``
cannot disagree), every problem found is reported at once, and each message names the field,
the value given and what is allowed.

Whatever it is given (any Python object, however large, deep or ill-behaved) it raises only
``InvalidPatientState``, with values quoted short (``jsonio.quote``) and at most
``MAX_PROBLEMS_SHOWN`` problems spelt out, so one bad row is one bounded error, never a crash.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn, TypeGuard

import attrs

from . import jsonio
from .errors import InvalidPatientState
from .field_rules import CROSS_FIELD_RULES, DERIVED_MEMBERS, DerivedMember, NotAbove, Piece
from .fields import (
    ACTIVITY_ID_PATTERN,
    AXSPA_FEATURES,
    FIELDS,
    STARTBACK_ITEMS,
    FieldSpec,
)
from .jsonio import name_key, nearest, quote

__all__ = ["MAX_PROBLEMS_SHOWN", "PatientState", "StartBackAnswers", "patient_state_schema"]

# fullmatch, not match: Python's "$" also matches before a trailing newline.
_ACTIVITY_ID = re.compile(ACTIVITY_ID_PATTERN.removeprefix("^").removesuffix("$"))

# A problem is (message, fields involved); collected so one error reports them all.
_Problem = tuple[str, tuple[str, ...]]


def _plain(value: object) -> object:
    """Exact built-in types for subclasses (``StrEnum``, ``IntEnum``, ``str`` subclasses).

    Validation after this point runs no code of the caller's: an overridden ``__eq__`` or
    ``__hash__`` cannot make a value pass a check it fails, and the stored value is plain data.
    """
    if type(value) in (str, int, float, bool) or value is None:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    return value


def _number(value: object, kind: str) -> int | float | None:
    """A bool is not a number to a questionnaire, and a float is never an integer (C13)."""
    if type(value) is int or (kind == "float" and type(value) is float):
        return value  # narrowed by the exact type checks
    return None


def _single_ok(spec: FieldSpec, value: object) -> bool:
    if spec.kind == "startback":
        return type(value) is StartBackAnswers
    if spec.kind == "bool":
        return type(value) is bool
    if spec.kind == "enum":
        return type(value) is str and value in spec.choices
    number = _number(value, spec.kind)
    # NaN fails both comparisons, so it is rejected with the out-of-range values.
    return (
        number is not None
        and spec.minimum is not None
        and spec.maximum is not None
        and spec.minimum <= number <= spec.maximum
    )


def _member_ok(member: object, spec: FieldSpec) -> TypeGuard[str]:
    if type(member) is not str:
        return False
    return member in spec.choices if spec.kind == "set" else bool(_ACTIVITY_ID.fullmatch(member))


def _collection_problem(spec: FieldSpec, items: Iterable[object]) -> tuple[object, str] | None:
    """The first offending member and what is wrong with it, or None."""
    seen: set[str] = set()
    for member in items:
        if not _member_ok(member, spec):
            return member, "is not allowed"
        if member in seen:
            return member, "is listed twice"
        seen.add(member)
    return None


def _hint(spec: FieldSpec, value: object) -> str:
    """ "; did you mean ...?" for a value one normalisation or one typo away from an allowed one."""
    if type(value) is not str:
        return ""
    if spec.kind == "bool":
        key = name_key(value) if len(value) <= 8 else ""
        return f"; did you mean {key} (a JSON boolean, not a string)?" if key in _BOOLS else ""
    if spec.kind in ("enum", "set"):
        near = nearest(value, spec.choices)
        return f"; did you mean {near!r}?" if near else ""
    if spec.kind == "list" and len(value) <= 64:
        key = name_key(value)
        return f"; did you mean {key!r}?" if key != value and _ACTIVITY_ID.fullmatch(key) else ""
    return ""


_BOOLS = ("true", "false")


def _message(label: str, value: object, spec: FieldSpec, what: str = "is not allowed") -> str:
    """``label`` is always a known field name here; the value is quoted short."""
    return f"{label}: {quote(value)} {what}; expected {spec.expected()}{_hint(spec, value)}"


def _check(spec: FieldSpec, value: object, label: str) -> _Problem | None:
    """Check one plain field value on its own; cross-field rules come later."""
    if value is None:
        if spec.required:
            return f"{label}: missing (required); expected {spec.expected()}", (label,)
        return None
    if spec.kind in ("set", "list"):
        if type(value) is not list:
            return _message(label, value, spec), (label,)
        found = _collection_problem(spec, value)
        return None if found is None else (_message(label, found[0], spec, found[1]), (label,))
    return None if _single_ok(spec, value) else (_message(label, value, spec), (label,))


def _normalise(spec: FieldSpec, value: object) -> object:
    """The stored form of a value that passed ``_check``: one type per field, whatever came in."""
    if spec.kind == "float" and type(value) is int:
        return float(value)
    if spec.kind in ("set", "list"):
        items = value if type(value) is list else ()
        return frozenset(items) if spec.kind == "set" else tuple(items)
    return value


def _read_field(spec: FieldSpec, value: object, label: str) -> tuple[object, list[_Problem]]:
    """One field as plain data, then checked; the stored value, or the problems found.

    Reading is where the caller's code may run (an ``__iter__``, a ``__class__``, a mapping's
    ``__getitem__``); whatever it raises becomes a problem with this field, never a crash.
    """
    try:
        if spec.kind == "startback" and value is not None and type(value) is not StartBackAnswers:
            if isinstance(value, Mapping):
                return _startback(value)
        elif spec.kind in ("set", "list"):
            containers = (list, tuple) if spec.kind == "list" else (list, tuple, set, frozenset)
            if isinstance(value, containers):
                value = [_plain(member) for member in value]
        else:
            value = _plain(value)
    except Exception as error:
        message = (
            f"{label}: {quote(value)} cannot be read ({_type_name(error)}); "
            f"expected {spec.expected()}"
        )
        return value, [(message, (label,))]
    problem = _check(spec, value, label)
    return (_normalise(spec, value), []) if problem is None else (value, [problem])


def _type_name(value: object) -> str:
    return type(value).__name__[:40]


_SLOW = object()  # the quick check cannot decide: read the field in full


@functools.lru_cache(maxsize=256)
def _quick(spec: FieldSpec) -> Callable[[object], object]:
    """The stored value of a plain valid answer of the usual type, or ``_SLOW``.

    Most answers are a bool, a choice, a number in range or nothing; for them this one test is
    the whole of ``_read_field`` (same result: a test holds it to that). Anything else, a
    subclass, a list, a bad value, goes the long way, which explains the problem.
    """
    low, high, choices = spec.minimum, spec.maximum, frozenset(spec.choices)
    kind, required = spec.kind, spec.required

    def quick(value: object) -> object:
        if value is None:
            if kind in ("set", "list"):
                return frozenset() if kind == "set" else ()
            return _SLOW if required else None
        kind_of = type(value)
        if kind == "bool":
            return value if kind_of is bool else _SLOW
        if kind == "enum":
            return value if kind_of is str and value in choices else _SLOW
        if kind == "int":
            ok = kind_of is int and low <= value <= high  # type: ignore[operator]
            return value if ok else _SLOW
        if kind == "float" and (kind_of is float or kind_of is int):
            ok = low <= value <= high  # type: ignore[operator]  # NaN fails: the long way
            return float(value) if ok else _SLOW  # type: ignore[arg-type]
        if kind in ("set", "list") and kind_of is list and not value:
            return frozenset() if kind == "set" else ()
        return _SLOW

    return quick


def _read_fields(
    values: Mapping[str, object], specs: Mapping[str, FieldSpec], prefix: str = ""
) -> tuple[dict[str, object], list[_Problem]]:
    """Every field read and checked: the stored values of those that pass, and all problems."""
    stored: dict[str, object] = {}
    problems: list[_Problem] = []
    for name, spec in specs.items():
        given = values.get(name)
        quick = _quick(spec)(given)
        if quick is not _SLOW:
            stored[name] = quick
            continue
        value, found = _read_field(spec, given, prefix + name)
        if found:
            problems += found
        else:
            stored[name] = value
    return stored, problems


#: At most this many problems are spelt out in one message; the rest are counted and named in
#: ``fields``, so a message stays readable (and bounded) whatever the input.
MAX_PROBLEMS_SHOWN = 10


def _fail(problems: list[_Problem]) -> NoReturn:
    fields = tuple(dict.fromkeys(name for _, names in problems for name in names))
    lines = [message for message, _ in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        rest = problems[MAX_PROBLEMS_SHOWN:]
        named = ", ".join(quote(name, 40) for _, names in rest[:5] for name in names[:1])
        lines.append(
            f"... and {len(rest):,} more problem{'s' if len(rest) > 1 else ''} "
            f"(in {named}{', …' if len(rest) > 5 else ''})"
        )
    raise InvalidPatientState("\n".join(lines), fields=fields)


def _read_mapping(data: object, label: str, fields: tuple[str, ...]) -> list[tuple[object, object]]:
    """The (key, value) pairs of a mapping, or InvalidPatientState: never the caller's error."""
    try:
        if not isinstance(data, Mapping):
            raise InvalidPatientState(
                f"{label}: {quote(data)} is not allowed; expected a JSON object", fields=fields
            )
        return list(data.items())
    except InvalidPatientState:
        raise
    except Exception as error:
        raise InvalidPatientState(
            f"{label}: {quote(data)} cannot be read ({_type_name(error)}); expected a JSON object",
            fields=fields,
        ) from None


def _key_text(key: object) -> str | None:
    """A key as an exact ``str`` (a ``str`` subclass copied), or None for any other key."""
    try:
        return key if type(key) is str else str.__str__(key) if isinstance(key, str) else None
    except Exception:
        return None


def _sort_keys(
    pairs: list[tuple[object, object]], known: Mapping[str, FieldSpec], prefix: str = ""
) -> tuple[dict[str, object], list[_Problem]]:
    """The values of known keys, and a problem for each unknown or repeated key.

    An unknown key gets the nearest known name: a misspelt red-flag field must not pass
    silently. Keys are never normalised into acceptance (see docs/patient-state.md); names
    that are equal after NFKC, casefolding and ``-``/space to ``_`` are only suggested.
    """
    values: dict[str, object] = {}
    problems: list[_Problem] = []
    for key, value in pairs:
        name = _key_text(key)
        if name is None:
            label = prefix + quote(key)
            problems.append((f"unknown field {label}: field names are strings", (label,)))
            continue
        label = prefix + name
        if name in values:  # two keys that are one name (a str subclass and a str)
            problems.append((f"duplicate key {quote(label)}; expected each key once", (label,)))
        elif name in known:
            values[name] = value
        else:
            message = f"unknown field {quote(label)}"
            near = nearest(name, known) if len(problems) < MAX_PROBLEMS_SHOWN else None
            if near is not None:
                message += f"; did you mean {prefix + near!r}?"
                if name_key(name) == near:
                    message += " (field names are exact: lower case, ASCII, with underscores)"
            problems.append((message, (label,)))
    return values, problems


def _startback(data: object) -> tuple[StartBackAnswers | None, list[_Problem]]:
    """STarT Back answers from a mapping, with every problem in it (unknown items included)."""
    try:
        pairs = _read_mapping(data, "startback", ("startback",))
    except InvalidPatientState as error:
        return None, [(str(error), error.fields)]
    values, problems = _sort_keys(pairs, STARTBACK_ITEMS, "startback.")
    stored, more = _read_fields(values, STARTBACK_ITEMS, "startback.")
    if problems or more:
        return None, problems + more
    return StartBackAnswers(**stored), []  # type: ignore[arg-type]  # checked above


def _shown(pieces: tuple[Piece, ...], values: Mapping[str, Any]) -> str:
    return "".join(p if isinstance(p, str) else repr(values[p.field]) for p in pieces)


def _not_above(rule: NotAbove, values: Mapping[str, Any]) -> bool:
    value, limit = values[rule.field], values[rule.limit]
    return value is not None and limit is not None and value > limit


def _contradicts_source(rule: DerivedMember, values: Mapping[str, Any]) -> bool:
    source = values[rule.source]
    return source is not None and source >= rule.below and rule.member in values[rule.field]


#: The row backend of ``field_rules``: whether a rule is broken, per rule class.
ROW_CROSS_FIELD: dict[type, Callable[[Any, Mapping[str, Any]], bool]] = {
    NotAbove: _not_above,
    DerivedMember: _contradicts_source,
}


def _cross_field_problems(stored: Mapping[str, Any], failed: set[str]) -> list[_Problem]:
    """The rules between fields, each once the fields it reads are valid on their own."""
    return [
        (_shown(rule.message, stored), rule.fields)
        for rule in CROSS_FIELD_RULES
        if not failed.intersection(rule.fields) and ROW_CROSS_FIELD[type(rule)](rule, stored)
    ]


def _with_derived(stored: dict[str, Any]) -> None:
    """Add the members derived from other fields (``field_rules.DERIVED_MEMBERS``)."""
    for rule in DERIVED_MEMBERS:
        source = stored[rule.source]
        if isinstance(source, int) and source < rule.below:
            stored[rule.field] = stored[rule.field] | {rule.member}


def _state(values: Mapping[str, object]) -> tuple[dict[str, object], list[_Problem]]:
    """Every field of a patient state read and checked, then the cross-field rules."""
    stored, problems = _read_fields(values, FIELDS)
    failed = {name for _, names in problems for name in names}
    return stored, problems + _cross_field_problems(stored, failed)


@attrs.frozen(slots=True)
class StartBackAnswers:
    """Keele STarT Back answers; each may be missing, because a partial tool is "not scored"."""

    item1: bool | None = None
    item2: bool | None = None
    item3: bool | None = None
    item4: bool | None = None
    item5: bool | None = None
    item6: bool | None = None
    item7: bool | None = None
    item8: bool | None = None
    item9: str | None = None

    def __attrs_post_init__(self) -> None:
        values = {name: getattr(self, name) for name in STARTBACK_ITEMS}
        stored, problems = _read_fields(values, STARTBACK_ITEMS, "startback.")
        if problems:
            _fail(problems)
        for name, value in stored.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> StartBackAnswers:
        """Build from the ``startback`` object; raises only InvalidPatientState, whatever ``data`` is."""
        answers, problems = _startback(data)
        if answers is None:
            _fail(problems)
        return answers

    def to_dict(self) -> dict[str, object]:
        answers = {name: getattr(self, name) for name in STARTBACK_ITEMS}
        return {name: value for name, value in answers.items() if value is not None}

    @property
    def missing(self) -> tuple[str, ...]:
        """Unanswered items, because the score is only given when there are none."""
        return tuple(name for name in STARTBACK_ITEMS if getattr(self, name) is None)


@attrs.frozen(slots=True, kw_only=True)
class PatientState:
    """One person's answers, flat and named as in the public JSON form.

    ``None`` means "not asked", never "no": rules treat it differently from ``False``.
    Collections accept any list or set at construction and are stored as ``frozenset`` (axSpA
    features) or ``tuple`` (activities, in the person's order); ``bmi`` is stored as a float;
    a ``startback`` mapping becomes ``StartBackAnswers``.
    """

    age: int
    sex: str | None = None
    bmi: float | None = None
    pregnant: bool | None = None
    pain_duration_days: int
    pain_intensity: int | None = None
    pain_trend: str | None = None
    first_back_pain_age: int | None = None
    sudden_severe_onset: bool | None = None
    unrelenting_pain: bool | None = None
    night_pain: bool | None = None
    thoracic_pain: bool | None = None
    leg_pain: str | None = None
    leg_numbness_or_tingling: str | None = None
    leg_weakness: str | None = None
    leg_weakness_sides: str | None = None
    neuro_symptoms_course: str | None = None
    foot_drop: bool | None = None
    gait_disturbance: bool | None = None
    saddle_anaesthesia: bool | None = None
    urinary_retention: bool | None = None
    urinary_incontinence: bool | None = None
    faecal_incontinence: bool | None = None
    sexual_dysfunction_new: bool | None = None
    history_of_cancer: bool | None = None
    unexplained_weight_loss: bool | None = None
    fever: bool | None = None
    iv_drug_use: bool | None = None
    immunosuppressed: bool | None = None
    long_term_corticosteroids: bool | None = None
    recent_bacterial_infection: bool | None = None
    recent_spinal_procedure: bool | None = None
    diabetes: bool | None = None
    major_trauma: bool | None = None
    minor_trauma: bool | None = None
    trauma_days_ago: int | None = None
    osteoporosis: bool | None = None
    previous_vertebral_fracture: bool | None = None
    structural_deformity: bool | None = None
    abdominal_pain: bool | None = None
    collapse_or_fainting: bool | None = None
    pulsatile_abdominal_mass: bool | None = None
    known_aortic_aneurysm: bool | None = None
    smokes_or_smoked: bool | None = None
    cardiovascular_disease: bool | None = None
    hypertension: bool | None = None
    high_cholesterol: bool | None = None
    copd: bool | None = None
    family_history_aaa: bool | None = None
    axspa_features: frozenset[str] = frozenset()
    hla_b27: str | None = None
    ibd_history: bool | None = None
    uveitis_history: bool | None = None
    startback: StartBackAnswers | None = None
    clinician_reviewed_this_episode: bool | None = None
    clinician_cleared_flags: tuple[str, ...] = ()
    off_work_due_to_back_pain: bool | None = None
    can_walk_minutes: int | None = None
    days_mostly_sitting_last_week: int | None = None
    currently_runs: bool | None = None
    balance_problems: bool | None = None
    preferred_activities: tuple[str, ...] = ()
    avoid_activities: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        stored, problems = _state({name: getattr(self, name) for name in FIELDS})
        if problems:
            _fail(problems)
        _with_derived(stored)
        for name, value in stored.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PatientState:
        """Build from the flat JSON form; absent and null both mean "not asked".

        Raises only ``InvalidPatientState``, whatever ``data`` is (any Python object, however
        large or deep, whatever its methods do), listing every problem found (the first
        ``MAX_PROBLEMS_SHOWN`` spelt out): unknown or repeated keys with the nearest known name,
        and every field that is not allowed.
        """
        pairs = _read_mapping(data, "patient state", ())
        values, problems = _sort_keys(pairs, FIELDS)
        kwargs: dict[str, Any] = {name: values.get(name) for name in FIELDS}
        if problems:  # report them with the field problems, all in one error
            _fail(problems + _state(kwargs)[1])
        return cls(**kwargs)

    def to_dict(self) -> dict[str, object]:
        """The flat JSON form, without "not asked" values, so it stays short and round-trips."""
        out: dict[str, object] = {}
        for name in FIELDS:
            value = getattr(self, name)
            if isinstance(value, frozenset):
                value = [feature for feature in AXSPA_FEATURES if feature in value]
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, StartBackAnswers):
                value = value.to_dict()
            if value is not None and value != []:
                out[name] = value
        return out

    def value(self, name: str) -> object:
        """A field by name, for rule engines whose conditions name fields as data."""
        if name not in FIELDS:
            near = nearest(name, FIELDS)
            hint = f"; did you mean {near!r}?" if near else ""
            raise KeyError(f"unknown field {quote(name)}{hint}")
        return getattr(self, name)


def _property_schema(spec: FieldSpec) -> dict[str, object]:
    nullable: list[str] = [] if spec.required else ["null"]
    # "title" is the question a person is asked, in lay words (principle 10); "x-asked-of"
    # says whether the person or only a clinician can answer it.
    schema: dict[str, object] = {
        "title": spec.question,
        "description": spec.description,
        "x-asked-of": spec.asked_of,
    }
    if spec.kind == "enum":
        schema["enum"] = [*spec.choices, *([None] if nullable else [])]
    elif spec.kind == "startback":
        schema["type"] = ["object", *nullable]
        schema["properties"] = {name: _property_schema(s) for name, s in STARTBACK_ITEMS.items()}
        schema["additionalProperties"] = False
    elif spec.kind in ("set", "list"):
        items: dict[str, object] = (
            {"enum": list(spec.choices)}
            if spec.kind == "set"
            else {"type": "string", "pattern": ACTIVITY_ID_PATTERN}
        )
        schema.update(type=["array", *nullable], items=items, uniqueItems=True)
    else:
        json_type = {"bool": "boolean", "int": "integer", "float": "number"}[spec.kind]
        schema["type"] = [json_type, *nullable] if nullable else json_type
        if spec.minimum is not None:
            schema.update(minimum=spec.minimum, maximum=spec.maximum)
    return schema


def patient_state_schema() -> dict[str, object]:
    """The published JSON Schema, generated from ``FIELDS`` so it cannot drift from validation.

    ``PatientState.from_dict`` is stricter in two documented ways: it rejects integral floats
    (``40.0``) for integer fields, which JSON Schema's "integer" accepts, and it enforces the
    cross-field rules stated in the description, which JSON Schema cannot express here.
    """
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://spinerules.dev/schema/patient-state.json",
        "title": "spinerules patient state",
        "description": (
            "One person's answers for low-back-pain decision support, in flat form. Booleans "
            "are tri-state: true, false, or absent/null = not asked (not asked is never 'no'). "
            "Rules this schema cannot express, which PatientState.from_dict enforces: "
            "first_back_pain_age must not exceed age; when first_back_pain_age is known, "
            "'onset_before_35' in axspa_features is derived from it, and listing it while "
            "first_back_pain_age >= 35 is an error; integer fields take integers only, not 40.0."
        ),
        "type": "object",
        "properties": {name: _property_schema(spec) for name, spec in FIELDS.items()},
        "required": [name for name, spec in FIELDS.items() if spec.required],
        "additionalProperties": False,
    }


def input_rules_markdown() -> str:
    """The input-boundary rules for docs/patient-state.md, built from the limits themselves."""
    mib = jsonio.MAX_DOCUMENT_BYTES // (1024 * 1024)
    return f"""## Reading the JSON

Every JSON entry point (`spinerules assess FILE`, `spinerules.jsonio.loads` and `load`) reads the
document strictly. Each of these is an `InvalidPatientState` naming the problem (on the command
line: one line on stderr, exit status 2):

| rejected | why |
|---|---|
| a key given twice, at any depth | ordinary JSON readers keep the last one silently; two answers to one question cannot both be trusted. The message names the key and where it is (`fields` holds its path, e.g. `startback.item1`) |
| a document over {jsonio.MAX_DOCUMENT_BYTES:,} bytes ({mib} MiB) | a patient document is a few kilobytes; reading stops just past the limit |
| nesting deeper than {jsonio.MAX_DEPTH} levels | the form nests two levels; checked before parsing, so no `RecursionError` |
| an integer of more than {jsonio.MAX_INT_DIGITS} digits | no field needs one; Python itself fails at 4300 digits with a confusing error |
| `NaN`, `Infinity`, `-Infinity`, a number that overflows (`1e999`) | not JSON, or not finite |
| bytes that are not UTF-8, a NUL character, an empty document | a binary file or the wrong file |
| a top-level value that is not an object | the form is one flat object |

A UTF-8 byte-order mark is accepted and ignored.

## Names are exact: near misses are suggested, never accepted

Field names and enum values must be spelt exactly as in the table above. An unknown key is never
dropped: it is an error, with the nearest known name. Names equal after Unicode NFKC
normalisation, casefolding and `-` or space read as `_` (`SADDLE_ANAESTHESIA`, full-width
`ｓａｄｄｌｅ_anaesthesia`, `saddle-anaesthesia`) are suggested first (*did you mean
'saddle_anaesthesia'?*), then close misspellings (`saddle_anesthesia`); the same goes for enum
values (`One-Side` suggests `one_side`), axSpA feature ids, activity ids and the strings
`"true"`/`"false"` given for a boolean.

They are not accepted, on purpose: two spellings of one field could then both be present with
different answers (`saddle_anaesthesia: false` and `SADDLE_ANAESTHESIA: true`) and one would win
unseen; the published JSON Schema (`additionalProperties: false`, exact `enum`s) would disagree
with validation; and a guess that maps a typo onto a field records an answer to a question nobody
was asked. A person or a form fixes the name once; the error says how.

## Any Python object

`PatientState.from_dict` and `PatientState(...)` raise only `InvalidPatientState`, whatever they
are given: huge or deeply nested values, non-string keys, objects whose methods raise (reported
as *cannot be read*). A `str`, `int` or `float` subclass (`StrEnum`, `IntEnum`) is read as its
plain value and stored as the exact built-in type; a bool is never a number and a float never an
integer. Messages quote values short (at most {jsonio.QUOTE_LIMIT} characters, with the original
length when cut) and spell out at most {MAX_PROBLEMS_SHOWN} problems, counting the rest; `fields`
names every field involved. `spinerules.batch.assess_many` turns such a row into a `RowError` and
carries on with the next.
"""
