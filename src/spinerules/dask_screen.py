"""Population screening past one machine: the columnar screen on a ``dask.distributed`` cluster.

``screen_dask(source, target, client=...)`` gives the results ``columnar.screen_file`` gives,
row for row: the same ``row`` numbers (positions in the whole input), the same order, bad rows
kept with their ``error``, the same summary counts, and a results file that appears only once
every row is screened. Only where the work runs differs: each task screens one slice of the
input with ``columnar.screen_table`` on a worker.

* A Parquet file is cut into slices of ``rows`` rows; a directory of Parquet part files (as Dask,
  Spark or polars write them) gives each part its own tasks, parts in natural name order
  (``part.2`` before ``part.10``), rows numbered across parts. Workers read their slices
  themselves, so the input must be readable at the same path on every worker (a shared disk).
* A CSV file is read by this process in batches (the one CSV reader, with its checks and its
  ragged-record errors) and each batch is sent to a worker to be screened.

The rules a worker screens with are its own: it loads the built-ins and the plugins its own
environment selects (``SPINERULES_LOAD_PLUGINS``, ``SPINERULES_BLOCK_PLUGINS``), as this process
does. A worker with another spinerules or another plugin set would screen with other red flags,
so the rule base's hash of every worker is compared with this process's before the first task,
and again inside every task (a worker may join later): a difference stops the screen with one
line naming the worker. Every worker needs the same spinerules, plugins and settings installed.

Needs ``pip install 'spinerules[dask]'`` (polars and ``dask[distributed]``).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import uuid
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import polars as pl

from . import __version__
from .columnar import _ResultWriter, read_batches, screen_table, summary
from .errors import EngineUnavailable, InvalidPatientState, SpinerulesError
from .registry import current_rule_base
from .thresholds import Thresholds

if TYPE_CHECKING:
    from distributed import Client

#: Seconds to wait for a scheduler to answer, and for a cluster to have a worker.
CONNECT_TIMEOUT = 15
#: Workers of the cluster ``--dask`` starts when it is given no scheduler address.
LOCAL_WORKERS = 2


class DistributedError(SpinerulesError, RuntimeError):
    """The cluster cannot screen: no scheduler at the address, no worker, a worker that fails."""


class RuleBaseMismatch(DistributedError):
    """A worker would screen with other rules than this process (other plugins or versions)."""


@attrs.frozen
class Fingerprint:
    """What decides a process's screen: the spinerules version and the rule base (its hash)."""

    spinerules: str
    rules: str
    hash: str

    def describe(self) -> str:
        return f"rule base {self.hash} (rules {self.rules}, spinerules {self.spinerules})"


def fingerprint(thresholds: Thresholds | None = None) -> Fingerprint:
    """This process's fingerprint, its plugins loaded from its environment."""
    rule_base = current_rule_base(thresholds)
    return Fingerprint(__version__, rule_base.version, rule_base.hash)


def check_fingerprints(expected: Fingerprint, workers: Mapping[str, Any]) -> None:
    """Raise ``RuleBaseMismatch`` (one line) for the first worker whose rules differ.

    ``workers`` maps a worker's address to its ``Fingerprint``, or to the exception it raised
    computing one (spinerules not importable there, a plugin failing in strict mode).
    """
    for address, seen in sorted(workers.items()):
        if isinstance(seen, BaseException):
            raise RuleBaseMismatch(
                f"worker {address} cannot build the rule base: {type(seen).__name__}: {seen}; "
                "every worker needs the same spinerules and plugins installed"
            )
        if not isinstance(seen, Fingerprint) or seen.hash != expected.hash:
            shown = seen.describe() if isinstance(seen, Fingerprint) else repr(seen)[:80]
            raise RuleBaseMismatch(
                f"worker {address} has {shown}, this process has {expected.describe()}: it would "
                "screen with other red flags; every worker needs the same spinerules, plugins "
                "and SPINERULES_* settings"
            )


