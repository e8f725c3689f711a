"""Charts of a course, written from the data (no plotting library, no network).

``sparkline`` is a compact text line for terminals; ``svg`` is a small self-contained SVG of
pain and PEG per check-in with the baseline and the 30% improvement line, embedded in the
HTML and markdown handouts. SVG text is not counted as visible text by the format contract,
so every number it shows is also written out in the handout's table.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .result import TrendPoint

_BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None], top: float = 10) -> str:
    """One character per check-in, 0..``top``; an unanswered value is a middle dot."""
    out = []
    for value in values:
        if value is None:
            out.append("·")
        else:
            level = round(max(0.0, min(top, value)) / top * (len(_BARS) - 1))
            out.append(_BARS[level])
    return "".join(out)


def svg(points: Sequence[TrendPoint], improvement_percent: float = 30) -> str:
    """Pain (solid) and PEG (dashed) on 0..10 per check-in, baseline pain and the line
    ``improvement_percent`` below it (dotted)."""
    width, height, left, top, bottom = 480, 200, 36, 12, 28
    plot_w, plot_h = width - left - 12, height - top - bottom
    n = max(1, len(points) - 1)

    def x(i: int) -> float:
        return round(left + plot_w * i / n, 1)

    def y(value: float) -> float:
        return round(top + plot_h * (1 - value / 10), 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Pain and PEG per check-in">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" '
        'stroke="#999"/>',
    ]
    for tick in (0, 5, 10):
        parts.append(
            f'<text x="{left - 6}" y="{y(tick) + 4}" font-size="11" text-anchor="end">{tick}</text>'
        )
    base = points[0].pain if points else None
    if base is not None:
        line = base * (1 - improvement_percent / 100)
        parts.append(
            f'<line x1="{left}" y1="{y(base)}" x2="{left + plot_w}" y2="{y(base)}" '
            'stroke="#555" stroke-width="1"/>'
        )
        parts.append(
            f'<line x1="{left}" y1="{y(line)}" x2="{left + plot_w}" y2="{y(line)}" '
            'stroke="#2a7" stroke-width="1" stroke-dasharray="2 3"/>'
        )
    for measure, colour, dash in (("pain", "#c33", ""), ("peg", "#36c", ' stroke-dasharray="6 4"')):
        coords = [
            f"{x(i)},{y(value)}"
            for i, p in enumerate(points)
            if (value := getattr(p, measure)) is not None
        ]
        if coords:
            parts.append(
                f'<polyline points="{" ".join(coords)}" fill="none" stroke="{colour}" '
                f'stroke-width="2"{dash}/>'
            )
    for i in range(len(points)):
        if i == 0 or i == len(points) - 1 or len(points) <= 12:
            parts.append(
                f'<text x="{x(i)}" y="{height - 10}" font-size="10" text-anchor="middle">'
                f"{escape(str(i + 1))}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
