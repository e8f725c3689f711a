"""The robustness campaign: many hostile inputs at every boundary, counted, nothing timed.

    python benchmarks/robustness.py            # ~200,000 inputs, a few minutes on 2 cores
    python benchmarks/robustness.py --n 5000   # a quick run

The test suite proves the same properties on a few hundred examples each (hypothesis); this
runs them long enough to give the figures issue 8 asks for. Families:

* ``random documents``: arbitrary JSON-like values (huge integers, deep nesting, NaN, long
  strings, control characters) as the whole patient document, given to ``PatientState.from_dict``;
* ``one bad field``: a realistic patient with one field replaced by a hostile value;
* ``bytes``: random and mutated bytes through the JSON reader the CLI uses;
* ``added symptom``: a valid patient, then one more red-flag answer set to yes: urgency must
  never go down (principle 4), on the python engine, and on durable where it imports;
* ``engines``: valid patients on both engines, whole assessments compared.

A failure is anything but spinerules' own error escaping, an error message with a line over
600 characters or more than 12 lines, an error naming neither a key of the input nor a field, an error that does not name a field of the input, a lowered urgency, or two engines
disagreeing. The table prints inputs tried and failures per family; the exit status is 1 when
any failure was found (the first few are printed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("SPINERULES_LOAD_PLUGINS", "")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the seeded patient generators live there

from spinerules import (  # noqa: E402
    PatientState,
    SpinerulesError,
    assess,
    durable_available,
)
from spinerules.fields import FIELDS  # noqa: E402
from strategies_clinical import SYMPTOM_BOOLS, realistic_patient_dict  # noqa: E402

MAX_LINE = 600  # per problem: from_dict reports every problem, one per line
MAX_LINES = 12  # MAX_PROBLEMS_SHOWN problems, then a count of the rest
HOSTILE_STRINGS = [
    "",
    " ",
    "yes",
    "TRUE",
    "nine",
    "\x00",
    "\x1b[2J",
    "\u202e",
    "\r",
    "<script>alert(1)</script>",
    "ｓａｄｄｌｅ",
    "9" * 5000,
    "x" * 200_000,
]
HOSTILE_NUMBERS: list[Any] = [
    -1,
    0,
    49.9,
    1e308,
    float("nan"),
    float("inf"),
    -0.0,
    10**30,
    10**5000,
    True,
    False,
]


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value] if depth % 2 else {"a": value}
    return value


def hostile_value(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.random()
    if pick < 0.25:
        return rng.choice(HOSTILE_STRINGS)
    if pick < 0.5:
        return rng.choice(HOSTILE_NUMBERS)
    if pick < 0.6:
        return None
    if pick < 0.7:
        return _deep(rng.choice([2, 50, 2000, 20_000]))
    if pick < 0.8 and depth < 3:
        return [hostile_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if pick < 0.9 and depth < 3:
        names = [*rng.sample(list(FIELDS), 2), rng.choice(HOSTILE_STRINGS)[:40]]
        return {name: hostile_value(rng, depth + 1) for name in names}
    return rng.choice([set(), b"bytes", object(), 1j, (1, 2), bytearray(b"x")])


def random_document(rng: random.Random) -> Any:
    if rng.random() < 0.7:
        names = rng.sample(list(FIELDS), rng.randint(0, 6))
        return {name: hostile_value(rng) for name in names}
    return hostile_value(rng)


def too_long(message: str) -> bool:
    lines = message.splitlines()
    return len(lines) > MAX_LINES or any(len(line) > MAX_LINE for line in lines)


class Campaign:
    def __init__(self) -> None:
        self.tried: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.failures: dict[str, list[str]] = {}

    def fail(self, family: str, text: str) -> None:
        self.failures.setdefault(family, []).append(text[:300])

    def parse(self, family: str, document: Any) -> PatientState | None:
        """from_dict: a state, or spinerules' own short error naming an input field."""
        self.tried[family] += 1
        try:
            return PatientState.from_dict(document)
        except SpinerulesError as error:
            self.rejected[family] += 1
            message = str(error)
            if too_long(message):
                self.fail(family, f"message of {len(message)} characters")
            if not isinstance(document, dict):
                named = ["patient state"]  # the document itself is what was wrong
            else:
                named = [*(str(key)[:40] for key in document), *FIELDS]
            if not any(name in message for name in named):
                self.fail(family, f"error names no field: {message[:120]}")
        except BaseException as error:  # the defect this campaign looks for
            self.fail(family, f"{type(error).__name__}: {str(error)[:120]}")
        return None


