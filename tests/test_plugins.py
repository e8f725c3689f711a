"""The plugin system: real entry points, hostile plugins, strict mode, and hook coverage.

Two kinds of plugin are exercised here:

* the example packages under ``plugins/`` (``spinerules-pilates``, ``spinerules-csl-evidence``),
  discovered through the ``spinerules`` entry-point group. They must be installed in the running
  environment (``python3 tasks.py test`` installs them; by hand:
  ``pip install -e . -e plugins/spinerules-pilates -e plugins/spinerules-csl-evidence``);
* in-process plugins, registered on a ``Plugins(load_entry_points=False)`` manager handed to
  ``reset_plugins``: hostile ones (raising, replacing a core red flag, invalid contributions)
  that must be skipped and reported while every core red flag keeps working, and valid ones
  that show what each hook can add.

Like datasette, the last tests fail when a hook has no test here or no section in
``docs/plugins.md``.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
import pytest

import spinerules
from spinerules import cli
from spinerules.api import render
from spinerules.conditions import flag, ge, yes
from spinerules.errors import InvalidPatientState, RuleBaseError
from spinerules.formats.view import headline
from spinerules.hookspecs import hookimpl
from spinerules.knowledge import KNOWLEDGE_VERSION
from spinerules.levels import Grade, Timeframe, Urgency
from spinerules.plugins import PluginError, Plugins, plugin_hook_names
from spinerules.registry import current_formats, current_rule_base, get_plugins, reset_plugins
from spinerules.rules import Activity, AdviceAgainst, Evidence, RedFlag, cite
from spinerules.thresholds import Thresholds
from vignettes import complete_screen

ROOT = Path(__file__).resolve().parent.parent
PATIENTS = ROOT / "examples" / "patients"
BIBLIOGRAPHY = ROOT / "plugins" / "spinerules-csl-evidence" / "example-bibliography.json"
EXAMPLE_PLUGINS = {
    "pilates": ("spinerules-pilates", "spinerules_pilates"),
    "csl_evidence": ("spinerules-csl-evidence", "spinerules_csl_evidence"),
}
BIBLIOGRAPHY_IDS = {"hayden2021", "foster2018", "hartvigsen2018"}
ENGINES = [e for e in ("durable", "python") if e == "python" or spinerules.durable_available()]
CHRONIC = complete_screen(pain_duration_days=200, preferred_activities=["pilates"])


def _cauda_equina() -> dict[str, Any]:
    return json.loads((PATIENTS / "emergency_cauda_equina.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def fresh_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test starts from the suite's environment (no installed plugins) and ends there."""
    monkeypatch.setenv("SPINERULES_LOAD_PLUGINS", "")
    for variable in (
        "SPINERULES_BLOCK_PLUGINS",
        "SPINERULES_STRICT_PLUGINS",
        "SPINERULES_CSL_FILE",
    ):
        monkeypatch.delenv(variable, raising=False)
    reset_plugins()
    yield
    reset_plugins()


def load_installed(monkeypatch: pytest.MonkeyPatch, names: str, **env: str) -> Plugins:
    """Load installed plugins by entry-point name, with extra environment variables."""
    monkeypatch.setenv("SPINERULES_LOAD_PLUGINS", names)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    reset_plugins()
    return get_plugins()


def use_plugins(*plugins: tuple[object, str]) -> Plugins:
    """A manager with the built-ins plus these in-process plugins, made the current one."""
    manager = Plugins(load_entry_points=False)
    for plugin, name in plugins:
        manager.register(plugin, name)
    reset_plugins(manager)
    return manager


def example_module(entry_point: str) -> ModuleType:
    """The example plugin's module; fails (never skips) with the install command when missing."""
    distribution, module = EXAMPLE_PLUGINS[entry_point]
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        pytest.fail(f"{distribution} is not installed: pip install -e plugins/{distribution}")


def failures(manager: Plugins) -> set[tuple[str, str]]:
    return {(f.plugin, f.stage) for f in manager.failures}


def run_everything() -> spinerules.Assessment:
    """Build the rule base and the format registry (every hook), and assess a CES emergency."""
    from spinerules.course.registry import course_rule_base

    assessment = spinerules.assess(_cauda_equina())
    current_formats()
    course_rule_base(current_rule_base())  # register_course_rules
    return assessment


# --- the example plugins, discovered through real entry points ---------------------------------


def test_example_plugins_are_installed_as_entry_points() -> None:
    points = {p.name: p for p in metadata.entry_points(group="spinerules")}
    for name, (distribution, module) in EXAMPLE_PLUGINS.items():
        assert name in points, (
            f"entry point {name!r} not found: pip install -e plugins/{distribution}"
        )
        assert points[name].value == module
        assert metadata.version(distribution) == "0.1.0"


