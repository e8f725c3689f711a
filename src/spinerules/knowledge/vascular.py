"""Vascular and other non-spinal causes (clinical.md section 4, family ``vascular``).

The evidence is weak but the consequence severe: a leaking aortic aneurysm presents as back pain.
"""

from __future__ import annotations

from ..conditions import any_of, ge, le, yes
from ..levels import Urgency
from ..rules import RedFlag, cite
from ..thresholds import Thresholds

FAMILY = "vascular"
EVIDENCE = (cite("nice_ng156"), cite("nice_cks_lbp"))
_EMERGENCY = "Call emergency services or go to an emergency department now: "


def red_flags(t: Thresholds) -> list[RedFlag]:
    older = ge("age", t.aaa_age, "aaa_age")
    return [
        RedFlag(
            id="aaa_rupture_suspected",
            family=FAMILY,
            title="Possible leaking aortic aneurysm",
            tier=Urgency.EMERGENCY,
            action=_EMERGENCY
            + "collapse, or sudden severe back and tummy pain over 50, can be a leaking aortic aneurysm.",
            condition=older
            & any_of(
                yes("collapse_or_fainting"), yes("sudden_severe_onset") & yes("abdominal_pain")
            ),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="aaa_known_symptomatic",
            family=FAMILY,
            title="Known aortic aneurysm with new pain",
            tier=Urgency.EMERGENCY,
            action=_EMERGENCY
            + "new back or tummy pain with a known aortic aneurysm can mean it is leaking.",
            condition=yes("known_aortic_aneurysm")
            & any_of(
                yes("abdominal_pain"),
                le("pain_duration_days", t.aaa_recent_days, "aaa_recent_days"),
            ),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="aaa_pulsatile_mass",
            family=FAMILY,
            title="Pulsating mass in the abdomen",
            tier=Urgency.EMERGENCY,
            action=_EMERGENCY + "a pulsating mass with back pain can be an aortic aneurysm.",
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
            condition=yes("thoracic_pain") & yes("sudden_severe_onset"),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="visceral_abdominal_pain",
            family=FAMILY,
            title="Back pain with tummy pain at 50 or over",
            tier=Urgency.URGENT,
            action="See a doctor today: back pain with tummy pain at 50 or over can come from the aorta or an abdominal organ.",
            condition=older & yes("abdominal_pain"),
            evidence=EVIDENCE,
        ),
    ]
