"""Built-in "do not" lists for the nice and acp profiles (clinical.md section 7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..hookspecs import hookimpl
from ..knowledge import advice_against
from ..thresholds import Thresholds


@hookimpl
def register_advice_against(register: Callable[[Any], None], thresholds: Thresholds) -> None:
    for item in advice_against.advice_against(thresholds):
        register(item)
