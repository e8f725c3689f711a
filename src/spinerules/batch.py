"""Many assessments, streamed: ``assess_many(rows, workers=N)``.

Full Assessments (or a ``RowError`` for a bad row) in input order, using N processes when
asked; each process has its own engine. For whole tables at once see ``spinerules.columnar``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from .api import assess
from .assessment import Assessment
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

_worker_options: dict[str, Any] = {}


def _init_worker(options: dict[str, Any]) -> None:
    _worker_options.clear()
    _worker_options.update(options)


def _assess_row(item: tuple[int, PatientState | Mapping[str, Any]]) -> Assessment | RowError:
    row, data = item
    try:
        return assess(data, **_worker_options)
    except InvalidPatientState as error:
        return RowError(row, error.fields, str(error))


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
    options = {"profile": profile, "engine": engine, "rule_base": current_rule_base(thresholds)}
    if workers < 1:
        raise ValueError(f"workers: {workers!r} is not allowed; expected an integer >= 1")
    if workers == 1:
        _init_worker(options)
        for item in enumerate(rows):
            yield _assess_row(item)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(options,)) as pool:
        yield from pool.imap(_assess_row, enumerate(rows), chunksize=chunksize)
