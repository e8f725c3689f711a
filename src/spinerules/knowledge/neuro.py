"""Neurological deficit and radicular symptoms (clinical.md section 4, family ``neuro_deficit``).

This splits the seed article's "tingling, numbness or weakness: see a doctor": one-sided
sensory symptoms are usually sciatica, not an emergency; weakness and gait change are not.
"""

from __future__ import annotations

from ..conditions import Is, IsNot, Unknown, any_of, ge, gt, not_flag, one_of, yes
from ..levels import Urgency
from ..rules import RedFlag, WatchItem, cite
from ..thresholds import Thresholds

FAMILY = "neuro_deficit"
EVIDENCE = (cite("nice_ng59"), cite("nice_cks_sciatica"), cite("seed_article"))


def red_flags(t: Thresholds) -> list[RedFlag]:
    not_both_sides = any_of(
        IsNot("leg_weakness_sides", "both_sides"), Unknown("leg_weakness_sides")
    )
    return [
        RedFlag(
            id="neuro_gait",
            family=FAMILY,
            title="New unsteadiness or change in walking",
            tier=Urgency.EMERGENCY,
            action="Go to an emergency department now: a change in walking because the legs feel weak or numb can mean pressure on the spinal cord or nerves.",
            condition=yes("gait_disturbance"),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="neuro_progressive_weakness",
            family=FAMILY,
            title="Leg weakness that is getting worse or severe",
            tier=Urgency.URGENT,
            action="See a doctor today: weakness that is getting worse needs same-day examination.",
            condition=one_of("leg_weakness", "progressive", "severe") & not_both_sides,
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="neuro_foot_drop",
            family=FAMILY,
            title="Foot drop",
            tier=Urgency.URGENT,
            action="See a doctor today: a foot that slaps or drags needs same-day examination.",
            condition=yes("foot_drop"),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="neuro_stable_weakness",
            family=FAMILY,
            title="Stable weakness in one leg",
            tier=Urgency.SOON,
            action="Make an appointment with your doctor: weakness in one leg should be examined. Go the same day if it gets worse.",
            condition=Is("leg_weakness", "stable") & not_both_sides,
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="radicular_sensory",
            family=FAMILY,
            title="Numbness or tingling in one leg",
            tier=Urgency.SOON,
            action="Make an appointment with your doctor to check the nerve.",
            condition=Is("leg_numbness_or_tingling", "one_side"),
            evidence=EVIDENCE,
            reviewable=True,
            safety_net="Come back if the numbness spreads, weakness starts, or it reaches both legs.",
        ),
        RedFlag(
            id="radicular_persistent",
            family=FAMILY,
            title="Persistent or severe leg pain on one side",
            tier=Urgency.SOON,
            action="Make an appointment with your doctor: sciatica that lasts more than 6 weeks or is severe deserves review of pain relief and referral options.",
            condition=Is("leg_pain", "one_side")
            & any_of(
                gt("pain_duration_days", t.radicular_persistent_days, "radicular_persistent_days"),
                ge("pain_intensity", t.radicular_severe_intensity, "radicular_severe_intensity"),
            ),
            evidence=EVIDENCE,
            reviewable=True,
            safety_net="Come back if the pain gets worse, or weakness or numbness starts.",
        ),
    ]


def watch_items(t: Thresholds) -> list[WatchItem]:
    return [
        WatchItem(
            id="sciatica_watch",
            family=FAMILY,
            title="Leg pain on one side (likely sciatica)",
            condition=Is("leg_pain", "one_side") & not_flag("radicular_persistent"),
            advice="Leg pain on one side is usually sciatica and most settles within weeks: keep active. See a doctor if it lasts more than 6 weeks, becomes severe, or numbness or weakness starts.",
            evidence=(cite("nice_cks_sciatica"), cite("nice_ng59")),
        )
    ]
