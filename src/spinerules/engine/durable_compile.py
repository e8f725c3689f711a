"""Conditions compiled for durable-rules, in pure Python (no C call, so it runs on every Python).

What the C side of durable-rules 2.0.28 does with a rule, read in its source (``src/rules/
rete.c``, ``events.c``, ``state.c``) and measured, and what this module does about it:

* **Every rule costs every session.** Opening a session allocates and clears about 8 KB per
  rule (two 512-entry frame indexes per beta node), used or not: with 341 DNF conjunctions as
  341 rules that was ~100 µs per assessment before any rule was tested. So a check is one
  durable rule with nested ``$and``/``$or`` (a few rules only where the limits below force a
  split), not one rule per DNF conjunction.
* **At most 15 ``$and``/``$or`` nodes in one rule** (each appends two entries to a 32-entry
  expression sequence; the 16th raises error 113). Leaves are free. :func:`pieces` splits a
  check that is larger into a disjunction of pieces that fit, halving its widest ``$or``.
* **The alpha walk has a 64-entry stack** (``MAX_STACK_SIZE``): a visited node pushes every
  matching child, then pops the last one. The deepest the stack can get under a node is
  ``max(c, c - 1 + max over children)`` for ``c`` children (a chain costs nothing; wide nodes
  do). Measured: past 64 at the root durable returns error 303; past 64 below it, the process
  segfaulted. :class:`Network` mirrors how the C code builds the network (node sharing by
  parent, property, operator, JSON type and value, as ``findAlpha`` does; one fresh forward
  node per ``$or``, reached once per matching branch) and assumes every test matches.
* So a ruleset is laid out as ``root -> stratum guard -> slot -> rules``: the guard
  (``spinerules_stratum == k``) lets one session take the facts of several strata, one fact
  per stratum (only one guard matches a fact); slots are always-true nodes
  (``spinerules_slot >= -j``) that cap how many rules one node fans out to. Rules go into the
  current slot while it stays under ``SLOT_WIDTH``, then into a new slot, then into a new
  ruleset once the worst-case walk would pass ``STACK_BUDGET`` (or the fact would carry too
  many properties, ``MAX_FACT_PROPERTIES``).
* **A rule fires once per matching path** through its ``$or`` nodes (measured), so the
  number of actions a check can cost is the number of its DNF alternatives: the registry's
  cap on those (:func:`preflight`, ``MAX_PLUGIN_RULES``) still bounds the work per assessment.
* Property names are hashed (32-bit FNV-1a) and matched by hash: names that collide would
  read each other's values, so a compile with colliding names is refused.

The leaf translations (:data:`DURABLE`, one entry per condition class) keep every unknown
answer on the sentinel ``UNKNOWN`` and test it explicitly, so no leaf relies on a missing
property (which crashes the C extension).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeAlias

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
    translator,
)
from ..errors import EngineError

#: The stand-in for None: never a valid answer. ASCII on purpose: a non-ASCII sentinel corrupted
#: the heap of durable-rules 2.0.28 (measured: "free(): invalid pointer").
UNKNOWN = "?unknown?"
#: Reserved fact properties (no fact key may compile to one of them).
SEEN = "spinerules_seen"
STRATUM = "spinerules_stratum"
SLOT = "spinerules_slot"
RESERVED = frozenset({"sid", "id", SEEN, STRATUM, SLOT})
#: The name of every ruleset's catch-all rule (it matches every fact we assert, so no assert
#: goes unhandled: an unhandled fact still opens a session, and deleting it later can crash).
SEEN_RULE = "seen"

#: The C walk's stack holds 64 entries; what the model allows, leaving a margin.
STACK_BUDGET = 60
#: The most ``$and``/``$or`` nodes durable takes in one rule.
MAX_NODES = 15
#: How wide one slot's subtree may get, and one piece of a check on its own (so every piece
#: fits an empty slot of an empty ruleset).
SLOT_WIDTH = 28
PIECE_WIDTH = 24
#: durable-rules takes at most 255 properties per fact; ours carry five of their own.
MAX_FACT_PROPERTIES = 240
#: The most durable rules (DNF alternatives: the actions a check can cost at worst) one plugin's
#: checks may expand to. The built-in rule base has about 400; eight red flags of "2 of 32
#: signs" have 3,968. A plugin past this is dropped (the registry checks it on every Python, so
#: the rule base, and its hash, do not depend on which engine is installed).
MAX_PLUGIN_RULES = 2048


# --- the expression: terms, $and, $or ------------------------------------------------------


@attrs.frozen
class Term:
    """One durable test, e.g. ``{"fever": true}`` or ``{"$gt": {"age": 50}}``."""

    json: Mapping[str, Any]
    canon: str  # its canonical JSON: identical terms are merged
    node: tuple[Any, ...]  # what durable compares when it shares an alpha node (see Network)


@attrs.frozen
class Group:
    """``$and`` or ``$or`` over at least two members (smaller groups are never built)."""

    op: str
    members: tuple[Expr, ...]
    canon: str
    nodes: int  # $and/$or nodes in this subtree, itself included


Expr: TypeAlias = Term | Group

_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


def _node_value(value: Any) -> tuple[str, Any]:
    """The JSON type and value durable compares when deciding to share a node."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):  # durable reads an int with atol: clamp like it
        return ("int", max(min(value, 2**63 - 1), -(2**63)))
    if isinstance(value, float):
        return ("double", value if value == value else object())  # NaN is never shared
    return ("string", value)


