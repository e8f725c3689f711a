"""The spinerules benchmark: one command, one table, every row on the same population.

    python benchmarks/run.py              # the default run (see README.md for sizes and time)
    python benchmarks/run.py --quick      # tiny sizes: a smoke test of every row
    python benchmarks/run.py --json out.json

Rows (README.md says what each measures): spinerules ``assess()`` on the durable and python
engines, evaluation only (validation and every check), the engines alone on pre-built facts,
the columnar screen with Parquet in and out beside today's screen and the I/O floor,
``assess_many`` with 1 and 2 workers, and four baselines on the same red-flag workload: the
hand-written if/else floor, raw durable-rules, rule-engine and zen-engine. Then plugin cost
growth (10, 100, 1,000 added activities, and 1,000 of which ~10 fire) and memory over long runs.
Each target of issue 9 is a ratio between two rows of the same run, printed met or missed.
Benchmarks are not tests: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import functools
import gc
import inspect
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import attrs

# Installed plugins would change the rule base under measurement: measure the built-ins unless
# the caller says otherwise (the test suite does the same).
os.environ.setdefault("SPINERULES_LOAD_PLUGINS", "")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
try:
    import spinerules
except ImportError:  # a source tree without an install: python benchmarks/run.py from the root
    sys.path.insert(1, str(HERE.parent / "src"))
    import spinerules

import population  # noqa: E402 (after the path set-up above)
from baselines import ifelse  # noqa: E402

Key = tuple[str, frozenset[str]]
PAGE = os.sysconf("SC_PAGE_SIZE")
#: The speed targets of issue 9, every one a ratio between two rows measured in the same run.
TARGETS = {
    # python assess() (full eager Assessment) throughput over raw durable-rules' (red flags)
    "python_vs_raw_durable": 2.0,
    # evaluation only (validation + every check) throughput over zen-engine's (red flags)
    "evaluation_vs_zen": 2.0,
    # durable engine time over raw durable-rules' on the same rules (the red flags): at most
    "durable_engine_vs_raw": 2.0,
    # columnar screen rows/s per core over today's screen, Parquet in and out
    "columnar_vs_today": 2.5,
    # assess_many workers=2 throughput over workers=1
    "workers_speedup": 1.3,
    # p50 with 1,000 plugin activities (~10 fire) over the built-in rule base's: at most
    "plugin_ratio": 2.0,
    # RSS growth over the memory run (10 % of the calls to the end): below
    "memory_growth_mib": 5.0,
}
#: Where the issue found each ratio ("today"), printed beside the measured one.
TODAY = {
    "python_vs_raw_durable": "0.46x",
    "durable_engine_vs_raw": "~13x",
    "columnar_vs_today": "~150k rows/s",
    "workers_speedup": "< 1x",
}
#: The commit whose columnar screen is "today's" (issue 9 opened on it); ``--columnar-baseline``.
COLUMNAR_BASELINE = "3ccb6be11ee2c62b3a908824df53005e22cf5282"


# --- measuring --------------------------------------------------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def percentile(sorted_ns: Sequence[int], q: float) -> float:
    """Nearest-rank percentile of sorted nanosecond latencies, in microseconds."""
    if not sorted_ns:
        return float("nan")
    index = min(len(sorted_ns) - 1, max(0, round(q * len(sorted_ns) + 0.5) - 1))
    return sorted_ns[index] / 1000


@dataclass
class Timed:
    """One function measured by ``time_interleaved``."""

    name: str
    fn: Callable[[Any], Any]
    keep: Callable[[Any], Any] | None = None
    latencies: list[int] = field(default_factory=list)
    kept: list[Any] = field(default_factory=list)
    block_p50s: list[float] = field(default_factory=list)
    wall: int = 0
    cpu: float = 0.0
    items: Sequence[Any] = ()

    def result(self) -> dict[str, Any]:
        self.latencies.sort()
        p50 = percentile(self.latencies, 0.50)
        wall = self.wall
        if p50 < 20:  # the timer's own ~0.1 µs matters here: time an untimed pass instead
            wall = 0
            for _ in range(2):
                start = time.perf_counter_ns()
                for item in self.items:
                    self.fn(item)
                wall += time.perf_counter_ns() - start
            wall //= 2
        return {
            "count": len(self.latencies),
            "per_s": len(self.latencies) / (wall / 1e9),
            "p50_us": p50,
            "p99_us": percentile(self.latencies, 0.99),
            "kept": self.kept,
            "cpu_share": self.cpu / (self.wall / 1e9) if self.wall else None,
            "block_p50_us": (min(self.block_p50s), max(self.block_p50s)),
        }


def time_interleaved(
    timed: Sequence[Timed], items: Sequence[Any], *, block: int, warmup: int = 200
) -> None:
    """Per-call latency of several functions over the same items, interleaved block by block.

    The host's speed drifts by more than 1.5x over seconds (measured on the 2-core VM this was
    written on: the same loop alternated between ~320 and ~550 µs per call), so rows timed one
    after another can disagree by that much. Here every row times ``block`` items in turn, the
    order rotating each round, so all rows see the same host conditions and their ratios hold.
    ``keep`` turns each result into what the correctness checks compare (outside the timer).
    """
    for t in timed:
        for item in items[: min(warmup, len(items))]:
            t.fn(item)
        t.items = items
    gc.collect()
    clock = time.perf_counter_ns
    for number, first in enumerate(range(0, len(items), block)):
        chunk = items[first : first + block]
        shift = number % len(timed)
        for t in (*timed[shift:], *timed[:shift]):
            fn, keep, latencies, kept = t.fn, t.keep, t.latencies, t.kept
            before = len(latencies)
            cpu = time.process_time()
            start = clock()
            for item in chunk:
                t0 = clock()
                result = fn(item)
                latencies.append(clock() - t0)
                if keep is not None:
                    kept.append(keep(result))
            t.wall += clock() - start
            t.cpu += time.process_time() - cpu
            t.block_p50s.append(statistics.median(latencies[before:]) / 1000)


def traced_peak(fn: Callable[[Any], Any], items: Sequence[Any]) -> float:
    """tracemalloc peak (KiB) over a separate pass (tracemalloc slows the calls it watches)."""
    gc.collect()
    tracemalloc.start()
    for item in items:
        fn(item)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024


class RssSampler:
    """Peak RSS growth over a block, sampled every 5 ms on a thread (for code outside Python's
    heap, such as polars)."""

    def __enter__(self) -> RssSampler:
        self.base = self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_bytes())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def delta_kib(self) -> float:
        return (self.peak - self.base) / 1024


def assessment_key(assessment: Any) -> Key:
    return assessment.urgency.value, frozenset(f.id for f in assessment.red_flags)


def full_key(assessment: Any) -> tuple[Any, ...]:
    return (
        *assessment_key(assessment),
        tuple(r.id for r in assessment.recommendations),
        assessment.startback.risk if assessment.startback else None,
    )


def mismatches(a: Sequence[Any], b: Sequence[Any]) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True))


def eager(assessment: Any) -> Any:
    """Read every field (and any cached property) of the Assessment, so a part built lazily
    is paid for inside the timed call: the issue's row is the *full eager* Assessment."""
    cls = type(assessment)
    names = _EAGER.get(cls)
    if names is None:
        names = [f.name for f in attrs.fields(cls)] if attrs.has(cls) else []
        names += [n for n, v in vars(cls).items() if isinstance(v, functools.cached_property)]
        _EAGER[cls] = names
    for name in names:
        getattr(assessment, name)
    return assessment


