"""Ordered vocabularies: urgency tiers, timeframes and evidence grades (clinical.md sections 3 and 8).

They are ``str`` enums so that they serialise as their spec names and compare by rank, not by
alphabet: ``Urgency.EMERGENCY > Urgency.SOON`` is what principle 4 (monotone escalation) means.
"""

from __future__ import annotations

import enum


class _Ranked(str, enum.Enum):
    """A str enum whose members order by declaration (first declared = lowest).

    All four comparisons are defined here: ``str`` already has them, so ``functools.total_ordering``
    would leave ``>``, ``>=`` and ``<=`` alphabetical ("emergency" < "urgent"), silently.
    """

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def _other(self, other: object) -> int | None:
        return _RANKS[other] if isinstance(other, type(self)) else None

    def __lt__(self, other: object) -> bool:
        rank = self._other(other)
        return NotImplemented if rank is None else self.rank < rank

    def __le__(self, other: object) -> bool:
        rank = self._other(other)
        return NotImplemented if rank is None else self.rank <= rank

    def __gt__(self, other: object) -> bool:
        rank = self._other(other)
        return NotImplemented if rank is None else self.rank > rank

    def __ge__(self, other: object) -> bool:
        rank = self._other(other)
        return NotImplemented if rank is None else self.rank >= rank

    def __hash__(self) -> int:
        return str.__hash__(self)

    def __str__(self) -> str:
        return str(self.value)


class Urgency(_Ranked):
    """How fast the person needs a clinician; the assessment's urgency is the highest that fired."""

    SELF_CARE = "self_care"
    SOON = "soon"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class Timeframe(_Ranked):
    """The wording of how soon, per red flag (clinical.md section 3)."""

    ROUTINE = "routine"
    WITHIN_2_WEEKS = "within_2_weeks"
    WITHIN_1_WEEK = "within_1_week"
    WITHIN_24H = "within_24h"
    NOW = "now"


class Grade(_Ranked):
    """Certainty of evidence for one claim; ranking uses the best grade of an activity's links."""

    EXPERT_OPINION = "expert_opinion"
    VERY_LOW = "very_low"
    LOW = "low"
    GUIDELINE = "guideline"
    MODERATE = "moderate"
    HIGH = "high"

    def raised(self) -> Grade:
        """One step higher (clinical.md C3: "ranked up"), capped at ``high``."""
        members = list(Grade)
        return members[min(self.rank + 1, len(members) - 1)]


_RANKS: dict[_Ranked, int] = {
    member: n for cls in (Urgency, Timeframe, Grade) for n, member in enumerate(cls)
}

DEFAULT_TIMEFRAME = {
    Urgency.EMERGENCY: Timeframe.NOW,
    Urgency.URGENT: Timeframe.WITHIN_24H,
    Urgency.SOON: Timeframe.WITHIN_2_WEEKS,
    Urgency.SELF_CARE: Timeframe.ROUTINE,
}
