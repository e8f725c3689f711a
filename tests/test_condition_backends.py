"""Every condition class on every backend (issue 9): one translation table per backend.

The reference is each node's own ``evaluate`` (the tree interpreter); the python engine's
generated code (``engine.codegen.PYTHON``) and the columnar screen's polars expressions
(``columnar.POLARS``) must agree with it on every condition and every patient, unanswered facts
included. durable-rules is compared with the same reference in tests/test_engines.py.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import polars as pl
import pytest

from spinerules.columnar import POLARS
from spinerules.columnar import expression as polars_expression
from spinerules.conditions import CONDITION_CLASSES, Condition
from spinerules.engine.codegen import PYTHON, compile_checks
from spinerules.engine.durable_compile import DURABLE
from spinerules.facts import patient_facts
from spinerules.patient import PatientState
from strategies_clinical import random_condition, realistic_patient_dict, uniform_patient_dict


def _concrete(cls: type) -> set[type]:
    """spinerules' own concrete condition classes (a test's subclass is not one)."""
    found = set()
    for sub in cls.__subclasses__():
        public = not sub.__name__.startswith("_") and sub.__module__.startswith("spinerules")
        if public and not getattr(sub, "__abstractmethods__", None) and sub.__name__ != "Leaf":
            found.add(sub)  # Leaf: the shared base of the five leaf classes
        found |= _concrete(sub)
    return found


def test_every_backend_has_one_entry_per_condition_class() -> None:
    # A new condition class must be translated by every backend before it can be used.
    assert _concrete(Condition) == set(CONDITION_CLASSES)
    assert set(PYTHON) == set(CONDITION_CLASSES)
    assert set(POLARS) == set(CONDITION_CLASSES)
    assert set(DURABLE) == set(CONDITION_CLASSES)


def test_an_unknown_condition_class_is_refused_by_name() -> None:
    class Strange(Condition):
        def evaluate(self, facts: Any) -> bool:
            return True

        def dnf(self) -> Any:
            return ()

        def describe(self) -> str:
            return "strange"

        def leaves(self) -> Any:
            return iter(())

        def matched(self, facts: Any) -> Any:
            return iter(())

    with pytest.raises(TypeError, match="cannot translate a Strange condition"):
        compile_checks([("strange", Strange())])
    with pytest.raises(TypeError, match="cannot translate a Strange condition"):
        polars_expression(Strange())


def _population(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    people = [realistic_patient_dict(rng) for _ in range(n // 2)]
    people += [uniform_patient_dict(rng) for _ in range(n - n // 2)]
    return [patient_facts(PatientState.from_dict(p)) for p in people]


def test_every_condition_class_agrees_on_every_backend() -> None:
    rng = random.Random(20261203)
    conditions = [random_condition(rng, depth=rng.choice((0, 1, 2))) for _ in range(400)]
    seen: Counter[str] = Counter()

    def count(c: Condition) -> None:
        seen[type(c).__name__] += 1
        for member in getattr(c, "members", ()):
            count(member)

    for c in conditions:
        count(c)
    assert set(seen) == {c.__name__ for c in CONDITION_CLASSES}, seen  # every class is exercised
    facts = _population(300, 7)
    keys = sorted({k for c in conditions for k in c.keys()})
    table = pl.DataFrame(
        {k.replace(".", "__"): [f.get(k) for f in facts] for k in keys}, strict=False
    )
    run = compile_checks([(f"c{n}", c) for n, c in enumerate(conditions)])
    by_polars = table.select(
        [polars_expression(c).alias(f"c{n}") for n, c in enumerate(conditions)]
    )
    held = Counter[str]()
    for row, fact in enumerate(facts):
        expected = {f"c{n}" for n, c in enumerate(conditions) if c.evaluate(fact)}
        assert set(run(fact)) == expected, fact
        assert {name for name in by_polars.columns if by_polars[name][row]} == expected, fact
        held.update(expected)
    assert len(held) > 300  # most conditions hold for someone ...
    assert any(v < len(facts) for v in held.values())  # ... and not for everyone
    assert all(c.describe() for c in conditions)
