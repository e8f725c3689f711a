"""The web questionnaire at ``/``: the core safety questions first, then the rest, each with
"Not sure", and the HTML handout as the result page (or, when asked, the answers as a JSON file).

Server-rendered with Jinja2 (autoescape on, so a hostile string in any field is shown as text),
no script, plain form controls in fieldsets with legends (usable by keyboard and screen
reader). "Not sure" is the default of every question and becomes "not answered" (``None``), never
"no" (principle 7). Questions only a clinician can answer (``asked_of == "clinician"``) are not
asked. STarT Back is nine questions of its own (``startback.item1`` ..), in the vocabulary's
topic paraphrases (the Keele wording is licensed); the axSpA features and the activity lists are
checkboxes. An empty set cannot say "none" apart from "not asked" in a PatientState, so the
axSpA question has an explicit "None of these": nothing ticked, or "Not sure", leaves the field
out. Nothing is stored: the answers live in the request and the page or file it returns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import attrs
import jinja2
from starlette.responses import Response

from ..api import check_rule_ids
from ..fields import FIELDS, STARTBACK_ITEMS, FieldSpec
from ..jsonio import quote
from ..patient import PatientState
from ..principles import CORE_SAFETY_QUESTIONS
from ..registry import current_rule_base

UNSURE = "unsure"
NONE_OF_THESE = "none"
FORM_KINDS = ("bool", "int", "float", "enum", "set", "list", "startback")
MULTI_KINDS = ("set", "list")
#: The lists a person fills in on this form (``clinician_cleared_flags`` is a clinician's).
LIST_FIELDS = ("preferred_activities", "avoid_activities")
STARTBACK = "startback"
SAVE = "save"  # the name of the "save my answers" button
SAVE_FILENAME = "back-pain-answers.json"
MAX_FIELD_CHARS = 200

#: Lay words for choice codes (principle 10); a code missing here is shown with spaces.
CHOICE_WORDS = {
    "none": "No",
    "one_side": "Yes, one side",
    "both_sides": "Yes, both sides",
    "stable": "Yes, and it stays the same",
    "progressive": "Yes, and it is getting worse",
    "severe": "Yes, the leg gives way",
    "improving": "Getting better",
    "unchanged": "About the same",
    "worsening": "Getting worse",
    "new": "They started in the last 2 weeks",
    "stable_2_to_12_weeks": "The same for 2 to 12 weeks",
    "stable_over_12_weeks": "The same for more than 12 weeks",
    "female": "Female",
    "male": "Male",
    "other": "Other",
    "unknown": "Prefer not to say",
    "not_at_all": "Not at all",
    "slightly": "Slightly",
    "moderately": "Moderately",
    "very_much": "Very much",
    "extremely": "Extremely",
}
#: Lay words for the NICE NG65 axSpA feature ids (``fields.AXSPA_FEATURES``).
AXSPA_WORDS = {
    "onset_before_35": "My back pain first started before I was 35",
    "wakes_second_half_of_night": "The pain wakes me in the second half of the night",
    "buttock_pain": "I have pain in my buttocks",
    "improves_with_movement": "The pain gets better when I move about",
    "improves_with_nsaids_48h": "Anti-inflammatory painkillers (such as ibuprofen) help within 2 days",
    "family_history_spa": "A parent, brother or sister has spondyloarthritis",
    "arthritis_history": "I have had arthritis (swollen, painful joints)",
    "enthesitis_history": "I have had painful swelling where a tendon joins a bone (such as the heel)",
    "psoriasis_history": "I have had psoriasis (a scaly skin rash)",
}
FIELD_CHOICE_WORDS = {
    ("leg_weakness_sides", "one_side"): "One leg",
    ("leg_weakness_sides", "both_sides"): "Both legs",
    ("neuro_symptoms_course", "worsening"): "They are getting worse",
}


@attrs.frozen
class Choice:
    value: str
    label: str


@attrs.frozen
class FormQuestion:
    """One fieldset of the form. ``name`` is the form control's name: a field of the
    vocabulary, or ``startback.itemN`` for a STarT Back item (``group`` is then ``startback``).
    ``kind`` ``set`` and ``list`` are checkboxes; the rest are radios or a typed number."""

    name: str
    kind: str
    text: str
    core: bool
    required: bool
    choices: tuple[Choice, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    group: str = ""


def _exercises() -> tuple[Choice, ...]:
    """The rule base's exercises by their lay names (preferences name exercises only, C5)."""
    return tuple(
        Choice(a.id, a.name) for a in current_rule_base().activities if a.kind == "exercise"
    )


