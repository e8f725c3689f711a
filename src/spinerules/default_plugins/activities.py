"""Built-in activities (clinical.md section 6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..hookspecs import hookimpl
from ..knowledge import activities
from ..thresholds import Thresholds


@hookimpl
def register_activities(register: Callable[[Any], None], thresholds: Thresholds) -> None:
    for activity in activities.activities(thresholds):
        register(activity)
