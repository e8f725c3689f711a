"""Rendering safety (issue 8 items 3, 13 and 14): ``spinerules.render`` does not trust a format.

* The Assessment is deeply immutable, and a format that changes it anyway (``object.__setattr__``,
  a nested value) is caught by a snapshot taken around the call.
* The **visible** text of an output must show every red flag, the disclaimer and the headline of
  the urgency: a flag id in a comment, a hidden element, ``aria-hidden``, a script, a concealed
  ANSI span or a markdown link destination does not count, and a lower tier's headline ("SELF-CARE"
  beside an emergency) is refused. JSON is checked as data.
* A format that raises or returns a non-str is a ``RenderError`` naming it.
* Plugin text cannot break out of the built-in formats: a lone CR, NEL or U+2028 does not end a
  markdown line, and ESC, C0/C1 controls and bidi controls never reach a terminal.

Hostile formats and plugins are registered in-process, as in tests/test_plugins.py.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spinerules
from spinerules import Assessment, cli
from spinerules.assessment import FrozenDict
from spinerules.conditions import ge
from spinerules.errors import RenderError, SpinerulesError
from spinerules.formats.clean import UNSAFE, clean_text, one_line
from spinerules.formats.contract import check_output
from spinerules.formats.markers import fold, headline_in_contribution, lower_markers
from spinerules.formats.view import HEADLINE, HEADLINE_MARKER, INCOMPLETE_HEADLINE, headline
from spinerules.formats.visible import visible_text
from spinerules.hookspecs import hookimpl
from spinerules.levels import Urgency
from spinerules.plugins import Plugins
from spinerules.registry import current_rule_base, reset_plugins
from spinerules.rules import Activity, cite
from strategies import patient_states
from vignettes import complete_screen

BUILTIN = ("text", "markdown", "json", "html")
CES = {"age": 40, "pain_duration_days": 3, "saddle_anaesthesia": True, "urinary_retention": True}
ACTIVITY = "hostile_walk"


@pytest.fixture(autouse=True)
def fresh_plugins() -> Iterator[None]:
    reset_plugins()
    yield
    reset_plugins()


def use_plugins(*plugins: tuple[object, str]) -> Plugins:
    manager = Plugins(load_entry_points=False)
    for plugin, name in plugins:
        manager.register(plugin, name)
    reset_plugins(manager)
    return manager


class Formats:
    """A plugin registering ``name -> (render, media_type)`` formats."""

    def __init__(self, **formats: tuple[Callable[..., Any], str]) -> None:
        self.formats = formats

    @hookimpl
    def register_formats(self, register: Callable[..., None]) -> None:
        for name, (render, media_type) in self.formats.items():
            register(name, render, media_type=media_type)


def with_formats(**formats: tuple[Callable[..., Any], str]) -> None:
    use_plugins((Formats(**formats), "hostile"))


def emergency() -> Assessment:
    a = spinerules.assess(CES, engine="python")
    assert a.urgency is Urgency.EMERGENCY and len(a.red_flags) >= 2
    return a


def honest_text(a: Assessment) -> str:
    """The least a plain-text format must show."""
    ids = "\n".join(f"{f.title} ({f.id}): {f.action}" for f in a.red_flags)
    return f"{headline(a)}\n{ids}\n{a.disclaimer}\n"


def honest_html(a: Assessment, extra: str = "", flags: str | None = None) -> str:
    shown = "".join(f"<li>{f.title} ({f.id})</li>" for f in a.red_flags)
    return (
        f"<!DOCTYPE html><html><head><title>Plan</title></head><body><h1>{headline(a)}</h1>"
        f"<ul>{shown if flags is None else flags}</ul>{extra}<p>{a.disclaimer}</p></body></html>"
    )


# --- item 3: the Assessment is deeply immutable --------------------------------------------------


def test_every_container_in_an_assessment_is_immutable() -> None:
    a = emergency()
    nested = attrs.evolve(
        a.red_flags[0], inputs=(("answers", {"left": [1, 2], "tags": {"x"}}), ("n", 1))
    )
    b = attrs.evolve(a, red_flags=[nested, *a.red_flags[1:]], unanswered=["fever"])
    assert isinstance(b.red_flags, tuple) and isinstance(b.unanswered, tuple)
    value = b.red_flags[0].inputs[0][1]
    assert isinstance(value, FrozenDict) and value["left"] == (1, 2)
    assert value["tags"] == frozenset({"x"})
    with pytest.raises(TypeError):
        value["left"] = ()  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        b.red_flags[0].title = "calm"  # type: ignore[misc]
    assert hash(b) == hash(attrs.evolve(b))  # frozen all the way down, so hashable
    # to_dict gives JSON's lists and dicts back, and the JSON format round-trips
    data = b.to_dict()["red_flags"][0]["inputs"]
    assert data == {"answers": {"left": [1, 2], "tags": ["x"]}, "n": 1}
    assert json.loads(spinerules.render(b, "json")) == b.to_dict()


def test_a_plain_str_is_not_taken_for_a_tuple() -> None:
    with pytest.raises(TypeError, match="not the str"):
        attrs.evolve(emergency(), unanswered="fever")


def _set_urgency(a: Assessment) -> str:
    object.__setattr__(a, "urgency", Urgency.SELF_CARE)
    return honest_text(a)


def _set_title(a: Assessment) -> str:
    object.__setattr__(a.red_flags[0], "title", "Nothing to worry about")
    return honest_text(a)


def _list_swap(a: Assessment) -> str:
    object.__setattr__(a, "red_flags", list(a.red_flags))
    return honest_text(a)


def _nested_value(a: Assessment) -> str:
    inputs = a.red_flags[0].inputs
    object.__setattr__(a.red_flags[0], "inputs", (*inputs, ("note", FrozenDict({"k": 1}))))
    value = a.red_flags[0].inputs[-1][1]
    value._items["k"] = 2  # type: ignore[attr-defined]  # reaching past the read-only mapping
    return honest_text(a)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (_set_urgency, "urgency"),
        (_set_title, "red_flags"),
        (_list_swap, "red_flags"),
        (_nested_value, "red_flags"),
    ],
    ids=["urgency", "flag_title", "tuple_to_list", "nested_value"],
)
def test_a_format_that_changes_the_assessment_is_refused(
    mutate: Callable[[Assessment], str], field: str
) -> None:
    with_formats(mutating=(mutate, "text/plain"))
    with pytest.raises(
        RenderError, match=rf"'mutating' \(hostile\) changed the assessment .*{field}"
    ):
        spinerules.render(emergency(), "mutating")


def _append(a: Assessment) -> str:
    a.red_flags.append(a.red_flags[0])  # type: ignore[attr-defined]
    return honest_text(a)


def _inputs_item(a: Assessment) -> str:
    a.red_flags[0].inputs[0] = ("saddle_anaesthesia", False)  # type: ignore[index]
    return honest_text(a)


@pytest.mark.parametrize("mutate", [_append, _inputs_item], ids=["append", "set_item"])
def test_a_format_that_tries_to_mutate_a_container_fails_naming_itself(
    mutate: Callable[[Assessment], str],
) -> None:
    with_formats(mutating=(mutate, "text/plain"))
    a = emergency()
    before = a.to_dict()
    with pytest.raises(RenderError, match=r"format 'mutating' \(hostile\) failed: \w*Error"):
        spinerules.render(a, "mutating")
    assert a.to_dict() == before


# --- item 13: a format that raises or returns a non-str ----------------------------------------


def _raises(a: Assessment) -> str:
    raise ValueError("no template")


@pytest.mark.parametrize(
    ("render", "message"),
    [
        (_raises, r"format 'odd' \(hostile\) failed: ValueError: no template"),
        (
            lambda a: honest_text(a).encode(),
            r"format 'odd' \(hostile\) returned a bytes, not a str",
        ),
        (lambda a: None, r"format 'odd' \(hostile\) returned a NoneType"),
    ],
    ids=["raises", "bytes", "none"],
)
def test_a_format_that_raises_or_returns_a_non_str_is_a_render_error(
    render: Callable[[Assessment], Any], message: str
) -> None:
    with_formats(odd=(render, "text/plain"))
    with pytest.raises(RenderError, match=message) as raised:
        spinerules.render(emergency(), "odd")
    assert isinstance(raised.value, SpinerulesError)


def test_a_render_error_from_the_cli_is_one_line_and_exit_1(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with_formats(odd=(_raises, "text/plain"))
    path = tmp_path / "ces.json"
    path.write_text(json.dumps(CES), encoding="utf-8")
    assert cli.main(["assess", str(path), "--format", "odd"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().count("\n") == 0 and "'odd'" in captured.err


def test_an_honest_plugin_format_passes() -> None:
    with_formats(plain=(honest_text, "text/plain"), page=(honest_html, "text/html"))
    a = emergency()
    assert spinerules.render(a, "plain") == honest_text(a)
    assert spinerules.render(a, "page") == honest_html(a)


# --- item 3: the visible text ------------------------------------------------------------------

HTML_HIDING = {
    "comment": "<!-- {} -->",
    "hidden": "<div hidden>{}</div>",
    "aria_hidden": '<span aria-hidden="true">{}</span>',
    "script": "<script>var id = '{}';</script>",
    "style_element": "<style>/* {} */</style>",
    "template": "<template><p>{}</p></template>",
    "noscript": "<noscript>{}</noscript>",
    "display_none": '<p style="color:red; DISPLAY: none !important">{}</p>',
    "visibility": '<p style="visibility:hidden">{}</p>',
    "font_size_0": '<p style="font-size:0px">{}</p>',
    "opacity_0": '<p style="opacity:0.0">{}</p>',
    "off_screen": '<p style="position:absolute;left:-9999px">{}</p>',
    "stylesheet_class": '<style>.x{{display:none}}</style><p class="a x">{}</p>',
    "stylesheet_id": '<p id="gone">{}</p><style>div #gone {{ visibility: hidden }}</style>',
    "closed_details": "<details><summary>More</summary>{}</details>",
    "bdo": '<bdo dir="rtl">{}</bdo>',
    "unclosed_hidden_parent": "<div hidden><p>x</p><p>{}</p>",
}


@pytest.mark.parametrize("how", sorted(HTML_HIDING))
def test_a_red_flag_hidden_in_html_is_refused(how: str) -> None:
    def render(a: Assessment) -> str:
        first, *rest = a.red_flags
        shown = "".join(f"<li>{f.title} ({f.id})</li>" for f in rest)
        return honest_html(a, extra=HTML_HIDING[how].format(first.id), flags=shown)

    with_formats(sly=(render, "text/html"))
    a = emergency()
    with pytest.raises(RenderError, match=rf"left out {a.red_flags[0].id}\b"):
        spinerules.render(a, "sly")


@pytest.mark.parametrize(
    "visible",
    [
        "<details open><summary>More</summary>{}</details>",
        "<details><summary>{}</summary>more</details>",
        '<p style="font-size:.85rem;opacity:0.9">{}</p>',
        "<div><p hidden>x</p><p>{}</p></div>",
        "<p>ces<b>_</b>saddle {}</p>",
    ],
)
def test_visible_html_counts(visible: str) -> None:
    def render(a: Assessment) -> str:
        first, *rest = a.red_flags
        shown = "".join(f"<li>{f.title} ({f.id})</li>" for f in rest)
        return honest_html(a, extra=visible.format(first.id), flags=shown)

    with_formats(fine=(render, "text/html"))
    spinerules.render(emergency(), "fine")


MARKDOWN_HIDING = {
    "comment": "<!-- {} -->",
    "html_block": "<div hidden>\n{}\n</div>",
    "link_destination": "[see the rules](https://example.org/{})",
    "link_title": '[see the rules](https://example.org "{}")',
    "reference_definition": "[rules]: https://example.org/{}",
    "image": "![{}](x.png)",
    "span": '<span style="display:none">{}</span>',
}


@pytest.mark.parametrize("how", sorted(MARKDOWN_HIDING))
def test_a_red_flag_hidden_in_markdown_is_refused(how: str) -> None:
    def render(a: Assessment) -> str:
        first, *rest = a.red_flags
        lines = [f"# {headline(a)}", *(f"- {f.title} ({f.id})" for f in rest)]
        lines += ["", MARKDOWN_HIDING[how].format(first.id), "", a.disclaimer]
        return "\n".join(lines) + "\n"

    with_formats(sly=(render, "text/markdown"))
    a = emergency()
    with pytest.raises(RenderError, match=rf"left out {a.red_flags[0].id}\b"):
        spinerules.render(a, "sly")


def test_escaped_markdown_is_text_not_markup() -> None:
    """``\\<!-- id --\\>`` shows the id (the backslashes make it text)."""

    def render(a: Assessment) -> str:
        ids = " ".join(f"\\<!-- {f.id} --\\>" for f in a.red_flags)
        return f"# {headline(a)}\n\n{ids}\n\n*{a.disclaimer}*\n"

    with_formats(escaped=(render, "text/markdown"))
    spinerules.render(emergency(), "escaped")


def test_concealed_ansi_text_does_not_count() -> None:
    def render(a: Assessment) -> str:
        return honest_text(a).replace(a.red_flags[0].id, f"\x1b[8m{a.red_flags[0].id}\x1b[28m")

    with_formats(concealed=(render, "text/plain"))
    with pytest.raises(RenderError, match="left out ces_"):
        spinerules.render(emergency(), "concealed")


def test_ansi_colour_in_a_plugin_format_is_allowed() -> None:
    def render(a: Assessment) -> str:
        return f"\x1b[1;38;5;8;41m{honest_text(a)}\x1b[0m"  # 38;5;8 is a colour, not conceal

    with_formats(colour=(render, "text/plain"))
    spinerules.render(emergency(), "colour")


@pytest.mark.parametrize(
    ("control", "media_type"),
    [
        ("\r", "text/plain"),  # the cursor goes back over the red flag
        ("\b\b\b", "text/plain"),
        ("\x1b[2K", "text/plain"),  # erase the line
        ("\x1b]0;title\x07", "text/plain"),
        ("\x9b2J", "text/plain"),  # C1 CSI
        ("\u202e", "text/plain"),  # right-to-left override
        ("\u2066", "text/markdown"),
        ("&#x202E;", "text/html"),  # an entity is a character once decoded
        ("\u2028", "text/html"),
    ],
)
def test_output_with_controls_that_can_hide_text_is_refused(control: str, media_type: str) -> None:
    def render(a: Assessment) -> str:
        body = honest_text(a).replace(a.red_flags[0].id, f"{a.red_flags[0].id}{control}")
        return f"<p>{body}</p>" if "html" in media_type else body

    with_formats(controls=(render, media_type))
    with pytest.raises(RenderError, match="control characters"):
        spinerules.render(emergency(), "controls")


def test_windows_line_endings_are_fine() -> None:
    with_formats(crlf=(lambda a: honest_text(a).replace("\n", "\r\n"), "text/plain"))
    spinerules.render(emergency(), "crlf")


# --- headlines -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lower",
    [
        "SELF-CARE: stay active, all is well",
        "## Self care — you are fine",
        "**Soon**: book an appointment",
        "Note. Urgent: see a doctor today",
    ],
)
def test_an_emergency_beside_a_lower_headline_is_refused(lower: str) -> None:
    with_formats(calm=(lambda a: f"{honest_text(a)}\n{lower}\n", "text/markdown"))
    with pytest.raises(RenderError, match=r"shows an? (self-care|soon|urgent) headline"):
        spinerules.render(emergency(), "calm")


def test_a_lower_headline_counts_even_where_only_some_readers_see_it() -> None:
    """aria-hidden text is still on screen; the <title> is in the tab."""
    extra = '<p aria-hidden="true">SELF-CARE: all fine</p>'
    with_formats(
        calm=(lambda a: honest_html(a, extra=extra), "text/html"),
        tab=(lambda a: honest_html(a).replace("Plan", "Plan - Self-care: rest"), "text/html"),
    )
    for name in ("calm", "tab"):
        with pytest.raises(RenderError, match="self-care headline"):
            spinerules.render(emergency(), name)


def test_the_headline_of_the_urgency_must_be_shown() -> None:
    with_formats(
        headless=(lambda a: honest_text(a).replace(headline(a), "Your result"), "text/plain"),
        hidden=(
            lambda a: f"<!-- {headline(a)} -->" + honest_text(a)[len(headline(a)) :],
            "text/markdown",
        ),
    )
    for name in ("headless", "hidden"):
        with pytest.raises(RenderError, match="left out the emergency headline"):
            spinerules.render(emergency(), name)


def test_an_incomplete_screen_needs_its_questions_headline_and_no_self_care() -> None:
    incomplete = spinerules.assess({"age": 40, "pain_duration_days": 10}, engine="python")
    assert headline(incomplete) == INCOMPLETE_HEADLINE
    with_formats(
        upbeat=(lambda a: f"{HEADLINE['self_care']}\n{honest_text(a)}", "text/plain"),
        headless=(lambda a: honest_text(a).replace(INCOMPLETE_HEADLINE, ""), "text/plain"),
        fine=(honest_text, "text/plain"),
    )
    with pytest.raises(RenderError, match="self-care headline for an incomplete screen"):
        spinerules.render(incomplete, "upbeat")
    with pytest.raises(RenderError, match="left out the headline"):
        spinerules.render(incomplete, "headless")
    spinerules.render(incomplete, "fine")


def test_a_lower_headline_inside_the_assessment_itself_is_refused_too() -> None:
    """No string is exempt: plugin text cannot carry a marker (the registry refuses it, see
    ``test_plugin_text_with_a_headline_marker_is_dropped``) and the built-in rules carry none,
    so "Urgent: ..." in an assessment built by hand is refused like any other."""
    a = emergency()
    loud = attrs.evolve(a.red_flags[-1], action="Urgent: see a doctor today as well.")
    b = attrs.evolve(a, red_flags=(*a.red_flags[:-1], loud))
    for fmt in BUILTIN:
        with pytest.raises(RenderError, match="shows an urgent headline for an emergency one"):
            spinerules.render(b, fmt)


def test_the_formats_and_the_check_share_the_headline_markers() -> None:
    for tier, text in HEADLINE.items():
        assert text.startswith(f"{HEADLINE_MARKER[tier]}: ")


# --- JSON is checked as data -----------------------------------------------------------------------


def _downgraded(a: Assessment) -> str:
    return json.dumps(a.to_dict() | {"urgency": "self_care"})


def _dropped_flag(a: Assessment) -> str:
    data = a.to_dict()
    data["red_flags"] = data["red_flags"][1:]
    return json.dumps(data)


@pytest.mark.parametrize(
    ("render", "message"),
    [
        (_downgraded, "says urgency 'self_care', not 'emergency'"),
        (_dropped_flag, "left out ces_saddle"),
        (lambda a: "{not json", "invalid JSON"),
        (lambda a: json.dumps({"flags": [f.id for f in a.red_flags]}), "left out the disclaimer"),
    ],
    ids=["downgraded", "dropped_flag", "invalid", "other_json_without_disclaimer"],
)
def test_json_output_is_checked_as_data(render: Callable[[Assessment], str], message: str) -> None:
    with_formats(data=(render, "application/json"))
    with pytest.raises(RenderError, match=message):
        spinerules.render(emergency(), "data")


def test_other_json_with_every_flag_and_the_disclaimer_passes() -> None:
    def cards(a: Assessment) -> str:
        return json.dumps({"cards": [{"summary": f.id} for f in a.red_flags], "note": a.disclaimer})

    with_formats(cards=(cards, "application/fhir+json"))
    spinerules.render(emergency(), "cards")


# --- item 14: plugin text cannot break out of the built-in formats ---------------------------------

BREAKOUT = "steady\r# Calm: rest\r\n- injected\u2028> quote\x85## heading\u2029[x]: y\x0bz"
ESCAPED_BREAKOUT = "steady \\# Calm: rest - injected \\> quote \\#\\# heading \\[x\\]: y z"
TERMINAL = "\x1b[2J\x1b[8mhidden\x1b[0m\x07 bell \x9b31m c1 \u202eesrever\u202c \u2066iso\u2069 \x7f\x00end"


def _plugin_activity(**text: str) -> Activity:
    fields: dict[str, Any] = {
        "id": ACTIVITY,
        "name": "Hostile walk",
        "eligibility": ge("pain_duration_days", 0),
        "reason": "because",
        "dose": "daily",
        "progression": "more",
        "evidence": [cite("nice_ng59")],
    }
    return Activity(**(fields | text))


class Activities:
    def __init__(self, activity: Activity) -> None:
        self.activity = activity

    @hookimpl
    def register_activities(self, register: Callable[..., None]) -> None:
        register(self.activity)


def _with_plugin_text(**text: str) -> Assessment:
    manager = use_plugins((Activities(_plugin_activity(**text)), "hostile_text"))
    assert not manager.failures, manager.failures
    a = spinerules.assess(
        complete_screen(pain_duration_days=200, preferred_activities=[ACTIVITY]), engine="python"
    )
    assert ACTIVITY in [r.id for r in a.recommendations]
    return a


def test_a_lone_cr_from_a_plugin_does_not_break_out_of_markdown() -> None:
    a = _with_plugin_text(dose=BREAKOUT, name=f"Walk{BREAKOUT}")
    out = spinerules.render(a, "markdown")
    # str.splitlines() splits on every line ending some renderer honours
    assert not re.search("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]", out)
    lines = out.split("\n")
    assert out.splitlines() == lines[:-1]  # no line ending but "\n" (the last line is empty)
    starts = r"(#+ Calm: rest|- injected|> quote|## heading|\[x\]:)"
    assert not [line for line in lines if re.match(starts, line)]
    dose = next(line for line in lines if line.startswith("  - *How much*: steady"))
    assert dose == "  - *How much*: " + ESCAPED_BREAKOUT
    spinerules.render(a, "markdown")  # and it keeps the contract


def test_escape_bidi_and_controls_from_a_plugin_never_reach_the_terminal() -> None:
    a = _with_plugin_text(name=f"Walk {TERMINAL}", reason=TERMINAL, dose=f"daily{TERMINAL}")
    for color in (False, True):
        out = spinerules.render(a, "text", color=color)
        ours = out.replace("\x1b[1;32m", "").replace("\x1b[0m", "") if color else out
        assert "\x1b" not in ours and not UNSAFE.search(ours)
        assert "Walk [2J[8mhidden[0m bell 31m c1 esrever iso end" in out
    for fmt in ("markdown", "html"):
        out = spinerules.render(a, fmt)
        assert not UNSAFE.search(out) and "\x1b" not in out and "\x07" not in out


def test_html_drops_controls_from_plugin_text_and_still_escapes() -> None:
    a = _with_plugin_text(reason=f"<b>x</b>{TERMINAL}\r<script>")
    out = spinerules.render(a, "html")
    assert "&lt;b&gt;x&lt;/b&gt;[2J" in out and "<script>" not in out
    assert not UNSAFE.search(out)


def test_the_sanitiser() -> None:
    assert clean_text("a\r\nb\rc\x85d\u2028e\u2029f\x0bg\x0ch") == "a\nb\nc\nd\ne\nf\ng\nh"
    assert clean_text("t\tab \x1b[31m\x00\x7f\x9b\u202e\u2066\u200f!") == "t ab [31m!"
    assert clean_text("lone \ud800 surrogate") == "lone \ufffd surrogate"
    assert one_line("one\rtwo\nthree") == "one two three"
    assert one_line("plain text, unchanged") == "plain text, unchanged"


# --- properties: every built-in format keeps the contract ------------------------------------------

_ACTIVITY_IDS = sorted(a.id for a in current_rule_base().activities if a.kind == "exercise")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
NASTY = (
    "\r",
    "\r\n",
    "\n",
    "\t",
    "\x00",
    "\x1b[2J",
    "\x1b[8m",
    "\x85",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\u200f",
    "\x9b",
    "\ud800",
    "<!--",
    "-->",
    "<script>",
    "\\",
    "&amp",
    "&lt;",
    "#",
    "Self-care:",
    "SOON:",
    "urgent!",
    "Emergency:",
    "[x]: y",
    "](",
    "*",
    "`",
    " ",
)
hostile_text = st.lists(
    st.one_of(st.sampled_from(NASTY), st.text(st.characters(codec=None), max_size=4)), max_size=6
).map("".join)

#: Free text an assessment shows; ids, kinds and other vocabulary stay as the policy made them.
_KEEP = frozenset(
    {"id", "family", "kind", "section", "profile", "scope", "asked_of", "risk", "rule", "check"}
)


def _poison(value: Any, draw: Callable[[], str]) -> Any:
    """Hostile text appended to every free string, as far as the registry lets a plugin write
    it: text reading as a headline ("Self-care: ...") is refused at registration
    (``test_plugin_text_with_a_headline_marker_is_dropped``), so it is left out here."""
    if isinstance(value, str) and not isinstance(value, enum.Enum):
        poisoned = value + draw()
        return value if lower_markers(poisoned) else poisoned
    if isinstance(value, tuple):
        return tuple(_poison(v, draw) for v in value)
    if attrs.has(type(value)) and not isinstance(value, spinerules.assessment.RulesetInfo):
        changes = {
            f.name: _poison(getattr(value, f.name), draw)
            for f in attrs.fields(type(value))
            if f.name not in _KEEP and f.name not in ("inputs", "trace", "evidence_ids")
        }
        return attrs.evolve(value, **changes)
    return value


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(state=patient_states(st.sampled_from(_ACTIVITY_IDS)))
def test_every_builtin_format_passes_the_visible_text_check(state: spinerules.PatientState) -> None:
    a = spinerules.assess(state, engine="python")
    for fmt in BUILTIN:
        out = spinerules.render(a, fmt)
        if fmt in ("text", "markdown"):
            assert not _CONTROL.search(out.replace("\n", "")) and not UNSAFE.search(out)


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(state=patient_states(st.sampled_from(_ACTIVITY_IDS)), data=st.data())
def test_hostile_text_never_breaks_a_builtin_format(
    state: spinerules.PatientState, data: st.DataObject
) -> None:
    """Whatever a plugin's strings hold, the built-in formats keep the contract and write no
    control character but the line breaks (and, in colour, their own ANSI headline)."""
    a = _poison(spinerules.assess(state, engine="python"), lambda: data.draw(hostile_text))
    for fmt in BUILTIN:
        out = spinerules.render(a, fmt)
        if fmt in ("text", "markdown", "html"):
            assert not _CONTROL.search(out.replace("\n", "")) and not UNSAFE.search(out), fmt
    assert headline(a) in spinerules.render(a, "text").split("\n")[0]


def test_check_output_can_be_called_directly() -> None:
    a = emergency()
    out = spinerules.render(a, "html")
    assert check_output(a, out, name="html", plugin="spinerules", media_type="text/html") == out
    seen = visible_text(out, "text/html")
    assert a.disclaimer in seen.shown and "<" not in seen.shown.replace("&lt;", "")
    assert "Your back pain plan" in seen.possible and "Your back pain plan" not in seen.shown


# --- review 1, item 4: ways around the visible-text check (payloads from the review) -------------

LOW = "Self-care: nothing serious, stay at home"

#: Each hides every red flag from a browser, while Python's parser alone would show them.
FLAGS_HIDDEN_FROM_A_BROWSER = {
    "self_closed_hidden_div": "<div hidden/><p>{}</p>",
    "self_closed_styled_div": '<div style="display:none"/><p>{}</p>',
    "dialog": "<dialog>{}</dialog>",
    "datalist": "<datalist><option>{}</option></datalist>",
    "noembed": "<noembed>{}</noembed>",
    "noframes": "<noframes>{}</noframes>",
    "rp": "<ruby>x<rp>{}</rp><rt>y</rt></ruby>",
    "select": "<select><option>-</option><option>{}</option></select>",
    "popover": "<div popover>{}</div>",
    "svg_zero_size": '<svg width="0" height="0"><text>{}</text></svg>',
    "css_comment": '<p style="display:/**/none">{}</p>',
    "important_first": '<p style="display:none !important; display:block">{}</p>',
    "not_selector": "<style>p:not(.k){{display:none}}</style><p>{}</p>",
    "attribute_selector": "<style>[data-x]{{display:none}}</style><p data-x>{}</p>",
    "two_rules_tiny_box": "<style>.a{{overflow:hidden}}.b{{height:1px}}</style><p class='a b'>{}</p>",
    "translate": '<p style="transform:translateX(-9999px)">{}</p>',
    "rgba_0": '<p style="color:rgba(0,0,0,0)">{}</p>',
    "tiny_font": '<p style="font-size:0.01px">{}</p>',
    "nested_small_fonts": '<span style="font-size:.5em"><span style="font-size:.5em">'
    '<span style="font-size:.5em">{}</span></span></span>',
    "sr_only_box": '<p style="position:absolute;width:1px;height:1px;overflow:hidden">{}</p>',
    "filter_opacity": '<p style="filter:opacity(0)">{}</p>',
    "negative_margin": '<p style="margin-left:-99999px">{}</p>',
    "unclosed_comment": "<!-- {}",
    "comment_closed_with_a_space": "<!-- -- > {} -->",
    "iframe_srcdoc": '<iframe srcdoc="x">{}</iframe>',
}


@pytest.mark.parametrize("how", sorted(FLAGS_HIDDEN_FROM_A_BROWSER))
def test_red_flags_a_browser_hides_are_refused(how: str) -> None:
    def render(a: Assessment) -> str:
        flags = FLAGS_HIDDEN_FROM_A_BROWSER[how].format(" ".join(f.id for f in a.red_flags))
        return honest_html(a, extra=flags, flags="")

    with_formats(sly=(render, "text/html"))
    with pytest.raises(RenderError, match=r"left out ces_saddle\b|cannot judge"):
        spinerules.render(emergency(), "sly")


#: Each shows a self-care headline in a browser beside the emergency.
LOWER_HEADLINE_IN_HTML = {
    "comment_opened_and_closed": f"<!-->{LOW}<!-- -->",
    "comment_closed_by_bang": f"<!-- x --!><p>{LOW}</p><!-- -->",
    "css_content": '<style>h1::before{content:"Self-care: nothing serious. "}</style>',
    "list_style_string": "<ul style=\"list-style-type:'Self-care: fine '\"><li>x</li></ul>",
    "svg_cdata": f"<svg><text y='20'><![CDATA[{LOW}]]></text></svg>",
    "title_ends_a_comment": f"<title><!--</title><p>{LOW}</p><!-- --></title>",
    "zero_width_space": "<p>Self\u200b-care: nothing serious</p>",
    "soft_hyphen_entity": "<p>Self&shy;-care: nothing serious</p>",
    "full_width": "<p>Ｓｅｌｆ-ｃａｒｅ: nothing serious</p>",
    "cyrillic_a": "<p>Self-c\u0430re: nothing serious</p>",
    "script": f"<script>document.body.append('{LOW}')</script>",
    "meta_refresh": '<meta http-equiv="refresh" content="0;url=data:text/html,Self-care">',
    "image_alt": f"<img alt='{LOW}' src=x>",
}


@pytest.mark.parametrize("how", sorted(LOWER_HEADLINE_IN_HTML))
def test_a_lower_headline_a_browser_shows_is_refused(how: str) -> None:
    with_formats(calm=(lambda a: honest_html(a, extra=LOWER_HEADLINE_IN_HTML[how]), "text/html"))
    with pytest.raises(RenderError, match=r"shows a self-care headline|cannot judge"):
        spinerules.render(emergency(), "calm")


@pytest.mark.parametrize(
    "lower",
    [
        "Self\u200b-care: nothing serious",
        "Self\u00ad-care: nothing serious",
        "Ｓｅｌｆ-ｃａｒｅ: nothing serious",
        "Self-c\u0430re: nothing serious",  # a Cyrillic a
        "S\u0435lf-care: nothing serious",  # a Cyrillic e
        "Self-care, nothing serious",
        "Self-care - nothing serious",
        "Self-care — nothing serious",
        "Se**lf**-care: nothing serious",
        "Self\u3164care: nothing serious",  # a blank Hangul letter
    ],
)
def test_a_disguised_lower_headline_in_text_is_refused(lower: str) -> None:
    with_formats(calm=(lambda a: f"{honest_text(a)}{lower}\n", "text/plain"))
    with pytest.raises(RenderError, match="shows a self-care headline"):
        spinerules.render(emergency(), "calm")


def test_folding_for_markers() -> None:
    assert fold("Ｓｅｌｆ\u00ad-c\u0430re\u200b") == "Self-care"
    assert lower_markers("How soon: today") == []  # after a word: a label, not a headline
    assert lower_markers("Take care. Soon, they said") == [Urgency.SOON]


def _md(a: Assessment, body: str) -> str:
    return f"# {headline(a)}\n\n{body}\n\n{a.disclaimer}\n"


@pytest.mark.parametrize(
    "body",
    [
        '{flags}\n\n[zz]:\n/url\n"{flags}"',  # a reference definition over three lines
        '[see][r]\n\n[r]: http://x "{flags}"',
    ],
    ids=["multi_line_reference_title", "reference_title"],
)
def test_markdown_link_reference_definitions_are_refused(body: str) -> None:
    def render(a: Assessment) -> str:
        return _md(a, body.format(flags=" ".join(f.id for f in a.red_flags)))

    with_formats(refs=(render, "text/markdown"))
    with pytest.raises(RenderError, match=r"cannot judge .*link reference definition"):
        spinerules.render(emergency(), "refs")


@pytest.mark.parametrize(
    "code",
    [
        f"`<!-- {LOW} -->`",
        f"``<!-- {LOW} -->``",
        f"```\n<!-- {LOW} -->\n```",
        f"~~~\n<span hidden>{LOW}</span>\n~~~",
        f"    <!-- {LOW} -->",
    ],
    ids=["code_span", "double_backticks", "fenced", "tilde_fence", "indented"],
)
def test_markdown_code_is_shown_as_typed(code: str) -> None:
    """A comment or hidden span inside code is shown literally, so the headline in it counts."""

    def render(a: Assessment) -> str:
        return _md(a, " ".join(f.id for f in a.red_flags) + "\n\n" + code)

    with_formats(code=(render, "text/markdown"))
    with pytest.raises(RenderError, match=r"shows a self-care headline|cannot judge"):
        spinerules.render(emergency(), "code")


def test_red_flags_in_markdown_code_count_as_shown() -> None:
    def render(a: Assessment) -> str:
        ids = " ".join(f"`{f.id}`" for f in a.red_flags)
        return _md(a, f"{ids}\n\n```\n{ids}\n```")

    with_formats(code=(render, "text/markdown"))
    spinerules.render(emergency(), "code")
    with_formats(entity=(lambda a: render(a).replace("`ces_saddle`", "`&#99;es_saddle`"), "x"))
    with pytest.raises(RenderError, match=r"left out ces_saddle\b"):  # in code it stays "&#99;"
        spinerules.render(emergency(), "entity")


def _contract_with(change: Callable[[dict[str, Any]], None]) -> Callable[[Assessment], str]:
    def render(a: Assessment) -> str:
        data = a.to_dict()
        change(data)
        return json.dumps(data)

    return render


def _lower_every_flag(data: dict[str, Any]) -> None:
    for flag in data["red_flags"]:
        flag["urgency"], flag["action"] = "self_care", "Nothing to do."


def _strip_flags(data: dict[str, Any]) -> None:
    data["red_flags"] = [{"id": f["id"]} for f in data["red_flags"]]


@pytest.mark.parametrize(
    ("render", "message"),
    [
        (_contract_with(_lower_every_flag), "changed the red flags"),
        (_contract_with(_strip_flags), "changed the red flags"),
        (
            lambda a: json.dumps(
                {
                    "urgency": "self_care",
                    "flags": [f.id for f in a.red_flags],
                    "note": a.disclaimer,
                }
            ),
            "names the tier 'self_care'",
        ),
        (
            lambda a: json.dumps(
                {"headline": LOW, "flags": [f.id for f in a.red_flags], "note": a.disclaimer}
            ),
            "shows a self-care headline",
        ),
    ],
    ids=["contract_flags_lowered", "contract_flags_stripped", "other_tier", "other_headline"],
)
def test_json_must_keep_the_assessments_tiers(
    render: Callable[[Assessment], str], message: str
) -> None:
    with_formats(data=(render, "application/json"))
    with pytest.raises(RenderError, match=message):
        spinerules.render(emergency(), "data")


def test_other_json_may_name_the_tiers_of_the_findings() -> None:
    a = spinerules.assess(CES | {"fever": True, "immunosuppressed": True}, engine="python")
    tiers = {f.urgency for f in a.red_flags}
    assert len(tiers) >= 2, tiers  # an emergency and a lower flag beside it

    def render(a: Assessment) -> str:
        flags = [{"id": f.id, "tier": f.urgency.value} for f in a.red_flags]
        return json.dumps({"urgency": a.urgency.value, "flags": flags, "note": a.disclaimer})

    with_formats(data=(render, "application/json"))
    spinerules.render(a, "data")


def test_css_the_check_can_judge_is_accepted() -> None:
    """The check refuses what it cannot judge, not ordinary styling."""
    style = (
        "<style>/* plain */ body{font-family:'Segoe UI',sans-serif;margin:1rem auto}"
        ".note{font-size:.85rem;color:#444;border-left:.3rem solid #b00020;padding:.2rem}"
        "@media print{.note{print-color-adjust:exact}} li:hover{color:red}</style>"
    )

    def render(a: Assessment) -> str:
        return honest_html(a, extra=f'{style}<p class="note" style="opacity:.9">x</p>')

    with_formats(styled=(render, "text/html"))
    spinerules.render(emergency(), "styled")
    spinerules.render(emergency(), "html")  # the built-in stylesheet


# --- review 1, item 5: plugin text cannot carry a headline marker --------------------------------


class Cards:
    def __init__(self, card: Any) -> None:
        self.card = card

    @hookimpl
    def register_red_flags(self, register: Callable[..., None], thresholds: Any) -> None:
        register(self.card)


def test_plugin_text_with_a_headline_marker_is_dropped() -> None:
    """The reviewer's calm card: "Self-care: ..." lines on a card shown at emergency."""
    from spinerules.rules import SafetyNetCard

    card = SafetyNetCard(
        id="calm_card",
        title="Self-care: no rush",
        items=("Self-care: this is nothing serious, stay home and rest",),
        tiers=(Urgency.EMERGENCY,),
        evidence=(cite("nice_ng59"),),
    )
    manager = use_plugins((Cards(card), "calmcard"))
    a = emergency()
    assert [f.plugin for f in manager.failures] == ["calmcard"]
    assert "SafetyNetCard.title 'Self-care: no rush' reads as a self-care headline" in str(
        manager.failures[0].error
    )
    assert "calm_card" not in [c.id for c in a.safety_net]
    assert [d.name for d in a.ruleset.plugins_dropped] == ["calmcard"]
    for fmt in ("text", "markdown", "html"):  # JSON quotes the report of the drop
        assert "no rush" not in spinerules.render(a, fmt)


