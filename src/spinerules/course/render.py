"""A week's result and a course, in every output format.

The week is rendered by the registered format itself, through ``spinerules.render``: on the
week's assessment (the check-in's own assessment with the course's reviews added and its
urgency never lowered), so the format contract holds unchanged (every red flag, the
disclaimer, the headline of the week's urgency). The course's part (what is new, the course
rules, the plan's ladder steps, the trend and chart, the next check-in) is then written after
it, and the whole document is checked against the contract again. JSON formats give the
result's own document (``WeekResult.to_dict``), checked against the check-in's assessment.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..api import render
from ..formats.contract import check_output
from ..formats.markdown import md
from ..levels import Urgency
from ..registry import current_formats
from .chart import sparkline, svg
from .result import CourseResult, WeekResult


def _lines(week: WeekResult, course: CourseResult | None) -> list[tuple[str, list[str]]]:
    """The course sections as (title, lines) in plain words."""
    titles = {f.id: f.title for f in week.week.red_flags}
    sections: list[tuple[str, list[str]]] = []
    if course is not None and course.overdue:
        sections.append(("Check-in overdue", [f.text for f in course.record_findings]))
    if week.new_red_flags:
        sections.append(
            (
                "New since your last check-in",
                [
                    f"{titles.get(r, r)} ({r}): this is new, act on it as it says."
                    for r in week.new_red_flags
                ],
            )
        )
    if week.urgency >= Urgency.URGENT:
        # Principle 9: at urgent and emergency a person sees the action, nothing reassuring
        # ("your pain is low", a falling chart); the JSON keeps every finding.
        return sections
    shown = [f for f in week.findings if f.effect != "new_red_flag"]
    if shown:
        sections.append(
            (
                "Your check-in",
                [f"{f.text} (rule {f.id}; read check-ins of {', '.join(f.read)})" for f in shown],
            )
        )
    if week.plan:
        lines = []
        for p in week.plan:
            nxt = (
                "keep this up"
                if p.maintenance
                else f"next: {p.next_dose}"
                if p.next_dose
                else "top step: keep this up"
            )
            lines.append(f"{p.name}: step {p.step + 1} of {p.steps}: {p.dose} ({nxt})")
        sections.append(("This week's steps", lines))
    trend = week.trend
    pains = [p.pain for p in trend.points]
    pegs = [p.peg for p in trend.points]
    change, percent = trend.change("pain")
    said = (
        f"Pain since your first check-in: {change:+g} points"
        + (f" ({percent:+g}%)" if percent is not None else "")
        if change is not None
        else "Pain since your first check-in: not known (a pain score is missing)"
    )
    table = [
        f"Check-in {i + 1} ({p.date}): pain {'not answered' if p.pain is None else p.pain}, "
        f"PEG {'not answered' if p.peg is None else p.peg}"
        for i, p in enumerate(trend.points)
    ]
    sections.append(
        (
            "Your weeks",
            [f"Pain {sparkline(pains)}  PEG {sparkline(pegs)}", said, *table],
        )
    )
    sections.append(("Next check-in", [week.next_checkin.isoformat()]))
    return sections


LEGEND = (
    "The chart: your pain score (red line) and PEG score (blue dashes) at each check-in, your "
    "first pain score (grey line) and 30% below it (green dots)."
)


def _text(sections: list[tuple[str, list[str]]]) -> str:
    out = []
    for title, lines in sections:
        out.append(f"\n{title}")
        out += [f"  - {line}" for line in lines]
    return "\n".join(out) + "\n"


def _markdown(sections: list[tuple[str, list[str]]], chart: str) -> str:
    out = []
    for title, lines in sections:
        out.append(f"\n## {md(title)}\n")
        out += [f"- {md(line)}" for line in lines]
        if title == "Your weeks":
            out += ["", md(LEGEND), "", chart]
    return "\n".join(out) + "\n"


def _html(sections: list[tuple[str, list[str]]], chart: str) -> str:
    out = ['<section class="course">']
    for title, lines in sections:
        out.append(f"<h2>{escape(title)}</h2><ul>")
        out += [f"<li>{escape(line)}</li>" for line in lines]
        out.append("</ul>")
        if title == "Your weeks":
            out.append(f"<figure>{chart}<figcaption>{escape(LEGEND)}</figcaption></figure>")
    out.append("</section>")
    return "\n".join(out)


def render_week(
    week: WeekResult, fmt: str = "text", course: CourseResult | None = None, **options: Any
) -> str:
    """The week's result in format ``fmt`` (``course`` adds the record's overdue state)."""
    formats = current_formats()
    base = render(week.week, fmt, **options)  # InvalidPatientState for an unknown format
    spec = formats[fmt]
    if "json" in spec.media_type.lower() and fmt != "json":
        return base  # another JSON format (FHIR): its own document of the week's assessment
    if fmt == "json":
        import json

        document = week.to_dict()
        if course is not None:
            document["overdue"] = course.overdue
        text = json.dumps(document, indent=2, ensure_ascii=False)
        return check_output(
            week.assessment, text, name=fmt, plugin=spec.plugin, media_type=spec.media_type
        )
    sections = _lines(week, course)
    chart = svg(week.trend.points)
    if spec.media_type == "text/html" or fmt == "html":
        extra = _html(sections, chart)
        at = base.rfind("</body>")
        text = base[:at] + extra + base[at:] if at != -1 else base + extra
    elif "markdown" in spec.media_type or fmt == "markdown":
        text = base.rstrip("\n") + "\n" + _markdown(sections, chart)
    else:
        text = base.rstrip("\n") + "\n" + _text(sections)
    return check_output(week.week, text, name=fmt, plugin=spec.plugin, media_type=spec.media_type)


def render_course(result: CourseResult, fmt: str = "text", **options: Any) -> str:
    """The course: the latest week, with every week's trend and the record's state."""
    return render_week(result.latest, fmt, course=result, **options)
