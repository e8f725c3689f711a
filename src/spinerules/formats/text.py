"""Plain text for the terminal: urgency and action first, then the plan.

Colour (ANSI) only when asked, which the CLI does only when stdout is a TTY, so piped output and
files stay clean.
"""

from __future__ import annotations

from ..assessment import Assessment

HEADLINE = {
    "emergency": "EMERGENCY: go to an emergency department now",
    "urgent": "URGENT: see a doctor today",
    "soon": "SOON: make an appointment with your doctor",
    "self_care": "SELF-CARE: stay active; here is your plan",
}
_COLOUR = {
    "emergency": "\033[1;41;97m",
    "urgent": "\033[1;31m",
    "soon": "\033[1;33m",
    "self_care": "\033[1;32m",
}
_RESET = "\033[0m"


def render_text(assessment: Assessment, *, color: bool = False) -> str:
    a = assessment
    headline = HEADLINE[a.urgency.value]
    if color:
        headline = f"{_COLOUR[a.urgency.value]}{headline}{_RESET}"
    lines = [headline, ""]
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
            if r.framing:
                lines.append(f"    note: {r.framing}")
    if a.startback:
        sb = a.startback
        lines += ["", f"STarT Back: {sb.risk} risk (total {sb.total}, subscale {sb.subscale})"]
        if sb.matched_care:
            lines.append(f"  {sb.matched_care}")
    if a.advice_against:
        lines += ["", "Not recommended:"] + [f"- {x.text}" for x in a.advice_against]
    lines += ["", "Safety-net:"] + [f"- {s}" for s in a.safety_net]
    lines += [
        "",
        a.disclaimer,
        f"(rules {a.ruleset.version}, {a.ruleset.hash}, engine {a.ruleset.engine})",
    ]
    return "\n".join(lines) + "\n"
