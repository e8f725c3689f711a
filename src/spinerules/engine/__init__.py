"""Engines evaluate a RuleBase's checks on facts. They know nothing clinical.

``python`` is the reference (the oracle of the differential tests and the fast path);
``durable`` runs the same checks on durable-rules' Rete network; ``auto`` picks durable where it
imports (Python 3.11 and 3.12) and python elsewhere.
"""

from __future__ import annotations

from .base import Engine, Fired
from .select import ENGINE_NAMES, durable_available, get_engine, resolve_engine_name

__all__ = [
    "ENGINE_NAMES",
    "Engine",
    "Fired",
    "durable_available",
    "get_engine",
    "resolve_engine_name",
]