_EAGER: dict[type, list[str]] = {}


# --- spinerules below assess(): what the engine rows call -------------------------------------
#
# The three functions the rows below assess() use. They name today's internals (PatientState,
# patient_facts, get_engine(...).evaluate); when the redesign moves them, only these change.


def validated_facts(patient: Any, rule_base: Any) -> Any:
    """Validation (the field rules, the cross-field rules, the rule-id lists) and the facts."""
    from spinerules.api import check_rule_ids
    from spinerules.facts import patient_facts
    from spinerules.patient import PatientState

    state = PatientState.from_dict(patient)
    check_rule_ids(state, rule_base)
    return patient_facts(state)


def engine_run(engine: str, rule_base: Any) -> Callable[[Any], Any]:
    """facts -> the engine's evaluation (every check of ``rule_base``), nothing else."""
    from spinerules.engine import get_engine

    evaluate = get_engine(engine).evaluate
    return functools.partial(evaluate, rule_base)


def fired_keys(evaluation: Any, among: frozenset[str] | None = None) -> frozenset[str]:
    """The check keys that held, as strings (optionally only those ``among``)."""
    keys = (str(key) for key in evaluation)
    return frozenset(k for k in keys if among is None or k in among)


# --- rows -----------------------------------------------------------------------------------


def row(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "unit": "assess/s", "mem_kind": "tm", **fields}


def per_call_rows(
    timed: Sequence[Timed], patients: Sequence[Any], *, memory_n: int, block: int
) -> list[dict[str, Any]]:
    time_interleaved(timed, patients, block=block)
    rows = []
    for t in timed:
        measured = t.result()
        measured["mem_kib"] = traced_peak(t.fn, patients[:memory_n])
        rows.append(row(t.name, **measured))
    return rows


def polars_schema() -> dict[str, Any]:
    """The flat JSON form as Arrow columns: booleans, integers, floats, strings, lists of strings
    for the set and list fields, and a struct for STarT Back."""
    import polars as pl

    from spinerules.fields import FIELDS, STARTBACK_ITEMS

    scalar = {"bool": pl.Boolean, "int": pl.Int64, "float": pl.Float64, "enum": pl.String}
    schema: dict[str, Any] = {}
    for name, spec in FIELDS.items():
        if spec.kind in scalar:
            schema[name] = scalar[spec.kind]
        elif spec.kind in ("set", "list"):
            schema[name] = pl.List(pl.String)
        else:
            schema[name] = pl.Struct(
                {
                    k: pl.Boolean if s.kind == "bool" else pl.String
                    for k, s in STARTBACK_ITEMS.items()
                }
            )
    return schema


