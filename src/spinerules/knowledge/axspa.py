"""Axial spondyloarthritis, NICE NG65 exactly (clinical.md section 4, family ``axspa``).

The screen applies to back pain that began before 45 and has lasted more than 3 months; an
unknown ``first_back_pain_age`` does not apply it (it is listed as unanswered instead).
"""

from __future__ import annotations

from ..conditions import Condition, Is, Unknown, all_of, any_of, ge, gt, lt, not_flag
from ..levels import Timeframe, Urgency
from ..rules import RedFlag, WatchItem, cite
from ..thresholds import Thresholds

FAMILY = "axspa"
EVIDENCE = (cite("nice_ng65"),)
COUNT = "axspa_features.count"
REFERRALS = ("axspa_refer", "axspa_hla_b27_positive", "axspa_test_hla_b27")


def _applies(t: Thresholds) -> Condition:
    return all_of(
        lt("first_back_pain_age", t.axspa_max_first_age, "axspa_max_first_age"),
        gt("pain_duration_days", t.axspa_min_days, "axspa_min_days"),
    )


def _three(t: Thresholds) -> Condition:
    return all_of(
        ge(COUNT, t.axspa_hla_count, "axspa_hla_count"),
        lt(COUNT, t.axspa_refer_count, "axspa_refer_count"),
    )


def red_flags(t: Thresholds) -> list[RedFlag]:
    refer = "Make an appointment with your doctor and ask to see a rheumatologist (a joint specialist). Your back pain fits the pattern of inflammatory back pain (axial spondyloarthritis), which has good treatments."
    return [
        RedFlag(
            id="axspa_refer",
            family=FAMILY,
            title="Features of inflammatory back pain (4 or more)",
            tier=Urgency.SOON,
            timeframe=Timeframe.ROUTINE,  # section 3: "a routine specialist referral"
            action=refer,
            condition=_applies(t) & ge(COUNT, t.axspa_refer_count, "axspa_refer_count"),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="axspa_hla_b27_positive",
            family=FAMILY,
            title="Features of inflammatory back pain with a positive HLA-B27",
            tier=Urgency.SOON,
            timeframe=Timeframe.ROUTINE,
            action=refer,
            condition=all_of(_applies(t), _three(t), Is("hla_b27", "positive")),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="axspa_test_hla_b27",
            family=FAMILY,
            title="Some features of inflammatory back pain",
            tier=Urgency.SOON,
            action="Make an appointment with your doctor and ask for an HLA-B27 blood test: with these features a positive result means a rheumatology referral.",
            condition=all_of(
                _applies(t), _three(t), any_of(Is("hla_b27", "unknown"), Unknown("hla_b27"))
            ),
            evidence=EVIDENCE,
        ),
    ]


def watch_items(t: Thresholds) -> list[WatchItem]:
    return [
        WatchItem(
            id="axspa_watch",
            family=FAMILY,
            title="Some features of inflammatory back pain",
            condition=all_of(
                _applies(t),
                ge(COUNT, 1),
                lt(COUNT, t.axspa_refer_count, "axspa_refer_count"),
                *(not_flag(r) for r in REFERRALS),
            ),
            advice="See your doctor again if new signs appear, such as psoriasis (a scaly skin rash), Crohn's or colitis (bowel disease), or a painful red eye (uveitis).",
            evidence=EVIDENCE,
        )
    ]


def ask_first_back_pain_age(t: Thresholds) -> Condition:
    """When the unknown age of first back pain must be asked (clinical.md section 4 and C5):
    3 or more features and more than 90 days, whatever HLA-B27 says."""
    return all_of(
        Unknown("first_back_pain_age"),
        ge(COUNT, t.axspa_hla_count, "axspa_hla_count"),
        gt("pain_duration_days", t.axspa_min_days, "axspa_min_days"),
    )
