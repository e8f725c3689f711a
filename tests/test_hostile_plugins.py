"""Hostile plugins (issue 8, items 2, 4 and 9): every one is dropped alone and the core stands.

Two halves:

* installed plugins, for real: each is written as a module plus a ``<name>-0.1.dist-info``
  (``METADATA``, ``entry_points.txt`` in the group ``spinerules``) into a temporary directory put
  on ``PYTHONPATH``, and the CLI runs in a subprocess (``python -m spinerules assess``). For each,
  the cauda-equina case is still an emergency on stdout, the exit status is 0, stderr has one
  warning line naming the plugin, and ``ruleset.plugins_dropped`` says who and why;
* in-process tests of the registry logic (both engines where it matters), which are faster.

What isolation protects against is a plugin's *mistakes*; a plugin that sets out to patch
spinerules in-process is out of its reach (docs/plugins.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import spinerules
from spinerules.api import render
from spinerules.conditions import AllOf, Condition, at_least, ge, yes
from spinerules.errors import RenderError, RuleBaseError
from spinerules.facts import fact_kinds
from spinerules.hookspecs import hookimpl
from spinerules.levels import Grade, Urgency
from spinerules.output_schema import assessment_schema
from spinerules.plugins import PluginError, Plugins
from spinerules.registry import current_formats, current_rule_base, reset_plugins
from spinerules.rules import Activity, ConditionalText, Evidence, RedFlag, cite
from spinerules.thresholds import Thresholds

ROOT = Path(__file__).resolve().parent.parent
CES_FILE = ROOT / "examples" / "patients" / "emergency_cauda_equina.json"
CES: dict[str, Any] = json.loads(CES_FILE.read_text(encoding="utf-8"))
ENGINES = [e for e in ("durable", "python") if e == "python" or spinerules.durable_available()]
BOOLEANS = [key for key, (kind, _) in fact_kinds().items() if kind == "bool"][:32]
WEIGHT_LOSS_AT_60: dict[str, Any] = {
    "age": 60,
    "unexplained_weight_loss": True,
    "pain_duration_days": 10,
}
TRAUMA_3_DAYS_AGO: dict[str, Any] = {
    "age": 40,
    "major_trauma": True,
    "trauma_days_ago": 3,
    "pain_duration_days": 3,
}


@pytest.fixture(autouse=True)
def fresh_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SPINERULES_LOAD_PLUGINS", "")
    monkeypatch.delenv("SPINERULES_STRICT_PLUGINS", raising=False)
    monkeypatch.delenv("SPINERULES_BLOCK_PLUGINS", raising=False)
    reset_plugins()
    yield
    reset_plugins()


# --- installed plugins, through the CLI in a subprocess -----------------------------------------

_HEAD = """\
from spinerules.conditions import at_least, ge, yes
from spinerules.hookspecs import hookimpl
from spinerules.levels import Grade, Urgency
from spinerules.rules import Activity, Evidence, RedFlag, cite


def flag(**changes):
    fields = dict(id="hostile_flag", family="hostile", title="Hostile", tier=Urgency.SOON,
                  action="See your doctor.", condition=yes("night_pain"),
                  evidence=[cite("nice_ng59")])
    fields.update(changes)
    return RedFlag(**fields)


def activity(**changes):
    fields = dict(id="hostile_activity", name="Hostile", eligibility=ge("pain_duration_days", 0),
                  reason="because", dose="daily", progression="more",
                  evidence=[cite("nice_ng59")])
    fields.update(changes)
    return Activity(**fields)