def run(n: int, seed: int) -> Campaign:
    rng = random.Random(seed)
    campaign = Campaign()
    for _ in range(n):
        campaign.parse("random documents", random_document(rng))
    for _ in range(n):
        patient = realistic_patient_dict(rng)
        patient[rng.choice(list(FIELDS))] = hostile_value(rng)
        state = campaign.parse("one bad field", patient)
        if state is not None:
            try:
                assess(state, engine="python")
            except SpinerulesError:
                campaign.rejected["one bad field"] += 1
            except BaseException as error:
                campaign.fail("one bad field", f"assess: {type(error).__name__}: {error}")
    _bytes(campaign, rng, n)
    engines = ["python", *(["durable"] if durable_available() else [])]
    for _ in range(max(1, n // 10)):
        _added_symptom(campaign, rng, engines)
    if "durable" in engines:
        for _ in range(max(1, n // 10)):
            campaign.tried["engines"] += 1
            state = PatientState.from_dict(realistic_patient_dict(rng))
            by = {name: assess(state, engine=name).to_dict() for name in engines}
            for out in by.values():
                out["ruleset"].pop("engine", None)
            if by["python"] != by["durable"]:
                campaign.fail("engines", json.dumps(state.to_dict())[:300])
    return campaign


def _bytes(campaign: Campaign, rng: random.Random, n: int) -> None:
    try:
        from spinerules.jsonio import loads
    except ImportError:  # before the shared reader existed
        loads = None
    if loads is None:
        return
    valid = json.dumps(realistic_patient_dict(rng)).encode()
    for i in range(n):
        campaign.tried["bytes"] += 1
        if i % 2:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
        else:
            data = bytearray(valid)
            for _ in range(rng.randint(1, 5)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            data = bytes(data)
        try:
            PatientState.from_dict(loads(data, source="campaign"))
        except SpinerulesError as error:
            campaign.rejected["bytes"] += 1
            if too_long(str(error)):
                campaign.fail("bytes", f"message of {len(str(error))} characters")
        except BaseException as error:
            campaign.fail("bytes", f"{type(error).__name__}: {str(error)[:120]}")


def _added_symptom(campaign: Campaign, rng: random.Random, engines: list[str]) -> None:
    patient = realistic_patient_dict(rng)
    unanswered = [name for name in SYMPTOM_BOOLS if patient.get(name) is not True]
    if not unanswered:
        return
    more = {**patient, rng.choice(unanswered): True}
    for engine in engines:
        campaign.tried["added symptom"] += 1
        before, after = assess(patient, engine=engine), assess(more, engine=engine)
        if after.urgency.rank < before.urgency.rank:
            campaign.fail(
                "added symptom",
                f"{engine}: {before.urgency.value} -> {after.urgency.value} for "
                + json.dumps(more)[:200],
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="inputs per family (default 50,000)")
    parser.add_argument("--seed", type=int, default=20261203)
    args = parser.parse_args()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    campaign = run(args.n, args.seed)
    families = list(campaign.tried)
    print(f"{'family':<18} {'tried':>9} {'rejected':>9} {'failures':>9}")
    for family in families:
        failures = len(campaign.failures.get(family, []))
        tried, rejected = campaign.tried[family], campaign.rejected[family]
        print(f"{family:<18} {tried:>9,} {rejected:>9,} {failures:>9,}")
    total = sum(campaign.tried.values())
    found = sum(len(f) for f in campaign.failures.values())
    print(f"{'total':<18} {total:>9,} {sum(campaign.rejected.values()):>9,} {found:>9,}")
    for family, failures in campaign.failures.items():
        for text in failures[:3]:
            print(f"  {family}: {text}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
