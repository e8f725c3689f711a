"""The floor: every built-in red flag of clinical.md section 4 as hand-written if/else.

Written straight from the specification (section 4 with section 2's definitions of "new
neurological symptom" and "new neurological deficit", principle 7's unknowns, the default
thresholds of section 4, and section 3's reviewable rule and clinician clearance; revision 3),
not from spinerules' rule base, so that ``run.py`` can check it against ``assess()`` on the
benchmark population. It computes what the benchmark compares: the urgency and the set of
red-flag ids the assessment reports. No trace, no evidence, no recommendations: it is the least
work any implementation must do.

It reads the flat JSON form directly; an unanswered field is absent or ``None`` and never
satisfies a condition, except where the spec says so (an unknown neurological course counts as
new; an unknown trauma date counts as recent; an unknown HLA-B27 asks for the test).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RANK = {"self_care": 0, "soon": 1, "urgent": 2, "emergency": 3}
TIERS = ("self_care", "soon", "urgent", "emergency")
#: Rules that become watch items once a clinician has reviewed the episode (section 4).
REVIEWABLE = frozenset(
    {
        "radicular_sensory",
        "radicular_persistent",
        "ng12_myeloma_bloods",
        "malignancy_weak_combination",
        "malignancy_unrelenting_pain",
        "fracture_risk_profile",
    }
)
_STABLE = ("stable_2_to_12_weeks", "stable_over_12_weeks")
#: NG156 1.1.2 risk factors for an abdominal aortic aneurysm (section 4, family vascular).
AAA_RISK_FACTORS = (
    "smokes_or_smoked",
    "cardiovascular_disease",
    "hypertension",
    "high_cholesterol",
    "copd",
    "family_history_aaa",
)


def axspa_count(d: Mapping[str, Any]) -> int:
    """NG65 features, with onset_before_35 derived from first_back_pain_age when it is known."""
    features = set(d.get("axspa_features") or ())
    onset = d.get("first_back_pain_age")
    if onset is not None and onset < 35:
        features.add("onset_before_35")
    return len(features)


def screen(d: Mapping[str, Any]) -> tuple[str, frozenset[str]]:
    """(urgency, red-flag ids) for one patient dict, per clinical.md sections 3 and 4."""
    g = d.get
    fired: dict[str, str] = {}  # red-flag id -> tier

    age = g("age")
    duration = g("pain_duration_days")
    intensity = g("pain_intensity")
    trend = g("pain_trend")
    leg_pain = g("leg_pain")
    numb = g("leg_numbness_or_tingling")
    weakness = g("leg_weakness")
    sides = g("leg_weakness_sides")
    course = g("neuro_symptoms_course")
    new_course = course not in _STABLE  # new, worsening or unknown
    weak = weakness is not None and weakness != "none"
    foot_drop = g("foot_drop") is True
    gait = g("gait_disturbance") is True
    saddle = g("saddle_anaesthesia") is True
    bladder = g("urinary_retention") is True or g("urinary_incontinence") is True
    bowel = g("faecal_incontinence") is True
    sexual = g("sexual_dysfunction_new") is True
    ces_sign = saddle or bladder or bowel or sexual
    deficit = weak or foot_drop or gait or ces_sign
    symptom = (
        deficit
        or (leg_pain is not None and leg_pain != "none")
        or (numb is not None and numb != "none")
    )
    cancer = g("history_of_cancer") is True
    weight_loss = g("unexplained_weight_loss") is True
    night = g("night_pain") is True
    unrelenting = g("unrelenting_pain") is True
    thoracic = g("thoracic_pain") is True
    sudden = g("sudden_severe_onset") is True
    abdominal = g("abdominal_pain") is True
    collapse = g("collapse_or_fainting") is True
    fever = g("fever") is True
    osteoporosis = g("osteoporosis") is True
    steroids = g("long_term_corticosteroids") is True
    previous_fracture = g("previous_vertebral_fracture") is True

    # Cauda equina: each sign urgent, emergency when the course is new, worsening or unknown.
    ces_tier = "emergency" if new_course else "urgent"
    if ces_sign:
        if saddle:
            fired["ces_saddle"] = ces_tier
        if bladder:
            fired["ces_bladder"] = ces_tier
        if bowel:
            fired["ces_bowel"] = ces_tier
        if sexual:
            fired["ces_sexual"] = ces_tier
    if leg_pain == "both_sides" or numb == "both_sides" or (weak and sides == "both_sides"):
        if new_course:
            fired["ces_bilateral_legs"] = "emergency"
        elif course == "stable_2_to_12_weeks" or weak:
            fired["ces_bilateral_legs"] = "urgent"
        else:
            fired["ces_bilateral_legs"] = "soon"

    # Neurological deficit and radicular symptoms.
    if gait:
        fired["neuro_gait"] = "emergency"
    if weakness in ("progressive", "severe") and sides != "both_sides":
        fired["neuro_progressive_weakness"] = "urgent"
    if foot_drop:
        fired["neuro_foot_drop"] = "urgent"
    if weakness == "stable" and sides != "both_sides":
        fired["neuro_stable_weakness"] = "soon"
    if numb == "one_side":
        fired["radicular_sensory"] = "soon"
    if leg_pain == "one_side" and (
        (duration is not None and duration > 42) or (intensity is not None and intensity >= 7)
    ):
        fired["radicular_persistent"] = "soon"

    # Malignancy.
    older50 = age is not None and age >= 50
    if cancer and symptom and new_course:
        fired["mscc"] = "emergency"
    if weight_loss and older50 and symptom and new_course:
        fired["malignancy_suspected_neuro"] = "emergency"
    if cancer and (thoracic or unrelenting or night or trend == "worsening"):
        fired["cancer_metastasis_features"] = "urgent"
    if cancer:
        fired["cancer_history"] = "soon"
    if weight_loss and older50:
        fired["malignancy_weight_loss_age"] = "soon"
    if age is not None and age >= 60 and duration is not None and duration >= 42:
        fired["ng12_myeloma_bloods"] = "soon"
    # Not improving after 4 weeks: "unchanged" counts only before the chronic phase (85 days).
    not_improving = duration is not None and (
        (duration >= 28 and trend == "worsening") or (28 <= duration < 85 and trend == "unchanged")
    )
    weak_flags = (
        older50
        + (age is not None and age < 20)
        + weight_loss
        + night
        + unrelenting
        + thoracic
        + not_improving
    )
    if weak_flags >= 2:
        fired["malignancy_weak_combination"] = "soon"
    if unrelenting:
        fired["malignancy_unrelenting_pain"] = "soon"

    # Infection.
    procedure = g("recent_spinal_procedure") is True
    risk_factor = (
        g("iv_drug_use") is True
        or g("immunosuppressed") is True
        or steroids
        or g("recent_bacterial_infection") is True
    )
    if fever:
        fired["infection_fever"] = "urgent"
        if deficit and new_course:
            fired["infection_neuro"] = "emergency"
        if risk_factor or procedure or g("diabetes") is True:
            fired["infection_fever_risk"] = "urgent"
    if procedure:
        fired["infection_post_procedure"] = "urgent"
    if risk_factor:
        fired["infection_risk_factor"] = "soon"

    # Fracture (fracture_neuro reads the others, reviewed or not).
    if g("major_trauma") is True:
        days = g("trauma_days_ago")
        fired["fracture_major_trauma"] = "emergency" if days is None or days <= 7 else "urgent"
    if g("structural_deformity") is True:
        fired["fracture_deformity"] = "urgent"
    if g("minor_trauma") is True and (
        osteoporosis or steroids or previous_fracture or (age is not None and age >= 70)
    ):
        severe = (intensity is not None and intensity >= 8) or g("can_walk_minutes") == 0 or sudden
        fired["fracture_fragility"] = "urgent" if severe else "soon"
    older_fracture = age is not None and (age >= 70 or (g("sex") == "female" and age >= 65))
    if osteoporosis + steroids + previous_fracture + older_fracture >= 2:
        fired["fracture_risk_profile"] = "soon"
    if (
        deficit
        and new_course
        and (
            "fracture_major_trauma" in fired
            or "fracture_deformity" in fired
            or "fracture_fragility" in fired
            or "fracture_risk_profile" in fired
        )
    ):
        fired["fracture_neuro"] = "emergency"

    # Axial spondyloarthritis (NG65): applies when back pain began before 45 and lasts > 90 days.
    onset = g("first_back_pain_age")
    if onset is not None and onset < 45 and duration is not None and duration > 90:
        count = axspa_count(d)
        hla = g("hla_b27")
        if count >= 4:
            fired["axspa_refer"] = "soon"
        elif count == 3 and hla == "positive":
            fired["axspa_hla_b27_positive"] = "soon"
        elif count == 3 and hla in (None, "unknown"):
            fired["axspa_test_hla_b27"] = "soon"

    # Vascular and other non-spinal causes.
    if collapse:
        fired["collapse_with_back_pain"] = "emergency"
    if older50 and (
        collapse
        or (
            sudden
            and (
                abdominal
                or any(g(name) is True for name in AAA_RISK_FACTORS)
                or (g("sex") == "male" and age >= 65)
            )
        )
    ):
        fired["aaa_rupture_suspected"] = "emergency"
    if older50 and sudden:
        fired["sudden_severe_pain_older"] = "urgent"
    if g("known_aortic_aneurysm") is True:
        recent = duration is not None and duration <= 14
        emergency = abdominal or sudden or collapse or recent
        fired["aaa_known_symptomatic"] = "emergency" if emergency else "urgent"
    if g("pulsatile_abdominal_mass") is True:
        fired["aaa_pulsatile_mass"] = "emergency"
    if thoracic and sudden:
        fired["thoracic_sudden_severe"] = "emergency"
    if abdominal and (older50 or sudden):
        fired["visceral_abdominal_pain"] = "urgent"

    # Pregnancy.
    if g("pregnant") is True and (abdominal or sudden or unrelenting):
        fired["pregnancy_acute_pain"] = "urgent"

    # A clinician's review turns the reviewable flags into watch items (no urgency); so does a
    # clinician's clearance, for a cleared flag that fired at soon (never urgent or emergency).
    if fired and g("clinician_reviewed_this_episode") is True:
        for rule_id in REVIEWABLE.intersection(fired):
            del fired[rule_id]
    cleared = g("clinician_cleared_flags")
    if fired and cleared:
        for rule_id in set(cleared).intersection(fired):
            if fired[rule_id] == "soon":
                del fired[rule_id]
    if not fired:
        return "self_care", frozenset()
    tiers = set(fired.values())
    urgency = (
        "emergency"
        if "emergency" in tiers
        else "urgent"
        if "urgent" in tiers
        else "soon"
        if "soon" in tiers
        else "self_care"
    )
    return urgency, frozenset(fired)
