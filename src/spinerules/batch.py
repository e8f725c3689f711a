"""Many assessments, streamed: ``assess_many(rows, workers=N)``.

Full Assessments (or a ``RowError`` for a bad row) in input order, using N processes when
asked; each process has its own engine. For whole tables at once see ``spinerules.columnar``.
"""

from __future__ import annotations

import multiprocessing
import pickle
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import attrs

from .api import assess, check_profile
from .assessment import Assessment
from .engine import resolve_engine_name
from .errors import EngineError, InvalidPatientState
from .patient import PatientState
from .registry import current_rule_base
from .thresholds import Thresholds


@attrs.frozen
class RowError:
    """A row that could not be assessed: its position, the fields involved and why."""

    row: int
    fields: tuple[str, ...]
    message: str


# --- streaming -------------------------------------------------------------------------------


@attrs.frozen
class _Job:
    """One stream's options: each ``assess_many`` call owns its own (never a module global)."""

    options: Mapping[str, Any]

    def __call__(self, item: tuple[int, PatientState | Mapping[str, Any]]) -> Assessment | RowError:
        row, data = item
        try:
            return assess(data, **self.options)
        except InvalidPatientState as error:
            return RowError(row, error.fields, str(error))


#: In a worker process only: the job its pool was started with (one pool per worker process).
_worker_job: list[_Job] = []


def _init_worker(job: _Job) -> None:
    _worker_job[:] = [job]


Chunk = list[tuple[int, PatientState | Mapping[str, Any]]]


def _assess_chunk_in_worker(chunk: Chunk) -> list[Assessment | RowError]:
    return [_worker_job[0](item) for item in chunk]


def _chunks(rows: Iterable[PatientState | Mapping[str, Any]], size: int) -> Iterator[Chunk]:
    chunk: Chunk = []
    for item in enumerate(rows):
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _in_workers(
    job: _Job, rows: Iterable[PatientState | Mapping[str, Any]], workers: int, chunksize: int
) -> Iterator[Assessment | RowError]:
    r"""Chunks on a process pool, at most two per worker in flight, results in input order.

    ``concurrent.futures`` rather than ``multiprocessing.Pool``: a worker that dies (a crash in
    native code, a kill) breaks the executor and is reported, where ``Pool`` starts a new worker
    and waits for the lost chunk for ever. A chunk that cannot be sent to a worker (a row that
    does not pickle) is assessed here instead, so its bad rows still become ``RowError``\ s.
    """
    context = multiprocessing.get_context("spawn")
    in_flight: deque[tuple[Chunk, Future[list[Assessment | RowError]]]] = deque()
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(job,)
    ) as pool:
        try:
            for chunk in _chunks(rows, chunksize):
                in_flight.append((chunk, pool.submit(_assess_chunk_in_worker, chunk)))
                if len(in_flight) >= 2 * workers:
                    yield from _collect(job, *in_flight[0])
                    in_flight.popleft()
            while in_flight:
                yield from _collect(job, *in_flight[0])
                in_flight.popleft()
        except BrokenProcessPool as error:
            # Every chunk in flight is lost with the pool; which row killed it is unknown.
            first, last = in_flight[0][0][0][0], in_flight[-1][0][-1][0]
            raise EngineError(
                f"assess_many: a worker process stopped ({error}); rows {first}..{last} were "
                "in flight and are not assessed, nor any after them. Run with workers=1 to find "
                "the row, or check the workers' memory limit"
            ) from error
        finally:
            for _, future in in_flight:  # the caller stopped early, or a worker died
                future.cancel()


def _collect(
    job: _Job, chunk: Chunk, future: Future[list[Assessment | RowError]]
) -> list[Assessment | RowError]:
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except (pickle.PicklingError, TypeError, AttributeError):
        return [job(item) for item in chunk]  # not sendable: assessed here, row by row


def assess_many(
    rows: Iterable[PatientState | Mapping[str, Any]],
    *,
    workers: int = 1,
    profile: str = "nice",
    engine: str = "auto",
    thresholds: Thresholds | None = None,
    chunksize: int = 64,
) -> Iterator[Assessment | RowError]:
    """Assess every row, in order, yielding an Assessment or a RowError per row.

    With ``workers > 1`` rows are assessed in that many processes, started with ``spawn`` (fork
    is unsafe once threads exist, and polars starts some); each process gets this process's
    rule base, so plugins registered in-process apply there too, and builds its own engine.
    Results still arrive in input order. A bad row never stops the stream; a worker process
    that dies raises ``EngineError`` naming the rows it held (never a silent hang).
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers: {workers!r} is not allowed; expected an integer >= 1")
    if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1:
        raise ValueError(f"chunksize: {chunksize!r} is not allowed; expected an integer >= 1")
    rule_base = current_rule_base(thresholds)
    check_profile(profile, rule_base)  # a wrong option is one error, not one per row
    resolve_engine_name(engine)
    job = _Job({"profile": profile, "engine": engine, "rule_base": rule_base})
    if workers == 1:
        for item in enumerate(rows):
            yield job(item)
        return
    yield from _in_workers(job, rows, workers, chunksize)
