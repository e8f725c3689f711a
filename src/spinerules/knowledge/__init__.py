"""The clinical content of clinical.md as data, one module per family.

These modules hold clinical facts and nothing else: no engine, no output format, no import
of the registry (``spinerules.registry.default_rule_base`` builds them into a rule base).
"""

from __future__ import annotations

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
