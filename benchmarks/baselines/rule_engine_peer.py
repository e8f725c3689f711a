"""The built-in red flags as ``rule_engine.Rule`` expression strings (zeroSteiner's rule-engine).

All 40 red flags of clinical.md section 4 with their tiers and escalations: one ``Rule`` per
(flag, tier), compiled once, each evaluated with ``Rule.matches`` on every patient; a flag's tier
is the highest of its rules that matched. Every ``soon`` rule also needs its flag's id absent
from ``clinician_cleared_flags`` (section 3: a clearance applies only when the flag fires at
``soon``, so a higher-tier rule of the same flag still reports it). Shared sub-conditions ("new
neurological symptom", "new course") are Python string snippets pasted into the expressions,
which is how one writes rule-engine rules without a rule base of one's own.

The context is the flat patient dict with every property present (``null`` when unanswered:
rule-engine raises on an unknown symbol, and on ``null >= 50``, so numeric comparisons of optional
fields are guarded with ``!= null``; ``clinician_cleared_flags`` is an array, empty when
unanswered), plus ``axspa_count``, the NG65 feature count with ``onset_before_35`` derived,
computed in Python. "Two or more of" uses rule-engine's list
comprehension (``[x for x in [...] if x].length >= 2``). No trace, evidence or recommendations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import rule_engine

from .ifelse import AAA_RISK_FACTORS, RANK, TIERS, axspa_count
from .raw_durable import PROPERTIES

NEW_COURSE = "neuro_symptoms_course in ['new', 'worsening', null]"
CES_SIGN = (
    "(saddle_anaesthesia == true or urinary_retention == true or urinary_incontinence == true"
    " or faecal_incontinence == true or sexual_dysfunction_new == true)"
)
WEAK = "(leg_weakness != null and leg_weakness != 'none')"
DEFICIT = f"({WEAK} or foot_drop == true or gait_disturbance == true or {CES_SIGN})"
SYMPTOM = (
    f"({DEFICIT} or (leg_pain != null and leg_pain != 'none')"
    " or (leg_numbness_or_tingling != null and leg_numbness_or_tingling != 'none'))"
)
NOT_REVIEWED = "clinician_reviewed_this_episode != true"
NOT_BOTH = "leg_weakness_sides != 'both_sides'"
BILATERAL = (
    "(leg_pain == 'both_sides' or leg_numbness_or_tingling == 'both_sides'"
    f" or ({WEAK} and leg_weakness_sides == 'both_sides'))"
)
INFECTION_RISK = (
    "(iv_drug_use == true or immunosuppressed == true or long_term_corticosteroids == true"
    " or recent_bacterial_infection == true)"
)
FRAGILITY = (
    "(minor_trauma == true and (osteoporosis == true or long_term_corticosteroids == true"
    " or previous_vertebral_fracture == true or age >= 70))"
)
RISK_PROFILE = (
    "[x for x in [osteoporosis == true, long_term_corticosteroids == true,"
    " previous_vertebral_fracture == true, age >= 70 or (sex == 'female' and age >= 65)]"
    " if x].length >= 2"
)
WEAK_FLAGS = (
    "[x for x in [age >= 50, age < 20, unexplained_weight_loss == true, night_pain == true,"
    " unrelenting_pain == true, thoracic_pain == true,"
    " pain_duration_days >= 28 and (pain_trend == 'worsening'"
    " or (pain_trend == 'unchanged' and pain_duration_days < 85))] if x].length >= 2"
)
AXSPA = "first_back_pain_age != null and first_back_pain_age < 45 and pain_duration_days > 90"
AAA_RISK = "(" + " or ".join(f"{name} == true" for name in AAA_RISK_FACTORS) + ")"

#: (red-flag id, tier, rule-engine expression)
RULES: tuple[tuple[str, str, str], ...] = (
    ("ces_saddle", "urgent", "saddle_anaesthesia == true"),
    ("ces_saddle", "emergency", f"saddle_anaesthesia == true and {NEW_COURSE}"),
    ("ces_bladder", "urgent", "urinary_retention == true or urinary_incontinence == true"),
    (
        "ces_bladder",
        "emergency",
        f"(urinary_retention == true or urinary_incontinence == true) and {NEW_COURSE}",
    ),
    ("ces_bowel", "urgent", "faecal_incontinence == true"),
    ("ces_bowel", "emergency", f"faecal_incontinence == true and {NEW_COURSE}"),
    ("ces_sexual", "urgent", "sexual_dysfunction_new == true"),
    ("ces_sexual", "emergency", f"sexual_dysfunction_new == true and {NEW_COURSE}"),
    ("ces_bilateral_legs", "soon", BILATERAL),
    (
        "ces_bilateral_legs",
        "urgent",
        f"{BILATERAL} and (neuro_symptoms_course == 'stable_2_to_12_weeks' or {WEAK})",
    ),
    ("ces_bilateral_legs", "emergency", f"{BILATERAL} and {NEW_COURSE}"),
    ("neuro_gait", "emergency", "gait_disturbance == true"),
    (
        "neuro_progressive_weakness",
        "urgent",
        f"leg_weakness in ['progressive', 'severe'] and {NOT_BOTH}",
    ),
    ("neuro_foot_drop", "urgent", "foot_drop == true"),
    ("neuro_stable_weakness", "soon", f"leg_weakness == 'stable' and {NOT_BOTH}"),
    ("radicular_sensory", "soon", f"leg_numbness_or_tingling == 'one_side' and {NOT_REVIEWED}"),
    (
        "radicular_persistent",
        "soon",
        "leg_pain == 'one_side' and (pain_duration_days > 42"
        f" or (pain_intensity != null and pain_intensity >= 7)) and {NOT_REVIEWED}",
    ),
    ("mscc", "emergency", f"history_of_cancer == true and {SYMPTOM} and {NEW_COURSE}"),
    (
        "malignancy_suspected_neuro",
        "emergency",
        f"unexplained_weight_loss == true and age >= 50 and {SYMPTOM} and {NEW_COURSE}",
    ),
    (
        "cancer_metastasis_features",
        "urgent",
        "history_of_cancer == true and (thoracic_pain == true or unrelenting_pain == true"
        " or night_pain == true or pain_trend == 'worsening')",
    ),
    ("cancer_history", "soon", "history_of_cancer == true"),
    ("malignancy_weight_loss_age", "soon", "unexplained_weight_loss == true and age >= 50"),
    (
        "ng12_myeloma_bloods",
        "soon",
        f"age >= 60 and pain_duration_days >= 42 and {NOT_REVIEWED}",
    ),
    ("malignancy_weak_combination", "soon", f"{WEAK_FLAGS} and {NOT_REVIEWED}"),
    ("malignancy_unrelenting_pain", "soon", f"unrelenting_pain == true and {NOT_REVIEWED}"),
    ("infection_neuro", "emergency", f"fever == true and {DEFICIT} and {NEW_COURSE}"),
    (
        "infection_fever_risk",
        "urgent",
        f"fever == true and ({INFECTION_RISK} or recent_spinal_procedure == true"
        " or diabetes == true)",
    ),
    ("infection_fever", "urgent", "fever == true"),
    ("infection_post_procedure", "urgent", "recent_spinal_procedure == true"),
    ("infection_risk_factor", "soon", INFECTION_RISK),
    ("fracture_major_trauma", "urgent", "major_trauma == true"),
    (
        "fracture_major_trauma",
        "emergency",
        "major_trauma == true and (trauma_days_ago == null or trauma_days_ago <= 7)",
    ),
    ("fracture_deformity", "urgent", "structural_deformity == true"),
    ("fracture_fragility", "soon", FRAGILITY),
    (
        "fracture_fragility",
        "urgent",
        f"{FRAGILITY} and ((pain_intensity != null and pain_intensity >= 8)"
        " or can_walk_minutes == 0 or sudden_severe_onset == true)",
    ),
    ("fracture_risk_profile", "soon", f"{RISK_PROFILE} and {NOT_REVIEWED}"),
    (
        "fracture_neuro",
        "emergency",
        f"(major_trauma == true or structural_deformity == true or {FRAGILITY}"
        f" or {RISK_PROFILE}) and {DEFICIT} and {NEW_COURSE}",
    ),
    ("axspa_refer", "soon", f"{AXSPA} and axspa_count >= 4"),
    (
        "axspa_hla_b27_positive",
        "soon",
        f"{AXSPA} and axspa_count == 3 and hla_b27 == 'positive'",
    ),
    (
        "axspa_test_hla_b27",
        "soon",
        f"{AXSPA} and axspa_count == 3 and hla_b27 in ['unknown', null]",
    ),
    ("collapse_with_back_pain", "emergency", "collapse_or_fainting == true"),
    (
        "aaa_rupture_suspected",
        "emergency",
        "age >= 50 and (collapse_or_fainting == true or (sudden_severe_onset == true"
        f" and (abdominal_pain == true or {AAA_RISK} or (sex == 'male' and age >= 65))))",
    ),
    ("sudden_severe_pain_older", "urgent", "age >= 50 and sudden_severe_onset == true"),
    ("aaa_known_symptomatic", "urgent", "known_aortic_aneurysm == true"),
    (
        "aaa_known_symptomatic",
        "emergency",
        "known_aortic_aneurysm == true and (abdominal_pain == true"
        " or sudden_severe_onset == true or collapse_or_fainting == true"
        " or pain_duration_days <= 14)",
    ),
    ("aaa_pulsatile_mass", "emergency", "pulsatile_abdominal_mass == true"),
    (
        "thoracic_sudden_severe",
        "emergency",
        "thoracic_pain == true and sudden_severe_onset == true",
    ),
    (
        "visceral_abdominal_pain",
        "urgent",
        "abdominal_pain == true and (age >= 50 or sudden_severe_onset == true)",
    ),
    (
        "pregnancy_acute_pain",
        "urgent",
        "pregnant == true and (abdominal_pain == true or sudden_severe_onset == true"
        " or unrelenting_pain == true)",
    ),
)

_compiled: list[tuple[str, int, rule_engine.Rule]] = []


def _text(rule_id: str, tier: str, text: str) -> str:
    """A ``soon`` rule also needs its flag not cleared by a clinician (section 3)."""
    if tier != "soon":
        return text
    return f"({text}) and '{rule_id}' not in clinician_cleared_flags"


def setup() -> None:
    """Compile every rule once."""
    if not _compiled:
        _compiled.extend((i, RANK[t], rule_engine.Rule(_text(i, t, text))) for i, t, text in RULES)


def screen(d: Mapping[str, Any]) -> tuple[str, frozenset[str]]:
    """(urgency, red-flag ids) for one patient dict."""
    context: dict[str, Any] = {name: d.get(name) for name in PROPERTIES}
    context["axspa_count"] = axspa_count(d)
    context["clinician_cleared_flags"] = tuple(d.get("clinician_cleared_flags") or ())
    tiers: dict[str, int] = {}
    for rule_id, rank, rule in _compiled:
        if rule.matches(context) and rank >= tiers.get(rule_id, 0):
            tiers[rule_id] = rank
    return TIERS[max(tiers.values(), default=0)], frozenset(tiers)