def test_cli_plugins_lists_both_with_versions_and_contributions(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    load_installed(monkeypatch, "pilates,csl_evidence", SPINERULES_CSL_FILE=str(BIBLIOGRAPHY))
    assert cli.main(["plugins"]) == 0
    out = capsys.readouterr().out
    blocks = {b.split()[0]: b for b in re.split(r"\n(?=\S)", out.strip())}
    assert blocks["spinerules"].splitlines()[0].endswith("(built-in)")
    assert blocks["pilates"].splitlines()[0] == "pilates 0.1.0"
    assert "hooks: register_activities, register_evidence" in blocks["pilates"]
    assert "contributes (1): pilates" in blocks["pilates"]
    assert blocks["csl_evidence"].splitlines()[0] == "csl_evidence 0.1.0"
    assert "hooks: register_evidence" in blocks["csl_evidence"]
    assert "contributes (3): hayden2021, foster2018, hartvigsen2018" in blocks["csl_evidence"]
    assert "FAILED" not in out
    assert list(blocks) == ["spinerules", "csl_evidence", "pilates"]


def test_plugin_info_has_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    manager = load_installed(monkeypatch, "pilates,csl_evidence")
    info = {i.name: i for i in manager.info() if not i.builtin}
    assert {name: i.version for name, i in info.items()} == {
        "csl_evidence": "0.1.0",
        "pilates": "0.1.0",
    }
    assert info["pilates"].hooks == ("register_activities", "register_evidence")


@pytest.mark.parametrize("engine", ENGINES)
def test_pilates_is_recommended_first_for_chronic_pain(
    monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    load_installed(monkeypatch, "pilates,csl_evidence")
    a = spinerules.assess(CHRONIC, engine=engine)
    assert a.urgency is Urgency.SELF_CARE and a.screen_complete
    first = a.recommendations[0]
    assert first.id == "pilates" and first.preferred
    assert [(e.id, e.grade) for e in first.evidence] == [("owen2020", Grade.MODERATE)]
    assert first.grade is Grade.MODERATE
    assert "45–60 minutes" in first.dose and "8–12 weeks" in first.dose
    assert first.progression
    assert first.framing and "no type of exercise is clearly best" in first.framing
    assert dict(first.inputs) == {"pain_duration_days": 200}
    assert (
        a.ruleset.version == f"{KNOWLEDGE_VERSION}+pilates"
    )  # csl_evidence added nothing (no file)
    assert get_plugins().failures == []


def test_pilates_cites_the_builtin_owen2020_without_registering_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load_installed(monkeypatch, "pilates")
    collected = get_plugins().call_each("register_evidence", thresholds=Thresholds())
    assert collected.get("pilates", []) == []
    rb = current_rule_base()
    assert rb.evidence["owen2020"].citation.startswith("Owen PJ et al.")
    activity = rb.index["pilates"]
    assert isinstance(activity, Activity)
    assert [link.evidence_id for link in activity.evidence] == ["owen2020"]


def test_pilates_eligibility_uses_the_chronic_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    load_installed(monkeypatch, "pilates")
    activity = current_rule_base().index["pilates"]
    assert isinstance(activity, Activity)
    assert "chronic_min_days" in activity.eligibility.describe()
    subacute = complete_screen(pain_duration_days=60, preferred_activities=["pilates"])
    assert "pilates" not in [r.id for r in spinerules.assess(subacute).recommendations]
    local = spinerules.assess(subacute, thresholds=Thresholds(chronic_min_days=56))
    assert local.recommendations[0].id == "pilates"


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"sex": "female", "pregnant": True}, "prenatal"),
        ({"osteoporosis": True}, "loaded spinal flexion"),
    ],
)
def test_pilates_cautions(
    monkeypatch: pytest.MonkeyPatch, answers: dict[str, Any], expected: str
) -> None:
    load_installed(monkeypatch, "pilates")
    a = spinerules.assess({**CHRONIC, **answers})
    pilates = next(r for r in a.recommendations if r.id == "pilates")
    assert any(expected in c for c in pilates.cautions), pilates.cautions
    plain = spinerules.assess(CHRONIC)
    assert next(r for r in plain.recommendations if r.id == "pilates").cautions == ()


def test_csl_evidence_source_adds_the_bibliography(monkeypatch: pytest.MonkeyPatch) -> None:
    load_installed(monkeypatch, "pilates,csl_evidence", SPINERULES_CSL_FILE=str(BIBLIOGRAPHY))
    evidence = current_rule_base().evidence
    assert set(evidence) >= BIBLIOGRAPHY_IDS | {"owen2020", "acp2017"}
    hayden = evidence["hayden2021"]
    assert hayden.citation == (
        "Hayden JA et al. Exercise therapy for chronic low back pain. "
        "Cochrane Database of Systematic Reviews 2021;9(9):CD009790"
    )
    assert hayden.grade is Grade.MODERATE and hayden.doi == "10.1002/14651858.CD009790.pub2"
    assert hayden.study_type.startswith("systematic review")
    foster = evidence["foster2018"]
    assert foster.citation == (
        "Foster NE et al. Prevention and treatment of low back pain: evidence, challenges, and "
        "promising directions. Lancet 2018;391(10137):2368-2383"
    )
    assert foster.doi == "10.1016/S0140-6736(18)30489-6"
    hartvigsen = evidence["hartvigsen2018"]  # no note: CSL type, no grade
    assert (hartvigsen.study_type, hartvigsen.grade) == ("journal article", None)
    assert get_plugins().failures == []


