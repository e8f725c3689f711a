"""What a check-in returns (clinical.md section 12): its assessment, the course rules that fired
(each with the check-ins it read), the week's plan at its ladder steps, the trend and the next
check-in date; and the course, every week of one person's episode.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from ..assessment import Assessment, EvidenceRef
from ..levels import Urgency
from .ladders import PlanStep

SCHEMA = "spinerules.checkin/1"


@attrs.frozen
class CourseFinding:
    """A course rule that fired at a check-in, on which check-ins' facts."""

    id: str
    title: str
    effect: str
    tier: Urgency | None
    text: str
    read: tuple[str, ...]  # the ISO dates of the check-ins whose facts made it fire
    inputs: tuple[tuple[str, Any], ...]
    evidence: tuple[EvidenceRef, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "effect": self.effect,
            "urgency": self.tier.value if self.tier else None,
            "text": self.text,
            "checkins_read": list(self.read),
            "inputs": dict(self.inputs),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@attrs.frozen
class TrendPoint:
    date: str
    pain: int | None
    peg: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date, "pain": self.pain, "peg": self.peg}


@attrs.frozen
class Trend:
    """Pain and PEG per check-in since baseline, and the change from baseline."""

    points: tuple[TrendPoint, ...]

    def change(self, measure: str) -> tuple[float | None, float | None]:
        """(points, percent) from the baseline to the last check-in (None when unknown)."""
        first, last = getattr(self.points[0], measure), getattr(self.points[-1], measure)
        if first is None or last is None:
            return None, None
        points = round(last - first, 2)
        return points, (round(100.0 * points / first, 1) if first else None)

    def to_dict(self) -> dict[str, Any]:
        pain, pain_pct = self.change("pain")
        peg, peg_pct = self.change("peg")
        return {
            "points": [p.to_dict() for p in self.points],
            "pain_change": {"points": pain, "percent": pain_pct},
            "peg_change": {"points": peg, "percent": peg_pct},
        }


@attrs.frozen
class WeekResult:
    """One check-in, evaluated. ``assessment`` is the check-in's own assessment (sections 1-10,
    unchanged); ``week`` is that assessment with the course's review findings added as findings
    of family ``course`` and the urgency raised to theirs, never lowered: what a person sees."""

    person: str
    date: dt.date
    index: int
    assessment: Assessment
    week: Assessment
    findings: tuple[CourseFinding, ...]
    new_red_flags: tuple[str, ...]
    plan: tuple[PlanStep, ...]
    advice: tuple[str, ...]
    trend: Trend
    next_checkin: dt.date
    engine: str
    course_hash: str

    @property
    def urgency(self) -> Urgency:
        return self.week.urgency

    @property
    def course_rules(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "person": self.person,
            "date": self.date.isoformat(),
            "checkin": self.index + 1,
            "urgency": self.week.urgency.value,
            "assessment": self.assessment.to_dict(),
            "course_rules": list(self.course_rules),
            "course_findings": [f.to_dict() for f in self.findings],
            "new_red_flags": list(self.new_red_flags),
            "plan": [p.to_dict() for p in self.plan],
            "advice": list(self.advice),
            "trend": self.trend.to_dict(),
            "next_checkin": self.next_checkin.isoformat(),
            "course": {"engine": self.engine, "hash": self.course_hash},
        }


@attrs.frozen
class CourseResult:
    """Every week of one person's episode, as re-evaluated from storage, and the record's
    state when read (``overdue``: no check-in for ``checkin_overdue_days``)."""

    person: str
    weeks: tuple[WeekResult, ...]
    overdue: bool
    read_on: dt.date
    record_findings: tuple[CourseFinding, ...] = ()

    @property
    def latest(self) -> WeekResult:
        return self.weeks[-1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "spinerules.course/1",
            "person": self.person,
            "read_on": self.read_on.isoformat(),
            "overdue": self.overdue,
            "record_findings": [f.to_dict() for f in self.record_findings],
            "weeks": [w.to_dict() for w in self.weeks],
        }
