"""Property-based tests of the safety principles (clinical.md section 1 and section 10).

Patients come from ``strategies_clinical``: ``sparse_patient_dicts`` keeps most symptoms
"no" or unanswered so every urgency tier is common (a uniform draw is almost always an
emergency, which would make escalation properties hold vacuously); ``fast_patient_dicts`` is
the uniform draw of ``strategies.valid_patient_dicts`` with prebuilt strategies, used where
many unanswered fields matter (principle 7). The python engine serves the properties (it is
the reference; the engines are compared check for check in test_engines.py).
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinerules import PROFILES, Assessment, PatientState, Urgency, assess, default_rule_base
from spinerules.conditions import Compare, Is, IsNot, Known, Leaf, Unknown
from spinerules.engine.codegen import compile_predicate
from spinerules.facts import fact_keys
from spinerules.fields import FIELDS
from strategies import patient_states
from strategies_clinical import (
    ACTIVITY_IDS,
    CORE_SAFETY_QUESTIONS,
    ESCALATION_ORDERS,
    SYMPTOM_BOOLS,
    fast_patient_dicts,
    known_activity_ids,
    sparse_patient_dicts,
)

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]


def _examples(n: int) -> settings:
    return settings(max_examples=n, deadline=None, suppress_health_check=_HEALTH)


SETTINGS = _examples(400)
PYTHON = "python"
RULE_BASE = default_rule_base()

# The spec's own lists, written out here (and in strategies_clinical) rather than imported from
# src, so a change to the implementation's constants cannot silently change what is tested.
#: Principle 2 (revision 3): the soon flags marked *(limits plan)* in clinical.md section 4.
LIMITS_PLAN = {
    "cancer_history",
    "malignancy_weight_loss_age",
    "infection_risk_factor",
    "fracture_fragility",
}
LIMITED_PLAN = {"stay_active", "walking"}
ADVICE = {"stay_active", "reassurance"}

#: Principle 7: the only fields a fired rule may read as unanswered, and the rule that says so.
UNKNOWN_COUNTS = {
    # Section 2 "new neurological symptom/deficit": course `new`, `worsening` or unknown
    # (CES signs, ces_bilateral_legs, mscc, malignancy_suspected_neuro, infection_neuro,
    # fracture_neuro).
    "neuro_symptoms_course": "unknown counts as new",
    # fracture_major_trauma: emergency when `trauma_days_ago <= 7` or unknown.
    "trauma_days_ago": "unknown counts as recent",
    # walking: `can_walk_minutes >= 5` or unknown.
    "can_walk_minutes": "walking when walking tolerance is unknown",
    # axspa_test_hla_b27: `hla_b27` unknown or absent -> ask for the test.
    "hla_b27": "the HLA-B27 test advice",
    # neuro_progressive_weakness / neuro_stable_weakness: `leg_weakness_sides != both_sides`
    # "(unknown sides included; both sides is CES)".
    "leg_weakness_sides": "unknown sides count as not both sides",
    # Section 7: "paracetamol alone" is not shown when pregnant; unknown pregnancy shows it
    # (a "do not", never a red flag or an activity).
    "pregnant": "the paracetamol-alone 'do not' when pregnancy is unknown",
}


def _urgency(data: dict[str, Any]) -> Urgency:
    return assess(data, engine=PYTHON).urgency


def _set(data: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    return {**data, field: value}


# --- principle 4: monotone escalation -----------------------------------------------------------


def test_escalation_orders_cover_the_generic_fields() -> None:
    """The generic list is every symptom/risk boolean plus the seven ordered fields."""
    bools = {name for name, spec in FIELDS.items() if spec.kind == "bool"}
    assert set(SYMPTOM_BOOLS) == bools - {
        "clinician_reviewed_this_episode",
        "currently_runs",
        "balance_problems",
    }
    assert "pregnant" in SYMPTOM_BOOLS  # decision recorded in strategies_clinical
    ordered = {
        "leg_pain",
        "leg_numbness_or_tingling",
        "leg_weakness",
        "leg_weakness_sides",
        "pain_trend",
        "pain_intensity",
        "neuro_symptoms_course",
    }
    assert set(ESCALATION_ORDERS) == set(SYMPTOM_BOOLS) | ordered
    for field, levels in ESCALATION_ORDERS.items():
        values = [v for level in levels for v in level if v is not None]
        spec = FIELDS[field]
        if spec.kind == "enum":
            assert sorted(values) == sorted(spec.choices), field  # every answer is placed


@_examples(1200)
@given(sparse_patient_dicts(), st.sampled_from(sorted(ESCALATION_ORDERS)))
def test_monotone_escalation(data: dict[str, Any], field: str) -> None:
    """Moving one field up its order never lowers the urgency, down never raises it, and the
    values principle 4 calls equivalent (None ≡ False, None ≡ none, ...) give the same urgency."""
    levels = ESCALATION_ORDERS[field]
    urgency = [[(value, _urgency(_set(data, field, value))) for value in level] for level in levels]
    for level in urgency:
        assert len({u for _, u in level}) == 1, f"{field}: equivalent values differ: {level}"
    for lower, higher in itertools.pairwise(urgency):
        (low_value, low), (high_value, high) = lower[0], higher[0]
        assert low <= high, (
            f"{field}: {low_value!r} -> {high_value!r} lowered urgency {low.value} -> {high.value}"
        )


def test_monotone_escalation_examples() -> None:
    """Pinned steps of the orders, so the property is not only as good as its generator."""
    base = {"age": 40, "pain_duration_days": 10}
    assert _urgency(_set(base, "saddle_anaesthesia", True)) == Urgency.EMERGENCY
    course = {**base, "saddle_anaesthesia": True}
    assert [
        _urgency(_set(course, "neuro_symptoms_course", c))
        for c in ("stable_over_12_weeks", "stable_2_to_12_weeks", None, "new", "worsening")
    ] == [Urgency.URGENT, Urgency.URGENT, Urgency.EMERGENCY, Urgency.EMERGENCY, Urgency.EMERGENCY]
    legs = {**base, "leg_pain": "both_sides"}
    assert [
        _urgency(_set(legs, "neuro_symptoms_course", c))
        for c in ("stable_over_12_weeks", "stable_2_to_12_weeks", "new")
    ] == [Urgency.SOON, Urgency.URGENT, Urgency.EMERGENCY]
    weak = {**base, "neuro_symptoms_course": "stable_over_12_weeks"}
    assert [
        _urgency(_set(weak, "leg_weakness", w))
        for w in (None, "none", "stable", "progressive", "severe")
    ] == [Urgency.SELF_CARE, Urgency.SELF_CARE, Urgency.SOON, Urgency.URGENT, Urgency.URGENT]


# --- principles 1-3: what plan may be offered ---------------------------------------------------


def _plan_ids(a: Assessment) -> set[str]:
    return {r.id for r in a.recommendations}


@_examples(800)
@given(st.one_of(sparse_patient_dicts(), fast_patient_dicts()))
def test_plan_limits(data: dict[str, Any]) -> None:
    a = assess(data, engine=PYTHON)
    ids = _plan_ids(a)
    state = PatientState.from_dict(data)
    missing_core = [q for q in CORE_SAFETY_QUESTIONS if state.value(q) is None]
    # Principle 3: the screen is complete exactly when the core questions are answered (R3-8:
    # whatever clinician_reviewed_this_episode says), and the missing ones are listed first.
    assert a.screen_complete == (not missing_core)
    assert list(a.unanswered[: len(missing_core)]) == missing_core
    # Principle 1 / C6: no plan at all at urgent or emergency.
    if a.urgency >= Urgency.URGENT:
        assert ids == set(), f"plan at {a.urgency.value}: {ids}"
        return
    if not a.screen_complete:
        assert ids <= {"stay_active"}, ids
        assert ids == {"stay_active"}  # "offers only stay_active": it is always eligible
        return
    # Principle 2 / C7: a listed limits-plan flag limits the plan, reviewed or not (R3-7);
    # a cleared one is a watch item and no longer listed.
    serious = [f.id for f in a.red_flags if f.id in LIMITS_PLAN]
    assert not set(serious) & set(state.clinician_cleared_flags)
    if serious:
        assert ids <= LIMITED_PLAN, f"{serious} fired but the plan is {ids}"
        assert "stay_active" in ids
        return
    # Not limited: a full programme. group_exercise is eligible in any phase, so it is there
    # unless the person asked to avoid it; stay_active and reassurance are always there (C5).
    assert ids >= ADVICE
    assert ("group_exercise" in ids) != ("group_exercise" in state.avoid_activities)


def test_full_programme_beside_radicular_and_axspa_flags() -> None:
    """Principle 2's other half: radicular, neuro-stable and axSpA flags do not limit the plan."""
    core = {q: False for q in CORE_SAFETY_QUESTIONS} | {
        "leg_pain": "none",
        "leg_numbness_or_tingling": "none",
        "leg_weakness": "none",
    }
    base = {"age": 40, "pain_duration_days": 120, **core}
    for extra, flag in (
        ({"leg_numbness_or_tingling": "one_side"}, "radicular_sensory"),
        (
            {"leg_weakness": "stable", "neuro_symptoms_course": "stable_over_12_weeks"},
            "neuro_stable_weakness",
        ),
        (
            {
                "first_back_pain_age": 25,
                "axspa_features": [
                    "buttock_pain",
                    "improves_with_movement",
                    "family_history_spa",
                    "psoriasis_history",
                ],
            },
            "axspa_refer",
        ),
    ):
        a = assess({**base, **extra}, engine=PYTHON)
        assert a.urgency == Urgency.SOON and flag in {f.id for f in a.red_flags}
        assert {"core_stability", "yoga", "tai_chi", "group_exercise"} <= _plan_ids(a), flag


