"""The check-in store loses nothing: WAL + synchronous=FULL, append-only, versioned, private,
refusing (never overwriting) a file it cannot trust; SIGKILL and concurrent writers."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from course_helpers import START, checkin_dict
from spinerules import InvalidPatientState
from spinerules.course import CheckIn, Store, StoreError
from spinerules.course import store as store_module

HERE = Path(__file__).resolve().parent
WRITER = HERE / "course_writer.py"
FAR = dt.date(2100, 1, 1)


def _checkin(week: int, **changes: object) -> CheckIn:
    return CheckIn.from_dict(checkin_dict(week, **changes))  # type: ignore[arg-type]


def _raw(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db, isolation_level=None)


def test_new_store_is_private_wal_full_and_versioned(tmp_path: Path) -> None:
    db = tmp_path / "j.sqlite"
    store = Store(db)
    store.append("p1", _checkin(0), today=FAR)
    for path in (db, Path(f"{db}-wal")):
        assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0, path
    con = store._connection()
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert con.execute("PRAGMA user_version").fetchone()[0] == store_module.SCHEMA_VERSION
    assert con.execute("PRAGMA application_id").fetchone()[0] == store_module.APPLICATION_ID


def test_rows_are_never_updated_or_deleted(tmp_path: Path) -> None:
    db = tmp_path / "j.sqlite"
    Store(db).append("p1", _checkin(0), today=FAR)
    con = _raw(db)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("UPDATE checkins SET body = '{}'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("DELETE FROM checkins")


def test_same_date_supersedes_and_keeps_the_first(tmp_path: Path) -> None:
    store = Store(tmp_path / "j.sqlite")
    first = store.append("p1", _checkin(0, pain=5), today=FAR)
    second = store.append("p1", _checkin(0, pain=7), today=FAR)
    assert second.supersedes == first.seq
    rows = store.rows()
    assert [(r["seq"], r["current"]) for r in rows] == [(first.seq, False), (second.seq, True)]
    assert rows[0]["checkin"]["pain_intensity"] == 5  # the first is kept, unchanged
    (only,) = store.episode("p1").checkins
    assert only.state.pain_intensity == 7


def test_bad_dates_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    store = Store(tmp_path / "j.sqlite")
    store.append("p1", _checkin(2), today=FAR)
    with pytest.raises(InvalidPatientState, match=r"^date: .* before the previous check-in"):
        store.append("p1", _checkin(1), today=FAR)
    with pytest.raises(InvalidPatientState, match=r"^date: .* in the future"):
        store.append("p1", _checkin(5), today=START)
    with pytest.raises(InvalidPatientState, match=r"^person:"):
        store.append("no one", _checkin(5), today=FAR)
    assert len(store.rows()) == 1
    with pytest.raises(InvalidPatientState, match=r"^person: 'p2' has no check-ins"):
        store.episode("p2")


def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "notes.sqlite"
    db.write_bytes(b"my precious notes\n" * 100)
    before = db.read_bytes()
    with pytest.raises(StoreError, match="not a SQLite database; refusing") as raised:
        Store(db)
    assert "\n" not in str(raised.value)
    assert db.read_bytes() == before


def test_a_corrupt_store_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "j.sqlite"
    store = Store(db)
    for week in range(30):
        store.append(f"p{week % 3}", _checkin(week // 3), today=FAR)
    store._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(db.read_bytes())
    page = 4096
    data[page + 100 : 3 * page] = b"\xa5" * (2 * page - 100)  # scribble over two pages
    db.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"corrupt; refusing|corrupt .*refusing"):
        Store(db)
    assert db.read_bytes() == bytes(data)


def test_another_applications_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    con = _raw(db)
    con.execute("CREATE TABLE t (x)")
    con.close()
    with pytest.raises(StoreError, match="not a spinerules store"):
        Store(db)


def test_a_newer_schema_is_refused_and_not_touched(tmp_path: Path) -> None:
    db = tmp_path / "j.sqlite"
    Store(db).append("p1", _checkin(0), today=FAR)
    con = _raw(db)
    con.execute(f"PRAGMA user_version={store_module.SCHEMA_VERSION + 1}")
    con.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match=r"newer spinerules \(schema 2; this one reads up to 1\)"):
        Store(db)
    assert db.read_bytes() == before


def test_migrations_take_an_older_store_forward(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "j.sqlite"
    Store(db).append("p1", _checkin(0), today=FAR)
    step = ("CREATE TABLE notes (seq INTEGER PRIMARY KEY, text TEXT)",)
    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, step))
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 2)
    store = Store(db)
    con = store._connection()
    assert con.execute("PRAGMA user_version").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM notes").fetchone()[0] == 0
    assert len(store.episode("p1").checkins) == 1  # nothing lost on the way


def _acks(lines: list[str]) -> list[tuple[int, str]]:
    out = []
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[0] == "ack":
            out.append((int(parts[1]), parts[2]))
    return out


def _writer(db: Path, person: str, count: int, mode: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    return subprocess.Popen(
        [sys.executable, str(WRITER), str(db), person, str(count), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_sigkill_at_random_points_loses_no_acknowledged_checkin(tmp_path: Path) -> None:
    db = tmp_path / "j.sqlite"
    rng = random.Random(12)
    acked: list[tuple[int, str]] = []
    runs = 30
    for _ in range(runs):
        child = _writer(db, "p1", 100_000, "days")
        lines: list[str] = []
        reader = threading.Thread(target=lambda c=child, out=lines: out.extend(c.stdout))
        reader.start()
        time.sleep(rng.uniform(0.3, 1.6))
        child.send_signal(signal.SIGKILL)
        child.wait()
        reader.join()
        assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
        acked += _acks(lines)
        con = _raw(db)  # what a fresh reader finds after the kill
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = dict(con.execute("SELECT seq, date FROM checkins").fetchall())
        con.close()
        missing = [a for a in acked if stored.get(a[0]) != a[1]]
        assert not missing, f"acknowledged but lost: {missing[:5]}"
    assert len(acked) > runs  # the kills landed while writing, not before the first write
    store = Store(db)
    dates = [c.date for c in store.episode("p1").checkins]
    assert len(dates) == len(set(dates)) == len(store.rows())  # no duplicates, no replacements
    assert store.integrity() == "ok"


def _check_chain(store: Store, person: str, writes: int) -> None:
    rows = [r for r in store.rows() if r["person"] == person]
    assert len(rows) == writes  # none lost, none duplicated
    superseded = [r["supersedes"] for r in rows if r["supersedes"] is not None]
    assert len(superseded) == len(set(superseded)) == writes - 1  # one linear chain
    assert sum(r["current"] for r in rows) == 1


def test_concurrent_threads_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "j.sqlite")
    per = 15
    errors: list[BaseException] = []

    def own_person(n: int) -> None:
        try:
            for week in range(per):
                store.append(f"t{n}", _checkin(week, pain=week % 11), today=FAR)
        except BaseException as error:  # reported below
            errors.append(error)

    def shared_person(n: int) -> None:
        try:
            for k in range(per):
                store.append("shared", _checkin(0, pain=(n + k) % 11), today=FAR)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=own_person, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=shared_person, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    for n in range(3):
        assert [c.date for c in store.episode(f"t{n}").checkins] == [
            START + dt.timedelta(days=7 * w) for w in range(per)
        ]
    _check_chain(store, "shared", 3 * per)
    assert store.integrity() == "ok"


def test_concurrent_processes_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    db = tmp_path / "j.sqlite"
    Store(db).close()
    per = 25
    children = [_writer(db, f"proc{n}", per, "days") for n in range(2)]
    children += [_writer(db, "shared", per, "same") for _ in range(3)]
    outputs = [c.communicate(timeout=300) for c in children]
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert len(_acks(out.splitlines())) == per
    store = Store(db)
    for n in range(2):
        assert len(store.episode(f"proc{n}").checkins) == per
    _check_chain(store, "shared", 3 * per)
    acked = {
        a for _, (out, _) in zip(children, outputs, strict=True) for a in _acks(out.splitlines())
    }
    assert {r["seq"] for r in store.rows()} == {seq for seq, _ in acked}
    assert store.integrity() == "ok"


def test_export_has_every_row_superseded_ones_too(tmp_path: Path) -> None:
    from spinerules.course import export

    store = Store(tmp_path / "j.sqlite")
    store.append("p1", _checkin(0, pain=5), today=FAR)
    store.append("p1", _checkin(0, pain=6), today=FAR)
    store.append("p2", _checkin(1), today=FAR)
    rows = json.loads(export(store, "json"))
    assert [(r["person"], r["current"]) for r in rows] == [
        ("p1", False),
        ("p1", True),
        ("p2", True),
    ]
    lines = export(store, "csv").splitlines()
    assert lines[0] == "seq,person,date,recorded_at,supersedes,current,checkin"
    assert len(lines) == 4
    with pytest.raises(InvalidPatientState, match=r"^format"):
        export(store, "xml")
