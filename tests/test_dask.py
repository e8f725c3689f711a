"""The screen on a Dask cluster is the single-process screen, row for row.

A real ``LocalCluster`` (2 worker processes on 127.0.0.1) screens a generated population, valid
and invalid rows, given as a multi-part Parquet dataset, one Parquet file and a CSV file; the
results file and the counts equal ``screen_file``'s. A worker whose plugins differ from this
process's is refused before any output exists.
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategies_clinical import realistic_patient_dict

distributed = pytest.importorskip("distributed")

from spinerules import EngineUnavailable, InvalidPatientState  # noqa: E402
from spinerules.cli import main  # noqa: E402
from spinerules.columnar import screen_file, table_from_dicts  # noqa: E402
from spinerules.dask_screen import (  # noqa: E402
    Fingerprint,
    RuleBaseMismatch,
    check_fingerprints,
    dask_client,
    fingerprint,
    parquet_slices,
    screen_dask,
    screen_part,
)

PARTS = 12  # more than 10, so name order (part.10 < part.2) would scramble the rows
BAD = (0, 7, 333, 600, 901, 1_199)  # the positions of the invalid rows


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster: Any) -> Iterator[Any]:
    with distributed.Client(cluster) as connected:
        yield connected


def _invalid_rows(rng: random.Random) -> list[dict[str, Any]]:
    """Rows ``assess()`` rejects, each for a different reason, in types a Parquet column holds."""
    base = realistic_patient_dict(rng)
    return [
        {**base, "age": 140},
        {**base, "age": None},  # required
        {**base, "pain_intensity": 11},
        {**base, "age": 60, "first_back_pain_age": 40, "axspa_features": ["onset_before_35"]},
        {**base, "preferred_activities": ["juggling"]},
        {**base, "clinician_cleared_flags": ["ces_saddle", "ces_saddle"]},
    ]


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One population three ways: a Parquet file, a dataset of part files, a CSV file."""
    rng = random.Random(20269)
    rows = [realistic_patient_dict(rng) for _ in range(1_200)]
    for position, row in zip(BAD, _invalid_rows(rng), strict=True):
        rows[position] = row
    table = table_from_dicts(rows)
    where = tmp_path_factory.mktemp("population")
    table.write_parquet(where / "all.parquet")
    dataset = where / "dataset"
    dataset.mkdir()
    cuts = sorted(rng.sample(range(1, table.height), PARTS - 1))
    for number, (start, end) in enumerate(zip([0, *cuts], [*cuts, table.height], strict=True)):
        table.slice(start, end - start).write_parquet(dataset / f"part.{number}.parquet")
    (dataset / "_SUCCESS").write_text("")  # what Spark leaves beside its parts
    lists = [c for c, t in table.schema.items() if isinstance(t, pl.List)]
    csv = table.with_columns([pl.col(c).list.join(";") for c in lists]).write_csv()
    header, *records = csv.splitlines()
    records.insert(50, records[50] + ",extra")  # a ragged record: a row error
    cells = records[80].split(",")
    cells[header.split(",").index("fever")] = "yes"  # "yes" is no boolean
    records.insert(80, ",".join(cells))
    (where / "all.csv").write_text("\n".join([header, *records]) + "\n")
    return {"parquet": where / "all.parquet", "dataset": dataset, "csv": where / "all.csv"}


def _single(source: Path, target: Path) -> tuple[list[tuple[str, int]], pl.DataFrame]:
    counts = screen_file(source, target, rows=250)
    return counts, pl.read_parquet(target) if target.suffix == ".parquet" else pl.DataFrame()


def test_a_parquet_dataset_on_dask_is_the_single_process_screen_row_for_row(
    client: Any, population: dict[str, Path], tmp_path: Path
) -> None:
    counts, expected = _single(population["parquet"], tmp_path / "single.parquet")
    for source, rows in ((population["dataset"], 64), (population["parquet"], 97)):
        target = tmp_path / f"dask-{rows}.parquet"
        assert screen_dask(source, target, client=client, rows=rows) == counts
        results = pl.read_parquet(target)
        assert results.schema == expected.schema
        assert results.equals(expected)  # every column, every row, in input order
    assert results["row"].to_list() == list(range(1_200))
    errors = dict(zip(results["row"], results["error"], strict=True))
    assert dict(counts)["rows with errors"] == 6
    assert {errors[n].split(":")[0] for n in BAD} == {
        "age",
        "pain_intensity",
        "axspa_features",
        "preferred_activities",
        "clinician_cleared_flags",
    }
    bad = results.filter(pl.col("error").is_not_null())
    assert bad["urgency"].null_count() == bad.height  # a bad row has no results, only its error
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".spinerules")]


