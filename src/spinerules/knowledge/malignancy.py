"""Malignancy and metastatic spinal cord compression (clinical.md section 4, family ``malignancy``).

Weak flags are weak (Downie 2013, Henschke 2013): one alone is a watch item, two act.
"""

from __future__ import annotations

from ..conditions import Condition, Is, all_of, any_of, at_least, ge, lt, not_flag, one_of, yes
from ..levels import Timeframe, Urgency
from ..rules import RedFlag, WatchItem, cite
from ..thresholds import Thresholds
from .common import new_neuro_symptom

FAMILY = "malignancy"
EVIDENCE = tuple(
    cite(e)
    for e in (
        "downie2013",
        "henschke2013",
        "ifompt2020",
        "nice_cks_lbp",
        "nice_ng12",
        "nice_ng234",
        "seed_article",
    )
)
_REVIEW = "Make an appointment with your doctor"


def _weak_flags(t: Thresholds, *, with_unrelenting: bool) -> tuple[Condition, ...]:
    flags: list[Condition] = [
        ge("age", t.malignancy_age, "malignancy_age"),
        lt("age", t.young_age, "young_age"),
        yes("unexplained_weight_loss"),
        yes("night_pain"),
        yes("thoracic_pain"),
        all_of(
            ge("pain_duration_days", t.not_improving_days, "not_improving_days"),
            one_of("pain_trend", "unchanged", "worsening"),
        ),
    ]
    if with_unrelenting:
        flags.insert(4, yes("unrelenting_pain"))
    return tuple(flags)


def red_flags(t: Thresholds) -> list[RedFlag]:
    older = ge("age", t.malignancy_age, "malignancy_age")
    return [
        RedFlag(
            id="mscc",
            family=FAMILY,
            title="Past cancer with new nerve symptoms",
            tier=Urgency.EMERGENCY,
            action="Go to an emergency department now (or call your acute oncology service): after cancer, new nerve symptoms can be spinal cord compression, which needs an MRI scan within 24 hours and treatment before function is lost.",
            condition=yes("history_of_cancer") & new_neuro_symptom(),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="malignancy_suspected_neuro",
            family=FAMILY,
            title="Weight loss over 50 with new nerve symptoms",
            tier=Urgency.EMERGENCY,
            action="Go to an emergency department now: unexplained weight loss with new nerve symptoms can be the first sign of cancer pressing on the spinal cord.",
            condition=all_of(yes("unexplained_weight_loss"), older, new_neuro_symptom()),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="cancer_metastasis_features",
            family=FAMILY,
            title="Past cancer with pain features of spread to the spine",
            tier=Urgency.URGENT,
            action="See a doctor today (or call your acute oncology service): after cancer, this pattern of back pain needs same-day assessment for spread to the spine.",
            condition=yes("history_of_cancer")
            & any_of(
                yes("thoracic_pain"),
                yes("unrelenting_pain"),
                yes("night_pain"),
                Is("pain_trend", "worsening"),
            ),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="cancer_history",
            family=FAMILY,
            title="Past cancer",
            tier=Urgency.SOON,
            timeframe=Timeframe.WITHIN_1_WEEK,
            action=f"{_REVIEW} within a week: new back pain after cancer should be checked. Go the same day if nerve symptoms, night pain or pain in the upper back start.",
            condition=yes("history_of_cancer"),
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="malignancy_weight_loss_age",
            family=FAMILY,
            title="Unexplained weight loss at 50 or over",
            tier=Urgency.SOON,
            timeframe=Timeframe.WITHIN_2_WEEKS,
            action=f"{_REVIEW} within 2 weeks: back pain with unexplained weight loss should be checked; at 60 or over NICE NG12 advises a direct-access CT scan within 2 weeks.",
            condition=yes("unexplained_weight_loss") & older,
            evidence=EVIDENCE,
        ),
        RedFlag(
            id="ng12_myeloma_bloods",
            family=FAMILY,
            title="Persistent back pain at 60 or over",
            tier=Urgency.SOON,
            action=f"{_REVIEW} and ask about blood tests (full blood count, calcium, and ESR or plasma viscosity) to rule out myeloma, as NICE NG12 advises for persistent back pain at 60 or over.",
            condition=ge("age", t.myeloma_age, "myeloma_age")
            & ge("pain_duration_days", t.myeloma_days, "myeloma_days"),
            evidence=EVIDENCE,
            reviewable=True,
            safety_net="A clinician has reviewed this episode; ask about the blood tests if they were not done.",
        ),
        RedFlag(
            id="malignancy_weak_combination",
            family=FAMILY,
            title="Two or more weak warning signs for a serious cause",
            tier=Urgency.SOON,
            action=f"{_REVIEW}: together these signs are worth a check, although most back pain with them is not serious.",
            condition=at_least(
                t.weak_flag_count,
                *_weak_flags(t, with_unrelenting=True),
                parameter="weak_flag_count",
            ),
            evidence=EVIDENCE,
            reviewable=True,
            safety_net="A clinician has reviewed this episode; come back if weight loss, night pain or new symptoms appear.",
        ),
        RedFlag(
            id="malignancy_unrelenting_pain",
            family=FAMILY,
            title="Constant pain that no position eases",
            tier=Urgency.SOON,
            action=f"{_REVIEW}: pain that no position or rest eases should be checked.",
            condition=yes("unrelenting_pain"),
            evidence=EVIDENCE,
            reviewable=True,
            safety_net="A clinician has reviewed this episode; come back if the pain keeps you awake or new symptoms appear.",
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
            advice="One of these signs on its own is common and rarely serious. See your doctor if another appears: weight loss, pain at night, constant pain, upper back pain, or pain not improving after 4 weeks.",
            evidence=(cite("downie2013"), cite("henschke2013"), cite("ifompt2020")),
        )
    ]
