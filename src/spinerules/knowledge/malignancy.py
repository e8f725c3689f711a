"""Malignancy and metastatic spinal cord compression (clinical.md section 4, family ``malignancy``).

Weak flags are weak (Downie 2013, Henschke 2013): one alone is a watch item, two act.
"""

from __future__ import annotations

from ..conditions import Condition, Is, all_of, any_of, at_least, ge, lt, not_flag, yes
from ..levels import Timeframe, Urgency
from ..rules import ConditionalText, RedFlag, WatchItem, cite
from ..thresholds import Thresholds
from .common import new_neuro_symptom

FAMILY = "malignancy"
# Evidence per rule (revision 3, R3-17): each rule cites only what supports it; all cite the
# red-flag framework and the CKS summary.
_ALL = (cite("ifompt2020"), cite("nice_cks_lbp"))
NG12 = (cite("nice_ng12"), *_ALL)
NG234 = (cite("nice_ng234"), *_ALL)
WEAK_FLAGS = (cite("downie2013"), cite("henschke2013"), *_ALL)
_REVIEW = "Make an appointment with your doctor"


def _weak_flags(t: Thresholds, *, with_unrelenting: bool) -> tuple[Condition, ...]:
    flags: list[Condition] = [
        ge("age", t.malignancy_age, "malignancy_age"),
        lt("age", t.young_age, "young_age"),
        yes("unexplained_weight_loss"),
        yes("night_pain"),
        yes("thoracic_pain"),
        not_improving(t),
    ]
    if with_unrelenting:
        flags.insert(4, yes("unrelenting_pain"))
    return tuple(flags)


def not_improving(t: Thresholds) -> Condition:
    """Not improving after 4 weeks (R3-9): worsening from 4 weeks on; "unchanged" only before
    the chronic phase, because in long-standing pain unchanged is the usual course."""
    return any_of(
        all_of(
            ge("pain_duration_days", t.not_improving_days, "not_improving_days"),
            Is("pain_trend", "worsening"),
        ),
        all_of(
            Is("pain_trend", "unchanged"),
            ge("pain_duration_days", t.not_improving_days, "not_improving_days"),
            lt("pain_duration_days", t.chronic_min_days, "chronic_min_days"),
        ),
    )


def red_flags(t: Thresholds) -> list[RedFlag]:
    older = ge("age", t.malignancy_age, "malignancy_age")
    return [
        RedFlag(
            id="mscc",
            family=FAMILY,
            title="Past cancer with new nerve symptoms",
            tier=Urgency.EMERGENCY,
            action="Go to an emergency department now, or call your cancer team's emergency line (acute oncology service). After cancer, new nerve problems can mean the cancer is pressing on the spinal cord. You need an MRI scan within 24 hours, and treatment before the nerves are harmed.",
            condition=yes("history_of_cancer") & new_neuro_symptom(),
            evidence=NG234,
        ),
        RedFlag(
            id="malignancy_suspected_neuro",
            family=FAMILY,
            title="Weight loss over 50 with new nerve symptoms",
            tier=Urgency.EMERGENCY,
            action="Go to an emergency department now: unexplained weight loss with new nerve symptoms can be the first sign of cancer pressing on the spinal cord.",
            condition=all_of(yes("unexplained_weight_loss"), older, new_neuro_symptom()),
            evidence=(cite("nice_ng234"), cite("nice_ng12"), *_ALL),
        ),
        RedFlag(
            id="cancer_metastasis_features",
            family=FAMILY,
            title="Past cancer with pain features of spread to the spine",
            tier=Urgency.URGENT,
            action="See a doctor today, or call your cancer team's emergency line: after cancer, this kind of back pain needs to be checked today for spread to the spine.",
            condition=yes("history_of_cancer")
            & any_of(
                yes("thoracic_pain"),
                yes("unrelenting_pain"),
                yes("night_pain"),
                Is("pain_trend", "worsening"),
            ),
            evidence=NG234,
        ),
        RedFlag(
            id="cancer_history",
            family=FAMILY,
            title="Past cancer",
            tier=Urgency.SOON,
            timeframe=Timeframe.WITHIN_1_WEEK,
            action=f"{_REVIEW} within a week: new back pain after cancer should be checked.",
            action_notes=(
                # Principle 9: not said when those signs are already there (the urgent and
                # emergency cancer rules have fired on them).
                ConditionalText(
                    "Go the same day if nerve problems, night pain or upper back pain start.",
                    not_flag("cancer_metastasis_features") & not_flag("mscc"),
                ),
            ),
            condition=yes("history_of_cancer"),
            evidence=(cite("henschke2013"), cite("downie2013"), *_ALL),
            limits_plan=True,
        ),
        RedFlag(
            id="malignancy_weight_loss_age",
            family=FAMILY,
            title="Unexplained weight loss at 50 or over",
            tier=Urgency.SOON,
            timeframe=Timeframe.WITHIN_1_WEEK,
            action=f"{_REVIEW} this week: back pain with weight loss you cannot explain should be checked.",
            action_notes=(
                ConditionalText(
                    "At 60 or over, NICE (NG12) advises a CT scan within 2 weeks that your GP can book directly.",
                    ge("age", t.myeloma_age, "myeloma_age"),
                ),
            ),
            condition=yes("unexplained_weight_loss") & older,
            evidence=NG12,
            limits_plan=True,
        ),
        RedFlag(
            id="ng12_myeloma_bloods",
            family=FAMILY,
            title="Persistent back pain at 60 or over",
            tier=Urgency.SOON,
            action=f"{_REVIEW} and ask about blood tests for myeloma (a blood cancer): a full blood count, calcium, and ESR or plasma viscosity. NICE advises these when back pain lasts at 60 or over.",
            condition=ge("age", t.myeloma_age, "myeloma_age")
            & ge("pain_duration_days", t.myeloma_days, "myeloma_days"),
            evidence=NG12,
            reviewable=True,
            safety_net="Ask about the blood tests if they were not done.",
        ),
        RedFlag(
            id="malignancy_weak_combination",
            family=FAMILY,
            title="Two or more weak warning signs for a serious cause",
            tier=Urgency.SOON,
            action=f"{_REVIEW}: together these signs are worth a check.",
            condition=at_least(
                t.weak_flag_count,
                *_weak_flags(t, with_unrelenting=True),
                parameter="weak_flag_count",
            ),
            evidence=WEAK_FLAGS,
            reviewable=True,
            safety_net="Come back if weight loss, night pain or new symptoms start.",
        ),
        RedFlag(
            id="malignancy_unrelenting_pain",
            family=FAMILY,
            title="Constant pain that no position eases",
            tier=Urgency.SOON,
            action=f"{_REVIEW}: pain that no position or rest eases should be checked.",
            condition=yes("unrelenting_pain"),
            evidence=(*WEAK_FLAGS, cite("seed_article")),
            reviewable=True,
            safety_net="Come back if the pain keeps you awake or new symptoms start.",
        ),
    ]


def watch_items(t: Thresholds) -> list[WatchItem]:
    return [
        WatchItem(
            id="malignancy_weak_flag_watch",
            family=FAMILY,
            title="One weak warning sign",
            condition=any_of(*_weak_flags(t, with_unrelenting=False))
            & not_flag("malignancy_weak_combination"),
            advice="One of these signs on its own is common and rarely serious. See your doctor if another one starts: weight loss, pain at night, constant pain, upper back pain, or pain not getting better after 4 weeks.",
            evidence=WEAK_FLAGS,
        )
    ]
