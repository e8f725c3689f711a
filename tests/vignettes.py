"""Shared helpers for the vignette tests: a complete safety screen, and the engines to run on.

The core safety questions are written out from clinical.md principle 3 rather than imported
from the library, so a question dropped from the code cannot silently drop out of the tests.
"""

from __future__ import annotations

from typing import Any

from spinerules import durable_available

#: durable-rules imports on Python 3.11 and 3.12 only; elsewhere the python engine serves alone.
ENGINES = ("durable", "python") if durable_available() else ("python",)

#: clinical.md principle 3, in the order the specification lists them.
CORE_SAFETY_QUESTIONS = (
    "saddle_anaesthesia",
    "urinary_retention",
    "urinary_incontinence",
    "faecal_incontinence",
    "leg_pain",
    "leg_numbness_or_tingling",
    "leg_weakness",
    "history_of_cancer",
    "fever",
    "major_trauma",
)
_SIDED = frozenset({"leg_pain", "leg_numbness_or_tingling", "leg_weakness"})


def complete_screen(**overrides: Any) -> dict[str, Any]:
    """A 40-year-old, 10 days into an episode, who answered every core question "no"/"none".

    ``overrides`` replace or add answers; an override of ``None`` leaves a question unanswered.
    """
    state: dict[str, Any] = {"age": 40, "pain_duration_days": 10}
    state.update({q: "none" if q in _SIDED else False for q in CORE_SAFETY_QUESTIONS})
    state.update(overrides)
    return state
