"""The command line never exits 0 without writing its whole result (issue 8 items 4, 13).

These run the CLI in a child process: a closed or full stdout is a property of the process'
file descriptors, which pytest's capture would hide.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import spinerules

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "patients"
CAUDA = EXAMPLES / "emergency_cauda_equina.json"
SRC = Path(spinerules.__file__).resolve().parents[1]


def _env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
        "SPINERULES_LOAD_PLUGINS": "",
        **extra,
    }


def _cli(*args: str, **popen: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "spinerules", *args],
        text=True,
        env=_env(),
        timeout=120,
        **{"stderr": subprocess.PIPE, **popen},
    )


def test_a_closed_stdout_is_an_error() -> None:
    done = subprocess.run(
        f'"{sys.executable}" -m spinerules assess "{CAUDA}" --engine python >&-',
        shell=True,
        text=True,
        stderr=subprocess.PIPE,
        env=_env(),
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("spinerules: error: cannot write the result"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_disk_is_an_error() -> None:
    with open("/dev/full", "w") as full:
        done = _cli("assess", str(CAUDA), "--engine", "python", stdout=full)
    assert done.returncode == 1
    assert "cannot write the result" in done.stderr and "No space left" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_reader_that_goes_away_is_an_error() -> None:
    """``spinerules assess ... | true``: the reader is gone before the result is written (the
    child is still importing), so the write fails; the exit status must say so."""
    child = subprocess.Popen(
        [sys.executable, "-m", "spinerules", "assess", str(CAUDA), "--format", "html"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=120) == 1, stderr
    assert "Traceback" not in stderr


def test_the_result_is_written_when_all_is_well() -> None:
    done = _cli("assess", str(CAUDA), "--engine", "python", stdout=subprocess.PIPE)
    assert done.returncode == 0, done.stderr
    assert "EMERGENCY" in done.stdout.upper() and done.stderr == ""


def test_an_internal_error_is_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    """A bug anywhere (here: a plugin format that raises SystemExit) never exits 0 silently."""
    plugin = tmp_path / "exiting_format.py"
    plugin.write_text(
        "from spinerules.hookspecs import hookimpl\n"
        "@hookimpl\n"
        "def register_formats(register):\n"
        "    def render(assessment, **options):\n"
        "        raise SystemExit(0)\n"
        "    register('exiting', render)\n"
    )
    dist = tmp_path / "exiting_format-0.1.dist-info"  # installed for real, via an entry point
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: exiting-format\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[spinerules]\nexiting_format = exiting_format\n")
    args = [sys.executable, "-m", "spinerules", "assess", str(CAUDA), "--format", "exiting"]
    env = _env(
        PYTHONPATH=os.pathsep.join([str(SRC), str(tmp_path)]),
        SPINERULES_LOAD_PLUGINS="exiting_format",
    )
    done = subprocess.run(args, text=True, capture_output=True, env=env, timeout=120)
    assert done.returncode != 0, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    debug = subprocess.run(
        args, text=True, capture_output=True, env={**env, "SPINERULES_DEBUG": "1"}, timeout=120
    )
    assert debug.returncode != 0 and "Traceback" in debug.stderr
