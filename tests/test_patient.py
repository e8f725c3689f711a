"""PatientState validation, JSON round trip and agreement with the published JSON Schema."""

from __future__ import annotations

import json
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinerules.errors import InvalidPatientState
from spinerules.fields import AXSPA_FEATURES, FIELDS, STARTBACK_ITEMS
from spinerules.patient import PatientState, StartBackAnswers, patient_state_schema
from strategies import field_values, patient_states, valid_patient_dicts

BASE: dict[str, Any] = {"age": 40, "pain_duration_days": 10}
SCHEMA = patient_state_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _with(**changes: Any) -> dict[str, Any]:
    return {**BASE, **changes}


def _without(name: str) -> dict[str, Any]:
    return {key: value for key, value in BASE.items() if key != name}


def _bad(data: object, fields: tuple[str, ...], *fragments: str, id: str) -> Any:
    return pytest.param(data, fields, fragments, id=id)


BAD_INPUTS = [
    # wrong types (C13: a bool is not an int, a float is not an int)
    _bad(_with(age="40"), ("age",), "'40'", "an integer 16..120", id="age-string"),
    _bad(_with(fever="true"), ("fever",), "'true'", "true or false", id="bool-as-string"),
    _bad(_with(fever=1), ("fever",), "fever: 1 is not allowed", id="int-for-bool"),
    _bad(_with(pain_intensity=True), ("pain_intensity",), "True", "integer", id="bool-for-int"),
    _bad(
        _with(age=40.5),
        ("age",),
        "age: 40.5 is not allowed; expected an integer 16..120",
        id="age-float",
    ),
    _bad(_with(age=40.0), ("age",), "40.0", id="age-integral-float"),
    _bad(_with(bmi="30"), ("bmi",), "'30'", "a number 10..80", id="bmi-string"),
    _bad(_with(bmi=True), ("bmi",), "True", id="bmi-bool"),
    # out of range (inclusive bounds)
    _bad(_with(age=15), ("age",), "15", "16..120", id="age-too-low"),
    _bad(_with(age=121), ("age",), "121", id="age-too-high"),
    _bad(_with(pain_intensity=11), ("pain_intensity",), "11", "0..10", id="pain-11"),
    _bad(_with(can_walk_minutes=-1), ("can_walk_minutes",), "-1", "0..600", id="walk-negative"),
    _bad(_with(pain_duration_days=36501), ("pain_duration_days",), "36501", id="duration-high"),
    _bad(
        _with(days_mostly_sitting_last_week=8),
        ("days_mostly_sitting_last_week",),
        "0..7",
        id="sitting-8",
    ),
    _bad(_with(bmi=9.9), ("bmi",), "9.9", id="bmi-low"),
    # bad enum values
    _bad(
        _with(leg_pain="left"),
        ("leg_pain",),
        "leg_pain: 'left' is not allowed; expected one of 'none', 'one_side', 'both_sides' "
        "(or null for not asked)",
        id="leg-pain-left",
    ),
    _bad(_with(hla_b27="yes"), ("hla_b27",), "'yes'", "'positive'", id="hla-yes"),
    _bad(_with(sex="f"), ("sex",), "'female'", id="sex-f"),
    _bad(_with(leg_weakness_sides="left"), ("leg_weakness_sides",), "'one_side'", id="sides"),
    _bad(
        _with(startback={"item9": "a_lot"}),
        ("startback.item9",),
        "'a_lot'",
        "'very_much'",
        id="startback-item9",
    ),
    _bad(_with(startback={"item1": "yes"}), ("startback.item1",), "'yes'", id="startback-item1"),
    _bad(_with(startback="high"), ("startback",), "'high'", "an object", id="startback-string"),
    # misspelt or unknown fields
    _bad(
        _with(saddle_anesthesia=True),
        ("saddle_anesthesia",),
        "unknown field 'saddle_anesthesia'; did you mean 'saddle_anaesthesia'?",
        id="misspelt-red-flag",
    ),
    _bad(
        _with(startback={"itme1": True}),
        ("startback.itme1",),
        "did you mean 'startback.item1'?",
        id="misspelt-startback-item",
    ),
    # missing required fields
    _bad(_without("age"), ("age",), "missing", id="missing-age"),
    _bad(_without("pain_duration_days"), ("pain_duration_days",), "missing", id="missing-days"),
    _bad(_with(age=None), ("age",), "missing", id="null-age"),
    # contradictions name every field involved
    _bad(
        _with(first_back_pain_age=41),
        ("first_back_pain_age", "age"),
        "41",
        "age (40)",
        id="onset-after-age",
    ),
    _bad(
        _with(first_back_pain_age=40, axspa_features=["onset_before_35"]),
        ("axspa_features", "first_back_pain_age"),
        '"onset_before_35"',
        "40",
        id="onset-35-listed-too-late",
    ),
    # collections
    _bad(
        _with(axspa_features=["back_stiffness"]),
        ("axspa_features",),
        "'back_stiffness'",
        *map(repr, AXSPA_FEATURES),
        id="axspa-unknown-id",
    ),
    _bad(
        _with(axspa_features="buttock_pain"),
        ("axspa_features",),
        "'buttock_pain'",
        "a list",
        id="axspa-string",
    ),
    _bad(
        _with(axspa_features=["buttock_pain", "buttock_pain"]),
        ("axspa_features",),
        "listed twice",
        id="axspa-duplicate",
    ),
    _bad(
        _with(preferred_activities=["walking", "walking"]),
        ("preferred_activities",),
        "'walking' is listed twice",
        id="preferred-duplicate",
    ),
    _bad(
        _with(preferred_activities="walking"),
        ("preferred_activities",),
        "'walking'",
        "a list",
        id="preferred-string",
    ),
    _bad(
        _with(avoid_activities=["Walking"]),
        ("avoid_activities",),
        "'Walking'",
        "snake_case",
        id="avoid-bad-id",
    ),
    _bad(
        _with(avoid_activities=["walking\n"]),
        ("avoid_activities",),
        "'walking\\n'",
        id="avoid-trailing-newline",
    ),
    _bad(_with(avoid_activities=[""]), ("avoid_activities",), "''", id="avoid-empty-id"),
    # revision 3: clinician clearance is a list of distinct red-flag ids (section 3) ...
    _bad(
        _with(clinician_cleared_flags=["ces_saddle", "ces_saddle"]),
        ("clinician_cleared_flags",),
        "'ces_saddle' is listed twice",
        "red-flag ids",
        id="cleared-duplicate",
    ),
    _bad(
        _with(clinician_cleared_flags="cancer_history"),
        ("clinician_cleared_flags",),
        "'cancer_history'",
        "a list",
        id="cleared-string",
    ),
    _bad(
        _with(clinician_cleared_flags=["Cancer_History"]),
        ("clinician_cleared_flags",),
        "'Cancer_History'",
        "snake_case",
        id="cleared-bad-id",
    ),
    # ... and the new booleans are tri-state like every other (R3-2, R3-15)
    _bad(_with(smokes_or_smoked="no"), ("smokes_or_smoked",), "'no'", "true or false", id="smokes"),
    _bad(
        _with(off_work_due_to_back_pain=1),
        ("off_work_due_to_back_pain",),
        "off_work_due_to_back_pain: 1 is not allowed",
        id="off-work-int",
    ),
    _bad(
        _with(family_history_aaa="yes"),
        ("family_history_aaa",),
        "'yes'",
        id="family-history-aaa",
    ),
    _bad(
        _with(collapse_or_faint=True),
        ("collapse_or_faint",),
        "did you mean 'collapse_or_fainting'?",
        id="misspelt-collapse",
    ),
]


