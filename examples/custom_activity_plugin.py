"""Add an activity with an in-process plugin, then assess a person who gets it.

A plugin is any object with ``@hookimpl`` functions. An installed package publishes one under
the ``spinerules`` entry-point group (see plugins/spinerules-pilates); in a script or a test you
can register it yourself on a ``Plugins`` manager and make that manager the current one.

Run: python examples/custom_activity_plugin.py
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import spinerules
from spinerules.conditions import ge
from spinerules.hookspecs import hookimpl
from spinerules.levels import Grade
from spinerules.plugins import Plugins
from spinerules.registry import reset_plugins
from spinerules.rules import Activity, Evidence, cite
from spinerules.thresholds import Thresholds


class AquaticExercise:
    """Aquatic exercise for back pain of 4 weeks or more, with the evidence it rests on."""

    @hookimpl
    def register_evidence(self, register: Callable[[Any], None]) -> None:
        register(
            Evidence(
                "shi2018_aquatic",
                "Shi Z et al. Aquatic exercises in the treatment of low back pain: a systematic "
                "review of the literature and meta-analysis of eight studies. Am J Phys Med "
                "Rehabil 2018;97(2):116-122",
                "meta-analysis, 8 studies",
                Grade.LOW,
            )
        )

    @hookimpl
    def register_activities(self, register: Callable[[Any], None], thresholds: Thresholds) -> None:
        register(
            Activity(
                id="aquatic_exercise",
                name="Aquatic exercise",
                # Use the named threshold, not a literal 28, so a local pathway can change it.
                eligibility=ge(
                    "pain_duration_days", thresholds.subacute_min_days, "subacute_min_days"
                ),
                reason="Your pain has lasted 4 weeks or more; exercising in warm water eases pain for some people.",
                dose="2 sessions a week in a warm pool, 30–45 minutes, for 8 weeks.",
                progression="Move from walking in water to swimming and resistance exercises as you feel able.",
                evidence=[cite("shi2018_aquatic"), cite("owen2020")],
                framing="The trials are small; land exercise works as well, so choose what you will keep doing.",
            )
        )


manager = Plugins(load_entry_points=False)  # the built-ins only, plus what we register
manager.register(AquaticExercise(), "aquatic_exercise")
reset_plugins(manager)  # make it the manager assess() and render() use

person = {
    "age": 58,
    "pain_duration_days": 60,
    "preferred_activities": ["aquatic_exercise"],
    # Every core safety question answered "no", so a full plan can be offered.
    "saddle_anaesthesia": False,
    "urinary_retention": False,
    "urinary_incontinence": False,
    "faecal_incontinence": False,
    "leg_pain": "none",
    "leg_numbness_or_tingling": "none",
    "leg_weakness": "none",
    "history_of_cancer": False,
    "fever": False,
    "major_trauma": False,
}
assessment = spinerules.assess(person)
if manager.failures:
    raise SystemExit(f"the plugin was rejected: {manager.failures}")
first = assessment.recommendations[0]
print(f"urgency: {assessment.urgency.value}; rules {assessment.ruleset.version}")
print(f"first recommendation: {first.name} ({first.id}) - {first.dose}")
print(
    "evidence: "
    + "; ".join(f"{e.id} ({e.grade.value if e.grade else 'n/a'})" for e in first.evidence)
)
print("whole plan: " + ", ".join(r.id for r in assessment.recommendations))
