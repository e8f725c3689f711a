"""The built-in course rules (clinical.md section 12), as data. Clinical content only."""

from __future__ import annotations

from collections.abc import Iterable

from ..conditions import Condition, Is, any_of, ge, le, lt
from ..levels import Grade, Urgency
from ..rules import Evidence, cite
from .parameters import CourseThresholds
from .rules import CourseRule
from .sequence import in_a_row, previous, record, this

EVIDENCE: tuple[Evidence, ...] = (
    Evidence(
        "ostelo2008",
        "Ostelo RW et al. Interpreting change scores for pain and functional status in low back "
        "pain: towards international consensus regarding minimal important change. Spine "
        "2008;33(1):90-94",
        "consensus",
        Grade.EXPERT_OPINION,
    ),
    Evidence(
        "krebs2009_peg",
        "Krebs EE et al. Development and initial validation of the PEG, a three-item scale "
        "assessing pain intensity and interference. J Gen Intern Med 2009;24(6):733-738",
        "validation study",
        Grade.MODERATE,
    ),
    Evidence(
        "selfback2021",
        "Sandal LF et al. Effectiveness of app-delivered, tailored self-management support for "
        "adults with lower back pain-related disability: a selfBACK randomized clinical trial. "
        "JAMA Intern Med 2021;181(10):1288-1296",
        "RCT (461 adults)",
        Grade.MODERATE,
    ),
)

NUDGE = "Pick the one you enjoy most; a smaller goal you keep beats a big one."
RECOVERED = (
    "Your pain is low. Keep active: keep up the exercise you do now as your maintenance plan."
)


def new_red_flag(red_flag_ids: Iterable[str]) -> Condition:
    """A red flag listed now that was not listed at the previous check-in (never at baseline:
    there is no previous check-in, so ``c1.rf.<id>`` is unknown)."""
    return any_of(
        *(Is(this(f"rf.{rid}"), True) & Is(previous(f"rf.{rid}"), False) for rid in red_flag_ids)
    )


def course_rules(t: CourseThresholds, red_flag_ids: Iterable[str]) -> list[CourseRule]:
    row = t.in_a_row
    no_red_flag = Is(this("any_red_flag"), False)
    return [
        CourseRule(
            id="checkin_pain_worsening",
            title="Your pain is getting worse",
            condition=in_a_row(
                row,
                ge(this("rise_from_baseline"), t.worsening_points, "worsening_points"),
            ),
            effect="review",
            tier=Urgency.SOON,
            text="Your pain is getting worse: book a review with your GP or physiotherapist.",
            evidence=(cite("ostelo2008"),),
        ),
        CourseRule(
            id="checkin_not_improving",
            title="Not getting better as hoped",
            condition=ge(this("days_since_baseline"), t.review_days, "review_days")
            & lt(this("relief_percent"), t.improvement_fraction, "improvement_fraction")
            & lt(this("urgency_rank"), Urgency.SOON.rank),
            effect="review",
            tier=Urgency.SOON,
            text="Your pain has not eased enough since you started. Book a review with your GP "
            "or physio: of your plan, and of what is causing the pain.",
            evidence=(cite("ostelo2008"), cite("nice_cks_lbp")),
            yields_to=("checkin_pain_worsening",),
        ),
        CourseRule(
            id="checkin_new_red_flag",
            title="A new warning sign",
            condition=new_red_flag(red_flag_ids),
            effect="new_red_flag",
            text="This warning sign is new since your last check-in: act on it as it says.",
            evidence=(cite("nice_ng59"),),
        ),
        CourseRule(
            id="checkin_progress",
            title="Ready for the next step",
            condition=in_a_row(
                row,
                ge(this("adherence"), t.adherence_fraction, "adherence_fraction"),
            )
            & le(this("rise_from_previous"), 0)
            & no_red_flag,
            effect="progress",
            text="You kept to your plan and your pain has not gone up: each exercise moves up "
            "one step.",
            evidence=(cite("selfback2021"),),
            # Never step up while a review for worsening pain is asked for (conservative).
            yields_to=("checkin_recovered", "checkin_pain_worsening"),
        ),
        CourseRule(
            id="checkin_step_back",
            title="A flare-up: step back",
            condition=ge(this("rise_from_previous"), t.flare_points, "flare_points") & no_red_flag,
            effect="step_back",
            text="If the pain flares, keep moving but do less for a day or two and use heat. "
            "Then build back up to your usual plan. Each exercise moves down one step.",
            evidence=(cite("nice_ng59"),),
        ),
        CourseRule(
            id="checkin_nudge",
            title="A smaller goal",
            condition=in_a_row(
                row,
                lt(this("adherence"), t.low_adherence_fraction, "low_adherence_fraction"),
            ),
            effect="note",
            text=NUDGE,
            evidence=(cite("owen2020"),),
        ),
        CourseRule(
            id="checkin_recovered",
            title="Your pain is low",
            condition=in_a_row(row, le(this("pain"), t.recovered_pain, "recovered_pain")),
            effect="maintenance",
            text=RECOVERED,
            evidence=(cite("nice_ng59"),),
        ),
        CourseRule(
            id="checkin_overdue",
            title="A check-in is overdue",
            condition=ge(record("days_since_last"), t.checkin_overdue_days, "checkin_overdue_days"),
            effect="overdue",
            text="Your weekly check-in is overdue: answer this week's questions.",
            evidence=(cite("selfback2021"),),
        ),
    ]