@pytest.mark.parametrize(("data", "fields", "fragments"), BAD_INPUTS)
def test_bad_input_is_rejected_naming_field_value_and_allowed(
    data: dict[str, Any], fields: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    with pytest.raises(InvalidPatientState) as caught:
        PatientState.from_dict(data)
    message = str(caught.value)
    for field in fields:
        assert field in caught.value.fields
        assert field in message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize("data", [None, [], "age=40", 40])
def test_a_non_mapping_is_rejected(data: Any) -> None:
    with pytest.raises(InvalidPatientState, match="expected a JSON object"):
        PatientState.from_dict(data)


def test_all_unknown_keys_and_all_problems_are_reported_at_once() -> None:
    data = {"age": 15, "fevr": True, "saddle_anesthesia": True, "leg_pain": "left"}
    with pytest.raises(InvalidPatientState) as caught:
        PatientState.from_dict(data)
    assert set(caught.value.fields) == {
        "fevr",
        "saddle_anesthesia",
        "age",
        "pain_duration_days",
        "leg_pain",
    }
    assert "did you mean 'fever'?" in str(caught.value)


def test_direct_construction_is_validated_like_from_dict() -> None:
    with pytest.raises(InvalidPatientState) as direct:
        PatientState(age=40.5, pain_duration_days=3)  # type: ignore[arg-type]
    with pytest.raises(InvalidPatientState) as parsed:
        PatientState.from_dict({"age": 40.5, "pain_duration_days": 3})
    assert str(direct.value) == str(parsed.value)
    assert direct.value.fields == parsed.value.fields == ("age",)


def test_int_is_accepted_for_a_float_and_stored_as_float() -> None:
    state = PatientState.from_dict(_with(bmi=30))
    assert state.bmi == 30.0
    assert type(state.bmi) is float


def test_collections_are_normalised_and_activities_keep_their_order() -> None:
    state = PatientState(
        age=40,
        pain_duration_days=3,
        axspa_features=["buttock_pain"],  # type: ignore[arg-type]
        preferred_activities=["yoga", "walking"],  # type: ignore[arg-type]
        startback={"item1": True},  # type: ignore[arg-type]
    )
    assert state.axspa_features == frozenset({"buttock_pain"})
    assert state.preferred_activities == ("yoga", "walking")
    assert state.startback == StartBackAnswers(item1=True)
    assert state.avoid_activities == ()


@pytest.mark.parametrize("weakness", [None, "none", "stable"])
def test_leg_weakness_sides_is_allowed_whatever_leg_weakness_says(weakness: str | None) -> None:
    state = PatientState.from_dict(_with(leg_weakness=weakness, leg_weakness_sides="both_sides"))
    assert state.leg_weakness_sides == "both_sides"


@pytest.mark.parametrize(("onset_age", "derived"), [(30, True), (34, True), (35, False)])
def test_onset_before_35_is_derived_from_a_known_first_back_pain_age(
    onset_age: int, derived: bool
) -> None:
    state = PatientState.from_dict(_with(first_back_pain_age=onset_age))
    assert ("onset_before_35" in state.axspa_features) is derived
    listed: Any = state.to_dict().get("axspa_features", [])
    assert ("onset_before_35" in listed) is derived


def test_onset_before_35_is_not_derived_when_first_back_pain_age_is_unknown() -> None:
    assert PatientState.from_dict(BASE).axspa_features == frozenset()
    listed = PatientState.from_dict(_with(axspa_features=["onset_before_35"]))
    assert listed.axspa_features == frozenset({"onset_before_35"})


def test_startback_answers_report_missing_items_and_omit_them_from_json() -> None:
    answers = StartBackAnswers.from_dict({"item1": True, "item2": False, "item9": "moderately"})
    assert answers.missing == ("item3", "item4", "item5", "item6", "item7", "item8")
    assert answers.to_dict() == {"item1": True, "item2": False, "item9": "moderately"}
    assert StartBackAnswers().missing == tuple(STARTBACK_ITEMS)


def test_value_returns_fields_and_rejects_unknown_names() -> None:
    state = PatientState.from_dict(_with(fever=False))
    assert state.value("fever") is False
    assert state.value("leg_pain") is None
    with pytest.raises(KeyError, match="did you mean 'fever'"):
        state.value("fevr")


def test_attributes_follow_the_field_table() -> None:
    assert [field.name for field in attrs.fields(PatientState)] == list(FIELDS)
    assert [field.name for field in attrs.fields(StartBackAnswers)] == list(STARTBACK_ITEMS)
    assert len(AXSPA_FEATURES) == 9


def test_schema_is_valid_2020_12_and_documents_every_field() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    properties: dict[str, dict[str, Any]] = SCHEMA["properties"]  # type: ignore[assignment]
    assert list(properties) == list(FIELDS)
    assert all(prop["description"] for prop in properties.values())
    assert SCHEMA["required"] == ["age", "pain_duration_days"]
    assert SCHEMA["additionalProperties"] is False
    assert properties["startback"]["additionalProperties"] is False
    assert "first_back_pain_age must not exceed age" in str(SCHEMA["description"])


#: Section 2 (revision 3): the fields revision 3 added.
REVISION3_FIELDS = (
    "smokes_or_smoked",
    "cardiovascular_disease",
    "hypertension",
    "high_cholesterol",
    "copd",
    "family_history_aaa",
    "clinician_cleared_flags",
    "off_work_due_to_back_pain",
)
#: Principle 10 / C11: findings only a clinician can give are never asked of the person.
CLINICIAN_FINDINGS = {"pulsatile_abdominal_mass", "hla_b27"}


def test_revision3_fields_are_in_the_vocabulary() -> None:
    for name in REVISION3_FIELDS:
        assert name in FIELDS, name
        assert PatientState.from_dict(BASE).value(name) in (None, ())


def test_schema_titles_are_the_lay_questions_and_say_who_answers() -> None:
    """Principle 10: questions are asked in their lay wording, never as field ids; a clinician's
    finding is marked as such (``x-asked-of``)."""
    properties: dict[str, dict[str, Any]] = SCHEMA["properties"]  # type: ignore[assignment]
    for name, prop in properties.items():
        assert prop["title"] == FIELDS[name].question, name
        assert prop["title"] and "_" not in prop["title"], (name, prop["title"])
        assert prop["x-asked-of"] in ("person", "clinician"), name
    asked_of_clinician = {n for n, p in properties.items() if p["x-asked-of"] == "clinician"}
    assert asked_of_clinician >= CLINICIAN_FINDINGS
    assert properties["saddle_anaesthesia"]["x-asked-of"] == "person"
    assert "bottom" in properties["saddle_anaesthesia"]["title"].lower()


@given(patient_states())
def test_json_round_trip(state: PatientState) -> None:
    assert PatientState.from_dict(state.to_dict()) == state
    assert PatientState.from_dict(json.loads(json.dumps(state.to_dict()))) == state
    assert hash(state) == hash(PatientState.from_dict(state.to_dict()))


@given(valid_patient_dicts())
def test_valid_dicts_pass_both_schema_and_from_dict(data: dict[str, Any]) -> None:
    VALIDATOR.validate(data)
    PatientState.from_dict(data)


# ---- schema / from_dict agreement on arbitrary JSON -------------------------------------------

INT_FIELDS = {name for name, spec in FIELDS.items() if spec.kind == "int"}
NEAR_MISSES = [
    *(choice for spec in FIELDS.values() for choice in spec.choices),
    *STARTBACK_ITEMS["item9"].choices,
    "true",
    "yes",
    "left",
    "walking",
    "Walking",
    "tai-chi",
    "",
]
# Documented difference: jsonschema's "pattern" uses Python's re.search, where "$" also matches
# before a trailing newline, so the schema accepts the activity id "walking\n" that from_dict
# (and ECMA-262) reject. It is a validator quirk, not a schema difference, so such strings are
# left out of the generated values.
TEXT = st.text(max_size=12).filter(lambda text: not text.endswith("\n"))
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-2, 125)
    | st.floats(allow_nan=False, allow_infinity=False)  # NaN and infinities are not JSON
    | TEXT
    | st.sampled_from(NEAR_MISSES)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(TEXT | st.sampled_from(list(STARTBACK_ITEMS)), inner, max_size=3)
    ),
    max_leaves=8,
) | st.lists(st.sampled_from([*AXSPA_FEATURES, "walking", "yoga", "Walking"]), max_size=4)
TARGETS = st.one_of(
    st.sampled_from(list(FIELDS)),
    st.sampled_from(["age", "first_back_pain_age", "axspa_features"]),  # the cross-field rules
    st.sampled_from([f"startback.{name}" for name in (*STARTBACK_ITEMS, "item10")]),
    TEXT.filter(lambda key: key not in FIELDS),  # an unknown top-level key
)


