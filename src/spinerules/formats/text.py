"""Plain text for the terminal: the person view (``view.py``) laid out one item per line (a
terminal wraps by itself, and a copied line stays whole).

Colour (ANSI) only when asked, which the CLI does only when stdout is a TTY, so piped output and
files stay clean. Every line is cleaned (``clean.py``): an ESC, a carriage return or a bidi
override in a plugin's text would let it recolour, overwrite or reverse what the terminal shows,
so the only control characters in the output are the line breaks and colours written here.
"""

from __future__ import annotations

from ..assessment import Assessment
from .clean import one_line
from .view import HEADLINE, Section, person_view

__all__ = ["HEADLINE", "render_text"]

_COLOUR = {
    "emergency": "\033[1;41;97m",
    "urgent": "\033[1;31m",
    "soon": "\033[1;33m",
    "self_care": "\033[1;32m",
}
_RESET = "\033[0m"


def _section(section: Section) -> list[str]:
    lines = ["", section.title, *section.paragraphs, *(f"- {b}" for b in section.bullets)]
    for entry in section.entries:
        ref = f"  (rule {entry.reference})" if entry.reference else ""
        lines.append(f"* {entry.title}{ref}")
        for label, text in entry.details:
            lines.append(f"    {label}: {text}")
    return [*lines, *section.after]


def render_text(assessment: Assessment, *, color: bool = False) -> str:
    view = person_view(assessment)
    lines = [view.headline]
    for section in view.sections:
        lines += _section(section)
    lines += ["", view.disclaimer, f"({view.provenance})"]
    lines = [one_line(line) for line in lines]
    if color:
        lines[0] = f"{_COLOUR[view.level]}{lines[0]}{_RESET}"
    return "\n".join(lines) + "\n"
