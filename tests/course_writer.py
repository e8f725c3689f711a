"""A writer process for the store tests: appends check-ins and acknowledges each on stdout.

``python course_writer.py DB PERSON COUNT MODE``: MODE ``days`` continues the person's course
one day after its last check-in; ``same`` writes every check-in on one date (replacements).
Each line ``ack <seq> <date>`` is printed only after ``Store.append`` returned.
"""

from __future__ import annotations

import datetime as dt
import sys

from spinerules.course.model import CheckIn
from spinerules.course.store import Store
from vignettes import complete_screen

START = dt.date(2026, 1, 5)
FAR = dt.date(2100, 1, 1)


def main() -> None:
    db, person, count, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    store = Store(db)
    try:
        done = len(store.episode(person).checkins)
    except ValueError:  # no check-ins yet
        done = 0
    for n in range(count):
        day = START if mode == "same" else START + dt.timedelta(days=done + n)
        item = CheckIn.from_dict(
            complete_screen(
                date=day.isoformat(), pain_intensity=(done + n) % 11, exercise_sessions_done=n % 51
            )
        )
        stored = store.append(person, item, today=FAR)
        print(f"ack {stored.seq} {day.isoformat()}", flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main()
