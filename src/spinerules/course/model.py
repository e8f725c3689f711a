"""The values of a course: a check-in (a dated patient state plus the week's exercise) and an
episode (one person's check-ins in date order, from the baseline).

A check-in's JSON is the flat patient state of clinical.md section 2 with three more keys:
``date`` (ISO ``YYYY-MM-DD``), ``exercise_sessions_done`` (int 0..50, the last 7 days) and
``peg`` (``{"pain", "enjoyment", "activity"}``, each int 0..10; Krebs 2009). It is validated
like a PatientState: every problem is an ``InvalidPatientState`` naming the field, the value
and what is allowed, so nothing past this boundary needs to doubt its input.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import attrs

from ..errors import InvalidPatientState
from ..jsonio import quote
from ..patient import PatientState

#: The keys a check-in adds to the flat patient state.
CHECKIN_KEYS = ("date", "exercise_sessions_done", "peg")
PEG_ITEMS = ("pain", "enjoyment", "activity")
MAX_SESSIONS = 50
#: A pseudonymous person id: short, no spaces, nothing that identifies by itself.
PERSON_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
_PERSON = re.compile(PERSON_PATTERN)


def _int_in(field: str, value: object, low: int, high: int) -> int:
    """A whole number in ``low..high`` (a boolean or a float is not one: clinical.md C13)."""
    if type(value) is not int or not low <= value <= high:
        raise InvalidPatientState(
            f"{field}: {quote(value, 40)} is not allowed; expected a whole number {low}..{high}",
            fields=(field,),
        )
    return value


def check_person(person: object) -> str:
    """The person id, or InvalidPatientState naming ``person``."""
    if not isinstance(person, str) or not _PERSON.fullmatch(person):
        raise InvalidPatientState(
            f"person: {quote(person, 40)} is not allowed; expected a pseudonymous id "
            f"({PERSON_PATTERN}: letters, digits, '_', '.', '-'; at most 64)",
            fields=("person",),
        )
    return person


def parse_date(value: object, field: str = "date") -> dt.date:
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidPatientState(
        f"{field}: {quote(value, 40)} is not allowed; expected an ISO date YYYY-MM-DD",
        fields=(field,),
    )


@attrs.frozen
class Peg:
    """The PEG scale (Krebs 2009, public domain): pain, enjoyment of life and general activity
    over the past week, each 0..10; the score is the mean of the three."""

    pain: int
    enjoyment: int
    activity: int

    def __attrs_post_init__(self) -> None:
        for item in PEG_ITEMS:
            _int_in(f"peg.{item}", getattr(self, item), 0, 10)

    @property
    def score(self) -> float:
        return round((self.pain + self.enjoyment + self.activity) / 3, 2)

    @classmethod
    def from_dict(cls, data: object) -> Peg:
        if not isinstance(data, Mapping):
            raise InvalidPatientState(
                f"peg: {quote(data, 40)} is not allowed; expected an object with "
                "pain, enjoyment and activity (each 0..10)",
                fields=("peg",),
            )
        extra = sorted(str(k) for k in data if k not in PEG_ITEMS)
        if extra:
            raise InvalidPatientState(
                f"peg.{extra[0]}: is not a PEG item; expected pain, enjoyment, activity",
                fields=(f"peg.{extra[0]}",),
            )
        missing = [k for k in PEG_ITEMS if k not in data]
        if missing:
            raise InvalidPatientState(
                f"peg.{missing[0]}: missing; the PEG needs pain, enjoyment and activity (0..10)",
                fields=(f"peg.{missing[0]}",),
            )
        return cls(**{k: data[k] for k in PEG_ITEMS})

    def to_dict(self) -> dict[str, int]:
        return {"pain": self.pain, "enjoyment": self.enjoyment, "activity": self.activity}


@attrs.frozen
class CheckIn:
    """One week's answers: the full patient state, answered again, on a date.

    ``exercise_sessions_done`` None means "not answered" (principle 7: it is not zero).
    """

    date: dt.date
    state: PatientState
    exercise_sessions_done: int | None = None
    peg: Peg | None = None

    def __attrs_post_init__(self) -> None:
        if type(self.date) is not dt.date:
            raise InvalidPatientState(
                f"date: {quote(self.date, 40)} is not a date", fields=("date",)
            )
        if self.exercise_sessions_done is not None:
            _int_in("exercise_sessions_done", self.exercise_sessions_done, 0, MAX_SESSIONS)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, today: dt.date | None = None) -> CheckIn:
        """Build from the flat JSON form; ``today`` (when given) refuses a date in the future."""
        if not isinstance(data, Mapping):
            raise InvalidPatientState("check-in: expected a JSON object", fields=("check-in",))
        if "date" not in data:
            raise InvalidPatientState(
                "date: missing; a check-in needs its ISO date YYYY-MM-DD", fields=("date",)
            )
        date = parse_date(data["date"])
        if today is not None and date > today:
            raise InvalidPatientState(
                f"date: {date.isoformat()} is in the future; expected {today.isoformat()} or "
                "earlier",
                fields=("date",),
            )
        sessions = data.get("exercise_sessions_done")
        if sessions is not None:
            _int_in("exercise_sessions_done", sessions, 0, MAX_SESSIONS)
        raw_peg = data.get("peg")
        peg = None if raw_peg is None else Peg.from_dict(raw_peg)
        state = PatientState.from_dict({k: v for k, v in data.items() if k not in CHECKIN_KEYS})
        return cls(date, state, sessions, peg)

    def to_dict(self) -> dict[str, Any]:
        """The flat JSON form (round-trips through ``from_dict``)."""
        out: dict[str, Any] = {"date": self.date.isoformat()}
        if self.exercise_sessions_done is not None:
            out["exercise_sessions_done"] = self.exercise_sessions_done
        if self.peg is not None:
            out["peg"] = self.peg.to_dict()
        out.update(self.state.to_dict())
        return out


def _ordered(items: Any) -> tuple[CheckIn, ...]:
    return tuple(items)


@attrs.frozen
class Episode:
    """One person's check-ins from the baseline (the first), strictly in date order: check-ins
    are at least a day apart (a second one on a date replaces the first, in the store)."""

    person: str = attrs.field(validator=lambda _, __, v: check_person(v))
    checkins: tuple[CheckIn, ...] = attrs.field(converter=_ordered)

    def __attrs_post_init__(self) -> None:
        for before, after in zip(self.checkins, self.checkins[1:], strict=False):
            if after.date <= before.date:
                raise InvalidPatientState(
                    f"date: {after.date.isoformat()} is not after the previous check-in "
                    f"({before.date.isoformat()})",
                    fields=("date",),
                )

    @property
    def baseline(self) -> CheckIn | None:
        return self.checkins[0] if self.checkins else None
