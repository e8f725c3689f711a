"""The rule catalogue, generated from the rule base itself (ruff's model): every red flag, watch
item and activity with its id, condition in words, tier or dose, and evidence. Used by
``spinerules rules`` and by the generated ``docs/rules.md``, so neither can drift from the rules.
"""

from __future__ import annotations

from collections.abc import Iterable

from .levels import DEFAULT_TIMEFRAME
from .rules import EvidenceLink, RuleBase


def _evidence(rule_base: RuleBase, links: Iterable[EvidenceLink]) -> str:
    parts = []
    for link in links:
        grade = rule_base.link_grade(link)
        parts.append(f"`{link.evidence_id}`" + (f" ({grade.value})" if grade else ""))
    return ", ".join(parts)


def catalogue_markdown(rule_base: RuleBase, family: str | None = None) -> str:
    """Markdown of the rule base; ``family`` narrows it to one red-flag family."""
    out = ["# Rule catalogue", "", f"Rules {rule_base.version}, hash `{rule_base.hash}`.", ""]
    families = dict.fromkeys(
        [f.family for f in rule_base.red_flags] + [w.family for w in rule_base.watch_items]
    )
    for fam in families:
        if family and fam != family:
            continue
        out += [f"## Red flags: {fam}", ""]
        for flag in (f for f in rule_base.red_flags if f.family == fam):
            out += [f"### `{flag.id}` — {flag.title}", ""]
            out.append(f"- **When**: {flag.condition.describe()}")
            timeframe = (flag.timeframe or DEFAULT_TIMEFRAME[flag.tier]).value
            marks = " — reviewable" if flag.reviewable else ""
            marks += " — limits plan" if flag.limits_plan else ""
            out.append(f"- **Tier**: {flag.tier.value}, {timeframe}{marks}")
            for esc in flag.escalations:
                out.append(f"- **Raised to {esc.tier.value}** when: {esc.condition.describe()}")
                if esc.action:
                    out.append(f"  - action at {esc.tier.value}: {esc.action}")
            out.append(f"- **Action**: {flag.action}")
            for note in flag.action_notes:
                when = f" when {note.when.describe()}" if note.when is not None else ""
                out.append(f"  - adds{when}: {note.text}")
            out += [f"- **Evidence**: {_evidence(rule_base, flag.evidence)}", ""]
        for item in (w for w in rule_base.watch_items if w.family == fam):
            out += [f"### `{item.id}` (watch item) — {item.title}", ""]
            out.append(f"- **When**: {item.condition.describe()}")
            out.append(f"- **Advice**: {item.advice}")
            out += [f"- **Evidence**: {_evidence(rule_base, item.evidence)}", ""]
    if family:
        return "\n".join(out)
    out += ["## Activities", ""]
    for act in rule_base.activities:
        out += [f"### `{act.id}` — {act.name} ({act.kind})", ""]
        out.append(f"- **When**: {act.eligibility.describe()}")
        out.append(f"- **Dose**: {act.dose} **Progression**: {act.progression}")
        for c in act.dose_instead:
            when = f" when {c.when.describe()}" if c.when is not None else ""
            out.append(f"- **Dose instead**{when}: {c.text}")
        for x in act.exclusions:
            out.append(f"- **Excluded** ({x.reason}) when: {x.condition.describe()}")
        for c in act.cautions:
            when = f" when {c.when.describe()}" if c.when is not None else ""
            out.append(f"- **Caution**{when}: {c.text}")
        if act.framing:
            out.append(f"- **Framing**: {act.framing}")
        out += [f"- **Evidence**: {_evidence(rule_base, act.evidence)}", ""]
    out += ["## Safety-net cards", ""]
    for card in rule_base.cards:
        triggers = [f"a {', '.join(card.families)} flag or watch item"] if card.families else []
        triggers += [card.when.describe()] if card.when is not None else []
        triggers += ["the screen is incomplete"] if card.screen_incomplete else []
        tiers = ", ".join(u.value for u in card.tiers)
        when = f"when {' or '.join(triggers)}" if triggers else "always"
        out += [f"### `{card.id}` — {card.title}", "", f"- **Shown** at {tiers}, {when}"]
        for line in card.items:
            cond = f" (shown when {line.when.describe()})" if line.when is not None else ""
            out.append(f"  - {line.text}{cond}")
        out += [f"- **Evidence**: {_evidence(rule_base, card.evidence)}", ""]
    out += ["## Advice against", ""]
    for against in rule_base.advice_against:
        cited = _evidence(rule_base, against.evidence)
        when = f" (when {against.applies_when.describe()})" if against.applies_when else ""
        out.append(
            f"- `{against.id}` ({against.profile}, {against.scope}){when}: {against.text} — {cited}"
        )
    return "\n".join(out) + "\n"


