"""Evaluating a course: every check-in a full assessment first, then the course rules.

For each check-in, in date order: its own assessment (red flags first, sections 1-10
unchanged, on the chosen engine); its measures and the window of facts its course rules read;
the course rules, on the same engine family (one durable session for the whole episode, or the
python evaluator); then the week: review findings added to the assessment (urgency only
raised), new red flags marked, the plan's exercises moved along their ladders. The result of
re-evaluating a person's history is a function of the stored check-ins alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ..api import assess
from ..assessment import Assessment, EvidenceRef, RedFlagFinding, TraceEntry
from ..engine import resolve_engine_name
from ..levels import DEFAULT_TIMEFRAME
from ..patient import PatientState
from ..registry import current_rule_base
from ..rules import RuleBase
from .engine_python import PythonCourseEngine
from .facts import measures, record_facts, window, window_keys
from .ladders import PlanStep, week_plan
from .model import Episode
from .parameters import CourseThresholds
from .registry import course_rule_base
from .result import CourseFinding, CourseResult, Trend, TrendPoint, WeekResult
from .rules import CourseRule, CourseRuleBase

_engines: dict[str, Any] = {}
_engines_lock = threading.Lock()


def course_engine(name: str) -> Any:
    """The course engine for ``auto``, ``python`` or ``durable`` (one instance per process)."""
    resolved = resolve_engine_name(name)
    with _engines_lock:
        if resolved not in _engines:
            if resolved == "durable":
                from .engine_durable import DurableCourseEngine

                _engines[resolved] = DurableCourseEngine()
            else:
                _engines[resolved] = PythonCourseEngine()
        return _engines[resolved]


#: Assessments kept (a pure function of the state, rule base, profile and engine): a person's
#: history is re-evaluated at every check-in, and its past weeks' assessments do not change.
ASSESSMENT_CACHE_SIZE = 4096


@functools.lru_cache(maxsize=ASSESSMENT_CACHE_SIZE)
def _assessment(state: PatientState, rules: RuleBase, profile: str, engine: str) -> Assessment:
    return assess(state, engine=engine, profile=profile, rule_base=rules)


def clear_cache() -> None:
    """Forget the cached assessments (benchmarks; after a rule base is edited in place)."""
    _assessment.cache_clear()


def _evidence(rule: CourseRule, crb: CourseRuleBase) -> tuple[EvidenceRef, ...]:
    out = []
    for link in rule.evidence:
        source = crb.evidence[link.evidence_id]
        out.append(EvidenceRef(source.id, source.citation, link.grade or source.grade, source.doi))
    return tuple(out)


def _finding(
    rule: CourseRule,
    crb: CourseRuleBase,
    facts: Mapping[str, Any],
    dates: Sequence[dt.date],
) -> CourseFinding:
    keys = rule.condition.inputs(facts)
    now = len(dates) - 1
    read: set[int] = {now}
    for key in keys:
        head = key.partition(".")[0]
        if head == "base":
            read.add(0)
        elif head.startswith("c") and head[1:].isdigit():
            read.add(now - int(head[1:]))
    shown = tuple(dates[i].isoformat() for i in sorted(read) if 0 <= i <= now)
    return CourseFinding(
        rule.id,
        rule.title,
        rule.effect,
        rule.tier,
        rule.text,
        shown,
        tuple((k, facts.get(k)) for k in keys),
        _evidence(rule, crb),
    )


def _week_assessment(a: Assessment, findings: Sequence[CourseFinding]) -> Assessment:
    """The assessment with the course's reviews added: more findings, urgency never lower."""
    reviews = [f for f in findings if f.effect == "review" and f.tier is not None]
    if not reviews:
        return a
    added = tuple(
        RedFlagFinding(
            id=f.id,
            family="course",
            title=f.title,
            urgency=f.tier,
            timeframe=DEFAULT_TIMEFRAME[f.tier],
            action=f.text,
            inputs=f.inputs,
            evidence=f.evidence,
        )
        for f in reviews
        if f.tier is not None
    )
    urgency = max([a.urgency, *(f.tier for f in reviews if f.tier is not None)])
    trace = tuple(
        TraceEntry(f.id, "course", f"course rule {f.id} fired: {f.title}", f.inputs, f.id)
        for f in reviews
    )
    return attrs.evolve(
        a, urgency=urgency, red_flags=(*a.red_flags, *added), trace=(*a.trace, *trace)
    )


