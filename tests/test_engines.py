"""The durable-rules engine and the python engine against the reference, and engine edge cases.

Cost, measured on this machine (2 cores, Python 3.11): a durable evaluation of the built-in
rule base takes 1.2-2.7 ms (it depends on how the engine packs rulesets; python: 0.2-0.3 ms),
a full ``assess()`` adds ~0.4 ms per engine, and drawing a patient through hypothesis' composite
strategies takes ~5 ms. So the 10,000-patient differential test compares both engines' ``Fired``
(every check that held, with its matched inputs) with the reference tree interpreter's
(``reference_evaluate``, the oracle: the python engine runs generated code) for every patient,
and the whole ``assess(...).to_dict()`` (all of it but ``ruleset.engine``) for a fixed tenth of
them, chosen by a hash of the answers so a rerun compares the same ones. A sixth of the
patients come from hypothesis' own strategies, the rest from seeded generators behind one
hypothesis integer.
"""

from __future__ import annotations

import json
import random
import zlib
from collections import Counter
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spinerules
from spinerules import (
    EngineError,
    EngineUnavailable,
    InvalidPatientState,
    PatientState,
    RuleBaseError,
    Thresholds,
    assess,
    default_rule_base,
)
from spinerules.conditions import Compare, Condition, Is, IsNot, Known, Unknown
from spinerules.engine import durable_available, get_engine, resolve_engine_name, select
from spinerules.engine.durable import DurableEngine
from spinerules.engine.python import reference_evaluate
from spinerules.facts import fact_keys, patient_facts

try:  # RuleBase.build takes the facts' kinds (to check literals) where facts.py provides them
    from spinerules.facts import fact_kinds as _rule_base_facts
except ImportError:  # older rule bases take the set of fact keys
    from spinerules.facts import fact_keys as _rule_base_facts  # type: ignore[assignment]
from spinerules.knowledge.evidence import EVIDENCE
from spinerules.policy import build_assessment
from spinerules.rules import Activity, RuleBase
from strategies_clinical import (
    fast_patient_dicts,
    generated_activities,
    generated_red_flags,
    random_condition,
    realistic_patient_dict,
    seeded,
    sparse_patient_dicts,
    uniform_patient_dict,
)

BASE = {"age": 40, "pain_duration_days": 10}
HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
#: Hypothesis' own patient strategies (shrinkable, ~5 ms a draw) ...
NATIVE = st.one_of(fast_patient_dicts(), sparse_patient_dicts())
#: ... and seeded generators behind one hypothesis integer (~0.3 ms a draw).
SEEDED = st.one_of(seeded(uniform_patient_dict), seeded(realistic_patient_dict))

requires_durable = pytest.mark.durable  # deselected where durable-rules does not import (conftest)


def _no_engine(out: dict[str, Any]) -> dict[str, Any]:
    return {**out, "ruleset": {k: v for k, v in out["ruleset"].items() if k != "engine"}}


def _tenth(state: PatientState) -> bool:
    return zlib.crc32(json.dumps(state.to_dict(), sort_keys=True).encode()) % 10 == 0


def _rule_base(
    *, activities: list[Activity] | None = None, red_flags: list[Any] | None = None
) -> RuleBase:
    base = default_rule_base()
    return RuleBase.build(
        red_flags=[*base.red_flags, *(red_flags or [])],
        watch_items=base.watch_items,
        activities=[*base.activities, *(activities or [])],
        advice_against=base.advice_against,
        evidence=EVIDENCE,
        thresholds=base.thresholds,
        version="generated",
        cards=base.cards,  # revision 3: the safety-net cards are rules too (C18)
        fact_keys=_rule_base_facts(),
    )


