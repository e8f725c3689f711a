"""The safety policy of clinical.md section 1, written once for one person and for a table.

Which red flags are listed and at what tier, the urgency, which plan may be offered, and which
activities are recommended in what order: each decision is a small pure function here, over an
evaluation (which checks held) and the person's own answers. None of them looks at what its
values are; an ``Algebra`` supplies and, or, not, choice and comparison. For one person the
values are Python bools and ints (``ROW``, or ``SourceAlgebra``, which writes the same
decisions once per rule base as straight-line Python); for a table they are polars expressions
over whole columns (``spinerules.columnar``). So ``assess()`` and the columnar screen decide by
the same lines, not by two copies kept equal by tests, and the plan limits are data
(``PLAN_LIMITS``), read by the trace as well as by the decisions.

Nothing here is open to plugins.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

import attrs

from .levels import Grade, Urgency
from .rules import Activity, RedFlag, RuleBase

V = TypeVar("V")
V_co = TypeVar("V_co", covariant=True)

#: Principle 3: the questions without which the screen is incomplete, most serious first.
CORE_SAFETY_QUESTIONS = (
    "saddle_anaesthesia",
    "urinary_retention",
    "urinary_incontinence",
    "faecal_incontinence",
    "leg_pain",
    "leg_numbness_or_tingling",
    "leg_weakness",
    "history_of_cancer",
    "fever",
    "major_trauma",
)


@attrs.frozen
class PlanLimit:
    """One limit on the plan: the principle, the activities it still allows, and why."""

    principle: str
    allowed: tuple[str, ...]
    reason: str


#: Principles 1, 3 and 2, in the order they are tried; the first that applies limits the plan.
PLAN_LIMITS = (
    PlanLimit("principle_1", (), "no plan at {urgency}: the action comes first"),
    PlanLimit(
        "principle_3",
        ("stay_active",),
        "screen incomplete: only stay_active until these are answered: {missing}",
    ),
    PlanLimit(
        "principle_2",
        ("stay_active", "walking"),
        "plan limited to stay_active and walking while these are listed: {limiting}",
    ),
)
NO_LIMIT = -1  # the plan step when no limit applies: any eligible activity
LIMITED = 2  # PLAN_LIMITS index of principle 2 (doses are then "gently")


class FlagStatus(enum.IntEnum):
    """What became of a red flag: listed, a watch item (and why), or not fired."""

    NOT_FIRED = 0
    LISTED = 1
    CLEARED = 2  # a clinician cleared it at ``soon`` (section 3): a watch item
    REVIEWED = 3  # reviewable, and a clinician reviewed this episode: a watch item


class Algebra(Protocol[V]):
    """The operations the decisions need, over one backend's values."""

    def const(self, value: bool | int | str | None) -> V: ...
    def all(self, values: Sequence[V]) -> V: ...
    def any(self, values: Sequence[V]) -> V: ...
    def not_(self, value: V) -> V: ...
    def equal(self, value: V, other: V) -> V: ...
    def at_least(self, value: V, other: V) -> V: ...
    def choose(self, cases: Sequence[tuple[V, V]], otherwise: V) -> V:
        """The value of the first case whose test holds, else ``otherwise``."""
        ...

    def largest(self, values: Sequence[V]) -> V: ...
    def plus(self, values: Sequence[V]) -> V: ...
    def scale(self, value: V, factor: int) -> V: ...
    def known(self, value: V) -> V: ...
    def count(self, values: Sequence[V]) -> V:
        """How many of ``values`` hold."""
        ...

    def bind(self, name: str, value: V) -> V:
        """A value used more than once: computed once (a local, a column)."""
        ...


class Person(Protocol[V_co]):
    """The person's answers the policy reads, in one backend's values."""

    @property
    def reviewed(self) -> V_co: ...
    def answered(self, field: str) -> V_co: ...
    def cleared(self, flag_id: str) -> V_co: ...
    def avoided(self, activity_id: str) -> V_co: ...
    def preference(self, activity_id: str) -> V_co:
        """The activity's place among the person's preferences (0 first), or unknown."""
        ...


