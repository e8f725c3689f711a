"""The durable-rules course engine: one session per person, whose facts are their check-ins.

For each evaluation the person's session is rebuilt from storage: a fresh session id, one fact
asserted per check-in in date order (each carrying the course facts its rules read), then one
record fact, then the session is deleted, whatever happens. So the 1,024-session cap, lost
background timers and a crash between evaluations never matter: durable holds no state that
the store does not.

The constraints of ``shared/spec/engine-notes.md`` hold as in ``spinerules.engine.durable``,
whose machinery this reuses rather than repeats:

* the C extension is called directly, under that module's one process-wide lock (held for the
  whole session), with no host and no timer threads;
* the rules are compiled by ``durable_compile`` (``plan``/``definition``: nested ``$and``/
  ``$or`` within the node and stack limits, a catch-all rule so no fact goes unhandled, a
  ``STRATUM`` guard keeping check-in facts (stratum 0) and the record fact (stratum 1) to their
  own rules);
* every fact carries every property its stratum's rules read, an unknown as ``UNKNOWN`` (a
  missing property crashes the C extension), and its own ``id`` (the check-in's position), so
  no two facts of one session collide;
* no Python action runs inside durable: after each assert the queued actions are drained and
  only the rule name at the head of each is read.

A course ruleset is named after the course rule base's content hash (durable cannot replace a
ruleset) and kept for the life of the process.
"""

from __future__ import annotations

import importlib
import itertools
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import attrs

from ..engine.durable import LIBRARY_LOCK
from ..engine.durable_compile import SEEN, SEEN_RULE, SLOT, STRATUM, UNKNOWN, definition, plan, prop
from ..errors import EngineError
from .rules import CourseRuleBase

SCOPES = ("checkin", "record")


@attrs.frozen
class _Pack:
    handle: int
    keys: Mapping[int, tuple[str, ...]]  # per stratum, the fact keys its rules read


@attrs.frozen
class _Program:
    packs: tuple[_Pack, ...]
    rule_keys: Mapping[str, str]  # durable rule name -> course rule id


class DurableSession:
    def __init__(self, c: Any, program: _Program, sid: str) -> None:
        self._c, self._program, self._sid = c, program, sid
        self._facts = itertools.count()
        self.opened: dict[int, None] = {}

    def fire(self, scope: str, facts: Mapping[str, Any]) -> frozenset[str]:
        level = SCOPES.index(scope)
        number = str(next(self._facts))
        names: list[str] = []
        errors: list[str] = []
        for pack in self._program.packs:
            keys = pack.keys.get(level)
            if keys is None:
                continue
            body = {prop(k): UNKNOWN if facts.get(k) is None else facts[k] for k in keys}
            body.update({"id": number, SEEN: 1, STRATUM: level, SLOT: 0, "sid": self._sid})
            self.opened[pack.handle] = None
            code, state = self._c.assert_fact(pack.handle, json.dumps(body))
            if code != 0:
                errors.append(f"durable-rules refused a course fact (code {code})")
            started = self._c.start_action_for_state(pack.handle, state)
            message = None if started is None else started[1]
            while message is not None:
                names.append(message[2 : message.index('"', 2)])
                message = self._c.complete_and_start_action(pack.handle, state)
        if errors:
            raise EngineError(errors[0])
        fired = set()
        for name in names:
            if name == SEEN_RULE:
                continue
            rule = self._program.rule_keys.get(name)
            if rule is None:
                raise EngineError(f"durable-rules fired an unknown course rule {name!r}")
            fired.add(rule)
        return frozenset(fired)


class DurableCourseEngine:
    name = "durable"

    def __init__(self) -> None:
        self._c: Any = importlib.import_module("durable_rules_engine")
        self._programs: dict[str, _Program] = {}
        self._sessions = itertools.count(1)

    def _program(self, rule_base: CourseRuleBase) -> _Program:
        found = self._programs.get(rule_base.hash)
        if found is not None:
            return found
        strata = [[(r.id, r.condition) for r in rule_base.scoped(scope)] for scope in SCOPES]
        layout = plan(strata)
        packs = []
        for pack in layout.packs:
            name = f"spinerules_course_{rule_base.hash}_{pack.number}"
            try:
                handle = self._c.create_ruleset(name, json.dumps(definition(pack)))
            except Exception as error:
                raise EngineError(f"durable-rules rejected the course rules: {error}") from error
            packs.append(_Pack(handle, {lvl: tuple(k) for lvl, k in pack.keys.items()}))
        found = self._programs[rule_base.hash] = _Program(tuple(packs), dict(layout.rule_keys))
        return found

    @contextmanager
    def session(self, rule_base: CourseRuleBase, person: str) -> Iterator[DurableSession]:
        with LIBRARY_LOCK:
            program = self._program(rule_base)
            sid = f"course{next(self._sessions)}"
            session = DurableSession(self._c, program, sid)
            failed: Exception | None = None
            try:
                yield session
            finally:
                for handle in session.opened:  # every session opened is deleted
                    try:
                        self._c.delete_state(handle, sid)
                    except Exception as error:
                        failed = failed or error
            if failed is not None:  # only when the evaluation itself succeeded
                raise EngineError(f"durable-rules could not close a session: {failed}")
