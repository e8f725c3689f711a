"""Rule types and the RuleBase: the clinical content as validated, hashed data.

Every rule is an attrs value. A rule contributes *checks* (a key and a condition) that the
engines evaluate; what a fired check means (a tier, an exclusion, a caution) is decided by the
assessment builder, never by an engine. That split is what lets two engines be compared
check for check, and lets a plugin add rules without touching either engine.

Check keys (which check of which rule fired) are written by ``checkkeys.CheckKey`` alone.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import math
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .checkkeys import CheckKey
from .conditions import FLAG_PREFIX, Compare, Condition, flags_read
from .errors import RuleBaseError
from .levels import DEFAULT_TIMEFRAME, Grade, Timeframe, Urgency

if TYPE_CHECKING:
    from .thresholds import Thresholds

#: Recommendation kinds (clinical.md section 6, "Kinds").
KINDS = ("exercise", "advice", "comfort")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _where(instance: object, attribute: Any) -> str:
    """``RedFlag 'ces_saddle': tier``: what a contribution error names (validators run after
    every field is set, so the id is there to name)."""
    rule_id = getattr(instance, "id", None)
    own = f" {rule_id!r}" if isinstance(rule_id, str) and attribute.name != "id" else ""
    return f"{type(instance).__name__}{own}: {attribute.name}"


def _text(optional: bool = False) -> Callable[[Any, Any, Any], None]:
    """A string field (``optional``: or None)."""

    def check(instance: Any, attribute: Any, value: Any) -> None:
        if not isinstance(value, str) and not (optional and value is None):
            allowed = "a string or None" if optional else "a string"
            raise RuleBaseError(
                f"{_where(instance, attribute)} is {_short(value)}; expected {allowed}"
            )

    return check


def _flag(instance: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, bool):
        raise RuleBaseError(
            f"{_where(instance, attribute)} is {_short(value)}; expected True or False"
        )


def _member(kind: type[enum.Enum], optional: bool = False) -> Callable[[Any, Any, Any], None]:
    """A member of one of the ordered vocabularies. A plain string is refused even when it spells
    a member ("low"): the enums are ``str`` subclasses, so a string would pass most checks and
    then fail on ``.rank`` deep inside an assessment, for every person."""

    def check(instance: Any, attribute: Any, value: Any) -> None:
        if isinstance(value, kind) or (optional and value is None):
            return
        members = ", ".join(f"{kind.__name__}.{m.name}" for m in kind)
        spelt = next((m for m in kind if isinstance(value, str) and m.value == value), None)
        hint = f"; write {kind.__name__}.{spelt.name}" if spelt is not None else ""
        raise RuleBaseError(
            f"{_where(instance, attribute)} is {_short(value)}{hint}; expected one of {members}"
            f" (spinerules.levels.{kind.__name__}){' or None' if optional else ''}"
        )

    return check


def _condition(optional: bool = False) -> Callable[[Any, Any, Any], None]:
    def check(instance: Any, attribute: Any, value: Any) -> None:
        if not isinstance(value, Condition) and not (optional and value is None):
            raise RuleBaseError(
                f"{_where(instance, attribute)} is {_short(value)}; expected a condition "
                f"(spinerules.conditions){' or None' if optional else ''}"
            )

    return check


def _each(kind: type, how: str) -> Callable[[Any, Any, Any], None]:
    """A tuple of ``kind`` values; ``how`` says how to write one (for the error)."""

    def check(instance: Any, attribute: Any, value: Any) -> None:
        if isinstance(value, str):
            raise RuleBaseError(
                f"{_where(instance, attribute)} is a plain string {_short(value)}; expected a "
                f"list of {kind.__name__} ({how})"
            )
        for item in value:
            if not isinstance(item, kind):
                raise RuleBaseError(
                    f"{_where(instance, attribute)} holds {_short(item)}; expected "
                    f"{kind.__name__} values ({how})"
                )

    return check


def _tuple(items: Any) -> Any:
    """Lists become tuples; a plain string is kept whole, for the validator to refuse (a tuple
    of its characters would be a confusing error, or none)."""
    return items if isinstance(items, str) else tuple(items)


def _links(items: Any) -> Any:
    return _tuple(items)


def _escalations(items: Any) -> Any:
    return _tuple(items)


def _exclusions(items: Any) -> Any:
    return _tuple(items)


def _texts(items: Any) -> Any:
    """A plain string in the list is a text shown always: ``ConditionalText(text)``."""
    if isinstance(items, str):
        return items
    return tuple(ConditionalText(t) if isinstance(t, str) else t for t in items)


def _kind(kind: str) -> str:
    """``activity`` was the name of ``exercise`` before revision 3; plugins may still use it."""
    return "exercise" if kind == "activity" else kind


def _tiers(tiers: Iterable[Urgency | str]) -> tuple[Urgency, ...]:
    """Most urgent first, without repeats: a tuple, so the rule base's hash (which reprs every
    rule) does not depend on set iteration order."""
    return tuple(sorted({Urgency(t) for t in tiers}, key=lambda u: -u.rank))


def _strings(items: Any) -> Any:
    return _tuple(items)


@attrs.frozen(cache_hash=True)
class Evidence:
    """One entry of the evidence catalogue (clinical.md section 9)."""

    id: str = attrs.field(validator=_text())
    citation: str = attrs.field(validator=_text())
    study_type: str = attrs.field(validator=_text())
    #: None: the source grades per recommendation (acp2017)
    grade: Grade | None = attrs.field(validator=_member(Grade, optional=True))
    doi: str | None = attrs.field(default=None, validator=_text(optional=True))
    grade_note: str | None = attrs.field(default=None, validator=_text(optional=True))


@attrs.frozen(cache_hash=True)
class EvidenceLink:
    """A rule's claim on a source, with the grade *for this claim* where the spec gives one."""

    evidence_id: str = attrs.field(validator=_text())
    grade: Grade | None = attrs.field(default=None, validator=_member(Grade, optional=True))
    note: str | None = attrs.field(default=None, validator=_text(optional=True))


