"""1,000 plugin activities of which about 10 fire per patient (the issue-9 plugin row).

``plugins_gen.plugin_rule_base`` makes activities like a third-party plugin's, but about 30 % of
them are eligible for a typical patient (~300 of 1,000 on the benchmark population), so its
1,000-activity cell measures a plan built from hundreds of candidates. A real plugin's
activities are specific: this module takes the same generated activities and gates each one on
a two-year age band (seeded, spread over the population's ages), so each fires for ~1 % of
patients and about 10 of the 1,000 fire per patient; ``run.py`` prints the measured mean. Every
condition stays evaluated for every patient (the gate is and-ed after the eligibility), so the
engines still do the work of 1,000 activities.
"""

from __future__ import annotations

import random

import attrs
from plugins_gen import plugin_rule_base, with_activities

from spinerules import RuleBase
from spinerules.conditions import ge, lt

__all__ = ["PREFIX", "sparse_rule_base"]

#: Generated activity ids start with this (``plugins_gen``).
PREFIX = "bench_plugin_activity_"
#: Width of each activity's age band, and the ages the bands start at (the population's span).
BAND_YEARS = 2
FIRST_AGE, LAST_AGE = 18, 84


def sparse_rule_base(count: int = 1000, seed: int = 9) -> RuleBase:
    """``default_rule_base()`` (safety-net cards included) plus ``count`` generated activities,
    each gated to an age band."""
    rng = random.Random(seed)
    generated = []
    for activity in plugin_rule_base(count).activities:
        if activity.id.startswith(PREFIX):
            start = rng.randint(FIRST_AGE, LAST_AGE - BAND_YEARS)
            gate = ge("age", start) & lt("age", start + BAND_YEARS)
            generated.append(attrs.evolve(activity, eligibility=activity.eligibility & gate))
    return with_activities(generated, f"sparse{count}")
