"""Weekly check-ins: check-ins evaluated per second for a person with 52 weeks of history.

Rows, per engine (python, durable where it imports):

* ``assess()``: the same check-in's patient state as a single assessment (the baseline);
* ``evaluate 53 weeks cold``: the course re-evaluated from an Episode already in memory, every
  check-in a full assessment (the assessment cache cleared first), then the course rules in
  one durable session for the person;
* ``evaluate 53 weeks``: the same with past weeks' assessments cached (a pure function of the
  state, rule base, profile and engine), as at a real weekly check-in;
* ``checkin() with store``: ``spinerules.course.checkin`` end to end: validate, append to the
  SQLite store (WAL, synchronous=FULL: one fsync per check-in), load the episode, evaluate.

Run: ``python benchmarks/course.py [--repeats N]`` (from the repository root, package
installed). Blocks of the rows are interleaved, as in ``benchmarks/run.py``, because the host's
speed drifts; the table prints the median per call and calls per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

os.environ.setdefault("SPINERULES_LOAD_PLUGINS", "")

from spinerules import assess, durable_available
from spinerules.course import CheckIn, Episode, Store, checkin, evaluate_episode
from spinerules.course.evaluate import clear_cache

START = dt.date(2025, 1, 6)
CORE = {
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


def week(n: int) -> dict[str, object]:
    pain = max(0, 7 - n // 6 + (n % 3 == 0))
    return {
        **CORE,
        "date": (START + dt.timedelta(days=7 * n)).isoformat(),
        "age": 44,
        "pain_duration_days": 9 + 7 * n,
        "pain_intensity": pain,
        "can_walk_minutes": 15,
        "exercise_sessions_done": 3 + n % 3,
        "peg": {"pain": pain, "enjoyment": max(0, pain - 1), "activity": pain},
    }


def timed(fn: Callable[[], object], calls: int) -> float:
    began = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - began) / calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds per row")
    args = parser.parse_args()
    engines = ["python", *(["durable"] if durable_available() else [])]
    history = [CheckIn.from_dict(week(n)) for n in range(53)]  # baseline + 52 weeks
    episode = Episode("bench", history)
    state = history[-1].state
    folder = Path(tempfile.mkdtemp())
    rows: dict[tuple[str, str], list[float]] = {}
    stores: dict[str, tuple[Store, list[int]]] = {}
    for engine in engines:
        store = Store(folder / f"{engine}.sqlite")
        for item in history[:-1]:
            store.append("bench", item, today=dt.date(2100, 1, 1))
        stores[engine] = (store, [53])
    today = dt.date(2100, 1, 1)

    def next_checkin(engine: str) -> None:
        store, counter = stores[engine]
        checkin(store, "bench", week(counter[0]), engine=engine, today=today)
        counter[0] += 1

    def cold(engine: str) -> None:
        clear_cache()
        evaluate_episode(episode, engine=engine, today=today)

    for engine in engines:  # warm up: rule bases, durable rulesets, caches
        assess(state, engine=engine)
        evaluate_episode(episode, engine=engine, today=today)
    for _ in range(args.repeats):
        for engine in engines:
            calls: dict[str, tuple[Callable[[], object], int]] = {
                "assess()": (partial(assess, state, engine=engine), 20),
                "evaluate 53 weeks cold": (partial(cold, engine), 1),
                "evaluate 53 weeks": (
                    partial(evaluate_episode, episode, engine=engine, today=today),
                    1,
                ),
                "checkin() with store": (partial(next_checkin, engine), 1),
            }
            for name, (fn, n) in calls.items():
                rows.setdefault((engine, name), []).append(timed(fn, n))
    print(f"{'engine':8} {'row':24} {'per call':>12} {'calls/s':>10} {'x assess()':>11}")
    for engine in engines:
        base = statistics.median(rows[(engine, "assess()")])
        for name in (
            "assess()",
            "evaluate 53 weeks cold",
            "evaluate 53 weeks",
            "checkin() with store",
        ):
            per = statistics.median(rows[(engine, name)])
            print(f"{engine:8} {name:24} {per * 1e3:9.2f} ms {1 / per:10.1f} {per / base:10.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
