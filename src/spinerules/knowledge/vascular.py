"""Vascular and other non-spinal causes (clinical.md section 4, family ``vascular``).

NICE NG156: think of a ruptured abdominal aortic aneurysm in anyone with new back or tummy pain,
collapse or loss of consciousness, especially with AAA risk factors; few people have the
classic triad. The evidence is weak but the consequence severe, so revision 3 no longer waits
for tummy pain: sudden severe pain at 50 or over always gets a same-day route.
"""

from __future__ import annotations

from ..conditions import AnyOf, Is, IsNot, Unknown, all_of, any_of, any_yes, ge, le, lt, yes
from ..levels import Urgency
from ..rules import ConditionalText, Escalation, RedFlag, cite
from ..thresholds import Thresholds

FAMILY = "vascular"
EVIDENCE = (cite("nice_ng156"), cite("nice_cks_lbp"))
#: NG156 1.1.2 risk factors for an abdominal aortic aneurysm.
AAA_RISK_FACTORS = (
    "smokes_or_smoked",
    "cardiovascular_disease",
    "hypertension",
    "high_cholesterol",
    "copd",
    "family_history_aaa",
)
_EMERGENCY = "Call emergency services or go to an emergency department now: "
_CALL_NOW = "Call emergency services now (999 in the UK, 911 in the US, 112 in the EU): "


def red_flags(t: Thresholds) -> list[RedFlag]:
    older = ge("age", t.aaa_age, "aaa_age")
    younger = lt("age", t.aaa_age, "aaa_age")
    sudden = yes("sudden_severe_onset")
    return [
        RedFlag(
            id="collapse_with_back_pain",
            family=FAMILY,
            title="Collapse or fainting with back pain",
            tier=Urgency.EMERGENCY,
            action=_CALL_NOW + "fainting or collapsing with back pain can mean bleeding inside.",
            action_notes=(
                ConditionalText(
                    "At your age this can be a leaking aorta, the main blood vessel.", older
                ),
                ConditionalText(
                    "It can come from a serious problem in the tummy, chest or pelvis.", younger
                ),
                ConditionalText(
                    "In a woman it can be a pregnancy outside the womb (ectopic pregnancy).",
                    all_of(younger, AnyOf((IsNot("sex", "male"), Unknown("sex")))),
                ),
            ),
            condition=yes("collapse_or_fainting"),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="aaa_rupture_suspected",
            family=FAMILY,
            title="Possible leaking aortic aneurysm",
            tier=Urgency.EMERGENCY,
            action=_EMERGENCY
            + "sudden severe back pain at 50 or over can be a leaking aorta, the main blood vessel.",
            condition=older
            & any_of(
                yes("collapse_or_fainting"),
                sudden
                & any_of(
                    yes("abdominal_pain"),
                    any_yes(*AAA_RISK_FACTORS),
                    # C14: unknown, other or unanswered sex never satisfies sex == male.
                    all_of(Is("sex", "male"), ge("age", t.aaa_male_age, "aaa_male_age")),
                ),
            ),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="sudden_severe_pain_older",
            family=FAMILY,
            title="Sudden severe back pain at 50 or over",
            tier=Urgency.URGENT,
            action="See a doctor today: sudden severe back pain at 50 or over needs a check of the aorta (the main blood vessel) before it is treated as a strain.",
            condition=older & sudden,
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="aaa_known_symptomatic",
            family=FAMILY,
            title="Known aortic aneurysm with back pain",
            tier=Urgency.URGENT,
            action="Contact your vascular team or GP today: back pain with a known aneurysm must be checked, however long it has lasted.",
            condition=yes("known_aortic_aneurysm"),
            evidence=EVIDENCE,
            escalations=[
                Escalation(
                    Urgency.EMERGENCY,
                    any_of(
                        yes("abdominal_pain"),
                        sudden,
                        yes("collapse_or_fainting"),
                        le("pain_duration_days", t.aaa_recent_days, "aaa_recent_days"),
                    ),
                    action=_EMERGENCY
                    + "new back or tummy pain with a known aortic aneurysm can mean it is leaking.",
                )
            ],
        ),
        RedFlag(
            id="aaa_pulsatile_mass",
            family=FAMILY,
            title="Pulsing lump in the tummy",
            tier=Urgency.EMERGENCY,
            action=_EMERGENCY
            + "a pulsing lump in the tummy with back pain can be an aortic aneurysm.",
            condition=yes("pulsatile_abdominal_mass"),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="thoracic_sudden_severe",
            family=FAMILY,
            title="Sudden severe upper back pain",
            tier=Urgency.EMERGENCY,
            action=_EMERGENCY
            + "sudden severe pain in the upper back can come from the aorta or the heart.",
            condition=yes("thoracic_pain") & sudden,
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="visceral_abdominal_pain",
            family=FAMILY,
            title="Back pain with tummy pain",
            tier=Urgency.URGENT,
            action="See a doctor today: back pain with tummy pain can come from the aorta or an organ in the tummy.",
            condition=yes("abdominal_pain") & any_of(older, sudden),
            evidence=EVIDENCE,
        ),
    ]
