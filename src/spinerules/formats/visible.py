"""What a reader of an output sees: the text ``spinerules.render`` checks (principle 5).

A red flag id in an HTML comment, a ``hidden`` element, a ``<script>`` or a concealed ANSI
span is in the output string but not in front of the person. So the check reads the output the
way its media type is shown, and keeps two texts:

* ``shown``: what every reader sees. A red flag, the disclaimer and the headline must be here.
  Left out: comments, ``script``/``style``/``template``, the ``<title>``, elements that are
  ``hidden``, ``aria-hidden="true"`` (a screen reader skips them), inside ``<noscript>`` (most
  browsers run scripts), a closed ``<details>`` beyond its summary, ``<bdo>`` and
  ``unicode-bidi`` overrides (reversed letters), fallback content (``iframe``, ``object``,
  ``canvas``, ``audio``, ``video``), and what an inline style or a stylesheet rule (by tag,
  class or id) hides: ``display:none``, ``visibility:hidden``, ``opacity:0``, ``font-size:0``,
  ``color:transparent``, ``transform:scale(0)``, a negative ``text-indent``, ``clip``, an
  off-screen absolute position, a zero size with hidden overflow.
* ``possible``: what some reader may see (everything but comments and what is never
  rendered). A lower tier's headline must not be here.

Markdown is read as the HTML it becomes: backslash escapes are literal text, raw HTML follows
the rules above, link destinations, link reference definitions and images are not text. Plain
text is read as a terminal shows it: ANSI colour is allowed, concealed text (SGR 8) is not
shown. Control characters that can hide, overwrite or reorder text (a lone CR, backspace, any
other escape sequence, C1 controls, bidi controls, U+2028) are reported in ``unsafe``; render
refuses such output. This catches the ways a format can hide text by markup; it is not a CSS
engine (colour on a same-coloured background, say, is not judged).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import attrs

from .clean import UNSAFE

__all__ = ["Visible", "visible_text"]


@attrs.frozen
class Visible:
    """The visible text of one output (see the module docstring)."""

    shown: str
    possible: str
    unsafe: tuple[str, ...] = ()


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def _unsafe_chars(text: str) -> list[str]:
    return [_describe(c) for c in dict.fromkeys(UNSAFE.findall(text))]


# --- CSS: what hides an element ----------------------------------------------------------------

_ZERO = re.compile(r"[+-]?(?:0+(?:\.0*)?|\.0+)(?:[a-z]+|%)?")
_NEGATIVE = re.compile(r"-\s*(?:\d*\.)?\d*[1-9]")
_SCALE_ZERO = re.compile(r"scale[xyz3d]*\(\s*[+-]?(?:0+(?:\.0*)?|\.0+)\s*[,)]")


def declarations(style: str) -> dict[str, str]:
    """``a: b; c: d`` as a dict of lowercased names and values, ``!important`` dropped."""
    out: dict[str, str] = {}
    for part in style.split(";"):
        name, colon, value = part.partition(":")
        if colon:
            value = value.lower().replace("!important", "").strip()
            out[name.strip().lower()] = " ".join(value.split())
    return out


def hides(decls: dict[str, str]) -> bool:
    """Whether these declarations keep an element's text from the reader."""

    def zero(name: str) -> bool:
        return bool(_ZERO.fullmatch(decls.get(name, "x")))

    font = decls.get("font", "")
    overflow = {decls.get(k) for k in ("overflow", "overflow-x", "overflow-y")}
    return (
        decls.get("display") == "none"
        or decls.get("visibility") in ("hidden", "collapse")
        or decls.get("content-visibility") == "hidden"
        or zero("opacity")
        or zero("font-size")
        or any(_ZERO.fullmatch(t) for t in re.split(r"[\s/]+", font) if t)
        or decls.get("color") == "transparent"
        or bool(_SCALE_ZERO.search(decls.get("transform", "")))
        or bool(_NEGATIVE.match(decls.get("text-indent", "")))
        or decls.get("clip", "auto") != "auto"
        or decls.get("clip-path", "none") != "none"
        or "override" in decls.get("unicode-bidi", "")
        or (
            decls.get("position") in ("absolute", "fixed")
            and any(_NEGATIVE.match(decls.get(k, "")) for k in ("left", "top", "right", "bottom"))
        )
        or (
            bool(overflow & {"hidden", "clip"})
            and any(zero(k) for k in ("height", "max-height", "width", "max-width"))
        )
    )


