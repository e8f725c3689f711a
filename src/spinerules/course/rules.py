"""Course rules and the course rule base: what a sequence of check-ins can add to a week.

A course rule is data like the red flags: an id, a condition in the sequence language
(``spinerules.course.sequence``), an *effect*, the words a person is told and the evidence.
The effect says what a fired rule adds, and nothing here can take anything away: a ``review``
raises the week's urgency to its tier (never lowers it), ``new_red_flag`` marks flags of the
check-in's own assessment as new, ``progress``/``step_back`` move the plan's exercises along
their dose ladders, ``maintenance`` holds them, ``note`` adds advice and ``overdue`` marks the
record. ``yields_to`` names rules that, when they fire at the same check-in, make this one
not fire (``checkin_not_improving`` "and not already soon"), decided after either engine ran.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..conditions import Condition
from ..errors import RuleBaseError
from ..levels import Urgency
from ..rules import Evidence, EvidenceLink, _each, _text
from .sequence import scope_of

EFFECTS = ("review", "new_red_flag", "progress", "step_back", "maintenance", "note", "overdue")


def _links(items: Iterable[EvidenceLink]) -> tuple[EvidenceLink, ...]:
    return tuple(items)


def _ids(items: Iterable[str]) -> tuple[str, ...]:
    return (items,) if isinstance(items, str) else tuple(items)


def _condition(instance: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, Condition):
        raise RuleBaseError(f"course rule {instance.id!r}: condition is not a condition")


@attrs.frozen(cache_hash=True)
class CourseRule:
    id: str = attrs.field(validator=_text())
    title: str = attrs.field(validator=_text())
    condition: Condition = attrs.field(validator=_condition)
    effect: str = attrs.field(validator=attrs.validators.in_(EFFECTS))
    text: str = attrs.field(validator=_text())
    evidence: tuple[EvidenceLink, ...] = attrs.field(
        converter=_links, validator=_each(EvidenceLink, "write cite('evidence_id')")
    )
    tier: Urgency | None = None
    yields_to: tuple[str, ...] = attrs.field(default=(), converter=_ids)

    def __attrs_post_init__(self) -> None:
        if (self.effect == "review") != (self.tier is not None):
            raise RuleBaseError(
                f"course rule {self.id!r}: a review rule has a tier (soon, urgent or emergency)"
                " and no other rule has one"
            )
        if self.tier is not None and (
            not isinstance(self.tier, Urgency) or self.tier is Urgency.SELF_CARE
        ):
            raise RuleBaseError(f"course rule {self.id!r}: tier must be soon, urgent or emergency")
        try:
            scope = scope_of(self.condition)
        except ValueError as error:
            raise RuleBaseError(f"course rule {self.id!r}: {error}") from error
        if (scope == "record") != (self.effect == "overdue"):
            raise RuleBaseError(
                f"course rule {self.id!r}: only an overdue rule reads the record facts, and it "
                "reads nothing else"
            )

    @property
    def scope(self) -> str:
        return scope_of(self.condition)


@attrs.frozen(eq=False)
class CourseRuleBase:
    """The course rules of one configuration, validated and content-hashed."""

    rules: tuple[CourseRule, ...]
    evidence: Mapping[str, Evidence]
    fact_keys: frozenset[str]
    hash: str
    plugins_dropped: tuple[tuple[str, str, str], ...] = ()

    @classmethod
    def build(
        cls,
        rules: Iterable[CourseRule],
        evidence: Mapping[str, Evidence],
        fact_keys: Iterable[str],
        version: str,
    ) -> CourseRuleBase:
        rules = tuple(rules)
        keys = frozenset(fact_keys)
        ids: set[str] = set()
        for rule in rules:
            if rule.id in ids:
                raise RuleBaseError(f"duplicate course rule id {rule.id!r}")
            ids.add(rule.id)
            unknown = [k for k in rule.condition.keys() if k not in keys]
            if unknown:
                raise RuleBaseError(f"course rule {rule.id!r} reads unknown fact {unknown[0]!r}")
            cited = [link.evidence_id for link in rule.evidence]
            if not cited or any(e not in evidence for e in cited):
                raise RuleBaseError(f"course rule {rule.id!r} cites unknown or no evidence")
        for rule in rules:
            for other in rule.yields_to:
                if other not in ids:
                    raise RuleBaseError(f"course rule {rule.id!r} yields to unknown {other!r}")
        digest = hashlib.sha256(repr((version, rules)).encode()).hexdigest()[:16]
        return cls(rules, dict(evidence), keys, digest)

    def scoped(self, scope: str) -> tuple[CourseRule, ...]:
        return tuple(r for r in self.rules if r.scope == scope)

    def resolve(self, fired: Iterable[str]) -> tuple[str, ...]:
        """The rules that fired, in rule order, less those that yield to another that fired."""
        raw = set(fired)
        return tuple(
            r.id for r in self.rules if r.id in raw and not any(o in raw for o in r.yields_to)
        )