"""

#: entry-point name -> (module body, the stage it is dropped at)
INSTALLED: dict[str, tuple[str, str]] = {
    "exit_at_import": ("raise SystemExit(3)\n", "import"),
    "exit_in_hook": (
        "@hookimpl\ndef register_red_flags(register):\n    raise SystemExit(0)\n",
        "register_red_flags",
    ),
    "base_exception_in_hook": (
        "class Boom(BaseException):\n    pass\n\n\n"
        "@hookimpl\ndef register_activities(register):\n    raise Boom('no')\n",
        "register_activities",
    ),
    "mutates_thresholds": (
        "@hookimpl\ndef register_evidence(thresholds):\n"
        "    object.__setattr__(thresholds, 'malignancy_age', 99)\n"
        "    object.__setattr__(thresholds, 'fracture_recent_trauma_days', 0)\n",
        "register_evidence",
    ),
    "plain_string_evidence": (
        "@hookimpl\ndef register_red_flags(register):\n    register(flag(evidence='nice_ng59'))\n",
        "register_red_flags",
    ),
    "tier_as_string": (
        "@hookimpl\ndef register_red_flags(register):\n    register(flag(tier='urgent'))\n",
        "register_red_flags",
    ),
    "grade_as_string": (
        "@hookimpl\ndef register_evidence(register):\n"
        "    register(Evidence('hostile2026', 'Hostile 2026', 'blog', grade='low'))\n",
        "register_evidence",
    ),
    "plain_string_cautions": (
        "@hookimpl\ndef register_activities(register):\n"
        "    register(activity(cautions='Stop if it hurts.'))\n",
        "register_activities",
    ),
    "misspelt_hook": (
        "@hookimpl\ndef register_activites(register):\n    raise AssertionError('never called')\n",
        "hooks",
    ),
    "rules_too_wide": (
        f"SIGNS = {BOOLEANS!r}\n\n\n"
        "@hookimpl\ndef register_red_flags(register):\n"
        "    for n in range(8):\n"
        "        register(flag(id=f'wide_{n}', condition=at_least(2, *map(yes, SIGNS))))\n",
        "compile",
    ),
}
#: A plugin whose format raises: not dropped (its rules are fine), its format fails alone.
FORMAT_RAISES = (
    "@hookimpl\ndef register_formats(register):\n"
    "    def boom(assessment, **options):\n        raise SystemExit(0)\n"
    "    register('boom', boom, description='always fails')\n"
)


def _install(site: Path, name: str, body: str) -> None:
    module = f"spinerules_hostile_{name}"
    (site / f"{module}.py").write_text(
        (_HEAD if name != "exit_at_import" else "") + "\n\n" + body, encoding="utf-8"
    )
    info = site / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(f"[spinerules]\n{name} = {module}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of installed hostile plugins (one distribution each)."""
    root = tmp_path_factory.mktemp("hostile_site")
    for name, (body, _) in INSTALLED.items():
        _install(root, name, body)
    _install(root, "format_raises", FORMAT_RAISES)
    return root


