"""The clinical content of clinical.md as data, one module per family.

These modules hold clinical facts and nothing else: no engine, no output format.
"""

from __future__ import annotations

from functools import lru_cache

from ..rules import RuleBase
from ..thresholds import Thresholds
from . import (
    axspa,
    cauda_equina,
    fracture,
    infection,
    malignancy,
    neuro,
    pregnancy,
    vascular,
)

#: Version of the built-in clinical content; bump it with every clinical change.
KNOWLEDGE_VERSION = "2026.12.0"  # clinical.md revision 3
RED_FLAG_FAMILIES = (
    cauda_equina,
    neuro,
    malignancy,
    infection,
    fracture,
    axspa,
    vascular,
    pregnancy,
)


@lru_cache(maxsize=32)
def default_rule_base(thresholds: Thresholds | None = None) -> RuleBase:
    """The built-in rule base alone (no installed plugins), built through the plugin hooks.

    Cached: building validates and hashes. Use it when a result must not depend on what else is
    installed; ``assess()`` uses the built-ins plus every loaded plugin.
    """
    from ..plugins import Plugins
    from ..registry import build_rule_base

    return build_rule_base(Plugins(load_entry_points=False), thresholds or Thresholds())