def _run(examples: int, body: Callable[[dict[str, Any]], None]) -> None:
    """``body`` on ``examples`` patients: a sixth from NATIVE, the rest from SEEDED (two runs,
    because hypothesis does not draw the branches of a ``one_of`` evenly). No example database:
    every caller shares this inner function, so saved examples would replay in the wrong test;
    a failure prints its patient instead."""
    for strategy, share in ((NATIVE, examples // 6), (SEEDED, examples - examples // 6)):

        @settings(max_examples=share, deadline=None, suppress_health_check=HEALTH, database=None)
        @given(strategy)
        def run(data: dict[str, Any]) -> None:
            body(data)

        run()


# --- differential: the built-in rule base ----------------------------------------------------


@requires_durable
def test_engines_agree_on_10000_patients() -> None:
    rule_base = default_rule_base()
    durable, python = get_engine("durable"), get_engine("python")
    fired: Counter[str] = Counter()
    counts = Counter[str]()

    def body(data: dict[str, Any]) -> None:
        state = PatientState.from_dict(data)
        facts = patient_facts(state)
        expected = reference_evaluate(rule_base, facts)
        assert python.evaluate(rule_base, facts) == expected, data
        assert durable.evaluate(rule_base, facts) == expected, data
        fired.update(expected.keys())
        counts["patients"] += 1
        if _tenth(state):
            counts["full"] += 1
            by_durable = assess(state, engine="durable").to_dict()
            assert by_durable["ruleset"]["engine"] == "durable"
            assert _no_engine(by_durable) == _no_engine(assess(state, engine="python").to_dict()), (
                data
            )

    _run(10_000, body)
    assert counts["patients"] >= 10_000
    assert counts["full"] >= 700, counts
    # Not vacuous: every check of the rule base held for some patient.
    assert set(fired) == {check.key for check in rule_base.checks}


# --- differential: generated rule bases past the ~130-rule ceiling -----------------------------


@cache
def _generated_activity_base() -> RuleBase:
    rng = random.Random(20261126)
    flags = [f.id for f in default_rule_base().red_flags]
    conditions = [random_condition(rng, flags) for _ in range(1000)]
    return _rule_base(activities=generated_activities(conditions))


@cache
def _generated_red_flag_base() -> RuleBase:
    rng = random.Random(1126)
    conditions = [random_condition(rng) for _ in range(1000)]
    escalations = [
        random_condition(rng, depth=1) if rng.random() < 0.5 else None for _ in range(1000)
    ]
    return _rule_base(red_flags=generated_red_flags(conditions, escalations, seed=7))


@requires_durable
def test_engines_agree_with_1000_generated_activities() -> None:
    rule_base = _generated_activity_base()
    assert len(rule_base.activities) >= 1000
    durable, python = get_engine("durable"), get_engine("python")
    assert len(durable.program(rule_base).rulesets) > 1  # partitioned: past one walk's stack
    fired: Counter[str] = Counter()
    count = Counter[str]()

    def body(data: dict[str, Any]) -> None:
        facts = patient_facts(PatientState.from_dict(data))
        expected = reference_evaluate(rule_base, facts)
        assert python.evaluate(rule_base, facts) == expected, data
        assert durable.evaluate(rule_base, facts) == expected, data  # and durable never raised
        fired.update(k for k in expected if k.startswith("gen_activity_"))
        count["patients"] += 1

    _run(500, body)
    assert count["patients"] >= 500
    assert len(fired) >= 800, f"only {len(fired)} generated activities ever fired"
    assert any(c < count["patients"] for c in fired.values())  # and not all fire always


@requires_durable
def test_engines_agree_with_1000_generated_red_flags() -> None:
    rule_base = _generated_red_flag_base()
    durable, python = get_engine("durable"), get_engine("python")
    seen: Counter[str] = Counter()
    count = Counter[str]()

    def body(data: dict[str, Any]) -> None:
        state = PatientState.from_dict(data)
        facts = patient_facts(state)
        expected = reference_evaluate(rule_base, facts)
        assert python.evaluate(rule_base, facts) == expected, data
        got = durable.evaluate(rule_base, facts)
        assert got == expected, data
        # The whole assessment: assess() runs the python engine; the durable side is built
        # by the same policy function assess() calls, from durable's Fired.
        by_python = assess(state, engine="python", rule_base=rule_base).to_dict()
        by_durable = build_assessment(
            state, rule_base, got, facts=facts, profile="nice", engine="durable"
        ).to_dict()
        assert _no_engine(by_durable) == _no_engine(by_python), data
        seen.update(f["urgency"] for f in by_python["red_flags"] if f["id"].startswith("gen_flag_"))
        seen.update(k for k in expected if "@" in k and k.startswith("gen_flag_"))
        count["patients"] += 1
        if count["patients"] % 25 == 0:  # end to end through assess() on durable too
            direct = assess(state, engine="durable", rule_base=rule_base).to_dict()
            assert _no_engine(direct) == _no_engine(by_python), data

    _run(150, body)
    assert count["patients"] >= 150
    assert {"soon", "urgent", "emergency"} <= set(seen), seen  # every tier fired
    assert sum(v for k, v in seen.items() if "@" in k) > 0  # and escalations fired
    assert sum(v for k, v in seen.items() if "#" in k) > 0  # second same-tier ones too


@requires_durable
@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda n: Compare("age", ">=", 16 + n % 105), id="compare-age"),
        pytest.param(lambda n: Is("pain_duration_days", n), id="is-duration"),
        pytest.param(
            lambda n: IsNot("pain_intensity", n % 11) & Known("age"), id="isnot-intensity"
        ),
    ],
)
def test_1000_rules_on_one_fact(make: Callable[[int], Condition]) -> None:
    """engine-notes.md: with rules that all test one patient fact, durable failed (error 303)
    somewhere between 130 and 140 rules. 1,000 must work and agree with python."""
    rule_base = _rule_base(activities=generated_activities([make(n) for n in range(1000)]))
    durable, python = get_engine("durable"), get_engine("python")
    rng = random.Random(3)
    fired = 0
    for n in range(40):
        data = {**uniform_patient_dict(rng), "pain_duration_days": n * 13}
        facts = patient_facts(PatientState.from_dict(data))
        expected = reference_evaluate(rule_base, facts)
        assert python.evaluate(rule_base, facts) == expected, data
        assert durable.evaluate(rule_base, facts) == expected, data
        fired += sum(k.startswith("gen_activity_") for k in expected)
    assert fired >= 40  # the generated rules do fire


