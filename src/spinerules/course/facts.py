"""Course facts: the measures of each check-in and the window a course rule reads.

Every measure is computed once per check-in, the same for both engines; a measure that cannot
be known (no pain score, no previous check-in, no planned sessions) is ``None``, and no leaf of
the condition language is true on ``None`` (principle 7).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..assessment import Assessment
from .model import CheckIn

#: The measures of one check-in, with what each means (docs/course.md lists them).
MEASURES: Mapping[str, str] = {
    "pain": "pain intensity 0..10 (pain_intensity)",
    "peg": "PEG score: the mean of its three items (Krebs 2009)",
    "sessions_done": "exercise sessions done in the last 7 days",
    "planned_sessions": "sessions a week the previous check-in's plan asked for (its first exercise)",
    "adherence": "sessions done as a percent of planned",
    "rise_from_baseline": "pain minus the baseline's pain, in points",
    "rise_from_previous": "pain minus the previous check-in's pain, in points",
    "relief_percent": "how much lower the pain is than at baseline, in percent of baseline",
    "days_since_baseline": "days from the baseline to this check-in",
    "days_since_previous": "days from the previous check-in to this one",
    "urgency_rank": "the check-in's own assessment's urgency (0 self-care .. 3 emergency)",
    "any_red_flag": "the check-in's own assessment lists a red flag",
}
RECORD_MEASURES: Mapping[str, str] = {
    "days_since_last": "days from the last check-in to the day the record is read",
}
#: How many check-ins back a course rule may read (c0..c9).
MAX_BACK = 9


def fact_keys(red_flag_ids: Iterable[str]) -> frozenset[str]:
    names = [*MEASURES, *(f"rf.{rid}" for rid in red_flag_ids)]
    keys = {f"c{k}.{m}" for k in range(MAX_BACK + 1) for m in names}
    keys |= {f"base.{m}" for m in names}
    keys |= {f"record.{m}" for m in RECORD_MEASURES}
    return frozenset(keys)


def _minus(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a - b


def measures(
    checkins: Sequence[CheckIn],
    index: int,
    assessment: Assessment,
    planned: int | None,
    red_flag_ids: Iterable[str],
) -> dict[str, Any]:
    """The measures of check-in ``index`` (``planned``: the previous plan's sessions a week)."""
    now = checkins[index]
    first = checkins[0]
    before = checkins[index - 1] if index > 0 else None
    pain = now.state.pain_intensity
    base = first.state.pain_intensity
    done = now.exercise_sessions_done
    adherence = None if done is None or not planned else round(100.0 * done / planned, 2)
    relief = None if pain is None or not base else round(100.0 * (base - pain) / base, 2)
    listed = {f.id for f in assessment.red_flags}
    out: dict[str, Any] = {
        "pain": pain,
        "peg": None if now.peg is None else now.peg.score,
        "sessions_done": done,
        "planned_sessions": planned,
        "adherence": adherence,
        "rise_from_baseline": _minus(pain, base),
        "rise_from_previous": _minus(pain, before.state.pain_intensity if before else None),
        "relief_percent": relief,
        "days_since_baseline": (now.date - first.date).days,
        "days_since_previous": (now.date - before.date).days if before else None,
        "urgency_rank": assessment.urgency.rank,
        "any_red_flag": bool(listed),
    }
    out.update({f"rf.{rid}": rid in listed for rid in red_flag_ids})
    return out


#: A window key parsed once: (key, check-ins back or -1 for the baseline, measure).
WindowKey = tuple[str, int, str]


def window_keys(keys: Iterable[str]) -> tuple[WindowKey, ...]:
    """The check-in keys a rule base reads, parsed once per evaluation."""
    out = []
    for key in keys:
        head, _, measure = key.partition(".")
        if head == "base":
            out.append((key, -1, measure))
        elif head.startswith("c") and head[1:].isdigit():
            out.append((key, int(head[1:]), measure))
    return tuple(out)


def window(history: Sequence[Mapping[str, Any]], keys: Sequence[WindowKey]) -> dict[str, Any]:
    """The facts of the last check-in of ``history`` (its measures so far), for ``keys``."""
    now = len(history) - 1
    out: dict[str, Any] = {}
    for key, back, measure in keys:
        if back < 0:
            out[key] = history[0].get(measure)
        else:
            out[key] = history[now - back].get(measure) if back <= now else None
    return out


def record_facts(last: dt.date | None, today: dt.date) -> dict[str, Any]:
    return {"record.days_since_last": None if last is None else (today - last).days}
