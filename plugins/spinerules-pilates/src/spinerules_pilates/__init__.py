"""Pilates for chronic low back pain: an example spinerules plugin.

It registers one activity through ``register_activities``. Its evidence, Owen 2020, is already
in the built-in catalogue (``owen2020``), so ``register_evidence`` registers nothing: a plugin
cites an existing source by id and never registers it twice (a taken id is rejected).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spinerules.conditions import ge, yes
from spinerules.hookspecs import hookimpl
from spinerules.rules import Activity, ConditionalText, cite
from spinerules.thresholds import Thresholds

__all__ = ["pilates", "register_activities", "register_evidence"]

#: Built-in evidence this plugin cites (clinical.md section 9).
CITED = ("owen2020",)


@hookimpl
def register_evidence(register: Callable[[Any], None]) -> None:
    """Nothing to add: ``owen2020`` is built in, and registering it again would be rejected."""


def pilates(thresholds: Thresholds) -> Activity:
    """The Pilates activity for the cut-offs in force."""
    return Activity(
        id="pilates",
        name="Pilates",
        eligibility=ge("pain_duration_days", thresholds.chronic_min_days, "chronic_min_days"),
        reason=(
            f"Your back pain is chronic (it has lasted {thresholds.chronic_min_days} days or "
            "more); in a network meta-analysis of 89 trials Pilates ranked best for reducing "
            "pain in chronic low back pain."
        ),
        dose=(
            "2–3 supervised sessions a week (mat or equipment), 45–60 minutes each, for 8–12 weeks."
        ),
        progression=(
            "Start with basic control exercises at low load; add repetitions, then harder "
            "levels and equipment as control improves; keep up one or two sessions a week, "
            "at home or in a class, after the course."
        ),
        evidence=(
            cite(
                "owen2020", "moderate", "Pilates ranked best for pain in the network meta-analysis"
            ),
        ),
        cautions=(
            ConditionalText(
                "Pregnancy: choose an instructor trained in prenatal Pilates; avoid long lying "
                "on the back after the first trimester.",
                yes("pregnant"),
            ),
            ConditionalText(
                "Osteoporosis: avoid loaded spinal flexion (roll-ups, roll-overs, crunch-type "
                "moves) and deep twisting; tell the instructor.",
                yes("osteoporosis"),
            ),
        ),
        framing=(
            "Pilates ranked best for pain in Owen 2020, but the differences between exercise "
            "types were small and uncertain: no type of exercise is clearly best, so the one "
            "you will keep doing is the one that works."
        ),
    )


@hookimpl
def register_activities(register: Callable[[Any], None], thresholds: Thresholds) -> None:
    register(pilates(thresholds))