@SETTINGS
@given(sparse_patient_dicts())
def test_no_keep_moving_advice_at_emergency(data: dict[str, Any]) -> None:
    """Principle 1: at urgent the assessment may add "keep moving gently as comfort allows",
    never at emergency, not even inside the action of a lower-tier flag shown beside it."""
    a = assess(data, engine=PYTHON)
    if a.urgency != Urgency.EMERGENCY:
        return
    said = [f"{f.id}: {f.action}" for f in a.red_flags if "keep moving" in f.action.lower()]
    assert not said, f"emergency assessment tells the person to keep moving: {said}"


@SETTINGS
@given(sparse_patient_dicts(), st.data())
def test_clearance_and_the_urgent_fallback(data: dict[str, Any], draws: st.DataObject) -> None:
    """Section 3: clearance turns a fired ``soon`` flag into a watch item marked cleared and never
    applies at urgent or emergency (C15: the flag stays, at its tier). Section 4, "Every urgent
    action": an urgent assessment's lead action ends with what to do if the person cannot be seen
    today, said once; no other tier says it. The ids cleared are drawn from what fired, so the
    property is not vacuous."""
    base = assess({**data, "clinician_cleared_flags": []}, engine=PYTHON)
    fired = [f.id for f in base.red_flags] + [w.id for w in base.watch if w.reviewed]
    cleared = draws.draw(st.lists(st.sampled_from(fired), unique=True) if fired else st.just([]))
    a = assess({**data, "clinician_cleared_flags": cleared}, engine=PYTHON)
    listed = {f.id: f for f in a.red_flags}
    for finding in base.red_flags:
        if finding.urgency >= Urgency.URGENT:
            assert listed[finding.id].urgency == finding.urgency, finding.id
        elif finding.id in cleared:
            assert finding.id not in listed, finding.id
    assert {w.id for w in a.watch if w.cleared} == set(cleared) - set(listed)
    assert a.urgency <= base.urgency
    if base.urgency >= Urgency.URGENT:
        assert a.urgency == base.urgency
    fallback = [f.id for f in a.red_flags if "NHS 111" in f.action]
    if a.urgency == Urgency.URGENT:
        assert fallback == [a.red_flags[0].id]
        assert "urgent care centre" in a.red_flags[0].action
    else:
        assert fallback == [], fallback


