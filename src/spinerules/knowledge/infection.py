"""Spinal infection (clinical.md section 4, family ``infection``).

Fever alone is urgent: the rule also catches kidney infection, which needs treatment today.
"""

from __future__ import annotations

from ..conditions import Is, Unknown, any_of, any_yes, yes
from ..levels import Urgency
from ..rules import ConditionalText, RedFlag, cite
from ..thresholds import Thresholds
from .common import new_neuro_deficit

FAMILY = "infection"
EVIDENCE = (cite("yusuf2019"), cite("nice_cks_lbp"))
RISK_FACTORS = (
    "iv_drug_use",
    "immunosuppressed",
    "long_term_corticosteroids",
    "recent_bacterial_infection",
    "recent_spinal_procedure",
    "diabetes",
)


def red_flags(t: Thresholds) -> list[RedFlag]:
    fever = yes("fever")
    return [
        RedFlag(
            id="infection_neuro",
            family=FAMILY,
            title="Fever with new weakness, numbness or bladder or bowel change",
            tier=Urgency.EMERGENCY,
            action="Go to an emergency department now: fever with new nerve problems can be an abscess pressing on the spinal cord.",
            condition=fever & new_neuro_deficit(),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="infection_fever_risk",
            family=FAMILY,
            title="Fever with a risk factor for spinal infection",
            tier=Urgency.URGENT,
            action="See a doctor today: fever with back pain and a risk factor for infection needs same-day assessment and blood tests.",
            condition=fever & any_yes(*RISK_FACTORS),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="infection_fever",
            family=FAMILY,
            title="Fever with back pain",
            tier=Urgency.URGENT,
            action="See a doctor today: fever with back pain can be a kidney or spinal infection.",
            condition=fever,
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="infection_post_procedure",
            family=FAMILY,
            title="Spinal surgery or injection in the last 3 months",
            tier=Urgency.URGENT,
            action="See a doctor today, or contact the team that did the procedure: back pain after a recent spinal procedure needs checking for infection.",
            condition=yes("recent_spinal_procedure"),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="infection_risk_factor",
            family=FAMILY,
            title="A risk factor for spinal infection",
            tier=Urgency.SOON,
            action="Make an appointment with your doctor: with this risk factor, back pain should be checked.",
            action_notes=(
                # C17: not said to a person who already has a fever (infection_fever is urgent).
                ConditionalText(
                    "Go the same day if you get a fever or shaking chills.",
                    any_of(Is("fever", False), Unknown("fever")),
                ),
            ),
            condition=any_yes(
                "iv_drug_use",
                "immunosuppressed",
                "long_term_corticosteroids",
                "recent_bacterial_infection",
            ),
            evidence=EVIDENCE,
            limits_plan=True,
        ),
    ]
