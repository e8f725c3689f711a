"""A self-contained, printable HTML handout for the person.

Everything that is not markup is cleaned (``clean.py``: no control or bidi character, which a
browser would use or hide) and escaped with ``html.escape`` (rule text comes from plugins,
which are third-party text); there are no scripts, no external resources, and the styles are
inline so the file works offline and prints on one or two pages.
"""

from __future__ import annotations

from html import escape

from ..assessment import Assessment
from .clean import one_line
from .view import Section, person_view

_BANNER = {"emergency": "#b00020", "urgent": "#d35400", "soon": "#b7950b", "self_care": "#1e8449"}
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:46rem;margin:1.5rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}
.banner{color:#fff;padding:1rem 1.25rem;border-radius:.5rem;font-size:1.35rem;font-weight:700}
.flag{border-left:.35rem solid #b00020;padding:.25rem .9rem;margin:.8rem 0;background:#fdf2f2}
.entry{border-left:.35rem solid #1e8449;padding:.25rem .9rem;margin:.8rem 0;background:#f4faf6}
dt{font-weight:600}dd{margin:0 0 .4rem 0}h3{margin:.3rem 0}
ul.card{border:1px solid #999;border-radius:.4rem;padding:.5rem 1.5rem}
.small{font-size:.85rem;color:#444}.disclaimer{border-top:1px solid #999;margin-top:2rem;padding-top:.75rem}
@media print{.banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:inherit}}
"""


def _e(text: object) -> str:
    return escape(one_line(str(text)), quote=True)


def _section(section: Section) -> str:
    css = ' class="small"' if section.small else ""
    card = section.id.startswith("card_")
    parts = [f'<section{css} id="{_e(section.id)}"><h2>{_e(section.title)}</h2>']
    parts += [f"<p>{_e(p)}</p>" for p in section.paragraphs]
    if section.bullets:
        parts.append(
            f"<ul{' class=card' if card else ''}>"
            + "".join(f"<li>{_e(b)}</li>" for b in section.bullets)
            + "</ul>"
        )
    for entry in section.entries:
        flag = ' class="flag"' if section.id.startswith("red_flags") else ' class="entry"'
        details = "".join(
            f"<dt>{_e(label)}</dt><dd>{_e(text)}</dd>" for label, text in entry.details
        )
        ref = f'<p class="small">Rule {_e(entry.reference)}</p>' if entry.reference else ""
        parts.append(f"<div{flag}><h3>{_e(entry.title)}</h3><dl>{details}</dl>{ref}</div>")
    parts += [f"<p>{_e(note)}</p>" for note in section.after]
    parts.append("</section>")
    return "".join(parts)


def render_html(assessment: Assessment) -> str:
    view = person_view(assessment)
    body = [
        f'<h1 class="banner" style="background:{_BANNER[view.level]}" role="alert">{_e(view.headline)}</h1>'
    ]
    body += [_section(section) for section in view.sections]
    body.append(
        f'<p class="disclaimer">{_e(view.disclaimer)}<br><span class="small">{_e(view.provenance)}</span></p>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Your back pain plan — {_e(view.headline)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
