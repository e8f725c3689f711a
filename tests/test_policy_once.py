"""The safety policy is written once (spinerules.principles); its three algebras must agree.

``assess()`` runs the decisions compiled to Python (``compile_decisions``), the columnar screen
runs them on polars columns (``columnar_policy``), and ``ROW`` evaluates them directly, the
reference. Here all three decide for the same generated evaluations (any subset of check keys
held, consistent or not) and the same people (reviewed or not, clearances, avoided and
preferred exercises in any order, core questions answered or not), on the built-in rule base
and on rule bases with generated red flags (escalations, reviewable ones) and activities.
Then the columnar screen and ``assess()`` are compared on generated rows, valid and invalid.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pl = pytest.importorskip("polars")

from tests.strategies_clinical import fast_patient_dicts  # noqa: E402
from tests.test_engines import _rule_base  # noqa: E402

from spinerules import assess  # noqa: E402
from spinerules.columnar import screen_table, table_from_dicts  # noqa: E402
from spinerules.columnar_policy import apply_policy, held_column  # noqa: E402
from spinerules.conditions import Is  # noqa: E402
from spinerules.errors import InvalidPatientState  # noqa: E402
from spinerules.field_rules import CROSS_FIELD_RULES  # noqa: E402
from spinerules.levels import Urgency  # noqa: E402
from spinerules.principles import (  # noqa: E402
    CORE_SAFETY_QUESTIONS,
    PLAN_LIMITS,
    ROW,
    FlagStatus,
    compile_decisions,
    decide,
)
from spinerules.registry import default_rule_base  # noqa: E402
from spinerules.rules import Escalation, RedFlag, RuleBase, cite  # noqa: E402


def _generated_rule_base() -> RuleBase:
    """Built-ins plus red flags of every shape the policy distinguishes: reviewable flags with
    an escalation above soon (a review must not apply there), and two routes to one tier."""
    extra = [
        RedFlag(
            id="gen_reviewable_escalates",
            family="generated",
            title="Generated reviewable flag",
            tier=Urgency.SOON,
            action="generated",
            condition=Is("night_pain", True),
            evidence=(cite("nice_ng59"),),
            escalations=[
                Escalation(Urgency.URGENT, Is("fever", True)),
                Escalation(Urgency.URGENT, Is("history_of_cancer", True)),
            ],
            reviewable=True,
        )
    ]
    return _rule_base(red_flags=extra)


RULE_BASES = {"built-in": default_rule_base(), "generated": _generated_rule_base()}


@st.composite
def _person_and_held(draw: st.DrawFn, rule_base: RuleBase) -> dict[str, Any]:
    keys = sorted(rule_base.conditions)
    flags = [f.id for f in rule_base.red_flags]
    exercises = [a.id for a in rule_base.activities if a.kind == "exercise"]
    # Mostly sparse, like real people; sometimes dense, so every tier and status is reached.
    rate = draw(st.sampled_from([0.02, 0.1, 0.5]))
    rng = random.Random(draw(st.integers(0, 2**32)))
    held = {k: ("x",) for k in keys if rng.random() < rate}
    preferred = draw(st.lists(st.sampled_from(exercises), unique=True, max_size=4))
    return {
        "held": held,
        "reviewed": draw(st.sampled_from([True, False, None])),
        "cleared": draw(st.lists(st.sampled_from(flags), unique=True, max_size=4)),
        "avoided": draw(st.lists(st.sampled_from(exercises), unique=True, max_size=3)),
        "preferred": preferred,
        "answered": draw(st.lists(st.sampled_from(CORE_SAFETY_QUESTIONS), unique=True)),
    }


class _RowPerson:
    def __init__(self, p: dict[str, Any]) -> None:
        self.p = p

    @property
    def reviewed(self) -> bool:
        return self.p["reviewed"] is True

    def answered(self, field: str) -> bool:
        return field in self.p["answered"]

    def cleared(self, flag_id: str) -> bool:
        return flag_id in self.p["cleared"]

    def avoided(self, activity_id: str) -> bool:
        return activity_id in self.p["avoided"]

    def preference(self, activity_id: str) -> int | None:
        preferred = self.p["preferred"]
        return preferred.index(activity_id) if activity_id in preferred else None


def _flatten(d: Any) -> dict[str, Any]:
    out = {"urgency": d.urgency, "complete": d.complete, "plan": d.plan}
    for part in ("tier", "status", "listed", "flag_order", "recommended", "order"):
        for key, value in getattr(d, part).items():
            out[f"{part}:{key}"] = value
    return {k: (None if v is None else int(v)) for k, v in out.items()}


def _row(rule_base: RuleBase, p: dict[str, Any]) -> dict[str, Any]:
    return _flatten(decide(ROW, rule_base, lambda k: k in p["held"], _RowPerson(p)))


def _compiled(rule_base: RuleBase, p: dict[str, Any]) -> dict[str, Any]:
    facts = {q: (True if q in p["answered"] else None) for q in CORE_SAFETY_QUESTIONS}
    preference = {a: n for n, a in enumerate(p["preferred"])}
    run = compile_decisions(rule_base)
    return _flatten(
        run(p["held"], facts, p["reviewed"] is True, p["cleared"], p["avoided"], preference)
    )


def _columnar(rule_base: RuleBase, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = sorted(rule_base.conditions)
    columns: dict[str, Any] = {
        held_column(k).meta.output_name(): [k in p["held"] for p in people] for k in keys
    }
    columns["clinician_reviewed_this_episode"] = [p["reviewed"] for p in people]
    for name, field in (
        ("clinician_cleared_flags", "cleared"),
        ("avoid_activities", "avoided"),
        ("preferred_activities", "preferred"),
    ):
        columns[name] = pl.Series(name, [p[field] for p in people], dtype=pl.List(pl.String))
    for q in CORE_SAFETY_QUESTIONS:
        columns[q] = pl.Series(
            q, [True if q in p["answered"] else None for p in people], pl.Boolean
        )
    frame = pl.DataFrame(columns)
    longest = max((len(p["preferred"]) for p in people), default=0)
    lazy, d = apply_policy(frame.lazy(), rule_base, longest)
    names: dict[str, Any] = {"urgency": d.urgency, "complete": d.complete, "plan": d.plan}
    for part in ("tier", "status", "listed", "flag_order", "recommended", "order"):
        for key, value in getattr(d, part).items():
            names[f"{part}:{key}"] = value
    out = lazy.select([e.alias(n) for n, e in names.items()]).collect()
    return [
        {k: (None if v is None else int(v)) for k, v in row.items()} for row in out.rows(named=True)
    ]


@pytest.mark.parametrize("name", sorted(RULE_BASES))
def test_the_three_algebras_decide_alike(name: str) -> None:
    rule_base = RULE_BASES[name]

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(_person_and_held(rule_base), min_size=1, max_size=25))
    def check(people: list[dict[str, Any]]) -> None:
        columnar = _columnar(rule_base, people)
        for p, table_row in zip(people, columnar, strict=True):
            row = _row(rule_base, p)
            assert _compiled(rule_base, p) == row
            assert table_row == row

    check()


def test_the_generated_policy_reaches_every_status_and_plan_step() -> None:
    """The differential above means something only if the generated evaluations reach every
    decision: each flag status, each plan limit and no limit."""
    rule_base = RULE_BASES["generated"]
    rng = random.Random(7)
    statuses, steps = set(), set()
    keys = sorted(rule_base.conditions)
    for _ in range(400):
        rate = rng.choice([0.02, 0.1, 0.5])
        p = {
            "held": {k: () for k in keys if rng.random() < rate},
            "reviewed": rng.random() < 0.5,
            "cleared": [f.id for f in rule_base.red_flags if rng.random() < 0.3],
            "avoided": [],
            "preferred": [],
            "answered": [q for q in CORE_SAFETY_QUESTIONS if rng.random() < 0.95],
        }
        d = decide(ROW, rule_base, lambda k, p=p: k in p["held"], _RowPerson(p))
        statuses.update(FlagStatus(s) for s in d.status.values())
        steps.add(d.plan)
    assert statuses == set(FlagStatus)
    assert steps == {-1, *range(len(PLAN_LIMITS))}


def test_a_review_does_not_turn_an_escalated_reviewable_flag_into_a_watch_item() -> None:
    """Decision (docs/decisions.md): like a clearance, a review applies only at ``soon``."""
    rule_base = RULE_BASES["generated"]
    base = {
        "age": 40,
        "pain_duration_days": 10,
        "night_pain": True,
        "clinician_reviewed_this_episode": True,
    }
    soon = assess(base, rule_base=rule_base, engine="python")
    assert "gen_reviewable_escalates" in {w.id for w in soon.watch}
    assert "gen_reviewable_escalates" not in {f.id for f in soon.red_flags}
    escalated = assess({**base, "fever": True}, rule_base=rule_base, engine="python")
    finding = {f.id: f for f in escalated.red_flags}["gen_reviewable_escalates"]
    assert finding.urgency.value == "urgent"
    assert any("review not applied" in t.text for t in escalated.trace if t.rule == finding.id)
    out = screen_table(table_from_dicts([{**base, "fever": True}]), rule_base=rule_base)
    assert "gen_reviewable_escalates" in out["red_flags"][0]


def _assessed(row: dict[str, Any], rule_base: RuleBase) -> dict[str, Any]:
    try:
        a = assess(row, rule_base=rule_base, engine="python")
    except InvalidPatientState as error:
        return {"error_field": error.fields[0] if error.fields else None}
    return {
        "urgency": a.urgency.value,
        "red_flags": [f.id for f in a.red_flags],
        "startback_risk": a.startback.risk if a.startback else None,
        "recommendations": [r.id for r in a.recommendations],
    }


def _screened(row: dict[str, Any]) -> dict[str, Any]:
    if row["error"] is not None:
        return {"error_field": row["error"].split(":")[0].split(".")[0]}
    return {k: row[k] for k in ("urgency", "red_flags", "startback_risk", "recommendations")}


def _spoil(row: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One field made invalid in a way a table can carry (out of range, not a choice, a
    cross-field contradiction), or the row left valid."""
    spoiled = dict(row)
    choice = rng.randrange(5)
    if choice == 0:
        spoiled["pain_intensity"] = 11
    elif choice == 1:
        spoiled["leg_pain"] = "sideways"
    elif choice == 2:
        spoiled["age"], spoiled["first_back_pain_age"] = 30, 31
    elif choice == 3:
        spoiled["first_back_pain_age"] = min(40, spoiled.get("age") or 40)
        spoiled["age"] = max(spoiled.get("age") or 40, 40)
        spoiled["axspa_features"] = ["onset_before_35"]
    return spoiled


@pytest.mark.parametrize("name", sorted(RULE_BASES))
def test_columnar_policy_equals_row_policy_on_valid_and_invalid_rows(name: str) -> None:
    rule_base = RULE_BASES[name]

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(fast_patient_dicts(), min_size=1, max_size=30), st.integers(0, 2**32))
    def check(rows: list[dict[str, Any]], seed: int) -> None:
        rng = random.Random(seed)
        rows = [_spoil(r, rng) for r in rows]
        out = screen_table(table_from_dicts(rows), rule_base=rule_base)
        for row, screened in zip(rows, out.rows(named=True), strict=True):
            assert _screened(screened) == _assessed(row, rule_base), row

    check()


def test_every_cross_field_rule_class_has_both_translations() -> None:
    from spinerules.columnar import POLARS_CROSS_FIELD
    from spinerules.patient import ROW_CROSS_FIELD

    classes = {type(rule) for rule in CROSS_FIELD_RULES}
    assert classes <= set(ROW_CROSS_FIELD)
    assert classes <= set(POLARS_CROSS_FIELD)