def _cli(site: Path, *args: str, load: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPINERULES_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [env.get("PYTHONPATH")])])
    if load is not None:
        env["SPINERULES_LOAD_PLUGINS"] = load
    return subprocess.run(
        [sys.executable, "-m", "spinerules", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def _warnings(stderr: str) -> dict[str, str]:
    """plugin -> stage, from the CLI's ``spinerules: warning: plugin X was dropped (stage)``."""
    found = {}
    for line in stderr.splitlines():
        assert line.startswith("spinerules: warning: plugin "), stderr  # nothing else on stderr
        name, rest = line.removeprefix("spinerules: warning: plugin ").split(" was dropped (", 1)
        found[name] = rest.split(")", 1)[0]
    return found


def _assert_emergency(stdout: str) -> dict[str, Any]:
    result = json.loads(stdout)
    jsonschema.Draft202012Validator(assessment_schema()).validate(result)
    assert result["urgency"] == "emergency"
    assert result["red_flags"][0]["family"] == "cauda_equina"
    assert "ces_saddle" in {f["id"] for f in result["red_flags"]}
    return result


@pytest.mark.parametrize("name", sorted(INSTALLED))
def test_an_installed_hostile_plugin_is_dropped_and_reported(site: Path, name: str) -> None:
    run = _cli(site, "assess", str(CES_FILE), "--format", "json", load=name)
    assert run.returncode == 0, run.stderr
    assert _warnings(run.stderr) == {name: INSTALLED[name][1]}
    result = _assert_emergency(run.stdout)
    dropped = result["ruleset"]["plugins_dropped"]
    assert [(d["name"], d["stage"]) for d in dropped] == [(name, INSTALLED[name][1])]
    assert dropped[0]["reason"]
    assert result["ruleset"]["version"] == spinerules.assess(CES).ruleset.version  # core only


def test_every_installed_plugin_at_once(site: Path) -> None:
    """``SPINERULES_LOAD_PLUGINS`` unset: every installed plugin loads; each hostile one is
    dropped alone and the working ones (format_raises' rules-free plugin, the examples) stay."""
    run = _cli(site, "assess", str(CES_FILE), "--format", "json", load=None)
    assert run.returncode == 0, run.stderr
    assert _warnings(run.stderr) == {name: stage for name, (_, stage) in INSTALLED.items()}
    result = _assert_emergency(run.stdout)
    assert {d["name"] for d in result["ruleset"]["plugins_dropped"]} == set(INSTALLED)


def test_a_format_that_raises_fails_alone(site: Path) -> None:
    """Asking for the broken format: status 1 and one line naming format and plugin (never a
    silent exit 0, never a traceback). Any other format still works with that plugin loaded."""
    broken = _cli(site, "assess", str(CES_FILE), "--format", "boom", load="format_raises")
    assert broken.returncode == 1
    assert broken.stdout == ""
    assert broken.stderr.strip() == (
        "spinerules: error: format 'boom' (format_raises) failed: PluginError: SystemExit: 0"
    )
    text = _cli(site, "assess", str(CES_FILE), load="format_raises")
    assert text.returncode == 0 and text.stderr == ""
    assert "emergency department" in text.stdout.lower().splitlines()[0]


# --- in process: thresholds handed to a plugin (item 2) ------------------------------------------


def use_plugins(*plugins: tuple[object, str]) -> Plugins:
    manager = Plugins(load_entry_points=False)
    for plugin, name in plugins:
        manager.register(plugin, name)
    reset_plugins(manager)
    return manager


def stages(manager: Plugins) -> dict[str, str]:
    """plugin -> the stage it was first dropped at (later hooks of it are still called)."""
    found: dict[str, str] = {}
    for failure in manager.failures:
        found.setdefault(failure.plugin, failure.stage)
    return found


class MutatesThresholds:
    """Changes the thresholds it is handed in every hook that takes them."""

    def __init__(self, how: Callable[[Thresholds], None]) -> None:
        self.how = how

    @hookimpl
    def register_evidence(self, thresholds: Thresholds) -> None:
        self.how(thresholds)

    @hookimpl
    def register_red_flags(self, thresholds: Thresholds) -> None:
        self.how(thresholds)


def _raise_cut_offs(thresholds: Thresholds) -> None:
    object.__setattr__(thresholds, "malignancy_age", 99)
    object.__setattr__(thresholds, "fracture_recent_trauma_days", 0)


def _delete_cut_off(thresholds: Thresholds) -> None:
    object.__delattr__(thresholds, "malignancy_age")


def _float_cut_off(thresholds: Thresholds) -> None:
    object.__setattr__(thresholds, "malignancy_age", 50.0)  # equal, but not what was handed


@pytest.mark.parametrize("how", [_raise_cut_offs, _delete_cut_off, _float_cut_off])
@pytest.mark.parametrize("engine", ENGINES)
def test_a_plugin_changing_its_thresholds_cannot_change_core_red_flags(
    engine: str, how: Callable[[Thresholds], None]
) -> None:
    before = {
        "weight": spinerules.assess(WEIGHT_LOSS_AT_60, engine=engine),
        "trauma": spinerules.assess(TRAUMA_3_DAYS_AGO, engine=engine),
    }
    manager = use_plugins((MutatesThresholds(how), "mutates"))
    weight = spinerules.assess(WEIGHT_LOSS_AT_60, engine=engine)
    trauma = spinerules.assess(TRAUMA_3_DAYS_AGO, engine=engine)
    assert stages(manager) == {"mutates": "register_evidence"}
    assert "changed the thresholds it was handed" in manager.failures[0].error
    assert "malignancy_weight_loss_age" in {f.id for f in weight.red_flags}
    major = next(f for f in trauma.red_flags if f.id == "fracture_major_trauma")
    assert major.urgency is Urgency.EMERGENCY  # trauma within fracture_recent_trauma_days (7)
    assert weight.to_dict()["red_flags"] == before["weight"].to_dict()["red_flags"]
    assert trauma.to_dict()["red_flags"] == before["trauma"].to_dict()["red_flags"]
    assert Thresholds().malignancy_age == 50 and Thresholds().fracture_recent_trauma_days == 7
    assert [d.name for d in weight.ruleset.plugins_dropped] == ["mutates"]


def test_the_callers_thresholds_build_the_core_and_are_never_handed_out() -> None:
    seen: list[Thresholds] = []

    class Records:
        @hookimpl
        def register_red_flags(self, thresholds: Thresholds) -> None:
            seen.append(thresholds)
            _raise_cut_offs(thresholds)

    use_plugins((Records(), "records"))
    mine = Thresholds(malignancy_age=55)
    rule_base = current_rule_base(mine)
    assert rule_base.thresholds is mine and mine.malignancy_age == 55
    assert seen and all(t is not mine for t in seen)
    older = spinerules.assess({**WEIGHT_LOSS_AT_60, "age": 56}, thresholds=mine)
    younger = spinerules.assess({**WEIGHT_LOSS_AT_60, "age": 54}, thresholds=mine)
    assert "malignancy_weight_loss_age" in {f.id for f in older.red_flags}
    assert "malignancy_weight_loss_age" not in {f.id for f in younger.red_flags}


def test_a_plugin_keeping_register_cannot_add_later() -> None:
    kept: list[Callable[[Any], None]] = []

    class Sneaky:
        @hookimpl
        def register_evidence(self, register: Callable[[Any], None]) -> None:
            kept.append(register)

        @hookimpl
        def register_red_flags(self) -> None:
            kept[0](Evidence("late2026", "Late", "blog", Grade.HIGH))

    manager = use_plugins((Sneaky(), "sneaky"))
    assert "late2026" not in current_rule_base().evidence
    assert stages(manager) == {"sneaky": "register_red_flags"}
    assert "after the hook returned" in manager.failures[0].error


def test_a_contribution_changed_after_registering_does_not_change_the_rule_base() -> None:
    mine: list[RedFlag] = []

    class Changes:
        @hookimpl
        def register_red_flags(self, register: Callable[[Any], None]) -> None:
            mine.append(_flag("local_changes"))
            register(mine[0])

        @hookimpl
        def register_activities(self) -> None:
            object.__setattr__(mine[0], "tier", Urgency.SOON)
            object.__setattr__(mine[0], "condition", yes("fever"))

    use_plugins((Changes(), "changes"))
    kept = current_rule_base().index["local_changes"]
    assert isinstance(kept, RedFlag)
    assert kept.tier is Urgency.EMERGENCY and kept.condition == yes("night_pain")


# --- in process: every BaseException is isolated (item 4) ----------------------------------------


class _Custom(BaseException):
    pass


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise SystemExit("from __str__")


def _raiser(error: BaseException, hook: str) -> object:
    class Raises:
        pass

    def implementation(register: Callable[..., None]) -> None:
        raise error

    setattr(Raises, hook, staticmethod(hookimpl(implementation)))
    return Raises()


RULE_HOOKS = ["register_evidence", "register_red_flags", "register_activities"]
ERRORS = [SystemExit(0), SystemExit("bye"), GeneratorExit(), _Custom("custom"), _Unprintable()]


@pytest.mark.parametrize("hook", [*RULE_HOOKS, "register_advice_against"])
@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_any_base_exception_in_a_hook_drops_only_that_plugin(
    hook: str, error: BaseException
) -> None:
    manager = use_plugins((_raiser(error, hook), "raiser"))
    assessment = spinerules.assess(CES, engine="python")
    assert stages(manager) == {"raiser": hook}
    assert manager.failures[0].error.startswith(type(error).__name__)
    assert assessment.urgency is Urgency.EMERGENCY
    assert [(d.name, d.stage) for d in assessment.ruleset.plugins_dropped] == [("raiser", hook)]


def test_keyboard_interrupt_is_not_swallowed() -> None:
    use_plugins((_raiser(KeyboardInterrupt(), "register_red_flags"), "interrupts"))
    with pytest.raises(KeyboardInterrupt):
        current_rule_base()


def test_a_base_exception_raises_in_strict_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPINERULES_STRICT_PLUGINS", "1")
    use_plugins((_raiser(SystemExit(0), "register_red_flags"), "exits"))
    with pytest.raises(PluginError, match="'exits' failed in register_red_flags: SystemExit"):
        current_rule_base()


def test_a_format_raising_a_base_exception_is_a_render_error() -> None:
    def boom(assessment: Any, **options: Any) -> str:
        raise GeneratorExit

    class Formats:
        @hookimpl
        def register_formats(self, register: Callable[..., None]) -> None:
            register("boom", boom)

    use_plugins((Formats(), "formats"))
    assessment = spinerules.assess(CES, engine="python")
    with pytest.raises(RenderError, match=r"'boom' \(formats\) failed: PluginError: GeneratorExit"):
        render(assessment, "boom")
    assert "not a diagnosis" in render(assessment, "text")


def test_an_installed_plugin_with_a_misspelt_hook_is_dropped_not_fatal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _install(tmp_path, "misspelt_hook", INSTALLED["misspelt_hook"][0])
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SPINERULES_LOAD_PLUGINS", "misspelt_hook")
    from importlib import metadata

    monkeypatch.setattr(
        metadata,
        "entry_points",
        lambda **kw: metadata.distributions(path=[str(tmp_path)]).__next__().entry_points,
    )
    manager = Plugins()
    assert stages(manager) == {"misspelt_hook": "hooks"}
    assert "did you mean 'register_activities'" in manager.failures[0].error
    assert "misspelt_hook" not in {p.name for p in manager.info()}
    reset_plugins(manager)
    assert spinerules.assess(CES).urgency is Urgency.EMERGENCY


# --- in process: contributions are validated where they are built (item 9) ----------------------


def _flag(flag_id: str, **changes: Any) -> RedFlag:
    fields: dict[str, Any] = {
        "id": flag_id,
        "family": "local",
        "title": "Local flag",
        "tier": Urgency.EMERGENCY,
        "action": "Go now.",
        "condition": yes("night_pain"),
        "evidence": [cite("nice_ng59")],
    }
    fields.update(changes)
    return RedFlag(**fields)


def _activity(**changes: Any) -> Activity:
    fields: dict[str, Any] = {
        "id": "local_activity",
        "name": "Local",
        "eligibility": ge("pain_duration_days", 0),
        "reason": "because",
        "dose": "daily",
        "progression": "more",
        "evidence": [cite("nice_ng59")],
    }
    fields.update(changes)
    return Activity(**fields)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: Evidence("x", "X", "blog", "low"),  # type: ignore[arg-type]
            "Evidence 'x': grade is 'low'; write Grade.LOW; expected one of Grade.",
        ),
        (
            lambda: Evidence("x", "X", "blog", "poor"),  # type: ignore[arg-type]
            "Evidence 'x': grade is 'poor'; expected one of Grade.EXPERT_OPINION",
        ),
        (
            lambda: _flag("f", tier="urgent"),
            "RedFlag 'f': tier is 'urgent'; write Urgency.URGENT; expected one of Urgency.",
        ),
        (
            lambda: _flag("f", evidence="nice_ng59"),
            "RedFlag 'f': evidence is a plain string 'nice_ng59'; expected a list of EvidenceLink",
        ),
        (
            lambda: _flag("f", evidence=["nice_ng59"]),
            "RedFlag 'f': evidence holds 'nice_ng59'; expected EvidenceLink values (write cite(",
        ),
        (
            lambda: _flag("f", condition=True),
            "RedFlag 'f': condition is True; expected a condition",
        ),
        (lambda: _flag("f", limits_plan="yes"), "RedFlag 'f': limits_plan is 'yes'; expected True"),
        (
            lambda: _activity(cautions="Stop if it hurts."),
            "Activity 'local_activity': cautions is a plain string 'Stop if it hurts.'",
        ),
        (
            lambda: _activity(dose=None),
            "Activity 'local_activity': dose is None; expected a string",
        ),
        (
            lambda: ConditionalText("x", when="fever"),  # type: ignore[arg-type]
            "ConditionalText: when is 'fever'; expected a condition (spinerules.conditions) or None",
        ),
    ],
)
def test_a_bad_contribution_is_refused_where_it_is_built(
    make: Callable[[], object], message: str
) -> None:
    with pytest.raises(RuleBaseError) as caught:
        make()
    assert str(caught.value).startswith(message), str(caught.value)


