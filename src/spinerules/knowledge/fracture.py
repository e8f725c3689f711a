"""Vertebral fracture (clinical.md section 4, family ``fracture``)."""

from __future__ import annotations

from ..conditions import Is, Unknown, all_of, any_of, any_yes, at_least, flag, ge, le, yes
from ..levels import Timeframe, Urgency
from ..rules import ConditionalText, Escalation, RedFlag, cite
from ..thresholds import Thresholds
from .common import new_neuro_deficit

FAMILY = "fracture"
EVIDENCE = (cite("downie2013"), cite("han2023"), cite("nice_cks_lbp"))
#: The fracture flags ``fracture_neuro`` and ``running`` read (watch items included, C9).
OTHER_FRACTURE_FLAGS = (
    "fracture_major_trauma",
    "fracture_deformity",
    "fracture_fragility",
    "fracture_risk_profile",
)


def red_flags(t: Thresholds) -> list[RedFlag]:
    older = any_of(
        ge("age", t.fragility_age, "fragility_age"),
        all_of(Is("sex", "female"), ge("age", t.fragility_age_female, "fragility_age_female")),
    )
    return [
        RedFlag(
            id="fracture_major_trauma",
            family=FAMILY,
            title="Back pain after major trauma",
            tier=Urgency.URGENT,
            action="See a doctor today: back pain after a serious injury needs an examination and usually an X-ray or scan.",
            condition=yes("major_trauma"),
            evidence=EVIDENCE,
            escalations=[
                Escalation(
                    Urgency.EMERGENCY,
                    any_of(
                        le(
                            "trauma_days_ago",
                            t.fracture_recent_trauma_days,
                            "fracture_recent_trauma_days",
                        ),
                        Unknown("trauma_days_ago"),
                    ),
                    action="Go to an emergency department now, or call emergency services if you cannot move safely. A recent bad injury can break a bone in the spine.",
                )
            ],
        ),
        RedFlag(
            id="fracture_neuro",
            family=FAMILY,
            title="Possible fracture with new nerve problems",
            tier=Urgency.EMERGENCY,
            action="Go to an emergency department now. A possible broken bone in the spine, with new weakness, numbness, or bladder or bowel change, can harm the spinal cord or nerves.",
            condition=any_of(*(flag(f) for f in OTHER_FRACTURE_FLAGS)) & new_neuro_deficit(),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="fracture_deformity",
            family=FAMILY,
            title="New change in the shape of the spine",
            tier=Urgency.URGENT,
            action="See a doctor today: a new change in the shape of the spine can be a collapsed bone in the spine.",
            condition=yes("structural_deformity"),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="fracture_fragility",
            family=FAMILY,
            title="Minor injury with fragile bones",
            tier=Urgency.SOON,
            timeframe=Timeframe.WITHIN_2_WEEKS,
            action="Make an appointment with your doctor within 2 weeks for a review and an X-ray: a minor fall or lift can break a fragile bone in the spine.",
            action_notes=(
                ConditionalText(
                    "If you cannot walk, ask someone to take you, or call emergency services if you cannot move safely.",
                    Is("can_walk_minutes", 0),
                ),
            ),
            limits_plan=True,
            condition=yes("minor_trauma")
            & any_of(
                any_yes("osteoporosis", "long_term_corticosteroids", "previous_vertebral_fracture"),
                ge("age", t.fragility_age, "fragility_age"),
            ),
            evidence=EVIDENCE,
            escalations=[
                Escalation(
                    Urgency.URGENT,
                    any_of(
                        ge(
                            "pain_intensity",
                            t.fragility_urgent_intensity,
                            "fragility_urgent_intensity",
                        ),
                        Is("can_walk_minutes", 0),
                        yes("sudden_severe_onset"),
                    ),
                    action="See a doctor today: severe pain, or not being able to walk, after a minor injury with fragile bones needs an X-ray today.",
                )
            ],
        ),
        RedFlag(
            id="fracture_risk_profile",
            family=FAMILY,
            title="Several risk factors for a fragility fracture",
            tier=Urgency.SOON,
            action="Make an appointment with your doctor: with these risk factors a vertebral fracture should be considered.",
            condition=at_least(
                t.fracture_risk_count,
                yes("osteoporosis"),
                yes("long_term_corticosteroids"),
                yes("previous_vertebral_fracture"),
                older,
                parameter="fracture_risk_count",
            ),
            evidence=EVIDENCE,
            reviewable=True,
            safety_net="Come back at once after any fall, or if the pain becomes sudden and severe.",
        ),
    ]
