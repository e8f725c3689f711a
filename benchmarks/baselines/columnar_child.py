"""One side of the columnar rows, in its own process: ``run.py`` starts one per spinerules tree.

    python columnar_child.py SOURCE.parquet TARGET.parquet

imports ``spinerules`` from wherever ``PYTHONPATH`` puts it (the working tree, or today's tree
extracted with ``git archive`` for the "today" row), warms up on 1,000 rows, prints ``ready``
and then answers one command per line on stdin, one JSON line each on stdout:

* ``screen``: read SOURCE, ``screen_table``, write the result to TARGET;
* ``io``: read SOURCE and write it back unchanged to TARGET.io (the I/O floor: no screening;
  its own file, so TARGET keeps the last screen's results for the parent to check).

Each answer gives the wall and CPU seconds of that command and the peak RSS growth during it
(sampled every 5 ms: polars allocates outside Python's heap). The parent interleaves the
commands of its children one at a time, so every side sees the same host conditions. A separate
process per tree is what lets two versions of spinerules run in one benchmark.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
from typing import Any

import polars as pl

import spinerules

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def find_screen_table() -> Any:
    found = getattr(spinerules, "screen_table", None)
    if found is None:
        from spinerules import columnar

        found = columnar.screen_table
    return found


def timed(work: Any) -> dict[str, Any]:
    gc.collect()
    base = peak = rss()
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.005):
            peak = max(peak, rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    cpu = time.process_time()
    start = time.perf_counter()
    rows = work()
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    stop.set()
    sampler.join()
    peak = max(peak, rss())
    return {"wall": wall, "cpu": cpu, "rows": rows, "peak_kib": (peak - base) / 1024}


def main(source: str, target: str) -> None:
    screen_table = find_screen_table()
    screen_table(pl.read_parquet(source).head(1000))  # compilation, caches

    def screen() -> int:
        out = screen_table(pl.read_parquet(source))
        out.write_parquet(target)
        return int(out.height)

    def io() -> int:
        table = pl.read_parquet(source)
        table.write_parquet(target + ".io")
        return int(table.height)

    commands = {"screen": screen, "io": io}
    print(json.dumps({"ready": spinerules.__file__, "threads": pl.thread_pool_size()}), flush=True)
    for line in sys.stdin:
        print(json.dumps(timed(commands[line.strip()])), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