def cite(
    evidence_id: str, grade: Grade | str | None = None, note: str | None = None
) -> EvidenceLink:
    return EvidenceLink(evidence_id, Grade(grade) if grade is not None else None, note)


def _not_self_care(tier: Urgency) -> None:
    if Urgency(tier) is Urgency.SELF_CARE:
        raise RuleBaseError(
            "a red flag's tier must be soon, urgent or emergency (self_care is no red flag)"
        )


@attrs.frozen(cache_hash=True)
class ConditionalText:
    """A caution, action note or card line shown only when its condition holds (``None``: always).

    Clinical.md C17: text such as "go the same day if you develop a fever" is data with its
    condition, evaluated like any other (unknown is not true), so it is never shown to a person
    who already answered that they have a fever.
    """

    text: str = attrs.field(validator=_text())
    when: Condition | None = attrs.field(default=None, validator=_condition(optional=True))


_EVIDENCE = _each(EvidenceLink, "write cite('evidence_id')")
_TEXTS = _each(ConditionalText, "write ConditionalText(text, when) or a plain string per line")


def _conditional_checks(
    rule_id: str, texts: Iterable[ConditionalText], part: str = ""
) -> list[tuple[str, Condition]]:
    return [
        (CheckKey.text(rule_id, n, part), c.when) for n, c in enumerate(texts) if c.when is not None
    ]


@functools.lru_cache(maxsize=4096)
def _text_keys(
    rule_id: str, texts: tuple[ConditionalText, ...], part: str
) -> tuple[tuple[str | None, str], ...]:
    """Each text with the key of the check that shows it (None: always shown), built once."""
    return tuple(
        (None if c.when is None else CheckKey.text(rule_id, n, part), c.text)
        for n, c in enumerate(texts)
    )