# --- differential: literals of another JSON type ------------------------------------------------


#: (condition, answers) pairs whose literal has another JSON type than the answer.
OTHER_TYPE_LITERALS: list[tuple[Condition, dict[str, Any]]] = [
    # C13: an integer is a valid answer where a float is, so a plugin may well write 30.
    (Is("bmi", 30), {"bmi": 30}),
    (Is("age", 40.0), {}),
    (Is("fever", 1), {"fever": True}),
    (Is("pain_intensity", True), {"pain_intensity": 1}),
    (IsNot("fever", 1), {"fever": False}),
    (Compare("fever", ">=", 1), {"fever": True}),
    (Compare("sex", ">", 0), {"sex": "male"}),
]


@requires_durable
def test_engines_agree_on_literals_of_another_type() -> None:
    """A rule base either rejects such a literal (RuleBaseError) or both engines give the same
    answer on it; accepting it and answering two ways is the bug."""
    differ = []
    for condition, answers in OTHER_TYPE_LITERALS:
        try:
            rule_base = _rule_base(activities=generated_activities([condition]))
        except RuleBaseError:
            continue
        facts = patient_facts(PatientState.from_dict({**BASE, **answers}))
        by_python = "gen_activity_0" in get_engine("python").evaluate(rule_base, facts)
        by_durable = "gen_activity_0" in get_engine("durable").evaluate(rule_base, facts)
        if by_durable != by_python:
            differ.append(
                f"{condition!r} on {answers or BASE}: durable {by_durable}, python {by_python}"
            )
    assert not differ, "engines disagree:\n" + "\n".join(differ)