@attrs.frozen
class Decisions(Generic[V]):
    """Every decision of the policy, in one backend's values."""

    tier: Mapping[str, V]  # red flag id -> rank of its highest tier that held (0: none)
    status: Mapping[str, V]  # red flag id -> FlagStatus
    listed: Mapping[str, V]  # red flag id -> listed (status LISTED)
    flag_order: Mapping[str, V]  # red flag id -> sort key, most urgent first (None: not listed)
    urgency: V  # Urgency rank
    complete: V  # every core safety question answered
    plan: V  # index into PLAN_LIMITS, or NO_LIMIT
    recommended: Mapping[str, V]  # activity id -> recommended
    order: Mapping[str, V]  # activity id -> sort key (None: not recommended)


def flag_tier(alg: Algebra[V], flag: RedFlag, held: Callable[[str], V]) -> V:
    """The rank of the highest tier of ``flag`` whose check held; 0 when the flag did not fire."""
    ranks = [
        alg.choose([(held(key), alg.const(t.rank))], alg.const(0)) for t, _, _, key in flag.tiers()
    ]
    return alg.choose([(held(flag.id), alg.largest(ranks))], alg.const(0))


def flag_status(
    alg: Algebra[V], flag: RedFlag, tier: V, held: Callable[[str], V], person: Person[V]
) -> V:
    """Section 3: clearance turns a ``soon`` flag into a watch item; so does a review, for a
    reviewable one. Neither applies above ``soon``: a flag that escalated stays listed."""
    at_soon = alg.equal(tier, alg.const(Urgency.SOON.rank))
    cases = [
        (alg.not_(held(flag.id)), alg.const(FlagStatus.NOT_FIRED)),
        (alg.all([person.cleared(flag.id), at_soon]), alg.const(FlagStatus.CLEARED)),
    ]
    if flag.reviewable:
        cases.append((alg.all([person.reviewed, at_soon]), alg.const(FlagStatus.REVIEWED)))
    return alg.choose(cases, alg.const(FlagStatus.LISTED))


def urgency(alg: Algebra[V], flags: Sequence[tuple[V, V]]) -> V:
    """Principle 1: the highest tier of any listed flag, ``self_care`` (0) when none is."""
    ranks = [alg.choose([(listed, tier)], alg.const(0)) for listed, tier in flags]
    return alg.largest([alg.const(Urgency.SELF_CARE.rank), *ranks])


def screen_complete(alg: Algebra[V], person: Person[V]) -> V:
    """Principle 3 (R3-8: a clinician review does not waive it)."""
    return alg.all([person.answered(q) for q in CORE_SAFETY_QUESTIONS])


def plan_step(alg: Algebra[V], urgency_rank: V, complete: V, limited: V) -> V:
    """Which of ``PLAN_LIMITS`` applies (the first), or ``NO_LIMIT``."""
    tests = (
        alg.at_least(urgency_rank, alg.const(Urgency.URGENT.rank)),
        alg.not_(complete),
        limited,
    )
    return alg.choose([(test, alg.const(n)) for n, test in enumerate(tests)], alg.const(NO_LIMIT))


def allowed_by(alg: Algebra[V], activity_id: str, step: V) -> V:
    """Whether the plan step lets ``activity_id`` be offered (C4: preferences never override)."""
    cases = [
        (alg.equal(step, alg.const(n)), alg.const(activity_id in limit.allowed))
        for n, limit in enumerate(PLAN_LIMITS)
    ]
    return alg.choose(cases, alg.const(True))


def recommended(
    alg: Algebra[V], activity: Activity, held: Callable[[str], V], allowed: V, person: Person[V]
) -> V:
    """Eligible, allowed by the plan, no exclusion held, and (an exercise) not avoided."""
    parts = [held(activity.id), allowed]
    parts += [alg.not_(held(activity.exclusion_key(x))) for x in activity.exclusions]
    if activity.kind == "exercise":
        parts.append(alg.not_(person.avoided(activity.id)))
    return alg.all(parts)


@functools.lru_cache(maxsize=4096)
def best_grade(rule_base: RuleBase, activity: Activity) -> Grade | None:
    """The best grade of an activity's links (C3): what the evidence says, never boosted."""
    grades = [g for g in (rule_base.link_grade(link) for link in activity.evidence) if g]
    return max(grades) if grades else None


