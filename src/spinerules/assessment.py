"""What an assessment says, and why: the value types and the JSON contract.

The Assessment knows nothing of output formats; ``to_dict()`` is the JSON contract every format
and every future adapter (FHIR, CDS Hooks) starts from. Its top-level keys are fixed:
``schema_version``, ``urgency``, ``screen_complete``, ``red_flags``, ``watch``, ``startback``,
``recommendations``, ``advice_against``, ``unanswered``, ``questions``, ``disclaimer``, ``trace``,
``ruleset``.

Schema 2.0 (clinical.md revision 3): ``questions`` with lay wording; safety-net cards as
objects; each recommendation's ``kind`` and plan ``section``; ``limits_plan`` on red flags;
``cleared`` on watch items; a "do not" item's ``note``.
Schema 2.1: ``ruleset.plugins_dropped``, the installed plugins left out and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from .levels import Grade, Timeframe, Urgency

SCHEMA_VERSION = "2.1"
InputPairs = tuple[tuple[str, Any], ...]


# Deeply immutable (issue 8): an Assessment is handed to third-party formats, and a format that
# appended to a list inside it would change what the next format, or the caller, reads. Every
# container is a tuple, a frozenset or a FrozenDict, converted on the way in (so ``attrs.evolve``
# and hand-built values are frozen too); ``to_dict`` gives JSON's lists and dicts back.
# ``spinerules.render`` also compares a snapshot before and after each format.

_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})


class FrozenDict(Mapping[str, Any]):
    """A read-only, hashable mapping: how a dict inside an assessment's inputs is kept."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any]) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"FrozenDict({self._items!r})"


def freeze(value: Any) -> Any:
    """The value with every list a tuple, every set a frozenset, every mapping a FrozenDict."""
    if type(value) in _SCALAR_TYPES:
        return value
    if isinstance(value, Mapping):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, set | frozenset):
        return frozenset(freeze(v) for v in value)
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """``freeze`` undone for JSON: tuples and frozensets as lists, mappings as dicts."""
    if type(value) in _SCALAR_TYPES:
        return value
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, frozenset):
        return sorted((thaw(v) for v in value), key=repr)
    if isinstance(value, tuple | list):
        return [thaw(v) for v in value]
    return value


def freeze_pairs(pairs: Any) -> InputPairs:
    """(name, value) pairs, or a mapping, as a tuple of pairs with frozen values."""
    if type(pairs) is tuple and all(
        type(p) is tuple and len(p) == 2 and type(p[1]) in _SCALAR_TYPES for p in pairs
    ):
        return pairs  # the usual case (facts are scalars): already frozen
    items: Iterable[Any] = pairs.items() if isinstance(pairs, Mapping) else pairs
    return tuple((key, freeze(value)) for key, value in items)


def _tuple(items: Any) -> tuple[Any, ...]:
    if isinstance(items, str):
        raise TypeError(f"expected a sequence, not the str {items[:40]!r}")
    return items if type(items) is tuple else tuple(items)


def _inputs(pairs: InputPairs) -> dict[str, Any]:
    return {key: thaw(value) for key, value in pairs}


@attrs.frozen
class EvidenceRef:
    """A source behind a claim, with the grade it lends *this* claim (None: graded elsewhere)."""

    id: str
    citation: str
    grade: Grade | None
    doi: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "grade": self.grade and self.grade.value,
            "citation": self.citation,
            "doi": self.doi,
        }


@attrs.frozen
class RedFlagFinding:
    """A red flag that fired: what to do, how fast, on which answers, on what evidence."""

    id: str
    family: str
    title: str
    urgency: Urgency
    timeframe: Timeframe
    action: str
    inputs: InputPairs = attrs.field(converter=freeze_pairs)
    evidence: tuple[EvidenceRef, ...] = attrs.field(converter=_tuple)
    limits_plan: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "family": self.family,
            "urgency": self.urgency.value,
            "timeframe": self.timeframe.value,
            "title": self.title,
            "action": self.action,
            "limits_plan": self.limits_plan,
            "inputs": _inputs(self.inputs),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@attrs.frozen
class WatchFinding:
    """Worth knowing, not worth a review on its own; ``advice`` is its safety-net."""

    id: str
    family: str
    title: str
    advice: str
    inputs: InputPairs = attrs.field(converter=freeze_pairs)
    evidence: tuple[EvidenceRef, ...] = attrs.field(converter=_tuple)
    reviewed: bool = False  # a reviewable red flag turned into a watch item by clinician review
    cleared: bool = False  # a soon red flag a clinician cleared (clinician_cleared_flags)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "family": self.family,
            "title": self.title,
            "advice": self.advice,
            "reviewed": self.reviewed,
            "cleared": self.cleared,
            "inputs": _inputs(self.inputs),
            "evidence": [e.to_dict() for e in self.evidence],
        }


#: Where a recommendation sits in the plan a person sees (clinical.md section 6, "Kinds"):
#: every advice and comfort item, then the exercises to choose from, then other options.
SECTIONS = ("advice", "choose", "other")


@attrs.frozen
class Recommendation:
    """One activity or piece of advice, personalised and graded.

    ``kind`` is ``exercise``, ``advice`` or ``comfort``; ``section`` is where the plan shows it.
    """

    id: str
    name: str
    kind: str
    section: str
    reason: str
    dose: str
    progression: str
    cautions: tuple[str, ...] = attrs.field(converter=_tuple)
    grade: Grade | None
    preferred: bool
    inputs: InputPairs = attrs.field(converter=freeze_pairs)
    evidence: tuple[EvidenceRef, ...] = attrs.field(converter=_tuple)
    framing: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "section": self.section,
            "reason": self.reason,
            "dose": self.dose,
            "progression": self.progression,
            "cautions": list(self.cautions),
            "framing": self.framing,
            "grade": self.grade and self.grade.value,
            "preferred": self.preferred,
            "inputs": _inputs(self.inputs),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@attrs.frozen