def term(prop: str, value: Any, op: str | None = None) -> Term:
    body = {prop: value} if op is None else {op: {prop: value}}
    return Term(body, json.dumps(body, sort_keys=True), (prop, op, *_node_value(value)))


def group(op: str, items: Iterable[Expr]) -> Expr:
    """``$and``/``$or`` over ``items``: nested groups of the same kind are flattened, repeats
    dropped (both connectives are idempotent), and ``$and`` lists its terms first, in canonical
    order, then its ``$or`` members (so rules share prefixes and a chain after a forward node,
    walked once per matching branch, stays short)."""
    seen: dict[str, Expr] = {}
    for item in items:
        for member in item.members if isinstance(item, Group) and item.op == op else (item,):
            seen.setdefault(member.canon, member)
    members = list(seen.values())
    if len(members) == 1:
        return members[0]
    if op == "$and":
        members.sort(key=lambda m: (isinstance(m, Group), m.canon if isinstance(m, Term) else ""))
    canon = op + "[" + ",".join(m.canon for m in members) + "]"
    nodes = 1 + sum(m.nodes for m in members if isinstance(m, Group))
    return Group(op, tuple(members), canon, nodes)


def nodes(expr: Expr) -> int:
    return expr.nodes if isinstance(expr, Group) else 0


def to_json(expr: Expr) -> Any:
    if isinstance(expr, Term):
        return expr.json
    return {expr.op: [to_json(m) for m in expr.members]}


# --- conditions to expressions: one translation per condition class --------------------------


def prop(key: str) -> str:
    """The fact property a key is stored under (durable reads dots as paths)."""
    return key.replace(".", "__")


def _known(key: str) -> Term:
    return term(prop(key), UNKNOWN, "$neq")


def _at_least(count: int, members: Sequence[Condition]) -> Expr:
    """At least ``count`` of ``members``, factored: the first member that holds, and
    ``count - 1`` of those after it (about 2n nodes for "2 of n" instead of n²/2 rules)."""
    if count == 1:
        return group("$or", map(translate, members))
    if count == len(members):
        return group("$and", map(translate, members))
    return group(
        "$or",
        (
            group("$and", (translate(members[i]), _at_least(count - 1, members[i + 1 :])))
            for i in range(len(members) - count + 1)
        ),
    )


#: The durable backend: one translation per condition class (conditions.CONDITION_CLASSES).
DURABLE: dict[type[Condition], Callable[[Any], Expr]] = {
    Is: lambda c: term(prop(c.key), c.value),
    IsNot: lambda c: group("$and", (_known(c.key), term(prop(c.key), c.value, "$neq"))),
    Compare: lambda c: group("$and", (_known(c.key), term(prop(c.key), c.value, _OPS[c.op]))),
    Known: lambda c: _known(c.key),
    Unknown: lambda c: term(prop(c.key), UNKNOWN),
    AllOf: lambda c: group("$and", map(translate, c.members)),
    AnyOf: lambda c: group("$or", map(translate, c.members)),
    AtLeast: lambda c: _at_least(c.count, c.members),
}


def translate(condition: Condition) -> Expr:
    """The durable expression of ``condition`` (true on exactly the same facts)."""
    translation: Callable[[Any], Expr] = translator(DURABLE, condition, "the durable engine")
    return translation(condition)


# --- the alpha network, as durable builds it -------------------------------------------------


class Node:
    """An alpha node: children shared by test (``findAlpha``), forward nodes (``$or``), and how
    many rules end here (durable allows 256 per node)."""

    __slots__ = ("forwards", "kids", "rules")

    def __init__(self) -> None:
        self.kids: dict[tuple[Any, ...], Node] = {}
        self.forwards: list[Node] = []
        self.rules = 0


def insert(expr: Expr, parent: Node) -> Node:
    """Add ``expr`` below ``parent`` the way ``createAlpha`` does; returns the node the rule's
    beta hangs from."""
    if isinstance(expr, Term):
        child = parent.kids.get(expr.node)
        if child is None:
            child = parent.kids[expr.node] = Node()
        return child
    if expr.op == "$and":
        for member in expr.members:
            parent = insert(member, parent)
        return parent
    forward = Node()  # never shared
    for member in expr.members:
        insert(member, parent).forwards.append(forward)
    return forward


