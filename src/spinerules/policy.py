"""From fired checks to an Assessment: the safety principles of clinical.md section 1.

Engines say which checks held; this module decides what that means, identically for every
engine. It is the one place the principles live, and none of it is open to plugins:
red flags decide the urgency before any advice is considered (1); serious suspicion limits the
plan (2); an incomplete screen gives no programme (3); preferences never override a limit (C4).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

import attrs

from .assessment import (
    AdviceAgainstItem,
    Assessment,
    EvidenceRef,
    Recommendation,
    RedFlagFinding,
    RulesetInfo,
    StartBack,
    TraceEntry,
    WatchFinding,
)
from .conditions import FLAG_PREFIX, AllOf, Condition, Conjunction
from .engine.base import Fired
from .engine.codegen import QuestionFinder, compile_predicate, compile_question_finder
from .fields import FIELDS
from .knowledge import axspa, safety_net, startback
from .levels import Grade, Urgency
from .patient import PatientState
from .rules import Activity, EvidenceLink, RuleBase
from .thresholds import Thresholds

#: Principle 3: the questions without which the screen is incomplete, most serious first.
CORE_SAFETY_QUESTIONS = (
    "saddle_anaesthesia",
    "urinary_retention",
    "urinary_incontinence",
    "faecal_incontinence",
    "leg_pain",
    "leg_numbness_or_tingling",
    "leg_weakness",
    "history_of_cancer",
    "fever",
    "major_trauma",
)
#: Principle 2: a ``soon`` flag of these families limits the plan until a clinician has reviewed.
SERIOUS_FAMILIES = frozenset({"infection", "malignancy", "fracture", "vascular"})
LIMITED_PLAN = ("stay_active", "walking")  # principle 2 (C7)
INCOMPLETE_SCREEN_PLAN = ("stay_active",)  # principle 3
GENTLY = "Gently, as comfort allows, until a clinician has reviewed you."
#: Principle 1 / C6: added to urgent actions only when the assessment is urgent, never at emergency.
KEEP_MOVING = "Until then keep moving gently as comfort allows."
_FIELD_ORDER = {name: n for n, name in enumerate(FIELDS)}


@lru_cache(maxsize=4096)
def _describe(condition: Condition) -> str:
    return condition.describe()


@lru_cache(maxsize=4096)
def _evidence(rule_base: RuleBase, links: tuple[EvidenceLink, ...]) -> tuple[EvidenceRef, ...]:
    refs = []
    for link in links:
        source = rule_base.evidence[link.evidence_id]
        refs.append(EvidenceRef(source.id, source.citation, rule_base.link_grade(link), source.doi))
    return tuple(refs)


def _pairs(keys: Iterable[str], facts: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple((k, facts.get(k)) for k in keys)


@lru_cache(maxsize=32)
def _escalation_paths(rule_base: RuleBase) -> tuple[tuple[int, Urgency, bool, Conjunction], ...]:
    """(tier rank, tier, reviewable, conjunction) for every way a red flag can fire at a tier."""
    checks = {c.key: c for c in rule_base.checks}
    paths = []
    for flag in rule_base.red_flags:
        for tier, _timeframe, _action, key in flag.tiers():
            for conjunction in checks[key].condition.dnf():
                paths.append((tier.rank, tier, flag.reviewable, conjunction))
    return tuple(paths)


@lru_cache(maxsize=32)
def _question_finder(rule_base: RuleBase) -> QuestionFinder:
    """For each answerable field: the red-flag paths it appears on, most urgent first, each with
    the path's *other* conditions. If a field is unanswered and the rest of some path above the
    current urgency already holds, that field's answer could raise the urgency (C11)."""
    index: dict[str, list[tuple[int, bool, Condition | None]]] = {}
    for rank, _tier, reviewable, conjunction in _escalation_paths(rule_base):
        for key in dict.fromkeys(leaf.key for leaf in conjunction):
            if key not in _FIELD_ORDER:  # rule outcomes and derived facts are not questions
                continue
            rest = tuple(leaf for leaf in conjunction if leaf.key != key)
            index.setdefault(key, []).append((rank, reviewable, AllOf(rest) if rest else None))
    return compile_question_finder(
        [(key, sorted(paths, key=lambda p: -p[0])) for key, paths in index.items()]
    )


@lru_cache(maxsize=32)
def _ask_first_back_pain_age(thresholds: Thresholds) -> Callable[[dict[str, Any]], bool]:
    """Built once per thresholds, not per assessment."""
    return compile_predicate(axspa.ask_first_back_pain_age(thresholds))


