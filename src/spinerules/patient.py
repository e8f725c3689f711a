"""The patient state: the one input every engine reads, validated once at the door.

A wrong value here is worse than a crash later: a misspelt red-flag field silently ignored would
be a missed red flag. So construction itself validates (``PatientState(...)`` and ``from_dict``
cannot disagree), every problem found is reported at once, and each message names the field,
the value given and what is allowed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn, TypeGuard

import attrs

from spinerules.errors import InvalidPatientState
from spinerules.fields import (
    ACTIVITY_ID_PATTERN,
    AXSPA_FEATURES,
    FIELDS,
    STARTBACK_ITEMS,
    FieldSpec,
)

__all__ = ["PatientState", "StartBackAnswers", "patient_state_schema"]

_ONSET = "onset_before_35"
_ONSET_AGE = 35
# fullmatch, not match: Python's "$" also matches before a trailing newline.
_ACTIVITY_ID = re.compile(ACTIVITY_ID_PATTERN.removeprefix("^").removesuffix("$"))

# A problem is (message, fields involved); collected so one error reports them all.
_Problem = tuple[str, tuple[str, ...]]


def _allowed(spec: FieldSpec) -> str:
    """The "expected ..." half of a message, phrased for someone filling in the JSON."""
    if spec.kind == "bool":
        text = "true or false"
    elif spec.kind in ("int", "float"):
        noun = "an integer" if spec.kind == "int" else "a number"
        text = f"{noun} {spec.minimum}..{spec.maximum}"
    elif spec.kind == "enum":
        text = "one of " + ", ".join(map(repr, spec.choices))
    elif spec.kind == "set":
        text = "a list of distinct ids from " + ", ".join(map(repr, spec.choices))
    elif spec.kind == "list":
        text = f"a list of distinct snake_case {spec.items}"
    else:
        text = "an object with keys " + ", ".join(map(repr, STARTBACK_ITEMS))
    return text if spec.required else text + " (or null for not asked)"


def _number(value: object, kind: str) -> int | float | None:
    """A bool is not a number to a questionnaire, and a float is never an integer (C13)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (kind == "float" and isinstance(value, float)):
        return value
    return None


def _single_ok(spec: FieldSpec, value: object) -> bool:
    if spec.kind == "startback":
        return isinstance(value, StartBackAnswers)
    if spec.kind == "bool":
        return isinstance(value, bool)
    if spec.kind == "enum":
        return isinstance(value, str) and value in spec.choices
    number = _number(value, spec.kind)
    # NaN fails both comparisons, so it is rejected with the out-of-range values.
    return (
        number is not None
        and spec.minimum is not None
        and spec.maximum is not None
        and spec.minimum <= number <= spec.maximum
    )


def _member_ok(member: object, spec: FieldSpec) -> TypeGuard[str]:
    if not isinstance(member, str):
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


def _message(label: str, value: object, spec: FieldSpec, what: str = "is not allowed") -> str:
    return f"{label}: {value!r} {what}; expected {_allowed(spec)}"


def _check(spec: FieldSpec, value: object, label: str) -> _Problem | None:
    """Check one field on its own; cross-field rules come later, on values that passed this."""
    if value is None:
        if spec.required:
            return f"{label}: missing (required); expected {_allowed(spec)}", (label,)
        return None
    if spec.kind in ("set", "list"):
        containers = (list, tuple) if spec.kind == "list" else (list, tuple, set, frozenset)
        if not isinstance(value, containers):
            return _message(label, value, spec), (label,)
        found = _collection_problem(spec, value)
        return None if found is None else (_message(label, found[0], spec, found[1]), (label,))
    return None if _single_ok(spec, value) else (_message(label, value, spec), (label,))


def _normalise(spec: FieldSpec, value: object) -> object:
    """The stored form of a value that passed ``_check``: one type per field, whatever came in."""
    if spec.kind == "float" and isinstance(value, int):
        return float(value)
    if spec.kind in ("set", "list"):
        items = value if isinstance(value, Iterable) else ()
        return frozenset(items) if spec.kind == "set" else tuple(items)
    return value


def _fail(problems: list[_Problem]) -> NoReturn:
    fields = tuple(dict.fromkeys(name for _, names in problems for name in names))
    raise InvalidPatientState("\n".join(message for message, _ in problems), fields=fields)