def shown_texts(
    rule_id: str, texts: Iterable[ConditionalText], fired: Container[str], part: str = ""
) -> tuple[str, ...]:
    """The texts whose condition held (check ``<id>?<part><n>`` fired), in written order."""
    return tuple(
        text for key, text in _text_keys(rule_id, tuple(texts), part) if key is None or key in fired
    )


@attrs.frozen(cache_hash=True)
class Escalation:
    """A higher tier for a red flag when a further condition holds (``ces_saddle`` with a new course)."""

    tier: Urgency = attrs.field(validator=_member(Urgency))
    condition: Condition = attrs.field(validator=_condition())
    timeframe: Timeframe | None = attrs.field(
        default=None, validator=_member(Timeframe, optional=True)
    )
    action: str | None = attrs.field(default=None, validator=_text(optional=True))


@attrs.frozen(cache_hash=True)
class RedFlag:
    """A sign that needs a clinician, with the tier, timeframe and action the spec gives it."""

    id: str = attrs.field(validator=_text())
    family: str = attrs.field(validator=_text())
    title: str = attrs.field(validator=_text())
    tier: Urgency = attrs.field(
        validator=[_member(Urgency), lambda _, __, tier: _not_self_care(tier)]
    )
    action: str = attrs.field(validator=_text())
    condition: Condition = attrs.field(validator=_condition())
    evidence: tuple[EvidenceLink, ...] = attrs.field(converter=_links, validator=_EVIDENCE)
    timeframe: Timeframe | None = attrs.field(
        default=None, validator=_member(Timeframe, optional=True)
    )
    escalations: tuple[Escalation, ...] = attrs.field(
        default=(),
        converter=_escalations,
        validator=_each(Escalation, "Escalation(tier, condition)"),
    )
    reviewable: bool = attrs.field(default=False, validator=_flag)
    #: Said (after the C12 wording) when the flag becomes a watch item by review or clearance.
    safety_net: str | None = attrs.field(default=None, validator=_text(optional=True))
    #: Principle 2: a serious-cause ``soon`` flag; while listed, the plan is stay_active and
    #: walking only. A reviewable flag never limits the plan.
    limits_plan: bool = attrs.field(default=False, validator=_flag)
    #: Action text shown only when its condition holds (C17), appended to the tier's action.
    action_notes: tuple[ConditionalText, ...] = attrs.field(
        default=(), converter=_texts, validator=_TEXTS
    )

    @limits_plan.validator
    def _limits_plan(self, attribute: Any, value: bool) -> None:
        if value and self.reviewable:
            raise RuleBaseError(
                f"red flag {self.id!r}: a reviewable flag cannot limit the plan (clinical.md C7)"
            )

    def checks(self) -> list[tuple[str, Condition]]:
        # An escalation is checked together with the flag's own condition, so it fires (and
        # shows in the trace) only when it changes the tier.
        return (
            [(CheckKey.own(self.id), self.condition)]
            + [
                (key, self.condition & e.condition)
                for key, e in zip(self.escalation_keys(), self.escalations, strict=True)
            ]
            + _conditional_checks(self.id, self.action_notes)
        )

    def escalation_keys(self) -> list[str]:
        """``<id>@<tier>``, and ``<id>@<tier>#<n>`` for the n-th further escalation to one tier.

        Two escalations to the same tier are legitimate (two routes to urgent); with one key
        for both, the second condition would silently replace the first in every engine.
        """
        seen: dict[Urgency, int] = {}
        keys = []
        for e in self.escalations:
            seen[e.tier] = seen.get(e.tier, 0) + 1
            keys.append(CheckKey.escalation(self.id, e.tier.value, seen[e.tier]))
        return keys

    def tiers(self) -> list[tuple[Urgency, Timeframe, str, str]]:
        """(tier, timeframe, action, check key) for the base tier and every escalation."""
        base = [
            (
                self.tier,
                self.timeframe or DEFAULT_TIMEFRAME[self.tier],
                self.action,
                CheckKey.own(self.id),
            )
        ]
        return base + [
            (
                e.tier,
                e.timeframe or DEFAULT_TIMEFRAME[e.tier],
                e.action or self.action,
                key,
            )
            for key, e in zip(self.escalation_keys(), self.escalations, strict=True)
        ]