def test_csl_evidence_without_a_file_registers_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    manager = load_installed(monkeypatch, "csl_evidence")
    assert manager.call_each("register_evidence", thresholds=Thresholds())["csl_evidence"] == []
    assert not BIBLIOGRAPHY_IDS & set(current_rule_base().evidence)
    assert manager.failures == []


def test_another_plugin_can_cite_csl_evidence(monkeypatch: pytest.MonkeyPatch) -> None:
    class CitesHayden:
        @hookimpl
        def register_activities(self, register: Callable[[Any], None]) -> None:
            register(
                Activity(
                    id="graded_exercise",
                    name="Graded exercise therapy",
                    eligibility=ge("pain_duration_days", 85),
                    reason="Exercise therapy probably reduces chronic back pain.",
                    dose="Three sessions a week.",
                    progression="Add a little each week.",
                    evidence=[cite("hayden2021")],
                )
            )

    monkeypatch.setenv("SPINERULES_CSL_FILE", str(BIBLIOGRAPHY))
    csl = example_module("csl_evidence")
    manager = use_plugins((csl, "csl_evidence"), (CitesHayden(), "cites_hayden"))
    a = spinerules.assess(CHRONIC | {"preferred_activities": ["graded_exercise"]})
    assert manager.failures == []
    assert a.recommendations[0].id == "graded_exercise"
    assert a.recommendations[0].grade is Grade.MODERATE  # the source's own grade (C3)


def _bad_bibliographies() -> list[tuple[str, str, str]]:
    good = {"id": "ok2020", "title": "Fine", "issued": {"date-parts": [[2020]]}}
    cases = {
        "not_json": ("[{", "not valid JSON"),
        "not_array": (json.dumps({"items": []}), "must hold a JSON array"),
        "no_id": (json.dumps([good, {"title": "No id"}]), "item 2: no 'id'"),
        "no_title": (json.dumps([good, {"id": "x2020"}]), "item 2 (id 'x2020'): no 'title'"),
        "bad_grade": (
            json.dumps([{**good, "note": "grade: excellent"}]),
            "item 1 (id 'ok2020'): note line 'grade: excellent' is not a grade",
        ),
        "bad_date": (
            json.dumps([{**good, "issued": {"date-parts": "2020"}}]),
            "item 1 (id 'ok2020'): 'issued.date-parts'",
        ),
        "bad_author": (
            json.dumps([{**good, "author": [{"given": "Ann"}]}]),
            "item 1 (id 'ok2020'): an author has no 'family' name",
        ),
        "twice": (json.dumps([good, good]), "item 2 (id 'ok2020'): the id is used twice"),
    }
    return [(name, text, message) for name, (text, message) in cases.items()]


