"""One exception hierarchy, so callers can catch everything spinerules raises with one clause."""

from __future__ import annotations


class SpinerulesError(Exception):
    """Root of every error spinerules raises on purpose."""


class InvalidPatientState(SpinerulesError, ValueError):
    """The patient state cannot be trusted: a field is unknown, mistyped, out of range or contradicts another.

    ``fields`` names every field involved, so a form can highlight them; the message names the
    field, the value given and what is allowed.
    """

    def __init__(self, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields


class RuleBaseError(SpinerulesError, ValueError):
    """A rule base is inconsistent: duplicate ids, unknown evidence, an unknown field in a condition."""


class EngineUnavailable(SpinerulesError, RuntimeError):
    """The requested engine cannot run here (for example durable-rules on Python 3.13+)."""


class EngineError(SpinerulesError, RuntimeError):
    """An engine failed while evaluating; raised instead of letting durable-rules swallow the error."""


class RenderError(SpinerulesError, RuntimeError):
    """An output format produced output that hides a red flag or the disclaimer (principle 5)."""