@attrs.frozen(cache_hash=True)
class WatchItem:
    """Something worth knowing but not worth a review on its own; it carries a safety-net."""

    id: str = attrs.field(validator=_text())
    family: str = attrs.field(validator=_text())
    title: str = attrs.field(validator=_text())
    condition: Condition = attrs.field(validator=_condition())
    advice: str = attrs.field(validator=_text())
    evidence: tuple[EvidenceLink, ...] = attrs.field(converter=_links, validator=_EVIDENCE)

    def checks(self) -> list[tuple[str, Condition]]:
        return [(CheckKey.own(self.id), self.condition)]


@attrs.frozen(cache_hash=True)
class Exclusion:
    """Removes an activity when its condition holds (clinical.md C1: cautions never do)."""

    id: str = attrs.field(validator=_text())
    condition: Condition = attrs.field(validator=_condition())
    reason: str = attrs.field(validator=_text())


def _ladder(instance: Any, attribute: Any, value: Any) -> None:
    """Each step is ``(text, sessions_per_week, minutes or None)``: a non-empty text, a whole
    number of sessions 1..50 and whole minutes 1..600 (the values check-ins compare with)."""
    if isinstance(value, str):
        raise RuleBaseError(f"{_where(instance, attribute)} is a plain string; expected steps")
    for n, step in enumerate(value):
        ok = (
            type(step) is tuple
            and len(step) == 3
            and isinstance(step[0], str)
            and bool(step[0].strip())
            and type(step[1]) is int
            and 1 <= step[1] <= 50
            and (step[2] is None or (type(step[2]) is int and 1 <= step[2] <= 600))
        )
        if not ok:
            raise RuleBaseError(
                f"{_where(instance, attribute)} step {n + 1} is {_short(step)}; expected "
                "(text, sessions_per_week 1..50, minutes 1..600 or None)"
            )


@attrs.frozen(cache_hash=True)
class Activity:
    """A recommendation: when it applies, how much, how to progress, and why we believe in it.

    ``kind`` is ``"exercise"``, ``"advice"`` or ``"comfort"`` (clinical.md section 6, "Kinds"):
    advice and comfort are not activities, so ``avoid_activities`` cannot remove them and a
    preference cannot name them (C5). ``"activity"``, the name before revision 3, means exercise.
    """

    id: str = attrs.field(validator=_text())
    name: str = attrs.field(validator=_text())
    eligibility: Condition = attrs.field(validator=_condition())
    reason: str = attrs.field(validator=_text())
    dose: str = attrs.field(validator=_text())
    progression: str = attrs.field(validator=_text())
    evidence: tuple[EvidenceLink, ...] = attrs.field(converter=_links, validator=_EVIDENCE)
    exclusions: tuple[Exclusion, ...] = attrs.field(
        default=(),
        converter=_exclusions,
        validator=_each(Exclusion, "Exclusion(id, condition, reason)"),
    )
    cautions: tuple[ConditionalText, ...] = attrs.field(
        default=(), converter=_texts, validator=_TEXTS
    )
    rank_up: Condition | None = attrs.field(default=None, validator=_condition(optional=True))
    kind: str = attrs.field(
        default="exercise",
        converter=_kind,
        validator=attrs.validators.in_(KINDS),
    )
    #: the honest reading of the evidence (clinical.md section 9)
    framing: str | None = attrs.field(default=None, validator=_text(optional=True))
    #: A dose that *replaces* ``dose`` when its condition holds (the first that holds wins):
    #: section 6's "pregnant: replaced by ..." for pain relief. Check keys ``<id>?dose<n>``.
    dose_instead: tuple[ConditionalText, ...] = attrs.field(
        default=(), converter=_texts, validator=_TEXTS
    )
    #: The dose ladder for weekly check-ins (clinical.md section 12): ordered steps, each a
    #: plain tuple ``(text, sessions_per_week, minutes or None)`` (plain values, so a plugin's
    #: ladder passes the registry's plain-value check); empty: the dose is the single step.
    ladder: tuple[tuple[str, int, int | None], ...] = attrs.field(
        default=(), converter=_tuple, validator=_ladder
    )
    #: The patient field whose answer picks the starting step: the largest step whose minutes
    #: are not above it (``can_walk_minutes`` for walking); None: start at the first step.
    ladder_fit: str | None = attrs.field(default=None, validator=_text(optional=True))

    def dose_for(self, fired: Container[str]) -> str:
        """The dose this person is given: the first replacement that holds, else ``dose``."""
        replaced = shown_texts(self.id, self.dose_instead, fired, "dose")
        return replaced[0] if replaced else self.dose

    def checks(self) -> list[tuple[str, Condition]]:
        checks: list[tuple[str, Condition]] = [(CheckKey.own(self.id), self.eligibility)]
        checks += [(self.exclusion_key(x), x.condition) for x in self.exclusions]
        checks += _conditional_checks(self.id, self.cautions)
        checks += _conditional_checks(self.id, self.dose_instead, "dose")
        if self.rank_up is not None:
            checks.append((self.rank_up_key, self.rank_up))
        return checks

    def exclusion_key(self, exclusion: Exclusion) -> str:
        return CheckKey.exclusion(self.id, exclusion.id)

    @property
    def rank_up_key(self) -> str:
        return CheckKey.rank_up(self.id)


