"""The screen on Dask against the single-process screen, on the same Parquet file.

    python benchmarks/dask_screen.py                  # 200,000 rows, tasks of 25,000
    python benchmarks/dask_screen.py --n 50000 --chunk 10000 --repeats 5

Writes the benchmark population (``population.py``, seeded) as one Parquet file, then times
``columnar.screen_file`` (one process, polars using every core) and ``dask_screen.screen_dask``
on a ``LocalCluster`` of 2 worker processes (127.0.0.1, polars' threads shared out between
them), Parquet in and out, interleaved, median of ``--repeats``, after one untimed run of the
single process. The first Dask run is shown apart: its workers import polars and build the
rule base then. Both results files must be equal row
for row (exit status 1 otherwise). Prints one table: seconds, rows/s and the overhead ratio
(single-process rows/s over this row's). Needs ``pip install 'spinerules[dask]'``.
Benchmarks are not tests: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("SPINERULES_LOAD_PLUGINS", "")  # the built-in rule base, as run.py
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import table, write_population_parquet  # noqa: E402 (run.py's population and style)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="rows in the Parquet file")
    parser.add_argument("--chunk", type=int, default=25_000, help="rows per batch / per task")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20260)
    args = parser.parse_args(argv)

    import polars as pl

    from spinerules.columnar import screen_file
    from spinerules.dask_screen import dask_client, screen_dask

    with tempfile.TemporaryDirectory(prefix="spinerules-dask-bench-") as tmp:
        source = Path(tmp, "patients.parquet")
        print(f"writing {args.n:,} patients ...", file=sys.stderr)
        write_population_parquet(source, args.n, args.seed)
        single_out, dask_out = Path(tmp, "single.parquet"), Path(tmp, "dask.parquet")
        screen_file(source, single_out, rows=args.chunk)  # warm: rule base built, polars loaded
        started = time.perf_counter()
        with dask_client(None) as client:
            startup = time.perf_counter() - started
            begun = time.perf_counter()
            screen_dask(source, dask_out, client=client, rows=args.chunk)
            cold = time.perf_counter() - begun
            walls: dict[str, list[float]] = {"single": [], "dask": []}
            for number in range(args.repeats):
                print(f"round {number + 1}/{args.repeats} ...", file=sys.stderr)
                order = ["single", "dask"] if number % 2 == 0 else ["dask", "single"]
                for side in order:
                    begun = time.perf_counter()
                    if side == "single":
                        screen_file(source, single_out, rows=args.chunk)
                    else:
                        screen_dask(source, dask_out, client=client, rows=args.chunk)
                    walls[side].append(time.perf_counter() - begun)
        same = pl.read_parquet(single_out).equals(pl.read_parquet(dask_out))

    single = statistics.median(walls["single"])
    lines = []
    for name, wall in (
        (f"single process (screen_file, polars threads {os.cpu_count()})", single),
        ("LocalCluster 2 workers, warm (screen_dask)", statistics.median(walls["dask"])),
        ("LocalCluster 2 workers, first run (cold workers)", cold),
    ):
        rate = args.n / wall
        lines.append([name, f"{wall:.2f}", f"{rate:,.0f}", f"{wall / single:.2f}x"])
    lines.append(["LocalCluster start (not in the rows above)", f"{startup:.2f}", "-", "-"])
    tasks = -(-args.n // args.chunk)
    print(
        f"\n{args.n:,} rows, {tasks} tasks of <= {args.chunk:,} rows, median of {args.repeats}; "
        f"{os.cpu_count()} cores"
    )
    print(table(["row", "seconds", "rows/s", "overhead"], lines, right={1, 2, 3}))
    print(f"results identical row for row: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
