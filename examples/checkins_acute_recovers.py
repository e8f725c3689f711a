"""Twelve weekly check-ins of an acute episode that recovers.

A 38-year-old with new low back pain (no warning signs) checks in every week: the pain falls
from 7 to 1, they keep to their walking, and the plan steps up its dose ladder until the
course rules call it recovered and the plan becomes a maintenance plan. Each check-in is
stored (in a temporary SQLite file) before it is evaluated, exactly as
``spinerules checkin --db journeys.sqlite --person ...`` does.

Run: python examples/checkins_acute_recovers.py
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from spinerules import course

SAFETY = {  # the core safety questions, answered again every week
    "saddle_anaesthesia": False,
    "urinary_retention": False,
    "urinary_incontinence": False,
    "faecal_incontinence": False,
    "leg_pain": "none",
    "leg_numbness_or_tingling": "none",
    "leg_weakness": "none",
    "history_of_cancer": False,
    "fever": False,
    "major_trauma": False,
}
START = dt.date(2026, 1, 5)
PAIN = [7, 7, 6, 5, 5, 4, 3, 3, 2, 2, 1, 1]
SESSIONS = [0, 4, 5, 5, 5, 5, 5, 4, 5, 5, 5, 5]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "journeys.sqlite"
        for week, (pain, done) in enumerate(zip(PAIN, SESSIONS, strict=True)):
            day = START + dt.timedelta(days=7 * week)
            answers = {
                **SAFETY,
                "date": day.isoformat(),
                "age": 38,
                "pain_duration_days": 6 + 7 * week,
                "pain_intensity": pain,
                "can_walk_minutes": 10,
                "exercise_sessions_done": done,
                "peg": {"pain": pain, "enjoyment": max(0, pain - 2), "activity": pain},
            }
            result = course.checkin(db, "acute-001", answers, engine="auto", today=day)
            walking = next((p for p in result.plan if p.id == "walking"), None)
            step = f"walking step {walking.step + 1}/{walking.steps}" if walking else "no walking"
            print(
                f"week {week + 1:2}  {day}  pain {pain:2}  {result.urgency.value:9}  {step:18}  "
                f"{', '.join(result.course_rules) or '-'}"
            )
        final = course.course(db, "acute-001", today=day)
        print()
        print(course.render_course(final, "text").split("\nYour check-in", 1)[-1].strip())


if __name__ == "__main__":
    main()