@attrs.frozen(cache_hash=True)
class AdviceAgainst:
    """A treatment a guideline advises against, for one profile (clinical.md section 7)."""

    id: str = attrs.field(validator=_text())
    profile: str = attrs.field(validator=_text())
    scope: str = attrs.field(validator=_text())  # "low_back_pain", "sciatica" or "both"
    text: str = attrs.field(validator=_text())
    evidence: tuple[EvidenceLink, ...] = attrs.field(converter=_links, validator=_EVIDENCE)
    applies_when: Condition | None = attrs.field(default=None, validator=_condition(optional=True))
    #: "routine imaging without red flags"
    withheld_when_red_flag: bool = attrs.field(default=False, validator=_flag)
    #: Said once after the list for every item that carries it ("do not stop a medicine ...").
    note: str | None = attrs.field(default=None, validator=_text(optional=True))

    def checks(self) -> list[tuple[str, Condition]]:
        return [(CheckKey.own(self.id), self.applies_when)] if self.applies_when is not None else []


@attrs.frozen(cache_hash=True)
class SafetyNetCard:
    """What to do if things change, as a short bulleted list (clinical.md C18).

    Shown when the assessment's urgency is one of ``tiers`` and any trigger holds: a listed red
    flag or watch item of one of ``families``, the answers satisfying ``when``, or (with
    ``screen_incomplete``) an incomplete screen. A card with no trigger shows at every one of its
    tiers. Each line may carry its own condition, so "go at once if you get X" is not said to a
    person who already has X. Cards show in registration order (the order of seriousness).
    """

    id: str = attrs.field(validator=_text())
    title: str = attrs.field(validator=_text())
    items: tuple[ConditionalText, ...] = attrs.field(converter=_texts, validator=_TEXTS)
    tiers: tuple[Urgency, ...] = attrs.field(converter=_tiers)
    evidence: tuple[EvidenceLink, ...] = attrs.field(converter=_links, validator=_EVIDENCE)
    families: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, validator=_each(str, "family names")
    )
    when: Condition | None = attrs.field(default=None, validator=_condition(optional=True))
    screen_incomplete: bool = attrs.field(default=False, validator=_flag)

    def checks(self) -> list[tuple[str, Condition]]:
        own = [(CheckKey.own(self.id), self.when)] if self.when is not None else []
        return own + _conditional_checks(self.id, self.items)

    @property
    def always(self) -> bool:
        """No trigger: shown at every tier it names."""
        return not (self.families or self.when is not None or self.screen_incomplete)


