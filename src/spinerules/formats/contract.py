"""The format contract: what ``spinerules.render`` checks of every output, whoever wrote the format.

Principle 5 says nothing may hide or downgrade a red flag, and a format is third-party code. So
render does not trust it:

* the format must leave the Assessment as it found it (``fingerprint`` before and after: a
  format that reaches past the frozen classes with ``object.__setattr__`` is caught);
* it must return a ``str``;
* in the **visible** text of the output (``visible.py``: comments, hidden elements, styles,
  concealed ANSI do not count) every red flag id, the disclaimer and the headline of the
  assessment's urgency must appear (``view.HEADLINE_MARKER``, or the incomplete-screen headline
  when the screen leads with its questions), and no headline of a lower urgency may appear
  anywhere a reader might see it ("Self-care:" beside an emergency; matched by
  ``markers.lower_markers`` after folding look-alike letters and invisible characters). No
  string is exempt: the registry refuses plugin text carrying a marker with the same matcher,
  and the built-in rules carry none;
* the output holds no control character that can hide, overwrite or reorder text, and no
  markup or CSS the check cannot judge (``visible.Visible.unjudged``, ``css.py``);
* JSON (any media type naming ``json``) is parsed and checked as data instead: an
  ``Assessment.to_dict()`` document (it has ``schema_version``) must carry the same urgency,
  exactly the assessment's ``red_flags`` and the disclaimer text; any other JSON must hold
  every red flag id and the disclaimer among its strings and name no tier lower than the
  assessment's (``"self_care"``) unless a finding has it. In both, no string but ids and the
  reports of dropped plugins may read as a lower headline.
"""

from __future__ import annotations

import enum
import json
import pickle
import re
from collections.abc import Iterator, Mapping
from typing import Any, cast

import attrs

from ..assessment import Assessment
from ..errors import RenderError
from ..levels import Urgency
from .clean import one_line
from .markers import lower_markers, required_marker
from .view import HEADLINE_MARKER, INCOMPLETE_HEADLINE, leads_with_questions
from .visible import Visible, visible_text

__all__ = ["changed_fields", "check_output", "fingerprint", "snapshot"]


def snapshot(value: object) -> object:
    """A deep copy of a value's content that compares equal exactly when the content does.

    It walks attrs fields itself (a format could replace ``to_dict`` or ``__eq__`` on an
    instance, not the fields), keeps container types (a tuple swapped for a list is a change),
    and compares floats by ``repr`` (so a NaN input equals itself).
    """
    if value is None or (isinstance(value, bool | int | str) and not isinstance(value, enum.Enum)):
        return (type(value).__name__, value)
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, enum.Enum):
        return (type(value).__qualname__, value.name)
    if attrs.has(type(value)):
        fields = attrs.fields(cast(Any, type(value)))
        return (
            type(value).__qualname__,
            tuple((f.name, snapshot(getattr(value, f.name))) for f in fields),
        )
    if isinstance(value, Mapping):
        return (
            type(value).__qualname__,
            tuple((snapshot(k), snapshot(v)) for k, v in value.items()),
        )
    if isinstance(value, tuple | list):
        return (type(value).__name__, tuple(snapshot(v) for v in value))
    if isinstance(value, set | frozenset):
        return (type(value).__name__, frozenset(snapshot(v) for v in value))
    return (type(value).__qualname__, repr(value))


