"""The condition language, extended for sequences of check-ins (clinical.md section 12).

A course rule reads *course facts*: measures of one check-in (``pain``, ``adherence``,
``rise_from_baseline`` ...) seen from the check-in being evaluated. A key is
``c<k>.<measure>`` for the check-in ``k`` places back (``c0`` this one, ``c1`` the previous)
or ``base.<measure>`` for the baseline; ``record.<measure>`` is read when the record is read
(``days_since_last``). A check-in that does not exist (no previous one at the baseline) gives
``None`` for every measure, so principle 7 holds unchanged: a rule about "the previous
check-in" never fires on a baseline, and an unanswered pain score never counts as "no pain".

:func:`in_a_row` ("on 2 check-ins in a row") is an ``AllOf`` of its member shifted back by
0..n-1 check-ins: no new node class, so every backend that translates ``AllOf`` (the python
engine, durable-rules through ``durable_compile``) translates it unchanged.
"""

from __future__ import annotations

import re

import attrs

from ..conditions import (
    AllOf,
    AnyOf,
    AtLeast,
    Compare,
    Condition,
    Is,
    IsNot,
    Known,
    Unknown,
)

_KEY = re.compile(r"c(\d+)\.(.+)")


def this(measure: str) -> str:
    """The key of a measure of the check-in being evaluated."""
    return f"c0.{measure}"


def previous(measure: str, back: int = 1) -> str:
    """The key of a measure of the check-in ``back`` places before this one."""
    return f"c{back}.{measure}"


def baseline(measure: str) -> str:
    """The key of a measure of the episode's first check-in."""
    return f"base.{measure}"


def record(measure: str) -> str:
    """The key of a measure of the whole record, computed when it is read."""
    return f"record.{measure}"


def _shift_key(key: str, by: int) -> str:
    found = _KEY.fullmatch(key)
    return f"c{int(found.group(1)) + by}.{found.group(2)}" if found else key


def shifted(condition: Condition, by: int) -> Condition:
    """The same condition read ``by`` check-ins further back (baseline keys stay)."""
    if by == 0:
        return condition
    if isinstance(condition, Is | IsNot | Compare | Known | Unknown):
        return attrs.evolve(condition, key=_shift_key(condition.key, by))
    if isinstance(condition, AtLeast):
        return AtLeast(
            condition.count,
            tuple(shifted(m, by) for m in condition.members),
            condition.parameter,
        )
    if isinstance(condition, AllOf | AnyOf):
        return type(condition)(tuple(shifted(m, by) for m in condition.members))
    raise TypeError(f"cannot shift a {type(condition).__name__} condition")


def in_a_row(count: int, member: Condition) -> AllOf:
    """``member`` holds on this check-in and on the ``count - 1`` before it: an ``AllOf`` of
    ``member`` shifted back 0..count-1 check-ins (a plain node, so every backend that
    translates ``AllOf`` translates it, and the trace lists each check-in's test)."""
    if count < 1:
        raise ValueError(f"in a row needs 1 or more check-ins, not {count}")
    return AllOf(tuple(shifted(member, k) for k in range(count)))


def depth(condition: Condition) -> int:
    """How many check-ins back the condition reads (0: this one only)."""
    back = [int(m.group(1)) for k in condition.keys() if (m := _KEY.fullmatch(k))]
    return max(back, default=0)


def scope_of(condition: Condition) -> str:
    """``checkin`` or ``record``: a condition reads one kind of fact, never both."""
    kinds = {"record" if k.startswith("record.") else "checkin" for k in condition.keys()}
    if len(kinds) != 1:
        raise ValueError("a course condition reads either check-in facts or record facts")
    return kinds.pop()


def describe_key(key: str) -> str:
    """``c1.pain`` as words, for the trace."""
    found = _KEY.fullmatch(key)
    if found:
        back = int(found.group(1))
        where = (
            "this check-in"
            if back == 0
            else "the previous check-in"
            if back == 1
            else f"{back} check-ins back"
        )
        return f"{found.group(2)} at {where}"
    head, _, measure = key.partition(".")
    return f"{measure} at the baseline" if head == "base" else f"{measure} (record)"
