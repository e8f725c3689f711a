"""Red flags and watch items, one clinical vignette at a time (clinical.md sections 3, 4, 10).

Every red flag and watch item of the built-in rule base has a vignette where it fires, with the
tier and timeframe clinical.md gives it, and a close vignette (one answer changed) where it does
not. ``test_every_rule_has_a_vignette`` fails when a rule is added without one.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

import spinerules
from spinerules import Assessment
from vignettes import ENGINES, complete_screen

v = complete_screen


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _assess(state: dict[str, Any], engine: str, **kwargs: Any) -> Assessment:
    return spinerules.assess(state, engine=engine, **kwargs)


def _flags(a: Assessment) -> list[str]:
    return [f.id for f in a.red_flags]


def _watch(a: Assessment) -> list[str]:
    return [w.id for w in a.watch]


def _finding(a: Assessment, rule: str) -> spinerules.RedFlagFinding:
    found = [f for f in a.red_flags if f.id == rule]
    assert found, f"{rule} did not fire; red flags: {_flags(a)}, watch: {_watch(a)}"
    return found[0]


# clinical.md section 4: every rule id, by family, and the family's evidence ids.
SPEC_FAMILIES: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "cauda_equina": (
        ("ces_saddle", "ces_bladder", "ces_bowel", "ces_sexual", "ces_bilateral_legs"),
        frozenset({"ifompt2020", "greenhalgh2018_ces", "nice_cks_lbp"}),
    ),
    "neuro_deficit": (
        (
            "neuro_gait",
            "neuro_progressive_weakness",
            "neuro_foot_drop",
            "neuro_stable_weakness",
            "radicular_sensory",
            "radicular_persistent",
        ),
        frozenset({"nice_ng59", "nice_cks_sciatica", "seed_article"}),
    ),
    "malignancy": (
        (
            "mscc",
            "malignancy_suspected_neuro",
            "cancer_metastasis_features",
            "cancer_history",
            "malignancy_weight_loss_age",
            "ng12_myeloma_bloods",
            "malignancy_weak_combination",
            "malignancy_unrelenting_pain",
        ),
        frozenset(
            {
                "downie2013",
                "henschke2013",
                "ifompt2020",
                "nice_cks_lbp",
                "nice_ng12",
                "nice_ng234",
                "seed_article",
            }
        ),
    ),
    "infection": (
        (
            "infection_neuro",
            "infection_fever_risk",
            "infection_fever",
            "infection_post_procedure",
            "infection_risk_factor",
        ),
        frozenset({"yusuf2019", "nice_cks_lbp"}),
    ),
    "fracture": (
        (
            "fracture_major_trauma",
            "fracture_neuro",
            "fracture_deformity",
            "fracture_fragility",
            "fracture_risk_profile",
        ),
        frozenset({"downie2013", "han2023", "nice_cks_lbp"}),
    ),
    "axspa": (
        ("axspa_refer", "axspa_hla_b27_positive", "axspa_test_hla_b27"),
        frozenset({"nice_ng65"}),
    ),
    "vascular": (
        (
            "collapse_with_back_pain",
            "aaa_rupture_suspected",
            "sudden_severe_pain_older",
            "aaa_known_symptomatic",
            "aaa_pulsatile_mass",
            "thoracic_sudden_severe",
            "visceral_abdominal_pain",
        ),
        frozenset({"nice_ng156", "nice_cks_lbp"}),
    ),
    "pregnancy": (
        ("pregnancy_acute_pain",),
        frozenset({"gponline_pregnancy_red_flags", "nice_cks_lbp"}),
    ),
}
#: Revision 3 (R3-17): evidence per rule, not per family. Section 4 names what each malignancy
#: rule must cite; every rule cites only sources of its family's list.
SPEC_RULE_EVIDENCE: dict[str, frozenset[str]] = {
    "ng12_myeloma_bloods": frozenset({"nice_ng12", "ifompt2020", "nice_cks_lbp"}),
    "malignancy_weight_loss_age": frozenset({"nice_ng12", "ifompt2020", "nice_cks_lbp"}),
    "mscc": frozenset({"nice_ng234", "ifompt2020", "nice_cks_lbp"}),
    "cancer_metastasis_features": frozenset({"nice_ng234", "ifompt2020", "nice_cks_lbp"}),
    "malignancy_weak_combination": frozenset(
        {"downie2013", "henschke2013", "ifompt2020", "nice_cks_lbp"}
    ),
    "malignancy_unrelenting_pain": frozenset(
        {"downie2013", "henschke2013", "ifompt2020", "nice_cks_lbp", "seed_article"}
    ),
}
SPEC_LIMITS_PLAN = frozenset(
    {"cancer_history", "malignancy_weight_loss_age", "infection_risk_factor", "fracture_fragility"}
)
FAMILY_OF = {rule: family for family, (rules, _) in SPEC_FAMILIES.items() for rule in rules}
SPEC_REVIEWABLE = frozenset(
    {
        "radicular_sensory",
        "radicular_persistent",
        "ng12_myeloma_bloods",
        "malignancy_weak_combination",
        "malignancy_unrelenting_pain",
        "fracture_risk_profile",
    }
)
SPEC_WATCH_ITEMS = frozenset({"malignancy_weak_flag_watch", "sciatica_watch", "axspa_watch"})
TIER_WORDING = {"emergency": "emergency", "urgent": "today", "soon": "appointment"}
SOON_TIMEFRAMES = frozenset({"within_1_week", "within_2_weeks", "routine"})
TIMEFRAME_OF_TIER = {
    "emergency": frozenset({"now"}),
    "urgent": frozenset({"within_24h"}),
    "soon": SOON_TIMEFRAMES,  # clinical.md names no timeframe for most soon flags
}


class Case(NamedTuple):
    """``fires`` raises ``rule`` at ``tier``; ``fires`` updated with ``change`` does not."""

    fires: dict[str, Any]
    change: dict[str, Any]
    tier: str
    timeframe: str | None = None  # given where clinical.md names one


F3 = ["buttock_pain", "improves_with_movement", "family_history_spa"]
F4 = [*F3, "psoriasis_history"]
AXSPA = {"age": 46, "first_back_pain_age": 40, "pain_duration_days": 100}


def ax(**answers: Any) -> dict[str, Any]:
    """An axSpA vignette: aged 46, first back pain at 40, 100 days of pain, then ``answers``."""
    return v(**{**AXSPA, **answers})


NEW = {"neuro_symptoms_course": "new"}

FLAG_CASES: dict[str, list[Case]] = {
    # Cauda equina: unknown course counts as new (emergency); stable over 2 weeks is urgent.
    "ces_saddle": [
        Case(v(saddle_anaesthesia=True), {"saddle_anaesthesia": False}, "emergency"),
        Case(
            v(saddle_anaesthesia=True, neuro_symptoms_course="stable_2_to_12_weeks"),
            {"saddle_anaesthesia": False},
            "urgent",
        ),
    ],
    "ces_bladder": [
        Case(v(urinary_retention=True, **NEW), {"urinary_retention": False}, "emergency"),
        Case(v(urinary_incontinence=True), {"urinary_incontinence": None}, "emergency"),
    ],
    "ces_bowel": [
        Case(v(faecal_incontinence=True), {"faecal_incontinence": False}, "emergency"),
    ],
    "ces_sexual": [
        Case(v(sexual_dysfunction_new=True), {"sexual_dysfunction_new": False}, "emergency"),
    ],
    "ces_bilateral_legs": [
        Case(v(leg_pain="both_sides"), {"leg_pain": "one_side"}, "emergency"),
        Case(
            v(leg_numbness_or_tingling="both_sides"),
            {"leg_numbness_or_tingling": "one_side"},
            "emergency",
        ),
        Case(
            v(leg_weakness="stable", leg_weakness_sides="both_sides"),
            {"leg_weakness_sides": "one_side"},
            "emergency",
        ),
        Case(
            v(leg_weakness="none", leg_weakness_sides="both_sides", leg_pain="both_sides"),
            {"leg_pain": "none"},
            "emergency",
        ),
    ],
    # Neurological deficit.
    "neuro_gait": [Case(v(gait_disturbance=True), {"gait_disturbance": False}, "emergency")],
    "neuro_progressive_weakness": [
        Case(
            v(leg_weakness="progressive", leg_weakness_sides="one_side"),
            {"leg_weakness": "stable"},
            "urgent",
        ),
        Case(v(leg_weakness="severe"), {"leg_weakness": "none"}, "urgent"),  # sides unknown
        Case(
            v(leg_weakness="severe", leg_weakness_sides="one_side"),
            {"leg_weakness_sides": "both_sides"},  # both sides is cauda equina instead
            "urgent",
        ),
    ],
    "neuro_foot_drop": [Case(v(foot_drop=True), {"foot_drop": False}, "urgent")],
    "neuro_stable_weakness": [
        Case(
            v(leg_weakness="stable", leg_weakness_sides="one_side"),
            {"leg_weakness_sides": "both_sides"},
            "soon",
        ),
        Case(v(leg_weakness="stable"), {"leg_weakness": "none"}, "soon"),
    ],
    "radicular_sensory": [
        Case(v(leg_numbness_or_tingling="one_side"), {"leg_numbness_or_tingling": "none"}, "soon"),
    ],
    "radicular_persistent": [
        Case(v(leg_pain="one_side", pain_duration_days=43), {"pain_duration_days": 42}, "soon"),
        Case(v(leg_pain="one_side", pain_intensity=7), {"pain_intensity": 6}, "soon"),
    ],
    # Malignancy.
    "mscc": [
        Case(v(history_of_cancer=True, leg_pain="one_side"), {"leg_pain": "none"}, "emergency"),
        Case(
            v(history_of_cancer=True, leg_weakness="stable", neuro_symptoms_course="worsening"),
            {"neuro_symptoms_course": "stable_2_to_12_weeks"},
            "emergency",
        ),
        Case(
            v(history_of_cancer=True, urinary_retention=True),
            {"history_of_cancer": False},
            "emergency",
        ),
    ],
    "malignancy_suspected_neuro": [
        Case(
            v(unexplained_weight_loss=True, age=50, leg_numbness_or_tingling="one_side"),
            {"age": 49},
            "emergency",
        ),
        Case(
            v(unexplained_weight_loss=True, age=70, foot_drop=True, **NEW),
            {"unexplained_weight_loss": False},
            "emergency",
        ),
    ],
    "cancer_metastasis_features": [
        Case(v(history_of_cancer=True, night_pain=True), {"night_pain": False}, "urgent"),
        Case(v(history_of_cancer=True, thoracic_pain=True), {"thoracic_pain": False}, "urgent"),
        Case(
            v(history_of_cancer=True, unrelenting_pain=True), {"unrelenting_pain": None}, "urgent"
        ),
        Case(
            v(history_of_cancer=True, pain_trend="worsening"),
            {"pain_trend": "unchanged"},
            "urgent",
        ),
    ],
    "cancer_history": [
        Case(v(history_of_cancer=True), {"history_of_cancer": False}, "soon", "within_1_week"),
    ],
    "malignancy_weight_loss_age": [
        # R3-10: within 1 week (no longer than past cancer alone).
        Case(v(unexplained_weight_loss=True, age=50), {"age": 49}, "soon", "within_1_week"),
        Case(
            v(unexplained_weight_loss=True, age=65),
            {"unexplained_weight_loss": False},
            "soon",
            "within_1_week",
        ),
    ],
    "ng12_myeloma_bloods": [
        Case(v(age=60, pain_duration_days=42), {"pain_duration_days": 41}, "soon"),
        Case(v(age=60, pain_duration_days=42), {"age": 59}, "soon"),
    ],
    "malignancy_weak_combination": [
        Case(v(night_pain=True, thoracic_pain=True), {"thoracic_pain": False}, "soon"),
        Case(v(age=19, night_pain=True), {"age": 20}, "soon"),
        Case(v(age=50, unrelenting_pain=True), {"age": 49}, "soon"),
        Case(v(unexplained_weight_loss=True, age=50), {"age": 49}, "soon"),
        Case(
            v(night_pain=True, pain_duration_days=28, pain_trend="unchanged"),
            {"pain_trend": "improving"},
            "soon",
        ),
        Case(
            v(night_pain=True, pain_duration_days=28, pain_trend="worsening"),
            {"pain_duration_days": 27},
            "soon",
        ),
    ],
    "malignancy_unrelenting_pain": [
        Case(v(unrelenting_pain=True), {"unrelenting_pain": False}, "soon"),
    ],
    # Infection.
    "infection_neuro": [
        Case(v(fever=True, leg_weakness="stable"), {"leg_weakness": "none"}, "emergency"),
        Case(v(fever=True, foot_drop=True, **NEW), {"fever": False}, "emergency"),
        Case(v(fever=True, saddle_anaesthesia=True), {"fever": None}, "emergency"),
        Case(
            v(fever=True, gait_disturbance=True, neuro_symptoms_course="worsening"),
            {"neuro_symptoms_course": "stable_over_12_weeks"},
            "emergency",
        ),
    ],
    "infection_fever_risk": [
        Case(v(fever=True, **{rf: True}), {rf: False}, "urgent")
        for rf in (
            "iv_drug_use",
            "immunosuppressed",
            "long_term_corticosteroids",
            "recent_bacterial_infection",
            "recent_spinal_procedure",
            "diabetes",
        )
    ],
    "infection_fever": [Case(v(fever=True), {"fever": False}, "urgent")],
    "infection_post_procedure": [
        Case(v(recent_spinal_procedure=True), {"recent_spinal_procedure": False}, "urgent"),
    ],
    "infection_risk_factor": [
        Case(v(**{rf: True}), {rf: False}, "soon")
        for rf in (
            "iv_drug_use",
            "immunosuppressed",
            "long_term_corticosteroids",
            "recent_bacterial_infection",
        )
    ],
    # Fracture.
    "fracture_major_trauma": [
        Case(v(major_trauma=True), {"major_trauma": False}, "emergency"),
        Case(v(major_trauma=True, trauma_days_ago=8), {"major_trauma": False}, "urgent"),
    ],
    "fracture_neuro": [
        Case(
            v(major_trauma=True, trauma_days_ago=30, leg_weakness="stable"),
            {"leg_weakness": "none"},
            "emergency",
        ),
        Case(
            v(structural_deformity=True, foot_drop=True),
            {"structural_deformity": False},
            "emergency",
        ),
        Case(
            v(minor_trauma=True, osteoporosis=True, urinary_retention=True, **NEW),
            {"neuro_symptoms_course": "stable_2_to_12_weeks"},
            "emergency",
        ),
    ],
    "fracture_deformity": [
        Case(v(structural_deformity=True), {"structural_deformity": False}, "urgent"),
    ],
    "fracture_fragility": [
        Case(
            v(minor_trauma=True, osteoporosis=True),
            {"osteoporosis": False},
            "soon",
            "within_2_weeks",
        ),
        Case(
            v(minor_trauma=True, previous_vertebral_fracture=True),
            {"minor_trauma": False},
            "soon",
            "within_2_weeks",
        ),
        Case(v(minor_trauma=True, age=70), {"age": 69}, "soon", "within_2_weeks"),
        Case(
            v(minor_trauma=True, long_term_corticosteroids=True),
            {"long_term_corticosteroids": False},
            "soon",
            "within_2_weeks",
        ),
    ],
    "fracture_risk_profile": [
        Case(
            v(osteoporosis=True, previous_vertebral_fracture=True),
            {"previous_vertebral_fracture": False},
            "soon",
        ),
        Case(v(osteoporosis=True, age=70), {"age": 69}, "soon"),
        Case(v(osteoporosis=True, sex="female", age=65), {"sex": "male"}, "soon"),
        Case(v(long_term_corticosteroids=True, sex="female", age=65), {"age": 64}, "soon"),
        # Older age counts once: a woman of 70 has one risk factor, not two.
        Case(v(sex="female", age=70, osteoporosis=True), {"osteoporosis": False}, "soon"),
    ],
    # Axial spondyloarthritis (NICE NG65).
    "axspa_refer": [
        Case(ax(axspa_features=F4), {"pain_duration_days": 90}, "soon"),
        Case(ax(axspa_features=F4, first_back_pain_age=44), {"first_back_pain_age": 45}, "soon"),
        Case(ax(axspa_features=F4), {"axspa_features": F3}, "soon"),
        # onset_before_35 is derived from first_back_pain_age: 34 makes the fourth feature.
        Case(ax(axspa_features=F3, first_back_pain_age=34), {"first_back_pain_age": 35}, "soon"),
    ],
    "axspa_hla_b27_positive": [
        Case(ax(axspa_features=F3, hla_b27="positive"), {"hla_b27": "negative"}, "soon"),
        Case(
            ax(axspa_features=F3, hla_b27="positive"),
            {"pain_duration_days": 90},
            "soon",
        ),
    ],
    "axspa_test_hla_b27": [
        Case(ax(axspa_features=F3, hla_b27="unknown"), {"hla_b27": "negative"}, "soon"),
        Case(ax(axspa_features=F3), {"hla_b27": "negative"}, "soon"),  # absent
        Case(ax(axspa_features=F3), {"first_back_pain_age": 45}, "soon"),
        Case(
            ax(axspa_features=F3[:2], first_back_pain_age=34),  # 2 listed + derived
            {"first_back_pain_age": 35},
            "soon",
        ),
    ],
    # Vascular (revision 3: R3-1 .. R3-5).
    "collapse_with_back_pain": [
        Case(v(age=45, collapse_or_fainting=True), {"collapse_or_fainting": False}, "emergency"),
        Case(v(age=16, collapse_or_fainting=True), {"collapse_or_fainting": None}, "emergency"),
    ],
    "aaa_rupture_suspected": [
        Case(v(age=50, collapse_or_fainting=True), {"age": 49}, "emergency"),
        Case(
            v(age=50, sudden_severe_onset=True, abdominal_pain=True),
            {"sudden_severe_onset": False},
            "emergency",
        ),
        Case(
            v(age=55, sudden_severe_onset=True, hypertension=True),
            {"hypertension": False},
            "emergency",
        ),
        Case(
            v(age=68, sex="male", sudden_severe_onset=True),
            {"sex": "female"},
            "emergency",
        ),
        Case(v(age=65, sex="male", sudden_severe_onset=True), {"age": 64}, "emergency"),
    ]
    + [
        Case(v(age=60, sudden_severe_onset=True, **{rf: True}), {rf: None}, "emergency")
        for rf in (
            "smokes_or_smoked",
            "cardiovascular_disease",
            "high_cholesterol",
            "copd",
            "family_history_aaa",
        )
    ],
    "sudden_severe_pain_older": [
        Case(v(age=50, sudden_severe_onset=True), {"age": 49}, "urgent"),
        Case(v(age=80, sudden_severe_onset=True), {"sudden_severe_onset": False}, "urgent"),
    ],
    "aaa_known_symptomatic": [
        Case(
            v(known_aortic_aneurysm=True, pain_duration_days=21),
            {"known_aortic_aneurysm": False},
            "urgent",
        ),
        Case(
            v(known_aortic_aneurysm=True, pain_duration_days=400),
            {"known_aortic_aneurysm": None},
            "urgent",
        ),
    ],
    "aaa_pulsatile_mass": [
        Case(v(pulsatile_abdominal_mass=True), {"pulsatile_abdominal_mass": False}, "emergency"),
    ],
    "thoracic_sudden_severe": [
        Case(
            v(thoracic_pain=True, sudden_severe_onset=True),
            {"sudden_severe_onset": False},
            "emergency",
        ),
    ],
    "visceral_abdominal_pain": [
        Case(v(age=50, abdominal_pain=True), {"age": 49}, "urgent"),
        Case(
            v(age=30, abdominal_pain=True, sudden_severe_onset=True),
            {"sudden_severe_onset": False},
            "urgent",
        ),
    ],
    # Pregnancy (R3-6).
    "pregnancy_acute_pain": [
        Case(v(pregnant=True, abdominal_pain=True), {"pregnant": False}, "urgent"),
        Case(v(pregnant=True, sudden_severe_onset=True), {"sudden_severe_onset": None}, "urgent"),
        Case(v(pregnant=True, unrelenting_pain=True), {"unrelenting_pain": False}, "urgent"),
    ],
}


class WatchCase(NamedTuple):
    fires: dict[str, Any]
    change: dict[str, Any]


WEAK_FLAGS = {
    "age_50": {"age": 50},
    "age_under_20": {"age": 19},
    "weight_loss": {"unexplained_weight_loss": True},
    "night_pain": {"night_pain": True},
    "thoracic_pain": {"thoracic_pain": True},
    "not_improving": {"pain_duration_days": 28, "pain_trend": "unchanged"},
}
WEAK_FLAG_CONTRASTS = {
    "age_50": {"age": 49},
    "age_under_20": {"age": 20},
    "weight_loss": {"unexplained_weight_loss": False},
    "night_pain": {"night_pain": False},
    "thoracic_pain": {"thoracic_pain": False},
    "not_improving": {"pain_trend": "improving"},
}

WATCH_CASES: dict[str, list[WatchCase]] = {
    "malignancy_weak_flag_watch": [
        WatchCase(v(**WEAK_FLAGS[name]), WEAK_FLAG_CONTRASTS[name]) for name in WEAK_FLAGS
    ]
    # A second weak flag makes it the weak-combination red flag instead.
    + [WatchCase(v(night_pain=True), {"thoracic_pain": True})],
    "sciatica_watch": [
        WatchCase(
            v(leg_pain="one_side", pain_intensity=6, pain_duration_days=42), {"leg_pain": "none"}
        ),
        WatchCase(v(leg_pain="one_side", pain_intensity=6), {"pain_intensity": 7}),
        WatchCase(v(leg_pain="one_side", pain_duration_days=42), {"pain_duration_days": 43}),
    ],
    "axspa_watch": [
        WatchCase(ax(axspa_features=F3[:2]), {"pain_duration_days": 90}),
        WatchCase(ax(axspa_features=["buttock_pain"]), {"axspa_features": []}),
        WatchCase(ax(axspa_features=F3, hla_b27="negative"), {"hla_b27": "positive"}),
        WatchCase(ax(axspa_features=F3[:2]), {"first_back_pain_age": 45}),
        WatchCase(ax(first_back_pain_age=30), {"first_back_pain_age": 35}),  # derived
    ],
}

# A reviewable flag becomes a watch item (with its own id) once a clinician has reviewed.
REVIEWED = {"clinician_reviewed_this_episode": True}
REVIEWED_CASES: dict[str, dict[str, Any]] = {
    "radicular_sensory": v(leg_numbness_or_tingling="one_side"),
    "radicular_persistent": v(leg_pain="one_side", pain_intensity=8),
    "ng12_myeloma_bloods": v(age=62, pain_duration_days=60),
    "malignancy_weak_combination": v(night_pain=True, thoracic_pain=True),
    "malignancy_unrelenting_pain": v(unrelenting_pain=True),
    "fracture_risk_profile": v(osteoporosis=True, previous_vertebral_fracture=True),
}


def _params(table: dict[str, list[Any]]) -> list[Any]:
    return [
        pytest.param(rule, case, id=f"{rule}-{n}")
        for rule, cases in table.items()
        for n, case in enumerate(cases)
    ]


# --- the tables are complete and honest -------------------------------------------------------


def test_rule_base_ids_are_the_spec_ids() -> None:
    rb = spinerules.default_rule_base()
    assert sorted(f.id for f in rb.red_flags) == sorted(FAMILY_OF)
    assert {f.id: f.family for f in rb.red_flags} == FAMILY_OF
    assert {w.id for w in rb.watch_items} == SPEC_WATCH_ITEMS
    assert {f.id for f in rb.red_flags if f.reviewable} == SPEC_REVIEWABLE
    assert {f.id for f in rb.red_flags if f.limits_plan} == SPEC_LIMITS_PLAN


def test_every_rule_has_a_vignette() -> None:
    rb = spinerules.default_rule_base()
    flag_ids = {f.id for f in rb.red_flags}
    watch_ids = {w.id for w in rb.watch_items}
    reviewable = {f.id for f in rb.red_flags if f.reviewable}
    assert flag_ids - {rule for rule, cases in FLAG_CASES.items() if cases} == set()
    assert watch_ids - {rule for rule, cases in WATCH_CASES.items() if cases} == set()
    assert reviewable - set(REVIEWED_CASES) == set()
    # and no vignette names a rule that does not exist (a renamed rule must fail here)
    assert set(FLAG_CASES) <= flag_ids
    assert set(WATCH_CASES) <= watch_ids
    assert set(REVIEWED_CASES) <= reviewable


def test_each_contrast_changes_one_answer() -> None:
    cases = [c for cs in FLAG_CASES.values() for c in cs]
    cases += [c for cs in WATCH_CASES.values() for c in cs]
    for case in cases:
        assert len(case.change) == 1, case
        ((key, value),) = case.change.items()
        assert case.fires.get(key) != value, case


# --- every red flag fires, and a close vignette does not --------------------------------------


@pytest.mark.parametrize(("rule", "case"), _params(FLAG_CASES))
def test_red_flag_fires(engine: str, rule: str, case: Case) -> None:
    a = _assess(case.fires, engine)
    assert a.ruleset.engine == engine
    finding = _finding(a, rule)
    assert finding.urgency.value == case.tier
    allowed = {case.timeframe} if case.timeframe else TIMEFRAME_OF_TIER[case.tier]
    assert finding.timeframe.value in allowed
    assert finding.family == FAMILY_OF[rule]
    cited = {e.id for e in finding.evidence}
    assert cited <= SPEC_FAMILIES[finding.family][1]
    if rule in SPEC_RULE_EVIDENCE:
        assert cited == SPEC_RULE_EVIDENCE[rule]
    elif finding.family != "malignancy":
        assert cited == SPEC_FAMILIES[finding.family][1]
    else:  # every malignancy rule cites the framework and the CKS summary
        assert {"ifompt2020", "nice_cks_lbp"} <= cited
    assert finding.limits_plan == (rule in SPEC_LIMITS_PLAN)
    assert a.urgency >= finding.urgency
    assert rule not in _watch(a)
    # the JSON contract carries it unchanged (principle 5)
    as_json = {f["id"]: f for f in a.to_dict()["red_flags"]}
    assert as_json[rule]["urgency"] == case.tier
    assert as_json[rule]["timeframe"] == finding.timeframe.value
    assert TIER_WORDING[case.tier] in finding.action.lower()  # section 3 typical wording


@pytest.mark.parametrize(("rule", "case"), _params(FLAG_CASES))
def test_red_flag_does_not_fire_on_close_vignette(engine: str, rule: str, case: Case) -> None:
    a = _assess({**case.fires, **case.change}, engine)
    assert rule not in _flags(a)
    assert rule not in _watch(a)


@pytest.mark.parametrize(("rule", "case"), _params(FLAG_CASES))
def test_urgency_is_the_highest_tier_that_fired(engine: str, rule: str, case: Case) -> None:
    a = _assess(case.fires, engine)
    assert a.urgency == max(f.urgency for f in a.red_flags)
    if a.urgency.value in ("soon", "self_care"):  # section 4: CES warning signs at soon
        assert "cauda_equina_signs" in [card.id for card in a.safety_net]


#: Section 4's family safety-nets (C18: data with ids, each shown by its own condition).
FAMILY_CARDS = {
    "malignancy": "cord_compression_signs",
    "infection": "sepsis_signs",
    "fracture": "fracture_signs",
}


@pytest.mark.parametrize(("rule", "case"), _params(FLAG_CASES))
def test_safety_net_cards_follow_the_families_present(engine: str, rule: str, case: Case) -> None:
    """A family's card whenever a flag or watch item of that family is present (the reading
    tested: below ``emergency``, where a card is a warning of what to go for; at ``emergency``
    the person is already told to go now, and the emergency card says how). The maternity card
    for every pregnant person at any tier. Cards are deduplicated, in the order of seriousness,
    each a short list."""
    a = _assess(case.fires, engine)
    cards = [card.id for card in a.safety_net]
    assert len(cards) == len(set(cards))
    order = [card.id for card in spinerules.default_rule_base().cards]
    assert cards == sorted(cards, key=order.index)
    for card in a.safety_net:
        assert card.title and 1 <= len(card.items) <= 8, card
    families = {f.family for f in a.red_flags} | {w.family for w in a.watch}
    if a.urgency.value == "emergency":
        assert "emergency_help" in cards
    else:
        assert "emergency_help" not in cards
        for family, card in FAMILY_CARDS.items():
            assert (card in cards) is (family in families), (family, cards)
    assert ("maternity_signs" in cards) is (case.fires.get("pregnant") is True)


@pytest.mark.parametrize(("rule", "case"), _params(FLAG_CASES))
def test_profile_never_changes_red_flags(engine: str, rule: str, case: Case) -> None:
    nice = _assess(case.fires, engine, profile="nice")
    acp = _assess(case.fires, engine, profile="acp")
    assert [f.to_dict() for f in acp.red_flags] == [f.to_dict() for f in nice.red_flags]
    assert acp.urgency == nice.urgency


@pytest.mark.parametrize(("rule", "case"), _params(WATCH_CASES))
def test_watch_item_fires(engine: str, rule: str, case: WatchCase) -> None:
    a = _assess(case.fires, engine)
    assert rule in _watch(a), f"watch: {_watch(a)}, red flags: {_flags(a)}"
    assert rule not in _flags(a)
    item = next(w for w in a.watch if w.id == rule)
    assert item.advice
    assert item.evidence


@pytest.mark.parametrize(("rule", "case"), _params(WATCH_CASES))
def test_watch_item_does_not_fire_on_close_vignette(
    engine: str, rule: str, case: WatchCase
) -> None:
    a = _assess({**case.fires, **case.change}, engine)
    assert rule not in _watch(a)


def test_watch_items_alone_leave_self_care(engine: str) -> None:
    for rule, cases in WATCH_CASES.items():
        a = _assess(cases[0].fires, engine)
        assert rule in _watch(a)
        assert a.urgency.value == "self_care", (rule, _flags(a))


def test_unrelenting_pain_alone_is_its_own_flag_not_a_weak_flag_watch(engine: str) -> None:
    a = _assess(v(unrelenting_pain=True), engine)
    assert "malignancy_unrelenting_pain" in _flags(a)
    assert "malignancy_weak_combination" not in _flags(a)
    assert "malignancy_weak_flag_watch" not in _watch(a)


# --- reviewable rules become watch items after a clinician review -----------------------------


@pytest.mark.parametrize("rule", sorted(REVIEWED_CASES))
def test_reviewable_flag_fires_before_review(engine: str, rule: str) -> None:
    a = _assess(REVIEWED_CASES[rule], engine)
    assert _finding(a, rule).urgency.value == "soon"
    assert rule not in _watch(a)


@pytest.mark.parametrize("rule", sorted(REVIEWED_CASES))
def test_reviewable_flag_becomes_watch_item_after_review(engine: str, rule: str) -> None:
    a = _assess({**REVIEWED_CASES[rule], **REVIEWED}, engine)
    assert rule not in _flags(a)
    assert rule in _watch(a)
    item = next(w for w in a.watch if w.id == rule)
    assert item.reviewed is True
    assert item.to_dict()["reviewed"] is True
    assert item.advice


@pytest.mark.parametrize(
    ("rule", "case"),
    [p for p in _params(FLAG_CASES) if p.values[0] not in SPEC_REVIEWABLE],
)
def test_review_never_turns_other_flags_into_watch_items(
    engine: str, rule: str, case: Case
) -> None:
    a = _assess({**case.fires, **REVIEWED}, engine)
    assert _finding(a, rule).urgency.value == case.tier
    assert rule not in _watch(a)


# --- clinician clearance (section 3, C15) -----------------------------------------------------


def _not_applied(a: Assessment, rule: str) -> bool:
    return any(
        t.rule == rule and t.kind == "policy" and "not applied" in t.text.lower() for t in a.trace
    )


@pytest.mark.parametrize(("rule", "case"), _params(FLAG_CASES))
def test_clearance_applies_at_soon_only(engine: str, rule: str, case: Case) -> None:
    """Section 3: a cleared flag that fires at ``soon`` becomes a watch item with the same id and
    the "cleared you to exercise; come back if it changes" advice; at ``urgent`` or ``emergency``
    the flag stays, at its tier, and the trace says the clearance was not applied."""
    base = _assess(case.fires, engine)
    a = _assess({**case.fires, "clinician_cleared_flags": [rule]}, engine)
    if case.tier == "soon":
        assert rule not in _flags(a)
        item = next(w for w in a.watch if w.id == rule)
        assert item.cleared is True and item.reviewed is False
        assert item.to_dict()["cleared"] is True
        assert item.family == FAMILY_OF[rule]
        advice = item.advice.lower()
        assert "cleared you to exercise" in advice and "come back if it changes" in advice
        assert item.evidence == _finding(base, rule).evidence
        assert not _not_applied(a, rule)
    else:
        assert _finding(a, rule).urgency.value == case.tier
        assert rule not in _watch(a)
        assert a.urgency == base.urgency
        assert _not_applied(a, rule), [t for t in a.trace if t.rule == rule]
    # clearance is per flag: every other flag is listed exactly as without it
    others = [f.to_dict() for f in a.red_flags if f.id != rule]
    assert others == [f.to_dict() for f in base.red_flags if f.id != rule]


# --- tier escalations -------------------------------------------------------------------------

CES_SIGNS = {
    "ces_saddle": "saddle_anaesthesia",
    "ces_bladder": "urinary_retention",
    "ces_bowel": "faecal_incontinence",
    "ces_sexual": "sexual_dysfunction_new",
}
COURSES = {
    "new": "emergency",
    "worsening": "emergency",
    None: "emergency",  # unknown counts as new
    "stable_2_to_12_weeks": "urgent",
    "stable_over_12_weeks": "urgent",
}
TIER_TIMEFRAME = {"emergency": "now", "urgent": "within_24h"}


@pytest.mark.parametrize("rule", sorted(CES_SIGNS))
@pytest.mark.parametrize("course", list(COURSES), ids=str)
def test_ces_sign_tier_follows_course(engine: str, rule: str, course: str | None) -> None:
    a = _assess(
        v(pain_duration_days=120, neuro_symptoms_course=course, **{CES_SIGNS[rule]: True}),
        engine,
    )
    finding = _finding(a, rule)
    assert finding.urgency.value == COURSES[course]
    assert finding.timeframe.value == TIER_TIMEFRAME[COURSES[course]]
    assert a.urgency.value == COURSES[course]


BILATERAL = [
    pytest.param({"leg_pain": "both_sides", "neuro_symptoms_course": "new"}, "emergency", id="new"),
    pytest.param(
        {"leg_pain": "both_sides", "neuro_symptoms_course": "worsening"},
        "emergency",
        id="worsening",
    ),
    pytest.param({"leg_pain": "both_sides"}, "emergency", id="unknown-course"),
    pytest.param(
        {"leg_pain": "both_sides", "neuro_symptoms_course": "stable_2_to_12_weeks"},
        "urgent",
        id="stable-2-12",
    ),
    pytest.param(
        {"leg_numbness_or_tingling": "both_sides", "neuro_symptoms_course": "stable_2_to_12_weeks"},
        "urgent",
        id="numbness-stable-2-12",
    ),
    pytest.param(
        {"leg_pain": "both_sides", "neuro_symptoms_course": "stable_over_12_weeks"},
        "soon",
        id="stable-over-12-no-weakness",
    ),
    pytest.param(
        {"leg_numbness_or_tingling": "both_sides", "neuro_symptoms_course": "stable_over_12_weeks"},
        "soon",
        id="numbness-stable-over-12-no-weakness",
    ),
    pytest.param(
        {
            "leg_weakness": "stable",
            "leg_weakness_sides": "both_sides",
            "neuro_symptoms_course": "stable_over_12_weeks",
        },
        "urgent",
        id="stable-over-12-weakness-both-sides",
    ),
    pytest.param(
        {
            "leg_pain": "both_sides",
            "leg_weakness": "stable",
            "leg_weakness_sides": "one_side",
            "neuro_symptoms_course": "stable_over_12_weeks",
        },
        "urgent",
        id="stable-over-12-pain-both-weakness-one-side",
    ),
]


@pytest.mark.parametrize(("answers", "tier"), BILATERAL)
def test_ces_bilateral_legs_tier(engine: str, answers: dict[str, Any], tier: str) -> None:
    a = _assess(v(pain_duration_days=120, **answers), engine)
    finding = _finding(a, "ces_bilateral_legs")
    assert finding.urgency.value == tier
    assert finding.timeframe.value in (
        {TIER_TIMEFRAME[tier]} if tier in TIER_TIMEFRAME else SOON_TIMEFRAMES
    )
    if tier == "soon":
        # the cauda-equina warning card, at a soon assessment
        assert a.urgency.value == "soon"
        assert "cauda_equina_signs" in [card.id for card in a.safety_net]


@pytest.mark.parametrize(
    ("days", "tier"),
    [(None, "emergency"), (0, "emergency"), (7, "emergency"), (8, "urgent"), (365, "urgent")],
    ids=str,
)
def test_fracture_major_trauma_tier_follows_trauma_timing(
    engine: str, days: int | None, tier: str
) -> None:
    a = _assess(v(major_trauma=True, trauma_days_ago=days), engine)
    finding = _finding(a, "fracture_major_trauma")
    assert finding.urgency.value == tier
    assert finding.timeframe.value == TIER_TIMEFRAME[tier]


FRAGILE = {"minor_trauma": True, "osteoporosis": True}


@pytest.mark.parametrize(
    ("answers", "tier"),
    [
        pytest.param({}, "soon", id="plain"),
        pytest.param({"pain_intensity": 7}, "soon", id="intensity-7"),
        pytest.param({"pain_intensity": 8}, "urgent", id="intensity-8"),
        pytest.param({"pain_intensity": 10}, "urgent", id="intensity-10"),
        pytest.param({"can_walk_minutes": 1}, "soon", id="walk-1"),
        pytest.param({"can_walk_minutes": 0}, "urgent", id="walk-0"),
        pytest.param({"sudden_severe_onset": False}, "soon", id="not-sudden"),
        pytest.param({"sudden_severe_onset": True}, "urgent", id="sudden"),
    ],
)
def test_fracture_fragility_tier(engine: str, answers: dict[str, Any], tier: str) -> None:
    a = _assess(v(**FRAGILE, **answers), engine)
    finding = _finding(a, "fracture_fragility")
    assert finding.urgency.value == tier
    assert finding.timeframe.value == ("within_24h" if tier == "urgent" else "within_2_weeks")
    action = finding.action.lower()
    # Section 4: at urgent with can_walk_minutes == 0 the action says how to get there, and a
    # person who cannot walk is never told to keep moving (R3-11).
    cannot_walk = answers.get("can_walk_minutes") == 0
    assert ("ask someone to take you" in action) is cannot_walk
    if cannot_walk:
        assert "emergency services" in action
    assert not any("keep moving" in f.action.lower() for f in a.red_flags)


#: Section 4 (R3-4): a known aneurysm with back pain is urgent at any duration; emergency with
#: tummy pain, sudden onset, collapse or pain for 14 days or less (``aaa_recent_days``).
KNOWN_AAA = [
    pytest.param({"pain_duration_days": 0}, "emergency", id="day-0"),
    pytest.param({"pain_duration_days": 14}, "emergency", id="day-14"),
    pytest.param({"pain_duration_days": 15}, "urgent", id="day-15"),
    pytest.param({"pain_duration_days": 21}, "urgent", id="day-21"),
    pytest.param({"pain_duration_days": 4000}, "urgent", id="years"),
    pytest.param({"pain_duration_days": 60, "abdominal_pain": True}, "emergency", id="tummy"),
    pytest.param({"pain_duration_days": 60, "abdominal_pain": False}, "urgent", id="no-tummy"),
    pytest.param({"pain_duration_days": 60, "sudden_severe_onset": True}, "emergency", id="sudden"),
    pytest.param(
        {"pain_duration_days": 60, "collapse_or_fainting": True}, "emergency", id="collapse"
    ),
]


@pytest.mark.parametrize(("answers", "tier"), KNOWN_AAA)
def test_aaa_known_symptomatic_tier(engine: str, answers: dict[str, Any], tier: str) -> None:
    a = _assess(v(known_aortic_aneurysm=True, **answers), engine)
    finding = _finding(a, "aaa_known_symptomatic")
    assert finding.urgency.value == tier
    assert finding.timeframe.value == TIER_TIMEFRAME[tier]
    action = finding.action.lower()
    if tier == "urgent":
        assert "vascular team" in action and "today" in action
    else:
        assert "emergency" in action and "aneurysm" in action


def test_aaa_recent_days_is_a_parameter(engine: str) -> None:
    state = v(known_aortic_aneurysm=True, pain_duration_days=20)
    assert _finding(_assess(state, engine), "aaa_known_symptomatic").urgency.value == "urgent"
    local = _assess(state, engine, thresholds=spinerules.Thresholds(aaa_recent_days=21))
    assert _finding(local, "aaa_known_symptomatic").urgency.value == "emergency"


# --- axial spondyloarthritis thresholds -------------------------------------------------------

AXSPA_IDS = frozenset(SPEC_FAMILIES["axspa"][0])


@pytest.mark.parametrize(
    ("answers", "expected", "watch"),
    [
        pytest.param(
            {"axspa_features": F4, "first_back_pain_age": 44},
            {"axspa_refer"},
            False,
            id="first-age-44",
        ),
        pytest.param(
            {"axspa_features": F4, "first_back_pain_age": 45}, set(), False, id="first-age-45"
        ),
        pytest.param(
            {"axspa_features": F4, "first_back_pain_age": None},
            set(),
            False,
            id="first-age-unknown",
        ),
        pytest.param(
            {"axspa_features": F4, "pain_duration_days": 91},
            {"axspa_refer"},
            False,
            id="duration-91",
        ),
        pytest.param(
            {"axspa_features": F4, "pain_duration_days": 90}, set(), False, id="duration-90"
        ),
        pytest.param(
            {"axspa_features": F3, "hla_b27": "positive"},
            {"axspa_hla_b27_positive"},
            False,
            id="3-positive",
        ),
        pytest.param({"axspa_features": F3, "hla_b27": "negative"}, set(), True, id="3-negative"),
        pytest.param(
            {"axspa_features": F3, "hla_b27": "unknown"},
            {"axspa_test_hla_b27"},
            False,
            id="3-unknown",
        ),
        pytest.param({"axspa_features": F3}, {"axspa_test_hla_b27"}, False, id="3-absent"),
        pytest.param(
            {"axspa_features": F4, "hla_b27": "negative"}, {"axspa_refer"}, False, id="4-negative"
        ),
        pytest.param(
            {"axspa_features": F4, "hla_b27": "positive"}, {"axspa_refer"}, False, id="4-positive"
        ),
        pytest.param({"axspa_features": F4}, {"axspa_refer"}, False, id="4-absent"),
        pytest.param(
            {"axspa_features": F3[:2], "hla_b27": "positive"}, set(), True, id="2-positive"
        ),
        # onset_before_35 derived from first_back_pain_age
        pytest.param(
            {"axspa_features": F3, "first_back_pain_age": 34},
            {"axspa_refer"},
            False,
            id="derived-onset-34",
        ),
        pytest.param(
            {"axspa_features": F3, "first_back_pain_age": 35},
            {"axspa_test_hla_b27"},
            False,
            id="no-derived-onset-35",
        ),
        pytest.param(
            {"axspa_features": F3[:2], "first_back_pain_age": 20, "hla_b27": "positive"},
            {"axspa_hla_b27_positive"},
            False,
            id="derived-onset-makes-3",
        ),
    ],
)
def test_axspa_thresholds(
    engine: str, answers: dict[str, Any], expected: set[str], watch: bool
) -> None:
    a = _assess(ax(**answers), engine)
    assert set(_flags(a)) & AXSPA_IDS == expected
    for rule in expected:
        finding = _finding(a, rule)
        assert finding.urgency.value == "soon"
        assert finding.timeframe.value in SOON_TIMEFRAMES
    assert ("axspa_watch" in _watch(a)) is watch


@pytest.mark.parametrize(
    ("state", "rule", "words"),
    [
        pytest.param(
            ax(axspa_features=F3), "axspa_test_hla_b27", ["hla-b27", "test"], id="axspa-test"
        ),
        pytest.param(ax(axspa_features=F4), "axspa_refer", ["rheumatolog"], id="axspa-refer"),
        pytest.param(
            ax(axspa_features=F3, hla_b27="positive"),
            "axspa_hla_b27_positive",
            ["rheumatolog"],
            id="axspa-positive",
        ),
        pytest.param(
            v(unexplained_weight_loss=True, age=62),
            "malignancy_weight_loss_age",
            ["ng12", "ct", "2 weeks", "60"],
            id="ng12-ct",
        ),
        pytest.param(
            v(age=60, pain_duration_days=50),
            "ng12_myeloma_bloods",
            ["blood", "full blood count", "calcium", "esr", "plasma viscosity"],
            id="myeloma-bloods",
        ),
        pytest.param(
            v(minor_trauma=True, osteoporosis=True),
            "fracture_fragility",
            ["x-ray", "2 weeks"],
            id="fragility-xray",
        ),
        pytest.param(
            v(urinary_retention=True, neuro_symptoms_course="stable_over_12_weeks"),
            "ces_bladder",
            ["imaging"],
            id="ces-stable-imaging",
        ),
        # Revision 3: the new rules' actions (section 4, read for their content, not prose).
        pytest.param(
            v(age=55, sudden_severe_onset=True),
            "sudden_severe_pain_older",
            ["today", "aorta"],
            id="sudden-older-aorta-today",
        ),
        pytest.param(
            v(known_aortic_aneurysm=True, pain_duration_days=30),
            "aaa_known_symptomatic",
            ["vascular team", "gp", "today"],
            id="known-aaa-vascular-team",
        ),
        pytest.param(
            v(sex="female", pregnant=True, abdominal_pain=True),
            "pregnancy_acute_pain",
            ["maternity", "midwife", "today", "bleeding", "leaking fluid", "contraction"],
            id="pregnancy-maternity-unit",
        ),
        pytest.param(
            v(sex="female", pregnant=True, abdominal_pain=True),
            "pregnancy_acute_pain",
            ["go now", "moving less"],
            id="pregnancy-go-now",
        ),
        pytest.param(
            v(unexplained_weight_loss=True, age=55),
            "malignancy_weight_loss_age",
            ["this week"],
            id="weight-loss-this-week",
        ),
    ],
)
def test_action_says_what_clinical_md_asks(
    engine: str, state: dict[str, Any], rule: str, words: list[str]
) -> None:
    action = _finding(_assess(state, engine), rule).action.lower()
    for word in words:
        assert word in action, (rule, word)


@pytest.mark.parametrize(
    ("answers", "aorta"),
    [
        pytest.param({"age": 16, "sex": "male"}, False, id="16"),
        pytest.param({"age": 49, "sex": "male"}, False, id="49"),
        pytest.param({"age": 50, "sex": "male"}, True, id="50"),
        pytest.param({"age": 80, "sex": "female"}, True, id="80"),
    ],
)
def test_collapse_action_names_the_aorta_from_aaa_age(
    engine: str, answers: dict[str, Any], aorta: bool
) -> None:
    """Section 4 (R3-1): call emergency services now, at any age; from ``aaa_age`` the wording
    names the aorta, below it a serious problem in the tummy, chest or pelvis."""
    a = _assess(v(collapse_or_fainting=True, **answers), engine)
    action = _finding(a, "collapse_with_back_pain").action.lower()
    assert "call emergency services now" in action
    assert ("aorta" in action) is aorta
    assert all(word in action for word in ("tummy", "chest", "pelvis")) is not aorta


@pytest.mark.parametrize(("sex", "ectopic"), [("female", True), ("male", False)])
def test_collapse_below_aaa_age_names_an_ectopic_pregnancy_for_a_woman(
    engine: str, sex: str, ectopic: bool
) -> None:
    a = _assess(v(age=30, sex=sex, collapse_or_fainting=True), engine)
    assert ("ectopic" in _finding(a, "collapse_with_back_pain").action.lower()) is ectopic


def test_collapse_wording_follows_the_aaa_age_parameter(engine: str) -> None:
    state = v(age=55, collapse_or_fainting=True)
    assert "aorta" in _finding(_assess(state, engine), "collapse_with_back_pain").action.lower()
    local = _assess(state, engine, thresholds=spinerules.Thresholds(aaa_age=60))
    assert "aorta" not in _finding(local, "collapse_with_back_pain").action.lower()
    assert "aaa_rupture_suspected" not in _flags(local)


@pytest.mark.parametrize(("fever", "said"), [(False, True), (None, True), (True, False)], ids=str)
def test_c17_infection_risk_factor_fever_note_only_when_fever_is_not_yes(
    engine: str, fever: bool | None, said: bool
) -> None:
    """Section 4 / C17: "go the same day if you develop a fever or shaking chills" is shown only
    when ``fever`` is not answered true (principle 9: the febrile person gets the action)."""
    a = _assess(v(immunosuppressed=True, fever=fever), engine)
    finding = _finding(a, "infection_risk_factor")
    assert finding.urgency.value == "soon"
    assert ("fever" in finding.action.lower()) is said
    if fever:
        assert _finding(a, "infection_fever_risk").urgency.value == "urgent"


@pytest.mark.parametrize(
    ("answers", "said"),
    [
        pytest.param({}, True, id="cancer-alone"),
        pytest.param({"night_pain": True}, False, id="beside-metastasis-features"),
        pytest.param({"leg_pain": "one_side"}, False, id="beside-mscc"),
    ],
)
def test_principle_9_cancer_history_does_not_warn_of_signs_already_there(
    engine: str, answers: dict[str, Any], said: bool
) -> None:
    a = _assess(v(history_of_cancer=True, **answers), engine)
    action = _finding(a, "cancer_history").action.lower()
    assert "within a week" in action
    assert ("same day" in action) is said


@pytest.mark.parametrize(("age", "ct"), [(50, False), (59, False), (60, True), (72, True)])
def test_weight_loss_action_mentions_the_ng12_ct_route_from_60(
    engine: str, age: int, ct: bool
) -> None:
    """Section 4: the NICE NG12 route (direct-access CT within 2 weeks) is for 60 or over."""
    action = _finding(
        _assess(v(unexplained_weight_loss=True, age=age), engine), "malignancy_weight_loss_age"
    ).action.lower()
    assert ("ct" in action.split() or "ct scan" in action) is ct
    if ct:
        assert "2 weeks" in action and "ng12" in action


def test_axspa_watch_advice_names_the_features_to_come_back_for(engine: str) -> None:
    a = _assess(ax(axspa_features=F3[:2]), engine)
    advice = next(w.advice for w in a.watch if w.id == "axspa_watch").lower()
    for word in ("psoriasis", "bowel", "uveitis"):
        assert word in advice


def test_ibd_and_uveitis_are_not_axspa_criteria(engine: str) -> None:
    a = _assess(ax(axspa_features=F3, ibd_history=True, uveitis_history=True), engine)
    assert set(_flags(a)) & AXSPA_IDS == {"axspa_test_hla_b27"}
    b = _assess(ax(axspa_features=F3[:2], ibd_history=True, uveitis_history=True), engine)
    assert set(_flags(b)) & AXSPA_IDS == set()
    assert "axspa_watch" in _watch(b)


@pytest.mark.parametrize(
    ("answers", "listed"),
    [
        pytest.param({"axspa_features": F3, "pain_duration_days": 100}, True, id="3-features"),
        pytest.param({"axspa_features": F4, "pain_duration_days": 100}, True, id="4-features"),
        pytest.param(
            {"axspa_features": F3, "pain_duration_days": 100, "hla_b27": "negative"},
            True,
            id="3-features-hla-negative",
        ),
        pytest.param(
            {"axspa_features": F3, "pain_duration_days": 100, "iv_drug_use": True},
            True,
            id="3-features-beside-a-soon-flag",
        ),
        pytest.param({"axspa_features": F3, "pain_duration_days": 90}, False, id="duration-90"),
        pytest.param({"axspa_features": F3[:2], "pain_duration_days": 100}, False, id="2-features"),
    ],
)
def test_unknown_first_back_pain_age_listed_only_when_it_could_matter(
    engine: str, answers: dict[str, Any], listed: bool
) -> None:
    """clinical.md section 4 (axSpA) and C5: unknown first_back_pain_age with 3 or more
    features (and pain over 90 days) does not apply the screen and is listed as unanswered."""
    a = _assess(v(**answers), engine)
    assert set(_flags(a)) & AXSPA_IDS == set()
    assert ("first_back_pain_age" in a.unanswered) is listed


# --- clarifications C2, C8, C9 ----------------------------------------------------------------


def test_c2_infection_neuro_needs_a_deficit_not_radicular_pain(engine: str) -> None:
    a = _assess(v(fever=True, leg_pain="one_side", neuro_symptoms_course="new"), engine)
    assert "infection_neuro" not in _flags(a)
    assert _finding(a, "infection_fever").urgency.value == "urgent"
    assert a.urgency.value == "urgent"
    assert "sciatica_watch" in _watch(a)


def test_c2_fracture_neuro_needs_a_deficit_not_numbness(engine: str) -> None:
    a = _assess(v(structural_deformity=True, leg_numbness_or_tingling="one_side", **NEW), engine)
    assert "fracture_neuro" not in _flags(a)
    assert _finding(a, "fracture_deformity").urgency.value == "urgent"


def test_c2_mscc_needs_only_a_symptom(engine: str) -> None:
    a = _assess(v(history_of_cancer=True, leg_pain="one_side", **NEW), engine)
    assert _finding(a, "mscc").urgency.value == "emergency"
    b = _assess(
        v(unexplained_weight_loss=True, age=55, leg_numbness_or_tingling="one_side"), engine
    )
    assert _finding(b, "malignancy_suspected_neuro").urgency.value == "emergency"


@pytest.mark.parametrize(
    ("state", "beside", "alone"),
    [
        pytest.param(
            v(history_of_cancer=True, leg_pain="one_side"),
            "mscc",
            "cancer_history",
            id="cancer-history-beside-mscc",
        ),
        pytest.param(
            v(history_of_cancer=True, night_pain=True),
            "cancer_metastasis_features",
            "cancer_history",
            id="cancer-history-beside-metastasis",
        ),
        pytest.param(
            v(history_of_cancer=True, unrelenting_pain=True),
            "cancer_metastasis_features",
            "malignancy_unrelenting_pain",
            id="unrelenting-beside-metastasis",
        ),
        pytest.param(
            v(age=55, unrelenting_pain=True),
            "malignancy_weak_combination",
            "malignancy_unrelenting_pain",
            id="unrelenting-beside-weak-combination",
        ),
        pytest.param(
            v(fever=True, diabetes=True),
            "infection_fever_risk",
            "infection_fever",
            id="fever-beside-fever-risk",
        ),
        pytest.param(
            v(fever=True, foot_drop=True),
            "infection_neuro",
            "infection_fever",
            id="fever-beside-infection-neuro",
        ),
    ],
)
def test_c8_alone_rules_fire_beside_more_specific_ones(
    engine: str, state: dict[str, Any], beside: str, alone: str
) -> None:
    a = _assess(state, engine)
    ids = _flags(a)
    assert beside in ids
    assert alone in ids


def test_c9_reviewed_fracture_watch_still_counts_for_fracture_neuro(engine: str) -> None:
    state = v(osteoporosis=True, age=70, foot_drop=True, **NEW, **REVIEWED)
    a = _assess(state, engine)
    assert "fracture_risk_profile" in _watch(a)
    assert "fracture_risk_profile" not in _flags(a)
    assert _finding(a, "fracture_neuro").urgency.value == "emergency"
    b = _assess({**state, "osteoporosis": False}, engine)
    assert "fracture_neuro" not in _flags(b)


def test_c9_reviewed_fracture_watch_still_excludes_running(engine: str) -> None:
    state = v(osteoporosis=True, age=70, currently_runs=True, pain_intensity=3, **REVIEWED)
    a = _assess(state, engine)
    assert "fracture_risk_profile" in _watch(a)
    assert a.urgency.value == "self_care"
    recs = [r.id for r in a.recommendations]
    assert "walking" in recs  # a plan is shown: only the exclusion removes running
    assert "running" not in recs
    b = _assess({**state, "osteoporosis": False}, engine)
    assert "running" in [r.id for r in b.recommendations]


CLEARED_FRAGILITY = {"clinician_cleared_flags": ["fracture_fragility"]}


def test_c9_cleared_fracture_flag_still_counts_for_fracture_neuro(engine: str) -> None:
    state = v(minor_trauma=True, osteoporosis=True, foot_drop=True, **NEW, **CLEARED_FRAGILITY)
    a = _assess(state, engine)
    assert "fracture_fragility" in _watch(a)
    assert _finding(a, "fracture_neuro").urgency.value == "emergency"
    assert "fracture_neuro" not in _flags(_assess({**state, "minor_trauma": False}, engine))


def test_c9_cleared_fracture_flag_still_excludes_running(engine: str) -> None:
    state = (
        v(minor_trauma=True, osteoporosis=True, currently_runs=True, pain_intensity=3)
        | CLEARED_FRAGILITY
    )
    a = _assess(state, engine)
    cleared = next(w for w in a.watch if w.id == "fracture_fragility")
    assert cleared.cleared is True
    assert "fracture_fragility" not in _flags(a)
    recs = [r.id for r in a.recommendations]
    assert {"walking", "group_exercise", "reassurance"} <= set(recs)  # the limit is lifted ...
    assert "running" not in recs  # ... the exclusion is not
    assert "fracture_signs" in [card.id for card in a.safety_net]
    b = _assess({**state, "minor_trauma": False}, engine)
    assert "running" in [r.id for r in b.recommendations]


# --- thresholds are parameters ----------------------------------------------------------------


def test_malignancy_age_threshold_is_a_parameter(engine: str) -> None:
    state = v(unexplained_weight_loss=True, age=47)
    default = _assess(state, engine)
    assert "malignancy_weight_loss_age" not in _flags(default)
    assert "malignancy_weak_flag_watch" in _watch(default)
    local = _assess(state, engine, thresholds=spinerules.Thresholds(malignancy_age=45))
    finding = _finding(local, "malignancy_weight_loss_age")
    assert finding.urgency.value == "soon"
    assert finding.timeframe.value == "within_1_week"
    assert dict(local.ruleset.thresholds) == {"malignancy_age": 45}
    younger = _assess(
        {**state, "age": 44}, engine, thresholds=spinerules.Thresholds(malignancy_age=45)
    )
    assert "malignancy_weight_loss_age" not in _flags(younger)


def test_fracture_recent_trauma_threshold_is_a_parameter(engine: str) -> None:
    state = v(major_trauma=True, trauma_days_ago=10)
    assert _finding(_assess(state, engine), "fracture_major_trauma").urgency.value == "urgent"
    local = _assess(state, engine, thresholds=spinerules.Thresholds(fracture_recent_trauma_days=14))
    assert _finding(local, "fracture_major_trauma").urgency.value == "emergency"


# --- the trace says which rule fired on which inputs (principle 6) ----------------------------


def test_red_flag_inputs_name_the_answers_that_fired_it(engine: str) -> None:
    a = _assess(v(fever=True, diabetes=True), engine)
    inputs = dict(_finding(a, "infection_fever_risk").inputs)
    assert inputs.get("fever") is True
    assert inputs.get("diabetes") is True
    assert any(t.rule == "infection_fever_risk" for t in a.trace)