@pytest.mark.parametrize(
    "text",
    [
        {"dose": "Soon, twice a day"},
        {"reason": "Self\u200b-care: fine"},
        {"cautions": ("Stop if it hurts. URGENT!",)},
        {"name": "Walk — Emergency"},
        {"reason": "Good for you. Self", "dose": "-care: nothing to worry about"},  # joined
    ],
    ids=["dose", "zero_width", "caution", "name", "two_strings_joined"],
)
def test_every_person_facing_plugin_string_is_checked(text: dict[str, Any]) -> None:
    manager = use_plugins((Activities(_plugin_activity(**text)), "hostile_text"))
    current_rule_base()  # contributions are validated when the rule base is built
    assert [f.plugin for f in manager.failures] == ["hostile_text"]
    assert "headline" in str(manager.failures[0].error)


def test_built_in_rules_carry_no_headline_marker() -> None:
    rule_base = current_rule_base()
    items = [*rule_base.red_flags, *rule_base.watch_items, *rule_base.activities]
    items += [*rule_base.advice_against, *rule_base.cards, *rule_base.evidence]
    assert [headline_in_contribution(item) for item in items] == [None] * len(items)


def test_plain_plugin_text_is_kept() -> None:
    manager = use_plugins(
        (Activities(_plugin_activity(reason="Walk as soon as you can: it helps.")), "ok")
    )
    assert ACTIVITY in [a.id for a in current_rule_base().activities]
    assert not manager.failures
