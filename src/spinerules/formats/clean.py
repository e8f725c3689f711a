"""One sanitiser for every text-ish format: control characters and line endings.

Rule text comes from plugins, which are third-party text, and a person reads it on a terminal,
in a markdown viewer or in a browser. Characters that are not text can change what that person
sees without changing what a check of the string finds: an ANSI escape can recolour, conceal or
erase a line on a terminal; a lone carriage return moves the cursor back over a red flag; a
bidi override (U+202E) shows ``ces_saddle`` as ``eldass_sec``; a line separator (U+2028, NEL)
splits a markdown line that escaping had made inert. So every string a format lays out passes
through here first, and a format's output then only holds the line breaks it wrote itself.

What is done, in order: every line ending (CR LF, lone CR, VT, FF, the file, group and record
separators, NEL U+0085, U+2028, U+2029) becomes ``\\n``; a tab becomes a space; the remaining
C0 controls, DEL, the C1 controls (U+0080 to U+009F) and the bidi controls (embeddings and
overrides U+202A to U+202E, isolates U+2066 to U+2069, and the marks U+200E, U+200F, U+061C) are
dropped; a lone surrogate, which no encoder can write, becomes U+FFFD. The marks are dropped
too: they only nudge the direction of neutral characters, and the person's text reads the same
without them.
"""

from __future__ import annotations

import re

__all__ = ["BIDI", "UNSAFE", "clean_text", "one_line"]

#: Every way of ending a line that some renderer honours.
LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
#: Bidi formatting characters: they can reorder or reverse the text around them.
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
#: What no output may hold besides ``\n`` and ``\t`` (render() rejects it, see ``visible.py``).
UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{BIDI}]")
_DROP = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI}]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """The text with every line ending as ``\\n`` and no control or bidi character (see above)."""
    if text.isprintable():  # the common case: nothing to do (isprintable is False for \n too)
        return text
    text = LINE_BREAKS.sub("\n", text).replace("\t", " ")
    return _SURROGATE.sub("\ufffd", _DROP.sub("", text))


def one_line(text: str) -> str:
    """``clean_text`` with every line break as a space: a plugin's string stays on its line, so
    it cannot start a line of its own (a heading, a list item, a fake headline)."""
    if text.isprintable():
        return text
    return clean_text(text).replace("\n", " ")