def test_plain_strings_in_a_caution_list_are_unconditional_cautions() -> None:
    activity = _activity(
        cautions=["Stop if it hurts.", ConditionalText("Slow down.", yes("fever"))]
    )
    assert activity.cautions == (
        ConditionalText("Stop if it hurts."),
        ConditionalText("Slow down.", yes("fever")),
    )


class _Checkless(RedFlag):
    """A subclass that hides its condition from the engines."""

    def checks(self) -> list[tuple[str, Condition]]:
        return []


def _setattr(item: Any, **changes: Any) -> Any:
    for name, value in changes.items():
        object.__setattr__(item, name, value)
    return item


def _nested(depth: int) -> Condition:
    condition: Condition = yes("night_pain")
    for _ in range(depth):
        condition = AllOf((condition, yes("fever")))
    return condition


SMUGGLED: dict[str, tuple[Callable[[], object], str]] = {
    "subclass": (lambda: _Checkless(**_flag("sub").__getstate__()), "expected RedFlag"),
    "tier_set_to_a_string": (
        lambda: _setattr(_flag("str_tier"), tier="urgent"),
        "tier is 'urgent'",
    ),
    "title_set_to_an_object": (
        lambda: _setattr(_flag("obj_title"), title=object()),
        "RedFlag #1.title is object",
    ),
    "evidence_set_to_a_list": (
        lambda: _setattr(_flag("list_evidence"), evidence=[cite("nice_ng59")]),
        "RedFlag #1.evidence is list",
    ),
    "nested_too_deeply": (lambda: _flag("deep", condition=_nested(80)), "nested more than 64"),
}


