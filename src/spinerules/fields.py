"""The patient-state vocabulary as data.

Validation, the JSON Schema, questionnaires and the rule-base checks all read this one table, so
a field added here cannot be validated one way and documented another. It holds no clinical
logic: what a field means for urgency lives in the rule base.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

__all__ = [
    "ACTIVITY_ID_PATTERN",
    "ASKED_OF",
    "AXSPA_FEATURES",
    "FIELDS",
    "KINDS",
    "STARTBACK_ITEM9_CHOICES",
    "STARTBACK_ITEMS",
    "FieldSpec",
]

KINDS = ("bool", "int", "float", "enum", "set", "list", "startback")


ASKED_OF = ("person", "clinician")


@attrs.frozen(cache_hash=True)
class FieldSpec:
    """One field of the public JSON form.

    ``description`` is the "meaning" column of clinical.md section 2 (what the field records);
    ``question`` is how a person is asked it, in lay words (principle 10), and defaults to the
    description. ``asked_of`` is ``clinician`` for findings only a clinician can give
    (``pulsatile_abdominal_mass``, ``hla_b27``): formats list those for a clinician instead of
    asking the person.
    """

    name: str
    kind: str = attrs.field(validator=attrs.validators.in_(KINDS))
    description: str
    required: bool = False
    minimum: int | float | None = None
    maximum: int | float | None = None
    choices: tuple[str, ...] = ()
    question: str = attrs.field(default="")
    asked_of: str = attrs.field(default="person", validator=attrs.validators.in_(ASKED_OF))
    items: str = "ids"  # what a list field holds, for messages ("activity ids")

    def __attrs_post_init__(self) -> None:
        if not self.question:
            object.__setattr__(self, "question", self.description)

    def expected(self, *, table: bool = False) -> str:
        """The "expected ..." half of an error message: for the JSON form, or (``table``) for
        a CSV/Parquet cell, where booleans take any case, values are unquoted and an empty
        cell is "not answered". One phrasing for both, so a row and a table say the same."""
        show = str if table else repr
        if self.kind == "bool":
            text = "true or false (in any case)" if table else "true or false"
        elif self.kind in ("int", "float"):
            noun = "an integer" if self.kind == "int" else "a number"
            text = f"{noun} {self.minimum}..{self.maximum}"
        elif self.kind == "enum":
            text = "one of " + ", ".join(map(show, self.choices))
        elif table:
            text = "a list"
        elif self.kind == "set":
            text = "a list of distinct ids from " + ", ".join(map(show, self.choices))
        elif self.kind == "list":
            text = f"a list of distinct snake_case {self.items}"
        else:
            text = "an object with keys " + ", ".join(map(show, STARTBACK_ITEMS))
        if self.required:
            return text
        return text + (" (or blank for not answered)" if table else " (or null for not asked)")


#: NICE NG65's "back pain that started before the age of 35", a feature the vocabulary derives
#: from ``first_back_pain_age``. Part of the vocabulary (the feature's id says 35), not a
#: ``Thresholds`` cut-off: validation runs before any thresholds are chosen (decisions.md).
AXSPA_ONSET_FEATURE = "onset_before_35"
AXSPA_ONSET_AGE = 35

AXSPA_FEATURES: tuple[str, ...] = (
    AXSPA_ONSET_FEATURE,
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


def _bool(name: str, description: str, question: str = "", **extra: Any) -> FieldSpec:
    return FieldSpec(name, "bool", description, question=question, **extra)


def _int(
    name: str, description: str, maximum: int, question: str = "", *, minimum: int = 0
) -> FieldSpec:
    return FieldSpec(name, "int", description, minimum=minimum, maximum=maximum, question=question)


def _enum(
    name: str, description: str, *choices: str, question: str = "", **extra: Any
) -> FieldSpec:
    return FieldSpec(name, "enum", description, choices=choices, question=question, **extra)


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

# Descriptions follow the "meaning" column of clinical.md section 2; questions are how a
# person is asked (principle 10: lay words, reading grade 8 or lower).
FIELDS: Mapping[str, FieldSpec] = _specs(
    FieldSpec(
        "age",
        "int",
        "years",
        required=True,
        minimum=16,
        maximum=120,
        question="How old are you?",
    ),
    _enum("sex", "sex", "female", "male", "other", "unknown", question="What is your sex?"),
    FieldSpec(
        "bmi",
        "float",
        "body-mass index",
        minimum=10,
        maximum=80,
        question="What is your body-mass index (BMI)?",
    ),
    _bool("pregnant", "pregnant now", "Are you pregnant?"),
    FieldSpec(
        "pain_duration_days",
        "int",
        "length of this episode of back pain",
        required=True,
        minimum=0,
        maximum=36500,
        question="How many days ago did this back pain start?",
    ),
    _int(
        "pain_intensity",
        "average pain last week, 0–10",
        10,
        "How bad was your pain on average last week, from 0 (none) to 10 (worst)?",
    ),
    _enum(
        "pain_trend",
        "over the last 2 weeks",
        "improving",
        "unchanged",
        "worsening",
        question="Over the last 2 weeks, is your pain getting better, the same, or worse?",
    ),
    _int(
        "first_back_pain_age",
        "age when back pain first ever began (axSpA screen); never derived",
        120,
        "How old were you when you first ever had back pain?",
    ),
    _bool(
        "sudden_severe_onset",
        "this pain came on suddenly and severely (within minutes to an hour)",
        "Did this pain come on suddenly and badly, within minutes to an hour?",
    ),
    _bool(
        "unrelenting_pain",
        "constant pain, no position or rest eases it (the seed article's flag)",
        "Is the pain there all the time, with no position or rest that eases it?",
    ),
    _bool(
        "night_pain",
        "pain that wakes the person or is worse lying down at night",
        "Does the pain wake you at night, or get worse when you lie down at night?",
    ),
    _bool(
        "thoracic_pain",
        "pain in the upper or middle back",
        "Do you have pain in your upper or middle back?",
    ),
    _enum(
        "leg_pain",
        "pain spreading below the knee",
        *_SIDES,
        question="Does pain spread down below your knee? In one leg or both?",
    ),
    _enum(
        "leg_numbness_or_tingling",
        "numbness or tingling in a leg",
        *_SIDES,
        question="Do you have numbness or pins and needles in a leg? In one leg or both?",
    ),
    _enum(
        "leg_weakness",
        "`progressive` = getting worse; `severe` = leg gives way, cannot walk on heels or toes",
        "none",
        "stable",
        "progressive",
        "severe",
        question=(
            "Is a leg weak? Is the weakness the same, getting worse, or so bad that the "
            "leg gives way?"
        ),
    ),
    _enum(
        "leg_weakness_sides",
        "which legs are weak",
        "one_side",
        "both_sides",
        question="Is the weakness in one leg or both?",
    ),
    _enum(
        "neuro_symptoms_course",
        "for any leg, saddle, bladder, bowel or sexual symptom: `new` = began in the last 2 weeks",
        "new",
        "worsening",
        "stable_2_to_12_weeks",
        "stable_over_12_weeks",
        question=(
            "Did your leg, bladder, bowel or numbness problems start in the last 2 weeks, "
            "are they getting worse, or have they stayed the same for longer?"
        ),
    ),
    _bool(
        "foot_drop",
        "the foot slaps or drags; cannot lift the front of the foot",
        "Does a foot slap or drag, so you cannot lift the front of it?",
    ),
    _bool(
        "gait_disturbance",
        "new unsteadiness, legs giving way, tripping, or walking changed because the legs "
        "feel weak or numb — not only because walking hurts",
        "Has your walking changed because your legs feel weak or numb, so you are unsteady "
        "or trip (not just because walking hurts)?",
    ),
    _bool(
        "saddle_anaesthesia",
        "numbness or tingling around the anus, genitals or inner thighs",
        "Do you have numbness or tingling around your bottom, genitals or inner thighs?",
    ),
    _bool(
        "urinary_retention",
        "new difficulty starting to pass urine, or not feeling the bladder fill or the urine pass",
        "Do you have new trouble starting to pee, or can you not feel when your bladder is "
        "full or when you pee?",
    ),
    _bool(
        "urinary_incontinence",
        "new leaking without warning or without feeling it "
        "(not leaking only on coughing or sneezing)",
        "Do you leak pee without warning or without feeling it? (Not just when you cough or "
        "sneeze.)",
    ),
    _bool(
        "faecal_incontinence",
        "new loss of bowel control, or not feeling the bowel",
        "Have you lost control of your bowels, or can you not feel when you poo?",
    ),
    _bool(
        "sexual_dysfunction_new",
        "new loss of genital sensation or erection",
        "Have you lost feeling in your genitals, or lost erections, since the pain began?",
    ),
    _bool(
        "history_of_cancer",
        "any past cancer except non-melanoma skin cancer",
        "Have you ever had cancer? (Leave out simple skin cancer that was not melanoma.)",
    ),
    _bool(
        "unexplained_weight_loss",
        "losing weight without trying",
        "Are you losing weight without trying?",
    ),
    _bool(
        "fever",
        "measured temperature 38 °C or more, or shaking chills (rigors)",
        "Do you have a fever of 38 °C or more, or shaking chills?",
    ),
    _bool("iv_drug_use", "injects drugs, now or recently", "Do you inject drugs, now or recently?"),
    _bool(
        "immunosuppressed",
        "HIV, chemotherapy, transplant or other immune-suppressing drugs",
        "Is your immune system weak, for example from HIV, chemotherapy, a transplant or "
        "medicines that lower it?",
    ),
    _bool(
        "long_term_corticosteroids",
        "steroid tablets for 3 months or more",
        "Have you taken steroid tablets for 3 months or more?",
    ),
    _bool(
        "recent_bacterial_infection",
        "e.g. urinary, skin or blood infection in the last 3 months",
        "Have you had an infection (for example of the bladder, skin or blood) in the last "
        "3 months?",
    ),
    _bool(
        "recent_spinal_procedure",
        "spinal surgery or injection in the last 3 months",
        "Have you had back surgery or a spine injection in the last 3 months?",
    ),
    _bool("diabetes", "diabetes", "Do you have diabetes?"),
    _bool(
        "major_trauma",
        "a dangerous mechanism: fall from over 1 metre or 5 stairs, high-speed road collision, "
        "rollover, ejection",
        "Did the pain start after a bad injury, such as a fall from a height or down 5 or "
        "more stairs, or a fast car crash?",
    ),
    _bool(
        "minor_trauma",
        "a minor fall, or a strenuous lift or twist, just before this pain began",
        "Did the pain start just after a small fall, or a heavy lift or twist?",
    ),
    _int(
        "trauma_days_ago",
        "days since that trauma; unknown counts as recent",
        36500,
        "How many days ago was that fall or injury?",
    ),
    _bool(
        "osteoporosis",
        "thin or weak bones (osteoporosis)",
        "Have you been told you have thin or weak bones (osteoporosis)?",
    ),
    _bool(
        "previous_vertebral_fracture",
        "a broken bone in the spine before",
        "Have you broken a bone in your spine before?",
    ),
    _bool(
        "structural_deformity",
        "new visible change in the shape of the spine",
        "Has the shape of your back changed in a way you can see?",
    ),
    _bool(
        "abdominal_pain",
        "pain in the tummy (abdomen) with this back pain",
        "Do you have pain in your tummy as well as your back?",
    ),
    _bool(
        "collapse_or_fainting",
        "collapsed or fainted with this pain",
        "Have you collapsed or fainted with this pain?",
    ),
    _bool(
        "pulsatile_abdominal_mass",
        "a clinician's finding (never asked of the person)",
        "A pulsing lump in the abdomen on examination",
        asked_of="clinician",
    ),
    _bool(
        "known_aortic_aneurysm",
        "a doctor has told you that you have an aortic aneurysm",
        "Has a doctor told you that you have an aortic aneurysm (a swollen main blood vessel)?",
    ),
    _bool(
        "smokes_or_smoked",
        "you smoke, or used to smoke (AAA risk factor, NG156)",
        "Do you smoke, or did you smoke in the past?",
    ),
    _bool(
        "cardiovascular_disease",
        "heart disease, a past stroke or mini-stroke, or narrowed leg arteries",
        "Do you have heart disease, or have you had a stroke or mini-stroke, or narrow "
        "arteries in your legs?",
    ),
    _bool("hypertension", "high blood pressure", "Do you have high blood pressure?"),
    _bool("high_cholesterol", "high cholesterol", "Do you have high cholesterol?"),
    _bool(
        "copd",
        "COPD (long-term lung disease such as emphysema or chronic bronchitis)",
        "Do you have COPD, a long-term lung disease such as emphysema?",
    ),
    _bool(
        "family_history_aaa",
        "a parent, brother or sister has had an aortic aneurysm",
        "Has a parent, brother or sister had an aortic aneurysm?",
    ),
    FieldSpec(
        "axspa_features",
        "set",
        "NICE NG65 axial spondyloarthritis features present; onset_before_35 is derived "
        "when first_back_pain_age is known",
        choices=AXSPA_FEATURES,
        question="Which of these fit your back pain (for inflammatory back pain)?",
    ),
    _enum(
        "hla_b27",
        "a blood-test result (a clinician's finding)",
        "positive",
        "negative",
        "unknown",
        question="HLA-B27 blood test result",
        asked_of="clinician",
    ),
    _bool(
        "ibd_history",
        "inflammatory bowel disease (axSpA safety-netting only; not counted as a criterion)",
        "Have you had Crohn's disease or colitis?",
    ),
    _bool(
        "uveitis_history",
        "uveitis (axSpA safety-netting only; not counted as a criterion)",
        "Have you had uveitis (a painful red eye)?",
    ),
    FieldSpec(
        "startback",
        "startback",
        "Keele STarT Back Tool answers, paraphrased (tool © Keele University)",
        question="The STarT Back questions",
    ),
    _bool(
        "clinician_reviewed_this_episode",
        "a clinician has already assessed this episode",
        "Has a doctor or physiotherapist already checked this back pain?",
    ),
    FieldSpec(
        "clinician_cleared_flags",
        "list",
        "entered by a clinician only: `soon` red flags whose serious cause the clinician has "
        "considered and excluded or is managing, so exercise is cleared (clinical.md section 3)",
        question="Red flags a clinician has checked and cleared for exercise",
        asked_of="clinician",
        items="red-flag ids",
    ),
    _bool(
        "off_work_due_to_back_pain",
        "off work, or unable to do your usual work, because of back pain",
        "Are you off work, or unable to do your usual work, because of back pain?",
    ),
    _int(
        "can_walk_minutes",
        "how long the person can walk now, in minutes",
        600,
        "How many minutes can you walk now?",
    ),
    _int(
        "days_mostly_sitting_last_week",
        "days spent mostly sitting or lying down",
        7,
        "Last week, on how many days did you mostly sit or lie down?",
    ),
    _bool(
        "currently_runs",
        "runs or jogs at least weekly",
        "Do you run or jog at least once a week?",
    ),
    _bool(
        "balance_problems",
        "problems with balance, or falls",
        "Do you have problems with balance, or falls?",
    ),
    FieldSpec(
        "preferred_activities",
        "list",
        "activity ids the person would like, most preferred first",
        question="Which activities would you like to do?",
        items="activity ids",
    ),
    FieldSpec(
        "avoid_activities",
        "list",
        "activity ids the person wants to avoid",
        question="Which activities do you want to avoid?",
        items="activity ids",
    ),
)
