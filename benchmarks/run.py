"""The spinerules benchmark: one command, one table, every row on the same population.

    python benchmarks/run.py              # the default run (see README.md for sizes and time)
    python benchmarks/run.py --quick      # tiny sizes: a smoke test of every row
    python benchmarks/run.py --json out.json

Rows (README.md says what each measures): spinerules ``assess()`` on the durable and python
engines, the columnar batch path, ``assess_many`` with 1 and 2 workers, and three baselines on
the same red-flag workload: the hand-written if/else floor, raw durable-rules and rule-engine.
Then plugin cost growth (10, 100, 1,000 added activities) and memory over long runs.
Benchmarks are not tests: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
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
TARGETS = {
    "durable_p50_us": 100.0,
    "durable_p99_us": 300.0,
    "python_per_s": 100_000.0,
    "batch_rows_per_s_per_core": 1_000_000.0,
    "plugin_ratio": 2.0,
    "memory_growth_mib": 5.0,
    "workers_speedup": 1.7,
}


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


def find_screen_table() -> Callable[..., Any] | None:
    found = getattr(spinerules, "screen_table", None)
    if found is None:
        try:
            from spinerules import batch  # type: ignore[attr-defined]
        except ImportError:
            return None
        found = getattr(batch, "screen_table", None)
    return found  # type: ignore[no-any-return]


def batch_row(
    rows: int, seed: int, expected: Sequence[Key], repeats: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Parquet in, ``screen_table``, Parquet out; rows per second over the whole of it."""
    name = "batch (columnar)"
    screen_table = find_screen_table()
    if screen_table is None:
        return row(name, missing="n/a (spinerules.batch missing)", unit="rows/s"), {}
    import polars as pl

    schema = polars_schema()
    with tempfile.TemporaryDirectory(prefix="spinerules-bench-") as tmp:
        source, target = Path(tmp, "patients.parquet"), Path(tmp, "results.parquet")
        frames, chunk = [], []
        for patient in population.iter_patients(rows, seed):
            chunk.append(patient)
            if len(chunk) == 50_000:
                frames.append(pl.DataFrame(chunk, schema=schema))
                chunk = []
        if chunk:
            frames.append(pl.DataFrame(chunk, schema=schema))
        pl.concat(frames).write_parquet(source)
        del frames, chunk
        screen_table(pl.read_parquet(source).head(1000))  # warm-up (compilation, caches)
        walls = []
        out = None
        cpu = time.process_time()
        for _ in range(repeats):
            del out
            gc.collect()
            start = time.perf_counter()
            out = screen_table(pl.read_parquet(source))
            out.write_parquet(target)
            walls.append(time.perf_counter() - start)
        cpu_share = (time.process_time() - cpu) / sum(walls)
        with RssSampler() as sampler:
            screen_table(pl.read_parquet(source)).write_parquet(target)
        wall = sorted(walls)[len(walls) // 2]
        check: dict[str, Any] = {"rows": out.height}
        head = out.head(len(expected))
        if {"urgency", "red_flags"} <= set(out.columns):
            got = [
                (str(u), frozenset(flags or ()))
                for u, flags in zip(
                    head["urgency"].to_list(), head["red_flags"].to_list(), strict=True
                )
            ]
            check["compared"] = len(got)
            check["mismatches"] = mismatches(got, expected[: len(got)])
        if "error" in out.columns:
            check["errors"] = int(out["error"].is_not_null().sum())
    measured = row(
        name,
        unit="rows/s",
        count=rows,
        per_s=rows / wall,
        p50_us=None,
        p99_us=None,
        mem_kib=sampler.delta_kib,
        mem_kind="rss",
        cpu_share=cpu_share,
        note=f"median of {repeats} runs; polars threads {pl.thread_pool_size()}",
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


def plugin_growth(
    patients: Sequence[Any], sizes: Iterable[int], block: int
) -> list[dict[str, Any]]:
    """p50 of assess() with generated plugin activities, both engines, every size interleaved
    with the built-in rule base (so the ratio does not ride on the host's drift)."""
    from plugins_gen import plugin_rule_base

    timed: list[Timed] = []
    meta: list[dict[str, Any]] = []
    for size in (0, *sizes):
        rule_base = plugin_rule_base(size)
        for engine in ("durable", "python"):

            def call(d: Any, engine: str = engine, rule_base: Any = rule_base) -> Any:
                return spinerules.assess(d, rule_base=rule_base, engine=engine)

            start = time.perf_counter()
            call(patients[0])  # the first call compiles (durable registers its rulesets)
            first = time.perf_counter() - start
            timed.append(Timed(f"{size}/{engine}", call, full_key))
            meta.append(
                {
                    "activities": size,
                    "engine": engine,
                    "checks": len(rule_base.checks),
                    "first_call_s": first,
                }
            )
    time_interleaved(timed, patients, block=block, warmup=20)
    out = [{**m, **t.result()} for m, t in zip(meta, timed, strict=True)]
    base = {g["engine"]: g["p50_us"] for g in out if g["activities"] == 0}
    keys = {(g["activities"], g["engine"]): g.pop("kept") for g in out}
    for g in out:
        g["ratio"] = g["p50_us"] / base[g["engine"]]
        g["engines_disagree"] = mismatches(
            keys[(g["activities"], "durable")], keys[(g["activities"], "python")]
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
    for package in ("spinerules", "durable_rules", "polars", "rule-engine"):
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
                f"plugins +{g['activities']:,} activities",
                g["engine"],
                f"{g['checks']:,} checks",
                _num(g["p50_us"], 1),
                _num(g["p99_us"], 1),
                f"{g['ratio']:.2f}x built-in",
                f"first call {g['first_call_s']:.2f} s; engines disagree "
                f"{g['engines_disagree']}/{g['count']}; cpu/wall {g['cpu_share']:.2f}",
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


def targets_text(results: dict[str, Any]) -> list[str]:
    """Each target of issue 4 beside what this run measured."""
    by = {r["name"]: r for r in results["rows"]}
    out = []

    def line(label: str, measured: str, met: bool | None) -> None:
        verdict = "n/a" if met is None else ("met" if met else "MISSED")
        out.append(f"  {label:<58} {measured:<32} {verdict}")

    durable = by.get("assess() durable", {})
    if durable.get("p50_us"):
        line(
            "durable full Assessment p50 <= 100 µs, p99 <= 300 µs",
            f"p50 {durable['p50_us']:,.0f} µs, p99 {durable['p99_us']:,.0f} µs",
            durable["p50_us"] <= 100 and durable["p99_us"] <= 300,
        )
    python = by.get("assess() python", {})
    if python.get("per_s"):
        line(
            "python full Assessment >= 100,000 /s on one core",
            f"{python['per_s']:,.0f} /s",
            python["per_s"] >= TARGETS["python_per_s"],
        )
    batch = by.get("batch (columnar)", {})
    if batch.get("per_s"):
        threads = results["machine"].get("polars_threads") or 1
        per_core = batch["per_s"] / threads
        line(
            "columnar batch >= 1,000,000 rows/s per core",
            f"{per_core:,.0f} rows/s/core ({threads} thr)",
            per_core >= TARGETS["batch_rows_per_s_per_core"],
        )
    else:
        line("columnar batch >= 1,000,000 rows/s per core", "not measured", None)
    biggest = [
        g
        for g in results["plugin_growth"]
        if g["activities"] == max(g["activities"] for g in results["plugin_growth"])
    ]
    for g in biggest:
        line(
            f"+{g['activities']:,} plugin activities, {g['engine']}: p50 <= 2x, correct",
            f"{g['ratio']:.2f}x, disagree {g['engines_disagree']}",
            g["ratio"] <= TARGETS["plugin_ratio"] and g["engines_disagree"] == 0,
        )
    for mem in results["memory"]:
        if "growth_mib" in mem:
            line(
                f"memory flat over {mem['calls']:,} calls ({mem['engine']})",
                f"+{mem['growth_mib']:.2f} MiB",
                mem["growth_mib"] < TARGETS["memory_growth_mib"],
            )
    two = by.get("assess_many workers=2", {})
    if two.get("speedup"):
        line(
            "assess_many workers=2 >= 1.7x workers=1",
            f"{two['speedup']:.2f}x",
            two["speedup"] >= TARGETS["workers_speedup"],
        )
    else:
        line("assess_many workers=2 >= 1.7x workers=1", "not measured", None)
    return out


FOOTNOTES = """\
Notes
  * Every row runs on the first N patients of one seeded population (benchmarks/population.py);
    p50/p99 are per call, measured one call at a time with perf_counter_ns after a warm-up,
    garbage collector on. The per-call rows (floor, assess() on both engines, raw durable-rules,
    rule-engine) are interleaved: each times --block patients in turn, the order rotating, so a
    drift of the host's speed hits them all alike. Throughput is calls over the wall time of the
    timed calls (fast rows, p50 < 20 µs, get an untimed pass instead). assess_many runs A-B-B-A.
  * peak memory: "tm" = tracemalloc peak of Python allocations over a separate pass of the
    first --tm-n calls (C allocations inside durable-rules are not seen); "rss" = peak RSS growth
    sampled every 5 ms during one extra run (polars allocates outside Python's heap).
  * vs floor: cost per patient relative to the hand-written if/else: "x p50" is this row's p50
    over the floor's p50; "x thr" (rows without a per-call latency) is the floor's throughput over
    this row's. 1.0x = as cheap as the floor; higher is slower.
  * The three baselines compute only the urgency and the red-flag ids (all 40 built-in red flags
    of clinical.md revision 3 with tiers, escalations, the reviewable rule and clinician
    clearance); the assess() rows also build the full Assessment (STarT Back, plan, evidence,
    safety-net, unanswered questions, trace).
  * raw durable-rules: one ruleset of 59 rules plus a catch-all, one fact per patient with every
    property (sentinel "?" for unknown), fresh sid, delete_state after; host without timer
    threads; the NG65 feature count and one cleared_<id> boolean per clearable flag are computed
    in Python; "2 or more of" written out as pairs.
  * rule-engine: one Rule per (flag, tier), 49 rules, evaluated with Rule.matches on a dict of
    every property (null for unknown) plus the NG65 count computed in Python.
  * batch (columnar): read Parquet + spinerules.screen_table + write Parquet, median of runs;
    the input columns are the flat JSON form (lists for sets, a struct for STarT Back).
  * Plugin growth: generated activities (benchmarks/plugins_gen.py) added to the built-ins;
    p50 over the first --plugin-n patients, every size and engine interleaved by
    --plugin-block patients, ratio against the built-in rule base measured in the same blocks; "engines disagree" compares urgency, red flags, recommendations and STarT Back.
  * Memory: fresh processes, sequential assess() cycling over 10,000 patients; growth is RSS at
    the end minus RSS after 10 % of the calls (/proc/self/statm). They run side by side after
    the timed rows."""


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
    timed = [
        Timed("floor: if/else", ifelse.screen, lambda r: r),
        Timed("assess() durable", lambda d: spinerules.assess(d, engine="durable"), assessment_key),
        Timed("assess() python", lambda d: spinerules.assess(d, engine="python"), assessment_key),
        Timed("raw durable-rules", raw_durable.screen, lambda r: r),
    ]
    try:
        from baselines import rule_engine_peer

        rule_engine_peer.setup()
        timed.append(Timed("rule-engine (peer)", rule_engine_peer.screen, lambda r: r))
        peer_missing = None
    except ImportError:
        peer_missing = row("rule-engine (peer)", missing="n/a (pip install rule-engine)")
    progress("per-call rows, interleaved: " + ", ".join(t.name for t in timed))
    measured = {r["name"]: r for r in per_call_rows(timed, sample, memory_n=tm_n, block=args.block)}
    floor, durable, python = (
        measured["floor: if/else"],
        measured["assess() durable"],
        measured["assess() python"],
    )
    raw = measured["raw durable-rules"]
    peer = measured.get("rule-engine (peer)", peer_missing)
    floor_keys: list[Key] = floor["kept"]
    expected: list[Key] = python["kept"]

    rows: list[dict[str, Any]] = [durable, python]
    progress("batch (columnar)")
    batch, batch_check = batch_row(args.batch_n, args.seed, expected, args.batch_repeats)
    rows.append(batch)
    progress("assess_many")
    rows += assess_many_rows(patients[: args.many_n])
    rows += [floor, raw, peer]

    progress("plugin growth")
    growth = plugin_growth(sample[: args.plugin_n], (10, 100, 1000), block=args.plugin_block)
    progress("memory (child processes)")
    info["load_average"] = {"start": loads[0], "max_during_timed_rows": max(loads)}
    memory = memory_runs([("python", args.memory_n), ("durable", args.memory_durable_n)], args.seed)

    tiers = Counter(u for u, _ in expected)
    checks = {
        "floor_vs_assess_mismatches": mismatches(floor_keys, expected),
        "durable_vs_python_mismatches": mismatches(durable["kept"], expected),
        "raw_durable_vs_floor_mismatches": mismatches(raw["kept"], floor_keys),
        "rule_engine_vs_floor_mismatches": (
            mismatches(peer["kept"], floor_keys) if "kept" in peer else None
        ),
        "batch": batch_check,
        "compared": len(expected),
        "tier_mix": {
            t: tiers[t] / len(expected) for t in ("emergency", "urgent", "soon", "self_care")
        },
    }
    for entry in rows:
        entry.pop("kept", None)
    return {
        "machine": info,
        "args": vars(args),
        "rows": rows,
        "floor": {k: v for k, v in floor.items() if k != "kept"},
        "plugin_growth": growth,
        "memory": memory,
        "checks": checks,
        "seconds": time.perf_counter() - started,
    }


def report(results: dict[str, Any]) -> str:
    checks, info = results["checks"], results["machine"]
    mix = ", ".join(f"{k} {v:.1%}" for k, v in checks["tier_mix"].items())
    out = [
        f"spinerules benchmark: {checks['compared']:,} patients (seed {results['args']['seed']}); tier mix: {mix}",
        "",
        main_table(results["rows"], results["floor"]),
        "",
        "Checks (same population)",
        f"  floor vs assess(): urgency and red-flag ids differ on {checks['floor_vs_assess_mismatches']} of {checks['compared']:,}",
        f"  assess() durable vs python: differ on {checks['durable_vs_python_mismatches']} of {checks['compared']:,}",
        f"  raw durable-rules vs floor: differ on {checks['raw_durable_vs_floor_mismatches']} of {checks['compared']:,}",
        f"  rule-engine vs floor: differ on {checks['rule_engine_vs_floor_mismatches']} of {checks['compared']:,}",
    ]
    batch = checks["batch"]
    if batch.get("compared"):
        out.append(
            f"  batch vs assess(): urgency and red-flag ids differ on {batch['mismatches']} of {batch['compared']:,}"
            + (f"; rows with an error: {batch['errors']}" if "errors" in batch else "")
        )
    elif batch:
        out.append(f"  batch: {batch}")
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
    out += [
        "",
        growth_table(results["plugin_growth"], results["memory"]),
        "",
        "Targets of issue 4",
        *targets_text(results),
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
