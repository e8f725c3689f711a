"""Markdown, for notes, tickets and documentation. User-provided text cannot inject markup:
the only free text in an Assessment comes from rules, but plugin rules are third-party text,
so table cells and list items are escaped."""

from __future__ import annotations

import re

from ..assessment import Assessment
from .text import HEADLINE

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|])")


def md(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def render_markdown(assessment: Assessment) -> str:
    a = assessment
    out = [f"# {md(HEADLINE[a.urgency.value])}", ""]
    if a.red_flags:
        out += ["## Red flags", ""]
        for f in a.red_flags:
            out.append(
                f"- **{md(f.title)}** ({md(f.id)}, {f.urgency.value}, {f.timeframe.value}): {md(f.action)}"
            )
        out.append("")
    if a.unanswered:
        title = (
            "Safety questions to answer"
            if not a.screen_complete
            else "Questions that could change this advice"
        )
        out += [f"## {title}", "", ", ".join(md(q) for q in a.unanswered), ""]
    if a.watch:
        out += ["## Watch", ""] + [f"- **{md(w.title)}**: {md(w.advice)}" for w in a.watch] + [""]
    if a.recommendations:
        out += ["## Plan", "", "| activity | dose | progression | evidence |", "|---|---|---|---|"]
        for r in a.recommendations:
            evidence = ", ".join(
                f"{e.id} ({e.grade.value if e.grade else 'n/a'})" for e in r.evidence
            )
            out.append(f"| {md(r.name)} | {md(r.dose)} | {md(r.progression)} | {md(evidence)} |")
        cautions = [(r.name, c) for r in a.recommendations for c in r.cautions]
        if cautions:
            out += ["", "Cautions:", ""] + [f"- {md(n)}: {md(c)}" for n, c in cautions]
        out.append("")
    if a.startback:
        sb = a.startback
        out += [
            "## STarT Back",
            "",
            f"{sb.risk} risk (total {sb.total}, subscale {sb.subscale}). {md(sb.matched_care or '')}",
            "",
        ]
    if a.advice_against:
        out += ["## Not recommended", ""] + [f"- {md(x.text)}" for x in a.advice_against] + [""]
    out += ["## Safety-net", ""] + [f"- {md(s)}" for s in a.safety_net] + [""]
    out += [
        f"*{md(a.disclaimer)}*",
        "",
        f"rules {md(a.ruleset.version)} · {md(a.ruleset.hash)} · engine {md(a.ruleset.engine)}",
        "",
    ]
    return "\n".join(out)
