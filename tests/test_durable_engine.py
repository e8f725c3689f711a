"""The durable engine's compilation and the durable-rules facts it relies on.

tests/test_engines.py holds the engine to the reference on the built-in and generated rule
bases; here: the measured limits of durable-rules 2.0.28 that ``engine/durable_compile.py``
models (pinned on the real C extension, so a durable-rules that behaved otherwise fails here
first), the layout it produces (every rule within the limits, every ruleset within the walk's
stack), wide and deep checks split into pieces and still agreeing with the reference, the
pure-Python preflight the plugin registry runs, and the engine's resource bounds.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from itertools import count, pairwise
from typing import Any

import pytest

from spinerules import PatientState, default_rule_base
from spinerules.conditions import AllOf, AnyOf, AtLeast, Compare, Condition, Is, yes
from spinerules.engine import durable_compile as dc
from spinerules.engine import get_engine
from spinerules.engine.python import reference_evaluate
from spinerules.errors import EngineError
from spinerules.facts import patient_facts
from strategies_clinical import generated_activities, random_condition, uniform_patient_dict
from test_engines import BASE, _rule_base

requires_durable = pytest.mark.durable

BOOLEANS = (
    "fever",
    "night_pain",
    "unrelenting_pain",
    "thoracic_pain",
    "history_of_cancer",
    "unexplained_weight_loss",
    "iv_drug_use",
    "immunosuppressed",
    "long_term_corticosteroids",
    "recent_bacterial_infection",
    "osteoporosis",
    "minor_trauma",
)

_names = count()


def _c() -> Any:
    import durable_rules_engine

    return durable_rules_engine


def _fire(rules: dict[str, Any], fact: dict[str, Any]) -> list[str] | str:
    """Register ``rules`` (plus a catch-all), assert ``fact``, return the rule names fired in
    order, or the error durable raised; the session is always deleted."""
    c = _c()
    definition = {**rules, "seen": {"all": [{"m": {"s": 1}}]}}
    handle = c.create_ruleset(f"pin{next(_names)}", json.dumps(definition))
    try:
        code, state = c.assert_fact(handle, json.dumps({"sid": "1", "s": 1, **fact}))
        assert code == 0
        names = []
        started = c.start_action_for_state(handle, state)
        message = None if started is None else started[1]
        while message is not None:
            names.append(next(iter(json.loads(message))))
            message = c.complete_and_start_action(handle, state)
        return names
    except Exception as error:
        return str(error)
    finally:
        c.delete_state(handle, "1")
        c.delete_ruleset(handle)


def _nested(count_: int) -> dict[str, Any]:
    """An expression with ``count_`` $and/$or nodes."""
    expression: dict[str, Any] = {"p": 1}
    for n in range(count_):
        expression = {("$or" if n % 2 else "$and"): [expression, {f"q{n}": 1}]}
    return expression


# --- the measured facts the compiler models -----------------------------------------------------


@requires_durable
def test_durable_takes_15_and_or_nodes_per_rule_not_16() -> None:
    c = _c()
    for nodes, ok in ((dc.MAX_NODES, True), (dc.MAX_NODES + 1, False)):
        try:
            c.delete_ruleset(
                c.create_ruleset(
                    f"pin{next(_names)}", json.dumps({"r": {"all": [{"m": _nested(nodes)}]}})
                )
            )
            accepted = True
        except Exception as error:
            assert "113" in str(error)
            accepted = False
        assert accepted is ok, nodes
    # Leaves are free: one $or of 200 terms is one node.
    wide = {"$or": [{f"p{n}": 1} for n in range(200)]}
    assert _fire({"r": {"all": [{"m": wide}]}}, {"p7": 1}) == ["r", "seen"]


@requires_durable
def test_a_rule_fires_once_per_matching_path() -> None:
    """Why the registry still caps DNF alternatives: they bound the actions per evaluation."""
    both = {"$and": [{"$or": [{"a": 1}, {"b": 1}]}, {"$or": [{"c": 1}, {"d": 1}]}]}
    fact = {"a": 1, "b": 1, "c": 1, "d": 1}
    assert _fire({"r": {"all": [{"m": both}]}}, fact) == ["r"] * 4 + ["seen"]
    assert _fire({"r": {"all": [{"m": both}]}}, {**fact, "a": 0, "c": 0}) == ["r", "seen"]
    assert _fire({"r": {"all": [{"m": both}]}}, {**fact, "a": 0, "b": 0}) == ["seen"]


@requires_durable
def test_the_stack_model_at_the_root_matches_durable() -> None:
    """64 entries work and 65 fail (error 303), counted the way ``depth`` counts: a chain adds
    nothing, every matching child of a node adds one. (Past 64 below the root durable-rules
    segfaulted instead, so only the root is pinned in process.)"""
    props = {f"p{n}": 1 for n in range(70)}
    for extra, ok in ((0, True), (1, False)):
        flat = {f"r{n}": {"all": [{"m": {f"p{n}": 1}}]} for n in range(62 + extra)}
        chain = {"$and": [{"q": 1}, *({f"p{n}": 1} for n in range(30))]}
        rules: dict[str, Any] = {**flat, "chain": {"all": [{"m": chain}]}}
        root = dc.Node()
        for rule in [*flat.values(), rules["chain"], {"all": [{"m": {"s": 1}}]}]:
            dc.insert(_expr(rule["all"][0]["m"]), root)
        assert dc.depth(root) == 64 + extra
        fired = _fire(rules, {**props, "q": 1})
        assert isinstance(fired, list) is ok, fired
        if not ok:
            assert "303" in fired


def _expr(body: Any) -> dc.Expr:
    """A durable JSON expression back as the compiler's expression, in its written order."""
    ((key, value),) = body.items()
    if key in ("$and", "$or"):
        members = tuple(_expr(item) for item in value)
        canon = key + "[" + ",".join(m.canon for m in members) + "]"
        return dc.Group(key, members, canon, 1 + sum(map(dc.nodes, members)))
    if key.startswith("$"):
        ((name, literal),) = value.items()
        return dc.term(name, literal, key)
    return dc.term(key, value)


