"""Every cut-off of the course rules, named and sourced (clinical.md principle 8, section 12)."""

from __future__ import annotations

from typing import Any

import attrs

from ..thresholds import _finite


def _param(default: int | float, source: str) -> Any:
    return attrs.field(default=default, validator=_finite, metadata={"source": source})


@attrs.frozen(kw_only=True, cache_hash=True)
class CourseThresholds:
    """The section 12 defaults; ``source`` metadata says where each comes from."""

    worsening_points: int = _param(
        2, "Ostelo 2008: 2 points on a 0-10 scale is a clinically important change"
    )
    review_days: int = _param(42, "NICE CKS: review if not improving after 4-6 weeks (42 days)")
    improvement_fraction: float = _param(
        30, "Ostelo 2008: 30% less pain is a clinically important improvement (percent)"
    )
    adherence_fraction: float = _param(
        80, "selfBACK 2021; ACSM progression: progress when 80% of planned sessions are done"
    )
    low_adherence_fraction: float = _param(
        50, "Owen 2020 (the exercise a person does wins): nudge below 50% of planned sessions"
    )
    flare_points: int = _param(2, "NICE NG59 self-management; Ostelo 2008: a 2-point rise")
    recovered_pain: int = _param(2, "NICE NG59: pain 2/10 or less is mild")
    checkin_overdue_days: int = _param(14, "clinical.md section 12: two missed weekly check-ins")
    checkin_interval_days: int = _param(7, "clinical.md section 12: weekly check-ins")
    in_a_row: int = _param(2, "clinical.md section 12: on 2 check-ins in a row")


def parameter_sources() -> dict[str, str]:
    return {f.name: f.metadata["source"] for f in attrs.fields(CourseThresholds)}