#: Float literals a rule base accepts as numbers but that are awkward to compile: non-finite
#: values (repr "inf"/"nan" is not Python source) and floats whose JSON form uses an exponent.
EDGE_LITERALS: list[Condition] = [
    Compare("bmi", "<", float("inf")),
    Compare("bmi", ">", float("-inf")),
    Compare("bmi", "<", float("nan")),
    IsNot("bmi", float("nan")),
    Compare("bmi", ">=", 1e16),
    Compare("bmi", ">=", 1e-05),
    Is("bmi", 1e-05),
]


@requires_durable
def test_engines_agree_on_numeric_edge_literals() -> None:
    """A rule base either rejects such a literal (RuleBaseError) or every engine evaluates it,
    to the reference's answer; a crash or a rejected compile is the bug."""
    facts = patient_facts(PatientState.from_dict({**BASE, "bmi": 30}))
    differ = []
    for condition in EDGE_LITERALS:
        try:
            rule_base = _rule_base(activities=generated_activities([condition]))
        except RuleBaseError:
            continue
        expected = "gen_activity_0" in reference_evaluate(rule_base, facts)
        for name in ("python", "durable"):
            try:
                got: object = "gen_activity_0" in get_engine(name).evaluate(rule_base, facts)
            except Exception as error:
                got = f"{type(error).__name__}: {error}"
            if got != expected:
                differ.append(f"{condition!r}: {name} {got}, reference {expected}")
    assert not differ, "\n".join(differ)


@pytest.mark.parametrize("engine", ["python", pytest.param("durable", marks=requires_durable)])
def test_a_non_finite_threshold_is_rejected_or_works(engine: str) -> None:
    """Principle 8: a local pathway may change a cut-off; "never" (infinity) must either be
    refused up front with a spinerules error or work, not crash an engine."""
    data = {**BASE, "minor_trauma": True, "osteoporosis": False}
    try:
        thresholds = Thresholds(fragility_age=float("inf"))
        result = assess(data, engine=engine, thresholds=thresholds)
    except (RuleBaseError, InvalidPatientState, ValueError) as refused:
        assert "fragility_age" in str(refused)
        return
    assert result.urgency.value == "self_care"  # no fragility flag can fire


# --- engine selection --------------------------------------------------------------------------


def test_durable_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    reason = "ImportError: durable_rules_engine.so: undefined symbol: PyEval_CallObject"
    monkeypatch.setattr(select, "_durable_import_error", lambda: reason)
    assert not durable_available()
    assert not spinerules.durable_available()
    for ask in (lambda: assess(BASE, engine="durable"), lambda: get_engine("durable")):
        with pytest.raises(EngineUnavailable) as caught:
            ask()
        message = str(caught.value)
        assert "3.11" in message and "3.12" in message, message
        assert "PyEval_CallObject" in message  # says why
        assert "python" in message  # and what to use instead
    assert resolve_engine_name("auto") == "python"
    out = assess(BASE, engine="auto")
    assert out.ruleset.engine == "python"
    assert out.to_dict()["ruleset"]["engine"] == "python"
    assert isinstance(EngineUnavailable("x"), spinerules.SpinerulesError)


@requires_durable
def test_auto_is_durable_where_it_imports() -> None:
    assert resolve_engine_name("auto") == "durable"
    assert assess(BASE).ruleset.engine == "durable"


@pytest.mark.parametrize("name", ["drools", "Durable", "", "python "])
def test_unknown_engine_name(name: str) -> None:
    for ask in (lambda: assess(BASE, engine=name), lambda: get_engine(name)):
        with pytest.raises(EngineUnavailable) as caught:
            ask()
        message = str(caught.value)
        assert repr(name) in message
        for allowed in ("auto", "durable", "python"):
            assert allowed in message


# --- errors in durable actions ------------------------------------------------------------------


class _BrokenSink(list[str]):
    def append(self, item: str) -> None:
        raise RuntimeError(f"sink broke on {item}")