@pytest.mark.parametrize("name", sorted(SMUGGLED))
def test_a_contribution_changed_or_subclassed_before_registering_is_refused(name: str) -> None:
    make, message = SMUGGLED[name]

    class Smuggles:
        @hookimpl
        def register_red_flags(self, register: Callable[[Any], None]) -> None:
            register(make())

    manager = use_plugins((Smuggles(), name))
    assert spinerules.assess(CES, engine="python").urgency is Urgency.EMERGENCY
    assert stages(manager) == {name: "validation"}
    assert message in manager.failures[0].error


# --- in process: each plugin's rules compile on their own, on both engines (item 9) --------------


class WideFlags:
    """Eight red flags of "2 of 32 signs": 3,968 durable rules."""

    @hookimpl
    def register_red_flags(self, register: Callable[[Any], None]) -> None:
        for n in range(8):
            register(_flag(f"wide_{n}", condition=at_least(2, *map(yes, BOOLEANS))))


class TooManyAlternatives:
    """One red flag of "3 of 32 signs": 4,960 alternatives, past durable's per-rule cap."""

    @hookimpl
    def register_red_flags(self, register: Callable[[Any], None]) -> None:
        register(_flag("three_of_32", condition=at_least(3, *map(yes, BOOLEANS))))


class Fine:
    @hookimpl
    def register_red_flags(self, register: Callable[[Any], None]) -> None:
        register(_flag("local_fine", condition=yes("night_pain") & ge("age", 50)))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_plugin_whose_rules_cannot_compile_is_dropped_alone(engine: str) -> None:
    manager = use_plugins(
        (WideFlags(), "wide"), (TooManyAlternatives(), "alternatives"), (Fine(), "fine")
    )
    ces = spinerules.assess(CES, engine=engine)
    assert stages(manager) == {"wide": "compile", "alternatives": "compile"}
    errors = {f.plugin: f.error for f in manager.failures}
    assert "3968 durable rules (limit 2048 per plugin)" in errors["wide"]
    assert "4960 alternatives" in errors["alternatives"]
    assert ces.urgency is Urgency.EMERGENCY
    saddle = next(f for f in ces.red_flags if f.id == "ces_saddle")
    assert saddle.urgency is Urgency.EMERGENCY
    local = spinerules.assess({**WEIGHT_LOSS_AT_60, "night_pain": True}, engine=engine)
    assert "local_fine" in {f.id for f in local.red_flags}
    assert {d.name for d in local.ruleset.plugins_dropped} == {"wide", "alternatives"}
    assert current_rule_base().version.endswith("+fine")


