"""From fired checks to an Assessment: the safety principles of clinical.md section 1.

Engines say which checks held; ``spinerules.principles`` decides what that means (the same
decisions the columnar screen makes), and this module writes the Assessment from those
decisions: findings, watch items, the plan with its doses, STarT Back, the "do not" list, the
safety-net cards and the trace. Each step is a small function returning its part and its
trace. None of it is open to plugins: red flags decide the urgency before any advice is
considered (1); serious suspicion limits the plan (2); an incomplete screen gives no programme
(3); preferences never override a limit (C4).
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
    Question,
    Recommendation,
    RedFlagFinding,
    RulesetInfo,
    SafetyNet,
    StartBack,
    TraceEntry,
    WatchFinding,
)
from .conditions import FLAG_PREFIX, AllOf, Condition, Conjunction
from .engine.base import Fired, keys_read
from .engine.codegen import QuestionFinder, compile_predicate, compile_question_finder
from .fields import FIELDS
from .knowledge import axspa, safety_net, startback
from .levels import Timeframe, Urgency
from .patient import PatientState
from .principles import CORE_SAFETY_QUESTIONS as CORE_SAFETY_QUESTIONS  # re-exported
from .principles import (
    LIMITED,
    NO_LIMIT,
    PLAN_LIMITS,
    ROW,
    Decisions,
    FlagStatus,
    RowDecider,
    allowed_by,
    best_grade,
    compile_decisions,
)
from .rules import Activity, EvidenceLink, RedFlag, RuleBase, shown_texts
from .thresholds import Thresholds

GENTLY = "Gently, as comfort allows, until a doctor has checked the warning sign above."
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


@lru_cache(maxsize=32)
def _flags_read(rule_base: RuleBase) -> tuple[tuple[str, str], ...]:
    """(fact key, check key) of the rule outcomes a condition reads: the trace's inputs and the
    question finder read facts only through conditions, so only these need to be facts."""
    read = set(keys_read(rule_base)) | set(safety_net.KEEP_MOVING_WHEN.keys())
    read |= set(axspa.ask_first_back_pain_age(rule_base.thresholds).keys())
    return tuple(
        (FLAG_PREFIX + c.key, c.key) for c in rule_base.checks if FLAG_PREFIX + c.key in read
    )


@lru_cache(maxsize=32)
def _decider(rule_base: RuleBase) -> RowDecider:
    return compile_decisions(rule_base)


def decisions_for(
    state: PatientState, rule_base: RuleBase, fired: Fired, facts: Mapping[str, Any]
) -> Decisions[Any]:
    """The policy's decisions for one person (``principles.decide``, compiled per rule base)."""
    preference = {a: n for n, a in enumerate(state.preferred_activities)}
    return _decider(rule_base)(
        fired,
        facts,
        state.clinician_reviewed_this_episode is True,
        state.clinician_cleared_flags,
        state.avoid_activities,
        preference,
    )


def build_assessment(
    state: PatientState,
    rule_base: RuleBase,
    fired: Fired,
    *,
    facts: Mapping[str, Any],
    profile: str,
    engine: str,
) -> Assessment:
    """The principles of clinical.md section 1, applied in order; each step returns its part of
    the Assessment and its trace, and the Assessment is their sum."""
    known = dict(facts)
    for fact, key in _flags_read(rule_base):
        known[fact] = key in fired
    d = decisions_for(state, rule_base, fired, known)
    urgency = _URGENCY[d.urgency]
    screen_complete = bool(d.complete)

    # 1. Red flags decide the urgency before anything else is considered.
    (findings, flag_watch), flag_trace = _red_flags(state, rule_base, fired, known, d)
    if urgency == Urgency.URGENT:
        findings = (_with_urgent_fallback(findings, known), *findings[1:])
    watch_items, watch_trace = _watch_items(rule_base, fired, known)
    watch = (*flag_watch, *watch_items)
    unanswered = unanswered_questions(state, rule_base, known, urgency)

    # 2, 3. What plan, if any, may be offered, then the plan itself.
    plan_trace = _plan_limit(state, d, findings)
    recommendations, recommend_trace = _recommend(state, rule_base, fired, known, d)
    full_plan = bool(recommendations) and d.plan == NO_LIMIT

    startback_result, startback_missing, startback_trace = _startback(
        state, rule_base, urgency, full_plan
    )
    advice_against = _advice_against(rule_base, fired, profile, findings) if full_plan else ()
    families = {f.family for f in findings} | {w.family for w in watch}
    cards = _safety_net(rule_base, fired, urgency, screen_complete, families)

    return Assessment(
        urgency=urgency,
        screen_complete=screen_complete,
        red_flags=findings,
        watch=watch,
        startback=startback_result,
        startback_missing=startback_missing,
        recommendations=recommendations,
        advice_against=advice_against,
        unanswered=unanswered,
        questions=tuple(_question(q) for q in unanswered),
        disclaimer=safety_net.DISCLAIMER,
        safety_net=cards,
        trace=(
            *flag_trace,
            *watch_trace,
            *plan_trace,
            *recommend_trace,
            *startback_trace,
        ),
        ruleset=RulesetInfo(
            rule_base.version,
            rule_base.hash,
            engine,
            profile,
            _changed(rule_base.thresholds),
            plugins_dropped=rule_base.plugins_dropped,
        ),
    )


