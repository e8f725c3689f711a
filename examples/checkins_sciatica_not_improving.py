"""Twelve weekly check-ins of sciatica that does not improve by week 6.

A 45-year-old with one-sided leg pain checks in every week. The pain hardly moves from 6, so
by week 6 a review is asked for: the one-sided leg pain has lasted over 6 weeks
(``radicular_persistent``, marked new by ``checkin_new_red_flag``), which already asks for a
review within 2 weeks, so ``checkin_not_improving`` (which fires only when nothing at ``soon``
or above has) stays quiet. In week 9 they report new numbness around the bottom, a
cauda-equina warning sign: that check-in's assessment makes it an emergency, the course marks
it as new, and no exercise is offered (course rules only add; they never lower what the
assessment says). With the same course but no leg pain, ``checkin_not_improving`` fires from
day 42: the last lines show it.

Run: python examples/checkins_sciatica_not_improving.py
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from spinerules import course

SAFETY = {
    "saddle_anaesthesia": False,
    "urinary_retention": False,
    "urinary_incontinence": False,
    "faecal_incontinence": False,
    "leg_pain": "one_side",
    "leg_numbness_or_tingling": "none",
    "leg_weakness": "none",
    "history_of_cancer": False,
    "fever": False,
    "major_trauma": False,
}
START = dt.date(2026, 2, 2)
PAIN = [6, 6, 6, 5, 6, 6, 5, 6, 6, 6, 5, 6]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "journeys.sqlite"
        for week, pain in enumerate(PAIN):
            day = START + dt.timedelta(days=7 * week)
            answers = {
                **SAFETY,
                "date": day.isoformat(),
                "age": 45,
                "pain_duration_days": 10 + 7 * week,
                "pain_intensity": pain,
                "neuro_symptoms_course": "new" if week >= 8 else "stable_2_to_12_weeks",
                "can_walk_minutes": 20,
                "exercise_sessions_done": 3,
                "saddle_anaesthesia": week >= 8,
            }
            result = course.checkin(db, "sciatica-002", answers, today=day)
            new = f" NEW: {', '.join(result.new_red_flags)}" if result.new_red_flags else ""
            print(
                f"week {week + 1:2}  {day}  pain {pain}  {result.urgency.value:9}  "
                f"{', '.join(result.course_rules) or '-'}{new}"
            )
        weeks = course.course(db, "sciatica-002", today=day).weeks
        print()
        print("week 6 asks for a review:", ", ".join(f.id for f in weeks[5].week.red_flags))
        print("week 9 leads with:", course.render_week(weeks[8], "text").splitlines()[0])
        # The same pain course without leg pain: nothing else asks for a review, so the course
        # rule does, from day 42.
        for week, pain in enumerate(PAIN[:8]):
            day = START + dt.timedelta(days=7 * week)
            answers = {
                **SAFETY,
                "leg_pain": "none",
                "date": day.isoformat(),
                "age": 45,
                "pain_duration_days": 10 + 7 * week,
                "pain_intensity": pain,
                "exercise_sessions_done": 3,
            }
            result = course.checkin(db, "back-003", answers, today=day)
        print(f"without leg pain, week 8: {result.urgency.value}: {', '.join(result.course_rules)}")


if __name__ == "__main__":
    main()
