"""The plugin contract: what a plugin may add to spinerules, and how.

Every hook receives a ``register`` callback (the simonw/llm style) instead of returning a list,
so a plugin can register any number of things and the manager can attribute, validate and, on
failure, drop each plugin's contributions as one unit. A hook implementation may accept any
subset of the arguments below (pluggy passes only the names it asks for).

The built-in red flags, activities, evidence and formats are registered through these same
hooks by the default plugins in ``spinerules.default_plugins``: the core has no private path.

Everything a hook is handed is its own: ``thresholds`` is a private copy (an implementation
that changes it, even through ``object.__setattr__``, is dropped), and ``register`` refuses
calls once the hook has returned. Contributions must be the spinerules types themselves (no
subclasses) and are copied after the hook.

Everything is add-only. A plugin cannot remove, replace, reword or downgrade a core rule: a
contribution whose id is already taken is rejected, and the safety policy (red flags first,
limits on the plan) is not a hook.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .thresholds import Thresholds

hookspec = pluggy.HookspecMarker("spinerules")
hookimpl = pluggy.HookimplMarker("spinerules")


@hookspec
def register_evidence(register: Callable[[Any], None], thresholds: Thresholds) -> None:
    """Register evidence: citations that rules can cite by id.

    Called once per rule-base build, before any rule is registered, so every rule of every
    plugin can cite every source. An evidence *source* may read citations from anywhere (a
    CSL-JSON bibliography, a database) and register each.

    :param register: call ``register(evidence)`` with a :class:`spinerules.rules.Evidence` per
        source; its ``id`` must be new.
    :param thresholds: the cut-offs in force (rarely needed here).
    """


@hookspec
def register_red_flags(register: Callable[[Any], None], thresholds: Thresholds) -> None:
    """Register additional red flags, watch items and safety-net cards (add-only).

    Called once per rule-base build. A plugin can add a local red flag (for example a pathway's
    own referral criterion); it can never remove, replace or downgrade a core one: an id that is
    already registered is rejected and the plugin's contributions are dropped.

    :param register: call ``register(rule)`` with a :class:`spinerules.rules.RedFlag`, a
        :class:`spinerules.rules.WatchItem` or a :class:`spinerules.rules.SafetyNetCard` (a
        bulleted "if things change" list shown by its own condition, after the built-in cards);
        conditions may read any patient fact and, through ``flag(...)``, the outcome of any
        other registered rule. A red flag with ``limits_plan=True`` limits the plan like the
        core serious-cause flags (principle 2).
    :param thresholds: the cut-offs in force (a private copy; do not change it); use them
        instead of literal numbers so a local pathway can change them.
    """


@hookspec
def register_activities(register: Callable[[Any], None], thresholds: Thresholds) -> None:
    """Register activities the assessment may recommend.

    Called once per rule-base build. Each activity needs an eligibility condition, a dose and at
    least one evidence link whose id is registered (by any plugin). Activities obey the safety
    policy like the built-ins: none is offered at ``urgent`` or ``emergency``, with an incomplete
    screen, or under a serious-cause flag.

    :param register: call ``register(activity)`` with a :class:`spinerules.rules.Activity`.
    :param thresholds: the cut-offs in force.
    """


@hookspec
def register_advice_against(register: Callable[[Any], None], thresholds: Thresholds) -> None:
    """Register treatments a guideline profile advises against.

    Called once per rule-base build.

    :param register: call ``register(item)`` with a :class:`spinerules.rules.AdviceAgainst`;
        its ``profile`` names the guideline profile (``nice``, ``acp`` or a new one).
    :param thresholds: the cut-offs in force.
    """


@hookspec
def register_formats(register: Callable[..., None]) -> None:
    """Register output formats for ``spinerules.render`` and ``spinerules assess --format``.

    Called once when the format registry is first needed. A format only reads the Assessment,
    and must keep the format contract (docs/plugins.md, ``spinerules.formats.contract``): lead
    with the urgency's headline (``spinerules.formats.view.headline``), show every red flag and
    the disclaimer as visible text, nothing of a lower urgency, no hiding control characters.
    ``spinerules.render`` checks it on every call and raises ``RenderError`` otherwise.

    :param register: call ``register(name, render, media_type=..., description=...)`` where
        ``render(assessment, **options) -> str``; ``name`` must be new and non-empty.
    """


@hookspec
def register_course_rules(
    register: Callable[[Any], None],
    thresholds: Thresholds,
    course_thresholds: Any,
    red_flags: tuple[str, ...],
) -> None:
    """Register course rules: what a sequence of weekly check-ins adds (clinical.md section 12).

    Called once per course rule base, that is per rule base and set of course thresholds, the
    first time a check-in is evaluated with them. A course rule reads the course facts of
    ``spinerules.course.sequence`` (``this("pain")``, ``previous("pain")``,
    ``baseline("pain")``, ``in_a_row(2, ...)``, ``record("days_since_last")``) and only adds:
    a ``review`` raises the week's urgency to its tier, never lowers it; a rule cannot hide,
    replace or reword a red flag of the check-in's own assessment, which always comes first.
    A course rule whose id is taken, that reads an unknown fact or cites unknown evidence drops
    the plugin's course rules (reported like any plugin failure).

    :param register: call ``register(item)`` with a :class:`spinerules.course.CourseRule` or a
        :class:`spinerules.rules.Evidence` (new evidence it cites).
    :param thresholds: the rule base's cut-offs (a private copy).
    :param course_thresholds: the :class:`spinerules.course.CourseThresholds` in force; use
        them instead of literal numbers.
    :param red_flags: the ids of every red flag of the rule base (for ``this("rf.<id>")``).
    """