def depth(node: Node, memo: dict[int, int] | None = None) -> int:
    """The most stack entries the walk below ``node`` can hold (``node`` itself popped)."""
    memo = {} if memo is None else memo
    found = memo.get(id(node))
    if found is not None:
        return found
    children = [*node.kids.values(), *node.forwards]
    result = 0
    if children:
        result = max(len(children), len(children) - 1 + max(depth(c, memo) for c in children))
    memo[id(node)] = result
    return result


def _crowded(node: Node, memo: set[int] | None = None) -> bool:
    """Whether some node below holds more rules than durable's beta list (256) takes."""
    memo = set() if memo is None else memo
    if id(node) in memo:
        return False
    memo.add(id(node))
    if node.rules > 200:
        return True
    return any(_crowded(c, memo) for c in (*node.kids.values(), *node.forwards))


def width(expr: Expr) -> int:
    """How deep the walk's stack gets below the node ``expr`` hangs from, ``expr`` alone."""
    top = Node()
    insert(expr, top)
    return depth(top)


def _wrapped_nodes(expr: Expr) -> int:
    """Nodes of the rule as registered: ``$and`` of guard, slot and ``expr``."""
    return nodes(expr) + (0 if isinstance(expr, Group) and expr.op == "$and" else 1)


def _fits(expr: Expr) -> bool:
    return _wrapped_nodes(expr) <= MAX_NODES and width(expr) <= PIECE_WIDTH


def pieces(expr: Expr) -> list[Expr]:
    """``expr`` as a disjunction of pieces that each fit one durable rule and one slot."""
    if _fits(expr):
        return [expr]
    if isinstance(expr, Term):  # cannot happen: a term is one node deep
        raise EngineError(f"durable cannot take the term {expr.canon}")
    if expr.op == "$or":
        out: list[Expr] = []
        batch: list[Expr] = []
        for member in expr.members:
            for piece in pieces(member):
                if batch and not _fits(group("$or", (*batch, piece))):
                    out.append(group("$or", batch))
                    batch = []
                batch.append(piece)
        out.append(group("$or", batch))
        return out
    # An $and too large: split its largest $or in two halves, distributing the rest over both.
    ors = [m for m in expr.members if isinstance(m, Group)]
    widest = max(ors, key=lambda m: (m.nodes, len(m.members)))
    rest = [m for m in expr.members if m is not widest]
    half = len(widest.members) // 2
    return [
        piece
        for part in (widest.members[:half], widest.members[half:])
        for piece in pieces(group("$and", (*rest, group("$or", part))))
    ]


def fnv1a(name: str) -> int:
    """durable's property-name hash (``fnv1Hash32`` in ``state.c``)."""
    value = 2166136261
    for byte in name.encode("ascii"):
        value = ((value ^ byte) * 16777619) & 0xFFFFFFFF
    return value


# --- one check, on its own (what the registry runs per plugin) ------------------------------


@attrs.frozen
class CompiledCheck:
    key: str
    pieces: tuple[Expr, ...]
    keys: tuple[str, ...]  # the fact keys it reads
    alternatives: int  # its DNF size: the most actions it can cost in one evaluation


def compile_check(key: str, condition: Condition) -> CompiledCheck:
    """Raises EngineError for a check durable cannot take (too many alternatives, a tree too
    deep to rewrite, fact keys durable would confuse or cannot carry)."""
    try:
        alternatives = len(condition.dnf())
        compiled = tuple(pieces(translate(condition)))
    except (ValueError, RecursionError) as error:
        raise EngineError(f"check {key!r} cannot be compiled for durable-rules: {error}") from error
    keys = condition.keys()
    if len(keys) > MAX_FACT_PROPERTIES:
        raise EngineError(f"check {key!r} reads {len(keys)} facts; durable takes at most 240")
    for name in map(prop, keys):
        if name in RESERVED or not name.isascii():
            raise EngineError(f"check {key!r} reads {name!r}, which durable cannot carry")
    return CompiledCheck(key, compiled, keys, alternatives)


def preflight(checks: Iterable[tuple[str, Condition]], limit: int = MAX_PLUGIN_RULES) -> int:
    """Check that durable can take these checks, without registering anything (durable-rules
    never frees a ruleset); returns how many durable rules (DNF alternatives) they expand to."""
    count = sum(compile_check(key, condition).alternatives for key, condition in checks)
    if count > limit:
        raise EngineError(
            f"the checks compile to {count} durable rules (limit {limit} per plugin); "
            "split wide at_least/any_of conditions into fewer alternatives"
        )
    return count


# --- packing a rule base into rulesets --------------------------------------------------------