def test_plugins_reading_each_other_in_a_cycle_are_dropped_not_fatal() -> None:
    from spinerules.conditions import flag

    class A:
        @hookimpl
        def register_red_flags(self, register: Callable[[Any], None]) -> None:
            register(_flag("a_flag", condition=flag("b_flag")))

    class B:
        @hookimpl
        def register_red_flags(self, register: Callable[[Any], None]) -> None:
            register(_flag("b_flag", condition=flag("a_flag")))

    manager = use_plugins((A(), "a"), (B(), "b"), (Fine(), "fine"))
    assert spinerules.assess(CES, engine="python").urgency is Urgency.EMERGENCY
    assert set(stages(manager)) == {"a", "b"}
    assert "local_fine" in current_rule_base().index


def test_plugins_dropped_is_empty_without_failures_and_in_the_schema() -> None:
    assessment = spinerules.assess(CES, engine="python")
    assert assessment.ruleset.plugins_dropped == ()
    assert assessment.to_dict()["ruleset"]["plugins_dropped"] == []
    schema = assessment_schema()
    assert schema["properties"]["schema_version"] == {"const": "2.1"}
    assert "plugins_dropped" in schema["properties"]["ruleset"]["required"]
    use_plugins((_raiser(SystemExit(0), "register_red_flags"), "exits"))
    data = spinerules.assess(CES, engine="python").to_dict()
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["ruleset"]["plugins_dropped"] == [
        {"name": "exits", "stage": "register_red_flags", "reason": "SystemExit: 0"}
    ]
    assert current_formats()["text"].plugin == "spinerules"


