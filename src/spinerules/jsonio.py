"""The input boundary: reading untrusted JSON, and talking about untrusted values safely.

Every JSON entry point reads through :func:`loads` (or :func:`load`), so every one rejects the
same things the same way, with ``InvalidPatientState`` and one clear sentence:

* a duplicate key at any depth (``{"saddle_anaesthesia": true, "saddle_anaesthesia": false}``):
  Python's ``json`` keeps the last one silently, which would let a "yes" to a red-flag question
  be overwritten unseen;
* a document over :data:`MAX_DOCUMENT_BYTES`, nesting deeper than :data:`MAX_DEPTH`, an integer
  of more than :data:`MAX_INT_DIGITS` digits, ``NaN``/``Infinity`` (not JSON) or a number that
  overflows to infinity: no patient field needs any of them, and each would otherwise cost time
  or memory, or reach a confusing ``ValueError``/``RecursionError`` deep inside the parser;
* bytes that are not UTF-8 text (binary files), NUL characters and empty input.

A UTF-8 byte-order mark is accepted and ignored (editors on Windows write one).

:func:`quote` is how every error message echoes a value it was given: short, never raising,
with the original length, so a 100 MB value never becomes a 100 MB error line. :func:`nearest`
is the "did you mean" every unknown name and value gets.
"""

from __future__ import annotations

import difflib
import itertools
import json
import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any, NoReturn

from .errors import InvalidPatientState

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_INT_DIGITS",
    "QUOTE_LIMIT",
    "load",
    "loads",
    "name_key",
    "nearest",
    "quote",
]

#: One patient document is a few kilobytes; 1 MiB leaves room for any real one.
MAX_DOCUMENT_BYTES = 1024 * 1024
#: A patient document nests two levels (``startback``, the id lists); 32 is far beyond any need.
MAX_DEPTH = 32
#: 20 digits hold any 64-bit integer; Python itself stops at 4300 with a confusing ValueError.
MAX_INT_DIGITS = 20
#: The longest a quoted value gets in a message, ellipsis and length note included.
QUOTE_LIMIT = 80

_BOM = "\ufeff"
# A complete JSON string (escapes included), written so matching is linear in its length.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SEPARATORS = re.compile(r"[\s\-_]+")
_SUGGEST_MAX_CHARS = 64  # longer strings are not names anyone mistyped: no suggestion, no cost


# --- quoting -----------------------------------------------------------------------------------


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for an error message.

    Never raises (a ``__repr__`` that fails gives ``<a Thing>``), never runs in time or memory
    proportional to a huge value, and says how long the value was when it is cut:
    ``'aaaa…' (a str of 100,000,000 characters)``.
    """
    try:
        text, size = _short_repr(value, limit)
    except Exception:
        text, size = f"<a {_type_name(value)}>", ""
    if len(text) <= limit:
        return text
    note = f" ({size})" if size else ""
    if limit - len(note) - 1 < 8:  # no room to say how long: the cut text alone
        note = ""
    return text[: limit - len(note) - 1] + "…" + note


def _type_name(value: object) -> str:
    name = type(value).__name__
    return name if len(name) <= 40 else name[:39] + "…"


def _short_repr(value: object, limit: int, depth: int = 0) -> tuple[str, str]:
    """A repr of at most about ``limit * 4`` characters, and a note of the value's size."""
    if value is None or type(value) is bool:
        return repr(value), ""
    if isinstance(value, int):
        bits = int.bit_length(value)
        if bits > 4 * limit:  # more digits than could be shown; repr of > 4300 digits raises
            return f"<an integer of about {int(bits * 0.30103) + 1:,} digits>", ""
        return int.__repr__(value), f"an integer of {len(int.__repr__(value)):,} digits"
    if isinstance(value, float):
        return float.__repr__(value), ""
    if isinstance(value, str):
        text = str.__str__(value)
        return repr(text[: limit + 1]), f"a {_type_name(value)} of {len(text):,} characters"
    if isinstance(value, bytes | bytearray):
        raw = bytes(value[: limit + 1])
        return repr(raw), f"{len(value):,} bytes"
    if type(value) in (list, tuple, set, frozenset, dict) and depth < 3:
        return _container_repr(value, limit, depth)
    text = repr(value)
    if not isinstance(text, str):  # a broken __repr__; treat as unprintable
        raise TypeError("__repr__ returned a non-string")
    return str.__str__(text), f"a repr of {len(text):,} characters"