def _unknown_keys(
    data: Mapping[Any, object], known: Mapping[str, FieldSpec], prefix: str = ""
) -> list[_Problem]:
    """Unknown keys, each with the nearest known name: a misspelling must not pass silently."""
    problems: list[_Problem] = []
    for key in data:
        if key in known:
            continue
        label = f"{prefix}{key}" if isinstance(key, str) else repr(key)
        message = f"unknown field {label!r}"
        if isinstance(key, str) and (near := difflib.get_close_matches(key, known, n=1)):
            message += f"; did you mean {prefix + near[0]!r}?"
        problems.append((message, (label,)))
    return problems


def _validated(
    instance: object, specs: Mapping[str, FieldSpec], prefix: str = ""
) -> list[_Problem]:
    """Check every field of an attrs instance, storing normalised values of those that pass."""
    problems: list[_Problem] = []
    for name, spec in specs.items():
        value = getattr(instance, name)
        problem = _check(spec, value, prefix + name)
        if problem is None:
            object.__setattr__(instance, name, _normalise(spec, value))
        else:
            problems.append(problem)
    return problems


def _not_mapping(label: str, data: object, fields: tuple[str, ...]) -> InvalidPatientState:
    return InvalidPatientState(
        f"{label}: {data!r} is not allowed; expected a JSON object", fields=fields
    )


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
        if problems := _validated(self, STARTBACK_ITEMS, "startback."):
            _fail(problems)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> StartBackAnswers:
        if not isinstance(data, Mapping):
            raise _not_mapping("startback", data, ("startback",))
        if problems := _unknown_keys(data, STARTBACK_ITEMS, "startback."):
            _fail(problems)
        kwargs: dict[str, Any] = {name: data.get(name) for name in STARTBACK_ITEMS}
        return cls(**kwargs)

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
        problems: list[_Problem] = []
        if isinstance(self.startback, Mapping):
            try:
                answers: StartBackAnswers | None = StartBackAnswers.from_dict(self.startback)
            except InvalidPatientState as error:
                problems.append((str(error), error.fields))
                answers = None  # already reported; do not report the mapping again below
            object.__setattr__(self, "startback", answers)
        problems += _validated(self, FIELDS)
        failed = {name for _, names in problems for name in names}
        if not failed & {"age", "first_back_pain_age", "axspa_features"}:
            problems += self._onset_problems()
        if problems:
            _fail(problems)
        if self.first_back_pain_age is not None and self.first_back_pain_age < _ONSET_AGE:
            object.__setattr__(self, "axspa_features", self.axspa_features | {_ONSET})

    def _onset_problems(self) -> list[_Problem]:
        """Cross-field rules, which need both fields valid on their own first."""
        onset_age = self.first_back_pain_age
        if onset_age is None:
            return []
        problems: list[_Problem] = []
        if onset_age > self.age:
            problems.append(
                (
                    f"first_back_pain_age: {onset_age!r} is not allowed; expected an integer "
                    f"0..age ({self.age!r}): back pain cannot first begin after the current age",
                    ("first_back_pain_age", "age"),
                )
            )
        if onset_age >= _ONSET_AGE and _ONSET in self.axspa_features:
            problems.append(
                (
                    f"axspa_features: {_ONSET!r} is not allowed when first_back_pain_age is "
                    f"{onset_age!r}; expected first_back_pain_age < {_ONSET_AGE} or no {_ONSET!r} "
                    "(it is derived from first_back_pain_age when that is known)",
                    ("axspa_features", "first_back_pain_age"),
                )
            )
        return problems

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PatientState:
        """Build from the flat JSON form; absent and null both mean "not asked"."""
        if not isinstance(data, Mapping):
            raise _not_mapping("patient state", data, ())
        problems = _unknown_keys(data, FIELDS)
        kwargs: dict[str, Any] = {name: data.get(name) for name in FIELDS}
        try:
            state = cls(**kwargs)
        except InvalidPatientState as error:
            _fail([*problems, (str(error), error.fields)])
        if problems:
            _fail(problems)
        return state

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
            near = difflib.get_close_matches(name, FIELDS, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise KeyError(f"unknown field {name!r}{hint}")
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
