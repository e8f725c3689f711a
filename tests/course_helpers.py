"""Shared helpers for the course tests: check-ins, generated courses, a store in a temp dir."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from spinerules.course import CheckIn, Episode
from vignettes import complete_screen

START = dt.date(2026, 1, 5)


def checkin_dict(week: int = 0, pain: int | None = 5, **overrides: Any) -> dict[str, Any]:
    """A complete-screen check-in ``week`` weeks after START (acute at baseline)."""
    data = complete_screen(
        date=(START + dt.timedelta(days=7 * week)).isoformat(),
        pain_duration_days=10 + 7 * week,
        pain_intensity=pain,
        can_walk_minutes=15,
        exercise_sessions_done=4,
    )
    if pain is not None:
        data["peg"] = {"pain": pain, "enjoyment": max(0, pain - 1), "activity": pain}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def course(pains: list[int | None], **overrides: Any) -> Episode:
    return Episode(
        "p1", [CheckIn.from_dict(checkin_dict(i, p, **overrides)) for i, p in enumerate(pains)]
    )


# Generated courses: 1-20 check-ins, gaps of 1-21 days, pain and sessions that wander, and now
# and then a red flag, an unanswered core question or an unanswered pain score.
_SOMETIMES = {
    "fever": st.sampled_from([False, False, False, False, True]),
    "history_of_cancer": st.sampled_from([False, False, False, True]),
    "leg_pain": st.sampled_from(["none", "none", "none", "one_side", "both_sides"]),
    "saddle_anaesthesia": st.sampled_from([False] * 12 + [True, None]),
    "urinary_retention": st.sampled_from([False] * 12 + [None]),
}


@st.composite
def week_answers(draw: st.DrawFn, day: int, pain: int | None, calm: bool) -> dict[str, Any]:
    data = complete_screen(
        date=(START + dt.timedelta(days=day)).isoformat(),
        pain_duration_days=draw(st.integers(1, 20)) + day,
        pain_intensity=pain,
        can_walk_minutes=draw(st.sampled_from([None, 5, 10, 15, 30, 60])),
        exercise_sessions_done=draw(st.one_of(st.integers(0, 8), st.integers(0, 8), st.none())),
        currently_runs=draw(st.sampled_from([None, False, True])),
        bmi=draw(st.sampled_from([None, 24.0, 32.0])),
    )
    if not calm:
        for key, values in _SOMETIMES.items():
            data[key] = draw(values)
    if draw(st.booleans()):
        data["peg"] = {k: draw(st.integers(0, 10)) for k in ("pain", "enjoyment", "activity")}
    return {k: v for k, v in data.items() if v is not None}


@st.composite
def courses(draw: st.DrawFn, min_size: int = 1, max_size: int = 20) -> Episode:
    """A course whose pain wanders (a random walk, sometimes unanswered); a ``calm`` course
    has no red flags, so the plan and its ladder rules get exercised too."""
    n = draw(st.integers(min_size, max_size))
    calm = draw(st.booleans())
    day, pain, items = 0, draw(st.integers(0, 10)), []
    for i in range(n):
        if i:
            day += draw(st.integers(1, 21))
            pain = max(0, min(10, pain + draw(st.integers(-3, 3))))
        shown = None if draw(st.integers(0, 9)) == 0 else pain
        items.append(CheckIn.from_dict(draw(week_answers(day, shown, calm))))
    return Episode("gen", items)


def summary(result: Any) -> list[Any]:
    """Everything a week says, engine name aside."""
    out = []
    for week in result.weeks:
        doc = week.to_dict()
        doc.pop("course")
        doc["assessment"]["ruleset"].pop("engine")
        out.append(doc)
    return [out, result.overdue, [f.id for f in result.record_findings]]