class _FailingSinkEngine(DurableEngine):
    """A DurableEngine whose recorded sink raises inside every action while ``fail`` is set."""

    fail = True

    @property  # type: ignore[override]
    def _sink(self) -> list[str] | None:
        return self.__dict__["_sink_value"]  # type: ignore[no-any-return]

    @_sink.setter
    def _sink(self, value: list[str] | None) -> None:
        if value is not None and self.fail:
            value = _BrokenSink(value)
        self.__dict__["_sink_value"] = value


@requires_durable
def test_an_action_error_is_raised_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _FailingSinkEngine()
    rule_base = default_rule_base()
    facts = patient_facts(PatientState.from_dict({**BASE, "fever": True}))
    expected = get_engine("python").evaluate(rule_base, facts)
    with pytest.raises(EngineError) as caught:
        engine.evaluate(rule_base, facts)
    assert isinstance(caught.value.__cause__, RuntimeError)
    assert "sink broke" in str(caught.value.__cause__)
    # Past the 1,024-live-sessions cap: a session left open by a failed evaluation would
    # make durable-rules raise MemoryError long before the loop ends.
    for _ in range(1100):
        with pytest.raises(EngineError):
            engine.evaluate(rule_base, facts)
    engine.fail = False
    assert engine.evaluate(rule_base, facts) == expected
    for _ in range(1100):
        assert engine.evaluate(rule_base, facts) == expected
    # Through the public API too: assess() raises rather than returning a partial result.
    engine.fail = True
    monkeypatch.setattr(select, "_engine", lambda name: engine)
    with pytest.raises(EngineError):
        assess({**BASE, "fever": True}, engine="durable")
    engine.fail = False
    ok = assess({**BASE, "fever": True}, engine="durable")
    assert "infection_fever" in {f.id for f in ok.red_flags}


@requires_durable
def test_unknown_leaf_engines_agree_on_every_key() -> None:
    """The UNKNOWN sentinel path: Unknown/Known on every fact key, answered and not."""
    keys = sorted(fact_keys())
    conditions: list[Condition] = [Unknown(k) for k in keys] + [Known(k) for k in keys]
    rule_base = _rule_base(activities=generated_activities(conditions))
    durable, python = get_engine("durable"), get_engine("python")
    rng = random.Random(11)
    for data in [BASE] + [uniform_patient_dict(rng) for _ in range(30)]:
        facts = patient_facts(PatientState.from_dict(data))
        expected = reference_evaluate(rule_base, facts)
        assert python.evaluate(rule_base, facts) == expected, data
        assert durable.evaluate(rule_base, facts) == expected, data


@pytest.mark.parametrize("engine", ["python", pytest.param("durable", marks=requires_durable)])
@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"pain_intensity": 10}, "urgent"),  # the first route to urgent
        ({"age": 75, "pain_intensity": 2}, "urgent"),  # the second route to urgent
        ({"pain_intensity": 2}, "soon"),  # neither
    ],
)
def test_two_escalations_to_one_tier_are_both_checked(
    engine: str, answers: dict[str, Any], expected: str
) -> None:
    """Issue 8 item 7: with one key for both, the second condition replaced the first."""
    from spinerules.rules import Escalation, RedFlag
    from strategies_clinical import cite

    flag = RedFlag(
        id="two_routes",
        family="generated",
        title="Two routes to urgent",
        tier=spinerules.Urgency.SOON,
        action="generated",
        condition=Compare("age", ">=", 16),
        evidence=(cite("nice_ng59"),),
        escalations=(
            Escalation(spinerules.Urgency.URGENT, Compare("pain_intensity", ">=", 9)),
            Escalation(spinerules.Urgency.URGENT, Compare("age", ">=", 70)),
        ),
    )
    rule_base = _rule_base(red_flags=[flag])
    assert [key for *_, key in flag.tiers()] == [
        "two_routes",
        "two_routes@urgent",
        "two_routes@urgent#2",
    ]
    result = assess({**BASE, **answers}, engine=engine, rule_base=rule_base)
    (finding,) = [f for f in result.red_flags if f.id == "two_routes"]
    assert finding.urgency.value == expected
