"""Built-in output formats, registered like any plugin's."""

from __future__ import annotations

from collections.abc import Callable

from ..formats.html import render_html
from ..formats.json_format import render_json
from ..formats.markdown import render_markdown
from ..formats.text import render_text
from ..hookspecs import hookimpl


@hookimpl
def register_formats(register: Callable[..., None]) -> None:
    register(
        "text",
        render_text,
        media_type="text/plain",
        description="terminal: urgency and action first, then the plan (colour on a TTY)",
    )
    register(
        "markdown", render_markdown, media_type="text/markdown", description="notes and tickets"
    )
    register(
        "json",
        render_json,
        media_type="application/json",
        description="the Assessment.to_dict() contract",
    )
    register(
        "html",
        render_html,
        media_type="text/html",
        description="a self-contained, printable handout",
    )