Rule = RedFlag | WatchItem | Activity | AdviceAgainst | SafetyNetCard


@attrs.frozen(cache_hash=True)
class Check:
    """One condition the engines evaluate, in a stratum after every rule it reads."""

    key: str
    condition: Condition
    stratum: int


#: Literal numbers must be plain: durable-rules cannot parse exponents (1e-05) or inf, and no
#: patient field comes near this size.
MAX_LITERAL = 1e9


def _plain_number(value: float) -> bool:
    return math.isfinite(value) and abs(value) <= MAX_LITERAL and "e" not in repr(value)


def check_literals(
    key: str, condition: Condition, kinds: Mapping[str, tuple[str, tuple[str, ...]]]
) -> None:
    """Reject a leaf whose literal can never match its fact, or that engines could read two ways."""
    for leaf in condition.leaves():
        number = getattr(leaf, "value", None)
        if isinstance(number, float) and not _plain_number(number):
            raise RuleBaseError(
                f"check {key!r}: {leaf.key} is compared with {number!r}; expected a finite number "
                f"between -{MAX_LITERAL:g} and {MAX_LITERAL:g} written without an exponent"
            )
        if leaf.key.startswith(FLAG_PREFIX) or leaf.key not in kinds:
            continue
        kind, choices = kinds[leaf.key]
        if kind == "any":
            continue
        numeric = kind in ("int", "float")
        if isinstance(leaf, Compare):
            if not numeric or isinstance(leaf.value, bool):
                raise RuleBaseError(
                    f"check {key!r}: {leaf.describe()!r} compares a {kind} field with a number"
                )
            continue
        value = getattr(leaf, "value", None)
        if value is None:
            continue
        ok = (
            (kind == "bool" and isinstance(value, bool))
            or (numeric and isinstance(value, int | float) and not isinstance(value, bool))
            or (kind == "enum" and value in choices)
        )
        if not ok:
            allowed = ", ".join(choices) if kind == "enum" else f"a {kind}"
            raise RuleBaseError(
                f"check {key!r}: {leaf.key} can never be {value!r}; expected {allowed}"
            )


def _stratify(
    rules: Sequence[Rule], fact_keys: Mapping[str, tuple[str, tuple[str, ...]]]
) -> tuple[Check, ...]:
    """Order checks so a check reading ``flag.<id>`` runs after ``<id>`` (no cycles allowed)."""
    pending: dict[str, list[tuple[str, Condition]]] = {r.id: r.checks() for r in rules}
    reads: dict[str, set[str]] = {}
    for rule_id, own in pending.items():
        reads[rule_id] = set()
        for key, condition in own:
            for other in flags_read(condition):
                if other not in pending:
                    raise RuleBaseError(
                        f"check {key!r} reads the outcome of unknown rule {other!r}"
                    )
                reads[rule_id].add(other)
            for fact in condition.keys():
                if not fact.startswith(FLAG_PREFIX) and fact not in fact_keys:
                    raise RuleBaseError(f"check {key!r} reads unknown fact {fact!r}")
            check_literals(key, condition, fact_keys)
    stratum_of: dict[str, int] = {}

    def depth(rule_id: str, path: tuple[str, ...]) -> int:
        if rule_id in path:
            raise RuleBaseError(
                "rules read each other in a cycle: " + " -> ".join((*path, rule_id))
            )
        if rule_id not in stratum_of:
            below = [depth(o, (*path, rule_id)) for o in reads[rule_id]]
            stratum_of[rule_id] = 1 + max(below, default=-1)
        return stratum_of[rule_id]

    checks: list[Check] = []
    for rule in rules:
        level = depth(rule.id, ())
        checks += [Check(key, condition, level) for key, condition in pending[rule.id]]
    return tuple(sorted(checks, key=lambda c: c.stratum))


