"""Follow one person over an episode: weekly check-ins (clinical.md section 12).

Every check-in is first a full assessment; the course rules (``spinerules.course.knowledge``,
plus any a plugin registers through ``register_course_rules``) only add to it. Check-ins are
stored durably before they are evaluated (``spinerules.course.store``), and a person's course
is re-evaluated from storage on either engine with the same answer.

    >>> from spinerules import course
    >>> week = course.checkin("journeys.sqlite", "p1", {...})   # doctest: +SKIP
"""

from __future__ import annotations

from .api import DEFAULT_DB, checkin, course, export
from .evaluate import evaluate_episode
from .ladders import PlanStep
from .model import CheckIn, Episode, Peg
from .parameters import CourseThresholds
from .render import render_course, render_week
from .result import CourseFinding, CourseResult, Trend, TrendPoint, WeekResult
from .rules import CourseRule, CourseRuleBase
from .sequence import baseline, in_a_row, previous, record, this
from .store import Store, StoreError

__all__ = [
    "DEFAULT_DB",
    "CheckIn",
    "CourseFinding",
    "CourseResult",
    "CourseRule",
    "CourseRuleBase",
    "CourseThresholds",
    "Episode",
    "Peg",
    "PlanStep",
    "Store",
    "StoreError",
    "Trend",
    "TrendPoint",
    "WeekResult",
    "baseline",
    "checkin",
    "course",
    "evaluate_episode",
    "export",
    "in_a_row",
    "previous",
    "record",
    "render_course",
    "render_week",
    "this",
]