def fingerprint(a: Assessment) -> object:
    """What ``render`` compares before and after a format: the pickled assessment (four times
    faster than ``snapshot``), or its ``snapshot`` if something in it cannot be pickled."""
    try:
        return pickle.dumps(a, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return snapshot(a)


def changed_fields(before: object, after: Assessment) -> list[str]:
    """The top-level fields of ``after`` that differ from the ``fingerprint`` taken before."""
    old = snapshot(pickle.loads(before)) if isinstance(before, bytes) else before
    new = snapshot(after)
    if not (isinstance(old, tuple) and isinstance(new, tuple)) or old[0] != new[0]:
        return ["its type"]
    was, now = dict(old[1]), dict(new[1])
    return [name for name in was if was[name] != now.get(name)] or ["shared references"]


# --- headlines ---------------------------------------------------------------------------------

INCOMPLETE = re.compile(r"\s+".join(map(re.escape, INCOMPLETE_HEADLINE.split())), re.IGNORECASE)


def _words(tier: Urgency) -> str:
    return tier.value.replace("_", "-")


def _flat(text: str) -> str:
    return " ".join(text.split())


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


#: An id, a tier or a check key (``ces_saddle@emergency``, ``walking?dose0``).
_IDENTIFIER = re.compile(r"[a-z0-9_]+(?:[@#?!^][a-z0-9_]+)*")


def _lower(a: Assessment) -> tuple[Urgency, ...]:
    """The tiers whose headline must not appear beside this assessment's."""
    questions_first = leads_with_questions(a)
    return tuple(
        u for u in Urgency if u < a.urgency or (questions_first and u is Urgency.SELF_CARE)
    )


def _lower_problem(a: Assessment, texts: list[str]) -> list[str]:
    """A lower tier's headline anywhere in ``texts`` (``markers.lower_markers``). No string is
    exempt: the registry refuses plugin text that carries a marker, and the built-in rules
    carry none, so a marker here was written by the format."""
    lower = _lower(a)
    found = {u for text in texts for u in lower_markers(text, lower)} if lower else set()
    if not found:
        return []
    what = "an incomplete screen" if leads_with_questions(a) else f"{_article(a.urgency)} one"
    shown = " and ".join(_article(u) for u in lower if u in found)
    return [f"shows {shown} headline for {what}"]


def _article(tier: Urgency) -> str:
    words = _words(tier)
    return ("an " if words[:1].lower() in "aeiou" else "a ") + words


def _text_problems(a: Assessment, seen: Visible) -> list[str]:
    shown = _flat(seen.shown)
    missing = [f.id for f in a.red_flags if f.id not in shown]
    if _flat(one_line(a.disclaimer)) not in shown:
        missing.append("the disclaimer")
    questions_first = leads_with_questions(a)
    if questions_first and not INCOMPLETE.search(seen.shown):
        missing.append(f"the headline {INCOMPLETE_HEADLINE!r}")
    if not questions_first and not required_marker(a.urgency, seen.shown):
        marker = HEADLINE_MARKER[a.urgency.value]
        missing.append(f"the {_words(a.urgency)} headline ({marker!r} and a colon)")
    problems = [f"left out {', '.join(missing)}"] if missing else []
    problems += _lower_problem(a, [seen.possible])
    if seen.unsafe:
        problems.append(
            "writes control characters that can hide or reorder text ("
            + ", ".join(seen.unsafe[:5])
            + ")"
        )
    if seen.unjudged:
        problems.append(
            "writes markup or CSS the check cannot judge (" + "; ".join(seen.unjudged[:5]) + ")"
        )
    return problems


def _json_problems(a: Assessment, output: str) -> list[str]:
    try:
        data = json.loads(output)
    except ValueError as error:
        return [f"wrote invalid JSON ({error})"]
    strings = list(_strings(data))
    own = a.to_dict()
    # Identifiers ("soon" as a finding's urgency) are data, not headlines (tier names are
    # checked as data below); so are the reports of dropped plugins, which quote errors.
    reports = set(_strings(own["ruleset"]))
    problems = _lower_problem(
        a, [s for s in strings if not _IDENTIFIER.fullmatch(s) and s not in reports]
    )
    if isinstance(data, dict) and "schema_version" in data:  # the Assessment contract
        if data.get("urgency") != own["urgency"]:
            problems.append(
                f"says urgency {str(data.get('urgency'))[:40]!r}, not {a.urgency.value!r}"
            )
        flags = data.get("red_flags")
        ids = (
            {f.get("id") for f in flags if isinstance(f, dict)}
            if isinstance(flags, list)
            else set()
        )
        missing = [f.id for f in a.red_flags if f.id not in ids]
        disclaimer = data.get("disclaimer")
        if not isinstance(disclaimer, dict) or disclaimer.get("text") != a.disclaimer:
            missing.append("the disclaimer")
        problems += [f"left out {', '.join(missing)}"] if missing else []
        if not missing and flags != own["red_flags"]:
            problems.append("changed the red flags (their tier, action or details)")
        return problems
    missing = [f.id for f in a.red_flags if not any(f.id in s for s in strings)]
    if not any(a.disclaimer in s for s in strings):
        missing.append("the disclaimer")
    problems += [f"left out {', '.join(missing)}"] if missing else []
    # Any other JSON names tiers only as the assessment does: "self_care" beside an
    # emergency is a downgrade whatever key it stands under.
    allowed = {a.urgency.value, *(f.urgency.value for f in a.red_flags)}
    tiers = {u.value for u in _lower(a)} - allowed
    named = sorted({s for s in strings if s.strip().lower() in tiers})
    if named:
        problems.append(f"names the tier {named[0][:20]!r}, lower than {a.urgency.value!r}")
    return problems


def check_output(a: Assessment, output: object, *, name: str, plugin: str, media_type: str) -> str:
    """The output if it keeps the format contract (module docstring), else ``RenderError``."""
    where = f"format {name!r} ({plugin})"
    if not isinstance(output, str):
        raise RenderError(f"{where} returned a {type(output).__name__}, not a str")
    if "json" in media_type.lower():
        problems = _json_problems(a, output)
    else:
        problems = _text_problems(a, visible_text(output, media_type))
    if problems:
        raise RenderError(
            f"{where} {'; '.join(problems)}: every output must show every red flag, the "
            "disclaimer and the headline of its urgency, and nothing that reads as a lower one"
        )
    return output
