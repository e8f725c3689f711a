"""An Assessment as CDS Hooks cards, decided here once for every service.

The rules (clinical.md section 1; CDS Hooks 2.0 "Card Attributes"):

* every red flag is a card of its own (principle 5): ``critical`` at emergency and urgent,
  ``warning`` at soon; its detail gives the action, how soon, the answers it fired on, the
  evidence with grades and the disclaimer;
* an incomplete screen (principle 3) is a ``warning`` card asking the clinician the unanswered
  core safety questions in lay words, with the warning signs; it never comes with a self-care
  card;
* only a complete screen with no red flag gives the ``info`` self-care card (its detail is the
  person's handout in markdown, checked by the format contract);
* nothing reassuring beside an emergency or urgent flag (principle 9): no self-care card, no
  "imaging is not recommended" card;
* lumbar imaging with a complete screen and no red flag: a ``warning`` card "Imaging is not
  recommended" with a suggestion to delete each order and ``overrideReasons``;
* every summary is under 140 characters and starts with the tier's word.

Cards only read the Assessment; they know nothing of HTTP.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from .. import __version__
from ..api import render
from ..assessment import Assessment, EvidenceRef, RedFlagFinding
from ..fields import FIELDS
from ..formats.view import (
    HEADLINE_MARKER,
    INCOMPLETE_HEADLINE,
    TIMEFRAME_WORDS,
    UNANSWERED_AFTER_ACTION,
    grade_words,
)
from ..levels import Urgency
from ..principles import CORE_SAFETY_QUESTIONS
from ..registry import current_rule_base
from .imaging import ImagingOrder

SUMMARY_LIMIT = 139  # "<140-character summary" (CDS Hooks 2.0, Card Attributes)
OVERRIDE_SYSTEM = "https://spinerules.dev/cds/CodeSystem/override-reason"
TOPIC = {
    "system": "https://spinerules.dev/cds/CodeSystem/topic",
    "code": "low-back-pain-screen",
    "display": "Low back pain red-flag screen",
}
#: Why a clinician may keep an imaging order a screen without red flags advises against.
OVERRIDE_REASONS = (
    ("red-flag-on-examination", "A red flag was found on examination"),
    ("planned-intervention", "Imaging is needed to plan surgery or an injection"),
    ("screen-answers-wrong", "The screen's answers are out of date or wrong"),
    ("specialist-request", "Requested by a specialist who has assessed the person"),
)
IMAGING_SUMMARY = "Imaging is not recommended: no red flag in this low back pain screen"
IMAGING_ADVICE = ("nice_no_routine_imaging", "acp_no_routine_imaging")


@attrs.frozen
class Card:
    """A card as sent (``body``) and what it is about (``kind``: ``red_flag:<id>``,
    ``safety_questions``, ``self_care``, ``imaging_not_recommended``, ``no_screen``), which the
    feedback store records beside the clinician's outcome."""

    kind: str
    body: dict[str, Any]


