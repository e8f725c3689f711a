"""Markdown, for notes, tickets and documentation: the person view (``view.py``) as markdown.

The only free text in an Assessment comes from rules, but plugin rules are third-party text, so
every piece of text is escaped: it cannot inject markup. It is cleaned first (``clean.py``): a
lone CR, NEL or U+2028 is a line ending to some renderers, and would otherwise end the escaped
line and start one the plugin wrote ("# Self-care: ...").
"""

from __future__ import annotations

import re

from ..assessment import Assessment
from .clean import one_line
from .view import Section, person_view

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|]|&(?=[#A-Za-z0-9]))")


def md(text: str) -> str:
    """Escaped markdown of one line of text: every markdown special character, and an ``&``
    that could start an entity (``&lt;`` shows as typed, not as ``<``)."""
    return _SPECIAL.sub(r"\\\1", one_line(text))


def _section(section: Section) -> list[str]:
    out = [f"## {md(section.title)}", ""]
    for paragraph in section.paragraphs:
        out += [md(paragraph), ""]
    if section.bullets:
        out += [f"- {md(b)}" for b in section.bullets] + [""]
    for entry in section.entries:
        ref = f" <sub>rule {md(entry.reference)}</sub>" if entry.reference else ""
        out.append(f"- **{md(entry.title)}**{ref}")
        out += [f"  - *{md(label)}*: {md(text)}" for label, text in entry.details]
    if section.entries:
        out.append("")
    for note in section.after:
        out += [md(note), ""]
    return out


def render_markdown(assessment: Assessment) -> str:
    view = person_view(assessment)
    out = [f"# {md(view.headline)}", ""]
    for section in view.sections:
        out += _section(section)
    out += [f"*{md(view.disclaimer)}*", "", md(view.provenance), ""]
    return "\n".join(out)
