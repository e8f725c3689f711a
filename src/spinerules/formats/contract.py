"""The format contract: what ``spinerules.render`` checks of every output, whoever wrote the format.

Principle 5 says nothing may hide or downgrade a red flag, and a format is third-party code. So
render does not trust it:

* the format must leave the Assessment as it found it (``fingerprint`` before and after: a
  format that reaches past the frozen classes with ``object.__setattr__`` is caught);
* it must return a ``str``;
* in the **visible** text of the output (``visible.py``: comments, hidden elements, scripts,
  concealed ANSI do not count) every red flag id, the disclaimer and the headline of the
  assessment's urgency must appear (``view.HEADLINE_MARKER``, or the incomplete-screen headline
  when the screen leads with its questions), and no headline of a lower urgency may appear
  anywhere a reader might see it ("Self-care:" beside an emergency);
* the output holds no control character that can hide, overwrite or reorder text;
* JSON (any media type naming ``json``) is parsed and checked as data instead: an
  ``Assessment.to_dict()`` document (it has ``schema_version``) must carry the same urgency,
  every red flag id and the disclaimer text; any other JSON must hold every red flag id and the
  disclaimer among its strings.
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


def _marker(words: str) -> re.Pattern[str]:
    """A headline marker in headline position: at the start of a line or after punctuation
    ("# Soon:", "**SELF-CARE**:", "— Urgent!"), never after a word ("How soon:")."""
    body = r"[\s\-\u2010-\u2015]*".join(re.escape(w) for w in re.split(r"[\s-]+", words))
    return re.compile(
        rf"(?:^|(?<=[^\w\s]))[^\S\n]*{body}[*_~]*[^\S\n]*(?:[:!\u2013\u2014]|-(?!\w)|$)",
        re.IGNORECASE | re.MULTILINE,
    )


MARKERS = {Urgency(tier): _marker(words) for tier, words in HEADLINE_MARKER.items()}
INCOMPLETE = re.compile(r"\s+".join(map(re.escape, INCOMPLETE_HEADLINE.split())), re.IGNORECASE)
_MARKER_WORDS = tuple(
    {w.casefold() for words in HEADLINE_MARKER.values() for w in re.split(r"[\s-]+", words)}
)


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


def _blank_assessment_text(text: str, a: Assessment) -> str:
    """The text without the assessment's own strings that mention a tier word.

    A lower tier's flag is listed beside a higher one ("Also found") and its action may say
    "Urgent: ..."; that is the assessment speaking, not the format adding a headline.
    """
    found = {
        one_line(s) for s in _strings(a.to_dict()) if any(w in s.casefold() for w in _MARKER_WORDS)
    }
    for s in sorted(found, key=len, reverse=True):
        text = text.replace(s, " ")
    return text


def _text_problems(a: Assessment, seen: Visible) -> list[str]:
    shown = _flat(seen.shown)
    missing = [f.id for f in a.red_flags if f.id not in shown]
    if _flat(one_line(a.disclaimer)) not in shown:
        missing.append("the disclaimer")
    questions_first = leads_with_questions(a)
    if questions_first and not INCOMPLETE.search(seen.shown):
        missing.append(f"the headline {INCOMPLETE_HEADLINE!r}")
    if not questions_first and not MARKERS[a.urgency].search(seen.shown):
        marker = HEADLINE_MARKER[a.urgency.value]
        missing.append(f"the {_words(a.urgency)} headline ({marker!r} and a colon)")
    problems = [f"left out {', '.join(missing)}"] if missing else []
    lower = [u for u in Urgency if u < a.urgency or (questions_first and u is Urgency.SELF_CARE)]
    if lower:
        possible = _blank_assessment_text(seen.possible, a)
        shown_lower = [_words(u) for u in lower if MARKERS[u].search(possible)]
        if shown_lower:
            what = "an incomplete screen" if questions_first else f"a {_words(a.urgency)} one"
            problems.append(f"shows a {' and a '.join(shown_lower)} headline for {what}")
    if seen.unsafe:
        problems.append(
            "writes control characters that can hide or reorder text ("
            + ", ".join(seen.unsafe[:5])
            + ")"
        )
    return problems


def _json_problems(a: Assessment, output: str) -> list[str]:
    try:
        data = json.loads(output)
    except ValueError as error:
        return [f"wrote invalid JSON ({error})"]
    if isinstance(data, dict) and "schema_version" in data:  # the Assessment contract
        problems = []
        if data.get("urgency") != a.urgency.value:
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
        return problems + ([f"left out {', '.join(missing)}"] if missing else [])
    strings = list(_strings(data))
    missing = [f.id for f in a.red_flags if not any(f.id in s for s in strings)]
    if not any(a.disclaimer in s for s in strings):
        missing.append("the disclaimer")
    return [f"left out {', '.join(missing)}"] if missing else []


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
