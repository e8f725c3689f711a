"""Generated plugin activities, for the cost-growth row (10, 100 and 1,000 added activities).

Each generated activity looks like one a third-party plugin would add (``spinerules-pilates``
is the model): an eligibility of two or three tests over real patient facts (episode phase,
pain, age, BMI, walking, habits, the outcome of a built-in red flag), sometimes an exclusion
and a conditional caution, citing a built-in evidence id. Seeded, so every run builds the same
rule bases.
"""

from __future__ import annotations

import random

from spinerules import RuleBase, default_rule_base
from spinerules.conditions import Condition, Is, IsNot, all_of, any_of, flag, ge, le, lt, yes
from spinerules.rules import Activity, ConditionalText, Exclusion, cite

__all__ = ["plugin_rule_base", "with_activities"]

_EVIDENCE = ("nice_ng59", "acp2017", "owen2020", "saper2017", "kong2016")


def _leaf(rng: random.Random) -> Condition:
    kind = rng.randrange(9)
    if kind == 0:
        return ge("pain_duration_days", rng.choice((28, 42, 85, 90, 180)))
    if kind == 1:
        return le("pain_intensity", rng.randint(3, 8))
    if kind == 2:
        return ge("age", rng.choice((18, 30, 40, 50, 60, 65, 70)))
    if kind == 3:
        return lt("bmi", rng.choice((25.0, 30.0, 35.0)))
    if kind == 4:
        return ge("can_walk_minutes", rng.choice((5, 10, 20, 30)))
    if kind == 5:
        return yes(rng.choice(("currently_runs", "balance_problems", "diabetes", "pregnant")))
    if kind == 6:
        return IsNot("pain_trend", rng.choice(("improving", "worsening")))
    if kind == 7:
        return Is("leg_pain", rng.choice(("none", "one_side")))
    return flag(rng.choice(("radicular_sensory", "radicular_persistent", "cancer_history")))


def _activity(rng: random.Random, n: int) -> Activity:
    leaves = [_leaf(rng) for _ in range(rng.randint(2, 3))]
    eligibility = all_of(*leaves) if rng.random() < 0.7 else any_of(*leaves)
    exclusions = ()
    if rng.random() < 0.4:
        exclusions = (
            Exclusion(
                "contraindicated",
                yes(rng.choice(("osteoporosis", "previous_vertebral_fracture", "pregnant"))),
                "generated exclusion",
            ),
        )
    cautions = ()
    if rng.random() < 0.3:
        cautions = (ConditionalText("generated caution", ge("age", 65)),)
    return Activity(
        id=f"bench_plugin_activity_{n}",
        name=f"Benchmark plugin activity {n}",
        eligibility=eligibility,
        reason="generated for the benchmark",
        dose="generated dose",
        progression="generated progression",
        evidence=(cite(rng.choice(_EVIDENCE)),),
        exclusions=exclusions,
        cautions=cautions,
    )


def with_activities(activities: list[Activity], version: str) -> RuleBase:
    """The built-in rule base (its safety-net cards included) plus ``activities``."""
    base = default_rule_base()
    return RuleBase.build(
        red_flags=base.red_flags,
        watch_items=base.watch_items,
        activities=[*base.activities, *activities],
        advice_against=base.advice_against,
        evidence=base.evidence.values(),
        thresholds=base.thresholds,
        version=f"{base.version}+{version}",
        cards=base.cards,
    )


def plugin_rule_base(count: int, seed: int = 4) -> RuleBase:
    """The built-in rule base plus ``count`` generated activities."""
    rng = random.Random(seed)
    return with_activities([_activity(rng, n) for n in range(count)], f"bench{count}")