def unanswered_questions(
    state: PatientState, rule_base: RuleBase, facts: dict[str, Any], urgency: Urgency
) -> tuple[str, ...]:
    """Core safety questions first (C11), then every unanswered field one answer of which would
    complete a red-flag path above the current urgency, most serious first."""
    core = [q for q in CORE_SAFETY_QUESTIONS if facts.get(q) is None]
    reviewed = state.clinician_reviewed_this_episode is True
    best = _question_finder(rule_base)(facts, urgency.rank, reviewed)
    if _ask_first_back_pain_age(rule_base.thresholds)(facts):
        best.setdefault(
            "first_back_pain_age", Urgency.SOON.rank
        )  # section 4: "listed as unanswered"
    others = sorted((k for k in best if k not in core), key=lambda k: (-best[k], _FIELD_ORDER[k]))
    return (*core, *others)


@lru_cache(maxsize=4096)
def _grade(rule_base: RuleBase, activity: Activity) -> Grade | None:
    """The best grade of an activity's links (C3): what the evidence says, never boosted."""
    grades = [g for g in (rule_base.link_grade(link) for link in activity.evidence) if g]
    return max(grades) if grades else None


def build_assessment(
    state: PatientState,
    rule_base: RuleBase,
    fired: Fired,
    *,
    facts: Mapping[str, Any],
    profile: str,
    engine: str,
) -> Assessment:
    known = dict(facts)
    for check in rule_base.checks:
        known[FLAG_PREFIX + check.key] = check.key in fired
    trace: list[TraceEntry] = []
    reviewed = state.clinician_reviewed_this_episode is True

    # 1. Red flags decide the urgency before anything else is considered.
    findings: list[RedFlagFinding] = []
    watch: list[WatchFinding] = []
    for flag in rule_base.red_flags:
        if flag.id not in fired:
            continue
        tier, timeframe, action, key = max(
            (t for t in flag.tiers() if t[3] in fired), key=lambda t: t[0].rank
        )
        inputs = _pairs(fired[key], known)
        trace.append(TraceEntry(flag.id, "red_flag", _describe(flag.condition), inputs, key))
        evidence = _evidence(rule_base, flag.evidence)
        if flag.reviewable and reviewed:
            advice = flag.safety_net or flag.action
            watch.append(
                WatchFinding(flag.id, flag.family, flag.title, advice, inputs, evidence, True)
            )
            trace.append(
                TraceEntry(
                    flag.id,
                    "policy",
                    "reviewable flag shown as a watch item: a clinician has reviewed this episode",
                )
            )
            continue
        findings.append(
            RedFlagFinding(
                flag.id, flag.family, flag.title, tier, timeframe, action, inputs, evidence
            )
        )
    findings.sort(key=lambda f: -f.urgency.rank)
    urgency = max((f.urgency for f in findings), default=Urgency.SELF_CARE)
    if urgency == Urgency.URGENT:
        findings = [
            attrs.evolve(f, action=f"{f.action} {KEEP_MOVING}")
            if f.urgency == Urgency.URGENT
            else f
            for f in findings
        ]
    for item in rule_base.watch_items:
        if item.id in fired:
            inputs = _pairs(fired[item.id], known)
            trace.append(TraceEntry(item.id, "watch", _describe(item.condition), inputs, item.id))
            watch.append(
                WatchFinding(
                    item.id,
                    item.family,
                    item.title,
                    item.advice,
                    inputs,
                    _evidence(rule_base, item.evidence),
                )
            )

    # 3. The screen is complete when every core question is answered, or a clinician reviewed.
    missing_core = [q for q in CORE_SAFETY_QUESTIONS if state.value(q) is None]
    screen_complete = reviewed or not missing_core
    unanswered = unanswered_questions(state, rule_base, known, urgency)

    # 2. What plan, if any, may be offered.
    # Principle 2 holds "until a clinician has reviewed": a review lifts the limit, not the flag.
    limited = not reviewed and any(
        f.urgency == Urgency.SOON and f.family in SERIOUS_FAMILIES for f in findings
    )
    if urgency >= Urgency.URGENT:
        allowed: tuple[str, ...] | None = ()
        trace.append(
            TraceEntry(
                "principle_1", "policy", f"no plan at {urgency.value}: the action comes first"
            )
        )
    elif not screen_complete:
        allowed = INCOMPLETE_SCREEN_PLAN
        trace.append(
            TraceEntry(
                "principle_3",
                "policy",
                "screen incomplete: only stay_active until these are answered: "
                + ", ".join(missing_core),
            )
        )
    elif limited:
        allowed = LIMITED_PLAN
        trace.append(
            TraceEntry(
                "principle_2",
                "policy",
                "a serious-cause flag limits the plan to stay_active and walking until a clinician has reviewed",
            )
        )
    else:
        allowed = None
    recommendations = _recommend(state, rule_base, fired, known, allowed, limited, trace)
    plan_shown = bool(recommendations)

    # STarT Back is scored whenever complete (C10); matched care only beside a plan.
    scored = startback.score(state.startback, rule_base.thresholds)
    startback_result: StartBack | None = None
    startback_missing: tuple[str, ...] = ()
    if isinstance(scored, startback.StartBackScore):
        care = startback.MATCHED_CARE[scored.risk] if plan_shown and allowed is None else None
        if care and urgency == Urgency.SOON:
            care += " Book the review your red flag asks for first; this does not replace it."
        startback_result = StartBack(
            scored.risk, scored.total, scored.subscale, care, startback.CREDIT
        )
        trace.append(
            TraceEntry(
                "startback",
                "score",
                f"STarT Back total {scored.total}, psychosocial subscale {scored.subscale}: {scored.risk} risk",
            )
        )
    else:
        startback_missing = scored.missing
        trace.append(
            TraceEntry(
                "startback", "score", "STarT Back not scored; missing: " + ", ".join(scored.missing)
            )
        )

    advice_against = []
    if plan_shown and allowed is None:
        for against in rule_base.advice_against:
            if against.profile != profile:
                continue
            if against.applies_when is not None and against.id not in fired:
                continue
            if against.withheld_when_red_flag and findings:
                continue
            advice_against.append(
                AdviceAgainstItem(
                    against.id,
                    against.profile,
                    against.scope,
                    against.text,
                    _evidence(rule_base, against.evidence),
                )
            )

    nets: list[str] = [safety_net.EMERGENCY] if urgency == Urgency.EMERGENCY else []
    if urgency < Urgency.EMERGENCY:
        nets.append(safety_net.CES_WARNING_SIGNS)
    if not screen_complete:
        nets += [
            safety_net.SCREEN_INCOMPLETE,
            safety_net.CANCER_WARNING_SIGNS,
            safety_net.INFECTION_WARNING_SIGNS,
        ]
    if urgency <= Urgency.SOON:
        nets.append(safety_net.GENERAL)

    return Assessment(
        urgency=urgency,
        screen_complete=screen_complete,
        red_flags=tuple(findings),
        watch=tuple(watch),
        startback=startback_result,
        startback_missing=startback_missing,
        recommendations=recommendations,
        advice_against=tuple(advice_against),
        unanswered=unanswered,
        disclaimer=safety_net.DISCLAIMER,
        safety_net=tuple(nets),
        trace=tuple(trace),
        ruleset=RulesetInfo(
            rule_base.version, rule_base.hash, engine, profile, _changed(rule_base.thresholds)
        ),
    )


