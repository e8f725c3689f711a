"""The condition language: the vocabulary every rule's "when" is written in.

A condition is a small immutable tree. Every node can do three things, and the rest of the
library relies on all three agreeing:

* ``evaluate(facts)`` in plain Python (the reference engine, the oracle of every differential
  test);
* ``dnf()``: rewrite itself as a disjunction of conjunctions of leaves (the question finder
  reads the paths to each tier; the registry counts a plugin's alternatives);
* ``describe()``: say itself in plain words, for the trace and the generated rule catalogue.

Facts are a flat mapping from a *fact key* to a value, ``None`` meaning "not answered".
Principle 7 (unknown is not "no") is built into the leaves: every leaf except ``Unknown`` is
false on ``None``; a rule that wants "unknown counts" must say so with ``Unknown(...)``.
Conditions know nothing clinical; the knowledge modules use them.
"""

from __future__ import annotations

import functools
import itertools
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

Scalar = bool | int | float | str
Facts = Mapping[str, Any]
Conjunction = tuple["Leaf", ...]

_OPS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_OP_WORDS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}
#: The number of DNF conjunctions one rule may expand into; far above anything in the
#: knowledge base, low enough to stop an accidental combinatorial explosion at build time.
MAX_CONJUNCTIONS = 512


def same_kind(a: object, b: object) -> bool:
    """Booleans compare only with booleans and strings with strings; numbers with numbers
    (30 == 30.0), as durable-rules compares them."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str)
    return True


def _words(value: Scalar) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


class Condition(ABC):
    """Base of every node. Subclasses are frozen attrs classes, so conditions hash and compare."""

    @abstractmethod
    def evaluate(self, facts: Facts) -> bool:
        """True when the condition holds on these facts."""

    @abstractmethod
    def dnf(self) -> tuple[Conjunction, ...]:
        """The condition as a disjunction of conjunctions of leaves."""

    @abstractmethod
    def describe(self) -> str:
        """The condition in plain words."""

    @abstractmethod
    def leaves(self) -> Iterator[Leaf]:
        """Every leaf, depth first, in written order (used to order matched inputs)."""

    @abstractmethod
    def matched(self, facts: Facts) -> Iterator[str]:
        """Fact keys of the leaves that made a *true* condition true (may repeat)."""

    def keys(self) -> tuple[str, ...]:
        """The fact keys this condition reads, in first-use order (computed once per node)."""
        return _keys(self)

    def inputs(self, facts: Facts) -> tuple[str, ...]:
        """The matched fact keys of a condition that holds, in canonical (first-use) order,
        without repeats. When every leaf must hold, that is every key, without a walk."""
        if is_conjunctive(self):
            return self.keys()
        hit = set(self.matched(facts))
        return tuple(key for key in self.keys() if key in hit)

    def __and__(self, other: Condition) -> Condition:
        return AllOf((self, other))

    def __or__(self, other: Condition) -> Condition:
        return AnyOf((self, other))


@functools.lru_cache(maxsize=8192)
def _keys(condition: Condition) -> tuple[str, ...]:
    return tuple(dict.fromkeys(leaf.key for leaf in condition.leaves()))


@functools.lru_cache(maxsize=8192)
def is_conjunctive(condition: Condition) -> bool:
    """Whether the condition holds only when every leaf holds (an ``AllOf``, or a group whose
    members must all hold, of such): then its inputs are all its keys, whatever the facts."""
    if isinstance(condition, Leaf):
        return True
    if isinstance(condition, AllOf) or (
        isinstance(condition, AtLeast | AnyOf)
        and len(condition.members) == (condition.count if isinstance(condition, AtLeast) else 1)
    ):
        return all(is_conjunctive(member) for member in condition.members)
    return False


class Leaf(Condition):
    """A test of one fact key. Leaves are the unit both engines compile."""

    key: str

    def dnf(self) -> tuple[Conjunction, ...]:
        return ((self,),)

    def leaves(self) -> Iterator[Leaf]:
        yield self

    def matched(self, facts: Facts) -> Iterator[str]:
        yield self.key


@attrs.frozen(cache_hash=True)
class Is(Leaf):
    """The answer is exactly ``value`` (never true when unanswered)."""

    key: str
    value: Scalar

    def evaluate(self, facts: Facts) -> bool:
        actual = facts.get(self.key)
        return actual is not None and same_kind(actual, self.value) and actual == self.value

    def describe(self) -> str:
        return f"{self.key} is {_words(self.value)}"


@attrs.frozen(cache_hash=True)
class IsNot(Leaf):
    """The answer is known and is not ``value`` (``leg_pain`` is not ``none``)."""

    key: str
    value: Scalar

    def evaluate(self, facts: Facts) -> bool:
        actual = facts.get(self.key)
        return actual is not None and not (same_kind(actual, self.value) and actual == self.value)

    def describe(self) -> str:
        return f"{self.key} is known and not {_words(self.value)}"


@attrs.frozen(cache_hash=True)
class Compare(Leaf):
    """A numeric comparison with a named threshold, so the trace can say which parameter it was."""

    key: str
    op: str = attrs.field(validator=attrs.validators.in_(tuple(_OPS)))
    value: int | float
    parameter: str | None = None

    def evaluate(self, facts: Facts) -> bool:
        actual = facts.get(self.key)
        if actual is None or isinstance(actual, bool | str):
            return False
        return bool(_OPS[self.op](actual, self.value))

    def describe(self) -> str:
        threshold = f"{self.value} ({self.parameter})" if self.parameter else f"{self.value}"
        return f"{self.key} {_OP_WORDS[self.op]} {threshold}"


@attrs.frozen(cache_hash=True)
class Known(Leaf):
    """The question was answered, whatever the answer."""

    key: str

    def evaluate(self, facts: Facts) -> bool:
        return facts.get(self.key) is not None

    def describe(self) -> str:
        return f"{self.key} is answered"


@attrs.frozen(cache_hash=True)
class Unknown(Leaf):
    """The question was not answered: the only leaf true on ``None`` (see principle 7)."""

    key: str

    def evaluate(self, facts: Facts) -> bool:
        return facts.get(self.key) is None

    def describe(self) -> str:
        return f"{self.key} is not answered"


def _children(items: Sequence[Condition]) -> tuple[Condition, ...]:
    children = tuple(items)
    if not children:
        raise ValueError("a condition group needs at least one member")
    for child in children:
        if not isinstance(child, Condition):
            raise TypeError(f"not a condition: {child!r}")
    return children


def _cap(conjunctions: list[Conjunction]) -> tuple[Conjunction, ...]:
    if len(conjunctions) > MAX_CONJUNCTIONS:
        raise ValueError(
            f"condition expands to {len(conjunctions)} alternatives (limit {MAX_CONJUNCTIONS});"
            " split the rule"
        )
    return tuple(conjunctions)


class _Group(Condition):
    """A node over member conditions. For a true group, the inputs that made it true are those
    of its true members (``AllOf`` overrides: all of them are true)."""

    members: tuple[Condition, ...]

    def leaves(self) -> Iterator[Leaf]:
        for member in self.members:
            yield from member.leaves()

    def matched(self, facts: Facts) -> Iterator[str]:
        for member in self.members:
            if member.evaluate(facts):
                yield from member.matched(facts)

    def _listed(self, words: str) -> str:
        return f"{words} (" + "; ".join(m.describe() for m in self.members) + ")"


@attrs.frozen(cache_hash=True)
class AllOf(_Group):
    """Every member holds."""

    members: tuple[Condition, ...] = attrs.field(converter=_children)

    def evaluate(self, facts: Facts) -> bool:
        return all(member.evaluate(facts) for member in self.members)

    def dnf(self) -> tuple[Conjunction, ...]:
        products: list[Conjunction] = [()]
        for member in self.members:
            products = [p + q for p in products for q in member.dnf()]
            _cap(products)
        return tuple(products)

    def describe(self) -> str:
        return self.members[0].describe() if len(self.members) == 1 else self._listed("all of")

    def matched(self, facts: Facts) -> Iterator[str]:
        for member in self.members:
            yield from member.matched(facts)


@attrs.frozen(cache_hash=True)
class AnyOf(_Group):
    """At least one member holds."""

    members: tuple[Condition, ...] = attrs.field(converter=_children)

    def evaluate(self, facts: Facts) -> bool:
        return any(member.evaluate(facts) for member in self.members)

    def dnf(self) -> tuple[Conjunction, ...]:
        return _cap([c for member in self.members for c in member.dnf()])

    def describe(self) -> str:
        return self.members[0].describe() if len(self.members) == 1 else self._listed("any of")


@attrs.frozen(cache_hash=True)
class AtLeast(_Group):
    """At least ``count`` members hold (``malignancy_weak_combination``: two or more weak flags)."""

    count: int
    members: tuple[Condition, ...] = attrs.field(converter=_children)
    parameter: str | None = None

    def __attrs_post_init__(self) -> None:
        if not 1 <= self.count <= len(self.members):
            raise ValueError(f"at least {self.count} of {len(self.members)} members can never hold")

    def evaluate(self, facts: Facts) -> bool:
        return sum(member.evaluate(facts) for member in self.members) >= self.count

    def dnf(self) -> tuple[Conjunction, ...]:
        combos = itertools.combinations(self.members, self.count)
        return AnyOf(tuple(AllOf(combo) for combo in combos)).dnf()

    def describe(self) -> str:
        count = f"{self.count} ({self.parameter})" if self.parameter else str(self.count)
        return self._listed(f"at least {count} of")


# Small constructors, so the knowledge modules read like the specification.


def yes(key: str) -> Is:
    """A tri-state boolean answered ``true``."""
    return Is(key, True)


def any_yes(*keys: str) -> AnyOf:
    """Any of these booleans answered ``true``."""
    return AnyOf(tuple(yes(key) for key in keys))


def one_of(key: str, *values: Scalar) -> Condition:
    """The answer is one of ``values`` (one conjunction per value, so durable needs no ``$or``)."""
    if len(values) == 1:
        return Is(key, values[0])
    return AnyOf(tuple(Is(key, value) for value in values))


def one_of_or_unknown(key: str, *values: Scalar) -> AnyOf:
    """The answer is one of ``values`` or was not given: the explicit "unknown counts" form."""
    return AnyOf((*(Is(key, value) for value in values), Unknown(key)))


def at_least(count: int, *members: Condition, parameter: str | None = None) -> AtLeast:
    return AtLeast(count, members, parameter)


def all_of(*members: Condition) -> AllOf:
    return AllOf(members)


def any_of(*members: Condition) -> AnyOf:
    return AnyOf(members)


def ge(key: str, value: int | float, parameter: str | None = None) -> Compare:
    return Compare(key, ">=", value, parameter)


def gt(key: str, value: int | float, parameter: str | None = None) -> Compare:
    return Compare(key, ">", value, parameter)


def le(key: str, value: int | float, parameter: str | None = None) -> Compare:
    return Compare(key, "<=", value, parameter)


def lt(key: str, value: int | float, parameter: str | None = None) -> Compare:
    return Compare(key, "<", value, parameter)


def flag(rule_id: str) -> Is:
    """A rule of an earlier stratum fired (see ``FLAG_PREFIX``)."""
    return Is(FLAG_PREFIX + rule_id, True)


def not_flag(rule_id: str) -> Is:
    """A rule of an earlier stratum did not fire (always answered once that stratum ran)."""
    return Is(FLAG_PREFIX + rule_id, False)


#: Fact keys starting with this name the outcome of another rule; the engines evaluate rules
#: in strata so that such a key is always known before a rule reads it.
FLAG_PREFIX = "flag."


def flags_read(condition: Condition) -> tuple[str, ...]:
    """The rule ids whose outcome this condition reads."""
    return tuple(k[len(FLAG_PREFIX) :] for k in condition.keys() if k.startswith(FLAG_PREFIX))


#: Every concrete condition node. Each backend (the python code generator, the columnar
#: screen, durable-rules) translates them through one table keyed by these classes, and
#: ``tests/test_condition_backends.py`` runs every class on every backend.
CONDITION_CLASSES: tuple[type[Condition], ...] = (
    Is,
    IsNot,
    Compare,
    Known,
    Unknown,
    AllOf,
    AnyOf,
    AtLeast,
)


def translator(table: Mapping[type[Condition], Any], condition: Condition, backend: str) -> Any:
    """The entry of ``table`` for ``condition``'s class (or the nearest base it derives from)."""
    for cls in type(condition).__mro__:
        if cls in table:
            return table[cls]
    raise TypeError(f"{backend} cannot translate a {type(condition).__name__} condition")
