"""The check-in store: an embedded SQLite file that loses nothing.

* **Durable on acknowledgement.** WAL journal, ``synchronous=FULL``: when ``append`` returns,
  the check-in is on disk (a crash or SIGKILL after that loses nothing; before it, the
  transaction is rolled back whole, so nothing is ever partly written).
* **Append-only.** A check-in row is never updated or deleted (triggers refuse both); a second
  check-in on the same date is a new row that *supersedes* the current one (``supersedes``
  names it, and is unique, so two writers cannot both replace the same row).
* **Serialised writers.** Each append is one ``BEGIN IMMEDIATE`` transaction that reads the
  person's last date, validates against it and inserts: threads and processes writing the
  same person cannot interleave between the check and the insert.
* **Versioned.** ``PRAGMA application_id`` marks a spinerules store, ``PRAGMA user_version``
  its schema; ``MIGRATIONS`` take a store from any older version to the current one, each in
  its own transaction.
* **Refuses, never repairs.** A file that is not SQLite, fails ``PRAGMA quick_check``, belongs
  to another application or has a newer schema is refused with one line (``StoreError``)
  before anything is written to it.
* **Private.** A new store file is created with owner-only permissions (0600); SQLite gives
  its ``-wal`` and ``-shm`` files the same.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from ..errors import InvalidPatientState, SpinerulesError
from .model import CheckIn, Episode, check_person

#: "SPIN" in ASCII: marks a SQLite file as a spinerules store.
APPLICATION_ID = 0x5350494E
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 60_000
_HEADER = b"SQLite format 3\x00"

#: Migration n takes a store from schema n-1 to n (index 0: an empty file to schema 1).
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE checkins (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            person TEXT NOT NULL,
            date TEXT NOT NULL,
            body TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            supersedes INTEGER REFERENCES checkins(seq)
        )""",
        "CREATE INDEX checkins_person ON checkins (person, date, seq)",
        "CREATE UNIQUE INDEX checkins_supersedes ON checkins (supersedes)"
        " WHERE supersedes IS NOT NULL",
        """CREATE TRIGGER checkins_no_update BEFORE UPDATE ON checkins
           BEGIN SELECT RAISE(ABORT, 'check-ins are append-only'); END""",
        """CREATE TRIGGER checkins_no_delete BEFORE DELETE ON checkins
           BEGIN SELECT RAISE(ABORT, 'check-ins are append-only'); END""",
    ),
)


class StoreError(SpinerulesError):
    """The store file cannot be used (corrupt, another application's, a newer schema)."""


@attrs.frozen
class Stored:
    """What ``append`` acknowledges: the row's sequence number, and the row it replaced."""

    seq: int
    person: str
    date: dt.date
    supersedes: int | None


def _canonical(checkin: CheckIn) -> str:
    return json.dumps(checkin.to_dict(), sort_keys=True, separators=(",", ":"))


