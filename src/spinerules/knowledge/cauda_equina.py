"""Cauda equina syndrome (clinical.md section 4, family ``cauda_equina``).

Each sign is weak alone, but a missed CES costs bladder, bowel and leg function, so any one
acts; "stable for more than 2 weeks" lowers the tier to urgent, never below.
"""

from __future__ import annotations

from ..conditions import Condition, Is, IsNot, all_of, any_of, any_yes, yes
from ..levels import Timeframe, Urgency
from ..rules import Escalation, RedFlag
from ..thresholds import Thresholds
from .common import CES_EVIDENCE, NEW_COURSE

FAMILY = "cauda_equina"
_EMERGENCY_ACTION = (
    "Go to an emergency department now: these can be signs of cauda equina syndrome, "
    "which needs an emergency MRI scan and may need surgery within hours."
)
_URGENT_ACTION = (
    "See a doctor today: a possible cauda equina sign, stable for more than 2 weeks, still "
    "needs urgent assessment and imaging. "
    "Go to an emergency department at once if it gets worse."
)


def _sign(rule_id: str, title: str, condition: Condition) -> RedFlag:
    return RedFlag(
        id=rule_id,
        family=FAMILY,
        title=title,
        tier=Urgency.URGENT,
        action=_URGENT_ACTION,
        condition=condition,
        evidence=CES_EVIDENCE,
        escalations=[Escalation(Urgency.EMERGENCY, NEW_COURSE, action=_EMERGENCY_ACTION)],
    )


def red_flags(t: Thresholds) -> list[RedFlag]:
    bilateral = any_of(
        Is("leg_pain", "both_sides"),
        Is("leg_numbness_or_tingling", "both_sides"),
        all_of(IsNot("leg_weakness", "none"), Is("leg_weakness_sides", "both_sides")),
    )
    return [
        _sign(
            "ces_saddle",
            "Numbness around the back passage, genitals or inner thighs",
            yes("saddle_anaesthesia"),
        ),
        _sign(
            "ces_bladder",
            "New bladder problems",
            any_yes("urinary_retention", "urinary_incontinence"),
        ),
        _sign("ces_bowel", "New loss of bowel control", yes("faecal_incontinence")),
        _sign(
            "ces_sexual", "New loss of genital sensation or erection", yes("sexual_dysfunction_new")
        ),
        RedFlag(
            id="ces_bilateral_legs",
            family=FAMILY,
            title="Symptoms in both legs",
            tier=Urgency.SOON,
            timeframe=Timeframe.WITHIN_1_WEEK,
            action=(
                "Make an appointment with your doctor this week: symptoms in both legs that have "
                "been stable for over 12 weeks still need review. Learn the cauda equina warning "
                "signs below and go to an emergency department at once if any appear."
            ),
            condition=bilateral,
            evidence=CES_EVIDENCE,
            escalations=[
                Escalation(
                    Urgency.URGENT,
                    any_of(
                        Is("neuro_symptoms_course", "stable_2_to_12_weeks"),
                        IsNot("leg_weakness", "none"),
                    ),
                    action=_URGENT_ACTION.replace(
                        "a possible cauda equina sign, stable for more than 2 weeks",
                        "symptoms in both legs",
                    ),
                ),
                Escalation(Urgency.EMERGENCY, NEW_COURSE, action=_EMERGENCY_ACTION),
            ],
        ),
    ]