def _container_repr(value: Any, limit: int, depth: int) -> tuple[str, str]:
    """Items are rendered only until the budget is spent: a million-item list costs a few."""
    items: Iterable[Any] = value.items() if type(value) is dict else value
    parts: list[str] = []
    used = 0
    for item in items:
        if used > limit:
            parts.append("…")
            break
        if type(value) is dict:
            key, val = item
            part = (
                f"{_short_repr(key, limit, depth + 1)[0]}: {_short_repr(val, limit, depth + 1)[0]}"
            )
        else:
            part = _short_repr(item, limit, depth + 1)[0]
        parts.append(part)
        used += len(part) + 2
    body = ", ".join(parts)
    count = len(value)
    size = f"a {type(value).__name__} of {count:,} item{'' if count == 1 else 's'}"
    if type(value) is dict:
        return "{" + body + "}", size
    if type(value) is tuple:
        return "(" + body + ("," if count == 1 else "") + ")", size
    if type(value) is list:
        return "[" + body + "]", size
    return (type(value).__name__ + "({" + body + "})") if count else type(
        value
    ).__name__ + "()", size


# --- did you mean ------------------------------------------------------------------------------


def name_key(text: str) -> str:
    """The form two spellings of one name share: NFKC, casefolded, ``-``/space runs as ``_``.

    ``SADDLE_ANAESTHESIA``, full-width ``ｓａｄｄｌｅ_anaesthesia`` and ``saddle-anaesthesia`` all
    give ``saddle_anaesthesia``.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    return _SEPARATORS.sub("_", folded)


def nearest(value: object, known: Iterable[str]) -> str | None:
    """The known name ``value`` was most likely meant to be, or None.

    Names equal after :func:`name_key` come first; otherwise the closest by ``difflib``. Only a
    suggestion: callers still reject ``value`` (an exact vocabulary keeps the JSON Schema and
    validation in agreement, and two spellings of one field can never both be read).
    """
    if not isinstance(value, str) or len(value) > _SUGGEST_MAX_CHARS:
        return None
    key = name_key(str.__str__(value))
    names = list(known)
    for name in names:
        if name_key(name) == key and name != value:
            return name
    near = difflib.get_close_matches(key, names, n=1)
    return near[0] if near and near[0] != value else None


# --- reading JSON ------------------------------------------------------------------------------


class _Reject(Exception):
    """Raised from inside a parser hook; :func:`loads` adds the source and re-raises."""

    def __init__(self, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


class _Duplicated(dict[str, Any]):
    """A parsed object that had a key twice; found again after parsing to name its path."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    marked = _Duplicated(result)
    seen: set[str] = set()
    marked.duplicates = []
    for key, _ in pairs:
        if key in seen and key not in marked.duplicates:
            marked.duplicates.append(key)
        seen.add(key)
    return marked


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Reject(
            f"an integer of {digits:,} digits ({quote(text, 40)}) is not allowed; "
            f"expected at most {MAX_INT_DIGITS} digits"
        )
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _Reject(f"the number {quote(text, 40)} is too large; expected a finite number")
    return value


def _constant(text: str) -> NoReturn:
    raise _Reject(f"{text} is not allowed (it is not JSON); expected a finite number or null")


