"""A row that kills the worker process that unpickles it (tests/test_streams.py)."""

from __future__ import annotations

import os
from typing import Any


class DyingRow(dict[str, Any]):
    """Pickles as a call to ``os._exit``: the worker dies as on a crash in native code."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (os._exit, (3,))
