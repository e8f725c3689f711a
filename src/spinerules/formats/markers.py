"""Headline markers: the one matcher behind "no lower headline" (principle 5).

Two places ask whether a text reads as a tier's headline ("Self-care: ...", "SOON -",
"— Urgent!"): the format contract, on the visible text of every output, and the registry, on
every string a plugin contributes (a plugin's card saying "Self-care: stay home" under an
emergency would otherwise be shown by the built-in formats). Both use ``lower_markers`` so they
cannot disagree.

What a reader takes for the word is matched, not the code points: the text is cleaned
(``clean.clean_text``), decomposed with NFKD (full-width and other compatibility letters become
ASCII), stripped of format characters (zero-width space and joiner, soft hyphen, word joiner)
and of combining marks, and common Cyrillic and Greek look-alikes are folded to Latin. A marker
counts at the start of a line or after punctuation ("# Soon:", "**SELF-CARE**,", "Plan - Urgent!"),
never after a word ("How soon: today"), and is followed by punctuation (colon, comma, full stop,
dash, ...) or the end of the line. Markdown emphasis inside the word ("Se**lf**-care:") is read
both ways.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import attrs

from ..conditions import Condition
from ..levels import Urgency
from .clean import clean_text
from .view import HEADLINE_MARKER

__all__ = ["fold", "headline_in_contribution", "lower_markers", "required_marker"]

#: Cyrillic, Greek, Armenian and Latin letters that look like the Latin ones of the markers.
_LOOKALIKES = str.maketrans(
    dict(
        zip(
            "АВЕЅІЈКМНОРСТУХаеһіјоѕрсухԁԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧαεικνορτυıɑɡɩʟօսց",
            "ABESIJKMHOPCTYXaehijospcyxdqwABEZHIKMNOPTYXaeiknoptuiagiLoug",
            strict=True,
        )
    )
)
#: Blank letters that show as a space.
_BLANKS = re.compile("[\u115f\u1160\u3164\uffa0\u2800]")
_SEPARATORS = r"[\s_\-\u2010-\u2015\u2212]*"


def fold(text: str) -> str:
    """The text as a reader takes it, for marker matching (see the module docstring)."""
    text = unicodedata.normalize("NFKD", clean_text(text))
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Mn", "Me"))
    return _BLANKS.sub(" ", text).translate(_LOOKALIKES)


def _body(words: str) -> str:
    return _SEPARATORS.join(re.escape(w) for w in re.split(r"[\s-]+", words))


def _marker(words: str, follow: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?:^|(?<=[^\w\s]))[^\S\n]*{_body(words)}[*_~]*[^\S\n]*(?:{follow})",
        re.IGNORECASE | re.MULTILINE,
    )


#: The headline an output must show: the marker and a colon, "!", a dash or the line's end.
_REQUIRED = {
    Urgency(tier): _marker(words, r"[:!\u2013\u2014]|-(?!\w)|$")
    for tier, words in HEADLINE_MARKER.items()
}
#: What reads as a headline, for refusing a lower one: wider (a comma, a full stop, ...).
_LOWER = {
    Urgency(tier): _marker(words, r"[:!,.;?()\[\]|/\u2012-\u2015]|-(?!\w)|$")
    for tier, words in HEADLINE_MARKER.items()
}
_EMPHASIS = re.compile(r"[*_~`]+")


def required_marker(tier: Urgency, text: str) -> bool:
    """Whether ``text`` (as shown, unfolded: the headline must be plainly there) has the
    headline marker of ``tier``."""
    return bool(_REQUIRED[tier].search(text))


def _in_folded(folded: str, tiers: tuple[Urgency, ...]) -> list[Urgency]:
    plain = _EMPHASIS.sub("", folded)
    return [t for t in tiers if _LOWER[t].search(folded) or _LOWER[t].search(plain)]


def lower_markers(text: str, tiers: tuple[Urgency, ...] = tuple(Urgency)) -> list[Urgency]:
    """The tiers among ``tiers`` whose headline marker a reader could find in ``text``."""
    return _in_folded(fold(text), tiers)


# --- contributions ---------------------------------------------------------------------------

#: Fields that are vocabulary, not text a person reads.
_NOT_TEXT = frozenset(
    {"id", "family", "families", "profile", "scope", "kind", "evidence_id", "doi", "study_type"}
)


def _texts(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, enum.Enum | Condition):
        return
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, tuple):
        for n, item in enumerate(value):
            yield from _texts(item, f"{where}[{n}]")
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            if field.name not in _NOT_TEXT:
                yield from _texts(getattr(value, field.name), f"{where}.{field.name}")


def headline_in_contribution(item: object) -> str | None:
    """Why a contributed rule or evidence entry cannot be registered, or None.

    None of its person-facing strings (titles, actions, notes, advice, reasons, doses,
    cautions, card lines, citations) may read as a headline, alone or joined to another of its
    strings by a space (the policy joins an action and its notes): the formats show them
    beside the assessment's own headline, and the format contract does not exempt them.
    """
    texts = [(where, text, fold(text)) for where, text in _texts(item, type(item).__name__)]
    every = tuple(Urgency)
    for where, text, folded in texts:
        found = _in_folded(folded, every)
        if found:
            return (
                f"{where} {text[:60]!r} reads as a {found[0].value.replace('_', '-')} headline;"
                " a plugin's text may not carry a headline marker"
            )
    # fold() maps "a b" to fold(a) + " " + fold(b): the joins need no folding of their own
    for first, a, folded_a in texts:
        for second, b, folded_b in texts:
            if first != second and _in_folded(f"{folded_a} {folded_b}", every):
                return (
                    f"{first} and {second} joined read as a headline"
                    f" ({a[-30:]!r} {b[:30]!r}); a plugin's text may not carry a headline marker"
                )
    return None
