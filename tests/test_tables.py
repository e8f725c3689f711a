"""Tables as people really write them: the columnar screen rejects what ``assess()`` rejects.

Every cell ``assess()`` would refuse gives its row an ``error`` naming the field and the cell;
malformed files are one line on stderr and exit status 2 from ``spinerules screen``; a CSV is
read in batches (memory is bounded by the batch, not the file).
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.strategies import valid_patient_dicts

from spinerules import InvalidPatientState, assess
from spinerules.cli import main
from spinerules.columnar import (
    READ_PROBLEM,
    STARTBACK_COLUMNS,
    read_batches,
    read_table,
    screen_file,
    screen_table,
)
from spinerules.fields import FIELDS, STARTBACK_ITEMS, FieldSpec
from spinerules.registry import default_rule_base

EXERCISES = [a.id for a in default_rule_base().activities if a.kind == "exercise"]
RED_FLAGS = [f.id for f in default_rule_base().red_flags]
COLUMNS = [name for name in FIELDS if name != "startback"] + list(STARTBACK_COLUMNS)
HEADER = "age,pain_duration_days,leg_pain,saddle_anaesthesia\n"


def _expected(row: dict[str, Any]) -> dict[str, Any]:
    a = assess(row, engine="python")
    return {
        "urgency": a.urgency.value,
        "red_flags": [f.id for f in a.red_flags],
        "startback_risk": a.startback.risk if a.startback else None,
        "recommendations": [r.id for r in a.recommendations],
        "error": None,
    }


def _field_of(error: str) -> str:
    """The field a row error names: its text up to the first colon."""
    return error.split(":", 1)[0]


# --- generated rows: a JSON dict for assess() and the CSV cells a person would type ----------

#: Text that is not a number, a boolean or an allowed choice, and survives CSV as it is.
WORDS = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,9}", fullmatch=True).filter(
    lambda w: w.lower() not in ("true", "false", "nan", "inf", "infinity")
)


def _invalid(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """JSON values ``assess()`` rejects for the field, whose CSV cell the screen must reject too.

    Left out on purpose: strings that are numbers or booleans ("5", "true"), which a CSV cell
    cannot tell from the number or the boolean (both are text there).
    """
    if spec.kind == "bool":
        tricky = st.sampled_from(["yes", "no", "Y", "n", "1", "0", "t", "F", "on", "ja", 0, 1, 1.0])
        return tricky | tricky | WORDS | st.floats(allow_nan=False, allow_infinity=False)
    if spec.kind == "int":
        low, high = int(spec.minimum or 0), int(spec.maximum or 0)
        return st.one_of(
            st.sampled_from(["nine", "49.0", "4e1", "1,000", "0x10", "5 days", "NaN", "-"]),
            st.sampled_from([49.0, 49.9, 5.0, 0.0, -0.0, float("nan")]),
            WORDS,
            st.booleans(),
            st.floats(allow_nan=True, allow_infinity=True),  # 49.0 too: a float is no integer
            st.integers(max_value=low - 1),
            st.integers(min_value=high + 1),
        )
    if spec.kind == "float":
        low, high = float(spec.minimum or 0), float(spec.maximum or 0)
        outside = st.floats(allow_nan=True).filter(lambda x: math.isnan(x) or not low <= x <= high)
        return st.one_of(
            st.sampled_from(["thirty", "1,5", "nan", "inf", "-inf", "25kg", "2 5"]),
            WORDS,
            st.booleans(),
            outside,
            st.integers(min_value=int(high) + 1),
        )
    if spec.kind == "enum":
        variants = [c.upper() for c in spec.choices] + [c.capitalize() for c in spec.choices]
        return st.one_of(
            st.sampled_from([v for v in variants if v not in spec.choices] or ["X"]),
            st.sampled_from(["None", "null", "n/a", "yes"]),
            WORDS.filter(lambda w: w not in spec.choices),
            st.integers(0, 9),
        )
    if spec.kind == "set":
        bad = WORDS.filter(lambda w: w not in spec.choices)
        return st.lists(bad, min_size=1, max_size=2) | st.sampled_from(spec.choices).map(
            lambda c: [c, c]
        )
    if spec.name == "clinician_cleared_flags":
        ids = st.sampled_from(RED_FLAGS)
    else:
        ids = st.sampled_from(EXERCISES)
    return st.one_of(
        st.sampled_from(["Walking", "tai-chi", "Ces_Saddle", "9lives"]).map(lambda i: [i]),
        st.lists(WORDS.filter(lambda w: w not in EXERCISES + RED_FLAGS), min_size=1, max_size=2),
        ids.map(lambda i: [i, i]),  # listed twice
        st.sampled_from(["stay_active", "ces_saddle", "walking"]).map(lambda i: [i]),
    )


SCALARS = {n: s for n, s in FIELDS.items() if n != "startback"}
#: Fields by kind, so each kind of mistake is drawn about as often (there are 45 booleans).
BY_KIND = {
    kind: [n for n, s in SCALARS.items() if s.kind == kind]
    for kind in ("bool", "int", "float", "enum", "set", "list")
}


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    """A valid patient dict, then (usually) one or two fields made invalid."""
    row = draw(valid_patient_dicts(ids=st.sampled_from(EXERCISES)))
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):
        kind = draw(st.sampled_from([*BY_KIND, "startback", "missing", "onset_after_age"]))
        if kind == "startback":
            item = draw(st.sampled_from(list(STARTBACK_ITEMS)))
            answers = dict(row.get("startback") or {})
            answers[item] = draw(_invalid(STARTBACK_ITEMS[item]))
            row["startback"] = answers
        elif kind == "missing":
            row.pop(draw(st.sampled_from(["age", "pain_duration_days"])), None)
        elif kind == "onset_after_age":
            age = row.get("age")
            if type(age) is int and age < 120:
                row["first_back_pain_age"] = draw(st.integers(age + 1, 120))
        else:
            name = draw(st.sampled_from(BY_KIND[kind]))
            row[name] = draw(_invalid(SCALARS[name]))
    return row


def _cell(value: Any, upper: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
        return text.upper() if upper else text.capitalize()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return ";".join(_cell(v, upper) for v in value)
    return str(value)


def _csv_record(row: dict[str, Any], upper: bool) -> list[str]:
    answers = row.get("startback") or {}
    cells = []
    for name in COLUMNS:
        if name.startswith("startback_"):
            value = answers.get(name.removeprefix("startback_"))
        else:
            value = row.get(name)
        cells.append(_cell(value, upper))
    return cells


def _write_csv(path: Path, records: list[list[str]], quote_all: bool) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
        writer.writerow(COLUMNS)
        writer.writerows(records)


SEEN = {"valid": 0, "rejected": 0}
NAMED: set[str] = set()


def _compare(row: dict[str, Any], got: dict[str, Any]) -> None:
    try:
        expected = _expected(row)
    except InvalidPatientState as error:
        SEEN["rejected"] += 1
        NAMED.add(_field_of(got["error"] or ""))
        assert got["error"] is not None, (row, str(error))
        assert _field_of(got["error"]) in error.fields, (got["error"], error.fields)
        assert got["urgency"] is None and got["recommendations"] is None
    else:
        SEEN["valid"] += 1
        got = {k: v for k, v in got.items() if k != "row"}
        assert got == expected, row


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(rows(), min_size=4, max_size=20), st.booleans(), st.booleans())
def test_csv_screen_rejects_the_rows_assess_rejects_naming_the_same_field(
    population: list[dict[str, Any]], quote_all: bool, upper: bool
) -> None:
    """Differential over generated invalid rows: same rows rejected, same field named; the
    valid rows get exactly assess()'s result (booleans written TRUE/True, quoted or not)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "patients.csv"
        _write_csv(path, [_csv_record(r, upper) for r in population], quote_all)
        out = screen_table(read_table(path))
    assert out["row"].to_list() == list(range(len(population)))
    for row, got in zip(population, out.iter_rows(named=True), strict=True):
        _compare(row, got)


