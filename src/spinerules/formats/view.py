"""What a person sees, decided once for every format (clinical.md principles 9 and 10).

``person_view(assessment)`` turns an Assessment into an ordered list of sections in lay words;
the text, markdown and HTML formats only lay those sections out. So the three cannot disagree
about content: the same questions, the same plan with its reasons, doses, cautions, framing and
grades, the same safety-net cards. The JSON format keeps everything (the trace, the watch list
at every tier); this view leaves out for the person what principle 9 says not to show beside an
urgent or emergency action.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from ..assessment import Assessment, EvidenceRef, Recommendation, RedFlagFinding
from ..levels import Grade, Timeframe, Urgency
from .clean import one_line

#: The word each tier's headline starts with, followed by a colon. ``spinerules.render`` looks
#: for these in the visible text of every output (``formats/contract.py``): the assessment's own
#: must be there, and no lower tier's may be (an emergency beside "Self-care:" is refused).
HEADLINE_MARKER = {
    "emergency": "Emergency",
    "urgent": "Urgent",
    "soon": "Soon",
    "self_care": "Self-care",
}
HEADLINE = {
    tier: f"{HEADLINE_MARKER[tier]}: {action}"
    for tier, action in (
        ("emergency", "go to an emergency department now, or call emergency services"),
        ("urgent", "see a doctor today"),
        ("soon", "make an appointment with your doctor"),
        ("self_care", "stay active; here is your plan"),
    )
}
#: Principle 3: an incomplete screen never leads with a self-care headline.
INCOMPLETE_HEADLINE = "Answer these safety questions first"
SAFETY_QUESTIONS = "Safety questions"
INCOMPLETE_NOTE = (
    "Until they are answered, you get no exercise plan, only the advice to stay active."
)
#: At urgent and emergency the action leads (principle 1); the questions follow it.
UNANSWERED_AFTER_ACTION = "Not yet answered: tell the doctor who sees you"
MORE_QUESTIONS = "Questions that could change this advice"
FOR_CLINICIAN = "For your clinician"
FOR_CLINICIAN_NOTE = "Only a clinician can check these. Show them this list."
RED_FLAGS = "What to do"
ALSO_FOUND = "Also found: tell the doctor who sees you"
WATCH = "Keep an eye on"
ADVICE = "Advice"
CHOOSE = "Choose one or two you will keep doing"
CHOOSE_NOTE = "No type of exercise is clearly better than another (Owen 2020)."
OTHER = "Other options"
CARE = "Your care pathway"
NOT_RECOMMENDED = "Not recommended"
SAFETY_NET = "If things change"
EVIDENCE = "Evidence"

TIMEFRAME_WORDS = {
    Timeframe.NOW: "now",
    Timeframe.WITHIN_24H: "today (within 24 hours)",
    Timeframe.WITHIN_1_WEEK: "within 1 week",
    Timeframe.WITHIN_2_WEEKS: "within 2 weeks",
    Timeframe.ROUTINE: "at a routine appointment",
}


def grade_words(grade: Grade | None) -> str:
    """Principle 10: "evidence: moderate", never ``very_low``."""
    return "evidence: " + (grade.value.replace("_", " ") if grade else "not graded")


# Every string of a view is cleaned on the way in (``clean.one_line``): whatever a format lays
# out, a plugin's text holds no control or bidi character and no line break of its own.


def _lines(texts: Iterable[str]) -> tuple[str, ...]:
    return tuple(one_line(t) for t in texts)


def _labelled(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((one_line(label), one_line(text)) for label, text in pairs)


def _entries(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    return tuple(entries)


def _sections(sections: Iterable[Section]) -> tuple[Section, ...]:
    return tuple(sections)


def _optional(text: str | None) -> str | None:
    return None if text is None else one_line(text)


@attrs.frozen
class Entry:
    """One item with labelled details (a red flag, a recommendation, a watch item)."""

    title: str = attrs.field(converter=one_line)
    details: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_labelled)
    # the rule id, in small print, for traceability (principle 6)
    reference: str | None = attrs.field(default=None, converter=_optional)


@attrs.frozen
class Section:
    """A heading with paragraphs, bullets, entries and closing notes, in that order."""

    id: str = attrs.field(converter=one_line)
    title: str = attrs.field(converter=one_line)
    paragraphs: tuple[str, ...] = attrs.field(default=(), converter=_lines)
    bullets: tuple[str, ...] = attrs.field(default=(), converter=_lines)
    entries: tuple[Entry, ...] = attrs.field(default=(), converter=_entries)
    # said once after the list ("do not stop a medicine ...")
    after: tuple[str, ...] = attrs.field(default=(), converter=_lines)
    small: bool = False  # evidence and the like: secondary print


@attrs.frozen
class PersonView:
    level: str  # the urgency tier, for colour
    headline: str = attrs.field(converter=one_line)
    sections: tuple[Section, ...] = attrs.field(converter=_sections)
    disclaimer: str = attrs.field(converter=one_line)
    provenance: str = attrs.field(converter=one_line)


def leads_with_questions(a: Assessment) -> bool:
    """Principle 3: an incomplete screen below urgent leads with its safety questions."""
    return not a.screen_complete and a.urgency < Urgency.URGENT


def headline(a: Assessment) -> str:
    """The headline every person-facing output leads with (a plugin format can use it too)."""
    return INCOMPLETE_HEADLINE if leads_with_questions(a) else HEADLINE[a.urgency.value]


def _flag_entries(flags: tuple[RedFlagFinding, ...]) -> tuple[Entry, ...]:
    return tuple(
        Entry(f.title, (("What to do", f.action), ("How soon", TIMEFRAME_WORDS[f.timeframe])), f.id)
        for f in flags
    )


def _recommendation(r: Recommendation) -> Entry:
    details = [("Why", r.reason), ("How much", r.dose), ("How to build up", r.progression)]
    details += [("Take care", c) for c in r.cautions]
    if r.framing:
        details.append(("What the evidence shows", r.framing))
    details.append(("Evidence", grade_words(r.grade).removeprefix("evidence: ")))
    return Entry(r.name, tuple(details), r.id)


def _option(r: Recommendation) -> str:
    """Other options by name; a caution stays with its activity, whoever picks it."""
    cautions = " ".join(f"Take care: {c}" for c in r.cautions)
    grade = grade_words(r.grade)
    return f"{r.name} ({grade}). {cautions}".strip()


def _questions(a: Assessment, asked_of: str) -> tuple[str, ...]:
    return tuple(q.text for q in a.questions if q.asked_of == asked_of)


def _evidence(a: Assessment, action_only: bool) -> tuple[str, ...]:
    refs: dict[str, EvidenceRef] = {}
    groups = [f.evidence for f in a.red_flags]
    if not action_only:
        groups += [r.evidence for r in a.recommendations]
    for group in groups:
        for ref in group:
            refs.setdefault(ref.id, ref)
    return tuple(
        f"{ref.citation}"
        + (f" (doi:{ref.doi})" if ref.doi else "")
        + f" — {grade_words(ref.grade)}"
        for ref in refs.values()
    )


def person_view(a: Assessment) -> PersonView:
    """The sections a person sees, in order (see the module docstring)."""
    action_first = a.urgency >= Urgency.URGENT  # principles 1 and 9
    sections: list[Section] = []
    asked = _questions(a, "person")
    if not a.screen_complete and not action_first:
        sections.append(Section("questions", SAFETY_QUESTIONS, (INCOMPLETE_NOTE,), asked))
    # The action of the assessment's own tier leads; flags of a lower tier are still shown
    # (principle 5), under their own heading, so "see a doctor today" never reads as the
    # answer beside "go now".
    lead = tuple(f for f in a.red_flags if f.urgency == a.urgency)
    also = tuple(f for f in a.red_flags if f.urgency != a.urgency)
    if lead:
        sections.append(Section("red_flags", RED_FLAGS, entries=_flag_entries(lead)))
    if also:
        sections.append(Section("red_flags_also", ALSO_FOUND, entries=_flag_entries(also)))
    if asked and (a.screen_complete or action_first):
        title = MORE_QUESTIONS if a.screen_complete else UNANSWERED_AFTER_ACTION
        sections.append(Section("questions", title, bullets=asked))
    clinician = _questions(a, "clinician")
    if clinician:
        sections.append(Section("clinician", FOR_CLINICIAN, (FOR_CLINICIAN_NOTE,), clinician))
    if a.watch and not action_first:
        sections.append(
            Section(
                "watch",
                WATCH,
                entries=tuple(Entry(w.title, (("What to do", w.advice),), w.id) for w in a.watch),
            )
        )
    advice = a.section("advice")
    if advice:
        sections.append(Section("advice", ADVICE, entries=tuple(map(_recommendation, advice))))
    choose = a.section("choose")
    if choose:
        sections.append(
            Section("choose", CHOOSE, (CHOOSE_NOTE,), entries=tuple(map(_recommendation, choose)))
        )
    other = a.section("other")
    if other:
        sections.append(Section("other", OTHER, bullets=tuple(map(_option, other))))
    if a.startback and a.startback.matched_care and not action_first:
        sections.append(Section("care", CARE, (a.startback.matched_care, a.startback.credit)))
    if a.advice_against:
        notes = tuple(dict.fromkeys(x.note for x in a.advice_against if x.note))
        sections.append(
            Section(
                "not_recommended",
                NOT_RECOMMENDED,
                bullets=tuple(x.text for x in a.advice_against),
                after=notes,
            )
        )
    for card in a.safety_net:
        sections.append(Section(f"card_{card.id}", card.title, bullets=card.items))
    refs = _evidence(a, action_first)
    if refs:
        sections.append(Section("evidence", EVIDENCE, bullets=refs, small=True))
    r = a.ruleset
    return PersonView(
        level=a.urgency.value,
        headline=headline(a),
        sections=tuple(sections),
        disclaimer=a.disclaimer,
        provenance=f"Rules {r.version} ({r.hash}), engine {r.engine}, profile {r.profile}.",
    )
