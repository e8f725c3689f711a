"""The patient-state vocabulary as data.

Validation, the JSON Schema, questionnaires and the rule-base checks all read this one table, so
a field added here cannot be validated one way and documented another. It holds no clinical
logic: what a field means for urgency lives in the rule base.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import attrs

__all__ = [
    "ACTIVITY_ID_PATTERN",
    "AXSPA_FEATURES",
    "FIELDS",
    "KINDS",
    "STARTBACK_ITEM9_CHOICES",
    "STARTBACK_ITEMS",
    "FieldSpec",
]

KINDS = ("bool", "int", "float", "enum", "set", "list", "startback")


@attrs.frozen
class FieldSpec:
    """One field of the public JSON form; ``description`` is the wording a questionnaire asks."""

    name: str
    kind: str = attrs.field(validator=attrs.validators.in_(KINDS))
    description: str
    required: bool = False
    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: tuple[str, ...] = ()


AXSPA_FEATURES: tuple[str, ...] = (
    "onset_before_35",
    "wakes_second_half_of_night",
    "buttock_pain",
    "improves_with_movement",
    "improves_with_nsaids_48h",
    "family_history_spa",
    "arthritis_history",
    "enthesitis_history",
    "psoriasis_history",
)

STARTBACK_ITEM9_CHOICES: tuple[str, ...] = (
    "not_at_all",
    "slightly",
    "moderately",
    "very_much",
    "extremely",
)

# Activity ids are checked against the rule base later; this only keeps typos such as
# "Walking " or "tai-chi" from reaching it. ECMA-262 semantics: "$" is the end of the string.
ACTIVITY_ID_PATTERN = "^[a-z][a-z0-9_]*$"

_SIDES = ("none", "one_side", "both_sides")


def _specs(*specs: FieldSpec) -> Mapping[str, FieldSpec]:
    return MappingProxyType({spec.name: spec for spec in specs})


def _bool(name: str, description: str) -> FieldSpec:
    return FieldSpec(name, "bool", description)


def _int(name: str, description: str, maximum: int, *, minimum: int = 0) -> FieldSpec:
    return FieldSpec(name, "int", description, minimum=minimum, maximum=maximum)


def _enum(name: str, description: str, *choices: str) -> FieldSpec:
    return FieldSpec(name, "enum", description, choices=choices)


# The Keele item wording is licensed and must not ship: these are topic paraphrases only.
STARTBACK_ITEMS: Mapping[str, FieldSpec] = _specs(
    _bool("item1", "back pain has spread down a leg in the last 2 weeks"),
    _bool("item2", "shoulder or neck pain in the last 2 weeks"),
    _bool("item3", "has walked only short distances because of the back pain"),
    _bool("item4", "has dressed more slowly than usual because of the back pain"),
    _bool("item5", "thinks being physically active is not really safe with this condition"),
    _bool("item6", "worrying thoughts much of the time"),
    _bool("item7", "feels the back pain is terrible and will never get better"),
    _bool("item8", "has not enjoyed the things they used to enjoy"),
    _enum(
        "item9",
        "how bothersome the back pain has been over the last 2 weeks",
        *STARTBACK_ITEM9_CHOICES,
    ),
)

FIELDS: Mapping[str, FieldSpec] = _specs(
    FieldSpec("age", "int", "age in years", required=True, minimum=16, maximum=120),
    _enum("sex", "sex", "female", "male", "other", "unknown"),
    FieldSpec("bmi", "float", "body-mass index", minimum=10, maximum=80),
    _bool("pregnant", "currently pregnant"),
    FieldSpec(
        "pain_duration_days",
        "int",
        "length of this episode of back pain, in days",
        required=True,
        minimum=0,
        maximum=36500,
    ),
    _int("pain_intensity", "average pain last week, 0–10", 10),
    _enum(
        "pain_trend",
        "how the pain has changed over the last 2 weeks",
        "improving",
        "unchanged",
        "worsening",
    ),
    _int(
        "first_back_pain_age",
        "age when back pain first ever began (axSpA screen); never derived; at most age",
        120,
    ),
    _bool(
        "sudden_severe_onset",
        "this pain came on suddenly and severely (within minutes to an hour)",
    ),
    _bool("unrelenting_pain", "constant pain, no position or rest eases it"),
    _bool("night_pain", "pain that wakes the person or is worse lying down at night"),
    _bool("thoracic_pain", "pain in the upper or middle back"),
    _enum("leg_pain", "pain spreading below the knee", *_SIDES),
    _enum("leg_numbness_or_tingling", "numbness or tingling in a leg", *_SIDES),
    _enum(
        "leg_weakness",
        "weakness in a leg: progressive = getting worse; "
        "severe = leg gives way, cannot walk on heels or toes",
        "none",
        "stable",
        "progressive",
        "severe",
    ),
    _enum("leg_weakness_sides", "which legs are weak", "one_side", "both_sides"),
    _enum(
        "neuro_symptoms_course",
        "for any leg, saddle, bladder, bowel or sexual symptom: new = began in the last 2 weeks",
        "new",
        "worsening",
        "stable_2_to_12_weeks",
        "stable_over_12_weeks",
    ),
    _bool("foot_drop", "the foot slaps or drags; cannot lift the front of the foot"),
    _bool(
        "gait_disturbance",
        "new unsteadiness, legs giving way, tripping, or walking changed because the legs "
        "feel weak or numb — not only because walking hurts",
    ),
    _bool("saddle_anaesthesia", "numbness or tingling around the anus, genitals or inner thighs"),
    _bool(
        "urinary_retention",
        "new difficulty starting to pass urine, or not feeling the bladder fill or the urine pass",
    ),
    _bool(
        "urinary_incontinence",
        "new leaking without warning or without feeling it "
        "(not leaking only on coughing or sneezing)",
    ),
    _bool("faecal_incontinence", "new loss of bowel control, or not feeling the bowel"),
    _bool("sexual_dysfunction_new", "new loss of genital sensation or erection"),
    _bool("history_of_cancer", "any past cancer except non-melanoma skin cancer"),
    _bool("unexplained_weight_loss", "weight loss without trying"),
    _bool("fever", "measured temperature 38 °C or more, or shaking chills (rigors)"),
    _bool("iv_drug_use", "injects drugs"),
    _bool("immunosuppressed", "HIV, chemotherapy, transplant or other immune-suppressing drugs"),
    _bool("long_term_corticosteroids", "steroid tablets for 3 months or more"),
    _bool(
        "recent_bacterial_infection",
        "e.g. urinary, skin or blood infection in the last 3 months",
    ),
    _bool("recent_spinal_procedure", "spinal surgery or injection in the last 3 months"),
    _bool("diabetes", "has diabetes"),
    _bool(
        "major_trauma",
        "a dangerous mechanism: fall from over 1 metre or 5 stairs, high-speed road collision, "
        "rollover, ejection",
    ),
    _bool(
        "minor_trauma",
        "a minor fall, or a strenuous lift or twist, just before this pain began",
    ),
    _int("trauma_days_ago", "days since that trauma; unknown counts as recent", 36500),
    _bool("osteoporosis", "has osteoporosis"),
    _bool("previous_vertebral_fracture", "has broken a vertebra before"),
    _bool("structural_deformity", "new visible change in the shape of the spine"),
    _bool("abdominal_pain", "pain in the abdomen"),
    _bool("collapse_or_fainting", "collapsed or fainted with this pain"),
    _bool("pulsatile_abdominal_mass", "a pulsating mass in the abdomen (a clinician's finding)"),
    _bool("known_aortic_aneurysm", "has a known abdominal aortic aneurysm"),
    FieldSpec(
        "axspa_features",
        "set",
        "NICE NG65 axial spondyloarthritis features present; onset_before_35 is derived "
        "when first_back_pain_age is known",
        choices=AXSPA_FEATURES,
    ),
    _enum("hla_b27", "HLA-B27 test result", "positive", "negative", "unknown"),
    _bool(
        "ibd_history",
        "has had inflammatory bowel disease (axSpA safety-netting only; not a criterion)",
    ),
    _bool("uveitis_history", "has had uveitis (axSpA safety-netting only; not a criterion)"),
    FieldSpec(
        "startback",
        "startback",
        "Keele STarT Back Tool answers, paraphrased (tool © Keele University)",
    ),
    _bool("clinician_reviewed_this_episode", "a clinician has already assessed this episode"),
    _int("can_walk_minutes", "how long the person can walk now, in minutes", 600),
    _int(
        "days_mostly_sitting_last_week",
        "days last week spent mostly sitting or lying down",
        7,
    ),
    _bool("currently_runs", "runs or jogs at least weekly"),
    _bool("balance_problems", "has problems with balance"),
    FieldSpec(
        "preferred_activities",
        "list",
        "activity ids the person would like, most preferred first",
    ),
    FieldSpec("avoid_activities", "list", "activity ids the person wants to avoid"),
)