# --- principle 5: nothing hides a red flag -------------------------------------------------------


@SETTINGS
@given(
    sparse_patient_dicts(),
    st.lists(known_activity_ids(), unique=True, max_size=5),
    st.lists(known_activity_ids(), unique=True, max_size=5),
    st.sampled_from(PROFILES),
)
def test_preferences_and_profile_never_hide_a_red_flag(
    data: dict[str, Any], preferred: list[str], avoid: list[str], profile: str
) -> None:
    plain = {k: v for k, v in data.items() if k not in ("preferred_activities", "avoid_activities")}
    base = assess(plain, engine=PYTHON, profile="nice")
    other = assess(
        {**plain, "preferred_activities": preferred, "avoid_activities": avoid},
        engine=PYTHON,
        profile=profile,
    )
    assert other.urgency == base.urgency
    # Not removed, not downgraded, not reworded: the whole finding is unchanged.
    assert [f.to_dict() for f in other.red_flags] == [f.to_dict() for f in base.red_flags]
    assert [w.to_dict() for w in other.watch] == [w.to_dict() for w in base.watch]
    # C4/C5: avoided activities never appear; advice cannot be avoided away.
    ids = _plan_ids(other)
    assert not (ids - ADVICE) & set(avoid)
    assert ids & ADVICE == _plan_ids(base) & ADVICE