def test_the_differential_rejected_rows_for_many_reasons() -> None:
    """Runs after the property above (file order): it is only worth something if it saw
    valid rows and rows rejected for many different fields."""
    assert SEEN["valid"] >= 10 and SEEN["rejected"] >= 40, (SEEN, sorted(NAMED))
    assert len(NAMED) >= 12, (len(NAMED), sorted(NAMED))


# --- typed columns (Parquet, DataFrames) follow PatientState exactly -------------------------

BASE = {"age": 40, "pain_duration_days": 10}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["age", "pain_intensity", "first_back_pain_age", "can_walk_minutes"]),
    st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.none(), min_size=1, max_size=8),
)
def test_a_float_column_in_an_integer_field_rejects_every_float_like_assess(
    field: str, values: list[float | None]
) -> None:
    """49.9 and 49.0 alike (C13: a float is never an integer), so Parquet agrees with JSON."""
    table = pl.DataFrame(
        {"age": [40] * len(values), "pain_duration_days": [10] * len(values)}
    ).with_columns(pl.Series(field, values, dtype=pl.Float64))
    out = screen_table(table)
    for value, got in zip(values, out.iter_rows(named=True), strict=True):
        _compare({**BASE, field: value}, got)


def test_typed_cells_name_the_field_and_the_value(tmp_path: Path) -> None:
    path = tmp_path / "patients.parquet"
    pl.DataFrame(
        {
            "age": [49.9, 49.0, 40.0],
            "pain_duration_days": [3, 3, 3],
            "bmi": [30, 30, 30],  # an integer column is a fine number (C13)
        },
        schema={"age": pl.Float64, "pain_duration_days": pl.Int64, "bmi": pl.Int32},
    ).write_parquet(path)
    errors = screen_table(read_table(path))["error"].to_list()
    assert errors[0] == "age: 49.9 is not allowed; expected an integer 16..120"
    assert errors[1] == "age: 49.0 is not allowed; expected an integer 16..120"
    bools = pl.DataFrame({"age": [40], "pain_duration_days": [3], "fever": [1]})
    assert screen_table(bools)["error"][0].startswith("fever: 1 is not allowed; expected true")
    numbers = pl.DataFrame({"age": [True], "pain_duration_days": [3]})
    assert screen_table(numbers)["error"][0].startswith("age: true is not allowed")


