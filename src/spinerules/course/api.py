"""The course API: ``checkin``, ``course`` and ``export``, the same calls the CLI makes.

``checkin`` validates the check-in, stores it (durably, before anything else), then rebuilds
the person's episode from the store and evaluates it: the week's result comes from what is on
disk, so re-evaluating later gives the same answer.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

from ..rules import RuleBase
from .evaluate import evaluate_episode
from .model import CheckIn, check_person
from .parameters import CourseThresholds
from .result import CourseResult, WeekResult
from .store import Store
from .store import export as export_rows

DEFAULT_DB = "journeys.sqlite"


def _store(db: Store | str | os.PathLike[str]) -> Store:
    return db if isinstance(db, Store) else Store(db)


def checkin(
    db: Store | str | os.PathLike[str],
    person: str,
    data: Mapping[str, Any] | CheckIn,
    *,
    engine: str = "auto",
    profile: str = "nice",
    rule_base: RuleBase | None = None,
    course_thresholds: CourseThresholds | None = None,
    today: dt.date | None = None,
) -> WeekResult:
    """Store one check-in for ``person`` and return the week's result.

    Raises InvalidPatientState (naming the field) for bad input, before anything is written.
    """
    check_person(person)
    day = today or dt.date.today()
    item = data if isinstance(data, CheckIn) else CheckIn.from_dict(data, today=day)
    store = _store(db)
    store.append(person, item, today=day)
    result = course(
        store,
        person,
        engine=engine,
        profile=profile,
        rule_base=rule_base,
        course_thresholds=course_thresholds,
        today=day,
    )
    return next(w for w in reversed(result.weeks) if w.date == item.date)


def course(
    db: Store | str | os.PathLike[str],
    person: str,
    *,
    engine: str = "auto",
    profile: str = "nice",
    rule_base: RuleBase | None = None,
    course_thresholds: CourseThresholds | None = None,
    today: dt.date | None = None,
) -> CourseResult:
    """Every week of ``person``'s episode, re-evaluated from the store (InvalidPatientState
    naming ``person`` when they have no check-ins)."""
    episode = _store(db).episode(person)
    return evaluate_episode(
        episode,
        engine=engine,
        profile=profile,
        rule_base=rule_base,
        course_thresholds=course_thresholds,
        today=today,
    )


def export(db: Store | str | os.PathLike[str], fmt: str = "csv") -> str:
    """Every stored check-in row (superseded ones too) as CSV or JSON."""
    return export_rows(_store(db), fmt)
