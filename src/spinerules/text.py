"""A plain-text rendering for the terminal: urgency and action first, then the plan.

Issue 3 turns output formats into plugins; until then the CLI's ``text`` format lives here and
reads only the Assessment.
"""

from __future__ import annotations

from .assessment import Assessment

_HEADLINE = {
    "emergency": "EMERGENCY: go to an emergency department now",
    "urgent": "URGENT: see a doctor today",
    "soon": "SOON: make an appointment with your doctor",
    "self_care": "SELF-CARE: stay active; here is your plan",
}


def render_text(assessment: Assessment) -> str:
    a = assessment
    lines = [_HEADLINE[a.urgency.value], ""]
    for flag in a.red_flags:
        lines += [
            f"! {flag.title} [{flag.id}, {flag.urgency.value}, {flag.timeframe.value}]",
            f"  {flag.action}",
        ]
    if not a.screen_complete:
        lines += ["", "The safety screen is incomplete; please answer: " + ", ".join(a.unanswered)]
    elif a.unanswered:
        lines += ["", "Questions that could change this advice: " + ", ".join(a.unanswered)]
    if a.watch:
        lines += ["", "Watch:"] + [f"- {w.title} [{w.id}]: {w.advice}" for w in a.watch]
    if a.recommendations:
        lines += ["", "Your plan:"]
        for r in a.recommendations:
            grade = r.grade.value if r.grade else "ungraded"
            lines.append(f"- {r.name} [{r.id}; evidence {grade}]: {r.dose} {r.progression}")
            lines += [f"    caution: {c}" for c in r.cautions]
    if a.startback:
        lines += [
            "",
            f"STarT Back: {a.startback.risk} risk (total {a.startback.total}, subscale {a.startback.subscale})",
        ]
        if a.startback.matched_care:
            lines.append(f"  {a.startback.matched_care}")
    if a.advice_against:
        lines += ["", "Not recommended:"] + [f"- {x.text}" for x in a.advice_against]
    lines += ["", "Safety-net:"] + [f"- {s}" for s in a.safety_net]
    lines += [
        "",
        a.disclaimer,
        f"(rules {a.ruleset.version}, {a.ruleset.hash}, engine {a.ruleset.engine})",
    ]
    return "\n".join(lines) + "\n"