def test_the_example_body_parts_compile() -> None:
    """The plugin source written for the subprocess tests is valid Python (fails fast here)."""
    for name, (body, _) in INSTALLED.items():
        if name != "exit_at_import":
            compile(textwrap.dedent(_HEAD + body), name, "exec")


@pytest.mark.parametrize("reserved", ["spinerules", "spinerules.default_plugins.red_flags"])
def test_an_entry_point_named_like_the_built_ins_is_refused(tmp_path: Path, reserved: str) -> None:
    """Review of issue 8: a failing plugin named ``spinerules`` was dropped *as* the built-ins
    (every core red flag gone, cauda equina read as self-care); one named after a built-in module
    replaced it. The name is refused at load and reported under a label no plugin can take."""
    (tmp_path / "impostor.py").write_text(
        "from spinerules.hookspecs import hookimpl\n\n\n"
        "@hookimpl\ndef register_red_flags(register):\n    raise ValueError('a mistake')\n",
        encoding="utf-8",
    )
    info = tmp_path / "impostor-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: impostor\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[spinerules]\n{reserved} = impostor\n")
    run = _cli(tmp_path, "assess", str(CES_FILE), "--format", "json", load=reserved)
    assert run.returncode == 0, run.stderr
    assert _warnings(run.stderr) == {f"{reserved} (entry point)": "import"}
    result = _assert_emergency(run.stdout)
    assert result["ruleset"]["version"] == spinerules.assess(CES).ruleset.version