def source_tree(revision: str, into: Path) -> Path | None:
    """``src/`` of ``revision`` extracted with ``git archive`` (read-only: no checkout), for the
    "today" columnar row; None where there is no git repository or no such revision."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(HERE.parent), "archive", revision, "src"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return into / "src"


class ColumnarChild:
    """A ``baselines/columnar_child.py`` process screening with one spinerules tree."""

    def __init__(self, tree: Path, source: Path, target: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "baselines" / "columnar_child.py"),
                str(source),
                str(target),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.target = target
        self.ready = self._answer()

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"columnar child exited ({self.process.wait()})")
        return json.loads(line)  # type: ignore[no-any-return]

    def run(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()


def write_population_parquet(path: Path, rows: int, seed: int) -> None:
    import polars as pl

    schema = polars_schema()
    frames, chunk = [], []
    for patient in population.iter_patients(rows, seed):
        chunk.append(patient)
        if len(chunk) == 50_000:
            frames.append(pl.DataFrame(chunk, schema=schema))
            chunk = []
    if chunk:
        frames.append(pl.DataFrame(chunk, schema=schema))
    pl.concat(frames).write_parquet(path)


def columnar_rows(
    rows: int, seed: int, expected: Sequence[Key], repeats: int, baseline: str | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Parquet in, ``screen_table``, Parquet out, rows per second: the working tree's screen,
    today's (``baseline``, its own process) and the I/O floor (read + write, no screening),
    interleaved one command at a time, the order rotating, median of ``repeats`` each."""
    names = ("columnar screen", "columnar today", "columnar I/O floor")
    try:
        import polars as pl
    except ImportError:
        return [row(n, missing="n/a (pip install polars)", unit="rows/s") for n in names], {}
    check: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="spinerules-bench-") as tmp:
        source = Path(tmp, "patients.parquet")
        write_population_parquet(source, rows, seed)
        here = Path(spinerules.__file__).resolve().parent.parent
        children: list[ColumnarChild] = []
        try:
            now = ColumnarChild(here, source, Path(tmp, "now.parquet"))
            children.append(now)
            sides: dict[str, tuple[ColumnarChild, str]] = {names[0]: (now, "screen")}
            old_tree = source_tree(baseline, Path(tmp)) if baseline else None
            if old_tree is not None:
                try:
                    today = ColumnarChild(old_tree, source, Path(tmp, "today.parquet"))
                except RuntimeError as error:  # today's tree cannot run here: say so
                    check["today_failed"] = str(error)
                else:
                    children.append(today)
                    sides[names[1]] = (today, "screen")
                    check["today_tree"] = today.ready["ready"]
            sides[names[2]] = (now, "io")
            runs: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
            order = list(sides)
            for number in range(repeats):
                shift = number % len(order)
                for name in (*order[shift:], *order[:shift]):
                    child, command = sides[name]
                    runs[name].append(child.run(command))
            out = pl.read_parquet(now.target)  # the last screen's results ("io" has its own file)
            threads = now.ready["threads"]
            check["tree"] = now.ready["ready"]
        finally:
            for child in children:
                child.close()
    check["rows"] = out.height
    head = out.head(len(expected))
    if {"urgency", "red_flags"} <= set(out.columns):
        got = [
            (str(u), frozenset(flags or ()))
            for u, flags in zip(head["urgency"].to_list(), head["red_flags"].to_list(), strict=True)
        ]
        check["compared"] = len(got)
        check["mismatches"] = mismatches(got, expected[: len(got)])
    if "error" in out.columns:
        check["errors"] = int(out["error"].is_not_null().sum())
    measured = []
    for name in names:
        if name not in runs:
            measured.append(row(name, missing=f"n/a (no git revision {baseline})", unit="rows/s"))
            continue
        walls = sorted(r["wall"] for r in runs[name])
        wall = walls[len(walls) // 2]
        measured.append(
            row(
                name,
                unit="rows/s",
                count=rows,
                per_s=rows / wall,
                per_core=rows / wall / threads,
                p50_us=None,
                p99_us=None,
                mem_kib=max(r["peak_kib"] for r in runs[name]),
                mem_kind="rss",
                cpu_share=sum(r["cpu"] for r in runs[name]) / sum(r["wall"] for r in runs[name]),
                note=f"median of {repeats}; polars threads {threads}",
            )
        )
    return measured, check


def find_assess_many() -> Callable[..., Any] | None:
    found = getattr(spinerules, "assess_many", None)
    if found is None:
        try:
            from spinerules import batch  # type: ignore[attr-defined]
        except ImportError:
            return None
        found = getattr(batch, "assess_many", None)
    return found  # type: ignore[no-any-return]


def assess_many_rows(patients: Sequence[Any]) -> list[dict[str, Any]]:
    assess_many = find_assess_many()
    if assess_many is None:
        return [
            row(f"assess_many workers={w}", missing="n/a (spinerules.assess_many missing)")
            for w in (1, 2)
        ]
    options: dict[str, Any] = {}
    if "engine" in inspect.signature(assess_many).parameters:
        options["engine"] = "python"
    for workers in (1, 2):
        list(assess_many(iter(patients[:50]), workers=workers, **options))  # warm-up
    # A-B-B-A over the two halves, so a drift of the host's speed falls on both equally.
    half = len(patients) // 2
    counts, walls = {1: 0, 2: 0}, {1: 0.0, 2: 0.0}
    for workers, part in (
        (1, patients[:half]),
        (2, patients[:half]),
        (2, patients[half:]),
        (1, patients[half:]),
    ):
        gc.collect()
        start = time.perf_counter()
        counts[workers] += sum(1 for _ in assess_many(iter(part), workers=workers, **options))
        walls[workers] += time.perf_counter() - start
    rows = [
        row(
            f"assess_many workers={workers}",
            count=counts[workers],
            per_s=counts[workers] / walls[workers],
            p50_us=None,
            p99_us=None,
            mem_kib=None,
            note=f"engine={options.get('engine', 'default')}",
        )
        for workers in (1, 2)
    ]
    rows[1]["speedup"] = rows[1]["per_s"] / rows[0]["per_s"]
    return rows


def plugin_cells(sizes: Iterable[int]) -> list[dict[str, Any]]:
    """The rule bases of the plugin rows: ``plugins_gen`` with 0 and ``sizes`` activities (about
    30 % of them eligible per patient), and the built-in rule base with 1,000 activities of which
    ~10 fire (``baselines/sparse_plugins.py``, the issue-9 target), each with the cell its ratio
    is taken against."""
    from baselines.sparse_plugins import sparse_rule_base
    from plugins_gen import plugin_rule_base

    cells = [
        {
            "label": f"+{size:,} activities",
            "activities": size,
            "base": "+0 activities",
            "rule_base": plugin_rule_base(size),
        }
        for size in (0, *sizes)
    ]
    cells.append(
        {
            "label": "built-in",
            "activities": 0,
            "base": "built-in",
            "rule_base": spinerules.default_rule_base(),
        }
    )
    cells.append(
        {
            "label": "+1,000 activities, ~10 fire",
            "activities": 1000,
            "base": "built-in",
            "rule_base": sparse_rule_base(1000),
            "target": True,
        }
    )
    return cells


def plugin_growth(
    patients: Sequence[Any], sizes: Iterable[int], block: int
) -> list[dict[str, Any]]:
    """p50 of assess() with generated plugin activities, both engines, every cell interleaved
    with its base rule base (so the ratio does not ride on the host's drift)."""
    from baselines.sparse_plugins import PREFIX

    timed: list[Timed] = []
    meta: list[dict[str, Any]] = []
    for cell in plugin_cells(sizes):
        rule_base = cell.pop("rule_base")
        generated = frozenset(a.id for a in rule_base.activities if a.id.startswith(PREFIX))
        python = engine_run("python", rule_base)
        fired = [
            len(fired_keys(python(validated_facts(d, rule_base)), generated)) for d in patients
        ]
        for engine in ("durable", "python"):

            def call(d: Any, engine: str = engine, rule_base: Any = rule_base) -> Any:
                return eager(spinerules.assess(d, rule_base=rule_base, engine=engine))

            start = time.perf_counter()
            call(patients[0])  # the first call compiles (durable registers its rulesets)
            first = time.perf_counter() - start
            timed.append(Timed(f"{cell['label']}/{engine}", call, full_key))
            meta.append(
                {
                    **cell,
                    "engine": engine,
                    "checks": len(rule_base.checks),
                    "first_call_s": first,
                    "fired_mean": statistics.fmean(fired),
                }
            )
    time_interleaved(timed, patients, block=block, warmup=20)
    out = [{**m, **t.result()} for m, t in zip(meta, timed, strict=True)]
    p50 = {(g["label"], g["engine"]): g["p50_us"] for g in out}
    keys = {(g["label"], g["engine"]): g.pop("kept") for g in out}
    for g in out:
        g["ratio"] = g["p50_us"] / p50[(g["base"], g["engine"])]
        g["engines_disagree"] = mismatches(
            keys[(g["label"], "durable")], keys[(g["label"], "python")]
        )
    return out


# --- memory (child processes) ------------------------------------------------------------------


def memory_child(engine: str, calls: int, seed: int) -> None:
    """Sequential ``assess`` calls cycling over 10,000 patients; RSS at 10 % and at the end."""
    patients = population.generate(min(calls, 10_000), seed)
    every = 100_000 if calls >= 500_000 else max(1, calls // 10)
    spinerules.assess(patients[0], engine=engine)
    start = time.perf_counter()
    at_tenth = rss_bytes()
    first_rss = at_tenth
    for i in range(calls):
        spinerules.assess(patients[i % len(patients)], engine=engine)
        done = i + 1
        if done == max(1, calls // 10):
            at_tenth = rss_bytes()
        if done % every == 0:
            print(
                f"  memory [{engine}] {done:,}/{calls:,} RSS {rss_bytes() / 2**20:.1f} MiB",
                file=sys.stderr,
                flush=True,
            )
    end = rss_bytes()
    print(
        json.dumps(
            {
                "engine": engine,
                "calls": calls,
                "rss_start_mib": first_rss / 2**20,
                "rss_10pct_mib": at_tenth / 2**20,
                "rss_end_mib": end / 2**20,
                "growth_mib": (end - at_tenth) / 2**20,
                "seconds": time.perf_counter() - start,
            }
        )
    )


def memory_runs(plan: Sequence[tuple[str, int]], seed: int) -> list[dict[str, Any]]:
    """Run each memory child in its own process, all at once (memory is not a timing)."""
    children = [
        (
            engine,
            calls,
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--memory-child",
                    engine,
                    str(calls),
                    "--seed",
                    str(seed),
                ],
                stdout=subprocess.PIPE,
                text=True,
            ),
        )
        for engine, calls in plan
    ]
    results = []
    for engine, calls, child in children:
        stdout, _ = child.communicate()
        if child.returncode != 0:
            results.append({"engine": engine, "calls": calls, "error": f"exit {child.returncode}"})
            continue
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    return results


# --- the report -----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    for package in ("spinerules", "durable_rules", "polars", "rule-engine", "zen-engine"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:
            versions[package] = "-"
    commit = "-"
    try:
        root = str(HERE.parent)
        commit = subprocess.run(
            ["git", "-C", root, "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if dirty:
            commit += " + uncommitted changes in src/"
    except (OSError, subprocess.CalledProcessError):
        pass
    return {
        "commit": commit,
        "cpu": model,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "versions": versions,
        "plugins": os.environ.get("SPINERULES_LOAD_PLUGINS") or "none (built-in rule base)",
    }


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _mem(entry: dict[str, Any]) -> str:
    if entry.get("mem_kib") is None:
        return "-"
    return f"{entry['mem_kib']:,.0f} KiB ({entry['mem_kind']})"


def table(headers: Sequence[str], lines: Sequence[Sequence[str]], right: set[int]) -> str:
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule_line = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(headers), rule_line, *(fmt(line) for line in lines)])


def ratio_text(entry: dict[str, Any], floor: dict[str, Any]) -> str:
    """Cost per patient relative to the floor: p50 over the floor's p50 where there is a p50,
    else the floor's throughput over this row's."""
    if entry.get("p50_us"):
        return f"{entry['p50_us'] / floor['p50_us']:,.1f}x p50"
    if entry.get("per_s"):
        return f"{floor['per_s'] / entry['per_s']:,.2f}x thr"
    return "-"


def main_table(rows: list[dict[str, Any]], floor: dict[str, Any]) -> str:
    lines = []
    for entry in rows:
        if entry.get("missing"):
            lines.append([entry["name"], "-", entry["missing"], "-", "-", "-", "-", "-"])
            continue
        rate = f"{_num(entry['per_s'])} {entry['unit']}"
        share = entry.get("cpu_share")
        lines.append(
            [
                entry["name"],
                _num(entry["count"]),
                rate,
                _num(entry["p50_us"], 1),
                _num(entry["p99_us"], 1),
                _mem(entry),
                ratio_text(entry, floor),
                "-" if share is None else f"{share:.2f}",
            ]
        )
    headers = ["row", "n", "throughput", "p50 µs", "p99 µs", "peak memory", "vs floor", "cpu/wall"]
    return table(headers, lines, right={1, 2, 3, 4, 5, 6, 7})


def growth_table(growth: list[dict[str, Any]], memory: list[dict[str, Any]]) -> str:
    lines = []
    for g in growth:
        lines.append(
            [
                f"plugins {g['label']}",
                g["engine"],
                f"{g['checks']:,} checks",
                _num(g["p50_us"], 1),
                _num(g["p99_us"], 1),
                f"{g['ratio']:.2f}x {g['base']}",
                f"fire {g['fired_mean']:.1f}/patient; first call {g['first_call_s']:.2f} s; "
                f"engines disagree {g['engines_disagree']}/{g['count']}; "
                f"cpu/wall {g['cpu_share']:.2f}",
            ]
        )
    for mem in memory:
        if "error" in mem:
            lines.append(
                [f"memory {mem['calls']:,} calls", mem["engine"], "-", "-", "-", "-", mem["error"]]
            )
            continue
        lines.append(
            [
                f"memory {mem['calls']:,} calls",
                mem["engine"],
                f"RSS {mem['rss_10pct_mib']:.1f} -> {mem['rss_end_mib']:.1f} MiB",
                "-",
                "-",
                f"+{mem['growth_mib']:.2f} MiB",
                f"10% -> end (target < {TARGETS['memory_growth_mib']:.0f} MiB); {mem['seconds']:.0f} s",
            ]
        )
    headers = ["row", "engine", "size", "p50 µs", "p99 µs", "growth", "notes"]
    return table(headers, lines, right={3, 4})


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 9 as a ratio of two rows of this run: (label, ratio, verdict)."""
    by = {r["name"]: r for r in results["rows"]}
    checks = results["checks"]
    out: list[dict[str, Any]] = []

    def add(
        key: str,
        label: str,
        ratio: float | None,
        at_least: bool,
        detail: str = "",
        invalid: str | None = None,
    ) -> None:
        goal = TARGETS[key]
        if ratio is None:
            verdict = "n/a"
        elif invalid:
            verdict = f"invalid ({invalid})"
        else:
            verdict = "met" if (ratio >= goal if at_least else ratio <= goal) else "missed"
        out.append(
            {
                "key": key,
                "label": label,
                "ratio": ratio,
                "target": f"{'>=' if at_least else '<='} {goal:g}x",
                "today": TODAY.get(key, "-"),
                "detail": detail,
                "verdict": verdict,
            }
        )

    def per_s(name: str) -> float | None:
        return by.get(name, {}).get("per_s")

    def over(a: str, b: str) -> float | None:
        x, y = per_s(a), per_s(b)
        return x / y if x and y else None

    add(
        "python_vs_raw_durable",
        "python assess(), full eager Assessment / raw durable-rules (red flags), throughput",
        over("assess() python", "raw durable-rules"),
        True,
        invalid=(
            "the red flags differ"
            if checks["raw_durable_vs_floor"] or checks["floor_vs_assess"]
            else None
        ),
    )
    zen_bad = checks["zen_vs_python_engine"]
    add(
        "evaluation_vs_zen",
        "evaluation only (validation + every check) / zen-engine (red flags), throughput",
        over("evaluation only (python)", "zen-engine (peer)"),
        True,
        invalid="zen's fired checks differ" if zen_bad else None,
    )
    add(
        "durable_engine_vs_raw",
        "durable engine time, red flags / raw durable-rules, same red flags",
        over("raw durable-rules", "durable engine: red flags"),
        False,
        detail=(
            f"every check: {over('raw durable-rules', 'durable engine: every check'):.2f}x"
            if over("raw durable-rules", "durable engine: every check")
            else ""
        ),
        invalid=(
            "durable engine differs from python" if checks["durable_red_flags_vs_python"] else None
        ),
    )
    screen = by.get("columnar screen", {})
    today = by.get("columnar today", {})
    floor = by.get("columnar I/O floor", {})
    ratio = (
        screen["per_core"] / today["per_core"]
        if screen.get("per_core") and today.get("per_core")
        else None
    )
    detail = ""
    if screen.get("per_core"):
        detail = f"{screen['per_core']:,.0f} rows/s/core"
        if today.get("per_core"):
            detail += f" vs today {today['per_core']:,.0f}"
        if floor.get("per_core"):
            detail += f"; I/O floor {floor['per_core']:,.0f}"
    batch = checks["batch"]
    add(
        "columnar_vs_today",
        "columnar screen, Parquet in and out / today's screen, rows/s per core",
        ratio,
        True,
        detail=detail,
        invalid="the screen differs from assess()" if batch.get("mismatches") else None,
    )
    add(
        "workers_speedup",
        "assess_many(workers=2) / workers=1, throughput",
        by.get("assess_many workers=2", {}).get("speedup"),
        True,
    )
    for g in results["plugin_growth"]:
        if g.get("target"):
            add(
                "plugin_ratio",
                f"+1,000 plugin activities (~10 fire) / built-in, p50, {g['engine']}",
                g["ratio"],
                False,
                detail=f"{g['fired_mean']:.1f} fire per patient",
                invalid="engines disagree" if g["engines_disagree"] else None,
            )
    for mem in results["memory"]:
        if "growth_mib" in mem:
            growth = mem["growth_mib"]
            out.append(
                {
                    "key": "memory_growth_mib",
                    "label": f"memory flat over {mem['calls']:,} assessments ({mem['engine']})",
                    "ratio": None,
                    "measured": f"+{growth:.2f} MiB",
                    "target": f"< {TARGETS['memory_growth_mib']:g} MiB",
                    "today": "-",
                    "detail": "RSS 10% -> end",
                    "verdict": "met" if growth < TARGETS["memory_growth_mib"] else "missed",
                }
            )
    return out


def targets_text(rows: list[dict[str, Any]]) -> str:
    lines = [
        [
            t["label"],
            t.get("measured") or (f"{t['ratio']:.2f}x" if t["ratio"] is not None else "-"),
            t["target"],
            t["today"],
            t["verdict"],
            t["detail"],
        ]
        for t in rows
    ]
    return table(["target", "measured", "goal", "today", "verdict", "notes"], lines, right={1})


FOOTNOTES = """\
Notes
  * Every row runs on the first N patients of one seeded population (benchmarks/population.py);
    p50/p99 are per call, measured one call at a time with perf_counter_ns after a warm-up,
    garbage collector on. The per-call rows (assess() on both engines, evaluation only, the
    engines alone, the floor, raw durable-rules, rule-engine, zen-engine) are interleaved: each
    times --block patients in turn, the order rotating, so a drift of the host's speed hits them
    all alike. Throughput is calls over the wall time of the timed calls (fast rows, p50 < 20 µs,
    get an untimed pass instead). assess_many runs A-B-B-A; the columnar rows alternate one run
    at a time, the order rotating.
  * The targets are ratios of two rows of this run: throughput over throughput (a time ratio is
    its inverse), p50 over p50 for the plugin rows, rows/s per core for the columnar rows.
    "invalid" means the two rows did not compute the same thing (a failed check below).
  * assess() rows: the full eager Assessment (every field read inside the timed call).
    evaluation only: PatientState.from_dict + the rule-id checks + facts + the python engine's
    every check (99 built-in), no Assessment. durable engine rows: the engine's evaluate() on
    facts built beforehand, on a rule base of the 40 red flags only ("red flags", the rules raw
    durable-rules runs) and on the whole built-in rule base ("every check").
  * peak memory: "tm" = tracemalloc peak of Python allocations over a separate pass of the
    first --tm-n calls (C allocations inside durable-rules are not seen); "rss" = peak RSS
    growth during one run, sampled every 5 ms (polars allocates outside Python's heap).
  * vs floor: cost per patient relative to the hand-written if/else: "x p50" is this row's p50
    over the floor's p50; "x thr" (rows without a per-call latency) is the floor's throughput over
    this row's. 1.0x = as cheap as the floor; higher is slower.
  * The baselines compute only the red flags (all 40 built-in red flags of clinical.md
    revision 3 with tiers, escalations, the reviewable rule and clinician clearance; zen: every
    check of RedFlag.checks(), 56); the assess() rows also build the full Assessment.
  * raw durable-rules: one ruleset of 59 rules plus a catch-all, one fact per patient with every
    property (sentinel "?" for unknown), fresh sid, delete_state after; host without timer
    threads; the NG65 feature count and one cleared_<id> boolean per clearable flag are computed
    in Python; "2 or more of" written out as pairs.
  * rule-engine: one Rule per (flag, tier), 49 rules, evaluated with Rule.matches on a dict of
    every property (null for unknown) plus the NG65 count computed in Python.
  * zen-engine: the 56 red-flag checks translated from spinerules' condition trees into one
    expression (baselines/zen_peer.py), compiled once, evaluated on the flat JSON dict; returns
    the keys that held. Checked against the python engine on the whole population.
  * columnar: read Parquet + screen_table + write Parquet, median of runs, each tree in its own
    process (baselines/columnar_child.py); "today" is the screen of the commit issue 9 opened
    on (--columnar-baseline, extracted with git archive); the I/O floor reads and writes the same
    Parquet without screening. Per core = rows/s over polars' thread-pool size.
  * Plugin growth: generated activities (benchmarks/plugins_gen.py, ~30 % eligible) added to
    the built-ins; "~10 fire": the same activities gated to two-year age bands
    (baselines/sparse_plugins.py) on the built-in rule base; p50 over the first --plugin-n
    patients, every cell and engine interleaved by --plugin-block patients, ratio against its
    base cell measured in the same blocks; "engines disagree" compares urgency, red flags,
    recommendations and STarT Back.
  * Memory: fresh processes, sequential assess() cycling over 10,000 patients; growth is RSS at
    the end minus RSS after 10 % of the calls (/proc/self/statm). They run side by side after
    the timed rows."""


def red_flags_only(rule_base: Any) -> Any:
    """The 40 red flags alone, as a rule base: the rules raw durable-rules runs."""
    return spinerules.RuleBase.build(
        red_flags=rule_base.red_flags,
        watch_items=(),
        activities=(),
        advice_against=(),
        evidence=rule_base.evidence.values(),
        thresholds=rule_base.thresholds,
        version=f"{rule_base.version}+red-flags-only",
    )


def zen_differential(
    patients: Sequence[Any], rule_base: Any, screen: Any, keys: Any
) -> dict[str, Any]:
    """zen's fired red-flag checks against the python engine's, patient by patient."""
    python = engine_run("python", rule_base)
    differ = []
    for number, patient in enumerate(patients):
        expected = fired_keys(python(validated_facts(patient, rule_base)), keys)
        got = frozenset(screen(patient))
        if got != expected:
            differ.append(
                {
                    "patient": number,
                    "only_zen": sorted(got - expected),
                    "only_spinerules": sorted(expected - got),
                }
            )
    return {"compared": len(patients), "mismatches": len(differ), "examples": differ[:5]}


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    info = machine()
    try:
        import polars as pl

        info["polars_threads"] = pl.thread_pool_size()
    except ImportError:
        info["polars_threads"] = None
    size = max(args.n, args.many_n)
    print(f"generating {size:,} patients (seed {args.seed}) ...", file=sys.stderr)
    patients = population.generate(size, args.seed)
    sample = patients[: args.n]
    tm_n = min(args.tm_n, args.n)

    loads = [os.getloadavg()[0]]

    def progress(label: str) -> None:
        loads.append(os.getloadavg()[0])
        print(f"[{time.perf_counter() - started:6.1f} s] {label}", file=sys.stderr, flush=True)

    from baselines import raw_durable

    raw_durable.setup()
    built_in = spinerules.default_rule_base()
    flags_only = red_flags_only(built_in)
    evaluate = engine_run("python", built_in)
    durable_flags = engine_run("durable", flags_only)
    durable_all = engine_run("durable", built_in)
    # The engine rows start from facts (engine time alone): built once, outside the timer.
    facts = {id(d): validated_facts(d, built_in) for d in sample}
    flag_keys = frozenset(str(k) for f in built_in.red_flags for k, _ in f.checks())
    timed = [
        Timed(
            "assess() python",
            lambda d: eager(spinerules.assess(d, engine="python")),
            assessment_key,
        ),
        Timed(
            "assess() durable",
            lambda d: eager(spinerules.assess(d, engine="durable")),
            assessment_key,
        ),
        Timed(
            "evaluation only (python)",
            lambda d: evaluate(validated_facts(d, built_in)),
            lambda r: fired_keys(r, flag_keys),
        ),
        Timed(
            "durable engine: red flags",
            lambda d: durable_flags(facts[id(d)]),
            lambda r: fired_keys(r, flag_keys),
        ),
        Timed("durable engine: every check", lambda d: durable_all(facts[id(d)])),
        Timed("floor: if/else", ifelse.screen, lambda r: r),
        Timed("raw durable-rules", raw_durable.screen, lambda r: r),
    ]
    missing: dict[str, dict[str, Any]] = {}
    try:
        from baselines import rule_engine_peer

        rule_engine_peer.setup()
        timed.append(Timed("rule-engine (peer)", rule_engine_peer.screen, lambda r: r))
    except ImportError:
        missing["rule-engine (peer)"] = row(
            "rule-engine (peer)", missing="n/a (pip install rule-engine)"
        )
    zen_peer: Any = None
    try:
        from baselines import zen_peer

        zen_peer.setup(built_in)
        timed.append(Timed("zen-engine (peer)", zen_peer.screen, frozenset))
    except ImportError:
        missing["zen-engine (peer)"] = row(
            "zen-engine (peer)", missing="n/a (pip install zen-engine)"
        )
    progress("per-call rows, interleaved: " + ", ".join(t.name for t in timed))
    measured = {r["name"]: r for r in per_call_rows(timed, sample, memory_n=tm_n, block=args.block)}
    measured.update(missing)
    floor = measured["floor: if/else"]
    python = measured["assess() python"]
    floor_keys: list[Key] = floor["kept"]
    expected: list[Key] = python["kept"]

    rows: list[dict[str, Any]] = [
        measured[name]
        for name in (
            "assess() python",
            "assess() durable",
            "evaluation only (python)",
            "durable engine: red flags",
            "durable engine: every check",
        )
    ]
    progress("columnar screen (child processes)")
    baseline = None if args.columnar_baseline == "none" else args.columnar_baseline
    columnar, batch_check = columnar_rows(
        args.batch_n, args.seed, expected, args.batch_repeats, baseline
    )
    rows += columnar
    progress("assess_many")
    rows += assess_many_rows(patients[: args.many_n])
    rows += [
        measured[name]
        for name in (
            "floor: if/else",
            "raw durable-rules",
            "rule-engine (peer)",
            "zen-engine (peer)",
        )
    ]

    zen_check = None
    if zen_peer is not None:
        progress(f"zen differential over {len(patients):,} patients")
        zen_check = zen_differential(patients, built_in, zen_peer.screen, zen_peer.KEYS)
    progress("plugin growth")
    growth = plugin_growth(sample[: args.plugin_n], (10, 100, 1000), block=args.plugin_block)
    progress("memory (child processes)")
    info["load_average"] = {"start": loads[0], "max_during_timed_rows": max(loads)}
    memory = memory_runs([("python", args.memory_n), ("durable", args.memory_durable_n)], args.seed)

    def differ(name: str, against: Sequence[Any]) -> int | None:
        kept = measured[name].get("kept")
        return None if kept is None else mismatches(kept, against)

    evaluation_flags = measured["evaluation only (python)"]["kept"]
    tiers = Counter(u for u, _ in expected)
    checks = {
        "floor_vs_assess": mismatches(floor_keys, expected),
        "durable_vs_python": differ("assess() durable", expected),
        "raw_durable_vs_floor": differ("raw durable-rules", floor_keys),
        "rule_engine_vs_floor": differ("rule-engine (peer)", floor_keys),
        "durable_red_flags_vs_python": differ("durable engine: red flags", evaluation_flags),
        "zen_vs_python_engine": zen_check["mismatches"] if zen_check else None,
        "zen": zen_check,
        "batch": batch_check,
        "compared": len(expected),
        "tier_mix": {
            t: tiers[t] / len(expected) for t in ("emergency", "urgent", "soon", "self_care")
        },
    }
    for entry in rows:
        entry.pop("kept", None)
    results = {
        "machine": info,
        "args": vars(args),
        "rows": rows,
        "floor": {k: v for k, v in floor.items() if k != "kept"},
        "plugin_growth": growth,
        "memory": memory,
        "checks": checks,
        "seconds": time.perf_counter() - started,
    }
    results["targets"] = targets(results)
    return results


def failed_checks(results: dict[str, Any]) -> list[str]:
    """Every output comparison that found a difference (the benchmark then exits 1)."""
    checks = results["checks"]
    failed = [
        name
        for name in (
            "floor_vs_assess",
            "durable_vs_python",
            "raw_durable_vs_floor",
            "rule_engine_vs_floor",
            "durable_red_flags_vs_python",
            "zen_vs_python_engine",
        )
        if checks[name]
    ]
    if checks["batch"].get("mismatches"):
        failed.append("batch_vs_assess")
    failed += [
        f"plugins {g['label']} {g['engine']}"
        for g in results["plugin_growth"]
        if g["engines_disagree"]
    ]
    return failed


def report(results: dict[str, Any]) -> str:
    checks, info = results["checks"], results["machine"]
    mix = ", ".join(f"{k} {v:.1%}" for k, v in checks["tier_mix"].items())
    n = f"{checks['compared']:,}"

    def verdict(count: int | None) -> str:
        if count is None:
            return "not run"
        return "ok" if count == 0 else "FAILED"

    def line(label: str, count: int | None, of: str = n) -> str:
        shown = "-" if count is None else str(count)
        return f"  [{verdict(count)}] {label}: differ on {shown} of {of}"

    out = [
        f"spinerules benchmark: {n} patients (seed {results['args']['seed']}); tier mix: {mix}",
        "",
        main_table(results["rows"], results["floor"]),
        "",
        "Checks (same population; a difference is a failed check and the run exits 1)",
        line("floor vs assess(), urgency and red-flag ids", checks["floor_vs_assess"]),
        line("assess() durable vs python", checks["durable_vs_python"]),
        line("raw durable-rules vs floor", checks["raw_durable_vs_floor"]),
        line("rule-engine vs floor", checks["rule_engine_vs_floor"]),
        line(
            "durable engine (red flags only) vs python engine, fired red-flag checks",
            checks["durable_red_flags_vs_python"],
        ),
    ]
    zen = checks["zen"]
    if zen:
        out.append(
            line(
                "zen-engine vs python engine, fired red-flag checks (every patient generated)",
                zen["mismatches"],
                f"{zen['compared']:,}",
            )
        )
        out += [f"      e.g. {example}" for example in zen["examples"]]
    else:
        out.append(line("zen-engine vs python engine", None))
    batch = checks["batch"]
    if batch.get("compared"):
        out.append(
            line(
                "columnar screen vs assess(), urgency and red-flag ids",
                batch["mismatches"],
                f"{batch['compared']:,}",
            )
            + (f"; rows with an error: {batch['errors']}" if "errors" in batch else "")
        )
    elif batch:
        out.append(f"  columnar screen: {batch}")
    if batch.get("tree"):
        out.append(
            f"  columnar trees: screen {batch['tree']}; today "
            + (batch.get("today_tree") or batch.get("today_failed") or "not run")
        )
    speedup = next((r.get("speedup") for r in results["rows"] if r.get("speedup")), None)
    if speedup:
        out.append(f"  assess_many speed-up, workers=2 over workers=1: {speedup:.2f}x")
    contended = [
        r["name"]
        for r in results["rows"]
        if r.get("cpu_share") is not None and r["cpu_share"] < 0.9
    ]
    floor = results["floor"]
    if floor.get("block_p50_us"):
        low, high = floor["block_p50_us"]
        out.append(
            f"  Host speed: the floor's p50 per block ranged {low:.2f}-{high:.2f} µs "
            f"({high / low:.2f}x) during the interleaved rows; every row was timed in the same "
            "blocks, so the ratios hold even where the absolute numbers drift"
        )
    load = info["load_average"]
    out.append(
        f"  CPU: 1-minute load average {load['start']:.2f} at the start, up to "
        f"{load['max_during_timed_rows']:.2f} during the timed rows ({info['usable_cores']} cores); "
        "cpu/wall is this process's CPU time over the row's wall time (1.00 = it had a core to itself)"
    )
    if contended:
        out.append(
            "  WARNING: cpu/wall below 0.9 on "
            + ", ".join(contended)
            + ": other processes competed for the CPU, so those timings are pessimistic"
        )
    failed = failed_checks(results)
    if failed:
        out.append("  FAILED checks: " + ", ".join(failed))
    out += [
        "",
        growth_table(results["plugin_growth"], results["memory"]),
        "",
        "Targets of issue 9 (each a ratio of two rows of this run)",
        targets_text(results["targets"]),
        "",
        f"Commit: {info['commit']}",
        f"Machine: {info['cpu']}; {info['cores']} cores ({info['usable_cores']} usable); "
        f"{info['implementation']} {info['python']}; {info['platform']}",
        "Versions: "
        + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
        + f"; polars threads {info['polars_threads']}; plugins: {info['plugins']}",
        f"Total time: {results['seconds']:.0f} s",
        "",
        FOOTNOTES,
    ]
    return "\n".join(out)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="assessments per per-call row")
    parser.add_argument("--memory-n", type=int, default=1_000_000, help="python-engine memory run")
    parser.add_argument(
        "--memory-durable-n", type=int, default=50_000, help="durable-engine memory run"
    )
    parser.add_argument("--batch-n", type=int, default=100_000, help="rows in the Parquet file")
    parser.add_argument("--batch-repeats", type=int, default=3)
    parser.add_argument(
        "--columnar-baseline",
        default=COLUMNAR_BASELINE,
        help="git revision whose columnar screen is 'today' (default: where issue 9 opened; "
        "'none' skips the row)",
    )
    parser.add_argument("--many-n", type=int, default=20_000, help="patients per assess_many row")
    parser.add_argument("--plugin-n", type=int, default=500, help="patients per plugin-growth cell")
    parser.add_argument("--tm-n", type=int, default=1_000, help="calls in the tracemalloc pass")
    parser.add_argument("--block", type=int, default=250, help="patients per interleaved block")
    parser.add_argument(
        "--plugin-block", type=int, default=25, help="patients per interleaved plugin block"
    )
    parser.add_argument("--seed", type=int, default=population.DEFAULT_SEED)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--memory-child", nargs=2, metavar=("ENGINE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:  # tiny sizes, except those given on the command line (--quick --n 3000)
        parser.set_defaults(n=200, memory_n=2_000, memory_durable_n=300)
        parser.set_defaults(batch_n=2_000, batch_repeats=1, many_n=400)
        parser.set_defaults(plugin_n=20, tm_n=100, block=50, plugin_block=5)
        args = parser.parse_args(argv)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    if args.memory_child:
        engine, calls = args.memory_child
        memory_child(engine, int(calls), args.seed)
        return 0
    results = run(args)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
        print(f"\nwrote {args.json}", file=sys.stderr)
    return 1 if failed_checks(results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
