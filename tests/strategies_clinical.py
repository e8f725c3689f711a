"""Strategies and generators for the clinical property, engine and stress tests.

``strategies.valid_patient_dicts`` builds ~60 new strategies on every draw (measured: about
20 ms per example), which is too slow for 10,000-example differential runs. The strategies here
draw from the same ``field_values`` but build every strategy once, at import.

Three shapes of patient:

* ``fast_patient_dicts``: the same distribution as ``valid_patient_dicts`` (every field absent,
  null or any value), with known activity ids so ``assess`` accepts the lists;
* ``sparse_patient_dicts``: a handful of symptoms present, the rest "no" or unanswered, so every
  urgency tier is common (a uniform draw has ~7 true red-flag booleans and is almost always an
  emergency, which would make escalation properties vacuous);
* ``realistic_patient_dict(rng)``: a plain seeded ``random.Random`` generator with the same
  sparse shape, for the subprocess stress tests (no hypothesis there).

Also: the principle-4 orders of clinical.md (``ESCALATION_ORDERS``), a uniform seeded patient
generator, and seeded generators of conditions and rules over real fact keys (literals of each
key's own type), for generated rule bases.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from hypothesis import strategies as st

from spinerules.conditions import (
    FLAG_PREFIX,
    AllOf,
    AnyOf,
    AtLeast,
    Compare,
    Condition,
    Is,
    IsNot,
    Known,
    Unknown,
)
from spinerules.facts import fact_keys
from spinerules.fields import AXSPA_FEATURES, FIELDS, STARTBACK_ITEM9_CHOICES, FieldSpec
from spinerules.levels import Urgency
from spinerules.patient import PatientState
from spinerules.registry import default_rule_base
from spinerules.rules import Activity, Escalation, RedFlag, cite
from spinerules.thresholds import Thresholds
from strategies import ABSENT, field_values
from vignettes import CORE_SAFETY_QUESTIONS

__all__ = [
    "ACTIVITY_IDS",
    "CORE_SAFETY_QUESTIONS",
    "ESCALATION_ORDERS",
    "NON_SYMPTOM_BOOLS",
    "REVISION3_BOOLS",
    "SPEC_RED_FLAG_IDS",
    "SYMPTOM_BOOLS",
    "fast_patient_dicts",
    "generated_activities",
    "generated_red_flags",
    "known_activity_ids",
    "random_condition",
    "realistic_patient_dict",
    "seeded",
    "sparse_patient_dicts",
    "uniform_patient_dict",
]

ONSET = "onset_before_35"
ACTIVITY_IDS: tuple[str, ...] = tuple(
    a.id for a in default_rule_base().activities if a.kind == "exercise"
)


def known_activity_ids() -> st.SearchStrategy[str]:
    return st.sampled_from(ACTIVITY_IDS)


#: Every red-flag id of clinical.md section 4 (revision 3), written out from the spec rather than
#: read from the rule base: ``clinician_cleared_flags`` accepts only these (section 3), so the
#: generators draw cleared lists from here (an activity id there is an input error).
SPEC_RED_FLAG_IDS: tuple[str, ...] = (
    # cauda_equina
    "ces_saddle",
    "ces_bladder",
    "ces_bowel",
    "ces_sexual",
    "ces_bilateral_legs",
    # neuro_deficit
    "neuro_gait",
    "neuro_progressive_weakness",
    "neuro_foot_drop",
    "neuro_stable_weakness",
    "radicular_sensory",
    "radicular_persistent",
    # malignancy
    "mscc",
    "malignancy_suspected_neuro",
    "cancer_metastasis_features",
    "cancer_history",
    "malignancy_weight_loss_age",
    "ng12_myeloma_bloods",
    "malignancy_weak_combination",
    "malignancy_unrelenting_pain",
    # infection
    "infection_neuro",
    "infection_fever_risk",
    "infection_fever",
    "infection_post_procedure",
    "infection_risk_factor",
    # fracture
    "fracture_major_trauma",
    "fracture_neuro",
    "fracture_deformity",
    "fracture_fragility",
    "fracture_risk_profile",
    # axspa
    "axspa_refer",
    "axspa_hla_b27_positive",
    "axspa_test_hla_b27",
    # vascular (revision 3 adds collapse_with_back_pain and sudden_severe_pain_older)
    "collapse_with_back_pain",
    "aaa_rupture_suspected",
    "sudden_severe_pain_older",
    "aaa_known_symptomatic",
    "aaa_pulsatile_mass",
    "thoracic_sudden_severe",
    "visceral_abdominal_pain",
    # pregnancy (revision 3)
    "pregnancy_acute_pain",
)

#: The booleans revision 3 added or newly reads (clinical.md section 11, R3-1 to R3-6): the six
#: NG156 AAA risk factors, and the symptoms of the new vascular and pregnancy rules.
REVISION3_BOOLS: tuple[str, ...] = (
    "smokes_or_smoked",
    "cardiovascular_disease",
    "hypertension",
    "high_cholesterol",
    "copd",
    "family_history_aaa",
    "pregnant",
    "collapse_or_fainting",
    "sudden_severe_onset",
    "abdominal_pain",
    "known_aortic_aneurysm",
    "unrelenting_pain",
)


# --- principle 4 --------------------------------------------------------------------------

#: Booleans principle 4 leaves out of the generic property: a clinician review is not a
#: symptom (it turns reviewable flags into watch items by design); ``currently_runs`` is an
#: activity habit; ``balance_problems`` only ranks tai chi up (activity steering, excluded by
#: the test brief). ``pregnant`` STAYS IN: principle 4's exemptions are clinician review,
#: preferences and activity habits only; pregnancy is neither, and the spec defines it as a
#: patient characteristic, not a preference. Revision 3's ``pregnancy_acute_pain`` reads it,
#: so it must only ever raise urgency. ``ibd_history`` and ``uveitis_history``
#: ("safety-netting for axSpA only") are history booleans, so they stay in for the same reason.
#: ``off_work_due_to_back_pain`` (revision 3) is exempt by principle 4 ("fields that are not
#: symptoms") but it only selects the ``return_to_work`` advice, so it can never move urgency;
#: it stays in the generic list (test_properties pins the exempt set to the three above), where
#: the property holds for it trivially.
NON_SYMPTOM_BOOLS = frozenset(
    {"clinician_reviewed_this_episode", "currently_runs", "balance_problems"}
)
SYMPTOM_BOOLS: tuple[str, ...] = tuple(
    name for name, spec in FIELDS.items() if spec.kind == "bool" and name not in NON_SYMPTOM_BOOLS
)

#: Field -> levels, lowest first; the values inside one level are equivalent (principle 4).
ESCALATION_ORDERS: dict[str, tuple[tuple[Any, ...], ...]] = {
    **{name: ((None, False), (True,)) for name in SYMPTOM_BOOLS},
    "leg_pain": ((None, "none"), ("one_side",), ("both_sides",)),
    "leg_numbness_or_tingling": ((None, "none"), ("one_side",), ("both_sides",)),
    "leg_weakness": ((None, "none"), ("stable",), ("progressive",), ("severe",)),
    # Principle 4 says None ≡ one_side outright; the rules that read it as unknown
    # (neuro_*_weakness: "unknown sides included") read it exactly as one_side, so the
    # equivalence is tested here too.
    "leg_weakness_sides": ((None, "one_side"), ("both_sides",)),
    "pain_trend": ((None, "improving"), ("unchanged",), ("worsening",)),
    "pain_intensity": tuple((n,) for n in range(11)),
    # "unknown counts as new": None sits at the top with new and worsening.
    "neuro_symptoms_course": (
        ("stable_over_12_weeks",),
        ("stable_2_to_12_weeks",),
        (None, "new", "worsening"),
    ),
}


# --- patient dicts --------------------------------------------------------------------------

_IDS = known_activity_ids()
_VALUES = {name: field_values(spec, _IDS) for name, spec in FIELDS.items()}
#: clinical.md section 3: clinician_cleared_flags holds red-flag ids of the rule base, not
#: activity ids (which is what ``field_values`` draws for a list field).
_CLEARED = "clinician_cleared_flags"
if _CLEARED in _VALUES:
    _VALUES[_CLEARED] = st.lists(st.sampled_from(SPEC_RED_FLAG_IDS), unique=True, max_size=4)
_MAYBE = {name: st.one_of(st.just(ABSENT), st.none(), values) for name, values in _VALUES.items()}
_FEATURES_NO_ONSET = st.lists(
    st.sampled_from([f for f in AXSPA_FEATURES if f != ONSET]), unique=True
)


@cache
def _onset_ages(age: int) -> st.SearchStrategy[int]:
    return st.integers(0, age)


def _put(data: dict[str, Any], name: str, value: Any) -> None:
    if value is not ABSENT:
        data[name] = value


@st.composite
def fast_patient_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """``valid_patient_dicts`` with prebuilt strategies and known activity ids."""
    data: dict[str, Any] = {}
    for name, spec in FIELDS.items():
        if name == "first_back_pain_age":
            values: st.SearchStrategy[Any] = st.one_of(
                st.just(ABSENT), st.none(), _onset_ages(data["age"])
            )
        elif name == "axspa_features" and (data.get("first_back_pain_age") or 0) >= 35:
            values = st.one_of(st.just(ABSENT), st.none(), _FEATURES_NO_ONSET)
        else:
            values = _VALUES[name] if spec.required else _MAYBE[name]
        _put(data, name, draw(values))
    return data


_SIDES = (ABSENT, None, "none", "none", "none", "one_side", "both_sides")
_SPARSE_ENUMS: dict[str, tuple[Any, ...]] = {
    "leg_pain": _SIDES,
    "leg_numbness_or_tingling": _SIDES,
    "leg_weakness": (ABSENT, None, "none", "none", "none", "stable", "progressive", "severe"),
}
_NO = st.sampled_from((ABSENT, None, False))
_ANY_BOOL = st.sampled_from((ABSENT, None, False, True))
_DURATION = st.one_of(st.integers(0, 120), st.integers(0, 36500))


@st.composite
def sparse_patient_dicts(
    draw: st.DrawFn, max_present: int = 3, pool: Sequence[str] | None = None
) -> dict[str, Any]:
    """A few symptoms present, the rest "no" or unanswered; every other field as usual.

    ``pool`` (default: every symptom boolean) is where the present symptoms are drawn from, so a
    test can make a family's symptoms common (e.g. ``REVISION3_BOOLS``) and still keep the shape.
    """
    choices = tuple(SYMPTOM_BOOLS if pool is None else pool)
    present = set(draw(st.lists(st.sampled_from(choices), max_size=max_present, unique=True)))
    # Half the patients answer every core safety question, so complete screens are common.
    core_answered = draw(st.booleans())
    data: dict[str, Any] = {}
    for name, spec in FIELDS.items():
        answer = core_answered and name in CORE_SAFETY_QUESTIONS
        if name == "pain_duration_days":
            value: Any = draw(_DURATION)
        elif spec.required:
            value = draw(_VALUES[name])
        elif spec.kind == "bool":
            if name in present:
                value = True
            elif answer:
                value = False
            else:
                value = draw(_NO if name in SYMPTOM_BOOLS else _ANY_BOOL)
        elif name in _SPARSE_ENUMS:
            choices = _SPARSE_ENUMS[name]
            value = draw(st.sampled_from(choices[2:] if answer else choices))
        elif name == "first_back_pain_age":
            value = draw(st.one_of(st.just(ABSENT), st.none(), _onset_ages(data["age"])))
        elif name == "axspa_features" and (data.get("first_back_pain_age") or 0) >= 35:
            value = draw(_FEATURES_NO_ONSET)
        else:
            value = draw(_MAYBE[name])
        _put(data, name, value)
    return data


def realistic_patient_dict(rng: random.Random) -> dict[str, Any]:
    """A seeded, hypothesis-free patient with the sparse shape (for subprocess stress tests)."""
    data: dict[str, Any] = {"age": rng.randint(16, 95)}
    data["pain_duration_days"] = rng.choice((rng.randint(0, 120), rng.randint(0, 3650)))
    present = set(rng.sample(SYMPTOM_BOOLS, rng.choice((0, 0, 1, 1, 2, 3))))
    for name, spec in FIELDS.items():
        if name in data or rng.random() < 0.2:
            continue  # already set, or not asked
        if spec.kind == "bool":
            data[name] = (name in present) if name in SYMPTOM_BOOLS else rng.random() < 0.3
        elif name in _SPARSE_ENUMS:
            value = rng.choice(_SPARSE_ENUMS[name])
            if value is not ABSENT:
                data[name] = value
        elif name == "first_back_pain_age":
            data[name] = rng.randint(10, data["age"])
        elif spec.kind == "enum":
            data[name] = rng.choice(spec.choices)
        elif spec.kind == "int":
            data[name] = rng.randint(int(spec.minimum or 0), int(spec.maximum or 0))
        elif spec.kind == "float":
            data[name] = round(rng.uniform(16, 45), 1)
        elif spec.kind == "set":
            pool = [
                f for f in AXSPA_FEATURES if f != ONSET or data.get("first_back_pain_age", 0) < 35
            ]
            data[name] = rng.sample(pool, rng.randint(0, 5))
        elif name == _CLEARED:
            data[name] = rng.sample(SPEC_RED_FLAG_IDS, rng.choice((0, 0, 0, 1, 2)))
        elif spec.kind == "list":
            data[name] = rng.sample(ACTIVITY_IDS, rng.randint(0, 3))
        elif spec.kind == "startback":
            data[name] = {f"item{n}": rng.random() < 0.4 for n in range(1, 9)}
            data[name]["item9"] = rng.choice(STARTBACK_ITEM9_CHOICES)
    PatientState.from_dict(data)  # the generator must only make valid answers
    return data


# --- generated conditions and rules ------------------------------------------------------------


_KEYS = tuple(sorted(fact_keys()))
_NUMERIC_KEYS = tuple(
    key
    for key in _KEYS
    if key.endswith(".count") or FIELDS[key.partition(".")[0]].kind in ("int", "float")
)


def generated_activities(conds: Sequence[Condition]) -> list[Activity]:
    return [
        Activity(
            id=f"gen_activity_{n}",
            name=f"Generated activity {n}",
            eligibility=condition,
            reason="generated",
            dose="generated",
            progression="generated",
            evidence=(cite("nice_ng59"),),
        )
        for n, condition in enumerate(conds)
    ]


_FAMILIES = ("generated", "infection", "malignancy", "fracture", "vascular", "neuro_deficit")


def generated_red_flags(
    conds: Sequence[Condition], escalations: Sequence[Condition | None], seed: int
) -> list[RedFlag]:
    """Red flags of random tiers and families; an escalation (when given) goes one tier up,
    and about a third of those get a second escalation to the same tier (two routes to one
    tier: each needs its own check key, issue 8 item 7)."""
    rng = random.Random(seed)
    tiers = list(Urgency)[1:]  # soon, urgent, emergency
    flags = []
    for n, (condition, extra) in enumerate(zip(conds, escalations, strict=True)):
        tier = rng.choice(tiers)
        higher = [t for t in Urgency if t > tier]
        ups = []
        if extra is not None and higher:
            ups.append(Escalation(higher[0], extra))
            if rng.random() < 0.35:
                ups.append(Escalation(higher[0], conds[(n + 1) % len(conds)]))
        flags.append(
            RedFlag(
                id=f"gen_flag_{n}",
                family=rng.choice(_FAMILIES),
                title=f"Generated flag {n}",
                tier=tier,
                action="generated",
                condition=condition,
                evidence=(cite("nice_ng59"),),
                escalations=ups,
                reviewable=rng.random() < 0.2,
            )
        )
    return flags


# --- seeded (hypothesis-free) generators --------------------------------------------------------

#: Integers worth hitting: every default cut-off, one either side, and the field bounds.
_CUTOFFS = sorted(
    {v + d for _, v, _ in Thresholds().describe() if isinstance(v, int) for d in (-1, 0, 1)}
)


def _random_int(rng: random.Random, low: int, high: int) -> int:
    near = [v for v in _CUTOFFS if low <= v <= high] + [low, high]
    return rng.choice(near) if rng.random() < 0.5 else rng.randint(low, high)


def _random_value(rng: random.Random, name: str, spec: FieldSpec, data: dict[str, Any]) -> Any:
    if spec.kind == "bool":
        return rng.random() < 0.5
    if spec.kind == "int":
        high = data["age"] if name == "first_back_pain_age" else int(spec.maximum or 0)
        return _random_int(rng, int(spec.minimum or 0), high)
    if spec.kind == "float":
        return rng.choice((_random_int(rng, 10, 80), rng.uniform(10, 80), 30.0, 29.9))
    if spec.kind == "enum":
        return rng.choice(spec.choices)
    if spec.kind == "set":
        pool = [
            f for f in AXSPA_FEATURES if f != ONSET or (data.get("first_back_pain_age") or 0) < 35
        ]
        return rng.sample(pool, rng.randint(0, len(pool)))
    if name == _CLEARED:
        return rng.sample(SPEC_RED_FLAG_IDS, rng.randint(0, 4))
    if spec.kind == "list":
        return rng.sample(ACTIVITY_IDS, rng.randint(0, 4))
    items = {f"item{n}": rng.choice((None, False, True)) for n in range(1, 9)}
    items["item9"] = rng.choice((None, *STARTBACK_ITEM9_CHOICES))
    return {k: v for k, v in items.items() if v is not None or rng.random() < 0.5}


def uniform_patient_dict(rng: random.Random) -> dict[str, Any]:
    """The shape of ``valid_patient_dicts`` (each field absent, null or any value), seeded."""
    data: dict[str, Any] = {}
    for name, spec in FIELDS.items():
        roll = rng.random()
        if spec.required or roll < 1 / 3:
            data[name] = _random_value(rng, name, spec, data)
        elif roll < 2 / 3:
            data[name] = None
    return data


def seeded(
    generator: Callable[[random.Random], dict[str, Any]],
) -> st.SearchStrategy[dict[str, Any]]:
    """A hypothesis strategy drawing one seed (cheap) for a seeded generator."""
    return st.integers(0, 2**64 - 1).map(lambda seed: generator(random.Random(seed)))


def _random_leaf(rng: random.Random, flags: Sequence[str]) -> Condition:
    kind = rng.choice(("is", "is", "isnot", "compare", "compare", "unknown", "known", "flag"))
    if kind == "flag" and flags:
        return Is(FLAG_PREFIX + rng.choice(flags), rng.random() < 0.7)
    if kind == "compare":
        key = rng.choice(_NUMERIC_KEYS)
        field, _, member = key.partition(".")
        spec = FIELDS[field]
        if member == "count":
            value: Any = rng.randint(0, len(spec.choices))
        elif spec.kind == "float":
            value = rng.choice((18.5, 25.0, 30.0, rng.uniform(10, 80)))
        else:
            value = _random_int(rng, int(spec.minimum or 0), int(spec.maximum or 0))
        return Compare(key, rng.choice(("<", "<=", ">", ">=")), value)
    key = rng.choice(_KEYS)
    if kind == "unknown":
        return Unknown(key)
    if kind == "known":
        return Known(key)
    field, _, member = key.partition(".")
    spec = FIELDS[field]
    if member == "count":
        value = rng.randint(0, len(spec.choices))
    elif member or spec.kind == "bool":
        value = rng.random() < 0.5
    elif spec.kind == "enum":
        value = rng.choice(spec.choices)
    elif spec.kind == "float":
        value = rng.choice((18.5, 25.0, 30.0))
    else:
        value = _random_int(rng, int(spec.minimum or 0), int(spec.maximum or 0))
    return Is(key, value) if kind == "is" else IsNot(key, value)


def random_condition(rng: random.Random, flags: Sequence[str] = (), depth: int = 2) -> Condition:
    """A seeded condition tree of Is/IsNot/Compare/Unknown/Known leaves under AllOf/AnyOf/AtLeast,
    reading real fact keys and (when ``flags`` are given) the outcome of those rules."""
    if depth == 0 or rng.random() < 0.3:
        return _random_leaf(rng, flags)
    members = tuple(random_condition(rng, flags, depth - 1) for _ in range(rng.randint(1, 3)))
    group = rng.choice(("all", "any", "atleast"))
    if group == "all":
        return AllOf(members)
    if group == "any":
        return AnyOf(members)
    return AtLeast(rng.randint(1, len(members)), members)
