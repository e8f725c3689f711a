"""Two engines, one answer; course rules only add; re-evaluation gives the same result.

Generated courses (``course_helpers.courses``): 1-20 check-ins, irregular gaps, wandering pain
and sessions, now and then a red flag, an unanswered core question or pain score.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from course_helpers import START, courses, summary
from spinerules import Urgency, assess, durable_available
from spinerules.course import Episode, Store, course, evaluate_episode
from spinerules.course.engine_durable import DurableCourseEngine

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENGINES = ("durable", "python") if durable_available() else ("python",)


@pytest.mark.durable
@SETTINGS
@given(courses())
def test_durable_and_python_give_the_same_course(episode: Episode) -> None:
    today = episode.checkins[-1].date + dt.timedelta(days=10)
    python = evaluate_episode(episode, engine="python", today=today)
    durable = evaluate_episode(episode, engine="durable", today=today)
    assert summary(durable) == summary(python)


@SETTINGS
@given(courses())
def test_course_rules_only_add(episode: Episode) -> None:
    result = evaluate_episode(episode, engine="python")
    for checkin, week in zip(episode.checkins, result.weeks, strict=True):
        own = assess(checkin.state, engine="python")
        # every check-in is first a full assessment, unchanged by the course
        assert week.assessment.to_dict() | {"ruleset": None} == own.to_dict() | {"ruleset": None}
        assert week.urgency >= week.assessment.urgency  # never lower
        kept = week.week.red_flags[: len(own.red_flags)]
        assert kept == own.red_flags  # every red flag, in place, unchanged
        assert all(f.family == "course" for f in week.week.red_flags[len(own.red_flags) :])
        offered = {r.id for r in own.section("choose")}
        assert {p.id for p in week.plan} <= offered  # the plan never goes past the policy
        if own.urgency >= Urgency.URGENT or not own.screen_complete:
            assert week.plan == ()
        assert set(week.new_red_flags) <= {f.id for f in own.red_flags}


@SETTINGS
@given(courses(max_size=10))
def test_a_course_is_causal_and_re_evaluates_the_same(episode: Episode) -> None:
    full = evaluate_episode(episode, engine="python", today=START)
    again = evaluate_episode(episode, engine="python", today=START)
    assert summary(full) == summary(again)
    prefix = Episode(episode.person, episode.checkins[:-1]) if len(episode.checkins) > 1 else None
    if prefix is not None:
        head = evaluate_episode(prefix, engine="python", today=START)
        assert summary(head)[0] == summary(full)[0][:-1]  # a later week never changes an earlier


@pytest.mark.parametrize("engine", ENGINES)
def test_stored_then_evaluated_equals_evaluated(engine: str, tmp_path: Path) -> None:
    from course_helpers import checkin_dict
    from spinerules.course import checkin

    db = tmp_path / "j.sqlite"
    weeks = []
    for w, pain in enumerate([6, 6, 5, 7, 8, 3]):
        day = START + dt.timedelta(days=7 * w)
        weeks.append(checkin(db, "p1", checkin_dict(w, pain), engine=engine, today=day))
    whole = course(db, "p1", engine=engine, today=weeks[-1].date)
    assert [w.to_dict() for w in whole.weeks] == [w.to_dict() for w in weeks]
    episode = Store(db).episode("p1")
    direct = evaluate_episode(episode, engine=engine, today=weeks[-1].date)
    assert summary(direct) == summary(whole)


@pytest.mark.durable
def test_durable_sessions_are_deleted_past_the_session_cap() -> None:
    """1,100 evaluations (one person each) on one course ruleset: past the 1,024-session cap,
    so every session opened must have been deleted."""
    from course_helpers import course as make

    episode = make([5, 6])
    engine = DurableCourseEngine()
    from spinerules import default_rule_base
    from spinerules.course.registry import course_rule_base

    crb = course_rule_base(default_rule_base())
    facts = {"c0.pain": 5}
    for _ in range(1100):
        with engine.session(crb, episode.person) as session:
            session.fire("checkin", facts)
            session.fire("record", {"record.days_since_last": 20})
