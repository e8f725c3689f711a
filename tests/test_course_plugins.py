"""Plugins add course rules through ``register_course_rules``; a bad one is dropped alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from course_helpers import course
from spinerules import Urgency
from spinerules.conditions import Is, ge
from spinerules.course import CourseRule, evaluate_episode, this
from spinerules.course.registry import course_rule_base
from spinerules.hookspecs import hookimpl
from spinerules.levels import Grade
from spinerules.plugins import Plugins
from spinerules.registry import current_rule_base, reset_plugins
from spinerules.rules import Activity, Evidence, cite


class HighPain:
    """A local pathway: pain 9 or more at any check-in asks for a review within 2 weeks."""

    @hookimpl
    def register_course_rules(self, register: Callable[[Any], None]) -> None:
        register(
            Evidence(
                "local_pathway",
                "Our local back pain pathway, 2026",
                "pathway",
                Grade.EXPERT_OPINION,
            )
        )
        register(
            CourseRule(
                id="local_high_pain",
                title="Very high pain",
                condition=ge(this("pain"), 9),
                effect="review",
                tier=Urgency.SOON,
                text="Your pain is very high: book a review with your GP or physiotherapist.",
                evidence=(cite("local_pathway"),),
            )
        )


class Broken:
    @hookimpl
    def register_course_rules(self, register: Callable[[Any], None]) -> None:
        register(
            CourseRule(
                id="reads_nothing_known",
                title="x",
                condition=Is(this("mood"), True),
                effect="note",
                text="x",
                evidence=(cite("nice_ng59"),),
            )
        )


class Replaces:
    @hookimpl
    def register_course_rules(self, register: Callable[[Any], None]) -> None:
        register(
            CourseRule(
                id="checkin_pain_worsening",
                title="never mind",
                condition=ge(this("pain"), 0),
                effect="note",
                text="All is well.",
                evidence=(cite("nice_ng59"),),
            )
        )


class Raises:
    @hookimpl
    def register_course_rules(self, register: Callable[[Any], None]) -> None:
        raise RuntimeError("course boom")


@pytest.fixture
def plugins() -> Iterator[Callable[..., Plugins]]:
    def use(*items: tuple[object, str]) -> Plugins:
        manager = Plugins(load_entry_points=False)
        for plugin, name in items:
            manager.register(plugin, name)
        reset_plugins(manager)
        return manager

    yield use
    reset_plugins()


def test_plugin_course_rule_adds_a_review(plugins: Callable[..., Plugins]) -> None:
    plugins((HighPain(), "high_pain"))
    result = evaluate_episode(course([5, 9]), engine="python")
    week = result.latest
    assert "local_high_pain" in week.course_rules
    assert week.urgency is Urgency.SOON
    assert "local_high_pain" in [f.id for f in week.week.red_flags]
    assert result.weeks[0].course_rules == ()


@pytest.mark.parametrize(
    ("plugin", "why"),
    [(Broken, "unknown fact"), (Replaces, "already registered"), (Raises, "course boom")],
)
def test_a_bad_course_plugin_is_dropped_and_reported(
    plugins: Callable[..., Plugins], plugin: type, why: str
) -> None:
    manager = plugins((plugin(), "bad"), (HighPain(), "high_pain"))
    crb = course_rule_base(current_rule_base())
    ids = [r.id for r in crb.rules]
    assert "local_high_pain" in ids  # the good plugin stays
    assert ids.count("checkin_pain_worsening") == 1
    assert next(r for r in crb.rules if r.id == "checkin_pain_worsening").effect == "review"
    failure = next(f for f in manager.failures if f.plugin == "bad")
    assert failure.stage == "register_course_rules" and why in failure.error


def test_a_plugin_activity_brings_its_own_ladder() -> None:
    from spinerules.conditions import yes

    own = Activity(
        id="swim",
        name="Swimming",
        eligibility=yes("currently_runs"),
        reason="r",
        dose="Swim as you like.",
        progression="More.",
        evidence=(cite("owen2020"),),
        ladder=(("Swim 20 minutes twice a week.", 2, 20), ("Swim 30 minutes twice a week.", 2, 30)),
    )
    assert own.ladder[1][2] == 30
    from spinerules import RuleBaseError

    with pytest.raises(RuleBaseError, match="step 1"):
        Activity(
            id="swim",
            name="S",
            eligibility=yes("currently_runs"),
            reason="r",
            dose="d",
            progression="p",
            evidence=(cite("owen2020"),),
            ladder=(("", 0, None),),
        )


class Swimming:
    """A plugin activity with its own ladder, preferred by the person, so it leads the plan."""

    @hookimpl
    def register_activities(self, register: Callable[[Any], None]) -> None:
        from spinerules.knowledge.common import always

        register(
            Activity(
                id="swimming",
                name="Swimming",
                eligibility=always(),
                reason="Swimming is gentle on the back.",
                dose="Swim gently.",
                progression="Swim a little longer each week.",
                evidence=(cite("owen2020"),),
                ladder=(
                    ("Swim 15 minutes, 2 times a week.", 2, 15),
                    ("Swim 20 minutes, 2 times a week.", 2, 20),
                    ("Swim 30 minutes, 2 times a week.", 2, 30),
                ),
            )
        )


def test_a_plugin_ladder_is_climbed_like_a_built_in_one(plugins: Callable[..., Plugins]) -> None:
    plugins((Swimming(), "swimming"))
    result = evaluate_episode(
        course([5, 5, 5, 4], preferred_activities=["swimming"], exercise_sessions_done=2),
        engine="python",
    )
    steps = [w.plan[0] for w in result.weeks]
    assert {s.id for s in steps} == {"swimming"}
    assert [s.step for s in steps] == [0, 0, 1, 2]  # 2 of 2 planned sessions: 100%
    assert steps[-1].next_dose is None and steps[-1].dose.startswith("Swim 30")