def test_a_csv_file_on_dask_is_the_single_process_screen(
    client: Any, population: dict[str, Path], tmp_path: Path
) -> None:
    for suffix in ("csv", "parquet"):
        single, on_dask = tmp_path / f"single.{suffix}", tmp_path / f"dask.{suffix}"
        counts = screen_file(population["csv"], single, rows=300)
        assert screen_dask(population["csv"], on_dask, client=client, rows=111) == counts
        if suffix == "csv":
            assert on_dask.read_bytes() == single.read_bytes()
        else:
            assert pl.read_parquet(on_dask).equals(pl.read_parquet(single))
    results = pl.read_parquet(on_dask)
    assert results.height == 1_202
    errors = results.filter(pl.col("error").is_not_null())["error"].to_list()
    assert any(e.startswith("row: ") and "cells" in e for e in errors)  # the ragged record
    assert any('"yes" is not allowed' in e for e in errors)


def test_the_command_line_screens_on_the_scheduler_it_is_given(
    cluster: Any, population: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, expected = _single(population["parquet"], tmp_path / "single.parquet")
    target = tmp_path / "cli.parquet"
    argv = ["screen", str(population["dataset"]), "-o", str(target), "--chunk", "200"]
    assert main([*argv, "--dask", cluster.scheduler_address]) == 0
    out = capsys.readouterr().out
    assert "rows with errors" in out and f"results: {target}" in out
    assert pl.read_parquet(target).equals(expected)


def test_an_input_that_is_not_a_table_is_one_line_and_status_2(
    cluster: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    header_only = tmp_path / "header.csv"
    header_only.write_text("age,pain_duration_days\n")
    for source, said in (
        (empty, "is a directory without .parquet part files"),
        (header_only, "has no rows to screen"),
        (tmp_path / "gone.parquet", "cannot be read: no such file"),
    ):
        target = tmp_path / "out.parquet"
        argv = ["screen", str(source), "-o", str(target), "--dask", cluster.scheduler_address]
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert said in err[-1] and err[-1].startswith("spinerules: error: input:")
        assert not target.exists()


def test_a_worker_with_other_plugins_is_refused_naming_it(
    client: Any, population: dict[str, Path], tmp_path: Path
) -> None:
    """One worker loads the pilates plugin (the client loads none): its red flags and plan could
    differ, so the screen stops before writing anything."""

    def load_plugins(names: str | None) -> str:
        import os

        from spinerules.registry import current_rule_base, reset_plugins

        if names is None:
            os.environ.pop("SPINERULES_LOAD_PLUGINS", None)
        else:
            os.environ["SPINERULES_LOAD_PLUGINS"] = names
        reset_plugins()
        return current_rule_base().hash

    odd = sorted(client.scheduler_info()["workers"])[0]
    here = fingerprint()
    target = tmp_path / "never.parquet"
    try:
        assert client.run(load_plugins, "pilates", workers=[odd])[odd] != here.hash
        with pytest.raises(RuleBaseMismatch) as raised:
            screen_dask(population["parquet"], target, client=client)
    finally:
        assert client.run(load_plugins, "", workers=[odd])[odd] == here.hash
    message = str(raised.value)
    assert odd in message and here.hash in message and "\n" not in message
    assert "same spinerules, plugins" in message
    assert not target.exists() and not list(tmp_path.iterdir())


def test_each_task_checks_its_workers_rules_itself() -> None:
    """A worker that joins after the first check is caught by the task it runs."""
    table = table_from_dicts([{"age": 40, "pain_duration_days": 10}])
    here = fingerprint()
    part, counts = screen_part(table, 5, here)
    assert part["row"].to_list() == [5] and dict(counts)["urgency self_care"] == 1
    other = Fingerprint(here.spinerules, here.rules + "+extra", "0" * 16)
    with pytest.raises(RuleBaseMismatch, match="0000000000000000"):
        screen_part(table, 0, other)


def test_fingerprints_are_compared_by_rule_base_hash() -> None:
    here = fingerprint()
    check_fingerprints(here, {"tcp://a:1": here, "tcp://b:2": here})
    with pytest.raises(RuleBaseMismatch, match=r"worker tcp://b:2 has rule base"):
        check_fingerprints(here, {"tcp://a:1": here, "tcp://b:2": Fingerprint("0.1.0", "x", "y")})
    with pytest.raises(RuleBaseMismatch, match="cannot build the rule base: ModuleNotFoundError"):
        check_fingerprints(here, {"tcp://a:1": ModuleNotFoundError("No module named 'spinerules'")})


def test_without_dask_the_command_line_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed: ImportError
    with pytest.raises(EngineUnavailable), dask_client(None):
        pass
    source = tmp_path / "p.csv"
    source.write_text("age,pain_duration_days\n40,10\n")
    assert main(["screen", str(source), "-o", str(tmp_path / "o.csv"), "--dask"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("spinerules: error: --dask needs dask.distributed")
    assert "pip install 'spinerules[dask]'" in err[-1]


_DATASETS = itertools.count()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    heights=st.lists(st.integers(0, 9), min_size=1, max_size=12),
    rows=st.integers(1, 4),
)
def test_slices_cover_every_row_once_in_order(
    tmp_path: Path, heights: list[int], rows: int
) -> None:
    where = tmp_path / f"dataset-{next(_DATASETS)}"
    where.mkdir()
    for number, height in enumerate(heights):
        frame = pl.DataFrame({"age": list(range(height))}, schema={"age": pl.Int64})
        frame.write_parquet(where / f"part-{number}.parquet")
    slices = parquet_slices(str(where), rows)
    starts = dict(zip(range(len(heights)), [0, *itertools.accumulate(heights)], strict=False))
    for piece in slices:  # a slice never crosses a part; its offset is the global row number
        number = int(os.path.basename(piece.path).split("-")[1].split(".")[0])
        assert piece.start + piece.length <= heights[number]
        assert piece.offset == starts[number] + piece.start
    covered = [s.offset + i for s in slices for i in range(s.length)]
    assert covered == list(range(sum(heights)))
    assert all(1 <= s.length <= rows for s in slices)
    names = [os.path.basename(s.path) for s in slices]
    assert names == sorted(names, key=lambda n: int(n.split("-")[1].split(".")[0]))


def test_an_unknown_input_kind_is_refused(client: Any, tmp_path: Path) -> None:
    source = tmp_path / "patients.xlsx"
    source.write_text("x")
    with pytest.raises(InvalidPatientState, match=r"expected a \.csv or \.parquet file"):
        screen_dask(source, tmp_path / "o.parquet", client=client)


def test_a_bad_part_fails_the_screen_on_its_worker_with_one_line(
    cluster: Any, population: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The error a worker raises (a misspelt column in one part) reaches the client as it is."""
    dataset = tmp_path / "dataset"
    dataset.mkdir()
    table = pl.read_parquet(population["parquet"])
    table.head(100).write_parquet(dataset / "part.0.parquet")
    misspelt = table.tail(100).rename({"saddle_anaesthesia": "saddle_anesthesia"})
    misspelt.write_parquet(dataset / "part.1.parquet")
    target = tmp_path / "out.parquet"
    argv = ["screen", str(dataset), "-o", str(target), "--dask", cluster.scheduler_address]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "unknown column 'saddle_anesthesia'; did you mean 'saddle_anaesthesia'?" in err
    assert not target.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["dataset"]


def test_dask_without_an_address_starts_and_stops_a_local_cluster(
    population: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    single, target = tmp_path / "single.csv", tmp_path / "local.csv"
    screen_file(population["csv"], single)
    assert main(["screen", str(population["csv"]), "-o", str(target), "--dask"]) == 0
    assert target.read_bytes() == single.read_bytes()
    assert "results:" in capsys.readouterr().out