def test_the_property_hash_is_durables() -> None:
    # rete.c: #define HASH_OR 340911698 // $or, HASH_ALL 321211332 // all
    assert dc.fnv1a("$or") == 340911698
    assert dc.fnv1a("all") == 321211332


# --- the layout -------------------------------------------------------------------------------


def _rules_of(pack: dc.PackPlan) -> Iterator[Any]:
    for rule in pack.rules.values():
        yield rule["all"][0]["m"]


def _nodes(body: Any) -> int:
    ((key, value),) = body.items()
    return 1 + sum(_nodes(item) for item in value) if key in ("$and", "$or") else 0


def _layouts() -> Iterator[tuple[str, dc.Plan]]:
    rng = random.Random(9)
    deep = [random_condition(rng, depth=4) for _ in range(300)]
    for name, rule_base in (
        ("built-in", default_rule_base()),
        ("deep", _rule_base(activities=generated_activities(deep))),
        (
            "one fact",
            _rule_base(
                activities=generated_activities([Is("pain_duration_days", n) for n in range(1000)])
            ),
        ),
    ):
        checks = [[(c.key, c.condition) for c in stratum] for stratum in rule_base.strata]
        yield name, dc.plan(checks)


def test_every_rule_and_ruleset_stays_within_durables_limits() -> None:
    for name, layout in _layouts():
        for pack in layout.packs:
            for body in _rules_of(pack):
                assert _nodes(body) <= dc.MAX_NODES, (name, body)
                stratum, slot, *_ = body["$and"]
                assert set(stratum) == {dc.STRATUM} and set(slot) == {"$gte"}, body
            for level, guard in pack.guards.items():
                assert guard.depth() + 1 <= dc.STACK_BUDGET, (name, level)
                assert all(d <= dc.SLOT_WIDTH for d in guard.depths)
            assert pack.root_depth() <= dc.STACK_BUDGET
            for keys in pack.keys.values():
                assert len(keys) <= dc.MAX_FACT_PROPERTIES
        if name == "built-in":
            assert len(layout.packs) == 1  # the whole built-in rule base: one session
            assert len(layout.rule_keys) < 130  # one rule per check, not one per conjunction
        if name == "one fact":
            assert len(layout.packs) > 1  # 1,000 rules on one fact: past one walk's stack


