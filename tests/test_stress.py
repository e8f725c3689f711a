"""Stress tests of the durable engine: threads and memory (engine-notes.md).

durable-rules 2.0.28 segfaulted with several threads posting to one ruleset and leaks a session
that is never deleted, so each test runs in a fresh interpreter: a crash fails the test (with
its signal in the return code) instead of killing pytest, and the memory figures are not
polluted by the rest of the suite. The child prints one JSON line with what it measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import spinerules

pytestmark = [
    pytest.mark.slow,
    pytest.mark.durable,
]

TESTS = Path(__file__).resolve().parent
SRC = Path(spinerules.__file__).resolve().parents[1]
TIMEOUT = 900

_PRELUDE = """
import gc, hashlib, json, random, sys, threading
from strategies_clinical import realistic_patient_dict
from spinerules import assess

def digest(assessment):
    return hashlib.sha256(json.dumps(assessment.to_dict(), sort_keys=True).encode()).hexdigest()
"""

THREADS_SCRIPT = """
THREADS, PER_THREAD = 8, 2000
rng = random.Random(20261126)
patients = [realistic_patient_dict(rng) for _ in range(PER_THREAD)]
orders = []
for t in range(THREADS):
    order = list(range(PER_THREAD))
    random.Random(t).shuffle(order)
    orders.append(order)
results = [[None] * PER_THREAD for _ in range(THREADS)]
errors = []
start = threading.Barrier(THREADS)

def work(t):
    start.wait()  # cold start: every thread asks for the engine and the rule base at once
    try:
        for i, p in enumerate(orders[t]):
            results[t][i] = digest(assess(patients[p], engine="durable"))
    except BaseException as error:
        errors.append(f"thread {t}: {error!r}")

threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
reference = [digest(assess(p, engine="durable")) for p in patients]
done = sum(r is not None for rs in results for r in rs)
mismatches = [
    (t, orders[t][i]) for t in range(THREADS) for i in range(PER_THREAD)
    if results[t][i] is not None and results[t][i] != reference[orders[t][i]]
]
urgencies = sorted({assess(p, engine="python").urgency.value for p in patients})
print(json.dumps({
    "done": done, "errors": errors[:5], "mismatches": len(mismatches),
    "first_mismatches": mismatches[:5], "urgencies": urgencies,
}))
"""

MEMORY_SCRIPT = """
import os
PAGE = os.sysconf("SC_PAGE_SIZE")

def rss():
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE

rng = random.Random(7)
urgencies = set()

def run(n):
    for _ in range(n):
        a = assess(realistic_patient_dict(rng), engine="durable")
        urgencies.add(a.urgency.value)
        a.to_dict()

run(2000)  # warm-up: rule base built, rulesets registered, caches filled
before = rss()
run(9000)
middle = rss()
run(9000)
after = rss()
print(json.dumps({"before": before, "middle": middle, "after": after, "urgencies": sorted(urgencies)}))
"""


def _child(script: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), str(TESTS), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", _PRELUDE + script],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=TESTS,
    )
    assert done.returncode == 0, (
        f"child exited with {done.returncode} (negative: killed by that signal, -11 = SIGSEGV)\n"
        f"stderr tail:\n{done.stderr[-3000:]}"
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_threads_on_the_durable_engine() -> None:
    """8 threads x 2,000 assessments on the shared durable engine, started cold and together:
    no crash, no error, and every result equals the single-threaded result for that patient."""
    out = _child(THREADS_SCRIPT)
    assert out["errors"] == [], out["errors"]
    assert out["done"] == 8 * 2000
    assert out["mismatches"] == 0, out["first_mismatches"]
    assert out["urgencies"] == ["emergency", "self_care", "soon", "urgent"]  # varied patients


def test_memory_is_flat_over_20000_durable_assessments() -> None:
    """engine-notes.md: 1,024 live sessions per ruleset, and ~65 KB per ruleset never freed;
    a session or ruleset leaked per assessment would show here."""
    out = _child(MEMORY_SCRIPT)
    mib = 1024 * 1024
    growth = (out["after"] - out["before"]) / mib
    assert growth < 20, f"RSS grew {growth:.1f} MiB over 18,000 assessments: {out}"
    assert len(out["urgencies"]) == 4, out


COLD_START_SCRIPT = """
import time
from spinerules.engine import durable as durable_module, get_engine

built = []
original = durable_module.DurableEngine.__init__

def slow_init(self):
    built.append(threading.get_ident())
    time.sleep(0.05)  # widen the window in which a second thread could build its own host
    original(self)

durable_module.DurableEngine.__init__ = slow_init
start = threading.Barrier(8)
engines = []

def work():
    start.wait()
    engines.append(id(get_engine("durable")))

threads = [threading.Thread(target=work) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"built": len(built), "engines": len(set(engines)), "asked": len(engines)}))
"""


def test_one_durable_engine_per_process_on_a_cold_start() -> None:
    """Issue 8 item 16: 8 threads asking at once get one engine, built once (one host, one lock)."""
    out = _child(COLD_START_SCRIPT)
    assert out == {"built": 1, "engines": 1, "asked": 8}, out