def evaluate_episode(
    episode: Episode,
    *,
    engine: str = "auto",
    profile: str = "nice",
    rule_base: RuleBase | None = None,
    course_thresholds: CourseThresholds | None = None,
    today: dt.date | None = None,
) -> CourseResult:
    """Evaluate every check-in of an episode; raises ValueError for an empty one."""
    if not episode.checkins:
        raise ValueError("an episode needs at least one check-in")
    name = resolve_engine_name(engine)
    rules = rule_base if rule_base is not None else current_rule_base()
    t = course_thresholds or CourseThresholds()
    crb = course_rule_base(rules, t)
    checkins = episode.checkins
    assessments = [_assessment(c.state, rules, profile, name) for c in checkins]
    red_flag_ids = tuple(f.id for f in rules.red_flags)
    activities = {a.id: a for a in rules.activities}
    by_id = {r.id: r for r in crb.rules}
    checkin_keys = window_keys(
        sorted({k for r in crb.scoped("checkin") for k in r.condition.keys()})
    )
    read_on = today or dt.date.today()
    history: list[dict[str, Any]] = []
    positions: dict[str, int] = {}
    planned: int | None = None
    weeks: list[WeekResult] = []
    dates = [c.date for c in checkins]
    points: list[TrendPoint] = []
    with course_engine(name).session(crb, episode.person) as session:
        for i, (checkin, a) in enumerate(zip(checkins, assessments, strict=True)):
            history.append(measures(checkins, i, a, planned, red_flag_ids))
            facts = window(history, checkin_keys)
            fired = crb.resolve(session.fire("checkin", facts))
            findings = tuple(_finding(by_id[r], crb, facts, dates[: i + 1]) for r in fired)
            effects = {f.effect for f in findings}
            move = (1 if "progress" in effects else 0) - (1 if "step_back" in effects else 0)
            plan: tuple[PlanStep, ...] = week_plan(
                a.section("choose"),
                activities,
                checkin.state,
                positions,
                move,
                "maintenance" in effects,
            )
            planned = plan[0].sessions_per_week if plan else None
            new = tuple(
                rid
                for f in findings
                if f.effect == "new_red_flag"
                for key, value in f.inputs
                if value is True and key.startswith("c0.rf.")
                for rid in (key[len("c0.rf.") :],)
            )
            points.append(
                TrendPoint(
                    checkin.date.isoformat(),
                    checkin.state.pain_intensity,
                    None if checkin.peg is None else checkin.peg.score,
                )
            )
            weeks.append(
                WeekResult(
                    person=episode.person,
                    date=checkin.date,
                    index=i,
                    assessment=a,
                    week=_week_assessment(a, findings),
                    findings=findings,
                    new_red_flags=new,
                    plan=plan,
                    advice=tuple(f.text for f in findings if f.effect in ("note", "maintenance"))
                    + tuple(f.text for f in findings if f.effect == "step_back"),
                    trend=Trend(tuple(points)),
                    next_checkin=checkin.date + dt.timedelta(days=t.checkin_interval_days),
                    engine=name,
                    course_hash=crb.hash,
                )
            )
        record = record_facts(checkins[-1].date, read_on)
        fired_record = crb.resolve(session.fire("record", record))
    record_findings = tuple(_finding(by_id[r], crb, record, dates[-1:]) for r in fired_record)
    return CourseResult(
        episode.person,
        tuple(weeks),
        any(f.effect == "overdue" for f in record_findings),
        read_on,
        record_findings,
    )


__all__ = ["clear_cache", "course_engine", "evaluate_episode"]