def test_the_modelled_depth_of_a_ruleset_is_the_one_its_rules_build() -> None:
    """``place`` tracks depths incrementally; rebuilding the network from the emitted JSON
    gives the same worst case."""
    for name, layout in _layouts():
        for pack in layout.packs:
            root = dc.Node()
            for body in _rules_of(pack):
                dc.insert(_expr(body), root).rules += 1
            guards = [root.kids[k] for k in root.kids]  # one per stratum: exclusive
            worst = max(dc.depth(g) for g in guards)
            assert max(2, 1 + worst) == pack.root_depth(), name


def test_a_wide_check_is_split_into_pieces_that_fit() -> None:
    wide = AtLeast(2, tuple(map(yes, BOOLEANS * 2)))  # repeats: 2 of 24, 276 alternatives
    pieces = dc.pieces(dc.translate(wide))
    assert len(pieces) > 1
    for piece in pieces:
        assert dc.nodes(piece) + 1 <= dc.MAX_NODES
        assert dc.width(piece) <= dc.PIECE_WIDTH


# --- wide and deep checks on the real engine ----------------------------------------------------


def _wide_and_deep() -> list[Condition]:
    rng = random.Random(5)
    conditions: list[Condition] = [
        AtLeast(2, tuple(map(yes, BOOLEANS))),
        AtLeast(3, tuple(map(yes, BOOLEANS[:9]))),
        AnyOf(tuple(Compare("age", ">=", 16 + n) for n in range(60))),
        AllOf(tuple(AnyOf((yes(a), yes(b))) for a, b in pairwise(BOOLEANS[:9]))),
    ]
    while len(conditions) < 150:
        condition = random_condition(rng, depth=5)
        try:
            condition.dnf()  # within durable's 512 alternatives per check
        except ValueError:
            continue
        conditions.append(condition)
    return conditions


@requires_durable
def test_wide_and_deep_checks_agree_with_the_reference() -> None:
    rule_base = _rule_base(activities=generated_activities(_wide_and_deep()))
    durable = get_engine("durable")
    program = durable.program(rule_base)  # type: ignore[attr-defined]
    assert len(program.rule_keys) > len(program.conditions) + 10  # some checks were split
    rng = random.Random(17)
    fired = 0
    for n in range(150):
        data = uniform_patient_dict(rng)
        if n % 3 == 0:  # many signs at once: the paths multiply
            data.update(dict.fromkeys(BOOLEANS, True))
        facts = patient_facts(PatientState.from_dict(data))
        expected = reference_evaluate(rule_base, facts)
        assert durable.evaluate(rule_base, facts) == expected, data
        fired += sum(k.startswith("gen_activity_") for k in expected)
    assert fired > 500


# --- the registry's preflight ---------------------------------------------------------------


def test_preflight_counts_alternatives_and_refuses_past_the_limit() -> None:
    two_of_12 = ("wide", AtLeast(2, tuple(map(yes, BOOLEANS))))
    assert dc.preflight([two_of_12]) == 66
    with pytest.raises(EngineError, match="132 durable rules"):
        dc.preflight([two_of_12, two_of_12], limit=100)
    with pytest.raises(EngineError, match="alternatives"):
        dc.preflight([("many", AtLeast(5, tuple(map(yes, BOOLEANS))))])  # 792 > 512