def summary(text: str) -> str:
    """One line under 140 characters, cut at a word with an ellipsis when longer."""
    line = " ".join(text.split())
    if len(line) <= SUMMARY_LIMIT:
        return line
    cut = line[: SUMMARY_LIMIT - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-")
    return cut + "…"


def md(text: object) -> str:
    """Text from the rule base (plugins are third-party text) as inert GitHub markdown: no
    HTML, no link, no emphasis, no table of its own, on one line."""
    out = " ".join(str(text).split())
    out = out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\`*_[]|#!":
        out = out.replace(char, "\\" + char)
    return out


def _value_words(value: object) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list | tuple | frozenset | set):
        return ", ".join(_value_words(v) for v in value) or "none"
    return str(value).replace("_", " ")


def _question(field: str) -> str:
    spec = FIELDS.get(field)
    return spec.question if spec is not None else field


def source(a: Assessment) -> dict[str, Any]:
    return {"label": f"spinerules {__version__} (rules {a.ruleset.version})", "topic": TOPIC}


def _evidence(refs: Iterable[EvidenceRef]) -> list[str]:
    return [f"- {md(e.citation)} ({grade_words(e.grade)})" for e in refs]


def _footer(a: Assessment) -> list[str]:
    return [
        "",
        f"_{md(a.disclaimer)}_",
        "",
        f"Rules {md(a.ruleset.version)} ({md(a.ruleset.hash)}), engine {md(a.ruleset.engine)}.",
    ]


def _red_flag_card(
    a: Assessment, flag: RedFlagFinding, links: list[dict[str, Any]]
) -> dict[str, Any]:
    tier = HEADLINE_MARKER[flag.urgency.value]
    lines = [
        f"**{md(tier)}: {md(flag.title)}**",
        "",
        f"**Action:** {md(flag.action)}",
        "",
        f"**How soon:** {md(TIMEFRAME_WORDS[flag.timeframe])}",
        "",
        "**Answers it fired on:**",
        *[f"- {md(_question(k))}: {md(_value_words(v))}" for k, v in flag.inputs],
        "",
        "**Evidence:**",
        *_evidence(flag.evidence),
        "",
        f"Rule `{flag.id}` (family {md(flag.family)}).",
        *_footer(a),
    ]
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary(f"{tier}: {flag.title}"),
        "indicator": "critical" if flag.urgency >= Urgency.URGENT else "warning",
        "detail": "\n".join(lines),
        "source": source(a),
        **({"links": links} if links else {}),
    }


def unanswered_core(a: Assessment) -> list[str]:
    """The core safety questions this assessment has no answer to, in their order."""
    missing = set(a.unanswered)
    return [q for q in CORE_SAFETY_QUESTIONS if q in missing]


def _questions_card(a: Assessment, links: list[dict[str, Any]], about: str = "") -> dict[str, Any]:
    core = unanswered_core(a)
    core_set = set(core)
    others = [q for q in a.questions if q.id not in core_set]
    # Principle 1: at urgent and emergency the action leads; the questions follow it.
    head = INCOMPLETE_HEADLINE if a.urgency < Urgency.URGENT else UNANSWERED_AFTER_ACTION
    lines = [f"**{head}.** Ask the person:", ""]
    lines += [f"- {md(_question(q))}" for q in core]
    person = [q for q in others if q.asked_of == "person"]
    clinician = [q for q in others if q.asked_of == "clinician"]
    if person:
        lines += ["", "Also unanswered, and could raise the urgency:", ""]
        lines += [f"- {md(q.text)}" for q in person]
    if clinician:
        lines += ["", "For a clinician to check:", ""]
        lines += [f"- {md(q.text)}" for q in clinician]
    for card in a.safety_net:
        lines += ["", f"**{md(card.title)}**", ""]
        lines += [f"- {md(item)}" for item in card.items]
    lines += _footer(a)
    n = len(core)
    what = f"{n} core safety question{'s' if n != 1 else ''} not answered"
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary(f"{head}{about}: {what}"),
        "indicator": "warning",
        "detail": "\n".join(lines),
        "source": source(a),
        **({"links": links} if links else {}),
    }


def _self_care_card(a: Assessment, links: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary(
            f"{HEADLINE_MARKER['self_care']}: no red flag in a complete screen; offer the self-care plan"
        ),
        "indicator": "info",
        "detail": render(a, "markdown"),
        "source": source(a),
        **({"links": links} if links else {}),
    }


def _imaging_evidence() -> list[EvidenceRef]:
    """The sources of the rule base's own "no routine imaging" items (NICE and ACP)."""
    rule_base = current_rule_base()
    refs: dict[str, EvidenceRef] = {}
    for item in rule_base.advice_against:
        if item.id in IMAGING_ADVICE:
            for link in item.evidence:
                source = rule_base.evidence[link.evidence_id]
                refs[source.id] = EvidenceRef(
                    source.id, source.citation, rule_base.link_grade(link), source.doi
                )
    return list(refs.values())


def _imaging_card(
    a: Assessment, orders: Sequence[ImagingOrder], links: list[dict[str, Any]]
) -> dict[str, Any]:
    lines = [
        "**Imaging is not recommended.** This low back pain screen is complete and found no "
        "red flag. NICE NG59 and the ACP advise against routine imaging without one: it does "
        "not improve outcomes and can lead to unneeded treatment.",
        "",
        "Orders:",
        *[f"- {md(o.display)} (`{o.reference}`)" for o in orders],
        "",
        "**Evidence:**",
        *_evidence(_imaging_evidence()),
        *_footer(a),
    ]
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary(IMAGING_SUMMARY),
        "indicator": "warning",
        "detail": "\n".join(lines),
        "source": source(a),
        "suggestions": [
            {
                "label": summary(f"Remove the order: {o.display}"),
                "uuid": str(uuid.uuid4()),
                "actions": [
                    {
                        "type": "delete",
                        "description": f"Remove the draft order {o.reference} ({o.display})",
                        "resourceId": o.reference,
                    }
                ],
            }
            for o in orders
        ],
        "selectionBehavior": "any",
        "overrideReasons": [
            {"system": OVERRIDE_SYSTEM, "code": code, "display": display}
            for code, display in OVERRIDE_REASONS
        ],
        **({"links": links} if links else {}),
    }


def cards_for(
    a: Assessment,
    *,
    links: list[dict[str, Any]] | None = None,
    questionnaire_link: dict[str, Any] | None = None,
    imaging: Sequence[ImagingOrder] | None = None,
) -> list[Card]:
    """The cards for one assessment, most urgent first.

    ``imaging`` is None for patient-view, else the lumbar imaging orders in scope (empty: no
    imaging order, and only the screen's own cards are returned).
    """
    links = list(links or [])
    cards = [Card(f"red_flag:{flag.id}", _red_flag_card(a, flag, links)) for flag in a.red_flags]
    cards.sort(key=lambda c: c.body["indicator"] != "critical")  # stable: the assessment's order
    if not a.screen_complete:
        about = " before imaging" if imaging else ""
        q_links = links + ([questionnaire_link] if questionnaire_link else [])
        cards.append(Card("safety_questions", _questions_card(a, q_links, about)))
    elif not a.red_flags:
        if imaging:
            cards.append(Card("imaging_not_recommended", _imaging_card(a, imaging, links)))
        if a.urgency == Urgency.SELF_CARE:
            cards.append(Card("self_care", _self_care_card(a, links)))
    return cards


def no_screen_card(reason: str, *, imaging: bool, links: list[dict[str, Any]]) -> Card:
    """The record cannot be screened (no back-pain episode, a child): say so, never "no red
    flag"; before imaging it is a warning."""
    head = "Low back pain screen not possible" + (" before imaging" if imaging else "")
    return Card(
        "no_screen",
        {
            "uuid": str(uuid.uuid4()),
            "summary": summary(f"{head}: record the episode and ask the safety questions"),
            "indicator": "warning" if imaging else "info",
            "detail": "\n".join(
                [
                    f"**{md(head)}.** {md(reason)}",
                    "",
                    'No red-flag screen was run, so this is not a finding of "no red flag". Ask the '
                    "core safety questions: "
                    + "; ".join(md(_question(q)) for q in CORE_SAFETY_QUESTIONS),
                ]
            ),
            "source": {"label": f"spinerules {__version__}", "topic": TOPIC},
            **({"links": links} if links else {}),
        },
    )


MAX_NOTES = 10


def record_notes(notes: Sequence[str]) -> str:
    """The FHIR reader's warnings (a conflict, a provisional diagnosis, a bad code) as a
    markdown section: a clinician sees what in the record could not be used."""
    lines = ["", "", "**Record notes** (not used for this screen):", ""]
    lines += [f"- {md(n)}" for n in notes[:MAX_NOTES]]
    if len(notes) > MAX_NOTES:
        lines.append(f"- and {len(notes) - MAX_NOTES} more")
    return "\n".join(lines)
