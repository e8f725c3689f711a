"""The web questionnaire at ``/``: the core safety questions first, then the rest, each with
"Not sure", and the HTML handout as the result page.

Server-rendered with Jinja2 (autoescape on, so a hostile string in any field is shown as text),
no script, plain form controls in fieldsets with legends (usable by keyboard and screen
reader). "Not sure" is the default of every question and becomes "not answered" (``None``), never
"no" (principle 7). Questions only a clinician can answer (``asked_of == "clinician"``) are not
asked; list, set and STarT Back fields are not on this form yet (docs/serve.md). Nothing is
stored: the answers live in the request and the page it returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import attrs
import jinja2

from ..fields import FIELDS, FieldSpec
from ..jsonio import quote
from ..principles import CORE_SAFETY_QUESTIONS

UNSURE = "unsure"
FORM_KINDS = ("bool", "int", "float", "enum")
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
    name: str
    kind: str
    text: str
    core: bool
    required: bool
    choices: tuple[Choice, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


def _choices(name: str, spec: FieldSpec) -> tuple[Choice, ...]:
    if spec.kind == "bool":
        return (Choice("yes", "Yes"), Choice("no", "No"))
    if spec.kind == "enum":
        return tuple(
            Choice(c, FIELD_CHOICE_WORDS.get((name, c), CHOICE_WORDS.get(c, c.replace("_", " "))))
            for c in spec.choices
        )
    return ()


def questions() -> tuple[FormQuestion, ...]:
    """Every question of the form, in order: core safety questions, then the vocabulary's."""
    core = [n for n in CORE_SAFETY_QUESTIONS if n in FIELDS]
    order = core + [n for n in FIELDS if n not in core]
    return tuple(
        FormQuestion(
            name,
            spec.kind,
            spec.question,
            name in core,
            spec.required,
            _choices(name, spec),
            spec.minimum,
            spec.maximum,
        )
        for name in order
        if (spec := FIELDS[name]).asked_of == "person" and spec.kind in FORM_KINDS
    )


QUESTIONS = questions()


@attrs.frozen
class Parsed:
    values: dict[str, Any]
    errors: dict[str, str]
    raw: dict[str, str]


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


def parse_form(body: bytes) -> Parsed:
    """The answers of a posted form; unknown names and oversized values are errors."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=400)
    except (UnicodeDecodeError, ValueError):
        return Parsed({}, {"form": "the form could not be read"}, {})
    raw: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key, value in pairs:
        if key in raw and raw[key] != value:
            errors[key] = "answered twice"
        raw[key] = value
    known = {q.name for q in QUESTIONS} | {q.name + ".unsure" for q in QUESTIONS}
    unknown = [key for key in raw if key not in known]
    if unknown:  # not this form's: refused, never silently dropped
        errors["form"] = f"{quote(unknown[0], 60)} is not a question of this form"
    values: dict[str, Any] = {}
    for q in QUESTIONS:
        text = raw.get(q.name, "")
        unsure = raw.get(q.name + ".unsure") == "1" or text in ("", UNSURE)
        if len(text) > MAX_FIELD_CHARS:
            errors[q.name] = f"longer than {MAX_FIELD_CHARS} characters"
        elif q.kind in ("int", "float"):
            if text.strip() and raw.get(q.name + ".unsure") != "1":
                value, error = _number(q, text)
                if error:
                    errors[q.name] = error
                else:
                    values[q.name] = value
        elif not unsure:
            allowed = {c.value for c in q.choices}
            if text not in allowed:
                errors[q.name] = f"{quote(text, 60)} is not one of the answers"
            elif q.kind == "bool":
                values[q.name] = text == "yes"
            else:
                values[q.name] = text
        if q.required and q.name not in values and q.name not in errors:
            errors[q.name] = "we need this answer to give any advice"
    return Parsed(values, errors, raw)


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("spinerules.serve", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def render_form(
    parsed: Parsed | None = None, *, message: str | None = None, disclaimer: str = ""
) -> str:
    raw: Mapping[str, str] = parsed.raw if parsed else {}
    errors: Mapping[str, str] = parsed.errors if parsed else {}
    core: Sequence[FormQuestion] = [q for q in QUESTIONS if q.core]
    rest: Sequence[FormQuestion] = [q for q in QUESTIONS if not q.core]
    return _ENV.get_template("form.html").render(
        core=core,
        rest=rest,
        raw=raw,
        errors=errors,
        message=message,
        unsure=UNSURE,
        disclaimer=disclaimer,
        texts={q.name: q.text for q in QUESTIONS},
    )
