"""``assess()``: the one call most users need."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from copy import deepcopy
from functools import lru_cache
from typing import Any, cast

from .assessment import Assessment
from .engine import get_engine, resolve_engine_name
from .errors import InvalidPatientState, RenderError
from .facts import patient_facts
from .formats.contract import changed_fields, check_output, fingerprint
from .jsonio import nearest, quote
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
    """The value quoted short and the nearest id suggested (cheaply: long values get none)."""
    near = nearest(value, known)
    hint = f"; did you mean {near!r}?" if near else ""
    return InvalidPatientState(
        f"{field}: {quote(value)} is not {noun}{hint}; expected any of {', '.join(known)}",
        fields=(field,),
    )


@lru_cache(maxsize=32)
def _rule_ids(rule_base: RuleBase) -> tuple[list[str], frozenset[str], list[str], frozenset[str]]:
    exercises = [a.id for a in rule_base.activities if a.kind == "exercise"]
    red_flags = [f.id for f in rule_base.red_flags]
    return exercises, frozenset(exercises), red_flags, frozenset(red_flags)


def check_rule_ids(state: PatientState, rule_base: RuleBase) -> None:
    """The id lists a PatientState can only check against a rule base.

    Preferences and the avoid list name exercises (C5: advice and comfort are not activities);
    ``clinician_cleared_flags`` names red flags of this rule base (section 3): a misspelt id
    silently ignored would leave a flag uncleared, or a clinician believing it cleared.
    """
    exercises, exercise_ids, red_flags, red_flag_ids = _rule_ids(rule_base)
    for field in ("preferred_activities", "avoid_activities"):
        for value in getattr(state, field):
            if value not in exercise_ids:
                raise _not_one_of(field, value, "an exercise of the rule base", exercises)
    for value in state.clinician_cleared_flags:
        if value not in red_flag_ids:
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
    # type(), not isinstance(): a hostile object's ``__class__`` property never runs here.
    if issubclass(type(state_or_dict), PatientState):
        state = cast(PatientState, state_or_dict)
    else:
        state = PatientState.from_dict(cast(Mapping[str, Any], state_or_dict))
    name = resolve_engine_name(engine)
    rules = rule_base if rule_base is not None else current_rule_base(thresholds)
    check_profile(profile, rules)
    check_rule_ids(state, rules)
    facts = patient_facts(state)
    fired = get_engine(name).evaluate(rules, facts)
    return build_assessment(state, rules, fired, facts=facts, profile=profile, engine=name)


def render(assessment: Assessment, fmt: str = "text", **options: Any) -> str:
    """Render an Assessment with a registered output format (``spinerules formats`` lists them).

    Principle 5 is checked, not trusted (``spinerules.formats.contract``, docs/plugins.md "The
    format contract"): the format must not change the assessment, must return a str, and the
    visible text of its output must show every red flag, the disclaimer and the headline of the
    assessment's urgency and nothing that reads as a lower one, or ``RenderError`` is raised
    instead of returning it (a format plugin that hides a red flag cannot reach a person). A
    format that raises is reported as a ``RenderError`` naming it (an ``InvalidPatientState``
    about its options passes through).
    """
    formats = current_formats()
    if fmt not in formats:
        raise InvalidPatientState(
            f"format: {fmt!r} is not a format; expected one of {', '.join(sorted(formats))}",
            fields=("format",),
        )
    spec = formats[fmt]
    # The format gets its own copy: whatever it does to it, the caller's Assessment (and any
    # later render of it) stays as the rules made it. The copy's own fingerprint is the
    # baseline (a pickle of an unpickled object may share its strings differently).
    pickled = fingerprint(assessment)
    copy = pickle.loads(pickled) if isinstance(pickled, bytes) else deepcopy(assessment)
    before = fingerprint(copy)
    try:
        text = spec.render(copy, **options)
    except InvalidPatientState:
        raise
    except Exception as error:
        said = " ".join(str(error).split())[:200]  # one line, whatever the plugin raised
        raise RenderError(
            f"format {fmt!r} ({spec.plugin}) failed: {type(error).__name__}: {said}"
        ) from error
    if fingerprint(copy) != before:
        raise RenderError(
            f"format {fmt!r} ({spec.plugin}) changed the assessment it was given "
            f"({', '.join(changed_fields(before, copy))}): a format only reads the assessment"
        )
    if isinstance(text, str):
        text = str.__str__(text)  # a str subclass could answer the checks with other text
    return check_output(assessment, text, name=fmt, plugin=spec.plugin, media_type=spec.media_type)
