"""Choosing an engine by name, and saying which one ran."""

from __future__ import annotations

import sys
import threading
from functools import lru_cache

from ..errors import EngineUnavailable
from ..jsonio import quote
from .base import Engine
from .python import PythonEngine

ENGINE_NAMES = ("auto", "durable", "python")


@lru_cache(maxsize=1)
def _durable_import_error() -> str | None:
    try:
        import durable.engine  # noqa: F401
    except Exception as error:  # ImportError, or the undefined-symbol failure on 3.13
        return f"{type(error).__name__}: {error}"
    return None


def durable_available() -> bool:
    """Whether durable-rules imports here (it does on Python 3.11 and 3.12)."""
    return _durable_import_error() is None


def resolve_engine_name(name: str) -> str:
    """``auto`` becomes ``durable`` or ``python``; anything else is checked."""
    if not isinstance(name, str) or name not in ENGINE_NAMES:
        raise EngineUnavailable(
            f"engine: {quote(name)} is not an engine; expected one of {', '.join(ENGINE_NAMES)}"
        )
    if name == "auto":
        return "durable" if durable_available() else "python"
    if name == "durable" and not durable_available():
        version = ".".join(map(str, sys.version_info[:3]))
        raise EngineUnavailable(
            f"engine 'durable' cannot load on Python {version} ({_durable_import_error()}); "
            "durable-rules 2.0.28 imports on Python 3.11 and 3.12 only. "
            "Use engine='python' (same rules, same results) or engine='auto'."
        )
    return name


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _engine(name: str) -> Engine:
    # Built under a lock: ``functools.cache`` lets two threads on a cold start each build a
    # durable host, each with its own lock around the one C library, which then crashes.
    engine = _engines.get(name)
    if engine is not None:
        return engine
    with _engines_lock:
        engine = _engines.get(name)
        if engine is None:
            if name == "durable":
                from .durable import DurableEngine

                engine = DurableEngine()
            else:
                engine = PythonEngine()
            _engines[name] = engine
        return engine


def get_engine(name: str = "auto") -> Engine:
    """The shared engine instance for ``name`` (one durable host per process)."""
    return _engine(resolve_engine_name(name))