class AdviceAgainstItem:
    """A treatment the profile's guideline advises against."""

    id: str
    profile: str
    scope: str
    text: str
    evidence: tuple[EvidenceRef, ...] = attrs.field(converter=_tuple)
    note: str | None = None  # said once after the list ("do not stop a medicine ...")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "profile": self.profile,
            "scope": self.scope,
            "text": self.text,
            "note": self.note,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@attrs.frozen
class Question:
    """An unanswered question, worded for whoever can answer it (clinical.md C11).

    ``asked_of`` is ``person`` or ``clinician``: a clinician's finding is never asked of the
    person; formats list it under "For your clinician".
    """

    id: str
    text: str
    asked_of: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "asked_of": self.asked_of}


@attrs.frozen
class SafetyNet:
    """A safety-net card as shown: a title and a short bulleted list (clinical.md C18)."""

    id: str
    title: str
    items: tuple[str, ...] = attrs.field(converter=_tuple)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "items": list(self.items)}


@attrs.frozen
class StartBack:
    """A scored STarT Back, with the matched care shown when a plan is shown."""

    risk: str
    total: int
    subscale: int
    matched_care: str | None
    credit: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "risk": self.risk,
            "total": self.total,
            "subscale": self.subscale,
            "matched_care": self.matched_care,
            "credit": self.credit,
        }


@attrs.frozen
class TraceEntry:
    """One step of the reasoning: a rule that fired on these inputs, or a policy decision."""

    rule: str
    kind: str
    text: str
    inputs: InputPairs = attrs.field(default=(), converter=freeze_pairs)
    check: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "check": self.check,
            "text": self.text,
            "inputs": _inputs(self.inputs),
        }


@attrs.frozen
class DroppedPlugin:
    """An installed plugin left out of the rule base: its name, the stage it failed at
    (``import``, ``hooks``, a hook name, ``validation`` or ``compile``) and why."""

    name: str
    stage: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "stage": self.stage, "reason": self.reason}


def _dropped(items: Any) -> tuple[DroppedPlugin, ...]:
    return tuple(d if isinstance(d, DroppedPlugin) else DroppedPlugin(*d) for d in items)


@attrs.frozen
class RulesetInfo:
    """Which rules produced this assessment: reproduce it from this and the input.

    ``plugins_dropped`` lists installed plugins that were left out (schema 2.1): a result
    without a plugin the reader expects must not look complete.
    """

    version: str
    hash: str
    engine: str
    profile: str
    # only the cut-offs changed from the defaults
    thresholds: tuple[tuple[str, int | float], ...] = attrs.field(converter=freeze_pairs)
    plugins_dropped: tuple[DroppedPlugin, ...] = attrs.field(default=(), converter=_dropped)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "hash": self.hash,
            "engine": self.engine,
            "profile": self.profile,
            "thresholds": dict(self.thresholds),
            "plugins_dropped": [d.to_dict() for d in self.plugins_dropped],
        }


@attrs.frozen
class Assessment:
    """The outcome of one assessment. Deeply immutable (every container inside is a tuple,
    frozenset or FrozenDict); ``to_dict()`` is the JSON contract."""

    urgency: Urgency
    screen_complete: bool
    red_flags: tuple[RedFlagFinding, ...] = attrs.field(converter=_tuple)
    watch: tuple[WatchFinding, ...] = attrs.field(converter=_tuple)
    startback: StartBack | None
    startback_missing: tuple[str, ...] = attrs.field(converter=_tuple)
    recommendations: tuple[Recommendation, ...] = attrs.field(converter=_tuple)
    advice_against: tuple[AdviceAgainstItem, ...] = attrs.field(converter=_tuple)
    unanswered: tuple[str, ...] = attrs.field(converter=_tuple)
    questions: tuple[Question, ...] = attrs.field(converter=_tuple)
    disclaimer: str
    safety_net: tuple[SafetyNet, ...] = attrs.field(converter=_tuple)
    trace: tuple[TraceEntry, ...] = attrs.field(converter=_tuple)
    ruleset: RulesetInfo
    schema_version: str = SCHEMA_VERSION

    @property
    def plan_shown(self) -> bool:
        return bool(self.recommendations)

    def section(self, name: str) -> tuple[Recommendation, ...]:
        """The recommendations of one plan section (``advice``, ``choose`` or ``other``)."""
        return tuple(r for r in self.recommendations if r.section == name)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form. The disclaimer carries the safety-net, so no reader can drop one
        without the other; a STarT Back that could not be scored is ``null`` and its missing
        items are in the trace."""
        return {
            "schema_version": self.schema_version,
            "urgency": self.urgency.value,
            "screen_complete": self.screen_complete,
            "red_flags": [f.to_dict() for f in self.red_flags],
            "watch": [w.to_dict() for w in self.watch],
            "startback": self.startback.to_dict() if self.startback else None,
            "recommendations": [r.to_dict() for r in self.recommendations],
            "advice_against": [a.to_dict() for a in self.advice_against],
            "unanswered": list(self.unanswered),
            "questions": [q.to_dict() for q in self.questions],
            "disclaimer": {
                "text": self.disclaimer,
                "safety_net": [card.to_dict() for card in self.safety_net],
            },
            "trace": [t.to_dict() for t in self.trace],
            "ruleset": self.ruleset.to_dict(),
        }