def patient_texts(rule_base: RuleBase) -> list[tuple[str, str]]:
    """Every string of the rule base a person may read, named ``<kind>:<id>:<part>``.

    Principle 10 asks these to read at grade 8 or lower; the readability test measures exactly
    this list, and a translator or reviewer can start from it. The wording of the person view
    (headlines, section titles) and of the questions is included.
    """
    from .fields import FIELDS
    from .formats import view
    from .knowledge import safety_net, startback

    out: list[tuple[str, str]] = []
    for flag in rule_base.red_flags:
        out.append((f"red_flag:{flag.id}:title", flag.title))
        out.append((f"red_flag:{flag.id}:action", flag.action))
        out += [(f"red_flag:{flag.id}:escalation", e.action) for e in flag.escalations if e.action]
        out += [(f"red_flag:{flag.id}:note", n.text) for n in flag.action_notes]
        if flag.safety_net:
            out.append((f"red_flag:{flag.id}:safety_net", flag.safety_net))
    for item in rule_base.watch_items:
        out += [(f"watch:{item.id}:title", item.title), (f"watch:{item.id}:advice", item.advice)]
    for act in rule_base.activities:
        for part in ("name", "reason", "dose", "progression"):
            out.append((f"activity:{act.id}:{part}", getattr(act, part)))
        out += [(f"activity:{act.id}:caution", c.text) for c in act.cautions]
        out += [(f"activity:{act.id}:dose_instead", c.text) for c in act.dose_instead]
        if act.framing:
            out.append((f"activity:{act.id}:framing", act.framing))
    for against in rule_base.advice_against:
        out.append((f"advice_against:{against.id}:text", against.text))
        if against.note:
            out.append((f"advice_against:{against.id}:note", against.note))
    for card in rule_base.cards:
        out.append((f"card:{card.id}:title", card.title))
        out += [(f"card:{card.id}:item", item.text) for item in card.items]
    for name in ("URGENT_FALLBACK", "KEEP_MOVING", "REVIEWED_ADVICE", "CLEARED_ADVICE"):
        out.append((f"policy:{name.lower()}", getattr(safety_net, name)))
    out += [(f"matched_care:{risk}", text) for risk, text in startback.MATCHED_CARE.items()]
    out.append(("matched_care:beside_review", startback.BESIDE_REVIEW))
    out += [(f"headline:{tier}", text) for tier, text in view.HEADLINE.items()]
    for name in (
        "INCOMPLETE_HEADLINE",
        "INCOMPLETE_NOTE",
        "UNANSWERED_AFTER_ACTION",
        "MORE_QUESTIONS",
        "FOR_CLINICIAN_NOTE",
        "CHOOSE",
        "CHOOSE_NOTE",
        "ALSO_FOUND",
        "SAFETY_QUESTIONS",
    ):
        out.append((f"view:{name.lower()}", getattr(view, name)))
    out += [
        (f"question:{spec.name}", spec.question)
        for spec in FIELDS.values()
        if spec.asked_of == "person" and spec.kind not in ("list", "startback")
    ]
    return out