def _choices(name: str, spec: FieldSpec) -> tuple[Choice, ...]:
    if spec.kind == "bool":
        return (Choice("yes", "Yes"), Choice("no", "No"))
    if spec.kind == "enum":
        return tuple(
            Choice(c, FIELD_CHOICE_WORDS.get((name, c), CHOICE_WORDS.get(c, c.replace("_", " "))))
            for c in spec.choices
        )
    if spec.kind == "set":
        features = [Choice(c, AXSPA_WORDS.get(c, c.replace("_", " "))) for c in spec.choices]
        return (*features, Choice(NONE_OF_THESE, "None of these"))
    if spec.kind == "list":
        return _exercises()
    return ()


def _question(name: str, spec: FieldSpec, core: bool, group: str = "") -> FormQuestion:
    text = spec.question[:1].upper() + spec.question[1:] if group else spec.question
    return FormQuestion(
        name,
        spec.kind,
        text,
        core,
        spec.required,
        _choices(name, spec),
        spec.minimum,
        spec.maximum,
        group,
    )


def questions() -> tuple[FormQuestion, ...]:
    """Every question of the form, in order: core safety questions, then the vocabulary's;
    the STarT Back group stands in for its nine items at its place."""
    core = [n for n in CORE_SAFETY_QUESTIONS if n in FIELDS]
    order = core + [n for n in FIELDS if n not in core]
    found: list[FormQuestion] = []
    for name in order:
        spec = FIELDS[name]
        if spec.asked_of != "person" or spec.kind not in FORM_KINDS:
            continue
        if spec.kind == "startback":
            found += [
                _question(f"{STARTBACK}.{item}", sub, False, STARTBACK)
                for item, sub in STARTBACK_ITEMS.items()
            ]
        elif spec.kind != "list" or name in LIST_FIELDS:
            found.append(_question(name, spec, name in core))
    return tuple(found)


QUESTIONS = questions()


@attrs.frozen
class Parsed:
    """``values`` is the flat JSON form of the answers (what PatientState reads); ``raw`` and
    ``ticked`` are what was sent, to show the form again; ``save`` asks for the JSON file."""

    values: dict[str, Any]
    errors: dict[str, str]
    raw: dict[str, str]
    ticked: dict[str, tuple[str, ...]] = attrs.Factory(dict)
    save: bool = False


def _number(q: FormQuestion, text: str) -> tuple[Any, str | None]:
    cleaned = text.strip().replace(",", ".") if q.kind == "float" else text.strip()
    try:
        value: float | int = int(cleaned) if q.kind == "int" else float(cleaned)
    except ValueError:
        noun = "a whole number" if q.kind == "int" else "a number"
        return None, f"{quote(text, 60)} is not {noun}"
    if q.minimum is not None and q.maximum is not None and not q.minimum <= value <= q.maximum:
        return None, f"{value} is outside {q.minimum:g} to {q.maximum:g}"
    return value, None


def _ticked(q: FormQuestion, ticks: tuple[str, ...], errors: dict[str, str]) -> list[str] | None:
    """The checked boxes of a set or list question: the values (``[]`` only for an explicit
    "None of these"), or ``None`` for not answered (nothing ticked, or only "Not sure")."""
    allowed = {c.value for c in q.choices}
    chosen = [t for t in ticks if t != UNSURE]
    for tick in chosen:
        if len(tick) > MAX_FIELD_CHARS or tick not in allowed:
            errors[q.name] = f"{quote(tick, 60)} is not one of the answers"
            return None
    if NONE_OF_THESE in chosen and q.kind == "set":
        if len(ticks) > 1:  # "none" beside a feature, or beside "not sure": which is meant?
            errors[q.name] = '"None of these" is ticked together with another answer'
            return None
        return []
    return [c.value for c in q.choices if c.value in chosen] or None  # in the form's order


