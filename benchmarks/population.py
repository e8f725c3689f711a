"""A seeded population of realistic patient answers (the flat JSON form of clinical.md section 2).

Every row of the benchmark runs on the same population: ``generate(n, seed)`` returns the first
``n`` patients of one deterministic stream, so a longer run is a prefix-extension of a shorter
one and a row that uses fewer patients uses the first ones.

The aim is the mix a self-referral back-pain service sees, not a uniform draw over the field
ranges (a uniform draw sets about seven red-flag booleans per patient and is almost always an
emergency, which makes every engine look like its worst case). Prevalences below are per patient;
the sources are rough orders of magnitude for primary-care back pain, and where none exists the
number is a design choice towards the tier mix the brief asked for (roughly 1-2 % emergency,
5-10 % urgent, ~20 % soon, the rest self-care). ``run.py`` prints the tier mix the rules actually
produce: with seed 20260426 and 10,000 patients it is about 2.8 % emergency, 7.4 % urgent, 32 %
soon, 58 % self-care (revision 3 of clinical.md). "Soon" comes out above 20 % because of the
rules, not the answers: the weak malignancy combination (two of: age >= 50, night pain, not
improving after 4 weeks, ...) fires for ~1 patient in 10, and one-sided sciatica over 6 weeks or
at 7/10 for ~1 in 10. Emergency comes out above 2 % because of revision 3's aorta rule (R3-2):
at 50 or over, sudden severe onset with any AAA risk factor is an emergency, and most people of
that age report one (smoking, high blood pressure, ...); that rule fires for ~0.9 % of patients.

Demography and the episode
    age: normal(45, 14) clipped to 16..95 (back-pain consulters peak at 40-60). Sex 52 % female,
    46 % male, 1 % other, 1 % unknown. BMI normal(27.5, 5), 25 % unanswered. Episode length:
    60 % acute (< 28 days), 15 % subacute, 25 % chronic with a tail up to decades (ACP 2017
    phases; a quarter to a third of consulters are chronic). Intensity normal(4.8, 2) on 0..10.
    Trend: 50 % improving, 38 % unchanged, 12 % worsening.

Radicular and neurological symptoms (Konstantinou & Dunn 2008: leg pain below the knee in
a quarter to a third of consulters; bilateral and motor signs are rare)
    leg pain 25 % one side, 0.4 % both sides; leg numbness 8 % one side, 0.3 % both; leg
    weakness 3.5 % stable, 0.7 % progressive, 0.3 % severe (8 % of weak legs bilateral); foot
    drop 0.4 %; gait disturbance 0.2 %. Course when any neurological symptom is present:
    14 % new, 6 % worsening, 36 % stable 2-12 weeks, 38 % stable over 12 weeks, 6 % unanswered
    (unanswered counts as new).

Cauda equina signs (CES is ~0.04 % of primary-care back pain, Greenhalgh 2018; isolated
sphincter and saddle symptoms are more common than the syndrome)
    saddle anaesthesia 0.25 %, urinary retention 0.2 %, urinary incontinence 0.3 %, faecal
    incontinence 0.1 %, new sexual dysfunction 0.2 %.

Serious-cause risk factors (Henschke 2009: 0.9 % serious pathology but ~80 % with at least one
red-flag answer; Downie 2013; Yusuf 2019)
    history of cancer 3 %, unexplained weight loss 2 %, fever 1.2 %, IV drug use 0.3 %,
    immunosuppressed 1.5 %, long-term corticosteroids 1.5 %, recent bacterial infection 1.2 %,
    recent spinal procedure 0.8 %, diabetes 8 %, major trauma 1.2 % (70 % more than a week ago),
    minor trauma 20 %, osteoporosis 1 % (15 % at 65 and over), previous vertebral fracture 1.5 %,
    structural deformity 0.2 %, night pain 7 %, unrelenting pain 3 %, thoracic pain 6 %, sudden
    severe onset 3 %, abdominal pain 3 %, collapse or fainting 0.1 %, pulsatile mass 0.03 %,
    known aortic aneurysm 0.1 % (1 % at 65 and over). Pregnant: 6 % of women aged 18-45.

AAA risk factors (NICE NG156 1.1.2; what people report, by age under 45 / 45-64 / 65 and over:
rough orders of magnitude from UK population surveys)
    smokes or smoked 30 / 45 / 55 %, cardiovascular disease 1 / 5 / 18 %, high blood pressure
    5 / 20 / 45 %, high cholesterol 3 / 15 / 30 %, COPD 0.5 / 2.5 / 6 %, a parent, brother or
    sister with an aortic aneurysm 1 / 2 / 2 %.

Inflammatory back pain (NICE NG65)
    each of the eight listed features ~7 % (so 3 or more features is rare), first back pain age
    answered by 60 %, HLA-B27 answered by 15 % (mostly negative).

Missing answers
    every core safety question (clinical.md principle 3) is left unanswered by 1 % of
    patients each (so ~8 % have an incomplete screen), half absent and half ``null``; other
    symptom questions 4 % each. STarT Back: 85 % answer all nine items, 5 % some, 10 % none;
    answers follow two latent scores (physical, distress). Scored patients come out about 41 %
    low, 36 % medium and 23 % high risk: lower-risk than Hill 2011's trial (26/46/28), as a
    self-referral population would be. 12 % have been reviewed by a clinician this episode;
    for each of them the clinician has cleared, each with chance one half, the ``soon`` flags
    their answers raise among cancer_history, malignancy_weight_loss_age,
    infection_risk_factor, fracture_fragility (which may have fired at urgent, where a
    clearance is not applied), neuro_stable_weakness and radicular_sensory (clinical.md
    section 3), so ~1 % carry ``clinician_cleared_flags``.

Work: off work or unable to do the usual work because of back pain 20 % under 67, 2 % from 67
(a design choice).

Preferences: 30 % list one or two preferred built-in activities, 10 % one to avoid.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from spinerules.policy import CORE_SAFETY_QUESTIONS

__all__ = ["ACTIVITY_IDS", "CORE_SAFETY_QUESTIONS", "DEFAULT_SEED", "generate", "iter_patients"]

DEFAULT_SEED = 20260426

#: Built-in exercise ids (clinical.md section 6), for preferred and avoided activities (C5:
#: advice and comfort items cannot be preferred or avoided).
ACTIVITY_IDS = (
    "walking",
    "running",
    "core_stability",
    "strength_and_walking",
    "yoga",
    "tai_chi",
    "group_exercise",
)

_AXSPA_LISTED = (
    "wakes_second_half_of_night",
    "buttock_pain",
    "improves_with_movement",
    "improves_with_nsaids_48h",
    "family_history_spa",
    "arthritis_history",
    "enthesitis_history",
    "psoriasis_history",
)
#: NG156 1.1.2 risk factors for an aortic aneurysm, by age band (under 45, 45-64, 65 and over).
_AAA_RISK_FACTORS = (
    ("smokes_or_smoked", (0.30, 0.45, 0.55)),
    ("cardiovascular_disease", (0.01, 0.05, 0.18)),
    ("hypertension", (0.05, 0.20, 0.45)),
    ("high_cholesterol", (0.03, 0.15, 0.30)),
    ("copd", (0.005, 0.025, 0.06)),
    ("family_history_aaa", (0.01, 0.02, 0.02)),
)
_CORE_MISSING = 0.01
_OTHER_MISSING = 0.04
_ABSENT = object()


def _missing(rng: random.Random, p: float) -> Any:
    """``_ABSENT`` (leave the key out) or ``None`` when the question goes unanswered, else False."""
    if rng.random() < p:
        return _ABSENT if rng.random() < 0.5 else None
    return False


def _bool(rng: random.Random, name: str, p_true: float) -> Any:
    if rng.random() < p_true:
        return True
    return _missing(rng, _CORE_MISSING if name in CORE_SAFETY_QUESTIONS else _OTHER_MISSING)


def _pick(rng: random.Random, table: tuple[tuple[Any, float], ...]) -> Any:
    roll, total = rng.random(), 0.0
    for value, p in table:
        total += p
        if roll < total:
            return value
    return table[-1][0]


def _sides(rng: random.Random, name: str, one: float, both: float) -> Any:
    value = _pick(rng, (("one_side", one), ("both_sides", both), ("none", 1.0)))
    if value == "none":
        p = _CORE_MISSING if name in CORE_SAFETY_QUESTIONS else _OTHER_MISSING
        if rng.random() < p:
            return _ABSENT if rng.random() < 0.5 else None
    return value


def _duration(rng: random.Random) -> int:
    phase = rng.random()
    if phase < 0.60:
        return rng.randint(0, 27)
    if phase < 0.75:
        return rng.randint(28, 84)
    return min(36500, int(85 + rng.expovariate(1 / 600)))


def _startback(rng: random.Random) -> Any:
    roll = rng.random()
    if roll < 0.10:
        return _ABSENT
    distress = rng.gauss(0.0, 1.0)
    physical = rng.gauss(0.0, 1.0)

    def agree(latent: float, offset: float) -> bool:
        return rng.random() < 1 / (1 + 2.718281828 ** -(1.6 * latent + offset))

    items: dict[str, Any] = {}
    for n in range(1, 5):  # physical items (leg pain, neck, walking, dressing)
        items[f"item{n}"] = agree(physical, 0.1)
    for n in range(5, 9):  # psychosocial items
        items[f"item{n}"] = agree(distress, -0.6)
    bother = distress + rng.gauss(0.0, 0.7)
    items["item9"] = (
        "not_at_all"
        if bother < -1.6
        else "slightly"
        if bother < -0.6
        else "moderately"
        if bother < 0.4
        else "very_much"
        if bother < 1.4
        else "extremely"
    )
    if roll < 0.15:  # partial answers: drop two to four items
        for key in rng.sample(sorted(items), rng.randint(2, 4)):
            del items[key]
    return items


def _patient(rng: random.Random) -> dict[str, Any]:
    d: dict[str, Any] = {}
    age = max(16, min(95, round(rng.gauss(45, 14))))
    d["age"] = age
    d["sex"] = _pick(rng, (("female", 0.52), ("male", 0.46), ("other", 0.01), ("unknown", 0.01)))
    female = d["sex"] == "female"
    older = age >= 65
    if rng.random() < 0.75:
        d["bmi"] = round(max(15.0, min(60.0, rng.gauss(27.5, 5.0))), 1)
    d["pregnant"] = (female and 18 <= age <= 45 and rng.random() < 0.06) or _missing(rng, 0.2)
    d["pain_duration_days"] = _duration(rng)
    if rng.random() < 0.95:
        d["pain_intensity"] = max(0, min(10, round(rng.gauss(4.8, 2.0))))
    if rng.random() < 0.93:
        d["pain_trend"] = _pick(
            rng, (("improving", 0.50), ("unchanged", 0.38), ("worsening", 0.12))
        )
    if rng.random() < 0.60:
        d["first_back_pain_age"] = rng.randint(max(10, age - 40), age)

    d["sudden_severe_onset"] = _bool(rng, "sudden_severe_onset", 0.03)
    d["unrelenting_pain"] = _bool(rng, "unrelenting_pain", 0.03)
    d["night_pain"] = _bool(rng, "night_pain", 0.07)
    d["thoracic_pain"] = _bool(rng, "thoracic_pain", 0.06)
    d["leg_pain"] = _sides(rng, "leg_pain", 0.25, 0.004)
    d["leg_numbness_or_tingling"] = _sides(rng, "leg_numbness_or_tingling", 0.08, 0.003)
    weakness = _pick(
        rng, (("stable", 0.035), ("progressive", 0.007), ("severe", 0.003), ("none", 1.0))
    )
    if weakness == "none" and rng.random() < _CORE_MISSING:
        d["leg_weakness"] = None
    else:
        d["leg_weakness"] = weakness
        if weakness != "none":
            d["leg_weakness_sides"] = "both_sides" if rng.random() < 0.08 else "one_side"
    d["foot_drop"] = _bool(rng, "foot_drop", 0.004)
    d["gait_disturbance"] = _bool(rng, "gait_disturbance", 0.002)
    d["saddle_anaesthesia"] = _bool(rng, "saddle_anaesthesia", 0.0025)
    d["urinary_retention"] = _bool(rng, "urinary_retention", 0.002)
    d["urinary_incontinence"] = _bool(rng, "urinary_incontinence", 0.003)
    d["faecal_incontinence"] = _bool(rng, "faecal_incontinence", 0.001)
    d["sexual_dysfunction_new"] = _bool(rng, "sexual_dysfunction_new", 0.002)
    neuro = any(
        d.get(k) not in (None, "none", False, _ABSENT)
        for k in (
            "leg_pain",
            "leg_numbness_or_tingling",
            "leg_weakness",
            "foot_drop",
            "gait_disturbance",
            "saddle_anaesthesia",
            "urinary_retention",
            "urinary_incontinence",
            "faecal_incontinence",
            "sexual_dysfunction_new",
        )
    )
    if neuro:
        course = _pick(
            rng,
            (
                ("new", 0.14),
                ("worsening", 0.06),
                ("stable_2_to_12_weeks", 0.36),
                ("stable_over_12_weeks", 0.38),
                (None, 1.0),
            ),
        )
        if course is not None:
            d["neuro_symptoms_course"] = course

    d["history_of_cancer"] = _bool(rng, "history_of_cancer", 0.03)
    d["unexplained_weight_loss"] = _bool(rng, "unexplained_weight_loss", 0.02)
    d["fever"] = _bool(rng, "fever", 0.012)
    d["iv_drug_use"] = _bool(rng, "iv_drug_use", 0.003)
    d["immunosuppressed"] = _bool(rng, "immunosuppressed", 0.015)
    d["long_term_corticosteroids"] = _bool(rng, "long_term_corticosteroids", 0.015)
    d["recent_bacterial_infection"] = _bool(rng, "recent_bacterial_infection", 0.012)
    d["recent_spinal_procedure"] = _bool(rng, "recent_spinal_procedure", 0.008)
    d["diabetes"] = _bool(rng, "diabetes", 0.08)
    d["major_trauma"] = _bool(rng, "major_trauma", 0.012)
    d["minor_trauma"] = _bool(rng, "minor_trauma", 0.20)
    if (d["major_trauma"] is True or d["minor_trauma"] is True) and rng.random() < 0.9:
        recent = rng.random() < (0.3 if d["major_trauma"] is True else 0.6)
        d["trauma_days_ago"] = rng.randint(0, 7) if recent else rng.randint(8, 400)
    d["osteoporosis"] = _bool(rng, "osteoporosis", 0.15 if older else 0.01)
    d["previous_vertebral_fracture"] = _bool(rng, "previous_vertebral_fracture", 0.015)
    d["structural_deformity"] = _bool(rng, "structural_deformity", 0.002)
    d["abdominal_pain"] = _bool(rng, "abdominal_pain", 0.03)
    d["collapse_or_fainting"] = _bool(rng, "collapse_or_fainting", 0.001)
    d["pulsatile_abdominal_mass"] = _bool(rng, "pulsatile_abdominal_mass", 0.0003)
    d["known_aortic_aneurysm"] = _bool(rng, "known_aortic_aneurysm", 0.01 if older else 0.001)

    features = [f for f in _AXSPA_LISTED if rng.random() < 0.07]
    onset = d.get("first_back_pain_age")
    if onset is None and rng.random() < 0.15:
        features.append("onset_before_35")  # only listed by hand when the age is unknown
    if features or rng.random() < 0.7:
        d["axspa_features"] = features
    if rng.random() < 0.15:
        d["hla_b27"] = _pick(rng, (("positive", 0.1), ("negative", 0.8), ("unknown", 1.0)))
    d["ibd_history"] = _bool(rng, "ibd_history", 0.01)
    d["uveitis_history"] = _bool(rng, "uveitis_history", 0.01)

    d["startback"] = _startback(rng)
    d["clinician_reviewed_this_episode"] = rng.random() < 0.12 or _missing(rng, 0.3)
    if rng.random() < 0.7:
        d["can_walk_minutes"] = 0 if rng.random() < 0.01 else rng.randint(1, 120)
    if rng.random() < 0.8:
        d["days_mostly_sitting_last_week"] = rng.randint(0, 7)
    d["currently_runs"] = (age < 60 and rng.random() < 0.18) or _missing(rng, 0.1)
    d["balance_problems"] = rng.random() < (0.15 if older else 0.03) or _missing(rng, 0.1)
    if rng.random() < 0.30:
        d["preferred_activities"] = rng.sample(ACTIVITY_IDS, rng.randint(1, 2))
    if rng.random() < 0.10:
        preferred = d.get("preferred_activities", [])
        d["avoid_activities"] = rng.sample([a for a in ACTIVITY_IDS if a not in preferred], 1)

    # Revision 3 fields, drawn after every earlier answer so that those stay as they were.
    band = 0 if age < 45 else 1 if age < 65 else 2
    for name, by_band in _AAA_RISK_FACTORS:
        d[name] = _bool(rng, name, by_band[band])
    d["off_work_due_to_back_pain"] = _bool(
        rng, "off_work_due_to_back_pain", 0.2 if age < 67 else 0.02
    )
    if d["clinician_reviewed_this_episode"] is True:
        cleared = [flag for flag, held in _clearable(d) if held and rng.random() < 0.5]
        if cleared:
            d["clinician_cleared_flags"] = cleared
    return {k: v for k, v in d.items() if v is not _ABSENT}


def _clearable(d: dict[str, Any]) -> tuple[tuple[str, bool], ...]:
    """(red-flag id, whether the answers raise it) for the ``soon`` flags a clinician clears
    most often (clinical.md section 3); ``fracture_fragility`` may have fired at ``urgent``,
    where the clearance is not applied."""
    fragile = any(
        d.get(k) is True
        for k in ("osteoporosis", "long_term_corticosteroids", "previous_vertebral_fracture")
    )
    return (
        ("cancer_history", d.get("history_of_cancer") is True),
        ("malignancy_weight_loss_age", d.get("unexplained_weight_loss") is True and d["age"] >= 50),
        (
            "infection_risk_factor",
            any(
                d.get(k) is True
                for k in (
                    "iv_drug_use",
                    "immunosuppressed",
                    "long_term_corticosteroids",
                    "recent_bacterial_infection",
                )
            ),
        ),
        ("fracture_fragility", d.get("minor_trauma") is True and (fragile or d["age"] >= 70)),
        ("neuro_stable_weakness", d.get("leg_weakness") == "stable"),
        ("radicular_sensory", d.get("leg_numbness_or_tingling") == "one_side"),
    )


def iter_patients(n: int, seed: int = DEFAULT_SEED) -> Iterator[dict[str, Any]]:
    """The first ``n`` patients of the seeded stream, one at a time (for large batches)."""
    rng = random.Random(seed)
    for _ in range(n):
        yield _patient(rng)


def generate(n: int, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """The first ``n`` patients of the seeded stream."""
    return list(iter_patients(n, seed))


if __name__ == "__main__":  # a quick look: python benchmarks/population.py [N]
    import json
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for patient in generate(count):
        print(json.dumps(patient, sort_keys=True))
