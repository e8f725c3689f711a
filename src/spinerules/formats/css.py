"""CSS as the format contract reads it: what hides text, and what it refuses to guess about.

The contract is not a CSS engine, so it does not try to follow every way a style can hide or
add text. It judges a small, well-understood set of hiding values (``display:none``,
``visibility:hidden``, ``opacity:0``, ``font-size:0``, a negative ``text-indent``, ``clip``,
an override of the text direction, a tiny box with hidden overflow, a font too small to read),
and it **refuses** (a ``RenderError``) any declaration it cannot judge:

* a property outside a list of layout and typography properties that cannot move text out of
  sight, cover it or add text: ``content``, ``transform``, ``filter``, ``clip-path``, ``mask``,
  ``z-index``, ``zoom``, ``animation``, custom properties and the like are all refused;
* ``position: absolute`` or ``fixed`` (a box laid over the text), offsets other than 0 or
  ``auto``, negative margins or spacing, an opacity between 0 and 0.5, a text colour with
  less than half its alpha, ``var()``, ``env()``, ``attr()``, quoted strings outside font names;
* a font size under 6px (or under 0.5 of its parent's), and a box under 10px with hidden
  overflow;
* in a stylesheet: an at-rule other than ``@media``, and a rule that hides anything with a
  selector other than lists of tag, ``.class`` and ``#id`` compounds (``p:not(.k)``,
  ``[data-x]``, ``::before`` cannot be judged).

Comments (``/* */``) are removed first: ``display:/**/none`` is ``display:none``.
"""

from __future__ import annotations

import re

import attrs

__all__ = ["Rule", "Stylesheet", "declarations", "font_px", "hides", "problems", "stylesheet"]

_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)


def strip_comments(css: str) -> str:
    return _COMMENT.sub(" ", css)


def declarations(style: str) -> dict[str, str]:
    """``a: b; c: d`` as a dict of lowercased names and values, comments and ``!important``
    dropped."""
    out: dict[str, str] = {}
    important: set[str] = set()
    for part in strip_comments(style).split(";"):
        name, colon, value = part.partition(":")
        if colon:
            name = name.strip().lower()
            value, marks = re.subn(r"!\s*important", "", value.lower())
            if name in important and not marks:
                continue  # "display:none !important; display:block" is display:none
            if marks:
                important.add(name)
            out[name] = " ".join(value.split())
    return out


# --- lengths ---------------------------------------------------------------------------------

