"""The built-in red flags written directly with ``durable.lang``: what a team would write by hand.

All 40 red flags of clinical.md section 4, with their tiers and escalations, as ``@when_all``
rules over one flat patient fact. What this baseline does the way engine-notes.md says durable
needs it, and what it simplifies:

* Each evaluation asserts one fact with a fresh ``sid`` into each ruleset, then
  ``delete_state`` for every ruleset in ``finally`` (1,024 live sessions per ruleset).
* Every property a rule reads is sent, with the sentinel ``"?"`` for an unanswered field
  (a missing property crashes durable), and every ruleset has a catch-all rule on the property
  ``seen`` (a fact that matches no rule raises ``MessageNotHandledException`` and still opens a
  session).
* All 59 rules sit in one ruleset (one assert per patient), well under the ~130-rule ceiling;
  ``setup(layout=4)`` splits them over four rulesets by family instead (measured: about twice
  the cost, each ruleset adds an assert, a JSON round trip and a catch-all action).
* A tier escalation is a second rule of the same id (``ces_saddle`` urgent; ``ces_saddle`` and a
  new course, emergency); a flag's tier is the highest of its rules that fired.
* Reviewable flags carry ``clinician_reviewed_this_episode != True`` in their rule.
* Clinician clearance (section 3): every ``soon`` rule of a flag carries ``cleared_<id> != True``,
  so a cleared flag drops out when it fires at ``soon`` only and stays when a rule of a higher
  tier fires. ``cleared_<id>`` is one boolean per such flag, set in Python from
  ``clinician_cleared_flags`` while building the fact (durable cannot test a list for a member
  that is absent).
* ``at least 2 of`` (weak malignancy flags, fracture risk profile) is written out as the
  pairs; ``fracture_neuro`` restates the other fracture flags' conditions instead of reading
  their outcome (durable has no truth maintenance; joining asserted flag facts would need a
  second pass).
* Simplifications (stated in run.py's footnotes): the NG65 feature count is computed in Python
  while building the fact (``axspa_count``, with ``onset_before_35`` derived), because durable
  cannot count the members of a list, and so are the ``cleared_<id>`` booleans; the host is a
  ``durable.engine.Host`` whose ``_run`` starts no timer threads (installed as ``durable.lang``'s
  host before first use), because the default host's background threads can crash a process
  that also runs spinerules' own durable host.
* No trace, no evidence, no recommendations: only the urgency and the red-flag ids.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from functools import reduce
from typing import Any

from durable import engine as durable_engine
from durable import lang
from durable.lang import m, ruleset, when_all

from .ifelse import AAA_RISK_FACTORS, RANK, TIERS, axspa_count

UNKNOWN = "?"
#: Every patient property a rule reads (the fact carries all of them, ``UNKNOWN`` when unanswered).
PROPERTIES = (
    "age",
    "sex",
    "pregnant",
    "pain_duration_days",
    "pain_intensity",
    "pain_trend",
    "first_back_pain_age",
    "sudden_severe_onset",
    "unrelenting_pain",
    "night_pain",
    "thoracic_pain",
    "leg_pain",
    "leg_numbness_or_tingling",
    "leg_weakness",
    "leg_weakness_sides",
    "neuro_symptoms_course",
    "foot_drop",
    "gait_disturbance",
    "saddle_anaesthesia",
    "urinary_retention",
    "urinary_incontinence",
    "faecal_incontinence",
    "sexual_dysfunction_new",
    "history_of_cancer",
    "unexplained_weight_loss",
    "fever",
    "iv_drug_use",
    "immunosuppressed",
    "long_term_corticosteroids",
    "recent_bacterial_infection",
    "recent_spinal_procedure",
    "diabetes",
    "major_trauma",
    "minor_trauma",
    "trauma_days_ago",
    "osteoporosis",
    "previous_vertebral_fracture",
    "structural_deformity",
    "abdominal_pain",
    "collapse_or_fainting",
    "pulsatile_abdominal_mass",
    "known_aortic_aneurysm",
    *AAA_RISK_FACTORS,
    "hla_b27",
    "clinician_reviewed_this_episode",
    "can_walk_minutes",
)

_fired: list[tuple[str, str]] = []
_session = itertools.count(1)
#: Flags with a ``soon`` rule, which a clinician can clear (filled in as the rules are defined).
CLEARABLE: list[str] = []


# Small expression helpers over ``durable.lang.m`` (each returns a durable expression).


def f(name: str) -> Any:
    return getattr(m, name)


def yes(name: str) -> Any:
    return f(name) == True  # noqa: E712 (a durable expression, not a Python comparison)


def known(name: str) -> Any:
    return f(name) != UNKNOWN


#: Required answers: never the sentinel, so their comparisons need no ``known`` guard.
REQUIRED = frozenset({"age", "pain_duration_days"})


def ge(name: str, value: int) -> Any:
    return f(name) >= value if name in REQUIRED else known(name) & (f(name) >= value)


def gt(name: str, value: int) -> Any:
    return f(name) > value if name in REQUIRED else known(name) & (f(name) > value)


def le(name: str, value: int) -> Any:
    return f(name) <= value if name in REQUIRED else known(name) & (f(name) <= value)


def lt(name: str, value: int) -> Any:
    return f(name) < value if name in REQUIRED else known(name) & (f(name) < value)


def any_of(*expressions: Any) -> Any:
    return reduce(lambda a, b: a | b, expressions)


def all_of(*expressions: Any) -> Any:
    return reduce(lambda a, b: a & b, expressions)


def not_reviewed() -> Any:
    return f("clinician_reviewed_this_episode") != True  # noqa: E712


def not_cleared(rule_id: str) -> Any:
    return f(f"cleared_{rule_id}") != True  # noqa: E712


CES_SIGNS = (
    "saddle_anaesthesia",
    "urinary_retention",
    "urinary_incontinence",
    "faecal_incontinence",
    "sexual_dysfunction_new",
)


def new_course() -> Any:
    """New, worsening or unknown (principle 7's exception)."""
    return any_of(
        f("neuro_symptoms_course") == "new",
        f("neuro_symptoms_course") == "worsening",
        f("neuro_symptoms_course") == UNKNOWN,
    )


def present(name: str) -> Any:
    """An enum answered and not ``none``."""
    return known(name) & (f(name) != "none")


def deficit() -> Any:
    return any_of(
        present("leg_weakness"), yes("foot_drop"), yes("gait_disturbance"), *map(yes, CES_SIGNS)
    )


def symptom() -> Any:
    return any_of(present("leg_pain"), present("leg_numbness_or_tingling"), deficit())


def rule(rule_id: str, tier: str, expression: Any) -> None:
    """One ``@when_all`` rule inside the current ``ruleset`` block; a ``soon`` rule also needs
    its flag not cleared by a clinician (section 3)."""

    def action(c: Any) -> None:
        _fired.append((rule_id, tier))

    if tier == "soon":
        if rule_id not in CLEARABLE:
            CLEARABLE.append(rule_id)
        expression = expression & not_cleared(rule_id)
    action.__name__ = f"{rule_id}_{tier}"
    when_all(expression)(action)


def catch_all() -> None:
    def seen(c: Any) -> None:
        return None

    when_all(m.seen == 1)(seen)


def _cauda_equina_and_neuro() -> None:
    not_both = f("leg_weakness_sides") != "both_sides"
    for rule_id, signs in (
        ("ces_saddle", ("saddle_anaesthesia",)),
        ("ces_bladder", ("urinary_retention", "urinary_incontinence")),
        ("ces_bowel", ("faecal_incontinence",)),
        ("ces_sexual", ("sexual_dysfunction_new",)),
    ):
        sign = any_of(*map(yes, signs))
        rule(rule_id, "urgent", sign)
        rule(rule_id, "emergency", sign & new_course())
    bilateral = any_of(
        f("leg_pain") == "both_sides",
        f("leg_numbness_or_tingling") == "both_sides",
        present("leg_weakness") & (f("leg_weakness_sides") == "both_sides"),
    )
    rule("ces_bilateral_legs", "soon", bilateral)
    rule(
        "ces_bilateral_legs",
        "urgent",
        bilateral
        & any_of(f("neuro_symptoms_course") == "stable_2_to_12_weeks", present("leg_weakness")),
    )
    rule("ces_bilateral_legs", "emergency", bilateral & new_course())
    rule("neuro_gait", "emergency", yes("gait_disturbance"))
    rule(
        "neuro_progressive_weakness",
        "urgent",
        any_of(f("leg_weakness") == "progressive", f("leg_weakness") == "severe") & not_both,
    )
    rule("neuro_foot_drop", "urgent", yes("foot_drop"))
    rule("neuro_stable_weakness", "soon", (f("leg_weakness") == "stable") & not_both)
    rule(
        "radicular_sensory", "soon", (f("leg_numbness_or_tingling") == "one_side") & not_reviewed()
    )
    rule(
        "radicular_persistent",
        "soon",
        all_of(
            f("leg_pain") == "one_side",
            any_of(gt("pain_duration_days", 42), ge("pain_intensity", 7)),
            not_reviewed(),
        ),
    )


def _malignancy() -> None:
    older = ge("age", 50)
    rule("mscc", "emergency", all_of(yes("history_of_cancer"), symptom(), new_course()))
    rule(
        "malignancy_suspected_neuro",
        "emergency",
        all_of(yes("unexplained_weight_loss"), older, symptom(), new_course()),
    )
    rule(
        "cancer_metastasis_features",
        "urgent",
        yes("history_of_cancer")
        & any_of(
            yes("thoracic_pain"),
            yes("unrelenting_pain"),
            yes("night_pain"),
            f("pain_trend") == "worsening",
        ),
    )
    rule("cancer_history", "soon", yes("history_of_cancer"))
    rule("malignancy_weight_loss_age", "soon", yes("unexplained_weight_loss") & older)
    rule(
        "ng12_myeloma_bloods",
        "soon",
        all_of(ge("age", 60), ge("pain_duration_days", 42), not_reviewed()),
    )
    # Not improving after 4 weeks: "unchanged" counts only before the chronic phase (85 days).
    not_improving = any_of(
        ge("pain_duration_days", 28) & (f("pain_trend") == "worsening"),
        all_of(
            f("pain_trend") == "unchanged",
            ge("pain_duration_days", 28),
            lt("pain_duration_days", 85),
        ),
    )
    weak_flags = [
        ge("age", 50),
        lt("age", 20),
        yes("unexplained_weight_loss"),
        yes("night_pain"),
        yes("unrelenting_pain"),
        yes("thoracic_pain"),
        not_improving,
    ]
    # "Two or more" written out as pairs, one rule per first member (durable caps a rule's
    # expression at 31 terms).
    for first in range(len(weak_flags) - 1):
        pairs = any_of(*(weak_flags[first] & other for other in weak_flags[first + 1 :]))
        rule("malignancy_weak_combination", "soon", pairs & not_reviewed())
    rule("malignancy_unrelenting_pain", "soon", yes("unrelenting_pain") & not_reviewed())


def _infection_and_fracture() -> None:
    risk = (
        "iv_drug_use",
        "immunosuppressed",
        "long_term_corticosteroids",
        "recent_bacterial_infection",
    )
    rule("infection_neuro", "emergency", all_of(yes("fever"), deficit(), new_course()))
    rule(
        "infection_fever_risk",
        "urgent",
        yes("fever") & any_of(*map(yes, (*risk, "recent_spinal_procedure", "diabetes"))),
    )
    rule("infection_fever", "urgent", yes("fever"))
    rule("infection_post_procedure", "urgent", yes("recent_spinal_procedure"))
    rule("infection_risk_factor", "soon", any_of(*map(yes, risk)))

    major = yes("major_trauma")
    rule("fracture_major_trauma", "urgent", major)
    rule(
        "fracture_major_trauma",
        "emergency",
        major & any_of(f("trauma_days_ago") == UNKNOWN, le("trauma_days_ago", 7)),
    )
    rule("fracture_deformity", "urgent", yes("structural_deformity"))
    fragility = yes("minor_trauma") & any_of(
        yes("osteoporosis"),
        yes("long_term_corticosteroids"),
        yes("previous_vertebral_fracture"),
        ge("age", 70),
    )
    rule("fracture_fragility", "soon", fragility)
    rule(
        "fracture_fragility",
        "urgent",
        fragility
        & any_of(ge("pain_intensity", 8), f("can_walk_minutes") == 0, yes("sudden_severe_onset")),
    )
    older = any_of(ge("age", 70), (f("sex") == "female") & ge("age", 65))
    factors = [
        yes("osteoporosis"),
        yes("long_term_corticosteroids"),
        yes("previous_vertebral_fracture"),
        older,
    ]
    profile_pairs = [a & b for a, b in itertools.combinations(factors, 2)]
    rule("fracture_risk_profile", "soon", any_of(*profile_pairs[:3]) & not_reviewed())
    rule("fracture_risk_profile", "soon", any_of(*profile_pairs[3:]) & not_reviewed())
    # fracture_neuro: any other fracture flag (reviewed or not) with a new deficit.
    new_deficit = deficit() & new_course()
    for trigger in (
        major,
        yes("structural_deformity"),
        fragility,
        any_of(*profile_pairs[:3]),
        any_of(*profile_pairs[3:]),
    ):
        rule("fracture_neuro", "emergency", trigger & new_deficit)


def _axspa_and_vascular() -> None:
    applies = lt("first_back_pain_age", 45) & gt("pain_duration_days", 90)
    rule("axspa_refer", "soon", applies & ge("axspa_count", 4))
    three = f("axspa_count") == 3
    rule("axspa_hla_b27_positive", "soon", all_of(applies, three, f("hla_b27") == "positive"))
    rule(
        "axspa_test_hla_b27",
        "soon",
        all_of(applies, three, any_of(f("hla_b27") == "unknown", f("hla_b27") == UNKNOWN)),
    )
    older = ge("age", 50)
    sudden = yes("sudden_severe_onset")
    collapse = yes("collapse_or_fainting")
    rule("collapse_with_back_pain", "emergency", collapse)
    rule(
        "aaa_rupture_suspected",
        "emergency",
        older
        & any_of(
            collapse,
            sudden
            & any_of(
                yes("abdominal_pain"),
                *map(yes, AAA_RISK_FACTORS),
                (f("sex") == "male") & ge("age", 65),
            ),
        ),
    )
    rule("sudden_severe_pain_older", "urgent", older & sudden)
    known_aneurysm = yes("known_aortic_aneurysm")
    rule("aaa_known_symptomatic", "urgent", known_aneurysm)
    rule(
        "aaa_known_symptomatic",
        "emergency",
        known_aneurysm
        & any_of(yes("abdominal_pain"), sudden, collapse, le("pain_duration_days", 14)),
    )
    rule("aaa_pulsatile_mass", "emergency", yes("pulsatile_abdominal_mass"))
    rule("thoracic_sudden_severe", "emergency", yes("thoracic_pain") & sudden)
    rule("visceral_abdominal_pain", "urgent", yes("abdominal_pain") & any_of(older, sudden))


def _pregnancy() -> None:
    rule(
        "pregnancy_acute_pain",
        "urgent",
        yes("pregnant")
        & any_of(yes("abdominal_pain"), yes("sudden_severe_onset"), yes("unrelenting_pain")),
    )


#: Ruleset name -> the families whose rules it holds. One ruleset per evaluation is cheapest
#: (each costs an assert, a JSON round trip and a catch-all action); 59 rules stay well under the
#: ~130-rule ceiling of engine-notes.md. ``layout`` picks another split for comparison.
LAYOUTS = {
    1: {
        "bench_raw_all": (
            _cauda_equina_and_neuro,
            _malignancy,
            _infection_and_fracture,
            _axspa_and_vascular,
            _pregnancy,
        )
    },
    4: {
        "bench_raw_ces_neuro": (_cauda_equina_and_neuro,),
        "bench_raw_malignancy": (_malignancy,),
        "bench_raw_infection_fracture": (_infection_and_fracture,),
        "bench_raw_axspa_vascular": (_axspa_and_vascular, _pregnancy),
    },
}


def _define(layout: int) -> tuple[str, ...]:
    names = []
    for name, families in LAYOUTS[layout].items():
        with ruleset(name):
            catch_all()
            for family in families:
                family()
        names.append(name)
    return tuple(names)


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A host without durable's background timer threads (no timers are used here)."""

    def _run(self) -> None:
        return None


_rulesets: tuple[str, ...] = ()


def setup(layout: int = 1) -> None:
    """Define and register the rulesets once per process (``layout``: 1 or 4 rulesets)."""
    global _rulesets
    if _rulesets:
        return
    if lang._main_host is None:
        lang._main_host = _QuietHost()
    names = _define(layout)
    lang.get_host()  # registers every ruleset defined above
    _rulesets = names


def fact_of(d: Mapping[str, Any], sid: str) -> dict[str, Any]:
    fact: dict[str, Any] = {"sid": sid, "seen": 1}
    for name in PROPERTIES:
        value = d.get(name)
        fact[name] = UNKNOWN if value is None else value
    fact["axspa_count"] = axspa_count(d)
    cleared = d.get("clinician_cleared_flags") or ()
    for rule_id in CLEARABLE:
        fact[f"cleared_{rule_id}"] = rule_id in cleared
    return fact


def screen(d: Mapping[str, Any]) -> tuple[str, frozenset[str]]:
    """(urgency, red-flag ids) for one patient dict."""
    sid = str(next(_session))
    fact = fact_of(d, sid)
    _fired.clear()
    opened = []
    try:
        for name in _rulesets:
            opened.append(name)
            lang.assert_fact(name, fact)
    finally:
        for name in opened:
            lang.delete_state(name, sid)
    tiers: dict[str, int] = {}
    for rule_id, tier in _fired:
        tiers[rule_id] = max(tiers.get(rule_id, 0), RANK[tier])
    return TIERS[max(tiers.values(), default=0)], frozenset(tiers)