def test_a_startback_struct_with_an_unknown_item_is_refused() -> None:
    table = pl.DataFrame(
        {"age": [40], "pain_duration_days": [3], "startback": [{"item1": True, "item10": True}]}
    )
    with pytest.raises(InvalidPatientState, match=r"startback\.item10"):
        screen_table(table)


# --- cells as text ---------------------------------------------------------------------------


def _screen_text(text: str, tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "patients.csv"
    path.write_text(text, encoding="utf-8")
    return list(screen_table(read_table(path)).iter_rows(named=True))


def test_booleans_are_true_or_false_in_any_case_and_nothing_else(tmp_path: Path) -> None:
    cells = ["TRUE", "true", "True", "tRuE", "FALSE", "yes", "1", "y", "no", "0"]
    text = HEADER + "".join(f"40,3,none,{c}\n" for c in cells)
    out = _screen_text(text, tmp_path)
    assert [r["urgency"] for r in out[:4]] == ["emergency"] * 4
    assert out[4]["error"] is None and out[4]["urgency"] != "emergency"
    for cell, row in zip(cells[5:], out[5:], strict=True):
        assert row["error"] == (
            f'saddle_anaesthesia: "{cell}" is not allowed; expected true or false (in any case) '
            "(or blank for not answered)"
        )


def test_a_text_cell_is_named_with_its_raw_value_quoted_and_short(tmp_path: Path) -> None:
    long = "x" * 500
    out = _screen_text(
        "age,pain_duration_days,pain_intensity,leg_pain\n"
        f"40,3,nine,none\n49.9,3,,\n40,3,,{long}\n40,3,11,\n40,3,, both_sides \n",
        tmp_path,
    )
    assert out[0]["error"].startswith('pain_intensity: "nine" is not allowed; expected an integer')
    assert out[1]["error"].startswith('age: "49.9" is not allowed; expected an integer 16..120')
    shown = out[2]["error"].split('"')[1]
    assert shown.startswith("xxx") and shown.endswith("…") and len(shown) <= 80
    assert out[3]["error"].startswith('pain_intensity: "11" is not allowed')
    assert out[4]["error"] is None  # blanks around a cell are not part of it


def test_blank_cells_are_not_answered_and_required_ones_are_missing(tmp_path: Path) -> None:
    out = _screen_text(HEADER + "40,3,,\n,3,none,false\n", tmp_path)
    assert out[0]["error"] is None
    assert out[1]["error"] == "age: missing (required); expected an integer 16..120"


# --- the command line ------------------------------------------------------------------------


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _error_line(err: str) -> str:
    """The one error line on stderr (a progress line may come before it)."""
    lines = [line for line in err.splitlines() if line.startswith("spinerules: error: ")]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "polars" not in err.lower(), err
    return lines[0]


@pytest.mark.parametrize("chunk", ["0", "-5", "abc", "1.5", ""])
def test_chunk_must_be_a_whole_number_of_rows(
    chunk: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "patients.csv"
    source.write_text(HEADER + "40,3,none,false\n")
    target = tmp_path / "results.csv"
    status, out, err = _run(["screen", str(source), "-o", str(target), "--chunk", chunk], capsys)
    assert status == 2 and out == ""
    assert _error_line(err).startswith(f"spinerules: error: --chunk: {chunk!r} is not allowed")
    assert not target.exists()


def _bad_input(kind: str, folder: Path) -> tuple[Path, str]:
    """A malformed input file, and words its error line must contain."""
    path = folder / "patients.csv"
    if kind == "empty":
        path.write_bytes(b"")
        return path, "is empty"
    if kind == "header only":
        path.write_text(HEADER)
        return path, "has no rows to screen"
    if kind == "missing":
        return folder / "nobody.csv", "no such file"
    if kind == "directory":
        (folder / "dir.csv").mkdir()
        return folder / "dir.csv", "is a directory"
    if kind == "row column":
        path.write_text("row," + HEADER + "0,40,3,none,false\n")
        return path, "unknown column 'row'"
    if kind == "unknown column":
        path.write_text(HEADER.strip() + ",saddle_anesthesia\n40,3,none,false,true\n")
        return path, "did you mean 'saddle_anaesthesia'?"
    if kind == "duplicate column":
        path.write_text("age,age,pain_duration_days\n40,40,3\n")
        return path, "has the column 'age' twice"
    if kind == "NUL bytes":
        path.write_bytes(b"\0" * 3_000_000)
        return path, "contains NUL bytes"
    if kind == "not UTF-8":
        path.write_bytes(HEADER.encode() + b"40,3,n\xf6ne,false\n")
        return path, "is not UTF-8 text at line 2"
    if kind == "unclosed quote":
        path.write_text(HEADER + '40,3,"none,false\n41,3,none,false\n')
        return path, "malformed CSV record"
    if kind == "wrong extension":
        path = folder / "patients.xlsx"
        path.write_text(HEADER)
        return path, "expected a .csv or .parquet file"
    if kind == "internal column name":  # the reader's own marker of ragged records
        path.write_text(HEADER.strip() + ",__read_problem\n40,3,none,false,fine\n")
        return path, "unknown column '__read_problem'"
    if kind == "internal column name in parquet":
        path = folder / "patients.parquet"
        pl.DataFrame(
            {"age": [40], "pain_duration_days": [3], "__read_problem": ["x"]}
        ).write_parquet(path)
        return path, "unknown column '__read_problem'"
    if kind == "corrupt parquet":
        path = folder / "patients.parquet"
        path.write_bytes(b"PAR1 this is not parquet")
        return path, "is not a readable Parquet file"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "empty",
        "header only",
        "missing",
        "directory",
        "row column",
        "unknown column",
        "duplicate column",
        "NUL bytes",
        "not UTF-8",
        "unclosed quote",
        "wrong extension",
        "corrupt parquet",
        "internal column name",
        "internal column name in parquet",
    ],
)
def test_a_malformed_file_is_one_line_and_status_2(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, words = _bad_input(kind, tmp_path)
    target = tmp_path / "out" / "results.parquet"
    target.parent.mkdir()
    status, out, err = _run(["screen", str(source), "-o", str(target)], capsys)
    assert status == 2, err
    assert words in _error_line(err)
    assert out == ""
    assert list(target.parent.iterdir()) == []  # no results file, no temporary left behind


def test_ragged_rows_are_row_errors_and_the_rest_screened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "patients.csv"
    source.write_text(
        HEADER + "40,3,none,false\n40,3,none\n55,3,both_sides,true,extra\n\n41,3,none,false\n"
    )
    target = tmp_path / "results.csv"
    status, _, _ = _run(["screen", str(source), "-o", str(target)], capsys)
    assert status == 0
    results = pl.read_csv(target, infer_schema=False)
    assert results["row"].to_list() == ["0", "1", "2", "3"]  # the blank line is not a row
    assert results["error"].to_list() == [
        None,
        "row: 3 cells, but the header has 4 columns",
        "row: 5 cells, but the header has 4 columns",
        None,
    ]
    assert results["urgency"].to_list()[3] == "self_care"


def test_a_type_change_after_row_ten_thousand_fails_that_row_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing is inferred from the first rows: row 10,001's "forty" is its own error."""
    source = tmp_path / "patients.csv"
    lines = ["40,3,none,false\n"] * 10_000 + ["forty,3,none,true\n", "55,3,none,true\n"]
    source.write_text(HEADER + "".join(lines))
    target = tmp_path / "results.parquet"
    status, out, _ = _run(["screen", str(source), "-o", str(target), "--chunk", "3000"], capsys)
    assert status == 0
    results = pl.read_parquet(target)
    assert results["row"].to_list() == list(range(10_002))
    errors = results.filter(pl.col("error").is_not_null())
    assert errors["row"].to_list() == [10_000]
    assert errors["error"][0].startswith('age: "forty" is not allowed')
    assert results["urgency"][10_001] == "emergency"
    assert "rows with errors               1" in out


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_batches_keep_input_order_and_bad_rows(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Several batches (and a quoted block) give the rows of one screen, in order."""
    body = [
        "40,3,none,false\n",
        '55,3,"both_sides",TRUE\n',
        "30,10,left,\n",
        "41,3,none,\n",
    ] * 25
    source = tmp_path / "patients.csv"
    source.write_text(HEADER + "".join(body))
    target = tmp_path / f"results.{suffix}"
    status, _, err = _run(["screen", str(source), "-o", str(target), "--chunk", "7"], capsys)
    assert status == 0, err
    results = pl.read_parquet(target) if suffix == "parquet" else pl.read_csv(target)
    whole = screen_table(read_table(source))
    assert results["row"].to_list() == list(range(100))
    assert results["urgency"].to_list() == whole["urgency"].to_list()
    assert results["error"].to_list() == whole["error"].to_list()
    assert results["urgency"].to_list()[:4] == ["self_care", "emergency", None, "self_care"]
    assert "100/100 rows" in err


def test_parquet_input_is_read_in_row_slices(tmp_path: Path) -> None:
    path = tmp_path / "patients.parquet"
    pl.DataFrame({"age": list(range(20, 45)), "pain_duration_days": [3] * 25}).write_parquet(path)
    batches = list(read_batches(path, rows=10))
    assert [b.height for b, _ in batches] == [10, 10, 5]
    assert [round(f, 2) for _, f in batches] == [0.4, 0.8, 1.0]
    target = tmp_path / "results.csv"
    counts = dict(screen_file(path, target, rows=4))
    assert counts["rows with errors"] == 0
    assert pl.read_csv(target)["row"].to_list() == list(range(25))


def test_csv_records_split_across_blocks_are_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tiny blocks: records (quoted newlines too) cross every block boundary."""
    import spinerules.columnar as columnar

    monkeypatch.setattr(columnar, "_BLOCK_BYTES", 7)
    text = HEADER + '40,3,"no\nne",false\n55,3,both_sides,"TRUE"\n41,3,none,\n' * 5
    source = tmp_path / "patients.csv"
    source.write_text(text)
    batches = [frame for frame, _ in read_batches(source, rows=100)]
    table = pl.concat(batches)
    expected = list(csv.reader(io.StringIO(text)))[1:]
    assert table.select(pl.exclude(READ_PROBLEM)).rows() == [tuple(r) for r in expected]
    assert os.path.getsize(source) > 7 * 10
