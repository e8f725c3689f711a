"""spinerules: low-back-pain decision support as declarative, testable rules.

Screens a person's answers for red flags first, stratifies risk with STarT Back, and recommends
activities with a dose, a reason and graded evidence. Decision support, not a diagnosis.

    >>> import spinerules
    >>> a = spinerules.assess({"age": 40, "pain_duration_days": 10, "saddle_anaesthesia": True})
    >>> a.urgency.value
    'emergency'
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .api import PROFILES, assess, render
from .assessment import (
    AdviceAgainstItem,
    Assessment,
    DroppedPlugin,
    EvidenceRef,
    Recommendation,
    RedFlagFinding,
    RulesetInfo,
    StartBack,
    TraceEntry,
    WatchFinding,
)
from .batch import RowError, assess_many
from .engine import ENGINE_NAMES, durable_available, resolve_engine_name
from .errors import (
    EngineError,
    EngineUnavailable,
    InvalidPatientState,
    RenderError,
    RuleBaseError,
    SpinerulesError,
)
from .knowledge import KNOWLEDGE_VERSION
from .levels import Grade, Timeframe, Urgency
from .patient import PatientState, StartBackAnswers, patient_state_schema
from .registry import default_rule_base
from .rules import RuleBase
from .thresholds import Thresholds

#: Weekly check-ins (``spinerules.course``), loaded when first used.
_COURSE = ("CheckIn", "CourseResult", "CourseThresholds", "Episode", "WeekResult", "checkin")


def __getattr__(name: str) -> object:
    """``screen_table`` loads polars, an optional dependency, only when first used; the
    check-in API (``spinerules.course``) loads on first use too."""
    if name == "screen_table":
        from .columnar import screen_table

        return screen_table
    if name in _COURSE:
        from . import course

        return getattr(course, name)
    raise AttributeError(f"module 'spinerules' has no attribute {name!r}")


try:
    __version__ = version("spinerules")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+local"

__all__ = [
    "ENGINE_NAMES",
    "KNOWLEDGE_VERSION",
    "PROFILES",
    "AdviceAgainstItem",
    "Assessment",
    "CheckIn",
    "CourseResult",
    "CourseThresholds",
    "DroppedPlugin",
    "EngineError",
    "EngineUnavailable",
    "Episode",
    "EvidenceRef",
    "Grade",
    "InvalidPatientState",
    "PatientState",
    "Recommendation",
    "RedFlagFinding",
    "RenderError",
    "RowError",
    "RuleBase",
    "RuleBaseError",
    "RulesetInfo",
    "SpinerulesError",
    "StartBack",
    "StartBackAnswers",
    "Thresholds",
    "Timeframe",
    "TraceEntry",
    "Urgency",
    "WatchFinding",
    "WeekResult",
    "__version__",
    "assess",
    "assess_many",
    "checkin",
    "default_rule_base",
    "durable_available",
    "patient_state_schema",
    "render",
    "resolve_engine_name",
    "screen_table",
]
