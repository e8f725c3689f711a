"""Rules between fields, and the facts derived from fields, declared once beside the vocabulary.

A field's own rules (kind, range, choices) live in its ``FieldSpec``. The rules here need two
fields, so no spec can hold them. They are data: ``PatientState`` (one person) and the columnar
screen (a table) each translate every rule class, and a test holds both to the same rows, the
way ``conditions`` and its backends work. A message is written once, as pieces: literal text and
the values of named fields, which each backend shows in its own way.
"""

from __future__ import annotations

import attrs

from .fields import AXSPA_ONSET_AGE, AXSPA_ONSET_FEATURE


@attrs.frozen
class Shown:
    """The value of a field, as the message shows it."""

    field: str


Piece = str | Shown


@attrs.frozen
class NotAbove:
    """``field`` may not exceed the field ``limit`` (both known)."""

    field: str
    limit: str
    why: str

    @property
    def fields(self) -> tuple[str, ...]:
        """The fields the rule reads; it is checked only once each is valid on its own."""
        return (self.field, self.limit)

    @property
    def message(self) -> tuple[Piece, ...]:
        return (
            f"{self.field}: ",
            Shown(self.field),
            f" is not allowed; expected an integer 0..{self.limit} (",
            Shown(self.limit),
            f"): {self.why}",
        )


@attrs.frozen
class DerivedMember:
    """A member of the set ``field`` that is a fact of another field: when ``source`` is known,
    the member holds exactly when ``source < below``. Listing it against a known ``source`` of
    ``below`` or more contradicts the source, and is an error; listing it with ``source``
    unknown is the person's own answer."""

    field: str
    member: str
    source: str
    below: int

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field, self.source)

    @property
    def message(self) -> tuple[Piece, ...]:
        return (
            f'{self.field}: "{self.member}" is not allowed when {self.source} is ',
            Shown(self.source),
            f'; expected {self.source} < {self.below} or no "{self.member}" '
            f"(it is derived from {self.source} when that is known)",
        )


#: Every rule between fields, in the order their problems are reported.
CROSS_FIELD_RULES: tuple[NotAbove | DerivedMember, ...] = (
    NotAbove("first_back_pain_age", "age", "back pain cannot first begin after the current age"),
    DerivedMember("axspa_features", AXSPA_ONSET_FEATURE, "first_back_pain_age", AXSPA_ONSET_AGE),
)
#: The derived set members (a subset of the rules above: each is both a check and a fact).
DERIVED_MEMBERS: tuple[DerivedMember, ...] = tuple(
    r for r in CROSS_FIELD_RULES if isinstance(r, DerivedMember)
)
