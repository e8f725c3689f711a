"""A week's result in every format keeps the format contract; the chart and sparkline."""

from __future__ import annotations

import json
import re

import pytest

from course_helpers import START, checkin_dict, course
from spinerules import Urgency
from spinerules.course import CheckIn, Episode, evaluate_episode, render_course, render_week
from spinerules.course.chart import sparkline, svg
from spinerules.registry import current_formats

FORMATS = sorted(current_formats())


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_a_worsening_week(fmt: str) -> None:
    week = evaluate_episode(course([4, 6, 7]), engine="python", today=START).latest
    assert week.urgency is Urgency.SOON
    out = render_week(week, fmt)
    assert "checkin_pain_worsening" in out.replace("\\", "")  # markdown escapes
    if fmt == "json":
        doc = json.loads(out)
        assert set(doc) >= {"assessment", "course_rules", "plan", "trend", "next_checkin"}
        assert doc["urgency"] == "soon" and doc["assessment"]["urgency"] == "self_care"
        assert doc["trend"]["pain_change"] == {"points": 3, "percent": 75.0}
        assert doc["next_checkin"] == "2026-01-26"


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_html_and_markdown_embed_the_chart(fmt: str) -> None:
    result = evaluate_episode(course([6, 5, 4, 3]), engine="python", today=START)
    out = render_course(result, fmt).replace("\\", "")
    assert out.count("<svg") == 1 and "http://" not in out.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert "polyline" in out
    assert "Check-in 4 (2026-01-26): pain 3" in out  # every number of the chart in words too


def test_text_has_a_sparkline() -> None:
    out = render_course(evaluate_episode(course([0, 5, 10]), engine="python", today=START), "text")
    assert "Pain ▁▅█" in out


def test_sparkline_and_svg_from_data() -> None:
    assert sparkline([0, None, 10]) == "▁·█"
    from spinerules.course.result import TrendPoint

    chart = svg([TrendPoint("2026-01-01", 10, 5.0), TrendPoint("2026-01-08", 5, None)])
    # baseline at pain 10 (y=12) and the 30% line at pain 7
    assert re.search(r'<line x1="36" y1="12.0"', chart)
    assert 'points="36.0,12.0 468.0,92.0"' in chart


def test_an_emergency_week_leads_with_the_emergency_in_every_format() -> None:
    items = [CheckIn.from_dict(checkin_dict(w, 4, saddle_anaesthesia=(w == 1))) for w in range(2)]
    week = evaluate_episode(Episode("p1", items), engine="python", today=START).latest
    assert week.urgency is Urgency.EMERGENCY and week.plan == ()
    for fmt in FORMATS:
        out = render_week(week, fmt).replace("\\", "")
        assert "ces_saddle" in out
    text = render_week(week, "text")
    assert text.lower().lstrip().splitlines()[0].startswith("emergency")
    assert "new since your last check-in" in text.lower()


def test_nothing_reassuring_beside_an_emergency() -> None:
    """Recovered (pain 1 twice) in the week a cauda-equina sign appears: the course's
    maintenance advice and falling chart stay in the JSON but are not rendered (principle 9)."""
    items = [
        CheckIn.from_dict(
            checkin_dict(w, p, saddle_anaesthesia=(w == 2), neuro_symptoms_course="new")
        )
        for w, p in enumerate([1, 1, 1])
    ]
    week = evaluate_episode(Episode("p1", items), engine="python", today=START).latest
    assert week.urgency is Urgency.EMERGENCY
    assert "checkin_recovered" in week.course_rules  # in the data
    for fmt in ("text", "markdown", "html"):
        out = render_week(week, fmt)
        assert "Your pain is low" not in out and "<svg" not in out
        assert "ces" in out
    assert "checkin_recovered" in json.loads(render_week(week, "json"))["course_rules"]