def _distributed() -> Any:
    """The ``distributed`` module, or one line saying how to install it."""
    try:
        import distributed
    except ImportError as error:
        raise EngineUnavailable(
            f"--dask needs dask.distributed: pip install 'spinerules[dask]' ({error})"
        ) from error
    return distributed


@contextlib.contextmanager
def dask_client(address: str | None = None) -> Iterator[Client]:
    """A client of the scheduler at ``address``, or of a local cluster started for the screen.

    Without an address: ``LOCAL_WORKERS`` worker processes on 127.0.0.1, no dashboard, one task
    at a time each with polars' threads shared out among them; closed when the block ends.
    """
    distributed = _distributed()
    if address:
        try:
            client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as error:
            raise DistributedError(
                f"--dask: cannot connect to the scheduler {address!r}: {error or type(error).__name__}"
            ) from error
        with client:
            yield client
        return
    threads = str(max(1, (os.cpu_count() or 1) // LOCAL_WORKERS))
    with warnings.catch_warnings():
        # The scheduler's small HTTP server (health, metrics; on 127.0.0.1) takes another
        # port when 8787 is busy and warns; nothing the person screening can act on.
        warnings.filterwarnings("ignore", "Port .* is already in use", UserWarning)
        cluster = distributed.LocalCluster(
            n_workers=LOCAL_WORKERS,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
            env={"POLARS_MAX_THREADS": threads},
        )
    with cluster, distributed.Client(cluster) as client:
        yield client


# --- tasks -----------------------------------------------------------------------------------


@attrs.frozen
class ParquetSlice:
    """``length`` rows of a Parquet file from ``start``; ``offset`` numbers its first row."""

    path: str
    start: int
    length: int
    offset: int


def _input_error(name: str, what: str) -> InvalidPatientState:
    return InvalidPatientState(f"input: {name!r} {what}", fields=("input",))


def _unreadable(name: str, error: BaseException) -> InvalidPatientState:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return _input_error(name, f"is not a readable Parquet file: {first}")


def _worker_address() -> str:
    try:
        return str(_distributed().get_worker().address)
    except ValueError:  # not inside a worker (a test calling the task directly)
        return "(this process)"


def screen_part(
    source: ParquetSlice | pl.DataFrame,
    offset: int,
    expected: Fingerprint,
    thresholds: Thresholds | None = None,
) -> tuple[pl.DataFrame, list[tuple[str, int]]]:
    """One task: check this worker's rules, read the slice, screen it; results and counts.

    ``row`` is shifted by ``offset``, so it is the row's position in the whole input.
    """
    check_fingerprints(expected, {_worker_address(): fingerprint(thresholds)})
    if isinstance(source, ParquetSlice):
        try:
            frame = pl.scan_parquet(source.path).slice(source.start, source.length).collect()
        except (pl.exceptions.PolarsError, OSError) as error:
            raise _unreadable(source.path, error) from error
    else:
        frame = source
    rule_base = current_rule_base(thresholds)
    part = screen_table(frame, rule_base=rule_base)
    return part.with_columns(pl.col("row").cast(pl.Int64) + offset), summary(part, rule_base)


# --- planning: which slices, in which order ----------------------------------------------------


def _natural(name: str) -> list[Any]:
    """``part.2`` before ``part.10``: runs of digits compare as numbers."""
    return [int(t) if n % 2 else t for n, t in enumerate(re.split(r"(\d+)", name))]


def parquet_parts(name: str) -> list[str]:
    """The Parquet files of an input: the file itself, or a directory's part files in order.

    Hidden files and ``_``-prefixed ones (``_SUCCESS``, ``_metadata``) are not parts.
    """
    if os.path.isdir(name):
        parts = sorted(
            (
                entry.path
                for entry in os.scandir(name)
                if entry.is_file()
                and entry.name.endswith(".parquet")
                and not entry.name.startswith((".", "_"))
            ),
            key=lambda path: _natural(os.path.basename(path)),
        )
        if not parts:
            raise _input_error(name, "is a directory without .parquet part files")
        return [os.path.abspath(p) for p in parts]
    if not os.path.exists(name):
        raise _input_error(name, "cannot be read: no such file")
    return [os.path.abspath(name)]


def parquet_slices(name: str, rows: int) -> list[ParquetSlice]:
    """Slices of at most ``rows`` rows over every part, numbered across the parts."""
    slices: list[ParquetSlice] = []
    offset = 0
    for part in parquet_parts(name):
        try:
            height = int(pl.scan_parquet(part).select(pl.len()).collect().item())
        except (pl.exceptions.PolarsError, OSError) as error:
            raise _unreadable(part, error) from error
        for start in range(0, height, rows):
            length = min(rows, height - start)
            slices.append(ParquetSlice(part, start, length, offset + start))
        offset += height
    return slices


def _work(name: str, rows: int) -> Iterator[tuple[ParquetSlice | pl.DataFrame, int, float]]:
    """Each task's input, the global number of its first row, and the fraction of the input
    done once it is screened."""
    if name.endswith(".csv"):
        offset = 0
        for frame, fraction in read_batches(name, rows=rows):
            yield frame, offset, fraction
            offset += frame.height
        return
    if not (name.endswith(".parquet") or os.path.isdir(name)):
        raise _input_error(
            name,
            "is not allowed; expected a .csv or .parquet file, or a directory of .parquet files",
        )
    slices = parquet_slices(name, rows)
    total = max(sum(s.length for s in slices), 1)
    for piece in slices:
        yield piece, piece.offset, (piece.offset + piece.length) / total


# --- the screen ----------------------------------------------------------------------------------


def check_workers(client: Client, expected: Fingerprint, thresholds: Thresholds | None) -> None:
    """Every worker now connected screens with the rules of this process (or raise)."""
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except TimeoutError as error:
        raise DistributedError(
            f"--dask: the cluster has no worker after {CONNECT_TIMEOUT} s; start dask-worker"
        ) from error
    workers = client.run(fingerprint, thresholds, on_error="return")
    check_fingerprints(expected, workers)


def screen_dask(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    client: Client,
    rows: int = 100_000,
    thresholds: Thresholds | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> list[tuple[str, int]]:
    """Screen a CSV file, a Parquet file or a directory of Parquet parts on a Dask cluster.

    The same results file and counts as ``columnar.screen_file`` (see the module docstring).
    ``rows`` is the size of a task's slice. At most two tasks per worker thread are in flight
    and results are written in input order as they arrive, so memory stays bounded.
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise ValueError(f"rows: {rows!r} is not allowed; expected an integer >= 1")
    source_name, target_name = os.fspath(source), os.fspath(target)
    expected = fingerprint(thresholds)
    check_workers(client, expected, thresholds)
    work = _work(source_name, rows)
    first = next(work, None)  # a file that is not a table fails before any output exists
    writer = _ResultWriter(target_name)
    threads: dict[str, int] = client.nthreads()  # type: ignore[no-untyped-call]
    limit = max(2, 2 * sum(threads.values()))
    run = uuid.uuid4().hex[:12]
    pending: deque[tuple[Any, float]] = deque()
    counts: dict[str, int] = {}
    done = 0

    def collect() -> None:
        nonlocal done
        future, fraction = pending.popleft()
        part, part_counts = future.result()
        writer.write(part)
        for name, count in part_counts:
            counts[name] = counts.get(name, 0) + count
        done += part.height
        if progress is not None:
            progress(done, fraction)

    try:
        if first is not None:
            for number, (payload, offset, fraction) in enumerate(itertools.chain([first], work)):
                future = client.submit(
                    screen_part,
                    payload,
                    offset,
                    expected,
                    thresholds,
                    key=f"spinerules-screen-{run}-{number}",
                    pure=False,
                )
                pending.append((future, fraction))
                if len(pending) >= limit:
                    collect()
        while pending:
            collect()
        if done == 0:
            raise _input_error(source_name, "has no rows to screen (only a header)")
        writer.commit()
    finally:
        for future, _ in pending:
            future.cancel()
        writer.close()
    return list(counts.items())