_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE = re.compile(r"([#.]?)(-?[_a-zA-Z][\w-]*)")


@attrs.frozen
class _Selector:
    tag: str | None
    id: str | None
    classes: frozenset[str]

    def matches(self, tag: str, id_: str | None, classes: frozenset[str]) -> bool:
        return (
            (self.tag is None or self.tag == tag)
            and (self.id is None or self.id == id_)
            and self.classes <= classes
        )


def hiding_selectors(css: str) -> list[_Selector]:
    """The last compound of every selector whose rule hides (``.x`` of ``div .x{display:none}``);
    a compound with pseudo-classes or attribute tests is not judged."""
    found = []
    for selectors, body in _RULE.findall(css):
        if not hides(declarations(body)):
            continue
        for selector in selectors.split(","):
            parts = re.split(r"[\s>+~]+", selector.strip())
            last = parts[-1] if parts else ""
            if not last or re.search(r"[:\[@]", last):
                continue
            tag, id_, classes = None, None, set()
            for kind, name in _SIMPLE.findall(last):
                if kind == "#":
                    id_ = name
                elif kind == ".":
                    classes.add(name)
                else:
                    tag = name.lower()
            if last == "*" or tag or id_ or classes:
                found.append(_Selector(tag, id_, frozenset(classes)))
    return found


# --- HTML -----------------------------------------------------------------------------------

_NEVER = frozenset({"script", "style", "template"})
_FALLBACK = frozenset({"iframe", "object", "canvas", "audio", "video", "noscript", "bdo", "title"})
_INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "label"}
    | {"mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var"}
    | {"wbr"}
)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})
_VOID |= {"source", "track", "wbr"}
_CLOSED_BY_SELF = {"p": {"p"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}}
_CLOSED_BY_SELF |= {"option": {"option"}, "tr": {"tr"}, "td": {"td", "th"}, "th": {"td", "th"}}


@attrs.define
class _Open:
    tag: str
    shown: bool  # is text inside shown to every reader
    possible: bool  # may text inside be shown to some reader
    closed_details: bool = False
    outer_shown: bool = True  # for a closed <details>: whether its summary is shown


_STYLESHEET = re.compile(r"<style\b[^>]*>(.*?)(?:</style\s*>|$)", re.IGNORECASE | re.DOTALL)


