"""Definitions several families share (clinical.md section 2, last paragraph)."""

from __future__ import annotations

from ..conditions import Condition, IsNot, Known, any_of, any_yes, one_of_or_unknown
from ..rules import cite

CES_SIGNS = (
    "saddle_anaesthesia",
    "urinary_retention",
    "urinary_incontinence",
    "faecal_incontinence",
    "sexual_dysfunction_new",
)

#: Principle 7's explicit exception: an unknown course counts as new.
NEW_COURSE: Condition = one_of_or_unknown("neuro_symptoms_course", "new", "worsening")


def neuro_symptom_present() -> Condition:
    """Leg pain, numbness or tingling, weakness, foot drop, gait disturbance or a CES sign."""
    return any_of(
        IsNot("leg_pain", "none"),
        IsNot("leg_numbness_or_tingling", "none"),
        IsNot("leg_weakness", "none"),
        any_yes("foot_drop", "gait_disturbance", *CES_SIGNS),
    )


def neuro_deficit_present() -> Condition:
    """Narrower than a symptom (clinical.md C2): not pain or numbness alone."""
    return any_of(
        IsNot("leg_weakness", "none"), any_yes("foot_drop", "gait_disturbance", *CES_SIGNS)
    )


def new_neuro_symptom() -> Condition:
    return neuro_symptom_present() & NEW_COURSE


def new_neuro_deficit() -> Condition:
    return neuro_deficit_present() & NEW_COURSE


def always() -> Condition:
    """True for every valid patient: ``age`` is a required answer."""
    return Known("age")


CES_EVIDENCE = (cite("ifompt2020"), cite("greenhalgh2018_ces"), cite("nice_cks_lbp"))