_URGENCY = {u.rank: u for u in Urgency}
Traced = tuple[TraceEntry, ...]


def _highest_tier(flag: RedFlag, fired: Fired, rank: int) -> tuple[Urgency, Timeframe, str, str]:
    """The tier the policy chose (its rank), as the first of the flag's tiers at that rank."""
    return next(t for t in flag.tiers() if t[3] in fired and t[0].rank == rank)


def _red_flags(
    state: PatientState,
    rule_base: RuleBase,
    fired: Fired,
    known: Mapping[str, Any],
    d: Decisions[Any],
) -> tuple[tuple[tuple[RedFlagFinding, ...], tuple[WatchFinding, ...]], Traced]:
    """Every fired red flag at its highest tier, most urgent first; the ones the policy made
    watch items (a review, a clearance) as watch items with the same id."""
    trace: list[TraceEntry] = []
    findings: list[tuple[int, RedFlagFinding]] = []
    watch: list[WatchFinding] = []
    for flag in rule_base.red_flags:
        status = d.status[flag.id]
        if status == FlagStatus.NOT_FIRED:
            continue
        tier, timeframe, action, key = _highest_tier(flag, fired, d.tier[flag.id])
        inputs = _pairs(fired[key], known)
        trace.append(TraceEntry(flag.id, "red_flag", _describe(flag.condition), inputs, key))
        evidence = _evidence(rule_base, flag.evidence)
        if status == FlagStatus.CLEARED:
            advice = _joined(safety_net.CLEARED_ADVICE, flag.safety_net)
            watch.append(
                WatchFinding(
                    flag.id, flag.family, flag.title, advice, inputs, evidence, cleared=True
                )
            )
            trace.append(
                TraceEntry(flag.id, "policy", "cleared by a clinician: shown as a watch item")
            )
            continue
        if status == FlagStatus.REVIEWED:
            advice = _joined(safety_net.REVIEWED_ADVICE, flag.safety_net)
            watch.append(
                WatchFinding(
                    flag.id, flag.family, flag.title, advice, inputs, evidence, reviewed=True
                )
            )
            trace.append(
                TraceEntry(
                    flag.id,
                    "policy",
                    "reviewable flag shown as a watch item: a clinician has reviewed this episode",
                )
            )
            continue
        if flag.id in state.clinician_cleared_flags:
            trace.append(
                TraceEntry(
                    flag.id,
                    "policy",
                    f"clinician clearance not applied: clearance never applies at {tier.value}",
                )
            )
        elif flag.reviewable and state.clinician_reviewed_this_episode is True:
            trace.append(
                TraceEntry(
                    flag.id,
                    "policy",
                    f"clinician review not applied: a review never applies at {tier.value}",
                )
            )
        notes = shown_texts(flag.id, flag.action_notes, fired)
        finding = RedFlagFinding(
            flag.id,
            flag.family,
            flag.title,
            tier,
            timeframe,
            _joined(action, *notes),
            inputs,
            evidence,
            flag.limits_plan,
        )
        findings.append((d.flag_order[flag.id], finding))
    ordered = tuple(f for _, f in sorted(findings, key=lambda pair: pair[0]))
    return (ordered, tuple(watch)), tuple(trace)