def order_key(
    alg: Algebra[V],
    rule_base: RuleBase,
    activity: Activity,
    position: int,
    held: Callable[[str], V],
    person: Person[V],
) -> V:
    """C4 then C3: the person's preferences first, in their order; then by grade, best first,
    an activity "ranked up" one grade step (its reported grade stays what the evidence says);
    then in registration order. Smaller keys come first."""
    n = len(rule_base.activities)
    grade = best_grade(rule_base, activity)
    rank = alg.const(grade.rank if grade is not None else -1)
    if activity.rank_up is not None and grade is not None:
        rank = alg.choose([(held(activity.rank_up_key), alg.const(grade.raised().rank))], rank)
    # Grade ranks run from -1 (none) to Grade.HIGH.rank, so (HIGH + 1 - rank) is 1.. and every
    # grade key is past the n preference places.
    worse = alg.plus([alg.const(Grade.HIGH.rank + 1), alg.scale(rank, -1)])
    by_grade = alg.plus([alg.const(n + position), alg.scale(worse, n)])
    preference = person.preference(activity.id)
    return alg.choose([(alg.known(preference), preference)], by_grade)


def decide(
    alg: Algebra[V], rule_base: RuleBase, held: Callable[[str], V], person: Person[V]
) -> Decisions[V]:
    """Every decision, in the order of the principles: red flags first (1), then the plan."""
    flags = rule_base.red_flags
    tier = {f.id: alg.bind(f"tier__{f.id}", flag_tier(alg, f, held)) for f in flags}
    status = {
        f.id: alg.bind(f"status__{f.id}", flag_status(alg, f, tier[f.id], held, person))
        for f in flags
    }
    listed = {f.id: alg.equal(status[f.id], alg.const(FlagStatus.LISTED)) for f in flags}
    count = len(flags)
    # Most urgent first, then in registration order: (EMERGENCY - tier) * count + n.
    top = alg.const(Urgency.EMERGENCY.rank)
    flag_order = {
        f.id: alg.choose(
            [
                (
                    listed[f.id],
                    alg.plus(
                        [alg.const(n), alg.scale(alg.plus([top, alg.scale(tier[f.id], -1)]), count)]
                    ),
                )
            ],
            alg.const(None),
        )
        for n, f in enumerate(flags)
    }
    urgency_rank = alg.bind(
        "urgency_rank", urgency(alg, [(listed[f.id], tier[f.id]) for f in flags])
    )
    complete = alg.bind("screen_complete", screen_complete(alg, person))
    limited = alg.any([alg.const(False), *[listed[f.id] for f in flags if f.limits_plan]])
    step = alg.bind("plan_step", plan_step(alg, urgency_rank, complete, limited))
    chosen = {
        a.id: alg.bind(
            f"rec__{a.id}", recommended(alg, a, held, allowed_by(alg, a.id, step), person)
        )
        for a in rule_base.activities
    }
    # Keys only where they are read (a recommended activity, a listed flag): the generated
    # Python then skips them for the rest.
    order = {
        a.id: alg.choose(
            [(chosen[a.id], order_key(alg, rule_base, a, n, held, person))], alg.const(None)
        )
        for n, a in enumerate(rule_base.activities)
    }
    return Decisions(tier, status, listed, flag_order, urgency_rank, complete, step, chosen, order)


# --- one person: Python values ------------------------------------------------------------------


class RowAlgebra:
    """The decisions on Python values, evaluated as they are built (the reference)."""

    def const(self, value: Any) -> Any:
        return value

    def all(self, values: Sequence[Any]) -> Any:
        return all(values)

    def any(self, values: Sequence[Any]) -> Any:
        return any(values)

    def not_(self, value: Any) -> Any:
        return not value

    def equal(self, value: Any, other: Any) -> Any:
        return value == other

    def at_least(self, value: Any, other: Any) -> Any:
        return value is not None and other is not None and value >= other

    def choose(self, cases: Sequence[tuple[Any, Any]], otherwise: Any) -> Any:
        return next((then for test, then in cases if test), otherwise)

    def largest(self, values: Sequence[Any]) -> Any:
        return max(values)

    def plus(self, values: Sequence[Any]) -> Any:
        return sum(values)

    def scale(self, value: Any, factor: int) -> Any:
        return value * factor

    def known(self, value: Any) -> Any:
        return value is not None

    def count(self, values: Sequence[Any]) -> Any:
        return sum(1 for v in values if v)

    def bind(self, name: str, value: Any) -> Any:
        return value


ROW = RowAlgebra()


