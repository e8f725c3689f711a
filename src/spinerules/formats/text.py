"""Plain text for the terminal: the person view (``view.py``) laid out as lines.

Colour (ANSI) only when asked, which the CLI does only when stdout is a TTY, so piped output and
files stay clean.
"""

from __future__ import annotations

from ..assessment import Assessment
from .view import HEADLINE, Section, person_view

__all__ = ["HEADLINE", "render_text"]

_COLOUR = {
    "emergency": "\033[1;41;97m",
    "urgent": "\033[1;31m",
    "soon": "\033[1;33m",
    "self_care": "\033[1;32m",
}
_RESET = "\033[0m"


def _wrap(text: str, first: str, rest: str = "") -> list[str]:
    """One line per item: a terminal wraps by itself, and a copied line stays whole."""
    return [first + text]


def _section(section: Section) -> list[str]:
    lines = ["", section.title]
    for paragraph in section.paragraphs:
        lines += _wrap(paragraph, "", "")
    for bullet in section.bullets:
        lines += _wrap(bullet, "- ", "  ")
    for entry in section.entries:
        ref = f"  (rule {entry.reference})" if entry.reference else ""
        lines.append(f"* {entry.title}{ref}")
        for label, text in entry.details:
            lines += _wrap(text, f"    {label}: ", "      ")
    for note in section.after:
        lines += _wrap(note, "", "")
    return lines


def render_text(assessment: Assessment, *, color: bool = False) -> str:
    view = person_view(assessment)
    headline = view.headline
    if color:
        headline = f"{_COLOUR[view.level]}{headline}{_RESET}"
    lines = [headline]
    for section in view.sections:
        lines += _section(section)
    lines += ["", *_wrap(view.disclaimer, "", ""), f"({view.provenance})"]
    return "\n".join(lines) + "\n"