@pytest.mark.parametrize(("name", "content", "message"), _bad_bibliographies())
def test_a_bad_csl_file_is_reported_naming_the_file_and_item(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / f"{name}.json"
    path.write_text(content, encoding="utf-8")
    manager = load_installed(monkeypatch, "pilates,csl_evidence", SPINERULES_CSL_FILE=str(path))
    a = run_everything()
    assert a.urgency is Urgency.EMERGENCY and "ces_saddle" in [f.id for f in a.red_flags]
    assert failures(manager) == {("csl_evidence", "register_evidence")}
    error = manager.failures[0].error
    assert error.startswith("ValueError: ") and str(path) in error and message in error, error
    assert "pilates" in [x.id for x in current_rule_base().activities]  # others unaffected

    monkeypatch.setenv("SPINERULES_STRICT_PLUGINS", "1")
    reset_plugins()
    with pytest.raises(PluginError, match="csl_evidence"):
        run_everything()


def test_a_missing_csl_file_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    manager = load_installed(monkeypatch, "csl_evidence", SPINERULES_CSL_FILE=str(missing))
    run_everything()
    assert failures(manager) == {("csl_evidence", "register_evidence")}
    assert str(missing) in manager.failures[0].error


def test_a_csl_id_taken_by_a_builtin_is_rejected(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "clash.json"
    path.write_text(json.dumps([{"id": "owen2020", "title": "Copy", "type": "book"}]))
    manager = load_installed(monkeypatch, "csl_evidence", SPINERULES_CSL_FILE=str(path))
    assert current_rule_base().evidence["owen2020"].citation.startswith("Owen PJ")
    assert failures(manager) == {("csl_evidence", "validation")}
    assert "'owen2020' is already registered" in manager.failures[0].error


@pytest.mark.parametrize(
    ("item", "citation"),
    [
        (
            {
                "title": "Lumbar pain.",
                "author": [{"family": "Smith", "given": "Anne-Marie B."}],
                "container-title": "Spine",
                "issued": {"date-parts": [[2019, 1]]},
                "volume": 44,
                "page": "1-9",
            },
            "Smith A-MB. Lumbar pain. Spine 2019;44:1-9",
        ),
        (
            {
                "title": "Two authors",
                "author": [
                    {"family": "Shnayderman", "given": "I"},
                    {"family": "Katz-Leurer", "given": "M"},
                ],
                "container-title": "Clin Rehabil",
                "issued": {"raw": "March 2013"},
            },
            "Shnayderman I, Katz-Leurer M. Two authors. Clin Rehabil 2013",
        ),
        (
            {"title": "Low back pain and sciatica", "author": [{"literal": "NICE"}]},
            "NICE. Low back pain and sciatica.",
        ),
    ],
)
def test_csl_citation_format(item: dict[str, Any], citation: str) -> None:
    csl = example_module("csl_evidence")
    assert csl.format_citation(item) == citation


def test_csl_item_mapping() -> None:
    csl = example_module("csl_evidence")
    evidence = csl.to_evidence(
        {
            "id": "x2020",
            "type": "paper-conference",
            "title": "T",
            "DOI": "https://doi.org/10.1/abc",
            "note": "Imported from PubMed\nGrade: Very Low\nstudy_type: pilot RCT",
        }
    )
    assert evidence == Evidence("x2020", "T.", "pilot RCT", Grade.VERY_LOW, "10.1/abc")
    assert csl.to_evidence({"id": "y", "title": "T", "type": "paper-conference"}).study_type == (
        "conference paper"
    )


def test_block_plugins_removes_pilates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINERULES_BLOCK_PLUGINS", "pilates")
    manager = load_installed(monkeypatch, "pilates,csl_evidence")
    assert "pilates" not in [i.name for i in manager.info()]
    assert "pilates" not in [a.id for a in current_rule_base().activities]
    with pytest.raises(InvalidPatientState, match="preferred_activities"):
        spinerules.assess(CHRONIC)
    assert (
        current_rule_base().version == KNOWLEDGE_VERSION
    )  # csl_evidence without a file contributes nothing


def test_block_plugins_applies_when_every_plugin_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPINERULES_LOAD_PLUGINS")  # unset: every installed plugin
    monkeypatch.setenv("SPINERULES_BLOCK_PLUGINS", "pilates, csl_evidence")
    reset_plugins()
    names = [i.name for i in get_plugins().info()]
    assert "pilates" not in names and "csl_evidence" not in names


def test_load_plugins_empty_means_builtins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    manager = load_installed(monkeypatch, "", SPINERULES_CSL_FILE=str(BIBLIOGRAPHY))
    assert all(i.builtin for i in manager.info())
    rb = current_rule_base()
    assert rb.version == KNOWLEDGE_VERSION
    assert "pilates" not in [a.id for a in rb.activities]
    assert not BIBLIOGRAPHY_IDS & set(rb.evidence)
    a = spinerules.assess(complete_screen(pain_duration_days=200))
    assert a.urgency is Urgency.SELF_CARE and a.recommendations
    assert run_everything().urgency is Urgency.EMERGENCY
    assert manager.failures == []


def test_a_plugin_that_fails_to_import_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    real = metadata.entry_points
    broken = metadata.EntryPoint("broken", "spinerules_no_such_plugin_module", "spinerules")

    def entry_points(**kwargs: Any) -> Any:
        return [broken, *real(**kwargs)]

    monkeypatch.setattr(metadata, "entry_points", entry_points)
    monkeypatch.setenv("SPINERULES_LOAD_PLUGINS", "broken,pilates")
    reset_plugins()
    a = run_everything()
    manager = get_plugins()
    assert failures(manager) == {("broken", "import")}
    assert "ModuleNotFoundError" in manager.failures[0].error
    assert a.urgency is Urgency.EMERGENCY
    assert "pilates" in [x.id for x in current_rule_base().activities]

    monkeypatch.setenv("SPINERULES_STRICT_PLUGINS", "1")
    reset_plugins()
    with pytest.raises(PluginError, match="broken"):
        get_plugins()


# --- hostile in-process plugins ----------------------------------------------------------------


class RaisesEverywhere:
    """Raises in every hook of the contract."""

    @hookimpl
    def register_evidence(self, register: Callable[[Any], None]) -> None:
        raise RuntimeError("evidence boom")

    @hookimpl
    def register_red_flags(self, register: Callable[[Any], None]) -> None:
        raise RuntimeError("red flag boom")

    @hookimpl
    def register_activities(self, register: Callable[[Any], None]) -> None:
        register(_activity("half_registered"))  # contributions before the error are dropped too
        raise RuntimeError("activity boom")

    @hookimpl
    def register_advice_against(self, register: Callable[[Any], None]) -> None:
        raise RuntimeError("advice boom")

    @hookimpl
    def register_formats(self, register: Callable[..., None]) -> None:
        raise RuntimeError("format boom")

    @hookimpl
    def register_course_rules(self, register: Callable[[Any], None]) -> None:
        raise RuntimeError("course boom")


def _activity(activity_id: str, **changes: Any) -> Activity:
    fields: dict[str, Any] = {
        "id": activity_id,
        "name": "Hostile",
        "eligibility": ge("pain_duration_days", 0),
        "reason": "because",
        "dose": "daily",
        "progression": "more",
        "evidence": [cite("nice_ng59")],
    }
    fields.update(changes)
    return Activity(**fields)


class Registers:
    """A plugin that registers fixed contributions through one hook."""

    def __init__(self, hook: str, *items: Any) -> None:
        self.also(hook, *items)

    def also(self, hook: str, *items: Any) -> Registers:
        """Register ``items`` through ``hook`` too (a tuple is passed as positional arguments)."""

        def implementation(register: Callable[..., None]) -> None:
            for item in items:
                if isinstance(item, tuple):
                    register(*item)
                else:
                    register(item)

        setattr(self, hook, hookimpl(implementation))
        return self


def _replaces_ces_saddle() -> Registers:
    weaker = RedFlag(
        id="ces_saddle",
        family="cauda_equina",
        title="Saddle numbness (nothing to worry about)",
        tier=Urgency.SOON,  # the lowest tier a RedFlag can have; self_care is refused at construction
        action="Rest at home.",
        condition=yes("saddle_anaesthesia"),
        evidence=[cite("nice_ng59")],
    )
    return Registers("register_red_flags", weaker)


HOSTILE: dict[str, tuple[Callable[[], object], set[str]]] = {
    "raises_everywhere": (RaisesEverywhere, set(plugin_hook_names())),
    "replaces_ces_saddle": (_replaces_ces_saddle, {"validation"}),
    "activity_without_dose": (
        lambda: Registers("register_activities", _activity("no_dose", dose="  ")),
        {"validation"},
    ),
    "activity_unknown_evidence": (
        lambda: Registers(
            "register_activities", _activity("unknown_evidence", evidence=[cite("nobody2099")])
        ),
        {"validation"},
    ),
    "activity_seed_article_only": (
        lambda: Registers(
            "register_activities", _activity("seed_only", evidence=[cite("seed_article")])
        ),
        {"validation"},
    ),
    "activity_unknown_fact": (
        lambda: Registers(
            "register_activities", _activity("unknown_fact", eligibility=yes("likes_pilates"))
        ),
        {"validation"},
    ),
    "activity_unknown_flag": (
        lambda: Registers(
            "register_activities", _activity("unknown_flag", eligibility=flag("no_such_rule"))
        ),
        {"validation"},
    ),
    "activity_wrong_type": (
        lambda: Registers("register_activities", {"id": "dict_activity"}),
        {"validation"},
    ),
    "evidence_taken_id": (
        lambda: Registers("register_evidence", Evidence("owen2020", "Fake", "blog", Grade.HIGH)),
        {"validation"},
    ),
    "format_empty_name": (
        lambda: Registers("register_formats", ("", lambda assessment: "x")),
        {"validation"},
    ),
    "format_taken_name": (
        lambda: Registers("register_formats", ("text", lambda assessment: "hijacked")),
        {"validation"},
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_plugin_is_skipped_and_reported(name: str) -> None:
    make, stages = HOSTILE[name]
    manager = use_plugins((make(), name))
    a = run_everything()
    assert failures(manager) == {(name, stage) for stage in stages}
    assert all(f.error for f in manager.failures)
    # The core still works, all of it: CES is an emergency, with ces_saddle and its core action.
    assert a.urgency is Urgency.EMERGENCY
    saddle = next(f for f in a.red_flags if f.id == "ces_saddle")
    assert saddle.urgency is Urgency.EMERGENCY and saddle.action.startswith("Go to an emergency")
    rb = current_rule_base()
    assert rb.version == KNOWLEDGE_VERSION  # nothing of the plugin was kept
    assert rb.evidence["owen2020"].citation.startswith("Owen PJ")
    assert not {a.id for a in rb.activities} & {
        "half_registered",
        "no_dose",
        "unknown_evidence",
        "seed_only",
        "unknown_fact",
        "unknown_flag",
    }
    assert set(current_formats()) == {"text", "markdown", "json", "html", "fhir"}
    assert current_formats()["text"].plugin == "spinerules"
    # the core text format still leads with the emergency (formats are the lead's; read the
    # meaning, not the exact heading)
    text = render(a, "text")
    assert "emergency department" in text.lower().lstrip().splitlines()[0], text[:200]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_plugin_raises_in_strict_mode(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("SPINERULES_STRICT_PLUGINS", "1")
    make, _ = HOSTILE[name]
    use_plugins((make(), name))
    with pytest.raises(PluginError, match=re.escape(repr(name))):
        run_everything()


def test_a_raising_plugin_does_not_drop_other_plugins() -> None:
    pilates = example_module("pilates")
    manager = use_plugins((RaisesEverywhere(), "raises"), (pilates, "pilates"))
    a = spinerules.assess(CHRONIC)
    assert a.recommendations[0].id == "pilates"
    assert {p for p, _ in failures(manager)} == {"raises"}
    assert current_rule_base().version == f"{KNOWLEDGE_VERSION}+pilates"


def test_rejecting_a_plugin_drops_rules_that_cited_its_evidence() -> None:
    source = Registers(
        "register_evidence", Evidence("local2024", "Local audit 2024", "audit", Grade.LOW)
    ).also("register_activities", _activity("bad", dose=""))
    citing = Registers(
        "register_activities", _activity("cites_local", evidence=[cite("local2024")])
    )
    manager = use_plugins((source, "a_source"), (citing, "b_citing"))
    rb = current_rule_base()
    assert failures(manager) == {("a_source", "validation"), ("b_citing", "validation")}
    assert "local2024" not in rb.evidence and "cites_local" not in rb.index
    assert "unknown evidence 'local2024'" in manager.failures[-1].error


def test_cli_plugins_reports_failed_plugins(capsys: pytest.CaptureFixture[str]) -> None:
    use_plugins((RaisesEverywhere(), "raises_everywhere"), (_replaces_ces_saddle(), "replacer"))
    assert cli.main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "FAILED raises_everywhere (register_activities): RuntimeError: activity boom" in out
    assert "FAILED replacer (validation): RedFlag id 'ces_saddle' is already registered" in out


def test_a_misspelt_hook_name_is_an_error_at_registration() -> None:
    class Misspelt:
        @hookimpl
        def register_activites(self, register: Callable[[Any], None]) -> None:
            raise AssertionError("never called")

    class UnknownArgument:
        @hookimpl
        def register_activities(self, register: Callable[[Any], None], patient: Any) -> None:
            raise AssertionError("never called")

    manager = Plugins(load_entry_points=False)
    with pytest.raises(pluggy.PluginValidationError, match="register_activites"):
        manager.register(Misspelt(), "misspelt")
    with pytest.raises(pluggy.PluginValidationError, match="patient"):
        Plugins(load_entry_points=False).register(UnknownArgument(), "unknown_argument")


# --- valid in-process plugins: what each hook can add ------------------------------------------


class LocalPathway:
    """A local referral criterion: night pain at 50 or over goes to spinal triage today."""

    @hookimpl
    def register_red_flags(self, register: Callable[[Any], None], thresholds: Thresholds) -> None:
        register(
            RedFlag(
                id="local_night_pain_50",
                family="local_pathway",
                title="Night pain at 50 or over (local spinal pathway)",
                tier=Urgency.URGENT,
                timeframe=Timeframe.WITHIN_24H,
                action="Call the spinal triage team today (local pathway).",
                condition=yes("night_pain")
                & ge("age", thresholds.malignancy_age, "malignancy_age"),
                evidence=[cite("nice_ng12")],
            )
        )


@pytest.mark.parametrize("engine", ENGINES)
def test_local_red_flag_raises_urgency_when_it_fires(engine: str) -> None:
    case = complete_screen(age=55, night_pain=True)
    quiet = complete_screen(age=45, night_pain=True)
    before, before_quiet = (spinerules.assess(c, engine=engine) for c in (case, quiet))
    assert before.urgency < Urgency.URGENT and before.recommendations
    manager = use_plugins((LocalPathway(), "local_pathway"))
    after = spinerules.assess(case, engine=engine)
    assert manager.failures == []
    assert after.urgency is Urgency.URGENT
    local = next(f for f in after.red_flags if f.id == "local_night_pain_50")
    assert local.action.startswith("Call the spinal triage team")
    assert dict(local.inputs) == {"night_pain": True, "age": 55}
    assert after.recommendations == ()  # principle 1 applies to plugin flags too
    assert {f.id for f in before.red_flags} < {f.id for f in after.red_flags}  # add-only
    not_fired = spinerules.assess(quiet, engine=engine)
    assert not_fired.to_dict()["red_flags"] == before_quiet.to_dict()["red_flags"]
    assert not_fired.urgency is before_quiet.urgency
    ces = spinerules.assess(_cauda_equina(), engine=engine)
    assert ces.urgency is Urgency.EMERGENCY and ces.red_flags[0].id == "ces_saddle"


def test_plugin_red_flag_cannot_sit_below_soon() -> None:
    """A red flag at the lowest tier would put self_care findings in red_flags (the schema
    forbids it): the rule type refuses it, so no plugin can register one."""
    with pytest.raises(RuleBaseError, match="soon, urgent or emergency"):
        RedFlag(
            id="local_self_care_flag",
            family="local_pathway",
            title="Night pain",
            tier=Urgency.SELF_CARE,
            action="Mention it at your next visit.",
            condition=yes("night_pain"),
            evidence=[cite("nice_ng59")],
        )


def _local_soon_flag(**marks: Any) -> RedFlag:
    return RedFlag(
        id="local_night_pain_review",
        family="malignancy",
        title="Night pain (local pathway)",
        tier=Urgency.SOON,
        action="Make an appointment with your doctor (local pathway).",
        condition=yes("night_pain"),
        evidence=[cite("nice_ng12")],
        **marks,
    )


@pytest.mark.parametrize("limits_plan", [False, True], ids=["unmarked", "limits-plan"])
def test_plugin_soon_flag_limits_the_plan_only_when_marked(limits_plan: bool) -> None:
    """Principle 2 (R3-7): only flags marked *(limits plan)* limit the plan, a plugin's too; the
    family alone decides nothing (revision 2 limited every soon flag of a serious family), and a
    clinician clearance lifts the limit per flag, plugin flags included."""
    flag_ = _local_soon_flag(limits_plan=limits_plan)
    manager = use_plugins((Registers("register_red_flags", flag_), "local_soon"))
    state = complete_screen(pain_duration_days=200, night_pain=True)
    a = spinerules.assess(state)
    assert manager.failures == []
    finding = next(f for f in a.red_flags if f.id == "local_night_pain_review")
    assert finding.limits_plan is limits_plan
    ids = {r.id for r in a.recommendations}
    if limits_plan:
        assert ids == {"stay_active", "walking"}
        assert a.advice_against == ()
    else:
        assert {"yoga", "group_exercise", "reassurance"} <= ids
    cleared = spinerules.assess({**state, "clinician_cleared_flags": ["local_night_pain_review"]})
    assert "local_night_pain_review" not in [f.id for f in cleared.red_flags]
    assert any(w.id == "local_night_pain_review" and w.cleared for w in cleared.watch)
    assert {"yoga", "group_exercise", "reassurance"} <= {r.id for r in cleared.recommendations}


def test_plugin_flag_cannot_be_reviewable_and_limit_the_plan() -> None:
    """C7: a reviewable flag never limits the plan, so the rule type refuses both marks."""
    with pytest.raises(RuleBaseError, match="reviewable"):
        _local_soon_flag(reviewable=True, limits_plan=True)


def test_plugin_safety_net_card_is_added_beside_the_core_cards() -> None:
    """C18: cards are data; a plugin may add one (through ``register_red_flags``), shown by its
    own condition, after the core cards and never instead of them (principle 5)."""
    from spinerules.rules import ConditionalText, SafetyNetCard

    card = SafetyNetCard(
        id="local_night_pain_card",
        title="Local pathway: call the spinal triage team if:",
        items=(ConditionalText("the pain wakes you every night for a week"),),
        tiers=(Urgency.SOON, Urgency.SELF_CARE),
        evidence=[cite("nice_ng12")],
        when=yes("night_pain"),
    )
    core = [c.id for c in spinerules.assess(complete_screen(night_pain=True)).safety_net]
    manager = use_plugins((Registers("register_red_flags", card), "local_card"))
    with_pain = [c.id for c in spinerules.assess(complete_screen(night_pain=True)).safety_net]
    without = [c.id for c in spinerules.assess(complete_screen(night_pain=False)).safety_net]
    assert manager.failures == []
    assert with_pain == [*core, "local_night_pain_card"]
    assert "local_night_pain_card" not in without and "cauda_equina_signs" in without


def test_plugin_advice_against_joins_its_profile() -> None:
    item = AdviceAgainst(
        id="local_no_inversion_tables",
        profile="nice",
        scope="low_back_pain",
        text="Do not buy an inversion table for back pain.",
        evidence=[cite("nice_ng59", "guideline")],
    )
    manager = use_plugins((Registers("register_advice_against", item), "local_advice"))
    nice = spinerules.assess(CHRONIC | {"preferred_activities": []}, profile="nice")
    acp = spinerules.assess(CHRONIC | {"preferred_activities": []}, profile="acp")
    assert manager.failures == []
    assert "local_no_inversion_tables" in [x.id for x in nice.advice_against]
    assert "local_no_inversion_tables" not in [x.id for x in acp.advice_against]
    emergency = spinerules.assess(_cauda_equina())
    assert emergency.advice_against == ()


def test_plugin_advice_against_for_a_new_profile_can_be_selected() -> None:
    """hookspecs.register_advice_against: ``profile`` names ``nice``, ``acp`` or a new one."""
    item = AdviceAgainst(
        id="local_no_bed_rest",
        profile="local",
        scope="both",
        text="Do not rest in bed for back pain.",
        evidence=[cite("nice_ng59", "guideline")],
    )
    use_plugins((Registers("register_advice_against", item), "local_profile"))
    a = spinerules.assess(CHRONIC | {"preferred_activities": []}, profile="local")
    assert [x.id for x in a.advice_against] == ["local_no_bed_rest"]


def test_plugin_format_renders_and_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    def render_flags(assessment: spinerules.Assessment, *, separator: str = ",") -> str:
        # A format must lead with the urgency's headline and carry every red flag and the
        # disclaimer (spinerules.render checks, docs/plugins.md "The format contract").
        ids = separator.join(f.id for f in assessment.red_flags)
        return f"{headline(assessment)}\n{ids}\n{assessment.disclaimer}\n"

    good = Registers("register_formats", ("flag-ids", render_flags))
    nameless = Registers("register_formats", render_flags)  # no name: rejected, alone
    manager = use_plugins((good, "flag_ids"), (nameless, "no_name"))
    formats = current_formats()
    assert formats["flag-ids"].plugin == "flag_ids"
    assert formats["flag-ids"].media_type == "text/plain"
    a = spinerules.assess(_cauda_equina())
    assert render(a, "flag-ids", separator=" ") == (
        f"{headline(a)}\nces_saddle ces_bladder ces_bilateral_legs\n{a.disclaimer}\n"
    )
    assert failures(manager) == {("no_name", "validation")}
    assert cli.main(["formats"]) == 0
    assert "flag-ids\ttext/plain\tflag_ids\t" in capsys.readouterr().out
    path = str(PATIENTS / "emergency_cauda_equina.json")
    assert cli.main(["assess", path, "--format", "flag-ids"]) == 0
    assert capsys.readouterr().out == (
        f"{headline(a)}\nces_saddle,ces_bladder,ces_bilateral_legs\n{a.disclaimer}\n"
    )


def test_plugin_order_does_not_depend_on_registration_order() -> None:
    """Built-ins first, then plugins by name (pluggy#250): the rule base hash is stable."""
    first = Registers("register_activities", _activity("zz_first"))
    second = Registers("register_activities", _activity("aa_second"))
    use_plugins((first, "b_plugin"), (second, "a_plugin"))
    one = current_rule_base()
    use_plugins((second, "a_plugin"), (first, "b_plugin"))
    other = current_rule_base()
    assert [a.id for a in one.activities][-2:] == ["aa_second", "zz_first"]
    assert one.hash == other.hash and one.version == f"{KNOWLEDGE_VERSION}+a_plugin+b_plugin"


# --- every hook has a test here and a section in docs/plugins.md (datasette) -------------------

HOOK_TESTS: dict[str, list[str]] = {
    "register_evidence": [
        "test_csl_evidence_source_adds_the_bibliography",
        "test_another_plugin_can_cite_csl_evidence",
        "test_a_bad_csl_file_is_reported_naming_the_file_and_item",
        "test_rejecting_a_plugin_drops_rules_that_cited_its_evidence",
    ],
    "register_red_flags": [
        "test_local_red_flag_raises_urgency_when_it_fires",
        "test_plugin_red_flag_cannot_sit_below_soon",
        "test_hostile_plugin_is_skipped_and_reported",
    ],
    "register_activities": [
        "test_pilates_is_recommended_first_for_chronic_pain",
        "test_another_plugin_can_cite_csl_evidence",
        "test_hostile_plugin_is_skipped_and_reported",
    ],
    "register_advice_against": [
        "test_plugin_advice_against_joins_its_profile",
        "test_plugin_advice_against_for_a_new_profile_can_be_selected",
    ],
    "register_formats": [
        "test_plugin_format_renders_and_is_listed",
        "test_hostile_plugin_is_skipped_and_reported",
    ],
    # more in tests/test_course_plugins.py
    "register_course_rules": [
        "test_plugin_course_rule_joins_the_course_rules",
        "test_hostile_plugin_is_skipped_and_reported",
    ],
}


def test_plugin_course_rule_joins_the_course_rules() -> None:
    from spinerules.course import CourseRule, this
    from spinerules.course.registry import course_rule_base

    class HighPain:
        @hookimpl
        def register_course_rules(self, register: Callable[[Any], None]) -> None:
            register(
                CourseRule(
                    id="local_high_pain",
                    title="Very high pain",
                    condition=ge(this("pain"), 9),
                    effect="review",
                    tier=Urgency.SOON,
                    text="Your pain is very high: book a review.",
                    evidence=(cite("nice_ng59"),),
                )
            )

    manager = use_plugins((HighPain(), "high_pain"))
    try:
        ids = [r.id for r in course_rule_base(current_rule_base(), plugins=manager).rules]
        assert ids[-1] == "local_high_pain" and "checkin_pain_worsening" in ids
    finally:
        reset_plugins()


def test_every_hook_has_a_test() -> None:
    assert set(HOOK_TESTS) == set(plugin_hook_names()), "add the new hook and its tests here"
    module = sys.modules[__name__]
    for hook, names in HOOK_TESTS.items():
        assert names, f"{hook} has no test"
        for name in names:
            assert callable(getattr(module, name, None)), f"{hook}: no test function {name}"


@pytest.mark.parametrize("hook", plugin_hook_names())
def test_every_hook_is_documented(hook: str) -> None:
    page = ROOT / "docs" / "plugins.md"
    assert page.exists(), "docs/plugins.md is missing"
    headings = re.findall(r"^###\s+`?(\w+)", page.read_text(encoding="utf-8"), re.MULTILINE)
    assert hook in headings, f"docs/plugins.md has no '### {hook}' section"