def _depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` outside strings, in C-speed steps (no recursion)."""
    structure = _STRING.sub("", text)
    stray = structure.find('"')  # an unterminated string: the parser will report the text
    if stray >= 0:
        structure = structure[:stray]
    brackets = _NOT_BRACKET.sub("", structure)
    return max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def _find_duplicates(value: Any, parent: str = "") -> list[tuple[str, str]]:
    """(path of the object, key) of every duplicated key, in document order.

    Recursive, which is safe: nesting was bounded before parsing.
    """
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        if isinstance(value, _Duplicated):
            found += [(parent, key) for key in value.duplicates]
        for key, item in value.items():
            found += _find_duplicates(item, _path(parent, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _find_duplicates(item, _path(parent, index))
    return found


def _fail(source: str, message: str, fields: tuple[str, ...] = ()) -> NoReturn:
    raise InvalidPatientState(f"{source}: {message}", fields=fields)


def _text(data: object, source: str, limit: int) -> str:
    """The document as text, within the size limit, BOM removed; or one clear error."""
    if isinstance(data, str):
        text = str.__str__(data)
        size = len(text) if len(text) > limit else len(text.encode("utf-8", "surrogatepass"))
    elif isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        size = len(raw)
    else:
        _fail(source, f"{quote(data)} is not JSON text; expected str or bytes")
    if size > limit:
        _fail(
            source, f"the document is larger than the limit of {limit:,} bytes per patient document"
        )
    if not isinstance(data, str):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            _fail(
                source,
                f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start:,}); "
                "expected a JSON document in UTF-8 (is this a binary file?)",
            )
    text = text.removeprefix(_BOM)
    nul = text.find("\x00")
    if nul >= 0:
        _fail(source, f"a NUL character at offset {nul:,} is not allowed (is this a binary file?)")
    if not text.strip():
        _fail(source, "the document is empty; expected a JSON object")
    return text


def loads(
    data: str | bytes | bytearray | memoryview,
    *,
    source: str = "input",
    max_bytes: int = MAX_DOCUMENT_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """Parse one JSON document strictly; raise ``InvalidPatientState`` for anything else.

    ``source`` starts every message (``patient 'p.json': duplicate key 'fever'``). A duplicated
    key is reported with its path (``startback.item1``) in ``fields``. Any value JSON allows
    comes back, not only objects: ``PatientState.from_dict`` rejects a non-object itself.
    """
    text = _text(data, source, max_bytes)
    depth = _depth(text)
    if depth > max_depth:
        _fail(source, f"nesting {depth:,} levels deep is not allowed; expected at most {max_depth}")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
        )
    except _Reject as error:
        _fail(source, error.message, error.fields)
    except json.JSONDecodeError as error:
        _fail(source, f"not valid JSON: {error}")
    except (RecursionError, ValueError) as error:  # a safety net under the checks above
        _fail(source, f"not valid JSON: {quote(str(error), 120)}")
    if duplicates := _find_duplicates(value):
        shown = ", ".join(
            quote(key) + (f" in {quote(parent)}" if parent else "")
            for parent, key in duplicates[:5]
        )
        more = f" (and {len(duplicates) - 5:,} more)" if len(duplicates) > 5 else ""
        _fail(
            source,
            f"duplicate key {shown}{more} is not allowed; expected each key once (two answers "
            "to one question cannot both be trusted)",
            tuple(_path(parent, key) for parent, key in duplicates),
        )
    return value


def load(handle: Any, *, source: str = "input", max_bytes: int = MAX_DOCUMENT_BYTES) -> Any:
    """Read at most ``max_bytes + 1`` from a binary (preferred) or text file, then :func:`loads`.

    Reading stops just past the limit, so a huge file or an endless pipe costs no more than that.
    """
    stream = getattr(handle, "buffer", handle)
    try:
        data = stream.read(max_bytes + 1)
    except UnicodeDecodeError as error:  # a text stream decoding invalid bytes
        _fail(source, f"not UTF-8 text ({error.reason}); expected a JSON document in UTF-8")
    return loads(data, source=source, max_bytes=max_bytes)
