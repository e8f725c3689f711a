"""Output formats: every built-in format shows what matters, and nothing can inject markup.

* Every built-in format renders the example patients and a spread of vignettes, showing each
  red flag with its action, the disclaimer and the safety-net (hookspecs: "a format must show
  every red flag with its action, and the disclaimer").
* JSON validates against ``assessment_schema()`` (itself checked against the 2020-12
  metaschema), here and over generated patient states.
* The HTML handout is a well-formed document (a small strict checker below), and rule text
  from plugins, which is third-party text, is escaped in HTML and Markdown.
* Colour only on request, and the CLI requests it only on a TTY.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spinerules
import spinerules.hookspecs
from spinerules import Assessment, Urgency, cli
from spinerules.api import render
from spinerules.errors import InvalidPatientState
from spinerules.formats.view import (
    CHOOSE,
    FOR_CLINICIAN,
    HEADLINE,
    INCOMPLETE_HEADLINE,
    OTHER,
    TIMEFRAME_WORDS,
    grade_words,
)
from spinerules.output_schema import assessment_schema
from spinerules.registry import current_formats, current_rule_base, reset_plugins
from strategies import patient_states
from vignettes import complete_screen

ROOT = Path(__file__).resolve().parent.parent
PATIENT_FILES = sorted((ROOT / "examples" / "patients").glob("*.json"))
VIGNETTES: dict[str, dict[str, Any]] = {
    "acute_self_care": complete_screen(),
    "incomplete_screen": {"age": 40, "pain_duration_days": 10},
    "cancer_history_soon": complete_screen(history_of_cancer=True),
    "weight_loss_at_55": complete_screen(age=55, unexplained_weight_loss=True),
    "fever_urgent": complete_screen(fever=True, iv_drug_use=True),
    "major_trauma_emergency": complete_screen(major_trauma=True),
    "reviewed_by_clinician": complete_screen(
        history_of_cancer=True, clinician_reviewed_this_episode=True
    ),
}
CASES: dict[str, dict[str, Any]] = {
    **{f"patient_{p.stem}": json.loads(p.read_text(encoding="utf-8")) for p in PATIENT_FILES},
    **VIGNETTES,
}
ANSI = "\033["


@pytest.fixture(autouse=True, scope="module")
def builtin_plugins_only() -> Iterator[None]:
    """The suite loads no installed plugins (conftest); start from a fresh manager anyway."""
    reset_plugins()
    yield
    reset_plugins()


def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(assessment_schema())


# --- a strict HTML checker -------------------------------------------------------------------

VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
)
_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|#x27|#39|#\d+|#x[0-9a-fA-F]+);)")


class StrictHTML(HTMLParser):
    """Fails on anything a generated handout should never contain.

    A ``<!DOCTYPE html>`` first; one ``html`` holding one ``head`` then one ``body``; every
    non-void element closed, in order; no script, no event-handler attributes, no raw ``&``.
    Text is collected as a whole and per CSS class (``text_of("banner")``).
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.errors: list[str] = []
        self.stack: list[tuple[str, frozenset[str]]] = []
        self.seen: Counter[str] = Counter()
        self.doctype = False
        self.started = False
        self.order: list[str] = []
        self.chunks: list[str] = []
        self.by_class: dict[str, list[str]] = {}

    def error(self, message: str) -> None:
        self.errors.append(f"{message} (line {self.getpos()[0]})")

    def handle_decl(self, decl: str) -> None:
        if decl.lower() != "doctype html" or self.started or self.doctype:
            self.error(f"unexpected declaration <!{decl}>")
        self.doctype = True

    def _open(self, tag: str, attrs_: list[tuple[str, str | None]]) -> None:
        if not self.doctype:
            self.error(f"<{tag}> before <!DOCTYPE html>")
        self.started = True
        self.seen[tag] += 1
        parent = self.stack[-1][0] if self.stack else None
        if tag == "html" and parent is not None:
            self.error("<html> inside another element")
        if tag != "html" and parent is None:
            self.error(f"<{tag}> outside <html>")
        if tag in ("head", "body"):
            self.order.append(tag)
            if parent != "html":
                self.error(f"<{tag}> not directly inside <html>")
        if tag in ("script", "iframe", "object", "embed", "img"):
            self.error(f"<{tag}> in a handout")
        for name, value in attrs_:
            if name.startswith("on"):
                self.error(f"event handler attribute {name}= on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.error(f"javascript: URL on <{tag}>")
        if tag not in VOID:
            classes = dict(attrs_).get("class") or ""
            self.stack.append((tag, frozenset(classes.split())))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.error(f"self-closing <{tag}/> is not a void element")
        self._open(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.error(f"</{tag}> closes a void element")
        elif not self.stack or self.stack[-1][0] != tag:
            expected = self.stack[-1][0] if self.stack else "nothing"
            self.error(f"</{tag}> while <{expected}> is open")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if data.strip() and not self.stack:
            self.error(f"text outside <html>: {data.strip()[:40]!r}")
        self.chunks.append(data)
        for cls in {c for _, classes in self.stack for c in classes}:
            self.by_class.setdefault(cls, []).append(data)

    def handle_pi(self, data: str) -> None:
        self.error(f"processing instruction <?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.error(f"unknown declaration {data!r}")

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def text_of(self, cls: str) -> str:
        return "".join(self.by_class.get(cls, []))


def check_html(document: str) -> StrictHTML:
    parser = StrictHTML()
    parser.feed(document)
    parser.close()
    if parser.stack:
        parser.error("unclosed: " + ", ".join(f"<{t}>" for t, _ in parser.stack))
    if not parser.doctype:
        parser.error("no <!DOCTYPE html>")
    for tag in ("html", "head", "body", "title"):
        if parser.seen[tag] != 1:
            parser.error(f"<{tag}> appears {parser.seen[tag]} times")
    if parser.order != ["head", "body"]:
        parser.error(f"head and body out of order: {parser.order}")
    for match in _ENTITY.finditer(document):
        parser.error(
            f"raw '&' at offset {match.start()}: {document[match.start() : match.start() + 20]!r}"
        )
    assert not parser.errors, "\n".join(parser.errors)
    return parser


@pytest.mark.parametrize(
    "bad",
    [
        "<html><head><title>x</title></head><body></body></html>",  # no doctype
        "<!DOCTYPE html><html><head><title>x</title></head><body><p>open</body></html>",
        "<!DOCTYPE html><html><head><title>x</title></head><body><b><i>x</b></i></body></html>",
        "<!DOCTYPE html><html><head><title>x</title></head><body></body></html><p>after</p>",
        "<!DOCTYPE html><html><body></body><head><title>x</title></head></html>",
        "<!DOCTYPE html><html><head><title>x</title></head><body><img src=x onerror=alert(1)></body></html>",
        "<!DOCTYPE html><html><head><title>x</title></head><body><script>1</script></body></html>",
        "<!DOCTYPE html><html><head><title>x</title></head><body>Tom & Jerry</body></html>",
    ],
)
def test_the_html_checker_catches_broken_documents(bad: str) -> None:
    with pytest.raises(AssertionError):
        check_html(bad)


# --- every built-in format shows what matters -------------------------------------------------


def _markdown_text(out: str) -> str:
    return re.sub(r"\\([\\`*_{}\[\]<>()#+!|])", r"\1", out)


def _json_text(out: str) -> str:
    def strings(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    return "\n".join(strings(json.loads(out)))


#: How to read each built-in format back as plain text (a new built-in format must add one).
PLAIN: dict[str, Callable[[str], str]] = {
    "text": lambda out: out,
    "markdown": _markdown_text,
    "json": _json_text,
    "html": lambda out: check_html(out).text,
    "fhir": _json_text,  # a FHIR Bundle is JSON: its strings are what a reader can see
}


def test_every_builtin_format_is_covered() -> None:
    builtin = {name for name, f in current_formats().items() if f.plugin == "spinerules"}
    assert builtin == set(PLAIN)
    assert current_formats()["html"].media_type == "text/html"
    assert current_formats()["json"].media_type == "application/json"


#: Ids a person must never be shown as wording (principle 10): tiers, timeframes and grades
#: with underscores; field ids are checked per assessment below.
LEVEL_IDS = (
    "self_care",
    "within_24h",
    "within_1_week",
    "within_2_weeks",
    "very_low",
    "expert_opinion",
)
REASSURING = ("most sciatica settles", "most back pain", "hurt does not mean harm", "keep moving")


def _word(token: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w]){re.escape(token)}(?![\w])")


def _assert_shows_what_matters(a: Assessment, fmt: str, out: str) -> None:
    """What clinical.md principles 5, 9 and 10 ask of every output, read as plain text."""
    assert isinstance(out, str) and out.strip()
    plain = PLAIN[fmt](out)
    must = [a.disclaimer]
    must += [x for card in a.safety_net for x in (card.title, *card.items)]
    must += [x for f in a.red_flags for x in (f.title, f.action)]
    if fmt in ("json", "fhir"):  # data formats: everything present, none laid out for a person
        # The FHIR notes keep a watch item's title but not its reassurance at urgent and above.
        calm = fmt == "json" or a.urgency < Urgency.URGENT
        must += [x for w in a.watch for x in ((w.title, w.advice) if calm else (w.title,))]
        must += [q.text for q in a.questions]
        must += [x for r in a.recommendations for x in (r.name, r.dose)]
        missing = [text for text in must if text not in plain]
        assert not missing, f"{fmt} does not show: {missing}"
        return
    action_first = a.urgency >= spinerules.Urgency.URGENT
    if not action_first:
        must += [x for w in a.watch for x in (w.title, w.advice)]
    for r in a.recommendations:
        must += [r.name, grade_words(r.grade), *r.cautions]
        if r.section != "other":
            must += [r.reason, r.dose, r.progression, *([r.framing] if r.framing else [])]
    must += [q.text for q in a.questions]
    if any(q.asked_of == "clinician" for q in a.questions):
        must.append(FOR_CLINICIAN)
    if a.section("choose"):
        must.append(CHOOSE)
    if a.section("other"):
        must.append(OTHER)
    must += [TIMEFRAME_WORDS[f.timeframe] for f in a.red_flags]
    incomplete_lead = not a.screen_complete and not action_first
    must.append(INCOMPLETE_HEADLINE if incomplete_lead else HEADLINE[a.urgency.value])
    missing = [text for text in must if text not in plain]
    assert not missing, f"{fmt} does not show: {missing}"
    if incomplete_lead:  # principle 3: the questions lead, never a self-care headline
        lead = plain.index(INCOMPLETE_HEADLINE)
        later = [q.text for q in a.questions] + [f.title for f in a.red_flags]
        assert all(lead < plain.index(text) for text in later), plain[:300]
        assert HEADLINE["self_care"] not in plain
    # Ids that are also English words ("fever", "diabetes") cannot be told from wording.
    ids = [q for q in a.unanswered if "_" in q]
    shown_ids = [t for t in (*LEVEL_IDS, *ids) if _word(t).search(plain)]
    assert not shown_ids, f"{fmt} shows ids as wording: {shown_ids}"
    for q in a.questions:  # clinician findings are listed for the clinician, not asked
        if q.asked_of == "clinician":
            assert plain.index(q.text) > plain.index(FOR_CLINICIAN)
    if action_first:  # principle 9: nothing reassuring beside an urgent or emergency action
        lowered = plain.lower()
        said = [p for p in REASSURING if p in lowered]
        if a.urgency is spinerules.Urgency.URGENT:
            said = [p for p in said if p != "keep moving"]
        assert not said, f"{fmt} says {said} at {a.urgency.value}"
        assert not [w.advice for w in a.watch if w.advice in plain]


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("fmt", sorted(PLAIN))
def test_every_format_renders_every_case(case: str, fmt: str) -> None:
    a = spinerules.assess(CASES[case])
    out = render(a, fmt)
    _assert_shows_what_matters(a, fmt, out)
    if fmt == "json":
        data = json.loads(out)
        assert data == a.to_dict()
        validator().validate(data)


def test_the_cases_cover_every_urgency_and_an_incomplete_screen() -> None:
    assessed = [spinerules.assess(state) for state in CASES.values()]
    assert {a.urgency.value for a in assessed} == set(HEADLINE)
    assert any(not a.screen_complete for a in assessed)
    assert any(a.watch for a in assessed) and any(a.startback for a in assessed)


def test_the_output_schema_is_a_valid_2020_12_schema() -> None:
    schema = assessment_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


_ACTIVITY_IDS = sorted(a.id for a in current_rule_base().activities if a.kind == "exercise")


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(state=patient_states(st.sampled_from(_ACTIVITY_IDS)))
def test_generated_assessments_validate_and_render(state: spinerules.PatientState) -> None:
    a = spinerules.assess(state, engine="python")
    validator().validate(a.to_dict())
    for fmt in PLAIN:
        _assert_shows_what_matters(a, fmt, render(a, fmt))


# --- the HTML handout ----------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(CASES))
def test_html_handout_is_a_document_with_banner_actions_disclaimer_and_safety_net(
    case: str,
) -> None:
    a = spinerules.assess(CASES[case])
    parsed = check_html(render(a, "html"))
    incomplete_lead = not a.screen_complete and a.urgency < spinerules.Urgency.URGENT
    banner = INCOMPLETE_HEADLINE if incomplete_lead else HEADLINE[a.urgency.value]
    assert parsed.text_of("banner") == banner
    for finding in a.red_flags:
        assert finding.action in parsed.text_of("flag")
    assert a.disclaimer in parsed.text_of("disclaimer")
    for card in a.safety_net:
        assert all(line in parsed.text for line in (card.title, *card.items))
    for ref in {e for f in a.red_flags for e in f.evidence} | {
        e for r in a.recommendations for e in r.evidence
    }:
        assert ref.citation in parsed.text


# --- hostile rule text ------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE = f"{SCRIPT} {IMG} Tom & Jerry [x](javascript:alert(1)) | cell | **bold** `tick`"


def _evil(text: str) -> str:
    return f"{text} {HOSTILE}"


def hostile_assessment(*, ids: bool = False) -> Assessment:
    """A real assessment with every free-text field (and, with ``ids``, every id) poisoned."""
    chronic = spinerules.assess(CASES["patient_chronic"])
    soon = spinerules.assess(CASES["weight_loss_at_55"])
    assert chronic.recommendations and chronic.startback and chronic.advice_against
    assert soon.red_flags

    def ident(value: str) -> str:
        return _evil(value) if ids else value

    def ref(e: spinerules.EvidenceRef) -> spinerules.EvidenceRef:
        return attrs.evolve(e, id=ident(e.id), citation=_evil(e.citation), doi=_evil(e.doi or ""))

    watch = chronic.watch or soon.watch
    a = attrs.evolve(
        chronic,
        urgency=spinerules.Urgency.SOON,
        red_flags=tuple(
            attrs.evolve(
                f,
                id=ident(f.id),
                family=ident(f.family),
                title=_evil(f.title),
                action=_evil(f.action),
                evidence=tuple(ref(e) for e in f.evidence),
            )
            for f in soon.red_flags
        ),
        watch=tuple(
            attrs.evolve(w, id=ident(w.id), title=_evil(w.title), advice=_evil(w.advice))
            for w in watch
        ),
        recommendations=tuple(
            attrs.evolve(
                r,
                id=ident(r.id),
                name=_evil(r.name),
                reason=_evil(r.reason),
                dose=_evil(r.dose),
                progression=_evil(r.progression),
                cautions=(*r.cautions, _evil("caution")),
                framing=_evil(r.framing or ""),
                evidence=tuple(ref(e) for e in r.evidence),
            )
            for r in chronic.recommendations
        ),
        advice_against=tuple(
            attrs.evolve(x, id=ident(x.id), text=_evil(x.text)) for x in chronic.advice_against
        ),
        startback=attrs.evolve(
            chronic.startback,
            matched_care=_evil(chronic.startback.matched_care or ""),
            credit=_evil(chronic.startback.credit),
        ),
        unanswered=tuple(ident(q) for q in chronic.unanswered),
        disclaimer=_evil(chronic.disclaimer),
        safety_net=tuple(
            attrs.evolve(c, title=_evil(c.title), items=tuple(map(_evil, c.items)))
            for c in chronic.safety_net
        ),
        questions=tuple(attrs.evolve(q, text=_evil(q.text)) for q in chronic.questions),
        ruleset=attrs.evolve(
            chronic.ruleset,
            version=ident(chronic.ruleset.version),
            hash=ident(chronic.ruleset.hash),
        ),
    )
    assert a.watch and a.red_flags
    return a


@pytest.mark.parametrize("ids", [False, True], ids=["text", "text_and_ids"])
def test_html_escapes_hostile_rule_text(ids: bool) -> None:
    a = hostile_assessment(ids=ids)
    out = render(a, "html")
    assert "<script" not in out.lower() and "<img" not in out.lower()
    parsed = check_html(out)  # also: no raw '&', no event handlers, no javascript: URLs
    assert parsed.text.count(SCRIPT) >= len(a.red_flags) + len(a.recommendations)
    assert IMG in parsed.text and "Tom & Jerry" in parsed.text
    _assert_shows_what_matters(a, "html", out)


def _unescaped(out: str, char: str) -> list[int]:
    return [m.start() for m in re.finditer(rf"(?<!\\){re.escape(char)}", out)]


def _assert_markdown_is_inert(out: str) -> None:
    assert SCRIPT not in out and IMG not in out
    assert "\\<script\\>alert\\(1\\)\\</script\\>" in out
    stripped = out.replace("<sub>", "").replace("</sub>", "")
    assert not _unescaped(stripped, "<"), [stripped[i : i + 30] for i in _unescaped(stripped, "<")]
    assert "](javascript:" not in out
    for line in out.splitlines():  # a '|' in a cell must not add cells
        if line.startswith("| "):
            assert len(_unescaped(line, "|")) == 5, line


def test_markdown_escapes_hostile_rule_text() -> None:
    a = hostile_assessment()
    out = render(a, "markdown")
    _assert_markdown_is_inert(out)
    _assert_shows_what_matters(a, "markdown", out)


def test_markdown_escapes_hostile_ids_and_ruleset() -> None:
    """Rule ids and the ruleset version (which names plugins) are plugin text too."""
    out = render(hostile_assessment(ids=True), "markdown")
    _assert_markdown_is_inert(out)


def test_json_keeps_hostile_text_verbatim() -> None:
    a = hostile_assessment(ids=True)
    data = json.loads(render(a, "json"))
    assert data == a.to_dict()
    assert SCRIPT in data["red_flags"][0]["title"]


# --- colour -------------------------------------------------------------------------------------


def test_text_uses_colour_only_when_asked() -> None:
    a = spinerules.assess(CASES["patient_emergency_cauda_equina"])
    assert ANSI not in render(a, "text")
    assert ANSI not in render(a, "text", color=False)
    coloured = render(a, "text", color=True)
    assert coloured.startswith(ANSI) and HEADLINE["emergency"] in coloured
    for fmt in ("markdown", "json", "html"):
        assert ANSI not in render(a, fmt)


@pytest.mark.parametrize("path", PATIENT_FILES, ids=lambda p: p.stem)
def test_cli_output_is_plain_when_not_a_tty(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["assess", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.strip() and ANSI not in out


class _TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_uses_colour_on_a_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(ROOT / "examples" / "patients" / "emergency_cauda_equina.json")
    for fmt, coloured in (("text", True), ("json", False), ("markdown", False)):
        tty = _TTY()
        monkeypatch.setattr(sys, "stdout", tty)
        assert cli.main(["assess", path, "--format", fmt]) == 0
        assert (ANSI in tty.getvalue()) is coloured, fmt


# --- unknown formats ------------------------------------------------------------------------------


def test_render_with_an_unknown_format_names_the_format() -> None:
    a = spinerules.assess(CASES["acute_self_care"])
    with pytest.raises(InvalidPatientState, match="format") as raised:
        render(a, "nope")
    assert raised.value.fields == ("format",)
    assert "'nope'" in str(raised.value) and "html" in str(raised.value)


def test_render_is_part_of_the_public_api() -> None:
    """docs/plugins.md: "``spinerules.render(a, name)`` ... use it"."""
    assert spinerules.render is render  # type: ignore[attr-defined]
    assert "render" in spinerules.__all__


def test_cli_with_an_unknown_format_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "examples" / "patients" / "sciatica.json")
    assert cli.main(["assess", path, "--format", "nope"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("spinerules: error: --format: 'nope' is not a format")


def test_render_refuses_a_format_that_hides_a_red_flag() -> None:
    """Principle 5 is enforced at render time, whatever a format plugin does."""
    from spinerules.plugins import Plugins
    from spinerules.registry import reset_plugins

    class Hiding:
        @spinerules.hookspecs.hookimpl
        def register_formats(self, register: Any) -> None:
            register("calm", lambda a, **_: f"All fine. {a.disclaimer}")
            register("bare", lambda a, **_: " ".join(f.id for f in a.red_flags))

    manager = Plugins(load_entry_points=False)
    manager.register(Hiding(), "hiding")
    reset_plugins(manager)
    try:
        emergency = spinerules.assess(
            {"age": 40, "pain_duration_days": 3, "saddle_anaesthesia": True}
        )
        with pytest.raises(spinerules.RenderError, match="ces_saddle"):
            spinerules.render(emergency, "calm")
        with pytest.raises(spinerules.RenderError, match="disclaimer"):
            spinerules.render(emergency, "bare")
        for name in ("text", "markdown", "json", "html"):  # the built-ins pass the same check
            assert "ces_saddle" in spinerules.render(emergency, name).replace("\\", "")
    finally:
        reset_plugins()