@attrs.define
class _Guard:
    """One stratum's subtree in a ruleset: its slots and their depths."""

    slots: list[Node] = attrs.Factory(list)
    depths: list[int] = attrs.Factory(list)

    def depth(self) -> int:
        if not self.slots:
            return 0
        return max(len(self.slots), len(self.slots) - 1 + max(self.depths))


@attrs.define
class PackPlan:
    """One ruleset: its rules (name -> definition) and, per stratum, the fact keys they read
    (each stratum's fact carries exactly those; the stratum guard keeps it from the others)."""

    number: int
    rules: dict[str, Any] = attrs.Factory(dict)
    keys: dict[int, dict[str, None]] = attrs.Factory(dict)  # per stratum, the keys read
    guards: dict[int, _Guard] = attrs.Factory(dict)

    def root_depth(self) -> int:
        # The root pushes the catch-all's node and the one guard the fact's stratum matches.
        return max(2, 1 + max((g.depth() for g in self.guards.values()), default=0))

    def place(self, level: int, piece: Expr, keys: Sequence[str]) -> int | None:
        """Put ``piece`` into the current slot of ``level`` or a new one; returns its slot, or
        None (and changes nothing) when this ruleset cannot take it."""
        if len(self.keys.get(level, {}).keys() | set(keys)) > MAX_FACT_PROPERTIES:
            return None
        guard = self.guards.setdefault(level, _Guard())
        if guard.slots:
            slot, before = guard.slots[-1], guard.depths[-1]
            trial = _copy(slot)
            insert(piece, trial).rules += 1
            guard.depths[-1] = depth(trial)
            fits = guard.depths[-1] <= SLOT_WIDTH and not _crowded(trial)
            if fits and self.root_depth() <= STACK_BUDGET:
                guard.slots[-1] = trial
                return len(guard.slots) - 1
            guard.depths[-1] = before
        slot = Node()
        insert(piece, slot).rules += 1
        guard.slots.append(slot)
        guard.depths.append(depth(slot))
        if self.root_depth() <= STACK_BUDGET:
            return len(guard.slots) - 1
        guard.slots.pop()
        guard.depths.pop()
        if not guard.slots:
            del self.guards[level]
        return None


def _copy(node: Node, memo: dict[int, Node] | None = None) -> Node:
    memo = {} if memo is None else memo
    found = memo.get(id(node))
    if found is not None:
        return found
    copy = memo[id(node)] = Node()
    copy.rules = node.rules
    copy.kids = {k: _copy(v, memo) for k, v in node.kids.items()}
    copy.forwards = [_copy(f, memo) for f in node.forwards]
    return copy


@attrs.frozen
class Plan:
    """A rule base laid out for durable: rulesets, and which check each durable rule is."""

    packs: tuple[PackPlan, ...]
    rule_keys: Mapping[str, str]  # durable rule name -> check key


def plan(strata: Sequence[Sequence[tuple[str, Condition]]]) -> Plan:
    """Lay out every check of every stratum (in order) over as few rulesets as fit."""
    packs = [PackPlan(0)]
    rule_keys: dict[str, str] = {}
    for level, checks in enumerate(strata):
        for key, condition in checks:
            compiled = compile_check(key, condition)
            for piece in compiled.pieces:
                slot = packs[-1].place(level, piece, compiled.keys)
                if slot is None:
                    packs.append(PackPlan(len(packs)))
                    slot = packs[-1].place(level, piece, compiled.keys)
                    if slot is None:  # cannot happen: every piece fits an empty ruleset
                        raise EngineError(f"check {key!r} does not fit a durable ruleset")
                name = f"r{len(rule_keys)}"
                rule_keys[name] = key
                # guard, slot, then the piece's own chain: the order ``place`` modelled
                body = [term(STRATUM, level), term(SLOT, -slot, "$gte"), *_members(piece)]
                packs[-1].rules[name] = {"all": [{"m": {"$and": [to_json(m) for m in body]}}]}
                packs[-1].keys.setdefault(level, {}).update(dict.fromkeys(compiled.keys))
    names: dict[int, str] = {}
    for pack in packs:
        for name in (*(prop(k) for keys in pack.keys.values() for k in keys), *RESERVED):
            other = names.setdefault(fnv1a(name), name)
            if other != name:
                raise EngineError(f"durable-rules would confuse the facts {other!r} and {name!r}")
    return Plan(tuple(p for p in packs if p.rules), rule_keys)


def _members(expr: Expr) -> tuple[Expr, ...]:
    return expr.members if isinstance(expr, Group) and expr.op == "$and" else (expr,)


def definition(pack: PackPlan) -> dict[str, Any]:
    """The ruleset as durable's C side takes it (JSON), with its catch-all rule."""
    return {**pack.rules, SEEN_RULE: {"all": [{"m": {SEEN: 1}}]}}
