"""Many assessments, streamed: ``assess_many(rows, workers=N)``.

Full Assessments (or a ``RowError`` for a bad row) in input order, using N processes when
asked; each process has its own engine. For whole tables at once see ``spinerules.columnar``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from .api import assess, check_profile
from .assessment import Assessment
from .engine import resolve_engine_name
from .errors import InvalidPatientState
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


def _assess_in_worker(item: tuple[int, PatientState | Mapping[str, Any]]) -> Assessment | RowError:
    return _worker_job[0](item)


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
    Results still arrive in input order. A bad row never stops the stream.
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
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(job,)) as pool:
        yield from pool.imap(_assess_in_worker, enumerate(rows), chunksize=chunksize)
