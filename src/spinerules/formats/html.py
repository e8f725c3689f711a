"""A self-contained, printable HTML handout for the person.

Everything that is not markup is escaped with ``html.escape`` (rule text comes from plugins,
which are third-party text); there are no scripts, no external resources, and the styles are
inline so the file works offline and prints on one or two pages.
"""

from __future__ import annotations

from html import escape

from ..assessment import Assessment, EvidenceRef
from .text import HEADLINE

_BANNER = {"emergency": "#b00020", "urgent": "#d35400", "soon": "#b7950b", "self_care": "#1e8449"}
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:46rem;margin:1.5rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}
.banner{color:#fff;padding:1rem 1.25rem;border-radius:.5rem;font-size:1.35rem;font-weight:700}
.flag{border-left:.35rem solid #b00020;padding:.25rem .9rem;margin:.8rem 0;background:#fdf2f2}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left}
.small{font-size:.85rem;color:#444}.disclaimer{border-top:1px solid #999;margin-top:2rem;padding-top:.75rem}
@media print{.banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:inherit}}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _cite(ref: EvidenceRef) -> str:
    grade = f" — grade for this claim: {_e(ref.grade.value)}" if ref.grade else ""
    doi = f' <a href="https://doi.org/{_e(ref.doi)}">doi:{_e(ref.doi)}</a>' if ref.doi else ""
    return f"<li><b>{_e(ref.id)}</b>: {_e(ref.citation)}{doi}{grade}</li>"


def render_html(assessment: Assessment) -> str:
    a = assessment
    level = a.urgency.value
    body = [
        f'<div class="banner" style="background:{_BANNER[level]}" role="alert">{_e(HEADLINE[level])}</div>'
    ]
    for f in a.red_flags:
        body.append(
            f'<div class="flag"><h2>{_e(f.title)}</h2><p><b>{_e(f.action)}</b></p><p class="small">{_e(f.id)} · {_e(f.urgency.value)} · {_e(f.timeframe.value)}</p></div>'
        )
    if not a.screen_complete:
        body.append(
            "<h2>Please answer these safety questions</h2><ul>"
            + "".join(f"<li>{_e(q)}</li>" for q in a.unanswered)
            + "</ul>"
        )
    if a.watch:
        body.append(
            "<h2>Keep an eye on</h2><ul>"
            + "".join(f"<li><b>{_e(w.title)}</b>: {_e(w.advice)}</li>" for w in a.watch)
            + "</ul>"
        )
    if a.recommendations:
        rows = []
        for r in a.recommendations:
            cautions = "".join(f"<br><i>Caution: {_e(c)}</i>" for c in r.cautions)
            framing = f"<br><span class=small>{_e(r.framing)}</span>" if r.framing else ""
            rows.append(
                f"<tr><td><b>{_e(r.name)}</b><br><span class=small>{_e(r.reason)}</span></td><td>{_e(r.dose)}{cautions}{framing}</td><td>{_e(r.progression)}</td></tr>"
            )
        body.append(
            "<h2>Your plan</h2><table><thead><tr><th>What</th><th>How much</th><th>How to progress</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )
    if a.startback and a.startback.matched_care:
        body.append(
            f"<h2>Your care pathway</h2><p>{_e(a.startback.matched_care)}</p><p class=small>{_e(a.startback.credit)}</p>"
        )
    if a.advice_against:
        body.append(
            "<h2>Not recommended</h2><ul>"
            + "".join(f"<li>{_e(x.text)}</li>" for x in a.advice_against)
            + "</ul>"
        )
    body.append(
        "<h2>If things change</h2><ul>"
        + "".join(f"<li>{_e(s)}</li>" for s in a.safety_net)
        + "</ul>"
    )
    refs: dict[str, EvidenceRef] = {}
    for refs_of in (*(f.evidence for f in a.red_flags), *(r.evidence for r in a.recommendations)):
        for ref in refs_of:
            refs.setdefault(ref.id, ref)
    if refs:
        body.append(
            '<h2>Evidence</h2><ul class="small">'
            + "".join(_cite(r) for r in refs.values())
            + "</ul>"
        )
    body.append(
        f'<p class="disclaimer">{_e(a.disclaimer)}<br><span class=small>Rules {_e(a.ruleset.version)} ({_e(a.ruleset.hash)}), engine {_e(a.ruleset.engine)}.</span></p>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Your back pain plan — {_e(level)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )
