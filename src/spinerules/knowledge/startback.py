"""STarT Back risk stratification (Keele; clinical.md section 5).

The tool is © Keele University; spinerules scores it and paraphrases the items, and ships no
item wording. Item 9 scores only for "very much" or "extremely": "moderately" scoring 1 is a
known mistake in some implementations.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TypeVar

import attrs

from ..patient import StartBackAnswers
from ..principles import ROW, Algebra
from ..rules import EvidenceLink, cite
from ..thresholds import Thresholds

V = TypeVar("V")

ITEMS = tuple(f"item{n}" for n in range(1, 10))
PSYCHOSOCIAL = ("item5", "item6", "item7", "item8", "item9")
ITEM9_SCORING = frozenset({"very_much", "extremely"})
EVIDENCE: tuple[EvidenceLink, ...] = (
    cite("hill2008_startback"),
    cite("hill2011_startback_trial"),
    cite("nice_ng59"),
)
CREDIT = "STarT Back Screening Tool © Keele University, used for non-commercial decision support; items paraphrased."

#: Section 5 and R3-18: every stratum gets advice, reassurance and keep-active messages; each
#: names its route in lay words.
MATCHED_CARE = {
    "low": "Low risk: you can manage this yourself (self-management), with the advice and reassurance here, and by keeping active.",
    "medium": "Medium risk: physiotherapy with exercise would help. Ask your GP to refer you; in many areas you can refer yourself. Meanwhile, use the advice and reassurance here and keep active.",
    "high": "High risk: physiotherapy that also helps with worry and low mood about pain would help (psychologically informed physiotherapy). Ask your GP or physiotherapist; in many areas you can refer yourself. Meanwhile, use the advice and reassurance here and keep active.",
}
#: Added when a red flag asks for a review: never "self-management only" beside it.
BESIDE_REVIEW = "Book the review your red flag asks for first; this does not replace it."


@attrs.frozen
class StartBackScore:
    """A scored STarT Back: ``risk`` is ``low``, ``medium`` or ``high``."""

    risk: str
    total: int
    subscale: int


@attrs.frozen
class StartBackNotScored:
    """Not every item was answered; ``missing`` names them (clinical.md C13)."""

    missing: tuple[str, ...]


def points(alg: Algebra[V], item: str, answer: V) -> V:
    """Whether an answer scores a point: "agree" for items 1-8, "very much" or "extremely" for 9."""
    if item == "item9":
        return alg.any([alg.equal(answer, alg.const(a)) for a in sorted(ITEM9_SCORING)])
    return alg.equal(answer, alg.const(True))


def stratify(alg: Algebra[V], answers: Mapping[str, V], t: Thresholds) -> tuple[V, V, V]:
    """(total, psychosocial subscale, risk) of nine answered items, in any algebra: the one
    scoring of ``score()`` and of the columnar screen (Hill 2008 cut-offs, in ``Thresholds``)."""
    scored = {item: points(alg, item, answers[item]) for item in ITEMS}
    total = alg.count(list(scored.values()))
    subscale = alg.count([scored[item] for item in PSYCHOSOCIAL])
    risk = alg.choose(
        [
            (alg.at_least(subscale, alg.const(t.startback_high_subscale)), alg.const("high")),
            (alg.at_least(alg.const(t.startback_low_total), total), alg.const("low")),
        ],
        alg.const("medium"),
    )
    return total, subscale, risk


@functools.lru_cache(maxsize=1024)
def score(answers: StartBackAnswers | None, t: Thresholds) -> StartBackScore | StartBackNotScored:
    """Score when all nine answers are present (C10: whatever the urgency)."""
    if answers is None:
        return StartBackNotScored(ITEMS)
    values = {item: getattr(answers, item) for item in ITEMS}
    missing = tuple(item for item, value in values.items() if value is None)
    if missing:
        return StartBackNotScored(missing)
    total, subscale, risk = stratify(ROW, values, t)
    return StartBackScore(risk, total, subscale)
