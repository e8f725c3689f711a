"""Dose ladders: where each exercise of the plan stands, and where it goes next.

A ladder is data on the activity (``Activity.ladder``, clinical.md section 12); an activity
without one has a single step, its dose. A person starts at the step their answers fit
(``Activity.ladder_fit``: for walking, the largest step not above ``can_walk_minutes``), then
each ``progress`` moves every exercise of the week's plan up one step, each ``step_back`` down
one, and ``maintenance`` (recovered) holds them. Nothing here decides *which* exercises are
offered: that is the check-in's own assessment, under the safety policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..assessment import Recommendation
from ..patient import PatientState
from ..rules import Activity

Step = tuple[str, int | None, int | None]


def steps(activity: Activity, dose: str) -> tuple[Step, ...]:
    """The ladder, or the single step of its dose (sessions unknown)."""
    if activity.ladder:
        return tuple((text, sessions, minutes) for text, sessions, minutes in activity.ladder)
    return ((dose, None, None),)


def start_step(activity: Activity, state: PatientState) -> int:
    """The first step, or the largest whose minutes are not above the fitted answer."""
    if not activity.ladder or activity.ladder_fit is None:
        return 0
    answer = state.value(activity.ladder_fit)
    if not isinstance(answer, int) or isinstance(answer, bool):
        return 0  # unknown is not "can do more": start at the bottom
    fitting = [n for n, (_, _, minutes) in enumerate(activity.ladder) if (minutes or 0) <= answer]
    return max(fitting, default=0)


@attrs.frozen
class PlanStep:
    """One exercise of the week's plan at its step, with the next step (None at the top or in
    maintenance)."""

    id: str
    name: str
    step: int  # 0-based
    steps: int
    dose: str
    sessions_per_week: int | None
    next_dose: str | None
    maintenance: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "step": self.step + 1,
            "steps": self.steps,
            "dose": self.dose,
            "sessions_per_week": self.sessions_per_week,
            "next": self.next_dose,
            "maintenance": self.maintenance,
        }


def week_plan(
    offered: tuple[Recommendation, ...],
    activities: Mapping[str, Activity],
    state: PatientState,
    positions: dict[str, int],
    move: int,
    maintenance: bool,
) -> tuple[PlanStep, ...]:
    """The plan's exercises (the assessment's ``choose`` section, in its order) at their steps.

    ``positions`` (exercise id -> step) is updated in place: the ladder's memory between weeks.
    ``move`` is +1 (progress), -1 (step back) or 0; it moves only exercises already on
    their ladder (one new to the plan starts at its fitted step).
    """
    plan = []
    for rec in offered:
        activity = activities.get(rec.id)
        if activity is None:
            continue
        ladder = steps(activity, rec.dose)
        here = positions.get(rec.id)
        if here is None:  # new to the plan: it starts where the person's answers fit
            here = start_step(activity, state)
        else:
            here = max(0, min(len(ladder) - 1, here + move))
        positions[rec.id] = here
        text, sessions, _ = ladder[here]
        if len(ladder) == 1:
            text = rec.dose  # the assessment's own dose (it may be replaced for this person)
        up = None if maintenance or here + 1 >= len(ladder) else ladder[here + 1][0]
        plan.append(PlanStep(rec.id, rec.name, here, len(ladder), text, sessions, up, maintenance))
    return tuple(plan)
