"""Activity recommendations and "do not" advice, vignette by vignette (clinical.md 1, 6–9, 10).

Every activity has a vignette where it is recommended (a complete safety screen, nothing
limiting the plan) and a close one where it is not. Then the safety principles that limit a
plan (1–3), preferences and the avoid list (C4, C5), cautions (C1), ranking (C3, C7, C9), the
"do not" lists per profile (section 7), the evidence behind each claim and its honest framing.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

import spinerules
from spinerules import Assessment, policy
from vignettes import CORE_SAFETY_QUESTIONS, ENGINES, complete_screen

v = complete_screen


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _assess(state: dict[str, Any], engine: str, **kwargs: Any) -> Assessment:
    return spinerules.assess(state, engine=engine, **kwargs)


def _ids(a: Assessment) -> list[str]:
    return [r.id for r in a.recommendations]


def _rec(a: Assessment, activity: str) -> spinerules.Recommendation:
    found = [r for r in a.recommendations if r.id == activity]
    assert found, f"{activity} not recommended: {_ids(a)}; red flags {[f.id for f in a.red_flags]}"
    return found[0]


#: Chronic pain, BMI 32, a runner at 4/10 who sat most of 4 days: every activity but heat fits.
CHRONIC = {
    "pain_duration_days": 100,
    "bmi": 32.0,
    "currently_runs": True,
    "pain_intensity": 4,
    "days_mostly_sitting_last_week": 4,
}
CHRONIC_PLAN = [  # best grade first (C3), ties in table order
    "stay_active",  # moderate
    "core_stability",  # moderate
    "yoga",  # moderate
    "pain_relief",  # moderate (acp2017)
    "reassurance",  # guideline
    "break_up_sitting",  # guideline
    "group_exercise",  # guideline
    "flare_up_plan",  # guideline; chronic, with a full plan
    "walking",  # low
    "strength_and_walking",  # low (R3-17)
    "tai_chi",  # low
    "running",  # very_low
]
ACUTE_PLAN = [
    "stay_active",
    "superficial_heat",
    "pain_relief",
    "reassurance",
    "group_exercise",
    "walking",
]
#: Section 6 "Kinds": advice and comfort are not activities (C5).
ADVICE = frozenset(
    {
        "stay_active",
        "reassurance",
        "break_up_sitting",
        "pain_relief",
        "flare_up_plan",
        "return_to_work",
        "superficial_heat",
    }
)
LIMITED = ["stay_active", "walking"]
REVIEWED = {"clinician_reviewed_this_episode": True}


class Case(NamedTuple):
    """``state`` recommends the activity; ``state`` updated with ``change`` does not."""

    state: dict[str, Any]
    change: dict[str, Any]


RUNNER = v(currently_runs=True, pain_intensity=5)

ACTIVITY_CASES: dict[str, list[Case]] = {
    "stay_active": [
        Case(v(), {"fever": True}),  # urgent: no plan at all
        Case(v(), {"saddle_anaesthesia": True}),  # emergency
    ],
    "reassurance": [
        Case(v(), {"fever": True}),
        Case(v(), {"iv_drug_use": True}),  # principle 2: stay_active and walking only
        Case(v(), {"fever": None}),  # principle 3: stay_active only
    ],
    "break_up_sitting": [
        Case(v(days_mostly_sitting_last_week=3), {"days_mostly_sitting_last_week": 2}),
        Case(v(days_mostly_sitting_last_week=7), {"days_mostly_sitting_last_week": None}),
    ],
    "walking": [
        Case(v(can_walk_minutes=5), {"can_walk_minutes": 4}),
        Case(v(), {"can_walk_minutes": 0}),  # unknown tolerance: walking is offered
    ],
    "running": [
        Case(RUNNER, {"pain_intensity": 6}),
        Case(RUNNER, {"pain_intensity": None}),  # unknown intensity: not recommended
        Case(RUNNER, {"currently_runs": False}),
        Case(RUNNER, {"previous_vertebral_fracture": True}),  # excluded
        Case({**RUNNER, "pain_intensity": 0}, {"currently_runs": None}),
    ],
    "core_stability": [
        Case(v(pain_duration_days=28), {"pain_duration_days": 27}),
        Case(v(pain_duration_days=400), {"pain_duration_days": 0}),
    ],
    "strength_and_walking": [
        Case(v(pain_duration_days=85, bmi=30), {"bmi": 29.9}),
        Case(v(pain_duration_days=85, bmi=30.0), {"pain_duration_days": 84}),
        Case(v(pain_duration_days=85, bmi=45.5), {"bmi": None}),
    ],
    "yoga": [Case(v(pain_duration_days=85), {"pain_duration_days": 84})],
    "tai_chi": [Case(v(pain_duration_days=85), {"pain_duration_days": 84})],
    "group_exercise": [
        Case(v(), {"iv_drug_use": True}),  # limited plan
        Case(v(pain_duration_days=200), {"major_trauma": True}),
    ],
    "superficial_heat": [
        Case(v(pain_duration_days=84), {"pain_duration_days": 85}),
        Case(v(pain_duration_days=0), {"pain_duration_days": 365}),
    ],
    # R3-15: what can I take, what if it flares, work; each only with a full plan.
    "pain_relief": [
        Case(v(), {"iv_drug_use": True}),  # principle 2
        Case(v(pain_duration_days=400), {"fever": None}),  # principle 3
    ],
    "flare_up_plan": [
        Case(v(pain_duration_days=85), {"pain_duration_days": 84}),
        Case(v(pain_duration_days=85), {"history_of_cancer": True}),  # principle 2
    ],
    "return_to_work": [
        Case(v(off_work_due_to_back_pain=True), {"off_work_due_to_back_pain": False}),
        Case(v(off_work_due_to_back_pain=True), {"off_work_due_to_back_pain": None}),
        Case(v(off_work_due_to_back_pain=True), {"iv_drug_use": True}),  # principle 2
    ],
}


def _params(table: dict[str, list[Case]]) -> list[Any]:
    return [
        pytest.param(activity, case, id=f"{activity}-{n}")
        for activity, cases in table.items()
        for n, case in enumerate(cases)
    ]


def test_every_activity_has_a_vignette() -> None:
    activities = [a.id for a in spinerules.default_rule_base().activities]
    assert activities == [
        "stay_active",
        "reassurance",
        "break_up_sitting",
        "walking",
        "running",
        "core_stability",
        "strength_and_walking",
        "yoga",
        "tai_chi",
        "group_exercise",
        "superficial_heat",
        "pain_relief",
        "flare_up_plan",
        "return_to_work",
    ]
    kinds = {a.id: a.kind for a in spinerules.default_rule_base().activities}
    assert {a for a, kind in kinds.items() if kind != "exercise"} == ADVICE
    assert kinds["superficial_heat"] == "comfort"
    assert set(activities) - {a for a, cases in ACTIVITY_CASES.items() if cases} == set()
    assert set(ACTIVITY_CASES) <= set(activities)
    for cases in ACTIVITY_CASES.values():
        for case in cases:
            assert len(case.change) == 1


def test_core_safety_questions_are_the_spec_ones() -> None:
    assert set(policy.CORE_SAFETY_QUESTIONS) == set(CORE_SAFETY_QUESTIONS)


@pytest.mark.parametrize(("activity", "case"), _params(ACTIVITY_CASES))
def test_activity_recommended(engine: str, activity: str, case: Case) -> None:
    a = _assess(case.state, engine)
    assert a.screen_complete is True
    assert a.urgency.value == "self_care"
    rec = _rec(a, activity)
    assert rec.reason and rec.dose and rec.progression
    assert rec.evidence


@pytest.mark.parametrize(("activity", "case"), _params(ACTIVITY_CASES))
def test_activity_not_recommended_on_close_vignette(engine: str, activity: str, case: Case) -> None:
    a = _assess({**case.state, **case.change}, engine)
    assert activity not in _ids(a)


@pytest.mark.parametrize(
    ("activity", "answers", "inputs"),
    [
        pytest.param(
            "break_up_sitting",
            {"days_mostly_sitting_last_week": 5},
            {"days_mostly_sitting_last_week": 5},
            id="sitting",
        ),
        pytest.param("walking", {"can_walk_minutes": 20}, {"can_walk_minutes": 20}, id="walking"),
        pytest.param(
            "running",
            {"currently_runs": True, "pain_intensity": 2},
            {"currently_runs": True, "pain_intensity": 2},
            id="running",
        ),
        pytest.param(
            "strength_and_walking",
            {"pain_duration_days": 90, "bmi": 31.5},
            {"pain_duration_days": 90, "bmi": 31.5},
            id="strength",
        ),
    ],
)
def test_recommendation_reason_names_the_inputs_that_made_it_fire(
    engine: str, activity: str, answers: dict[str, Any], inputs: dict[str, Any]
) -> None:
    rec = _rec(_assess(v(**answers), engine), activity)
    assert dict(rec.inputs).items() >= inputs.items()


# --- ranking: evidence grade, then table order (C3) -------------------------------------------


def test_chronic_plan_ranked_by_grade_then_table_order(engine: str) -> None:
    a = _assess(v(**CHRONIC), engine)
    assert _ids(a) == CHRONIC_PLAN


def test_acute_plan_ranked_by_grade_then_table_order(engine: str) -> None:
    a = _assess(v(), engine)
    assert _ids(a) == ACUTE_PLAN


GRADES = {
    "stay_active": "moderate",
    "reassurance": "guideline",  # unbracketed acp2017 adds nothing (C3)
    "break_up_sitting": "guideline",
    "walking": "low",
    "running": "very_low",
    "core_stability": "moderate",
    "strength_and_walking": "low",  # R3-17
    "yoga": "moderate",
    "tai_chi": "low",
    "group_exercise": "guideline",
    "superficial_heat": "moderate",
    "pain_relief": "moderate",
    "flare_up_plan": "guideline",
    "return_to_work": "guideline",
}


def test_recommendation_grades_follow_c3(engine: str) -> None:
    recs = [*_assess(v(**CHRONIC), engine).recommendations]
    recs += _assess(v(), engine).recommendations
    for rec in recs:
        assert rec.grade is not None
        assert rec.grade.value == GRADES[rec.id], rec.id


@pytest.mark.parametrize(
    ("trigger", "control"),
    [
        pytest.param({"age": 60, **REVIEWED}, {"age": 59, **REVIEWED}, id="age-60"),
        pytest.param({"balance_problems": True}, {"balance_problems": False}, id="balance"),
    ],
)
def test_c3_tai_chi_ranked_up_one_grade_step(
    engine: str, trigger: dict[str, Any], control: dict[str, Any]
) -> None:
    # At 60 with 100 days of pain ng12_myeloma_bloods fires; the review makes it a watch item
    # (C7) in both arms, so only the rank-up differs.
    before = _ids(_assess(v(**CHRONIC, **control), engine))
    after = _ids(_assess(v(**CHRONIC, **trigger), engine))
    assert before == CHRONIC_PLAN
    # low -> guideline: ahead of walking and, by table order, of group_exercise ...
    assert after.index("tai_chi") < after.index("group_exercise") < after.index("walking")
    assert after.index("tai_chi") > after.index("reassurance")
    # ... but one step only: still behind every moderate-grade activity.
    assert after.index("tai_chi") > after.index("yoga")
    assert [x for x in after if x != "tai_chi"] == [x for x in before if x != "tai_chi"]


# --- preferences (C4) and the avoid list (C5) -------------------------------------------------


@pytest.mark.parametrize(
    "preferred",
    [["tai_chi", "walking"], ["walking", "tai_chi"], ["running", "yoga", "group_exercise"]],
    ids=str,
)
def test_c4_preferences_first_in_the_persons_order(engine: str, preferred: list[str]) -> None:
    a = _assess(v(**CHRONIC, preferred_activities=preferred), engine)
    ids = _ids(a)
    assert ids[: len(preferred)] == preferred
    assert [x for x in ids if x not in preferred] == [x for x in CHRONIC_PLAN if x not in preferred]
    assert {r.id for r in a.recommendations if r.preferred} == set(preferred)


def test_c4_preference_never_makes_an_ineligible_activity_appear(engine: str) -> None:
    a = _assess(v(preferred_activities=["yoga", "running", "walking"]), engine)  # acute, no runs
    ids = _ids(a)
    assert "yoga" not in ids
    assert "running" not in ids
    assert ids[0] == "walking"


def test_c4_preference_never_overrides_an_exclusion(engine: str) -> None:
    a = _assess(
        v(**CHRONIC, previous_vertebral_fracture=True, preferred_activities=["running"]), engine
    )
    assert "running" not in _ids(a)
    assert "yoga" in _ids(a)


def test_c4_preference_never_overrides_the_avoid_list(engine: str) -> None:
    a = _assess(
        v(**CHRONIC, preferred_activities=["walking"], avoid_activities=["walking"]), engine
    )
    assert "walking" not in _ids(a)


@pytest.mark.parametrize(
    ("limit", "allowed"),
    [
        pytest.param({"iv_drug_use": True}, LIMITED, id="principle-2"),
        pytest.param({"fever": None}, ["stay_active"], id="principle-3"),
        pytest.param({"fever": True}, [], id="principle-1"),
    ],
)
def test_c4_preference_never_overrides_a_principle_limit(
    engine: str, limit: dict[str, Any], allowed: list[str]
) -> None:
    a = _assess(v(**CHRONIC, **limit, preferred_activities=["yoga", "tai_chi"]), engine)
    assert _ids(a) == allowed


def test_c5_avoid_removes_activities_but_not_advice(engine: str) -> None:
    avoid = ["walking", "yoga", "group_exercise"]
    a = _assess(v(**CHRONIC, avoid_activities=avoid), engine)
    assert _ids(a) == [x for x in CHRONIC_PLAN if x not in set(avoid)]


@pytest.mark.parametrize("field", ["avoid_activities", "preferred_activities"])
@pytest.mark.parametrize("advice", sorted(ADVICE))
def test_c5_advice_and_comfort_cannot_be_avoided_or_preferred(
    engine: str, field: str, advice: str
) -> None:
    with pytest.raises(spinerules.InvalidPatientState) as error:
        _assess(v(**CHRONIC, **{field: [advice]}), engine)
    assert field in str(error.value) and repr(advice) in str(error.value)


# --- exclusions and cautions (C1, C9) ---------------------------------------------------------


def test_running_excluded_by_previous_vertebral_fracture(engine: str) -> None:
    a = _assess(v(**CHRONIC, previous_vertebral_fracture=True), engine)
    assert a.urgency.value == "self_care"
    assert _ids(a) == [x for x in CHRONIC_PLAN if x != "running"]


def test_running_excluded_by_a_fracture_flag_even_as_a_reviewed_watch_item(engine: str) -> None:
    # fracture_risk_profile (osteoporosis at 70) is reviewable: as a watch item it does not
    # limit the plan (C7) but still excludes running (C9).
    state = v(**CHRONIC, age=70, osteoporosis=True, **REVIEWED)
    a = _assess(state, engine)
    assert "fracture_risk_profile" in [w.id for w in a.watch]
    assert a.urgency.value == "self_care"
    assert set(_ids(a)) == set(CHRONIC_PLAN) - {"running"}  # at 70 tai_chi ranks up (C3)
    assert "running" in _ids(_assess({**state, "osteoporosis": False}, engine))


@pytest.mark.parametrize(
    ("answers", "text"),
    [
        pytest.param({"osteoporosis": True}, "osteoporosis", id="osteoporosis"),
        pytest.param({"pregnant": True, "sex": "female"}, "pregnan", id="pregnancy"),
    ],
)
def test_running_cautions_are_not_exclusions(
    engine: str, answers: dict[str, Any], text: str
) -> None:
    rec = _rec(_assess(v(**CHRONIC, **answers), engine), "running")
    assert any(text in c.lower() for c in rec.cautions)
    plain = _rec(_assess(v(**CHRONIC), engine), "running")
    assert not any(text in c.lower() for c in plain.cautions)


@pytest.mark.parametrize(
    ("activity", "answers", "text"),
    [
        pytest.param(
            "core_stability", {"pregnant": True, "sex": "female"}, "pregnan", id="core-pregnancy"
        ),
        pytest.param("yoga", {"pregnant": True, "sex": "female"}, "prenatal", id="yoga-pregnancy"),
        pytest.param("yoga", {"osteoporosis": True}, "twist", id="yoga-osteoporosis"),
    ],
)
def test_cautions_keep_the_activity(
    engine: str, activity: str, answers: dict[str, Any], text: str
) -> None:
    with_risk = _rec(_assess(v(**CHRONIC, **answers), engine), activity)
    assert any(text in c.lower() for c in with_risk.cautions)
    plain = _rec(_assess(v(**CHRONIC), engine), activity)
    assert not any(text in c.lower() for c in plain.cautions)


def test_group_exercise_session_count_is_a_parameter(engine: str) -> None:
    local = spinerules.Thresholds(group_exercise_sessions=6)
    dose = _rec(_assess(v(), engine, thresholds=local), "group_exercise").dose
    default = _rec(_assess(v(), engine), "group_exercise").dose
    assert dose != default
    assert "6" in dose


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({"diabetes": True}, id="diabetes"),
        pytest.param({"leg_numbness_or_tingling": "one_side"}, id="leg-numbness"),
    ],
)
def test_c1_superficial_heat_stays_with_its_burns_caution(
    engine: str, answers: dict[str, Any]
) -> None:
    rec = _rec(_assess(v(**answers), engine), "superficial_heat")
    assert any("burn" in c.lower() for c in rec.cautions)


def test_superficial_heat_without_risk_has_no_burns_caution(engine: str) -> None:
    rec = _rec(_assess(v(diabetes=False), engine), "superficial_heat")
    assert not any("burn" in c.lower() for c in rec.cautions)


def test_reassurance_wording_by_phase(engine: str) -> None:
    def words(rec: spinerules.Recommendation) -> str:
        return " ".join((rec.dose, *rec.cautions)).lower()

    acute = _rec(_assess(v(), engine), "reassurance")
    chronic = _rec(_assess(v(**CHRONIC), engine), "reassurance")
    assert "hurt does not mean harm" in words(acute)
    assert "hurt does not mean harm" in words(chronic)
    assert "improves" in words(acute)
    assert "improves" not in words(chronic)


# --- principle 1: no plan at urgent or emergency ----------------------------------------------

URGENT = {
    "ces_stable": {"saddle_anaesthesia": True, "neuro_symptoms_course": "stable_2_to_12_weeks"},
    "ces_bilateral_stable": {
        "leg_pain": "both_sides",
        "neuro_symptoms_course": "stable_2_to_12_weeks",
    },
    "progressive_weakness": {"leg_weakness": "progressive", "leg_weakness_sides": "one_side"},
    "foot_drop": {"foot_drop": True},
    "cancer_metastasis": {"history_of_cancer": True, "night_pain": True},
    "fever_risk": {"fever": True, "diabetes": True},
    "fever": {"fever": True},
    "post_procedure": {"recent_spinal_procedure": True},
    "old_major_trauma": {"major_trauma": True, "trauma_days_ago": 30},
    "deformity": {"structural_deformity": True},
    "fragility_severe": {"minor_trauma": True, "osteoporosis": True, "pain_intensity": 9},
    "visceral": {"age": 55, "abdominal_pain": True},
    # revision 3 (R3-3, R3-4, R3-5, R3-6)
    "sudden_older": {"age": 55, "sudden_severe_onset": True},
    "known_aaa": {"known_aortic_aneurysm": True},  # 100 days: urgent at any duration
    "visceral_sudden_young": {"age": 30, "abdominal_pain": True, "sudden_severe_onset": True},
    "pregnancy": {"sex": "female", "pregnant": True, "unrelenting_pain": True},
}
EMERGENCY = {
    "saddle": {"saddle_anaesthesia": True},
    "bilateral": {"leg_numbness_or_tingling": "both_sides"},
    "gait": {"gait_disturbance": True},
    "mscc": {"history_of_cancer": True, "leg_pain": "one_side"},
    "weight_loss_neuro": {"unexplained_weight_loss": True, "age": 60, "foot_drop": True},
    "infection_neuro": {"fever": True, "leg_weakness": "stable"},
    "major_trauma": {"major_trauma": True},
    "aaa": {"age": 70, "collapse_or_fainting": True},
    "collapse_at_45": {"age": 45, "collapse_or_fainting": True, "abdominal_pain": True},
    "sudden_at_68_male": {"age": 68, "sex": "male", "sudden_severe_onset": True},
    "aaa_known": {"known_aortic_aneurysm": True, "pain_duration_days": 7},
    "pulsatile": {"pulsatile_abdominal_mass": True},
    "dissection": {"thoracic_pain": True, "sudden_severe_onset": True},
    "sudden_with_risk_factor": {"age": 55, "sudden_severe_onset": True, "smokes_or_smoked": True},
    "known_aaa_tummy": {"known_aortic_aneurysm": True, "abdominal_pain": True},
}


#: Section 4, "Every urgent action": no "keep moving" with a fracture-family flag at urgent.
FRACTURE_URGENT = frozenset({"old_major_trauma", "deformity", "fragility_severe"})


@pytest.mark.parametrize("name", sorted(URGENT))
def test_principle_1_urgent_gives_the_action_and_no_plan(engine: str, name: str) -> None:
    a = _assess(v(**{**CHRONIC, **URGENT[name]}, preferred_activities=["walking"]), engine)
    assert a.urgency.value == "urgent"
    assert a.recommendations == ()
    assert a.advice_against == ()
    urgent = [f for f in a.red_flags if f.urgency.value == "urgent"]
    assert urgent and a.red_flags[0] is urgent[0]
    for finding in urgent:
        assert finding.timeframe.value == "within_24h"
    # R3-11: the lead action ends with what to do if you cannot be seen today or get worse;
    # the person reads it once.
    lead, *others = urgent
    assert "NHS 111" in lead.action and "emergency department" in lead.action
    assert not any("NHS 111" in f.action for f in others)
    assert ("keep moving gently" in lead.action.lower()) == (name not in FRACTURE_URGENT)


@pytest.mark.parametrize("name", sorted(set(URGENT) - FRACTURE_URGENT))
def test_no_keep_moving_when_the_person_cannot_walk(engine: str, name: str) -> None:
    a = _assess(v(**{**CHRONIC, **URGENT[name]}, can_walk_minutes=0), engine)
    assert a.urgency.value == "urgent"
    assert "NHS 111" in a.red_flags[0].action
    assert not any("keep moving" in f.action.lower() for f in a.red_flags)


@pytest.mark.parametrize("name", sorted(EMERGENCY))
def test_principle_1_emergency_gives_the_action_and_no_plan(engine: str, name: str) -> None:
    a = _assess(v(**{**CHRONIC, **EMERGENCY[name]}, preferred_activities=["walking"]), engine)
    assert a.urgency.value == "emergency"
    assert a.recommendations == ()
    assert a.advice_against == ()
    for finding in a.red_flags:
        if finding.urgency.value == "emergency":
            assert "keep moving" not in finding.action.lower(), finding.id
            assert finding.timeframe.value == "now"


# --- principle 2: serious suspicion limits the plan -------------------------------------------

#: Revision 3 (R3-7): only the flags marked *(limits plan)* limit the plan.
SERIOUS_SOON = {
    "infection_risk_factor": {"iv_drug_use": True},
    "cancer_history": {"history_of_cancer": True},
    "malignancy_weight_loss_age": {"unexplained_weight_loss": True, "age": 55},
    "fracture_fragility": {"minor_trauma": True, "osteoporosis": True},
}
#: Reviewable flags never limit the plan, watch item or not (C7).
REVIEWABLE_SOON = {
    "ng12_myeloma_bloods": {"age": 60},
    "malignancy_weak_combination": {"night_pain": True, "thoracic_pain": True},
    "malignancy_unrelenting_pain": {"unrelenting_pain": True},
    "fracture_risk_profile": {"osteoporosis": True, "long_term_corticosteroids": False, "age": 72},
}
NOT_LIMITING_SOON = {
    "neuro_stable_weakness": {"leg_weakness": "stable", "leg_weakness_sides": "one_side"},
    "radicular_sensory": {"leg_numbness_or_tingling": "one_side"},
    "radicular_persistent": {"leg_pain": "one_side"},  # 100 days > 42
    "axspa_refer": {
        "age": 30,
        "first_back_pain_age": 25,
        "axspa_features": ["buttock_pain", "improves_with_movement", "family_history_spa"],
    },
    "axspa_test_hla_b27": {
        "age": 30,
        "first_back_pain_age": 25,
        "axspa_features": ["buttock_pain", "improves_with_movement"],
    },
}


@pytest.mark.parametrize("reviewed", [False, True], ids=["unreviewed", "reviewed"])
@pytest.mark.parametrize("rule", sorted(SERIOUS_SOON))
def test_principle_2_serious_soon_flag_limits_the_plan(
    engine: str, rule: str, reviewed: bool
) -> None:
    # R3-7: a clinician review lifts nothing; a flag still listed is unresolved.
    a = _assess(
        v(**CHRONIC, **SERIOUS_SOON[rule], clinician_reviewed_this_episode=reviewed), engine
    )
    assert a.urgency.value == "soon"
    assert rule in [f.id for f in a.red_flags]
    assert _ids(a) == LIMITED
    assert "gently" in _rec(a, "walking").dose.lower()
    assert a.advice_against == ()
    assert a.startback is None or a.startback.matched_care is None


@pytest.mark.parametrize("rule", sorted(SERIOUS_SOON))
def test_principle_2_a_clinician_clearance_lifts_the_limit_per_flag(engine: str, rule: str) -> None:
    state = v(**CHRONIC, **SERIOUS_SOON[rule], clinician_cleared_flags=[rule])
    a = _assess(state, engine)
    assert rule not in [f.id for f in a.red_flags]
    (watch,) = [w for w in a.watch if w.id == rule]
    assert watch.cleared and "cleared" in watch.advice
    assert "walking" in _ids(a) and len(_ids(a)) > len(LIMITED)
    # clearing another flag does not lift this one
    other = next(r for r in sorted(SERIOUS_SOON) if r != rule)
    b = _assess({**state, "clinician_cleared_flags": [other]}, engine)
    assert _ids(b) == LIMITED


def test_principle_2_walking_keeps_its_own_condition(engine: str) -> None:
    a = _assess(v(**CHRONIC, iv_drug_use=True, can_walk_minutes=2), engine)
    assert _ids(a) == ["stay_active"]


def test_principle_2_walking_keeps_the_avoid_list(engine: str) -> None:
    a = _assess(v(**CHRONIC, iv_drug_use=True, avoid_activities=["walking"]), engine)
    assert _ids(a) == ["stay_active"]


@pytest.mark.parametrize("rule", sorted(NOT_LIMITING_SOON))
def test_principle_2_neuro_and_axspa_soon_flags_do_not_limit(engine: str, rule: str) -> None:
    a = _assess(v(**CHRONIC, **NOT_LIMITING_SOON[rule]), engine)
    assert a.urgency.value == "soon"
    assert rule in [f.id for f in a.red_flags]
    assert _ids(a) == CHRONIC_PLAN


@pytest.mark.parametrize("rule", sorted(REVIEWABLE_SOON))
def test_principle_2_reviewable_flags_do_not_limit_even_unreviewed(engine: str, rule: str) -> None:
    a = _assess(v(**CHRONIC, **REVIEWABLE_SOON[rule]), engine)
    assert a.urgency.value == "soon"
    assert rule in [f.id for f in a.red_flags]
    expected = set(CHRONIC_PLAN) - ({"running"} if rule == "fracture_risk_profile" else set())
    assert set(_ids(a)) == expected  # order aside: from 60 tai_chi ranks up (C3)


@pytest.mark.parametrize(
    ("rule", "answers", "plan"),
    [
        pytest.param(
            "malignancy_unrelenting_pain",
            {"unrelenting_pain": True},
            CHRONIC_PLAN,
            id="unrelenting",
        ),
        pytest.param("ng12_myeloma_bloods", {"age": 60}, CHRONIC_PLAN, id="myeloma-bloods"),
        pytest.param(
            "malignancy_weak_combination",
            {"night_pain": True, "thoracic_pain": True},
            CHRONIC_PLAN,
            id="weak-combination",
        ),
        pytest.param(
            "fracture_risk_profile",
            {"osteoporosis": True, "age": 72},
            [x for x in CHRONIC_PLAN if x != "running"],
            id="fracture-risk-profile",
        ),
    ],
)
def test_c7_reviewable_flag_turned_watch_does_not_limit(
    engine: str, rule: str, answers: dict[str, Any], plan: list[str]
) -> None:
    a = _assess(v(**CHRONIC, **answers, **REVIEWED), engine)
    assert rule in [w.id for w in a.watch]
    assert a.urgency.value == "self_care"
    assert set(_ids(a)) == set(plan)  # order aside: from 60 tai_chi ranks up (C3)
    assert "gently" not in _rec(a, "walking").dose.lower()


# --- principle 3: an incomplete screen gives no programme -------------------------------------


def _cards(a: Assessment) -> set[str]:
    return {card.id for card in a.safety_net}


@pytest.mark.parametrize("question", CORE_SAFETY_QUESTIONS)
def test_principle_3_one_core_question_unanswered(engine: str, question: str) -> None:
    a = _assess(v(**CHRONIC, **{question: None}), engine)
    assert a.screen_complete is False
    assert a.to_dict()["screen_complete"] is False
    assert _ids(a) == ["stay_active"]
    assert a.unanswered[0] == question
    assert a.unanswered.count(question) == 1
    assert not set(a.unanswered[1:]) & set(CORE_SAFETY_QUESTIONS)
    # principle 3: the cauda-equina, cancer and infection warning signs
    assert {"cauda_equina_signs", "cancer_signs", "infection_signs"} <= _cards(a)


def test_principle_3_several_core_questions_listed_first(engine: str) -> None:
    missing = ("fever", "saddle_anaesthesia", "leg_weakness")
    a = _assess(v(**CHRONIC, **dict.fromkeys(missing)), engine)
    assert set(a.unanswered[: len(missing)]) == set(missing)
    everything = {"age": 40, "pain_duration_days": 100}
    b = _assess(everything, engine)
    assert b.screen_complete is False
    assert set(b.unanswered[: len(CORE_SAFETY_QUESTIONS)]) == set(CORE_SAFETY_QUESTIONS)
    assert _ids(b) == ["stay_active"]


def test_principle_3_complete_screen(engine: str) -> None:
    a = _assess(v(**CHRONIC), engine)
    assert a.screen_complete is True
    assert not set(a.unanswered) & set(CORE_SAFETY_QUESTIONS)
    assert "cauda_equina_signs" in _cards(a)
    assert not {"cancer_signs", "infection_signs"} & _cards(a)


def test_principle_3_with_a_serious_soon_flag_offers_only_stay_active(engine: str) -> None:
    a = _assess(v(**CHRONIC, iv_drug_use=True, fever=None), engine)
    assert _ids(a) == ["stay_active"]


def test_principle_3_urgent_still_wins(engine: str) -> None:
    a = _assess(v(**CHRONIC, foot_drop=True, fever=None), engine)
    assert a.screen_complete is False
    assert a.recommendations == ()


def test_r3_8_clinician_review_does_not_complete_the_screen(engine: str) -> None:
    # R3-8: a self-reported "reviewed" skipped every safety question and got a full plan.
    missing = ("history_of_cancer", "major_trauma")
    a = _assess(v(**CHRONIC, **dict.fromkeys(missing), **REVIEWED), engine)
    assert a.screen_complete is False
    assert _ids(a) == ["stay_active"]
    assert set(a.unanswered[: len(missing)]) == set(missing)
    assert [q.id for q in a.questions] == list(a.unanswered)
    nothing = _assess({"age": 30, "pain_duration_days": 100, **REVIEWED}, engine)
    assert nothing.screen_complete is False
    assert set(nothing.unanswered[:10]) == set(CORE_SAFETY_QUESTIONS)


# --- advice against, per profile (section 7) --------------------------------------------------

NICE_LBP = {
    "nice_no_routine_imaging",
    "nice_no_belts_corsets",
    "nice_no_foot_orthotics",
    "nice_no_rocker_sole_shoes",
    "nice_no_traction",
    "nice_no_acupuncture",
    "nice_no_electrotherapy",
    "nice_no_paracetamol_alone",
    "nice_no_opioids_chronic",
    "nice_no_antidepressants",
    "nice_no_anticonvulsants",
}
NICE_SCIATICA = {
    "nice_sciatica_no_gabapentinoids",
    "nice_sciatica_no_oral_corticosteroids",
    "nice_sciatica_no_benzodiazepines",
    "nice_sciatica_no_opioids_chronic",
}


def _against(a: Assessment) -> set[str]:
    return {x.id for x in a.advice_against}


def test_nice_advice_against_without_leg_pain(engine: str) -> None:
    a = _assess(v(**CHRONIC), engine)
    assert _against(a) == NICE_LBP
    for item in a.advice_against:
        assert item.profile == "nice"
        assert item.scope == "low_back_pain"
        assert "nice_ng59" in {e.id for e in item.evidence}


def test_nice_sciatica_advice_only_with_leg_pain(engine: str) -> None:
    a = _assess(v(leg_pain="one_side"), engine)  # 10 days, no intensity: sciatica_watch only
    assert a.red_flags == ()
    assert _against(a) == NICE_LBP | NICE_SCIATICA
    scopes = {x.id: x.scope for x in a.advice_against}
    assert {scopes[i] for i in NICE_SCIATICA} == {"sciatica"}
    assert _against(_assess(v(leg_pain="none"), engine)) == NICE_LBP


def test_acp_profile_has_no_nice_do_not(engine: str) -> None:
    for state in (v(**CHRONIC), v(leg_pain="one_side")):
        a = _assess(state, engine, profile="acp")
        ids = _against(a)
        assert ids == {"acp_no_routine_imaging", "acp_opioids_last_resort"}
        assert not any(i.startswith("nice_") for i in ids)
        assert {x.profile for x in a.advice_against} == {"acp"}


def test_acp_imaging_cites_high_value_care_advice_not_the_2017_guideline(engine: str) -> None:
    a = _assess(v(), engine, profile="acp")
    imaging = next(x for x in a.advice_against if x.id == "acp_no_routine_imaging")
    assert imaging.evidence
    assert "acp2017" not in {e.id for e in imaging.evidence}


@pytest.mark.parametrize("profile", ["nice", "acp"])
def test_imaging_advice_withheld_when_a_red_flag_fired(engine: str, profile: str) -> None:
    imaging = f"{profile}_no_routine_imaging"
    clear = _assess(v(**CHRONIC), engine, profile=profile)
    assert imaging in _against(clear)
    flagged = _assess(v(**CHRONIC, leg_numbness_or_tingling="one_side"), engine, profile=profile)
    assert [f.id for f in flagged.red_flags] == ["radicular_sensory"]
    assert flagged.recommendations  # the plan is shown; only the imaging item goes
    assert imaging not in _against(flagged)
    assert _against(flagged) == _against(clear) - {imaging}


# --- evidence and honest framing (sections 6, 8, 9) -------------------------------------------

SPEC_CATALOGUE = frozenset(
    {
        "seed_article",
        "acp2017",
        "nice_ng59",
        "nice_ng65",
        "nice_ng12",
        "nice_ng234",
        "nice_ng156",
        "nice_cks_lbp",
        "nice_cks_sciatica",
        "ifompt2020",
        "greenhalgh2018_ces",
        "downie2013",
        "henschke2013",
        "han2023",
        "yusuf2019",
        "hill2008_startback",
        "hill2011_startback_trial",
        "ninds_lbp",
        "belavy2017",
        "shnayderman2013",
        "chang2015",
        "wang2012",
        "owen2020",
        "lee_kang2016",
        "vincent2014",
        "saper2017",
        "kong2016",
        "gponline_pregnancy_red_flags",
    }
)
SPEC_ACTIVITY_EVIDENCE = {
    "stay_active": {"acp2017", "nice_ng59", "ninds_lbp", "seed_article"},
    "reassurance": {"ninds_lbp", "acp2017", "nice_ng59"},
    "break_up_sitting": {"nice_ng59", "seed_article"},
    "walking": {"shnayderman2013", "belavy2017", "acp2017"},
    "running": {"belavy2017", "seed_article"},
    "core_stability": {"wang2012", "chang2015", "acp2017", "owen2020"},
    "strength_and_walking": {"lee_kang2016", "vincent2014", "owen2020"},
    "yoga": {"saper2017", "acp2017"},
    "tai_chi": {"kong2016", "acp2017"},
    "group_exercise": {"nice_ng59"},
    "superficial_heat": {"acp2017"},
    "pain_relief": {"nice_ng59", "acp2017"},
    "flare_up_plan": {"nice_ng59"},
    "return_to_work": {"nice_ng59"},
}
BRACKETED = {  # (activity, evidence id) -> grade clinical.md gives that link for this claim
    ("stay_active", "acp2017"): "moderate",
    ("stay_active", "nice_ng59"): "guideline",
    ("walking", "shnayderman2013"): "low",
    ("walking", "belavy2017"): "very_low",
    ("running", "belavy2017"): "very_low",
    ("core_stability", "wang2012"): "moderate",
    ("core_stability", "chang2015"): "very_low",
    ("core_stability", "acp2017"): "low",
    ("strength_and_walking", "lee_kang2016"): "very_low",
    ("strength_and_walking", "vincent2014"): "low",
    ("strength_and_walking", "owen2020"): "low",  # R3-17
    ("yoga", "saper2017"): "moderate",
    ("yoga", "acp2017"): "low",
    ("tai_chi", "kong2016"): "low",
    ("tai_chi", "acp2017"): "low",
    ("group_exercise", "nice_ng59"): "guideline",
    ("superficial_heat", "acp2017"): "moderate",
    ("pain_relief", "nice_ng59"): "guideline",
    ("pain_relief", "acp2017"): "moderate",
    ("flare_up_plan", "nice_ng59"): "guideline",
    ("return_to_work", "nice_ng59"): "guideline",
}


def test_every_recommendation_carries_catalogue_evidence(engine: str) -> None:
    catalogue = spinerules.default_rule_base().evidence
    recs = [*_assess(v(**CHRONIC), engine).recommendations]
    recs += _assess(
        v(pain_duration_days=30, off_work_due_to_back_pain=True), engine
    ).recommendations
    assert {r.id for r in recs} == set(SPEC_ACTIVITY_EVIDENCE)
    for rec in recs:
        ids = {e.id for e in rec.evidence}
        assert ids == SPEC_ACTIVITY_EVIDENCE[rec.id], rec.id
        assert ids <= SPEC_CATALOGUE
        assert ids <= set(catalogue)
        assert ids != {"seed_article"}  # never the sole support
        for e in rec.evidence:
            if (rec.id, e.id) in BRACKETED:
                assert e.grade is not None and e.grade.value == BRACKETED[rec.id, e.id]


def test_every_do_not_carries_catalogue_evidence(engine: str) -> None:
    catalogue = spinerules.default_rule_base().evidence
    for profile in spinerules.PROFILES:
        a = _assess(v(leg_pain="one_side"), engine, profile=profile)
        assert a.advice_against
        for item in a.advice_against:
            assert item.evidence
            assert {e.id for e in item.evidence} <= set(catalogue)


def _framing(a: Assessment, activity: str) -> str:
    framing = _rec(a, activity).framing
    assert framing, f"{activity} has no framing"
    return framing.lower()


def test_honest_framing(engine: str) -> None:
    a = _assess(v(**CHRONIC), engine)
    running = _framing(a, "running")
    assert "associated" in running
    assert "healthy" in running
    assert "not been shown to treat" in running or "not shown to treat" in running
    assert "not clearly better" in _framing(a, "core_stability")
    yoga = _framing(a, "yoga")
    assert "physiotherapy" in yoga
    assert "not better than an education book" in yoga
    strength = _framing(a, "strength_and_walking")
    assert "36" in strength
    assert "small" in strength or "tiny" in strength
    assert "treat" not in running.replace("not been shown to treat", "")


# --- revision 3: wording for the person, new content (R3-14 .. R3-17) -------------------------


def test_r3_14_do_not_is_worded_for_the_person(engine: str) -> None:
    a = _assess(v(**CHRONIC, leg_pain="one_side"), engine)
    assert a.advice_against
    for item in a.advice_against:
        assert item.text.startswith("Doctors do not recommend"), item.text
        assert not item.text.startswith("Do not")
    medicines = {
        "nice_no_paracetamol_alone",
        "nice_no_opioids_chronic",
        "nice_sciatica_no_benzodiazepines",
    }
    notes = {x.id: x.note for x in a.advice_against}
    for medicine in medicines:
        assert notes[medicine] and "do not stop a medicine" in notes[medicine].lower()
    assert "it has not been shown to help" in next(
        x.text for x in a.advice_against if x.id == "nice_no_traction"
    )


def test_r3_14_no_paracetamol_alone_in_pregnancy(engine: str) -> None:
    pregnant = _assess(v(**CHRONIC, sex="female", pregnant=True), engine)
    assert pregnant.advice_against
    assert "nice_no_paracetamol_alone" not in _against(pregnant)
    assert "nice_no_paracetamol_alone" in _against(_assess(v(**CHRONIC, pregnant=False), engine))
    assert "nice_no_paracetamol_alone" in _against(_assess(v(**CHRONIC), engine))  # unknown


def test_r3_15_pain_relief_in_pregnancy_asks_the_midwife(engine: str) -> None:
    # Section 6: "pregnant: replaced by ..." — the NSAID advice is replaced, not cautioned.
    rec = _rec(_assess(v(sex="female", pregnant=True), engine), "pain_relief")
    assert "midwife" in rec.dose.lower() and "ibuprofen" not in rec.dose.lower()
    plain = _rec(_assess(v(), engine), "pain_relief")
    assert "ibuprofen" in plain.dose.lower() and "midwife" not in plain.dose.lower()
    assert any("65" in c for c in plain.cautions)  # always shown: no such fields yet


def test_r3_17_core_stability_osteoporosis_caution(engine: str) -> None:
    rec = _rec(_assess(v(**CHRONIC, osteoporosis=True), engine), "core_stability")
    assert any("sit-ups" in c.lower() and "osteoporosis" in c.lower() for c in rec.cautions)
    assert _rec(_assess(v(**CHRONIC), engine), "core_stability").cautions == ()


def test_r3_16_plan_sections(engine: str) -> None:
    a = _assess(v(**CHRONIC), engine)
    exercises = [r for r in a.recommendations if r.kind == "exercise"]
    assert [r.section for r in exercises] == ["choose"] * 3 + ["other"] * (len(exercises) - 3)
    assert {r.section for r in a.recommendations if r.kind != "exercise"} == {"advice"}
    local = spinerules.Thresholds(plan_exercise_count=1)
    b = _assess(v(**CHRONIC), engine, thresholds=local)
    assert [r.id for r in b.section("choose")] == [exercises[0].id]