@SETTINGS
@given(sparse_patient_dicts(), st.lists(known_activity_ids(), unique=True, min_size=1, max_size=5))
def test_preferences_only_reorder(data: dict[str, Any], preferred: list[str]) -> None:
    """C4: a preference never makes an activity eligible nor overrides a limit; several
    preferences keep the person's order, ahead of the rest."""
    plain = {k: v for k, v in data.items() if k not in ("preferred_activities", "avoid_activities")}
    base = assess(plain, engine=PYTHON)
    liked = assess({**plain, "preferred_activities": preferred}, engine=PYTHON)
    ids = [r.id for r in liked.recommendations]
    assert set(ids) == _plan_ids(base)
    shown = [a for a in preferred if a in ids]
    assert ids[: len(shown)] == shown
    assert all(r.preferred == (r.id in preferred) for r in liked.recommendations)


# --- principle 7: unknown is not "no" ---------------------------------------------------------


@SETTINGS
@given(st.one_of(fast_patient_dicts(), sparse_patient_dicts()))
def test_fired_checks_read_only_answered_inputs(data: dict[str, Any]) -> None:
    a = assess(data, engine=PYTHON)
    items = [*a.red_flags, *a.watch, *a.recommendations]
    for item in items:
        for key, value in item.inputs:
            assert value is not None or key in UNKNOWN_COUNTS, (
                f"{item.id} fired on unanswered {key!r}"
            )
    for entry in a.trace:
        for key, value in entry.inputs:
            assert value is not None or key in UNKNOWN_COUNTS, f"trace {entry.rule}: {key!r}"


def test_unknown_counts_entries_are_each_used() -> None:
    """Every allow-list entry is read as Unknown somewhere, and nothing else is (so the list
    is exactly the spec's exceptions, not a convenient superset)."""
    read_as_unknown = set()
    for check in RULE_BASE.checks:
        if "?" in check.key:
            # Conditional text (C17: a caution, action note or card line) says "unless this is
            # answered yes"; it never makes a rule fire.
            continue
        for leaf in check.condition.leaves():
            if isinstance(leaf, Unknown):
                read_as_unknown.add(leaf.key)
    assert read_as_unknown == set(UNKNOWN_COUNTS)


def _leaf_classes() -> list[type[Leaf]]:
    found: list[type[Leaf]] = []
    pending: list[type[Leaf]] = [Leaf]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if attrs.has(sub):
                found.append(sub)
    return found


_SCALARS = st.one_of(
    st.booleans(),
    st.integers(-5, 200),
    st.floats(-5, 200),
    st.sampled_from(("none", "one_side", "both_sides", "positive", "new", "female")),
)


@st.composite
def _leaf_of(draw: st.DrawFn, cls: type[Leaf]) -> Leaf:
    kwargs: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.name == "key":
            kwargs["key"] = draw(st.sampled_from(sorted(fact_keys())))
        elif field.name == "op":
            kwargs["op"] = draw(st.sampled_from(("<", "<=", ">", ">=")))
        elif field.name == "value":
            numeric = cls is Compare
            kwargs["value"] = draw(
                st.integers(-5, 200) | st.floats(-5, 200) if numeric else _SCALARS
            )
        elif field.name == "parameter":
            kwargs["parameter"] = draw(st.none() | st.just("some_parameter"))
        else:  # a new leaf type with a field this test does not know: make it fail loudly
            pytest.fail(f"{cls.__name__}.{field.name}: teach this test to build it")
    return cls(**kwargs)


