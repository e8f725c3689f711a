#!/usr/bin/env python3
"""Set up and run spinerules with nothing but Python: `python3 tasks.py demo|test|lint|ci`.

It creates `.venv` (or `.venv-<python>` for another interpreter), installs the project with its
development tools once (again only when pyproject.toml changes), then runs the task. Only the
standard library is used here, because a clean machine has nothing else.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# Example plugin packages under plugins/, installed with the project.
PLUGINS: list[str] = ["spinerules-pilates", "spinerules-csl-evidence"]


def venv_dir(python: str) -> Path:
    if python == sys.executable:
        return ROOT / ".venv"
    version = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return ROOT / f".venv-{version}"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, env=env)


def setup(python: str) -> Path:
    venv = venv_dir(python)
    py = venv_python(venv)
    stamp = venv / ".spinerules-installed"
    manifests = [
        ROOT / "pyproject.toml",
        *(ROOT / "plugins" / p / "pyproject.toml" for p in PLUGINS),
    ]
    wanted = hashlib.sha256(b"".join(m.read_bytes() for m in manifests)).hexdigest()
    if py.exists() and stamp.exists() and stamp.read_text() == wanted:
        return py
    if not py.exists():
        run(python, "-m", "venv", venv)
    run(py, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(py, "-m", "pip", "install", "--quiet", "-e", ".[dev]", *[f"./plugins/{p}" for p in PLUGINS])
    stamp.write_text(wanted)
    return py


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("task", choices=("demo", "test", "lint", "docs"))
    parser.add_argument("--python", default=sys.executable, help="interpreter for the venv")
    args, pytest_args = parser.parse_known_args()  # the rest goes to pytest (test task)
    py = setup(args.python)
    try:
        if args.task == "demo":
            run(py, "examples/quickstart.py")
        elif args.task == "test":
            run(py, "-m", "pytest", *pytest_args)
        elif args.task == "lint":
            run(
                py,
                "-m",
                "ruff",
                "check",
                "src",
                "tests",
                "examples",
                "benchmarks",
                "plugins",
                "tasks.py",
            )
            run(py, "-m", "mypy")
        elif args.task == "docs":
            run(py, "-m", "mkdocs", "build", "--strict", "--site-dir", "site")
    except subprocess.CalledProcessError as error:
        return error.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
