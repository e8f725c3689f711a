"""Memory of ``spinerules screen`` on a large CSV: it must stay bounded, whatever the file size.

    python benchmarks/screen_memory.py              # a 2 GB CSV (needs ~2.5 GB of disk)
    python benchmarks/screen_memory.py --size 300M  # a quick run
    python benchmarks/screen_memory.py --size 50M --output csv --chunk 20000

Writes a CSV of generated patients (about 140 bytes a row, every kind of cell: booleans in
several cases, blanks, ;-lists, some bad rows) to a temporary directory, screens it with the
command line in a subprocess, and prints one table: input size, rows, seconds, rows per second
and the peak resident memory of the screen (sampled from /proc every 20 ms, and the kernel's
own high-water mark from ``getrusage``). Then 100 MB of NUL bytes, which must fail at once with
exit status 2. Exit status 1 when the peak exceeds ``--limit`` (2 GiB) or a check fails.
Benchmarks are not tests: this is not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import table  # noqa: E402 (the benchmark table style of run.py)

GIB = 2**30
COLUMNS = (
    "age,pain_duration_days,pain_intensity,leg_pain,saddle_anaesthesia,urinary_retention,"
    "history_of_cancer,unexplained_weight_loss,fever,major_trauma,osteoporosis,night_pain,"
    "bmi,preferred_activities"
)


def size_bytes(text: str) -> int:
    """``2G``, ``300M``, ``64K`` or a plain number of bytes."""
    units = {"K": 2**10, "M": 2**20, "G": 2**30}
    text = text.strip().upper().removesuffix("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def _row(rnd: random.Random) -> str:
    def flag(p: float) -> str:
        if rnd.random() < 0.2:
            return ""  # not answered
        value = rnd.random() < p
        return rnd.choice(["true", "TRUE", "True"] if value else ["false", "FALSE", "False"])

    age = str(rnd.randint(16, 95)) if rnd.random() > 0.002 else "forty"  # a few bad rows
    cells = [
        age,
        str(rnd.choice([3, 20, 40, 90, 400])),
        str(rnd.randint(0, 10)),
        rnd.choice(["none", "one_side", "both_sides", ""]),
        flag(0.01),
        flag(0.01),
        flag(0.08),
        flag(0.05),
        flag(0.03),
        flag(0.02),
        flag(0.05),
        flag(0.1),
        f"{rnd.uniform(17, 40):.1f}",
        ";".join(rnd.sample(["walking", "yoga", "pilates", "swimming"], rnd.randint(0, 2))),
    ]
    return ",".join(cells) + "\n"


def write_csv(path: Path, size: int, seed: int = 8) -> int:
    """A CSV of about ``size`` bytes; returns its number of data rows.

    A block of 20,000 generated rows is written over and over: the screen's memory depends
    on the batch, not on how varied the rows are.
    """
    rnd = random.Random(seed)
    lines = [_row(rnd) for _ in range(20_000)]
    block = "".join(lines).encode()
    written, rows = 0, 0
    with path.open("wb") as handle:
        handle.write(COLUMNS.encode() + b"\n")
        while written + len(block) <= size:
            handle.write(block)
            written += len(block)
            rows += len(lines)
        for line in lines:
            if written >= size:
                break
            handle.write(line.encode())
            written += len(line)
            rows += 1
    return rows


class PeakRss:
    """Samples a process's resident set from /proc until it exits."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.pid, self.every, self.peak = pid, every, 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        status = Path(f"/proc/{self.pid}/status")
        while True:
            try:
                text = status.read_text()
            except OSError:
                return
            for line in text.splitlines():
                if line.startswith("VmRSS:"):
                    self.peak = max(self.peak, int(line.split()[1]) * 1024)
            time.sleep(self.every)

    def join(self) -> int:
        self._thread.join(timeout=5)
        return self.peak


def screen(source: Path, target: Path, chunk: int) -> tuple[int, float, int, str]:
    """Run ``spinerules screen``; exit status, seconds, sampled peak RSS, last stderr line."""
    command = [sys.executable, "-m", "spinerules", "screen", str(source), "-o", str(target)]
    command += ["--chunk", str(chunk)]
    env = {**os.environ, "SPINERULES_LOAD_PLUGINS": ""}
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    sampler = PeakRss(process.pid)
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    peak = sampler.join()
    lines = [line.strip() for line in (err + out).replace("\r", "\n").splitlines() if line.strip()]
    return process.returncode, seconds, peak, (lines[-1] if lines else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="2G", help="CSV size: 2G (default), 300M, 64K, bytes")
    parser.add_argument("--chunk", type=int, default=100_000, help="--chunk of the screen")
    parser.add_argument("--output", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--limit", default="2G", help="the peak RSS allowed (default 2G)")
    parser.add_argument("--dir", help="where to write the files (default: a temporary directory)")
    args = parser.parse_args(argv)
    size, limit = size_bytes(args.size), size_bytes(args.limit)
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        source = Path(folder) / "patients.csv"
        target = Path(folder) / f"results.{args.output}"
        started = time.perf_counter()
        rows = write_csv(source, size)
        print(
            f"wrote {source.stat().st_size / 2**20:,.0f} MiB, {rows:,} rows "
            f"in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        status, seconds, peak, last = screen(source, target, args.chunk)
        kernel_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        results = target.stat().st_size if target.exists() else 0
        source.unlink()
        nul = Path(folder) / "nul.csv"
        with nul.open("wb") as handle:
            for _ in range(100):
                handle.write(b"\0" * 2**20)
        nul_status, nul_seconds, nul_peak, nul_last = screen(nul, target.with_suffix(".x.csv"), 1)
    lines = [
        [
            f"csv {size / 2**20:,.0f} MiB -> {args.output}",
            f"{rows:,}",
            str(status),
            f"{seconds:,.1f}",
            f"{rows / seconds:,.0f}",
            f"{peak / 2**20:,.0f}",
            f"{kernel_peak / 2**20:,.0f}",
        ],
        [
            "100 MiB of NUL bytes",
            "-",
            str(nul_status),
            f"{nul_seconds:,.2f}",
            "-",
            f"{nul_peak / 2**20:,.0f}",
            "-",
        ],
    ]
    headers = ["input", "rows", "exit", "seconds", "rows/s", "peak RSS MiB", "maxrss MiB"]
    print(table(headers, lines, right={1, 2, 3, 4, 5, 6}))
    print(f"\nresults: {results / 2**20:,.1f} MiB; screen said: {last}")
    print(f"NUL input said: {nul_last}")
    checks = {
        f"screen exits 0 (got {status})": status == 0,
        f"peak RSS <= {limit / GIB:g} GiB": max(peak, kernel_peak) <= limit,
        "NUL bytes: exit 2": nul_status == 2,
        "NUL bytes: fails within 5 s": nul_seconds < 5,
    }
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