def test_leaf_classes_found() -> None:
    assert {Is, IsNot, Compare, Known, Unknown} <= set(_leaf_classes())


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_leaf_classes()).flatmap(_leaf_of))
def test_every_leaf_but_unknown_is_false_on_none(leaf: Leaf) -> None:
    """The tree interpreter and the python engine's generated code alike."""
    compiled = compile_predicate(leaf)
    for facts in ({leaf.key: None}, {}):
        want = isinstance(leaf, Unknown)
        assert leaf.evaluate(facts) is want, f"{leaf!r} on an unanswered {leaf.key}"
        assert compiled(facts) is want, f"compiled {leaf!r} on an unanswered {leaf.key}"


# --- determinism --------------------------------------------------------------------------------


def _without_engine(d: dict[str, Any]) -> dict[str, Any]:
    return {**d, "ruleset": {k: v for k, v in d["ruleset"].items() if k != "engine"}}


@_examples(200)  # patient_states() rebuilds its strategies on every draw (~20 ms a patient)
@given(patient_states(known_activity_ids()) | fast_patient_dicts().map(PatientState.from_dict))
def test_same_input_same_output(state: PatientState) -> None:
    first = assess(state, engine=PYTHON).to_dict()
    assert assess(state, engine=PYTHON).to_dict() == first
    assert assess(state.to_dict(), engine=PYTHON).to_dict() == first  # dict form, round trip
    assert assess(PatientState.from_dict(state.to_dict()), engine=PYTHON).to_dict() == first


@pytest.mark.durable
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sparse_patient_dicts())
def test_same_input_same_output_durable(data: dict[str, Any]) -> None:
    first = assess(data, engine="durable").to_dict()
    assert assess(data, engine="durable").to_dict() == first
    assert assess(PatientState.from_dict(data), engine="durable").to_dict() == first
    assert first["ruleset"]["engine"] == "durable"
    assert _without_engine(first) == _without_engine(assess(data, engine=PYTHON).to_dict())


# --- principle 6 and the disclaimer -----------------------------------------------------------


def _evidence_ok(item_id: str, evidence: list[dict[str, Any]]) -> None:
    ids = [e["id"] for e in evidence]
    assert ids, f"{item_id} has no evidence"
    assert set(ids) != {"seed_article"}, f"{item_id} rests on the seed article alone"
    for ref in evidence:
        assert ref["id"] in RULE_BASE.evidence and ref["citation"], ref
        assert "grade" in ref


@SETTINGS
@given(st.one_of(sparse_patient_dicts(), fast_patient_dicts()))
def test_every_output_is_decision_support_with_evidence(data: dict[str, Any]) -> None:
    out = assess(data, engine=PYTHON).to_dict()
    assert "not a diagnosis" in out["disclaimer"]["text"]
    for section in ("red_flags", "watch", "recommendations", "advice_against"):
        for item in out[section]:
            _evidence_ok(item["id"], item["evidence"])


def test_every_rule_has_evidence_beyond_the_seed_article() -> None:
    """The same check over the whole rule base, so rules no generated patient reached count."""
    rules = [
        *RULE_BASE.red_flags,
        *RULE_BASE.watch_items,
        *RULE_BASE.activities,
        *RULE_BASE.advice_against,
    ]
    assert len(rules) > 40
    for rule in rules:
        ids = [link.evidence_id for link in rule.evidence]
        assert ids and set(ids) != {"seed_article"}, rule.id


# --- the generators themselves ------------------------------------------------------------------


def test_sparse_generator_reaches_every_tier_and_plan() -> None:
    """Guard against vacuous properties: the patients above reach all four urgencies, complete
    and incomplete screens, limited and full plans."""
    seen: Counter[str] = Counter()

    @settings(max_examples=600, deadline=None, database=None, derandomize=True)
    @given(sparse_patient_dicts())
    def collect(data: dict[str, Any]) -> None:
        a = assess(data, engine=PYTHON)
        seen[a.urgency.value] += 1
        seen[f"complete={a.screen_complete}"] += 1
        ids = _plan_ids(a)
        seen["limited" if ids and ids <= LIMITED_PLAN else "full" if len(ids) > 2 else "other"] += 1

    collect()
    for key in (*(u.value for u in Urgency), "complete=True", "complete=False", "limited", "full"):
        assert seen[key] >= 5, seen
    assert ACTIVITY_IDS  # known ids come from the rule base
