"""Accepted and overridden cards (CDS Hooks 2.0, "Feedback"), kept in an embedded SQLite file.

Each feedback item is checked against the spec's shape (``card``, ``outcome`` accepted or
overridden, ``acceptedSuggestions`` required for accepted, optional ``overrideReason`` with a
Coding ``reason`` and a ``userComment``, ``outcomeTimestamp``) and stored with the service id
and the kind of card it was about when this process issued it (a red flag id, the imaging
card, ...). No patient data is stored: a card uuid, codes and the clinician's comment.
``:memory:`` (the default without ``--db``) keeps it for the life of the process.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Mapping
from typing import Any

from .limits import HTTPProblem

_SCHEMA = """
create table if not exists feedback (
    id integer primary key autoincrement,
    service text not null,
    card text not null,
    card_kind text,
    outcome text not null check (outcome in ('accepted', 'overridden')),
    accepted_suggestions text not null,
    reason_system text,
    reason_code text,
    reason_display text,
    user_comment text,
    outcome_timestamp text not null,
    received_at text not null
)
"""
MAX_ITEMS = 100
MAX_COMMENT = 2000


def _string(value: object, where: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise HTTPProblem(
            400, f"{where}: expected a non-empty string of at most {limit} characters"
        )
    return value


def _timestamp(value: object, where: str) -> str:
    text = _string(value, where, 64)
    try:
        dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPProblem(400, f"{where}: expected an ISO 8601 timestamp") from None
    return text


def parse(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The feedback items of a request body, or ``HTTPProblem(400)`` naming the element."""
    items = body.get("feedback")
    if not isinstance(items, list) or not items or len(items) > MAX_ITEMS:
        raise HTTPProblem(400, f"feedback: expected a list of 1 to {MAX_ITEMS} items")
    out = []
    for n, item in enumerate(items):
        where = f"feedback[{n}]"
        if not isinstance(item, Mapping):
            raise HTTPProblem(400, f"{where}: expected an object")
        outcome = item.get("outcome")
        if outcome not in ("accepted", "overridden"):
            raise HTTPProblem(400, f"{where}.outcome: expected 'accepted' or 'overridden'")
        accepted = item.get("acceptedSuggestions", [])
        if outcome == "accepted" and not accepted:
            raise HTTPProblem(400, f"{where}.acceptedSuggestions: required for an accepted outcome")
        if not isinstance(accepted, list):
            raise HTTPProblem(400, f"{where}.acceptedSuggestions: expected a list")
        ids = [
            _string(
                s.get("id") if isinstance(s, Mapping) else None,
                f"{where}.acceptedSuggestions[{i}].id",
            )
            for i, s in enumerate(accepted)
        ]
        reason = item.get("overrideReason")
        coding: Mapping[str, Any] = {}
        comment = None
        if reason is not None:
            if not isinstance(reason, Mapping):
                raise HTTPProblem(400, f"{where}.overrideReason: expected an object")
            if "reason" in reason:
                coding = reason["reason"] if isinstance(reason["reason"], Mapping) else {}
                _string(coding.get("code"), f"{where}.overrideReason.reason.code")
                _string(coding.get("system"), f"{where}.overrideReason.reason.system", 500)
            if "userComment" in reason:
                comment = _string(
                    reason["userComment"], f"{where}.overrideReason.userComment", MAX_COMMENT
                )
        out.append(
            {
                "card": _string(item.get("card"), f"{where}.card"),
                "outcome": outcome,
                "acceptedSuggestions": ids,
                "reason_system": coding.get("system"),
                "reason_code": coding.get("code"),
                "reason_display": coding.get("display")
                if isinstance(coding.get("display"), str)
                else None,
                "userComment": comment,
                "outcomeTimestamp": _timestamp(
                    item.get("outcomeTimestamp"), f"{where}.outcomeTimestamp"
                ),
            }
        )
    return out


class FeedbackStore:
    """One SQLite connection behind a lock (calls run in worker threads)."""

    def __init__(self, path: str | None) -> None:
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock:
            if path:
                self._db.execute("pragma journal_mode=wal")
            self._db.execute(_SCHEMA)
            self._db.commit()

    def record(self, service: str, items: list[dict[str, Any]], kinds: Mapping[str, str]) -> int:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        rows = [
            (
                service,
                i["card"],
                kinds.get(i["card"]),
                i["outcome"],
                json.dumps(i["acceptedSuggestions"]),
                i["reason_system"],
                i["reason_code"],
                i["reason_display"],
                i["userComment"],
                i["outcomeTimestamp"],
                now,
            )
            for i in items
        ]
        with self._lock:
            self._db.executemany(
                "insert into feedback (service, card, card_kind, outcome, accepted_suggestions,"
                " reason_system, reason_code, reason_display, user_comment, outcome_timestamp,"
                " received_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._db.commit()
        return len(rows)

    def list(self, service: str, limit: int = 1000) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self._db.execute(
                "select card, card_kind, outcome, accepted_suggestions, reason_system, reason_code,"
                " reason_display, user_comment, outcome_timestamp, received_at from feedback"
                " where service = ? order by id limit ?",
                (service, limit),
            )
            rows = cursor.fetchall()
        out = []
        for row in rows:
            item: dict[str, Any] = {
                "card": row[0],
                "cardKind": row[1],
                "outcome": row[2],
                "acceptedSuggestions": [{"id": s} for s in json.loads(row[3])],
                "outcomeTimestamp": row[8],
                "receivedAt": row[9],
            }
            if row[4] or row[7]:
                reason: dict[str, Any] = {}
                if row[4]:
                    reason["reason"] = {
                        k: v
                        for k, v in (("system", row[4]), ("code", row[5]), ("display", row[6]))
                        if v
                    }
                if row[7]:
                    reason["userComment"] = row[7]
                item["overrideReason"] = reason
            out.append(item)
        return out

    def close(self) -> None:
        with self._lock:
            self._db.close()