def test_preflight_is_pure_python() -> None:
    """The registry runs it on every Python, also where durable-rules cannot import."""
    script = textwrap.dedent(
        """
        import sys
        sys.modules["durable_rules_engine"] = None  # importing it now raises ImportError
        sys.modules["durable"] = None
        from spinerules.conditions import at_least, yes
        from spinerules.engine.durable import preflight
        print(preflight([("k", at_least(2, yes("fever"), yes("night_pain"), yes("iv_drug_use")))]))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "3"


# --- resources ---------------------------------------------------------------------------------


class _Recording:
    """The C extension, with a record of the rulesets deleted through it."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.deleted: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def delete_ruleset(self, handle: int) -> Any:
        self.deleted.append(handle)
        return self._real.delete_ruleset(handle)


@requires_durable
def test_the_program_cache_is_bounded_and_frees_evicted_rulesets() -> None:
    from spinerules.engine.durable import PROGRAM_CACHE_SIZE, DurableEngine

    engine = DurableEngine()
    recording = engine._c = _Recording(engine._c)
    facts = patient_facts(PatientState.from_dict({**BASE, "fever": True}))
    bases = [
        _rule_base(activities=generated_activities([Compare("age", ">=", 16 + n)]))
        for n in range(PROGRAM_CACHE_SIZE + 3)
    ]
    first = engine.program(bases[0])
    for rule_base in bases:
        assert engine.evaluate(rule_base, facts) == reference_evaluate(rule_base, facts)
    assert len(engine._programs) == PROGRAM_CACHE_SIZE
    assert [r.handle for r in first.rulesets] == recording.deleted[: len(first.rulesets)]
    assert len(recording.deleted) == 3 * len(first.rulesets)  # the three oldest programs
    # Evicted and compiled again: still right.
    assert engine.evaluate(bases[0], facts) == reference_evaluate(bases[0], facts)


@requires_durable
def test_engine_instances_share_one_lock() -> None:
    from spinerules.engine.durable import DurableEngine

    assert DurableEngine()._lock is DurableEngine()._lock is get_engine("durable")._lock  # type: ignore[attr-defined]


@requires_durable
def test_every_session_is_deleted() -> None:
    """Past the 1,024-live-sessions cap: 3,000 evaluations of the whole built-in rule base."""
    rule_base = default_rule_base()
    durable = get_engine("durable")
    rng = random.Random(2)
    for _ in range(3000):
        facts = patient_facts(PatientState.from_dict(uniform_patient_dict(rng)))
        durable.evaluate(rule_base, facts)


class _FailingAssert(_Recording):
    """The C extension, with ``assert_fact`` raising on the ``fail_at``-th call of each
    evaluation (0: before any session is open; 1: after the first stratum opened one)."""

    def __init__(self, real: Any, fail_at: int) -> None:
        super().__init__(real)
        self.fail_at = fail_at
        self.calls = 0

    def assert_fact(self, handle: int, text: str) -> Any:
        self.calls += 1
        if (self.calls - 1) % 3 == self.fail_at:  # three strata, one ruleset: 3 asserts
            raise RuntimeError("Could not assert fact, error code: 303")
        return self._real.assert_fact(handle, text)


@requires_durable
@pytest.mark.parametrize("fail_at", [0, 1])
def test_a_failing_assert_raises_and_leaves_no_session(fail_at: int) -> None:
    from spinerules.engine.durable import DurableEngine

    rule_base = default_rule_base()
    engine = DurableEngine()
    assert len(engine.program(rule_base).rulesets) == 1
    real = engine._c
    facts = patient_facts(PatientState.from_dict({**BASE, "fever": True}))
    engine._c = _FailingAssert(real, fail_at)
    for _ in range(1100):  # past the 1,024-live-sessions cap
        with pytest.raises(EngineError, match="303") as caught:
            engine.evaluate(rule_base, facts)
        assert isinstance(caught.value.__cause__, RuntimeError)  # the first error, not the close
        engine._c.calls = 0
    engine._c = real
    assert engine.evaluate(rule_base, facts) == reference_evaluate(rule_base, facts)