_LENGTH = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)([a-z]+|%)?")
_PX = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 37.8, "mm": 3.78, "q": 0.945}
_PX |= {"vw": 3.2, "vh": 3.2, "vmin": 3.2, "vmax": 3.2, "svh": 3.2, "dvh": 3.2, "lvh": 3.2}
_RELATIVE = {"em": 1.0, "rem": 1.0, "%": 0.01, "ex": 0.5, "ch": 0.5, "cap": 0.7, "ic": 1.0}
_RELATIVE |= {"lh": 1.2, "rlh": 1.2}
_FONT_KEYWORDS = {"xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0}
_FONT_KEYWORDS |= {"large": 18.0, "x-large": 24.0, "xx-large": 32.0, "xxx-large": 48.0}
_INHERITED = {"inherit", "initial", "unset", "revert", "revert-layer", "larger"}


def _length(value: str, parent: float = 16.0) -> float | None:
    """A length in px (relative units against ``parent``), or None when it is not one."""
    match = _LENGTH.fullmatch(value.strip())
    if match is None:
        return None
    number, unit = float(match[1]), match[2]
    if unit is None:
        return number if number == 0 else None
    if unit in _PX:
        return number * _PX[unit]
    if unit in _RELATIVE:
        return number * _RELATIVE[unit] * parent
    return None


def _font_value(decls: dict[str, str]) -> str | None:
    """The font size a block sets, from ``font-size`` or the ``font`` shorthand."""
    if "font-size" in decls:
        return decls["font-size"]
    font = decls.get("font")
    if font is None:
        return None
    for token in re.split(r"[\s/]+", re.sub(r"([\"']).*?\1", " ", font)):
        if token in _FONT_KEYWORDS or token == "smaller" or _LENGTH.fullmatch(token):
            return token
    return None


def font_px(decls: dict[str, str], parent: float) -> float | None:
    """The font size in px these declarations give an element whose parent's is ``parent``;
    None when they do not set one. ``rem`` counts against the parent too (the root's size may
    be changed), so nesting can only make the result smaller than a browser's."""
    value = _font_value(decls)
    if value is None or value in _INHERITED:
        return None
    if value in _FONT_KEYWORDS:
        return min(_FONT_KEYWORDS[value], parent * 2)
    if value == "smaller":
        return parent / 1.2
    px = _length(value, min(parent, 16.0))
    return parent if px is None else px


# --- what hides --------------------------------------------------------------------------------

_ZERO = re.compile(r"[+-]?(?:0+(?:\.0*)?|\.0+)(?:[a-z]+|%)?")
_NEGATIVE = re.compile(r"-\s*(?:\d*\.)?\d*[1-9]")
_OVERFLOW = ("overflow", "overflow-x", "overflow-y")
_SIZES = ("height", "max-height", "width", "max-width")


def _alpha(colour: str) -> float | None:
    """The alpha of a CSS colour (1 when it has none), or None when it cannot be read."""
    colour = colour.strip()
    if colour == "transparent":
        return 0.0
    hexa = re.fullmatch(r"#([0-9a-f]{3,8})", colour)
    if hexa:
        digits = hexa[1]
        if len(digits) == 4:
            return int(digits[3] * 2, 16) / 255
        if len(digits) == 8:
            return int(digits[6:], 16) / 255
        return 1.0 if len(digits) in (3, 6) else None
    function = re.fullmatch(r"([a-z]+)\((.*)\)", colour)
    if function is None:
        return 1.0 if re.fullmatch(r"[a-z]+", colour) else None
    if function[1] not in ("rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch"):
        return None
    parts = re.split(r"\s*/\s*", function[2])
    if len(parts) == 1:
        parts = re.split(r"\s*,\s*", function[2])
        alpha = parts[3] if len(parts) == 4 else None
    elif len(parts) == 2:
        alpha = parts[1]
    else:
        return None
    if alpha is None:
        return 1.0
    number = re.fullmatch(r"(\d*\.?\d+)(%?)", alpha.strip())
    if number is None:
        return None
    return float(number[1]) / (100 if number[2] else 1)


def _tiny(value: str) -> bool:
    px = _length(value)
    return px is not None and px < 10


def _clipped(decls: dict[str, str]) -> bool:
    return bool({decls.get(k) for k in _OVERFLOW} & {"hidden", "clip"})


def hides(decls: dict[str, str]) -> bool:
    """Whether these declarations keep an element's text from the reader (as judged here)."""

    def zero(name: str) -> bool:
        return bool(_ZERO.fullmatch(decls.get(name, "x")))

    font = _font_value(decls)
    return (
        decls.get("display") == "none"
        or decls.get("visibility") in ("hidden", "collapse")
        or decls.get("content-visibility") == "hidden"
        or zero("opacity")
        or (font is not None and bool(_ZERO.fullmatch(font)))
        or _alpha(decls.get("color", "black")) == 0
        or bool(_NEGATIVE.match(decls.get("text-indent", "")))
        or decls.get("clip", "auto") != "auto"
        or "override" in decls.get("unicode-bidi", "")
        or (_clipped(decls) and any(_tiny(decls.get(k, "x")) for k in _SIZES))
        or (
            decls.get("position") in ("absolute", "fixed")  # refused too, but judged
            and any(_NEGATIVE.match(decls.get(k, "")) for k in ("left", "top", "right", "bottom"))
        )
    )


# --- what cannot be judged -----------------------------------------------------------------------

#: Properties that only lay out or decorate text in place (values checked below where needed).
_ALLOWED = re.compile(
    r"(?:color|background(?:-[a-z-]+)?|font(?:-(?:family|size|weight|style|variant|stretch"
    r"|kerning|feature-settings|synthesis|optical-sizing))?|line-height|letter-spacing"
    r"|word-spacing|text-(?:align(?:-last)?|decoration(?:-[a-z]+)?|transform|rendering"
    r"|underline-offset|underline-position|wrap|emphasis(?:-[a-z]+)?|indent|shadow)"
    r"|white-space|word-break|overflow-wrap|word-wrap|hyphens|vertical-align|tab-size"
    r"|margin(?:-[a-z-]+)?|padding(?:-[a-z-]+)?|border(?:-[a-z-]+)?|outline(?:-[a-z]+)?"
    r"|box-shadow|box-sizing|(?:min-|max-)?(?:width|height)|(?:min-|max-)?(?:block|inline)-size"
    r"|aspect-ratio|overflow(?:-[xy])?|display|visibility|opacity|position|top|right|bottom"
    r"|left|inset(?:-[a-z-]+)?|float|clear|list-style(?:-type|-position)?|flex(?:-[a-z]+)?"
    r"|order|align-(?:items|content|self)|justify-(?:items|content|self)|place-(?:items"
    r"|content|self)|gap|row-gap|column-gap|grid-template-(?:columns|rows|areas)"
    r"|grid-auto-(?:columns|rows|flow)|table-layout|caption-side|empty-cells|cursor"
    r"|(?:-webkit-)?print-color-adjust|color-adjust|color-scheme|accent-color|caret-color"
    r"|page-break-(?:before|after|inside)|break-(?:before|after|inside)|orphans|widows"
    r"|unicode-bidi|direction|content-visibility|clip|object-fit|object-position"
    r"|scroll-(?:behavior|margin(?:-[a-z]+)?|padding(?:-[a-z]+)?)|image-rendering)"
)
_POSITIONS = {"static", "relative", "sticky"} | _INHERITED
_OFFSETS = re.compile(r"top|right|bottom|left|inset(?:-[a-z-]+)?")
_UNREADABLE_VALUE = re.compile(r"\b(?:var|env|attr|expression|element|paint|-moz-element)\(")


def _refused(name: str, value: str) -> bool:
    """Whether one declaration is outside what the check can judge."""
    if not _ALLOWED.fullmatch(name) or _UNREADABLE_VALUE.search(value):
        return True
    if re.search("[\"']", value) and name not in ("font-family", "font"):
        return True  # list-style-type: "Self-care: " is text
    if name == "position":
        return value not in _POSITIONS
    if _OFFSETS.fullmatch(name):
        return not all(t in ("auto", *_INHERITED) or _ZERO.fullmatch(t) for t in value.split())
    if name.startswith("margin") or name in ("letter-spacing", "word-spacing"):
        return bool(re.search(r"(?:^|[\s(,])-\s*[\d.]", value))
    if name == "opacity":
        number = _LENGTH.fullmatch(value)
        if number is None:
            return value not in _INHERITED
        amount = float(number[1]) * (0.01 if number[2] else 1)
        return 0 < amount < 0.5
    if name == "color":
        alpha = _alpha(value)
        if alpha is None:
            return value not in _INHERITED and value != "currentcolor"
        return 0 < alpha < 0.5
    if name == "text-indent":
        px = _length(value)
        return px is None or px > 48  # a negative one is judged: it hides
    return False


def problems(decls: dict[str, str]) -> list[str]:
    """The declarations the contract cannot judge, each as ``name: value`` (see the module
    docstring); a hiding value it judges (``display:none``) is not one of them."""
    bad = [f"{name}: {value[:40]}" for name, value in decls.items() if _refused(name, value)]
    font = _font_value(decls)
    if font is not None and font not in _INHERITED and font not in _FONT_KEYWORDS:
        match = _LENGTH.fullmatch(font)
        if font == "smaller" or match is None:
            if font != "smaller":
                bad.append(f"font-size: {font[:40]}")
        else:
            number, unit = float(match[1]), match[2] or ""
            relative = unit in _RELATIVE
            size = number * (_RELATIVE[unit] if relative else _PX.get(unit, 0.0))
            if unit and unit not in _RELATIVE and unit not in _PX:
                bad.append(f"font-size: {font[:40]}")
            elif size != 0 and (size < 0 or (size < 0.5 if relative else size < 6)):
                bad.append(f"font-size: {font[:40]} (too small to read)")
    if _clipped(decls):
        for name in _SIZES:
            value = decls.get(name)
            if value is not None and not _ZERO.fullmatch(value) and _tiny(value):
                bad.append(f"{name}: {value[:40]} with hidden overflow")
    return bad


# --- stylesheets ---------------------------------------------------------------------------------

_BLOCK = re.compile(r"([^{}]*)\{([^{}]*)\}")
_COMPOUND = re.compile(r"(?:\*|[a-zA-Z][\w-]*)?(?:[.#]-?[_a-zA-Z][\w-]*)*")
_SIMPLE = re.compile(r"([#.]?)(-?[_a-zA-Z][\w-]*)")


@attrs.frozen
class Selector:
    """The last compound of a selector (``.x`` of ``div .x``): an element it could match."""

    tag: str | None
    id: str | None
    classes: frozenset[str]

    def matches(self, tag: str, id_: str | None, classes: frozenset[str]) -> bool:
        return (
            (self.tag is None or self.tag == tag)
            and (self.id is None or self.id == id_)
            and self.classes <= classes
        )


@attrs.frozen
class Rule:
    """One rule: the elements it may apply to, and its declarations.

    A selector that cannot be judged (pseudo-classes, attribute tests) is taken to apply to
    every element: its font size then counts everywhere, which can only make text count as
    smaller than it is. One that hides is refused instead (``Stylesheet.problems``).
    """

    selectors: tuple[Selector, ...]
    decls: tuple[tuple[str, str], ...]
    everywhere: bool

    def applies(self, tag: str, id_: str | None, classes: frozenset[str]) -> bool:
        return self.everywhere or any(s.matches(tag, id_, classes) for s in self.selectors)


@attrs.frozen
class Stylesheet:
    rules: tuple[Rule, ...] = ()
    problems: tuple[str, ...] = ()


def _selector(text: str) -> Selector | None:
    """The last compound of one selector, or None when a part of it cannot be judged."""
    parts = [p for p in re.split(r"\s*[>+~]\s*|\s+", text.strip()) if p]
    if not parts or not all(_COMPOUND.fullmatch(p) for p in parts):
        return None
    tag, id_, classes = None, None, set()
    for kind, name in _SIMPLE.findall(parts[-1]):
        if kind == "#":
            id_ = name
        elif kind == ".":
            classes.add(name)
        else:
            tag = name.lower()
    return Selector(tag, id_, frozenset(classes))


def stylesheet(css: str) -> Stylesheet:
    """The rules of ``<style>`` text, and what in it cannot be judged."""
    css = strip_comments(css)
    found: list[str] = []
    at_rules = {m.lower() for m in re.findall(r"@([\w-]+)", css)} - {"media"}
    found += [f"@{name}" for name in sorted(at_rules)]
    rules = []
    for prelude, body in _BLOCK.findall(css):
        if not prelude.strip():
            continue
        decls = declarations(body)
        found += problems(decls)
        selectors = [_selector(s) for s in prelude.split(",")]
        judged = tuple(s for s in selectors if s is not None)
        unjudged = len(judged) != len(selectors)
        if unjudged and hides(decls):
            found.append(f"the selector {prelude.strip()[:40]!r} in a rule that hides")
        rules.append(Rule(judged, tuple(decls.items()), unjudged))
    return Stylesheet(tuple(rules), tuple(dict.fromkeys(found)))
