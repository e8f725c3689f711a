"""The clinical content of clinical.md as data, one module per family.

These modules hold clinical facts and nothing else: no engine, no output format.
"""

from __future__ import annotations

from functools import lru_cache

from ..facts import fact_keys
from ..rules import RuleBase
from ..thresholds import Thresholds
from . import (
    activities,
    advice_against,
    axspa,
    cauda_equina,
    fracture,
    infection,
    malignancy,
    neuro,
    vascular,
)
from .evidence import EVIDENCE

#: Version of the built-in clinical content; bump it with every clinical change.
KNOWLEDGE_VERSION = "2026.11.0"
RED_FLAG_FAMILIES = (cauda_equina, neuro, malignancy, infection, fracture, axspa, vascular)


@lru_cache(maxsize=32)
def default_rule_base(thresholds: Thresholds | None = None) -> RuleBase:
    """The built-in rule base for these thresholds (cached: building it validates and hashes)."""
    t = thresholds or Thresholds()
    return RuleBase.build(
        red_flags=[flag for family in RED_FLAG_FAMILIES for flag in family.red_flags(t)],
        watch_items=[
            item
            for family in RED_FLAG_FAMILIES
            if hasattr(family, "watch_items")
            for item in family.watch_items(t)
        ],
        activities=activities.activities(t),
        advice_against=advice_against.advice_against(t),
        evidence=EVIDENCE,
        thresholds=t,
        version=KNOWLEDGE_VERSION,
        fact_keys=fact_keys(),
    )
