"""What an assessment says, and why: the value types and the JSON contract.

The Assessment knows nothing of output formats; ``to_dict()`` is the JSON contract every format
and every future adapter (FHIR, CDS Hooks) starts from. Its top-level keys are fixed:
``schema_version``, ``urgency``, ``screen_complete``, ``red_flags``, ``watch``, ``startback``,
``recommendations``, ``advice_against``, ``unanswered``, ``disclaimer``, ``trace``, ``ruleset``.
"""

from __future__ import annotations

from typing import Any

import attrs

from .levels import Grade, Timeframe, Urgency

SCHEMA_VERSION = "1.0"
InputPairs = tuple[tuple[str, Any], ...]


def _inputs(pairs: InputPairs) -> dict[str, Any]:
    return dict(pairs)


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
    inputs: InputPairs
    evidence: tuple[EvidenceRef, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "family": self.family,
            "urgency": self.urgency.value,
            "timeframe": self.timeframe.value,
            "title": self.title,
            "action": self.action,
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
    inputs: InputPairs
    evidence: tuple[EvidenceRef, ...]
    reviewed: bool = False  # a reviewable red flag turned into a watch item by clinician review

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "family": self.family,
            "title": self.title,
            "advice": self.advice,
            "reviewed": self.reviewed,
            "inputs": _inputs(self.inputs),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@attrs.frozen
class Recommendation:
    """One activity or piece of advice, personalised and graded."""

    id: str
    name: str
    kind: str
    reason: str
    dose: str
    progression: str
    cautions: tuple[str, ...]
    grade: Grade | None
    preferred: bool
    inputs: InputPairs
    evidence: tuple[EvidenceRef, ...]
    framing: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
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
    evidence: tuple[EvidenceRef, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "profile": self.profile,
            "scope": self.scope,
            "text": self.text,
            "evidence": [e.to_dict() for e in self.evidence],
        }


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
    inputs: InputPairs = ()
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
class RulesetInfo:
    """Which rules produced this assessment: reproduce it from this and the input."""

    version: str
    hash: str
    engine: str
    profile: str
    thresholds: tuple[tuple[str, int | float], ...]  # only the cut-offs changed from the defaults

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "hash": self.hash,
            "engine": self.engine,
            "profile": self.profile,
            "thresholds": dict(self.thresholds),
        }


@attrs.frozen
class Assessment:
    """The outcome of one assessment. Immutable; ``to_dict()`` is the JSON contract."""

    urgency: Urgency
    screen_complete: bool
    red_flags: tuple[RedFlagFinding, ...]
    watch: tuple[WatchFinding, ...]
    startback: StartBack | None
    startback_missing: tuple[str, ...]
    recommendations: tuple[Recommendation, ...]
    advice_against: tuple[AdviceAgainstItem, ...]
    unanswered: tuple[str, ...]
    disclaimer: str
    safety_net: tuple[str, ...]
    trace: tuple[TraceEntry, ...]
    ruleset: RulesetInfo
    schema_version: str = SCHEMA_VERSION

    @property
    def plan_shown(self) -> bool:
        return bool(self.recommendations)

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
            "disclaimer": {"text": self.disclaimer, "safety_net": list(self.safety_net)},
            "trace": [t.to_dict() for t in self.trace],
            "ruleset": self.ruleset.to_dict(),
        }