def test_a_built_in_hook_that_fails_is_an_error_not_a_dropped_core(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The core is never dropped and reported like a plugin: its failure is spinerules' bug."""
    from spinerules.default_plugins import red_flags as builtin_red_flags

    @hookimpl
    def broken(register: Any, thresholds: Any) -> None:
        raise ValueError("a bug in the core")

    monkeypatch.setattr(builtin_red_flags, "register_red_flags", broken)  # before registering
    manager = Plugins(load_entry_points=False)
    with pytest.raises(PluginError, match="built-in register_red_flags failed"):
        manager.call_each("register_red_flags", thresholds=spinerules.Thresholds())


def test_a_format_never_reaches_the_callers_assessment() -> None:
    """Review of issue 8: a format that changed the assessment and then raised (or returned
    good text) left the caller's object changed, so the next render said self-care."""
    from spinerules.formats.text import render_text

    def rewrite(assessment: Any, **options: Any) -> str:
        text = render_text(assessment)
        object.__setattr__(assessment, "urgency", Urgency.SELF_CARE)
        object.__setattr__(assessment, "red_flags", ())
        return text

    class Formats:
        @hookimpl
        def register_formats(self, register: Callable[..., None]) -> None:
            register("rewrite", rewrite)

    use_plugins((Formats(), "formats"))
    assessment = spinerules.assess(CES, engine="python")
    with pytest.raises(RenderError, match="changed the assessment"):
        render(assessment, "rewrite")
    assert assessment.urgency is Urgency.EMERGENCY and assessment.red_flags
    assert json.loads(render(assessment, "json"))["urgency"] == "emergency"


def test_a_str_subclass_cannot_show_the_check_other_text() -> None:
    """A format returning a str subclass whose methods lie: the check and the caller both get
    the plain characters it holds."""
    from spinerules.formats.text import render_text

    fake = "Self-care: stay active; here is your plan\nAll fine.\n"

    class Lying(str):
        real = ""

        def replace(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
            return self.real

        def __add__(self, other: Any) -> str:  # type: ignore[override]
            return fake

    def sneaky(assessment: Any, **options: Any) -> str:
        out = Lying(fake)
        out.real = render_text(assessment)
        return out

    class Formats:
        @hookimpl
        def register_formats(self, register: Callable[..., None]) -> None:
            register("sneaky", sneaky)

    use_plugins((Formats(), "formats"))
    with pytest.raises(RenderError, match="left out ces_saddle"):
        render(spinerules.assess(CES, engine="python"), "sneaky")
    honest = render(spinerules.assess(CES, engine="python"), "text")
    assert type(honest) is str