class SourceAlgebra:
    """The decisions written as straight-line Python, once per rule base (``compile_decisions``).

    Each bound value becomes a local assigned once; everything else is inlined. The generated
    function is the row path's policy: the same lines as ``ROW`` evaluates, without building
    them again for every person.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []

    def const(self, value: Any) -> str:
        if isinstance(value, enum.IntEnum):
            value = int(value)
        return repr(value)

    def all(self, values: Sequence[str]) -> str:
        return "(" + " and ".join(values) + ")" if values else "True"

    def any(self, values: Sequence[str]) -> str:
        return "(" + " or ".join(values) + ")" if values else "False"

    def not_(self, value: str) -> str:
        return f"(not {value})"

    def equal(self, value: str, other: str) -> str:
        return f"({value} == {other})"

    def at_least(self, value: str, other: str) -> str:
        return f"({value} >= {other})"

    def choose(self, cases: Sequence[tuple[str, str]], otherwise: str) -> str:
        text = otherwise
        for test, then in reversed(cases):
            text = f"({then} if {test} else {text})"
        return text

    def largest(self, values: Sequence[str]) -> str:
        return values[0] if len(values) == 1 else "max(" + ", ".join(values) + ")"

    def plus(self, values: Sequence[str]) -> str:
        return "(" + " + ".join(values) + ")"

    def scale(self, value: str, factor: int) -> str:
        return f"({value} * {factor})"

    def known(self, value: str) -> str:
        return f"({value} is not None)"

    def count(self, values: Sequence[str]) -> str:
        return "(" + " + ".join(f"int({v})" for v in values) + ")" if values else "0"

    def bind(self, name: str, value: str) -> str:
        local = f"v{len(self.lines)}"
        self.lines.append(f"    {local} = {value}")
        return local


class _SourcePerson:
    """The person as the generated function's arguments."""

    reviewed = "reviewed"

    def answered(self, field: str) -> str:
        return f"(facts[{field!r}] is not None)"

    def cleared(self, flag_id: str) -> str:
        return f"({flag_id!r} in cleared)"

    def avoided(self, activity_id: str) -> str:
        return f"({activity_id!r} in avoided)"

    def preference(self, activity_id: str) -> str:
        return f"preference.get({activity_id!r})"


#: decide(held, facts, reviewed, cleared, avoided, preference) -> Decisions, for one person.
RowDecider = Callable[
    [Mapping[str, Any], Mapping[str, Any], bool, Sequence[str], Sequence[str], Mapping[str, int]],
    Decisions[Any],
]


def compile_decisions(rule_base: RuleBase) -> RowDecider:
    """``decide`` for one person as one generated function (cached with the rule base)."""
    alg = SourceAlgebra()
    d = decide(alg, rule_base, lambda key: f"({key!r} in held)", _SourcePerson())
    parts = [d.tier, d.status, d.listed, d.flag_order, d.recommended, d.order]
    values = [v for part in parts for v in part.values()]
    body = "\n".join(alg.lines)
    returned = ", ".join([*values, d.urgency, d.complete, d.plan])
    source = (
        "def decide(held, facts, reviewed, cleared, avoided, preference):\n"
        f"{body}\n    return ({returned},)\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<spinerules decisions {rule_base.hash}>", "exec"), namespace)
    generated = namespace["decide"]
    flag_ids = [f.id for f in rule_base.red_flags]
    activity_ids = [a.id for a in rule_base.activities]
    flags = {key: n for n, key in enumerate(flag_ids)}
    activities = {key: n for n, key in enumerate(activity_ids)}
    nf, na = len(flag_ids), len(activity_ids)
    starts = [0, nf, 2 * nf, 3 * nf, 4 * nf, 4 * nf + na]
    end = 4 * nf + 2 * na

    def run(
        held: Mapping[str, Any],
        facts: Mapping[str, Any],
        reviewed: bool,
        cleared: Sequence[str],
        avoided: Sequence[str],
        preference: Mapping[str, int],
    ) -> Decisions[Any]:
        out = generated(held, facts, reviewed, cleared, avoided, preference)
        parts = [
            _Part(out, start, flags if n < 4 else activities) for n, start in enumerate(starts)
        ]
        urgency_rank, complete, step = out[end:]
        return Decisions(
            parts[0], parts[1], parts[2], parts[3], urgency_rank, complete, step, parts[4], parts[5]
        )

    return run


class _Part(Mapping[str, Any]):
    """One decision per id, read from the generated function's flat result (no dict per call:
    with 1,000 plugin activities, six dicts a call cost more than the decisions)."""

    __slots__ = ("_index", "_start", "_values")

    def __init__(self, values: tuple[Any, ...], start: int, index: Mapping[str, int]) -> None:
        self._values, self._start, self._index = values, start, index

    def __getitem__(self, key: str) -> Any:
        return self._values[self._start + self._index[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)