class _Text(HTMLParser):
    def __init__(self, selectors: list[_Selector]) -> None:
        super().__init__(convert_charrefs=True)
        self.selectors = selectors
        self.stack: list[_Open] = []
        self.shown: list[str] = []
        self.possible: list[str] = []

    def _state(self) -> tuple[bool, bool]:
        return (self.stack[-1].shown, self.stack[-1].possible) if self.stack else (True, True)

    def _break(self, tag: str) -> None:
        if tag not in _INLINE:
            self.shown.append("\n")
            self.possible.append("\n")

    def _hidden(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        values = {name.lower(): value or "" for name, value in attrs}
        if "hidden" in values or values.get("aria-hidden", "").strip().lower() == "true":
            return True
        if tag in _FALLBACK or ("style" in values and hides(declarations(values["style"]))):
            return True
        classes = frozenset(values.get("class", "").split())
        id_ = values.get("id")
        return any(s.matches(tag, id_, classes) for s in self.selectors)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        closes = _CLOSED_BY_SELF.get(tag)
        if closes and self.stack and self.stack[-1].tag in closes:
            self.stack.pop()
        self._break(tag)
        if tag in _VOID:
            return
        shown, possible = self._state()
        parent = self.stack[-1] if self.stack else None
        if tag == "summary" and parent is not None and parent.closed_details:
            shown = parent.outer_shown
        never = tag in _NEVER
        entry = _Open(
            tag, shown and not never and not self._hidden(tag, attrs), possible and not never
        )
        if tag == "details" and not any(name.lower() == "open" for name, _ in attrs):
            entry.outer_shown, entry.shown, entry.closed_details = entry.shown, False, True
        self.stack.append(entry)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._break(tag)  # <br/>; a self-closed non-void element holds no text either

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                break
        self._break(tag)

    def handle_data(self, data: str) -> None:
        shown, possible = self._state()
        if shown:
            self.shown.append(data)
        if possible:
            self.possible.append(data)


def _html(document: str) -> Visible:
    # A stylesheet applies to the whole document, wherever it stands: read them all first.
    parser = _Text(hiding_selectors("\n".join(_STYLESHEET.findall(document))))
    parser.feed(document)
    parser.close()
    shown, possible = "".join(parser.shown), "".join(parser.possible)
    # HTML whitespace: CR, LF and FF are all spaces to a browser; what is left must be text.
    shown, possible = (re.sub(r"[\r\f]", "\n", t) for t in (shown, possible))
    return Visible(shown, possible, tuple(_unsafe_chars(possible)))


# --- Markdown -------------------------------------------------------------------------------

_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_MD_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:[^\n]*$", re.MULTILINE)
_MD_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_MD_LINK = re.compile(r"\[([^\]\n]*)\](?:\([^)\n]*\)|\[[^\]\n]*\])")


def _markdown(document: str) -> Visible:
    """Markdown as the HTML it renders to: escapes become entities (so ``\\<`` cannot open a
    tag), link destinations and reference definitions go, an image keeps only its alt text as
    possibly visible; then the HTML rules apply to raw HTML in it."""
    text = re.sub(r"\r\n?", "\n", document)
    text = _MD_ESCAPE.sub(lambda m: f"&#{ord(m[1])};", text)
    text = _MD_REFERENCE.sub("", text)
    text = _MD_IMAGE.sub(lambda m: f"<span hidden>{m[1]}</span>", text)
    text = _MD_LINK.sub(r"\1", text)
    return _html(text)


# --- plain text on a terminal -----------------------------------------------------------------

_ESCAPE = re.compile(
    r"\x1b(?:\[([0-?]*)([ -/]*)([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_]|.?)", re.DOTALL
)


def _sgr(params: str, concealed: bool) -> bool | None:
    """The concealed state after an SGR sequence, or None if the sequence is not plain SGR."""
    if not re.fullmatch(r"[\d;]*", params):
        return None
    codes = [int(p) if p else 0 for p in params.split(";")]
    i = 0
    while i < len(codes):
        code = codes[i]
        if code in (38, 48, 58):  # extended colour: 5;n or 2;r;g;b, whose numbers are not codes
            i += 3 if codes[i + 1 : i + 2] == [5] else 5
            continue
        if code == 0 or code == 28:
            concealed = False
        elif code == 8:
            concealed = True
        i += 1
    return concealed


def _terminal(output: str) -> Visible:
    text = output.replace("\r\n", "\n")
    shown: list[str] = []
    possible: list[str] = []
    unsafe: list[str] = []
    concealed = False
    end = 0

    def add(chunk: str) -> None:
        possible.append(chunk)
        shown.append(" " if concealed else chunk)

    for match in _ESCAPE.finditer(text):
        add(text[end : match.start()])
        end = match.end()
        params, intermediates, final = match.groups()
        state = _sgr(params, concealed) if final == "m" and not intermediates else None
        if state is None:
            unsafe.append(f"ESC {match.group()[1:8]!r}")
        else:
            concealed = state
    add(text[end:])
    plain_shown, plain_possible = "".join(shown), "".join(possible)
    unsafe += _unsafe_chars(plain_possible)
    return Visible(plain_shown, plain_possible, tuple(dict.fromkeys(unsafe)))


def visible_text(output: str, media_type: str) -> Visible:
    """The visible text of a text-ish output, read as its media type is shown."""
    kind = media_type.lower()
    if "html" in kind:
        return _html(output)
    if "markdown" in kind:
        return _markdown(output)
    return _terminal(output)
