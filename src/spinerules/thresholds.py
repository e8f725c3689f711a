"""Every age, duration and count cut-off the rules use, named and sourced (clinical.md principle 8).

A local pathway changes a cut-off by passing ``Thresholds(...)`` with the field overridden;
the rule base built from it gets a new content hash, so an assessment always says which
cut-offs produced it.
"""

from __future__ import annotations

import math
from typing import Any

import attrs

from .errors import RuleBaseError


def _finite(instance: object, attribute: Any, value: object) -> None:
    """A cut-off is a plain number (not a boolean, inf or nan): rules compare answers with it."""
    plain = isinstance(value, int | float) and not isinstance(value, bool)
    if not plain or not math.isfinite(value) or abs(value) > 1e9 or "e" in repr(value):  # type: ignore[arg-type]
        raise RuleBaseError(
            f"{attribute.name}: {value!r} is not allowed; expected a finite number written "
            "without an exponent (to switch a rule off, block or replace it instead)"
        )


def _param(default: int | float, source: str) -> Any:
    return attrs.field(default=default, validator=_finite, metadata={"source": source})


@attrs.frozen(kw_only=True, cache_hash=True)
class Thresholds:
    """Cut-offs with the defaults of clinical.md; ``source`` metadata says where each comes from."""

    # Episode phases (ACP 2017).
    subacute_min_days: int = _param(28, "ACP 2017: acute < 4 weeks; subacute from day 28")
    chronic_min_days: int = _param(85, "ACP 2017: chronic > 12 weeks (85 days or more)")
    # Neurological course and radicular pain.
    radicular_persistent_days: int = _param(42, "NICE CKS sciatica: > 6 weeks (duration > 42 days)")
    radicular_severe_intensity: int = _param(7, "NICE CKS sciatica: severe pain, 7/10 or more")
    # Malignancy.
    malignancy_age: int = _param(50, "Downie 2013; NICE NG12: age 50 or over")
    young_age: int = _param(20, "IFOMPT 2020: age under 20 is a weak malignancy flag")
    myeloma_age: int = _param(60, "NICE NG12: myeloma bloods at 60 or over")
    myeloma_days: int = _param(42, "NICE NG12: persistent back pain (6 weeks)")
    not_improving_days: int = _param(28, "IFOMPT 2020: not improving after 4 weeks")
    weak_flag_count: int = _param(2, "IFOMPT 2020: two or more weak malignancy flags")
    # Fracture.
    fracture_recent_trauma_days: int = _param(7, "NICE CKS: trauma within the last week")
    fragility_age: int = _param(70, "Downie 2013 / Han 2023: older age, 70 or over")
    fragility_age_female: int = _param(65, "NICE CKS: women 65 or over")
    fragility_urgent_intensity: int = _param(8, "clinical.md: severe pain, 8/10 or more")
    fracture_risk_count: int = _param(2, "clinical.md: two or more fracture risk factors")
    # STarT Back (Hill 2008): the instrument's own cut-offs.
    startback_high_subscale: int = _param(
        4, "Hill 2008: psychosocial subscale 4 or more is high risk"
    )
    startback_low_total: int = _param(3, "Hill 2008: total 3 or less is low risk")
    # Axial spondyloarthritis (NICE NG65).
    axspa_max_first_age: int = _param(45, "NICE NG65: back pain that started before age 45")
    axspa_min_days: int = _param(90, "NICE NG65: back pain for longer than 3 months")
    axspa_refer_count: int = _param(4, "NICE NG65: 4 or more features, refer")
    axspa_hla_count: int = _param(3, "NICE NG65: 3 features, HLA-B27 decides")
    # Vascular.
    aaa_age: int = _param(50, "NICE NG156 / CKS: age 50 or over")
    aaa_male_age: int = _param(65, "NICE NG156: men 65 or over (the AAA screening age)")
    aaa_recent_days: int = _param(
        14, "clinical.md: known aneurysm with new back pain (14 days) is an emergency"
    )
    # Activities.
    sitting_days: int = _param(3, "NICE NG59: break up sitting when mostly sitting 3+ days a week")
    walking_min_minutes: int = _param(5, "clinical.md: can walk 5 minutes or more")
    running_max_intensity: int = _param(5, "clinical.md: keep running when pain is 5/10 or less")
    strength_min_bmi: float = _param(30.0, "Vincent 2014; Lee & Kang 2016: obese adults (BMI 30+)")
    tai_chi_rank_up_age: int = _param(60, "Kong 2016: older adults and balance")
    group_exercise_sessions: int = _param(
        8, "NICE NG59 sets no count; 8 sessions is a local default"
    )
    # The plan a person sees (clinical.md section 6, "Kinds").
    plan_exercise_count: int = _param(
        3, "clinical.md section 6: show 3 exercises to choose one or two from (Owen 2020)"
    )

    def describe(self) -> list[tuple[str, int | float, str]]:
        """(name, value, source) for every cut-off, in declaration order (for docs and the trace)."""
        return [
            (f.name, getattr(self, f.name), f.metadata["source"]) for f in attrs.fields(type(self))
        ]
