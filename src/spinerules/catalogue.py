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
            reviewable = " — reviewable" if flag.reviewable else ""
            out.append(f"- **Tier**: {flag.tier.value}, {timeframe}{reviewable}")
            for esc in flag.escalations:
                out.append(f"- **Raised to {esc.tier.value}** when: {esc.condition.describe()}")
                if esc.action:
                    out.append(f"  - action at {esc.tier.value}: {esc.action}")
            out.append(f"- **Action**: {flag.action}")
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
        out += [f"### `{act.id}` — {act.name}", ""]
        out.append(f"- **When**: {act.eligibility.describe()}")
        out.append(f"- **Dose**: {act.dose} **Progression**: {act.progression}")
        for x in act.exclusions:
            out.append(f"- **Excluded** ({x.reason}) when: {x.condition.describe()}")
        for c in act.cautions:
            when = f" when {c.when.describe()}" if c.when is not None else ""
            out.append(f"- **Caution**{when}: {c.text}")
        if act.framing:
            out.append(f"- **Framing**: {act.framing}")
        out += [f"- **Evidence**: {_evidence(rule_base, act.evidence)}", ""]
    out += ["## Advice against", ""]
    for against in rule_base.advice_against:
        cited = _evidence(rule_base, against.evidence)
        out.append(
            f"- `{against.id}` ({against.profile}, {against.scope}): {against.text} — {cited}"
        )
    return "\n".join(out) + "\n"