def parse_form(body: bytes) -> Parsed:
    """The answers of a posted form; unknown names and oversized values are errors."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=400)
    except (UnicodeDecodeError, ValueError):
        return Parsed({}, {"form": "the form could not be read"}, {})
    multi = {q.name for q in QUESTIONS if q.kind in MULTI_KINDS}
    raw: dict[str, str] = {}
    ticked: dict[str, tuple[str, ...]] = {}
    errors: dict[str, str] = {}
    for key, value in pairs:
        if key in multi:  # checkboxes: one pair per ticked box; the same box twice is one
            if value not in ticked.get(key, ()):
                ticked[key] = (*ticked.get(key, ()), value)
            continue
        if key in raw and raw[key] != value:
            errors[key] = "answered twice"
        raw[key] = value
    known = {q.name for q in QUESTIONS} | {q.name + ".unsure" for q in QUESTIONS} | {SAVE}
    unknown = [key for key in raw if key not in known]
    if unknown:  # not this form's: refused, never silently dropped
        errors["form"] = f"{quote(unknown[0], 60)} is not a question of this form"
    save = raw.pop(SAVE, None) is not None
    values: dict[str, Any] = {}
    startback: dict[str, Any] = {}
    for q in QUESTIONS:
        into = startback if q.group == STARTBACK else values
        key = q.name.removeprefix(STARTBACK + ".") if q.group == STARTBACK else q.name
        text = raw.get(q.name, "")
        unsure = raw.get(q.name + ".unsure") == "1" or text in ("", UNSURE)
        if q.kind in MULTI_KINDS:
            chosen = _ticked(q, ticked.get(q.name, ()), errors)
            if chosen is not None:
                into[key] = chosen
        elif len(text) > MAX_FIELD_CHARS:
            errors[q.name] = f"longer than {MAX_FIELD_CHARS} characters"
        elif q.kind in ("int", "float"):
            if text.strip() and raw.get(q.name + ".unsure") != "1":
                value, error = _number(q, text)
                if error:
                    errors[q.name] = error
                else:
                    into[key] = value
        elif not unsure:
            allowed = {c.value for c in q.choices}
            if text not in allowed:
                errors[q.name] = f"{quote(text, 60)} is not one of the answers"
            elif q.kind == "bool":
                into[key] = text == "yes"
            else:
                into[key] = text
        if q.required and key not in into and q.name not in errors:
            errors[q.name] = "we need this answer to give any advice"
    both = set(values.get("preferred_activities", ())) & set(values.get("avoid_activities", ()))
    if both and "avoid_activities" not in errors:
        words = {c.value: c.label for q in QUESTIONS if q.kind == "list" for c in q.choices}
        errors["avoid_activities"] = (
            f"{quote(words[min(both)], 60)} is also ticked as one you would like to do"
        )
    if startback:  # a partial STarT Back is sent as it is: it is "not scored", never guessed
        values[STARTBACK] = startback
    return Parsed(values, errors, raw, ticked, save)


def checked(values: Mapping[str, Any]) -> PatientState:
    """The answers read by PatientState and the rule base's id checks, as an assessment
    would: raises InvalidPatientState naming the field."""
    state = PatientState.from_dict(values)
    check_rule_ids(state, current_rule_base())
    return state


def saved_answers(parsed: Parsed, headers: Mapping[str, str]) -> Response:
    """The person's answers as a JSON file to download ("save my answers"), checked first so
    ``spinerules assess FILE`` reads it. Only what was answered is in it: a question left at
    "Not sure" is absent (not asked), never written as ``null``, ``false`` or ``[]``.
    Nothing is kept on the server."""
    checked(parsed.values)
    body = json.dumps(parsed.values, indent=2, ensure_ascii=False) + "\n"
    return Response(
        body.encode("utf-8"),
        media_type="application/json",
        headers={**headers, "Content-Disposition": f'attachment; filename="{SAVE_FILENAME}"'},
    )


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("spinerules.serve", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def render_form(
    parsed: Parsed | None = None, *, message: str | None = None, disclaimer: str = ""
) -> str:
    raw: Mapping[str, str] = parsed.raw if parsed else {}
    ticked: Mapping[str, tuple[str, ...]] = parsed.ticked if parsed else {}
    errors: Mapping[str, str] = parsed.errors if parsed else {}
    core: Sequence[FormQuestion] = [q for q in QUESTIONS if q.core]
    rest: Sequence[FormQuestion] = [q for q in QUESTIONS if not q.core]
    return _ENV.get_template("form.html").render(
        core=core,
        rest=rest,
        raw=raw,
        ticked=ticked,
        errors=errors,
        message=message,
        unsure=UNSURE,
        none_of_these=NONE_OF_THESE,
        save=SAVE,
        startback=STARTBACK,
        disclaimer=disclaimer,
        texts={q.name: q.text for q in QUESTIONS},
    )
