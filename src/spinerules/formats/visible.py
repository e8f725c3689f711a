"""What a reader of an output sees: the text ``spinerules.render`` checks (principle 5).

A red flag id in an HTML comment, a ``hidden`` element or a concealed ANSI span is in the
output string but not in front of the person. So the check reads the output the way its media
type is shown, and keeps two texts and a list:

* ``shown``: what every reader sees. A red flag, the disclaimer and the headline must be here.
  Left out: comments, ``style``, elements that are ``hidden``, ``popover`` or
  ``aria-hidden="true"``, what a browser's own stylesheet hides (``<head>`` and the
  ``<title>``, ``template``, ``dialog`` without ``open``, ``datalist``, ``select`` options,
  ``noembed``, ``noframes``, ``noscript``, ``rp``, ``marquee``), a closed ``<details>`` beyond
  its summary, ``<bdo>`` and ``unicode-bidi`` overrides (reversed letters), fallback content,
  SVG and MathML, and what an inline style or a stylesheet rule hides as judged by ``css.py``
  (``display:none``, a font under 6px after nesting, a tiny box with hidden overflow, ...).
  ``<x/>`` opens a non-void element, as in a browser (``<div hidden/>`` hides what follows).
* ``possible``: what some reader may see (everything but comments, styles and scripts, plus
  ``alt``, ``title``, ``value``, ``placeholder`` and ``aria-label`` text). A lower tier's
  headline must not be here.
* ``unjudged``: what the check cannot judge, so render refuses the output (fail closed rather
  than emulate a browser): CSS outside ``css.py``'s list, ``<script>``, event handlers and
  ``javascript:`` URLs, frames and embedded objects, a ``<meta>`` refresh, external
  stylesheets, and markup Python's parser reads differently from a browser: ``<!-->``,
  ``<!--->``, ``--!>``, ``-- >``, a comment in a comment or never closed, ``<![CDATA[``,
  ``<?``, and ``<`` inside elements a browser shows as typed (``title``, ``textarea``, ...).

Markdown is read as the HTML it becomes: code spans and fenced code blocks are shown as typed
(a comment in them is text), backslash escapes are literal text, raw HTML follows the rules
above, link destinations and titles and images are possible text only. Link reference
definitions are refused (a title may run over several lines), and so is an indented line with
markup after a blank line (a code block or a list item's continuation, as the list decides).
Plain text is read as a terminal shows it: ANSI colour is allowed, concealed text (SGR 8) is
not shown. Control characters that can hide, overwrite or reorder text (a lone CR, backspace,
any other escape sequence, C1 controls, bidi controls, U+2028) are reported in ``unsafe``;
render refuses such output. Colour on a same-coloured background and text drawn inside
images are not judged.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import attrs

from . import css
from .clean import UNSAFE

__all__ = ["Visible", "visible_text"]


@attrs.frozen
class Visible:
    """The visible text of one output (see the module docstring)."""

    shown: str
    possible: str
    unsafe: tuple[str, ...] = ()
    #: markup or CSS the check cannot judge (render refuses the output)
    unjudged: tuple[str, ...] = ()


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def _unsafe_chars(text: str) -> list[str]:
    return [_describe(c) for c in dict.fromkeys(UNSAFE.findall(text))]


# --- HTML -----------------------------------------------------------------------------------

_NEVER = frozenset({"script", "style"})
#: Not shown to every reader, though some may see them: fallback content, elements a
#: browser's own stylesheet hides, reversed text, foreign content (SVG, MathML: its sizes and
#: colours are not judged), the tab title.
_NOT_SHOWN = frozenset(
    {"iframe", "object", "canvas", "audio", "video", "noscript", "bdo", "title", "template"}
    | {"datalist", "noembed", "noframes", "rp", "head", "select", "svg", "math", "marquee"}
    | {"frameset", "param"}
)
_FOREIGN = frozenset({"svg", "math"})
_INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "cite", "code", "data", "dfn", "em", "font", "i", "kbd", "label"}
    | {"mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var"}
    | {"wbr"}
)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})
_VOID |= {"source", "track", "wbr", "param", "keygen", "frame"}
_CLOSED_BY_SELF = {"p": {"p"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}}
_CLOSED_BY_SELF |= {"option": {"option"}, "tr": {"tr"}, "td": {"td", "th"}, "th": {"td", "th"}}
#: Elements whose content the check cannot read: a script can write any text after the check,
#: a frame or an embedded object shows another document.
_REFUSED = frozenset({"script", "iframe", "frame", "frameset", "object", "embed", "portal"})
_REFUSED |= {"plaintext", "applet"}
#: Attributes whose text some reader sees (a tooltip, a broken image's alt, a field's value).
_ATTRIBUTE_TEXT = ("alt", "title", "placeholder", "value", "aria-label", "label")
#: Elements whose content a browser shows as typed (RCDATA, raw text): a ``<`` inside is read
#: differently by Python's parser.
_RAW = re.compile(
    r"<(title|textarea|xmp|noembed|noframes|noscript)\b[^>]*>(.*?)(?:</\1\s*>|$)",
    re.IGNORECASE | re.DOTALL,
)
_SMALLEST_FONT = 6.0


@attrs.define
class _Open:
    tag: str
    shown: bool  # is text inside shown to every reader
    possible: bool  # may text inside be shown to some reader
    font: float = 16.0  # the smallest font size in px it may have
    closed_details: bool = False
    outer_shown: bool = True  # for a closed <details>: whether its summary is shown


_STYLESHEET = re.compile(r"<style\b[^>]*>(.*?)(?:</style\s*>|$)", re.IGNORECASE | re.DOTALL)


def _markup_problems(document: str) -> list[str]:
    """Markup that Python's HTML parser and a browser read differently: comments a browser
    ends elsewhere (``<!-->``, ``--!>``, ``-- >``), unclosed comments, CDATA sections, bogus
    comments, processing instructions, and markup inside elements a browser shows as typed."""
    found = []
    start = document.find("<!--")
    while start != -1:
        body = start + 4
        if document.startswith(">", body) or document.startswith("->", body):
            found.append("a comment '<!-->' a browser ends at once")
        ends = [i for i in (document.find("-->", body), document.find("--!>", body)) if i != -1]
        if not ends:
            found.append("a comment that is never closed")
            break
        end = min(ends)
        text = document[body:end]
        if document.startswith("--!>", end):
            found.append("a comment closed by '--!>'")
        if "<!--" in text:
            found.append("a comment inside a comment")
        if re.search(r"--\s+!?>", text):
            found.append("a comment closed by '-- >'")
        start = document.find("<!--", end + 3)
    if re.search(r"<!(?!--|doctype\b)", document, re.IGNORECASE):
        found.append("a '<!' declaration or CDATA section")
    if re.search(r"<\?|</(?![a-zA-Z])(?!$)", document):
        found.append("a processing instruction or a bogus end tag")
    for tag, content in _RAW.findall(document):
        if "<" in content:
            found.append(f"markup inside <{tag.lower()}>, which a browser shows as text")
    return found


class _Text(HTMLParser):
    def __init__(self, sheet: css.Stylesheet) -> None:
        super().__init__(convert_charrefs=True)
        self.sheet = sheet
        self.stack: list[_Open] = []
        self.shown: list[str] = []
        self.possible: list[str] = []
        self.problems: list[str] = list(sheet.problems)

    def _state(self) -> tuple[bool, bool]:
        return (self.stack[-1].shown, self.stack[-1].possible) if self.stack else (True, True)

    def _break(self, tag: str) -> None:
        if tag not in _INLINE:
            self.shown.append("\n")
            self.possible.append("\n")

    def _refuse(self, tag: str, values: dict[str, str]) -> None:
        if tag in _REFUSED:
            self.problems.append(f"the <{tag}> element")
        handlers = sorted(name for name in values if name.startswith("on"))
        if handlers:
            self.problems.append(f"the event handler {handlers[0]!r}")
        if any("javascript:" in re.sub(r"\s", "", v.lower()) for v in values.values()):
            self.problems.append("a javascript: URL")
        if tag == "meta" and values.get("http-equiv", "").strip().lower() == "refresh":
            self.problems.append("a <meta> refresh (the page is replaced)")
        if tag == "link" and not {"stylesheet", "import"}.isdisjoint(
            values.get("rel", "").lower().split()
        ):
            self.problems.append("an external stylesheet")

    def _hidden(self, tag: str, values: dict[str, str], parent_font: float) -> tuple[bool, float]:
        """Whether the element hides its text from some reader, and its smallest font size."""
        classes = frozenset(values.get("class", "").split())
        id_ = values.get("id")
        blocks = [dict(r.decls) for r in self.sheet.rules if r.applies(tag, id_, classes)]
        if "style" in values:
            inline = css.declarations(values["style"])
            self.problems += css.problems(inline)
            blocks.append(inline)
        sizes = [px for d in blocks if (px := css.font_px(d, parent_font)) is not None]
        font = min([parent_font, *sizes]) if sizes else parent_font
        merged: dict[str, str] = {}
        for block in blocks:  # a tiny box with hidden overflow, set by two rules
            merged |= {k: v for k, v in block.items() if k.startswith(("overflow", "height"))}
            merged |= {k: v for k, v in block.items() if k.endswith(("width", "height"))}
        hidden = (
            "hidden" in values
            or "popover" in values
            or values.get("aria-hidden", "").strip().lower() == "true"
            or tag in _NOT_SHOWN
            or (tag == "dialog" and "open" not in values)
            or any(css.hides(d) for d in blocks)
            or css.hides(merged)
            or font < _SMALLEST_FONT
        )
        return hidden, font

    def _attribute_text(self, values: dict[str, str]) -> None:
        if self._state()[1]:
            texts = [values[name] for name in _ATTRIBUTE_TEXT if values.get(name)]
            self.possible += [f"\n{text}\n" for text in texts]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        self._refuse(tag, values)
        self._attribute_text(values)
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
        hidden, font = self._hidden(tag, values, parent.font if parent else 16.0)
        entry = _Open(tag, shown and not never and not hidden, possible and not never, font)
        if tag == "details" and "open" not in values:
            entry.outer_shown, entry.shown, entry.closed_details = entry.shown, False, True
        self.stack.append(entry)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # "/>" closes only void elements and those in SVG or MathML: a browser reads
        # <div hidden/> as an open <div hidden> that hides what follows.
        if tag in _VOID or any(o.tag in _FOREIGN for o in self.stack):
            values = {name.lower(): value or "" for name, value in attrs}
            self._refuse(tag, values)
            self._attribute_text(values)
            self._break(tag)
        else:
            self.handle_starttag(tag, attrs)

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


def _html(document: str, problems: tuple[str, ...] = ()) -> Visible:
    # A stylesheet applies to the whole document, wherever it stands: read them all first.
    parser = _Text(css.stylesheet("\n".join(_STYLESHEET.findall(document))))
    parser.feed(document)
    parser.close()
    shown, possible = "".join(parser.shown), "".join(parser.possible)
    # HTML whitespace: CR, LF and FF are all spaces to a browser; what is left must be text.
    shown, possible = (re.sub(r"[\r\f]", "\n", t) for t in (shown, possible))
    unjudged = (*problems, *_markup_problems(document), *parser.problems)
    return Visible(shown, possible, tuple(_unsafe_chars(possible)), tuple(dict.fromkeys(unjudged)))


# --- Markdown -------------------------------------------------------------------------------

_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_MD_REFERENCE = re.compile(r"^ {0,3}\[(?:[^\]\\\n]|\\.)+\]:", re.MULTILINE)
_MD_REFERENCE_LINE = re.compile(r"^ {0,3}\[[^\]\n]+\]:[^\n]*$", re.MULTILINE)
_MD_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(([^)\n]*)\)")
_MD_LINK = re.compile(r"\[([^\]\n]*)\](\([^)\n]*\)|\[[^\]\n]*\])")
_MD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MD_CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_MD_SPECIAL = re.compile(r"[<>&\\`*_\[\]()!#~|]")


def _literal(text: str) -> str:
    """Text a markdown viewer shows as typed (code), as HTML no later step can read as markup."""
    return re.sub(r"[^\w\s]", lambda m: f"&#{ord(m[0])};", text)


def _code_blocks(text: str, problems: list[str]) -> str:
    """Fenced code blocks as literal text; an indented line after a blank one is a code block
    or the continuation of a list item, which only the list around it decides: when the two
    readings differ (markup in the line), the output is refused."""
    out: list[str] = []
    fence: str | None = None
    blank = True
    for line in text.split("\n"):
        opening = _MD_FENCE.match(line)
        if fence is not None:
            closing = opening and opening[1][0] == fence[0] and len(opening[1]) >= len(fence)
            if closing and not line.strip().strip(fence[0]):
                fence = None
                out.append("")
                continue
            out.append(_literal(line))
            continue
        if opening and not (opening[1][0] == "`" and "`" in line[opening.end() :]):
            fence = opening[1]
            out.append("")
            continue
        indented = re.match(r"(?: {4}|\t)", line) is not None and line.strip() != ""
        if indented and blank and _MD_SPECIAL.search(line):
            problems.append("an indented line with markup (code block or list item)")
        blank = line.strip() == "" or (indented and blank)
        out.append(line)
    return "\n".join(out)


def _markdown(document: str) -> Visible:
    """Markdown as the HTML it renders to: code is literal text, escapes become entities (so
    ``\\<`` cannot open a tag), link destinations and titles, and images, keep their text as
    possibly visible only; then the HTML rules apply to raw HTML in it. Link reference
    definitions (their titles may run over several lines) are refused."""
    problems: list[str] = []
    text = re.sub(r"\r\n?", "\n", document)
    text = _code_blocks(text, problems)
    for paragraph in re.split(r"\n[^\S\n]*\n", text):
        if _MD_REFERENCE.search(_MD_CODE_SPAN.sub("", paragraph)):
            problems.append("a link reference definition")
            break
    text = _MD_CODE_SPAN.sub(lambda m: _literal(m[2]), text)
    text = _MD_ESCAPE.sub(lambda m: f"&#{ord(m[1])};", text)
    text = _MD_REFERENCE_LINE.sub("", text)
    text = _MD_IMAGE.sub(lambda m: f"<span hidden>{m[1]} {_literal(m[2])}</span>", text)
    text = _MD_LINK.sub(lambda m: f"{m[1]}<span hidden>{_literal(m[2])}</span>", text)
    return _html(text, tuple(problems))


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
