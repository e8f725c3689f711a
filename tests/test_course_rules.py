"""The section 12 course rules, one by one, on both engines: when each fires and what it adds."""

from __future__ import annotations

import datetime as dt

import pytest

from course_helpers import START, checkin_dict, course
from spinerules import Urgency
from spinerules.course import CheckIn, CourseThresholds, Episode, evaluate_episode
from spinerules.course.knowledge import course_rules
from spinerules.course.parameters import parameter_sources
from vignettes import ENGINES

ENGINE = pytest.mark.parametrize(
    "engine",
    [pytest.param(e, marks=pytest.mark.durable if e == "durable" else ()) for e in ENGINES],
)


def fired(pains: list[int | None], engine: str, **kw: object) -> list[tuple[str, ...]]:
    result = evaluate_episode(course(pains, **kw), engine=engine, today=START)
    return [w.course_rules for w in result.weeks]


@ENGINE
def test_pain_worsening_needs_two_checkins_in_a_row(engine: str) -> None:
    weeks = fired([4, 6, 4, 6, 7], engine)
    assert "checkin_pain_worsening" not in weeks[1]  # once is not twice
    assert "checkin_pain_worsening" not in weeks[3]
    assert "checkin_pain_worsening" in weeks[4]
    result = evaluate_episode(course([4, 6, 6]), engine=engine, today=START)
    last = result.latest
    assert last.urgency is Urgency.SOON and last.assessment.urgency is Urgency.SELF_CARE
    finding = next(f for f in last.findings if f.id == "checkin_pain_worsening")
    assert finding.read == (
        (START + dt.timedelta(7)).isoformat(),
        (START + dt.timedelta(14)).isoformat(),
    )
    assert "checkin_pain_worsening" in [f.id for f in last.week.red_flags]


@ENGINE
def test_not_improving_after_42_days_and_under_30_percent(engine: str) -> None:
    weeks = fired([6, 6, 6, 6, 5, 5, 5], engine)  # day 42 at the 7th check-in; 16.7% better
    assert ["checkin_not_improving" in w for w in weeks] == [False] * 6 + [True]
    assert "checkin_not_improving" not in fired([6, 6, 6, 6, 5, 5, 4], engine)[-1]  # 33% better
    # not when the pain score is unknown: unknown is not "not improving"
    assert "checkin_not_improving" not in fired([6, 6, 6, 6, 5, 5, None], engine)[-1]


@ENGINE
def test_not_improving_yields_to_worsening(engine: str) -> None:
    last = fired([4, 4, 4, 4, 4, 6, 6], engine)[-1]
    assert "checkin_pain_worsening" in last and "checkin_not_improving" not in last


@ENGINE
def test_a_new_red_flag_is_marked_new_and_keeps_its_tier(engine: str) -> None:
    items = [CheckIn.from_dict(checkin_dict(w, 4, fever=(w == 2))) for w in range(4)]
    result = evaluate_episode(Episode("p1", items), engine=engine, today=START)
    week = result.weeks[2]
    assert "checkin_new_red_flag" in week.course_rules
    assert "infection_fever" in week.new_red_flags
    assert week.urgency is week.assessment.urgency >= Urgency.URGENT
    assert week.plan == ()  # no exercise programme at urgent
    assert not result.weeks[3].new_red_flags  # it went away; nothing is new
    # a flag there from the baseline is not new
    again = [CheckIn.from_dict(checkin_dict(w, 4, fever=True)) for w in range(2)]
    assert not evaluate_episode(Episode("p1", again), engine=engine).weeks[1].new_red_flags


@ENGINE
def test_progress_moves_each_exercise_up_one_step(engine: str) -> None:
    result = evaluate_episode(course([5, 5, 5, 4]), engine=engine, today=START)
    walk = [next(p for p in w.plan if p.id == "walking") for w in result.weeks]
    # can_walk_minutes 15: start at 15 minutes (step 2), then 80% of planned twice in a row
    assert walk[0].step == 1 and walk[0].dose.startswith("Walk 15 minutes")
    assert walk[0].next_dose is not None and walk[0].next_dose.startswith("Walk 20 minutes")
    assert [w.course_rules for w in result.weeks][1:] == [
        (),
        ("checkin_progress",),
        ("checkin_progress",),
    ]
    assert [p.step for p in walk] == [1, 1, 2, 3]


