"""Built-in course rules and their evidence (clinical.md section 12)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..course import knowledge
from ..course.parameters import CourseThresholds
from ..hookspecs import hookimpl


@hookimpl
def register_course_rules(
    register: Callable[[Any], None],
    course_thresholds: CourseThresholds,
    red_flags: tuple[str, ...],
) -> None:
    for evidence in knowledge.EVIDENCE:
        register(evidence)
    for rule in knowledge.course_rules(course_thresholds, red_flags):
        register(rule)
