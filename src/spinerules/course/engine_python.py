"""The python course engine: each course rule's condition evaluated on each check-in's facts.

The oracle of the differential tests (``tests/test_course_engines.py``), as the python engine
is for single assessments.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .rules import CourseRuleBase


class PythonSession:
    def __init__(self, rule_base: CourseRuleBase) -> None:
        self._scoped = {s: rule_base.scoped(s) for s in ("checkin", "record")}

    def fire(self, scope: str, facts: Mapping[str, Any]) -> frozenset[str]:
        return frozenset(r.id for r in self._scoped[scope] if r.condition.evaluate(facts))


class PythonCourseEngine:
    name = "python"

    @contextmanager
    def session(self, rule_base: CourseRuleBase, person: str) -> Iterator[PythonSession]:
        yield PythonSession(rule_base)