def _joined(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


@lru_cache(maxsize=4)
def _keep_moving_when() -> Callable[[dict[str, Any]], bool]:
    return compile_predicate(safety_net.KEEP_MOVING_WHEN)


def _with_urgent_fallback(
    findings: tuple[RedFlagFinding, ...], known: dict[str, Any]
) -> RedFlagFinding:
    """Section 4, "Every urgent action": the lead action ends with what to do if the person
    cannot be seen today or gets worse; "keep moving gently" (principle 1) only when no
    fracture-family flag is urgent and the person can walk."""
    lead = findings[0]
    keep_moving = _keep_moving_when()(known) and not any(
        f.family in safety_net.KEEP_MOVING_WITHHELD_FAMILIES and f.urgency >= Urgency.URGENT
        for f in findings
    )
    extra = (safety_net.URGENT_FALLBACK, safety_net.KEEP_MOVING if keep_moving else None)
    return attrs.evolve(lead, action=_joined(lead.action, *extra))


def _watch_items(
    rule_base: RuleBase, fired: Fired, known: Mapping[str, Any]
) -> tuple[tuple[WatchFinding, ...], Traced]:
    watch, trace = [], []
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
    return tuple(watch), tuple(trace)


def _plan_limit(
    state: PatientState, d: Decisions[Any], findings: tuple[RedFlagFinding, ...]
) -> Traced:
    """Principles 1-3: why the plan is limited, when it is (``principles.PLAN_LIMITS``). A
    clinician review lifts no limit (R3-7): a flag still listed after review is, by
    definition, unresolved; clearance is per flag."""
    if d.plan == NO_LIMIT:
        return ()
    limit = PLAN_LIMITS[d.plan]
    reason = limit.reason.format(
        urgency=_URGENCY[d.urgency].value,
        missing=", ".join(q for q in CORE_SAFETY_QUESTIONS if state.value(q) is None),
        limiting=", ".join(f.id for f in findings if f.limits_plan),
    )
    return (TraceEntry(limit.principle, "policy", reason),)


def _startback(
    state: PatientState,
    rule_base: RuleBase,
    urgency: Urgency,
    full_plan: bool,
) -> tuple[StartBack | None, tuple[str, ...], Traced]:
    """Scored whenever complete (C10); matched care only beside a full plan."""
    scored = startback.score(state.startback, rule_base.thresholds)
    if not isinstance(scored, startback.StartBackScore):
        missing = "STarT Back not scored; missing: " + ", ".join(scored.missing)
        return None, scored.missing, (TraceEntry("startback", "score", missing),)
    care = startback.MATCHED_CARE[scored.risk] if full_plan else None
    if care and urgency == Urgency.SOON:
        care = _joined(care, startback.BESIDE_REVIEW)
    scoring = TraceEntry(
        "startback",
        "score",
        f"STarT Back total {scored.total}, psychosocial subscale {scored.subscale}: {scored.risk} risk",
    )
    result = StartBack(scored.risk, scored.total, scored.subscale, care, startback.CREDIT)
    return result, (), (scoring,)


def _advice_against(
    rule_base: RuleBase, fired: Fired, profile: str, findings: tuple[RedFlagFinding, ...]
) -> tuple[AdviceAgainstItem, ...]:
    items = []
    for against in rule_base.advice_against:
        if against.profile != profile:
            continue
        if against.applies_when is not None and against.id not in fired:
            continue
        if against.withheld_when_red_flag and findings:
            continue
        items.append(
            AdviceAgainstItem(
                against.id,
                against.profile,
                against.scope,
                against.text,
                _evidence(rule_base, against.evidence),
                against.note,
            )
        )
    return tuple(items)


def _safety_net(
    rule_base: RuleBase,
    fired: Fired,
    urgency: Urgency,
    screen_complete: bool,
    families: set[str],
) -> tuple[SafetyNet, ...]:
    """C18: each card by its own condition, in registration order (order of seriousness)."""
    shown = []
    for card in rule_base.cards:
        if urgency not in card.tiers:
            continue
        triggered = (
            card.always
            or bool(families.intersection(card.families))
            or (card.when is not None and card.id in fired)
            or (card.screen_incomplete and not screen_complete)
        )
        items = shown_texts(card.id, card.items, fired)
        if triggered and items:
            shown.append(SafetyNet(card.id, card.title, items))
    return tuple(shown)


def _question(field: str) -> Question:
    spec = FIELDS[field]
    return Question(field, spec.question, spec.asked_of)


@lru_cache(maxsize=64)
def _changed(thresholds: Thresholds) -> tuple[tuple[str, int | float], ...]:
    defaults = Thresholds()
    return tuple(
        (name, value)
        for name, value, _ in thresholds.describe()
        if getattr(defaults, name) != value
    )


@lru_cache(maxsize=32)
def _activity_index(rule_base: RuleBase) -> Mapping[str, tuple[int, Activity]]:
    return {a.id: (n, a) for n, a in enumerate(rule_base.activities)}


def _eligible(rule_base: RuleBase, fired: Fired) -> list[Activity]:
    """The activities whose eligibility held, in registration order, found from what fired
    (a few dozen keys) rather than by walking every activity (1,000 with a large plugin)."""
    index = _activity_index(rule_base)
    return [a for _, a in sorted(index[k] for k in fired if k in index)]


def _recommend(
    state: PatientState,
    rule_base: RuleBase,
    fired: Fired,
    known: Mapping[str, Any],
    d: Decisions[Any],
) -> tuple[tuple[Recommendation, ...], Traced]:
    """The activities the policy recommended (``d.recommended``), in its order (``d.order``);
    the trace says why each eligible activity that was left out was left out."""
    trace: list[TraceEntry] = []
    chosen: list[tuple[int, dict[str, Any]]] = []
    limited = d.plan == LIMITED
    for activity in _eligible(rule_base, fired):
        inputs = _pairs(fired[activity.id], known)
        trace.append(
            TraceEntry(
                activity.id, "activity", _describe(activity.eligibility), inputs, activity.id
            )
        )
        if not d.recommended[activity.id]:
            trace += _left_out(state, activity, fired, known, d)
            continue
        cautions = shown_texts(activity.id, activity.cautions, fired)
        dose = activity.dose_for(fired)
        if limited:
            dose = f"{dose} {GENTLY}"
        fields = {
            "id": activity.id,
            "name": activity.name,
            "kind": activity.kind,
            "reason": activity.reason,
            "dose": dose,
            "progression": activity.progression,
            "cautions": cautions,
            "grade": best_grade(rule_base, activity),
            "preferred": activity.id in state.preferred_activities,
            "inputs": inputs,
            "evidence": _evidence(rule_base, activity.evidence),
            "framing": activity.framing,
        }
        chosen.append((d.order[activity.id], fields))
    ranked = [fields for _, fields in sorted(chosen, key=lambda pair: pair[0])]
    return _sections(ranked, rule_base.thresholds.plan_exercise_count), tuple(trace)


def _left_out(
    state: PatientState,
    activity: Activity,
    fired: Fired,
    known: Mapping[str, Any],
    d: Decisions[Any],
) -> Traced:
    """Why an eligible activity is not in the plan: the plan limit (traced once, by
    ``_plan_limit``), an exclusion that held, or the person's wish to avoid it."""
    if not allowed_by(ROW, activity.id, d.plan):
        return ()
    excluded = [x for x in activity.exclusions if activity.exclusion_key(x) in fired]
    if excluded:
        return tuple(
            TraceEntry(
                activity.id,
                "exclusion",
                f"excluded: {x.reason}",
                _pairs(fired[activity.exclusion_key(x)], known),
                activity.exclusion_key(x),
            )
            for x in excluded
        )
    return (TraceEntry(activity.id, "policy", "left out: the person asked to avoid it"),)


def _sections(ranked: list[dict[str, Any]], count: int) -> tuple[Recommendation, ...]:
    """Section 6, "Kinds": advice and comfort, then the first ``count`` exercises to choose one
    or two from, then the other exercises as options; the ranked order is kept."""
    placed = []
    exercises = 0
    for fields in ranked:
        section = "advice"
        if fields["kind"] == "exercise":
            section = "choose" if exercises < count else "other"
            exercises += 1
        placed.append(Recommendation(section=section, **fields))
    return tuple(placed)
