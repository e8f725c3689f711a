"""Every script in examples/ runs from a clean directory and says something."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((ROOT / "examples").glob("*.py"))


def _arguments(script: Path, tmp_path: Path) -> list[str]:
    return [str(tmp_path / "handout.html")] if script.name == "write_handout.py" else []


def test_the_examples_are_found() -> None:
    names = {s.name for s in SCRIPTS}
    assert {"quickstart.py", "custom_activity_plugin.py", "write_handout.py"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.stem)
def test_example_runs(script: Path, tmp_path: Path) -> None:
    env = dict(os.environ)
    # Run against this checkout whether or not it is installed (PYTHONPATH=src may be relative).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, str(script), *_arguments(script, tmp_path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert result.stdout.strip(), f"{script.name} printed nothing; stderr: {result.stderr}"


def test_write_handout_writes_the_html_it_names(tmp_path: Path) -> None:
    target = tmp_path / "out" / "plan.html"
    target.parent.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    script = ROOT / "examples" / "write_handout.py"
    result = subprocess.run(
        [sys.executable, str(script), str(target)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert result.stdout.strip() == str(target)
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Choose one or two you will keep doing" in html


def test_write_handout_defaults_to_handout_html(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    subprocess.run(
        [sys.executable, str(ROOT / "examples" / "write_handout.py")],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert (tmp_path / "handout.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_custom_activity_plugin_recommends_its_activity(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "custom_activity_plugin.py")],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert "first recommendation: Aquatic exercise (aquatic_exercise)" in result.stdout
    assert "+aquatic_exercise" in result.stdout
