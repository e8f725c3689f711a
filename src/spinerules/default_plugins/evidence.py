"""Built-in evidence catalogue (clinical.md section 9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..hookspecs import hookimpl
from ..knowledge.evidence import EVIDENCE


@hookimpl
def register_evidence(register: Callable[[Any], None]) -> None:
    for item in EVIDENCE:
        register(item)