@lru_cache(maxsize=64)
def _changed(thresholds: Thresholds) -> tuple[tuple[str, int | float], ...]:
    defaults = Thresholds()
    return tuple(
        (name, value)
        for name, value, _ in thresholds.describe()
        if getattr(defaults, name) != value
    )


def _recommend(
    state: PatientState,
    rule_base: RuleBase,
    fired: Fired,
    known: Mapping[str, Any],
    allowed: tuple[str, ...] | None,
    limited: bool,
    trace: list[TraceEntry],
) -> tuple[Recommendation, ...]:
    chosen: list[Recommendation] = []
    for activity in rule_base.activities:
        if activity.id not in fired:
            continue
        inputs = _pairs(fired[activity.id], known)
        trace.append(
            TraceEntry(
                activity.id, "activity", _describe(activity.eligibility), inputs, activity.id
            )
        )
        if allowed is not None and activity.id not in allowed:
            continue
        exclusions = [x for x in activity.exclusions if f"{activity.id}!{x.id}" in fired]
        if exclusions:
            for x in exclusions:
                key = f"{activity.id}!{x.id}"
                trace.append(
                    TraceEntry(
                        activity.id,
                        "exclusion",
                        f"excluded: {x.reason}",
                        _pairs(fired[key], known),
                        key,
                    )
                )
            continue
        if activity.kind == "activity" and activity.id in state.avoid_activities:
            trace.append(
                TraceEntry(activity.id, "policy", "left out: the person asked to avoid it")
            )
            continue
        cautions = tuple(
            c.text
            for n, c in enumerate(activity.cautions)
            if c.when is None or f"{activity.id}?{n}" in fired
        )
        dose = activity.dose
        if limited:
            dose = f"{dose} {GENTLY}"
        chosen.append(
            Recommendation(
                id=activity.id,
                name=activity.name,
                kind=activity.kind,
                reason=activity.reason,
                dose=dose,
                progression=activity.progression,
                cautions=cautions,
                grade=_grade(rule_base, activity),
                preferred=activity.id in state.preferred_activities,
                inputs=inputs,
                evidence=_evidence(rule_base, activity.evidence),
                framing=activity.framing,
            )
        )
    preference = {a: n for n, a in enumerate(state.preferred_activities)}
    order = {r.id: n for n, r in enumerate(chosen)}

    def rank(r: Recommendation) -> tuple[int, int, int]:
        if r.id in preference:
            return (0, preference[r.id], 0)
        # "Ranked up" (C3) moves an activity one grade step in the order; its reported grade
        # stays what the evidence says.
        grade = r.grade.raised() if r.grade and f"{r.id}^rank_up" in fired else r.grade
        return (1, -(grade.rank if grade else -1), order[r.id])

    return tuple(sorted(chosen, key=rank))