@ENGINE
def test_no_progress_when_sessions_are_short_and_a_nudge_after_two(engine: str) -> None:
    weeks = fired([5, 5, 5], engine, exercise_sessions_done=0)
    assert weeks == [(), (), ("checkin_nudge",)]
    unknown = fired([5, 5, 5], engine, exercise_sessions_done=None)
    assert unknown == [(), (), ()]  # unanswered sessions are not "none done"


@ENGINE
def test_step_back_on_a_two_point_flare(engine: str) -> None:
    result = evaluate_episode(course([5, 5, 4, 6]), engine=engine, today=START)
    assert "checkin_step_back" in result.weeks[3].course_rules
    before = next(p for p in result.weeks[2].plan if p.id == "walking")
    after = next(p for p in result.weeks[3].plan if p.id == "walking")
    assert after.step == before.step - 1
    assert any("pain flares" in a for a in result.weeks[3].advice)


@ENGINE
def test_recovered_holds_the_plan_as_maintenance(engine: str) -> None:
    result = evaluate_episode(course([5, 3, 2, 1]), engine=engine, today=START)
    assert "checkin_recovered" in result.weeks[3].course_rules
    assert "checkin_progress" not in result.weeks[3].course_rules
    assert all(p.maintenance and p.next_dose is None for p in result.weeks[3].plan)


@ENGINE
def test_overdue_is_computed_when_read(engine: str) -> None:
    ep = course([5, 5])
    last = ep.checkins[-1].date
    assert not evaluate_episode(ep, engine=engine, today=last + dt.timedelta(13)).overdue
    late = evaluate_episode(ep, engine=engine, today=last + dt.timedelta(14))
    assert late.overdue and [f.id for f in late.record_findings] == ["checkin_overdue"]


def test_every_threshold_is_a_named_parameter_with_a_source() -> None:
    sources = parameter_sources()
    assert all(sources.values())
    rules = course_rules(CourseThresholds(), ["ces_saddle"])
    described = " ".join(r.condition.describe() for r in rules)
    for name in (
        "worsening_points",
        "review_days",
        "improvement_fraction",
        "adherence_fraction",
        "low_adherence_fraction",
        "flare_points",
        "recovered_pain",
        "checkin_overdue_days",
    ):
        assert name in described and name in sources


@ENGINE
def test_a_changed_threshold_changes_the_answer(engine: str) -> None:
    ep = course([4, 5, 5], exercise_sessions_done=None)
    assert not evaluate_episode(ep, engine=engine).latest.course_rules
    strict = CourseThresholds(worsening_points=1)
    assert (
        "checkin_pain_worsening"
        in evaluate_episode(ep, engine=engine, course_thresholds=strict).latest.course_rules
    )


def test_next_checkin_is_seven_days_on() -> None:
    result = evaluate_episode(course([5]), engine="python")
    assert result.latest.next_checkin == START + dt.timedelta(7)


def _course_texts() -> list[tuple[str, str]]:
    """Every course string a person may read: the course rules' titles and texts, and every
    step of every built-in dose ladder (``catalogue.patient_texts`` covers the rest)."""
    from spinerules import default_rule_base

    out = []
    for rule in course_rules(CourseThresholds(), ["ces_saddle"]):
        out += [(f"course:{rule.id}:title", rule.title), (f"course:{rule.id}:text", rule.text)]
    for act in default_rule_base().activities:
        out += [(f"ladder:{act.id}:{n + 1}", step[0]) for n, step in enumerate(act.ladder)]
    return out


def test_course_texts_read_at_grade_8() -> None:
    import statistics

    import textstat  # type: ignore[import-untyped]

    grades = {name: float(textstat.flesch_kincaid_grade(text)) for name, text in _course_texts()}
    assert len(grades) > 30
    assert statistics.median(grades.values()) <= 8.0, grades
    assert max(grades.values()) <= 12.0, max(grades.items(), key=lambda kv: kv[1])