@attrs.frozen(eq=False)
class RuleBase:
    """Every rule of one configuration, validated and content-hashed.

    Build it with :meth:`build`; the hash names the configuration in the assessment's
    ``ruleset`` entry and in durable-rules ruleset names (durable cannot replace a ruleset, so a
    changed rule base must get a new name).
    """

    red_flags: tuple[RedFlag, ...]
    watch_items: tuple[WatchItem, ...]
    activities: tuple[Activity, ...]
    advice_against: tuple[AdviceAgainst, ...]
    cards: tuple[SafetyNetCard, ...]
    evidence: Mapping[str, Evidence]
    thresholds: Thresholds
    version: str
    checks: tuple[Check, ...]
    strata: tuple[tuple[Check, ...], ...]
    hash: str
    index: Mapping[str, Rule]
    conditions: Mapping[str, Condition]  # check key -> condition
    #: (plugin, stage, reason) for each installed plugin left out of this rule base; set by the
    #: plugin registry, not part of the hash (``version`` names the plugins that are in it).
    plugins_dropped: tuple[tuple[str, str, str], ...] = ()

    @classmethod
    def build(
        cls,
        *,
        red_flags: Iterable[RedFlag],
        watch_items: Iterable[WatchItem],
        activities: Iterable[Activity],
        advice_against: Iterable[AdviceAgainst],
        evidence: Iterable[Evidence],
        thresholds: Thresholds,
        version: str,
        cards: Iterable[SafetyNetCard] = (),
        fact_keys: Mapping[str, tuple[str, tuple[str, ...]]] | Iterable[str] | None = None,
    ) -> RuleBase:
        """Validate and hash a rule base.

        ``fact_keys`` are the facts conditions may read, with their kinds (default: every
        patient fact, ``spinerules.facts.fact_kinds()``); a plain set of keys takes the kinds of
        those keys from the patient vocabulary.
        """
        from .facts import fact_kinds

        kinds = fact_kinds()
        if fact_keys is not None and not isinstance(fact_keys, Mapping):
            kinds = {key: kinds.get(key, ("any", ())) for key in fact_keys}
        elif fact_keys is not None:
            kinds = dict(fact_keys)
        flags, watches = tuple(red_flags), tuple(watch_items)
        acts, against, shown = tuple(activities), tuple(advice_against), tuple(cards)
        catalogue: dict[str, Evidence] = {}
        for item in evidence:
            if item.id in catalogue:
                raise RuleBaseError(f"duplicate evidence id {item.id!r}")
            catalogue[item.id] = item
        rules: tuple[Rule, ...] = (*flags, *watches, *acts, *against, *shown)
        index: dict[str, Rule] = {}
        for rule in rules:
            if rule.id in index:
                raise RuleBaseError(f"duplicate rule id {rule.id!r}")
            index[rule.id] = rule
            for link in rule.evidence:
                if link.evidence_id not in catalogue:
                    raise RuleBaseError(
                        f"rule {rule.id!r} cites unknown evidence {link.evidence_id!r}"
                    )
        checks = _stratify(rules, kinds)
        keys: set[str] = set()
        for check in checks:
            if check.key in keys:  # one key, two conditions: an engine would keep only one
                raise RuleBaseError(f"two checks share the key {check.key!r}")
            keys.add(check.key)
        levels = sorted({c.stratum for c in checks})
        strata = tuple(tuple(c for c in checks if c.stratum == lvl) for lvl in levels)
        digest = hashlib.sha256(
            repr((version, thresholds, rules, tuple(catalogue.values()))).encode()
        ).hexdigest()
        return cls(
            red_flags=flags,
            watch_items=watches,
            activities=acts,
            advice_against=against,
            cards=shown,
            evidence=catalogue,
            thresholds=thresholds,
            version=version,
            checks=checks,
            strata=strata,
            conditions={c.key: c.condition for c in checks},
            hash=digest[:16],
            index=index,
        )

    def link_grade(self, link: EvidenceLink) -> Grade | None:
        """The grade a link lends its claim (clinical.md C3)."""
        if link.grade is not None:
            return link.grade
        return self.evidence[link.evidence_id].grade