def _integral_float(value: object) -> bool:
    return isinstance(value, float) and value.is_integer()


@st.composite
def mutated_patient_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """A valid dict with one field replaced by arbitrary JSON, deleted, or an unknown key added."""
    data = draw(valid_patient_dicts())
    target = draw(TARGETS)
    values = JSON_VALUES
    spec = FIELDS.get(target) or STARTBACK_ITEMS.get(target.removeprefix("startback."))
    if spec is not None:
        # Values valid on their own reach the cross-field rules and the edges of each range.
        values = values | field_values(spec)
    if target in INT_FIELDS:
        # Documented difference: JSON Schema's "integer" accepts 40.0; from_dict does not (C13).
        values = values.filter(lambda value: not _integral_float(value))
    if target.startswith("startback."):
        answers = data.get("startback")
        data["startback"] = answers = dict(answers) if isinstance(answers, dict) else {}
        answers[target.removeprefix("startback.")] = draw(values)
    elif draw(st.integers(0, 9)) == 0:
        data.pop(target, None)
    else:
        data[target] = draw(values)
    return data


def _cross_field_rules_hold(data: dict[str, Any]) -> bool:
    """The rules the schema documents but cannot express; only meaningful on schema-valid data."""
    onset_age = data.get("first_back_pain_age")
    if onset_age is None:
        return True
    listed = data.get("axspa_features") or []
    return onset_age <= data["age"] and (onset_age < 35 or "onset_before_35" not in listed)


@settings(max_examples=400)
@given(mutated_patient_dicts())
def test_schema_and_from_dict_agree(data: dict[str, Any]) -> None:
    try:
        PatientState.from_dict(data)
        accepted = True
    except InvalidPatientState:
        accepted = False
    schema_accepts = VALIDATOR.is_valid(data)
    assert accepted == (schema_accepts and _cross_field_rules_hold(data))
