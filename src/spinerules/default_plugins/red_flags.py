"""Built-in red flags, watch items and safety-net cards (clinical.md section 4 and C18)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..hookspecs import hookimpl
from ..knowledge import RED_FLAG_FAMILIES, safety_net
from ..thresholds import Thresholds


@hookimpl
def register_red_flags(register: Callable[[Any], None], thresholds: Thresholds) -> None:
    for family in RED_FLAG_FAMILIES:
        for flag in family.red_flags(thresholds):
            register(flag)
    for family in RED_FLAG_FAMILIES:
        for item in getattr(family, "watch_items", lambda t: [])(thresholds):
            register(item)
    for card in safety_net.cards(thresholds):
        register(card)
