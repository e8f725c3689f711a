"""``spinerules checkin``, ``course`` and ``export``: results, and bad input as one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course_helpers import START, checkin_dict
from spinerules import cli


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def write(tmp_path: Path, name: str, data: dict[str, object]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_checkin_course_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "journeys.sqlite")
    for week, pain in enumerate([4, 6, 7]):
        f = write(tmp_path, f"w{week}.json", checkin_dict(week, pain))
        day = checkin_dict(week)["date"]
        status, out, err = run(
            capsys,
            "checkin",
            "--db",
            db,
            "--person",
            "p1",
            f,
            "--format",
            "json",
            "--today",
            str(day),
            "--engine",
            "python",
        )
        assert status == 0, err
    doc = json.loads(out)
    assert doc["course_rules"] == ["checkin_pain_worsening"]
    assert set(doc) >= {"assessment", "course_rules", "plan", "trend", "next_checkin"}
    status, out, err = run(
        capsys, "course", "--db", db, "--person", "p1", "--format", "html", "--today", "2026-01-20"
    )
    assert status == 0, err and "<svg" in out
    status, out, _ = run(capsys, "export", "--db", db)
    assert status == 0 and len(out.splitlines()) == 4
    status, out, _ = run(capsys, "export", "--db", db, "--format", "json")
    assert [r["date"] for r in json.loads(out)] == ["2026-01-05", "2026-01-12", "2026-01-19"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"exercise_sessions_done": 51}, "exercise_sessions_done"),
        ({"exercise_sessions_done": -1}, "exercise_sessions_done"),
        ({"peg": {"pain": 11, "enjoyment": 0, "activity": 0}}, "peg.pain"),
        ({"date": "2026-01-01"}, "date"),  # before the previous check-in
        ({"date": "2026-03-01"}, "date"),  # in the future
    ],
)
def test_bad_checkin_is_one_line_naming_the_field_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, object], field: str
) -> None:
    db = str(tmp_path / "journeys.sqlite")
    ok = write(tmp_path, "ok.json", checkin_dict(0, 4))
    assert run(capsys, "checkin", "--db", db, "--person", "p1", ok, "--today", "2026-01-10")[0] == 0
    bad = write(tmp_path, "bad.json", {**checkin_dict(0, 4), **change})
    status, out, err = run(
        capsys, "checkin", "--db", db, "--person", "p1", bad, "--today", "2026-01-10"
    )
    assert status == 2 and out == ""
    assert err.startswith(f"spinerules: error: {field}:") and err.count("\n") == 1
    status, out, _ = run(capsys, "export", "--db", db)
    assert len(out.splitlines()) == 2  # the header and the one good check-in


def test_unknown_person_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "journeys.sqlite")
    ok = write(tmp_path, "ok.json", checkin_dict(0, 4))
    run(capsys, "checkin", "--db", db, "--person", "p1", ok, "--today", START.isoformat())
    status, _, err = run(capsys, "course", "--db", db, "--person", "p2")
    assert status == 2 and err.startswith("spinerules: error: person: 'p2'")


def test_corrupt_store_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "journeys.sqlite"
    db.write_bytes(b"not a database at all" * 50)
    ok = write(tmp_path, "ok.json", checkin_dict(0, 4))
    status, _, err = run(
        capsys, "checkin", "--db", str(db), "--person", "p1", ok, "--today", START.isoformat()
    )
    assert status == 1 and "refusing to use it" in err and err.count("\n") == 1
    assert db.read_bytes() == b"not a database at all" * 50