class Store:
    """One store file; safe to share between threads (a connection per thread)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._open_checked()

    # Opening ---------------------------------------------------------------------------------

    def _refuse(self, why: str) -> StoreError:
        return StoreError(f"{self.path}: {why}; refusing to use it (the file is left as it is)")

    def _open_checked(self) -> None:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        except FileExistsError:
            pass
        except OSError as error:
            raise self._refuse(f"cannot create the store ({error.strerror})") from error
        try:
            with open(self.path, "rb") as handle:
                head = handle.read(len(_HEADER))
        except OSError as error:
            raise self._refuse(f"cannot read the store ({error.strerror})") from error
        if head and head != _HEADER:
            raise self._refuse("not a SQLite database")
        connection = self._connection()
        try:
            check = connection.execute("PRAGMA quick_check").fetchone()[0]
            app = connection.execute("PRAGMA application_id").fetchone()[0]
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.DatabaseError as error:
            self.close()
            raise self._refuse(f"the database is corrupt ({error})") from error
        if check != "ok":
            self.close()
            raise self._refuse(f"the database is corrupt (quick_check: {check[:80]})")
        if app != APPLICATION_ID and (app != 0 or tables):
            self.close()
            raise self._refuse("not a spinerules store (another application's database)")
        if version > SCHEMA_VERSION:
            self.close()
            raise self._refuse(
                f"written by a newer spinerules (schema {version}; this one reads up to "
                f"{SCHEMA_VERSION})"
            )
        connection.execute("PRAGMA journal_mode=WAL")
        self._migrate(connection)

    def _connection(self) -> sqlite3.Connection:
        found: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if found is None:
            found = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            found.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            found.execute("PRAGMA synchronous=FULL")
            found.execute("PRAGMA foreign_keys=ON")
            self._local.connection = found
        return found

    def _migrate(self, connection: sqlite3.Connection) -> None:
        with self._write(connection):
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number]:
                    connection.execute(statement)
            if version < SCHEMA_VERSION:
                connection.execute(f"PRAGMA application_id={APPLICATION_ID}")
                connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextlib.contextmanager
    def _write(self, connection: sqlite3.Connection) -> Iterator[None]:
        """One IMMEDIATE transaction: committed whole, or rolled back whole."""
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def close(self) -> None:
        found = getattr(self._local, "connection", None)
        if found is not None:
            found.close()
            self._local.connection = None

    # Writing ---------------------------------------------------------------------------------

    def append(self, person: str, checkin: CheckIn, *, today: dt.date | None = None) -> Stored:
        """Store a check-in (after the previous one, not in the future); returns once it is on
        disk. A check-in on the person's last date supersedes that one."""
        check_person(person)
        limit = today or dt.date.today()
        if checkin.date > limit:
            raise InvalidPatientState(
                f"date: {checkin.date.isoformat()} is in the future; expected "
                f"{limit.isoformat()} or earlier",
                fields=("date",),
            )
        body = _canonical(checkin)
        connection = self._connection()
        with self._write(connection):
            row = connection.execute(
                "SELECT seq, date FROM checkins WHERE person = ? AND seq NOT IN "
                "(SELECT supersedes FROM checkins WHERE supersedes IS NOT NULL) "
                "ORDER BY date DESC, seq DESC LIMIT 1",
                (person,),
            ).fetchone()
            replaces = None
            if row is not None:
                last = dt.date.fromisoformat(row[1])
                if checkin.date < last:
                    raise InvalidPatientState(
                        f"date: {checkin.date.isoformat()} is before the previous check-in "
                        f"({last.isoformat()}); expected {last.isoformat()} (a replacement) "
                        "or later",
                        fields=("date",),
                    )
                if checkin.date == last:
                    replaces = int(row[0])
            recorded = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
            cursor = connection.execute(
                "INSERT INTO checkins (person, date, body, recorded_at, supersedes) "
                "VALUES (?, ?, ?, ?, ?)",
                (person, checkin.date.isoformat(), body, recorded, replaces),
            )
            seq = int(cursor.lastrowid or 0)
        return Stored(seq, person, checkin.date, replaces)

    # Reading ---------------------------------------------------------------------------------

    def episode(self, person: str) -> Episode:
        """The person's current check-ins (superseded rows left out), in date order."""
        check_person(person)
        rows = (
            self._connection()
            .execute(
                "SELECT body FROM checkins WHERE person = ? AND seq NOT IN "
                "(SELECT supersedes FROM checkins WHERE supersedes IS NOT NULL) ORDER BY date, seq",
                (person,),
            )
            .fetchall()
        )
        if not rows:
            raise InvalidPatientState(
                f"person: {person!r} has no check-ins in this store; expected a person who has "
                "checked in (see: spinerules export)",
                fields=("person",),
            )
        return Episode(person, tuple(CheckIn.from_dict(json.loads(body)) for (body,) in rows))

    def persons(self) -> tuple[str, ...]:
        rows = self._connection().execute("SELECT DISTINCT person FROM checkins ORDER BY person")
        return tuple(p for (p,) in rows)

    def rows(self) -> list[dict[str, Any]]:
        """Every row ever written, superseded ones included, in write order."""
        found = self._connection().execute(
            "SELECT seq, person, date, recorded_at, supersedes, body, seq NOT IN "
            "(SELECT supersedes FROM checkins WHERE supersedes IS NOT NULL) "
            "FROM checkins ORDER BY seq"
        )
        return [
            {
                "seq": seq,
                "person": person,
                "date": date,
                "recorded_at": recorded,
                "supersedes": supersedes,
                "current": bool(current),
                "checkin": json.loads(body),
            }
            for seq, person, date, recorded, supersedes, body, current in found
        ]

    def integrity(self) -> str:
        return str(self._connection().execute("PRAGMA integrity_check").fetchone()[0])


def export(store: Store, fmt: str = "csv") -> str:
    """Every check-in row as CSV (the check-in as a JSON column) or JSON."""
    rows = store.rows()
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if fmt != "csv":
        raise InvalidPatientState(
            f"format: {fmt!r} is not an export format; expected csv or json", fields=("format",)
        )
    out = io.StringIO()
    columns = ("seq", "person", "date", "recorded_at", "supersedes", "current", "checkin")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells: Mapping[str, Any] = {
            **row,
            "checkin": json.dumps(row["checkin"], sort_keys=True),
            "supersedes": "" if row["supersedes"] is None else row["supersedes"],
        }
        writer.writerow([cells[c] for c in columns])
    return out.getvalue()
