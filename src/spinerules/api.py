"""``assess()``: the one call most users need."""

from __future__ import annotations

import difflib
import html
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .assessment import Assessment
from .engine import get_engine, resolve_engine_name
from .errors import InvalidPatientState, RenderError
from .facts import patient_facts
from .patient import PatientState
from .policy import build_assessment
from .registry import current_formats, current_rule_base
from .rules import RuleBase
from .thresholds import Thresholds

PROFILES = ("nice", "acp")


@lru_cache(maxsize=32)
def profiles_of(rule_base: RuleBase) -> tuple[str, ...]:
    """The built-in profiles plus any a plugin's "do not" list introduces."""
    extra = [a.profile for a in rule_base.advice_against if a.profile not in PROFILES]
    return (*PROFILES, *dict.fromkeys(extra))


def check_profile(profile: object, rule_base: RuleBase) -> None:
    """A profile names a "do not" list of this rule base (built-in or a plugin's)."""
    profiles = profiles_of(rule_base)
    if profile not in profiles:
        shown = repr(profile[:80]) if isinstance(profile, str) else f"a {type(profile).__name__}"
        raise InvalidPatientState(
            f"profile: {shown} is not a profile; expected one of {', '.join(profiles)}",
            fields=("profile",),
        )


def _not_one_of(field: str, value: str, noun: str, known: list[str]) -> InvalidPatientState:
    near = difflib.get_close_matches(value, known, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return InvalidPatientState(
        f"{field}: {value!r} is not {noun}{hint}; expected any of {', '.join(known)}",
        fields=(field,),
    )


def check_rule_ids(state: PatientState, rule_base: RuleBase) -> None:
    """The id lists a PatientState can only check against a rule base.

    Preferences and the avoid list name exercises (C5: advice and comfort are not activities);
    ``clinician_cleared_flags`` names red flags of this rule base (section 3): a misspelt id
    silently ignored would leave a flag uncleared, or a clinician believing it cleared.
    """
    exercises = [a.id for a in rule_base.activities if a.kind == "exercise"]
    for field in ("preferred_activities", "avoid_activities"):
        for value in getattr(state, field):
            if value not in exercises:
                raise _not_one_of(field, value, "an exercise of the rule base", exercises)
    red_flags = [f.id for f in rule_base.red_flags]
    for value in state.clinician_cleared_flags:
        if value not in red_flags:
            raise _not_one_of(
                "clinician_cleared_flags", value, "a red flag of the rule base", red_flags
            )


def assess(
    state_or_dict: PatientState | Mapping[str, Any],
    *,
    profile: str = "nice",
    engine: str = "auto",
    thresholds: Thresholds | None = None,
    rule_base: RuleBase | None = None,
) -> Assessment:
    """Screen one person's answers and return the Assessment.

    ``state_or_dict`` is a PatientState or its flat JSON form. ``profile`` picks the guideline
    whose "do not" list applies (``nice`` or ``acp``). ``engine`` is ``auto`` (durable-rules where
    it imports, else python), ``durable`` or ``python``; both give the same result. ``thresholds``
    overrides cut-offs; ``rule_base`` replaces the rule base (default: the built-ins plus every
    loaded plugin, see ``spinerules.plugins``).
    Raises InvalidPatientState for bad input and EngineUnavailable for an engine that cannot run.
    """
    state = (
        state_or_dict
        if isinstance(state_or_dict, PatientState)
        else PatientState.from_dict(state_or_dict)
    )
    name = resolve_engine_name(engine)
    rules = rule_base if rule_base is not None else current_rule_base(thresholds)
    check_profile(profile, rules)
    check_rule_ids(state, rules)
    facts = patient_facts(state)
    fired = get_engine(name).evaluate(rules, facts)
    return build_assessment(state, rules, fired, facts=facts, profile=profile, engine=name)


def render(assessment: Assessment, fmt: str = "text", **options: Any) -> str:
    """Render an Assessment with a registered output format (``spinerules formats`` lists them).

    Principle 5 is checked, not trusted: the output must name every red flag and say it is not a
    diagnosis, or ``RenderError`` is raised instead of returning it (a format plugin that drops a
    red flag cannot reach a person). Escaping is undone for the check (HTML entities, Markdown
    backslashes).
    """
    formats = current_formats()
    if fmt not in formats:
        raise InvalidPatientState(
            f"format: {fmt!r} is not a format; expected one of {', '.join(sorted(formats))}",
            fields=("format",),
        )
    text = formats[fmt].render(assessment, **options)
    plain = html.unescape(text).replace("\\", "") if isinstance(text, str) else ""
    missing = [f.id for f in assessment.red_flags if f.id not in plain]
    if "not a diagnosis" not in plain:
        missing.append("the disclaimer")
    if missing:
        raise RenderError(
            f"format {fmt!r} ({formats[fmt].plugin}) left out {', '.join(missing)}: "
            "every output must show every red flag and the disclaimer"
        )
    return text
